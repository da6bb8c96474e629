"""The coaching-note editor: theme, what went well, what to develop, agreed actions,
a follow-up date and visibility; ctrl+s saves.

Opened with ``c`` from the review screen or the officer's record (destination
"coaching_note", ``staff_id`` and optional ``review_id``). Saving runs in a worker; a
refusal is shown next to the field it names. When the personal-data guard finds
something, the personal-data dialog opens: edit it out, or give a reason and the note is
saved again with that reason (audited).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Header, Input, Label, Select, Static, TextArea

from rcrp_tui.domain import coaching as rules
from rcrp_tui.domain.coaching import NoteText, Theme, Visibility
from rcrp_tui.services.coaching import notes as coaching
from rcrp_tui.services.coaching.notes import CoachingNoteView, NoteInput
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError, ValidationFailed
from rcrp_tui.services.core.free_text import PersonalDataFound
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.common.form import FormBehaviour, FormInput, plain_reason
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import shown_key
from rcrp_tui.ui.common.literal import literal, visible
from rcrp_tui.ui.common.personal_data_dialog import PersonalDataDialog

#: A field as the services and rules name it -> the widget that holds it.
FIELD_WIDGETS: dict[str, str] = {
    "Staff ID": "staff-id",
    "Theme": "theme",
    "Criteria": "criteria",
    "What went well": "went-well",
    "What to develop": "to-develop",
    "Agreed actions": "agreed-actions",
    "Follow-up date": "follow-up",
    "Visibility": "visibility",
}


class NoteEditorScreen(FormBehaviour, FeatureScreen[int | None]):
    """Write one coaching note about a contact officer; dismisses with the new note's id.
    The form rules are ``ui.common.form``'s: Esc on a changed note asks first."""

    FORM_ERROR_ID = "form-error"
    FORM_WHAT = "this coaching note"
    FORM_LIMITS = {
        "staff-id": ("Staff ID", 32),
        "went-well": ("What went well", rules.TEXT_MAX),
        "to-develop": ("What to develop", rules.TEXT_MAX),
        "agreed-actions": ("Agreed actions", rules.TEXT_MAX),
    }

    CSS_PATH = "coaching.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save note", id="coaching-note.save", tooltip="Save the note"),
        Binding("escape", "leave", "Cancel", id="coaching-note.cancel", tooltip="Discard"),
    ]

    class Refused(Message):
        """The service said no; ``field`` names where, when it knows."""

        def __init__(self, field: str | None, message: str) -> None:
            super().__init__()
            self.field = field
            self.message = message

    class PersonalDataShown(Message):
        def __init__(self, refusal: PersonalDataFound, text: str) -> None:
            super().__init__()
            self.refusal = refusal
            self.text = text

    class NoteSaved(Message):
        def __init__(self, note: CoachingNoteView) -> None:
            super().__init__()
            self.note = note

    def __init__(
        self, ctx: Ctx, staff_id: str = "", review_id: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(ctx, **kwargs)
        self.staff_id = staff_id
        self.review_id = review_id
        self.reasons: dict[str, str] = {}
        self._pending: NoteInput | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        about = f"review {self.review_id}" if self.review_id is not None else "no review"
        title = f"Coaching note · {self.staff_id or 'choose an officer'} · {about}"
        with VerticalScroll(id="note-form", classes="form"):
            yield Static(literal(title, single_line=True), id="note-title")
            yield Label("Staff ID (the officer this note is about)")
            yield FormInput(self.staff_id, placeholder="e.g. CO-101", id="staff-id")
            yield Label("Theme")
            yield Select(
                [(t.label, t) for t in Theme],
                value=Theme.BETTER_PRACTICE,
                allow_blank=False,
                id="theme",
            )
            yield Label("Criteria (codes, optional: e.g. C05, C09)")
            yield FormInput(placeholder="C05, C09", id="criteria")
            yield Label("What went well")
            yield TextArea(id="went-well", classes="note-text")
            yield Label("What to develop")
            yield TextArea(id="to-develop", classes="note-text")
            yield Label("Agreed actions")
            yield TextArea(id="agreed-actions", classes="note-text")
            yield Label("Follow-up date (YYYY-MM-DD; needed when there are agreed actions)")
            yield FormInput(placeholder="YYYY-MM-DD", id="follow-up")
            yield Label("Visibility")
            yield Select(
                [
                    ("Normal: people coaching the officer", Visibility.NORMAL),
                    ("Restricted: QA leads and the officer's supervisor", Visibility.RESTRICTED),
                ],
                value=Visibility.NORMAL,
                allow_blank=False,
                id="visibility",
            )
            yield Static("", id="form-error")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Coaching note"
        # The officer is usually known already: start where the writing starts.
        self.query_one("#theme" if self.staff_id else "#staff-id").focus()

    def _text(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", TextArea).text

    def show_error(self, field: str | None, message: str) -> None:
        """Show ``message`` literally, naming the field, and move the focus there."""
        text = f"{field}: {plain_reason(message)}" if field else plain_reason(message)
        self.show_field_error(FIELD_WIDGETS.get(field or ""), text)

    def action_save(self) -> None:
        if self.refuse_over_limits():
            return
        now = self.ctx.clock.now()
        try:
            follow_up = rules.parse_follow_up(self.query_one("#follow-up", Input).value, now)
            criteria = rules.parse_criteria(self.query_one("#criteria", Input).value)
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            self.show_error(field, message)
            return
        staff_id = self.query_one("#staff-id", Input).value.strip()
        if not staff_id:
            self.show_error("Staff ID", "type the officer's staff ID")
            return
        theme = self.query_one("#theme", Select).value
        visibility = self.query_one("#visibility", Select).value
        note = NoteInput(
            staff_id=staff_id,
            theme=theme if isinstance(theme, Theme) else Theme.BETTER_PRACTICE,
            text=NoteText(
                self._text("went-well"), self._text("to-develop"), self._text("agreed-actions")
            ),
            follow_up_on=follow_up,
            visibility=visibility if isinstance(visibility, Visibility) else Visibility.NORMAL,
            review_id=self.review_id,
            criteria=criteria,
        )
        self.query_one("#form-error", Static).update("Saving…")
        self._save(note, dict(self.reasons))

    @work(thread=True, exclusive=True, exit_on_error=False, group="coaching-note")
    def _save(self, note: NoteInput, reasons: dict[str, str]) -> None:
        try:
            saved = coaching.write_note(self.ctx, note, override_reasons=reasons)
        except PersonalDataFound as exc:
            name = {v: k for k, v in rules.FIELD_LABELS.items()}.get(exc.field, "to_develop")
            self.post_message(self.PersonalDataShown(exc, getattr(note.text, name)))
        except ValidationFailed as exc:
            self.post_message(self.Refused(exc.field, exc.reason))
        except ServiceError as exc:
            self.post_message(self.Refused(None, exc.message))
        else:
            self.post_message(self.NoteSaved(saved))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.show_error(message.field, message.message)

    @on(PersonalDataShown)
    def _personal_data(self, message: PersonalDataShown) -> None:
        field = message.refusal.field
        self.show_error(field, "looks like personal data: edit it out, or save with a reason")

        def answered(reason: str | None) -> None:
            if reason is None:
                save = shown_key(self.app, "coaching-note.save", "ctrl+s")
                self.show_error(field, f"edit out the personal data, then {save} to save")
                return
            self.reasons[field] = reason
            self.action_save()

        self.app.push_screen(
            PersonalDataDialog.for_refusal(message.text, message.refusal), answered
        )

    @on(NoteSaved)
    def _note_saved(self, message: NoteSaved) -> None:
        note = message.note
        self.notify(
            f"Coaching note {note.id} saved for {visible(note.staff_id, single_line=True)}.",
            markup=False,
        )
        self.dismiss(note.id)

    def action_leave(self) -> None:
        self.leave_form()
