"""Criterion notes on the review screen, and the personal-data guard around them and
around the other text a review save carries (the reason for a change, the officer's
acknowledgement comment).

A note is typed in a small prompt (key ``n``). If it looks like personal data, the
personal-data dialog opens at once: ``e`` goes back to the prompt with the note as typed,
``o`` keeps it with a reason. The reason travels with the next save, where the service
scans the note again and audits the override; a save the service refuses for a note
(for example after a conflict merged someone else's note in) opens the same dialog and,
given a reason, repeats the same save. A refused reason or comment opens the dialog too:
``e`` asks for it again with the text as typed, ``o`` keeps it and repeats the save.
"""

from __future__ import annotations

from typing import Protocol

from textual.app import App

from rcrp_tui.domain.toolkit import Criterion
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.free_text import PersonalDataFound, find_personal_data
from rcrp_tui.services.reviews.records import (
    ACK_COMMENT_FIELD,
    CHANGE_REASON_FIELD,
    AnswerEntry,
    ReviewView,
    ReviewWork,
    criterion_of_note_field,
    note_field,
)
from rcrp_tui.ui.common.personal_data_dialog import PersonalDataDialog
from rcrp_tui.ui.reviews.dialogs import TextPromptDialog


class _ReviewHost(Protocol):
    """What the notes need from the screen they are mixed into."""

    ctx: Ctx
    work: ReviewWork | None
    base: ReviewView | None
    answers: dict[str, AnswerEntry]
    note_reasons: dict[str, str]

    @property
    def app(self) -> App[object]: ...

    def _current(self) -> Criterion | None: ...

    def _changed(self) -> None: ...

    def _write(self, what: str, reason: str | None = None) -> object: ...

    def _edit_note(self, code: str, value: str | None = None) -> None: ...

    def _criterion(self, code: str) -> Criterion | None: ...

    def _typed_note_answered(self, code: str, reason: str | None) -> None: ...

    def _reason_refused(self, what: str, reason: str, refusal: PersonalDataFound) -> None: ...

    def _ask_reason_again(self, what: str, field: str, typed: str) -> None: ...


#: The prompt that asks again for a refused reason or comment: title, prompt, required.
_PROMPTS: dict[str, tuple[str, str, bool]] = {
    CHANGE_REASON_FIELD: ("Reason for the change", "Why? (recorded in the history)", True),
    ACK_COMMENT_FIELD: ("Acknowledge this review", "Comment (optional)", False),
}


class CriterionNotes:
    """Mixed into ``ReviewScreen``: write a criterion note, guarded for personal data."""

    def action_note(self: _ReviewHost) -> None:
        """Write or change the note on the highlighted criterion."""
        c = self._current()
        if c is not None:
            self._edit_note(c.code)

    def _criterion(self: _ReviewHost, code: str) -> Criterion | None:
        if self.work is None:
            return None
        return next((c for c in self.work.criteria if c.code == code), None)

    def _edit_note(self: _ReviewHost, code: str, value: str | None = None) -> None:
        """Open the note prompt for ``code``, holding ``value`` (default: the note kept)."""
        c = self._criterion(code)
        if c is None:
            return
        entry = self.answers.get(code, AnswerEntry())

        def done(note: str | None) -> None:
            if note is None:
                return
            field = note_field(code)
            if note != entry.note:
                # A reason given for the old wording does not excuse the new one.
                self.note_reasons.pop(field, None)
            self.answers[code] = AnswerEntry(self.answers.get(code, entry).answer, note)
            self._changed()
            stored = self.base.answers.get(code, AnswerEntry()).note if self.base else ""
            findings = [] if note == stored else find_personal_data(self.ctx, note)
            # A note saved before (its override audited then) is not asked about again.
            if findings and field not in self.note_reasons:
                dialog = PersonalDataDialog(note, findings, field=field)
                self.app.push_screen(dialog, lambda reason: self._typed_note_answered(code, reason))

        prompt = f"{c.code}: {c.question}\nNo names, phone numbers or addresses."
        self.app.push_screen(
            TextPromptDialog(
                "Note on this criterion",
                prompt,
                value=entry.note if value is None else value,
                required=False,
            ),
            done,
        )

    def _note_refused(
        self: _ReviewHost, what: str, reason: str | None, refusal: PersonalDataFound
    ) -> None:
        """The service refused a save for a note: show why, then edit it or save with a reason."""
        code = criterion_of_note_field(refusal.field)
        if code is None and reason is not None and refusal.field in _PROMPTS:
            self._reason_refused(what, reason, refusal)
            return
        if code is None:
            self.app.notify(refusal.message, title="Not saved", severity="warning", markup=False)
            return
        text = self.answers.get(code, AnswerEntry()).note

        def answered(override: str | None) -> None:
            if override is None:
                self._edit_note(code, text)
                return
            self.note_reasons[refusal.field] = override
            self._write(what, reason)

        self.app.push_screen(PersonalDataDialog.for_refusal(text, refusal), answered)

    def _typed_note_answered(self: _ReviewHost, code: str, reason: str | None) -> None:
        """The dialog's answer for a note just typed: edit again, or keep it with ``reason``."""
        field = note_field(code)
        note = self.answers.get(code, AnswerEntry()).note
        if reason is None:
            self._edit_note(code, note)
            return
        self.note_reasons[field] = reason
        self.app.notify(
            f"{field} kept with your reason; it is audited when the review is saved.",
            markup=False,
        )

    def _reason_refused(
        self: _ReviewHost, what: str, reason: str, refusal: PersonalDataFound
    ) -> None:
        """A reason or comment looked like personal data: ask again, or keep it with a reason."""

        def answered(override: str | None) -> None:
            if override is None:
                self._ask_reason_again(what, refusal.field, reason)
                return
            self.note_reasons[refusal.field] = override
            self._write(what, reason)

        self.app.push_screen(PersonalDataDialog.for_refusal(reason, refusal), answered)

    def _ask_reason_again(self: _ReviewHost, what: str, field: str, typed: str) -> None:
        """The prompt for ``field`` again, holding what was typed; enter repeats the save."""
        title, prompt, required = _PROMPTS[field]

        def done(text: str | None) -> None:
            if text is None or (required and not text):
                return
            if text != typed:
                self.note_reasons.pop(field, None)
            self._write(what, text)

        self.app.push_screen(
            TextPromptDialog(
                title,
                prompt + "\nNo names, phone numbers or addresses.",
                value=typed,
                required=required,
            ),
            done,
        )
