"""Dialogs to record an appeal and to decide one: keys only, validated by the service.

Each dialog saves in a thread worker and stays open on a refusal, showing the message
next to the field it names and moving the focus there, so nothing is lost or half-saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select, Static

from rcrp_tui.domain.appeals import (
    ORGANISATION_MAX,
    RATIONALE_MAX,
    AppealOutcome,
    AppealRoute,
    PartnerType,
    parse_received,
)
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.queries import AppealRow
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError, ValidationFailed
from rcrp_tui.services.core.free_text import MAX_REASON_LENGTH, PersonalDataFound
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.common.form import FormBehaviour, FormInput, plain_reason
from rcrp_tui.ui.common.keys import KeyHints
from rcrp_tui.ui.common.literal import visible

#: Service field name -> (widget id, what a person calls it).
RECORD_FIELDS: dict[str, tuple[str, str]] = {
    "cad_ref": ("cad-ref", "CAD reference"),
    "route": ("route", "How it came in"),
    "partner_type": ("partner-type", "Partner type"),
    "partner_org": ("partner-org", "Partner organisation"),
    "original_decision": ("original-decision", "Original decision"),
    "received_at": ("received-at", "Time received"),
    "themes": ("themes", "Themes"),
}
#: Service reasons that finish a sentence begun by the field's name, with no colon.
_PREDICATES = ("is empty", "is required", "is in the future", "is before")
#: The longest "save it as it is" reason the guard takes.
OVERRIDE_REASON_MAX = MAX_REASON_LENGTH
DECIDE_FIELDS: dict[str, tuple[str, str]] = {
    "outcome": ("outcome", "Outcome"),
    "rationale": ("rationale", "Rationale"),
    "decided_at": ("rationale", "Time decided"),
}


def override_box() -> Vertical:
    """The hidden "reason for saving it as it is" box of a form that checks personal data."""
    return Vertical(
        Label("Reason for saving it as it is (audited)"),
        FormInput(id="override-reason"),
        id="override-box",
        classes="hidden",
    )


class AppealForm(FormBehaviour, ReportsWorkerErrors, ModalScreen[Any]):
    """Shared behaviour: save on ctrl+s, cancel on escape, show refusals by field."""

    CSS_PATH = "appeals.tcss"
    FIELDS: ClassVar[dict[str, tuple[str, str]]] = {}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="appeal-form.save"),
        Binding("escape", "cancel", "Cancel", id="appeal-form.cancel"),
    ]

    class Refused(Message):
        def __init__(self, field: str | None, message: str) -> None:
            super().__init__()
            self.field = field
            self.message = message

    class Saved(Message):
        def __init__(self, result: Any) -> None:
            super().__init__()
            self.result = result

    FORM_ERROR_ID = "form-error"

    def action_cancel(self) -> None:
        self.leave_form()

    def show_error(self, field: str | None, message: str) -> None:
        """Show ``message`` (literally) under the field it is about, in the form's words."""
        widget_id, label = self.FIELDS.get(field or "", (None, None))
        if field and field.startswith("Reason for saving"):
            widget_id, label = "override-reason", field  # the guard's own field name
        if field and label is None:
            label = self.field_label(field)
        reason = plain_reason(message)
        if label and reason.startswith(_PREDICATES):
            text = f"{label} {reason}"  # "Time received is in the future.", not "...: is in"
        else:
            text = f"{label}: {reason}" if label else reason
        self.show_field_error(widget_id, text)

    def override_reason(self) -> str | None:
        """The audited "save it as it is" reason, once the form has offered it."""
        if self.query_one("#override-box").has_class("hidden"):
            return None
        return self.query_one("#override-reason", Input).value

    def offer_override(self, field: str, message: str) -> None:
        """Show the reason box (editing the text out is the other way forward) and why."""
        self.query_one("#override-box").remove_class("hidden")
        self.show_error(field, message)

    def post_outcome(self, save: Callable[[], Any], *, personal_data: bool = False) -> None:
        """Run ``save`` (from a worker thread) and answer with one message: ``Saved`` with
        its result, ``Refused`` naming the field, or, when the form offers a "save anyway"
        reason (``personal_data``), ``PersonalDataShown``."""
        try:
            result = save()
        except PersonalDataFound as exc:
            if not personal_data:
                self.post_message(self.Refused(None, exc.message))
                return
            kinds = ", ".join(kind.label.lower() for kind in exc.kinds)
            self.post_message(
                PersonalDataShown(
                    f"this looks like personal data ({kinds}). Edit it out, or give a "
                    "reason to save it as it is."
                )
            )
        except ValidationFailed as exc:
            self.post_message(self.Refused(exc.field, exc.reason))
        except ServiceError as exc:
            self.post_message(self.Refused(None, exc.message))
        else:
            self.post_message(self.Saved(result))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.show_error(message.field, message.message)

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.dismiss(message.result)

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()


class RecordAppealDialog(AppealForm):
    """Record an appeal (a live 999 appeal unless another route is chosen)."""

    FIELDS = RECORD_FIELDS
    FORM_LIMITS = {
        "cad-ref": ("CAD reference", 64),
        "partner-org": ("Partner organisation", ORGANISATION_MAX),
    }

    def __init__(self, ctx: Ctx, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        # Scrolls, so Tab brings every field into view on a 24-row terminal; the error and
        # the keys sit at the top, where they are always seen.
        with VerticalScroll(id="appeal-form", classes="form"):
            yield Label("Record a partner appeal", classes="form-title")
            yield KeyHints(after=[("Tab", "next box")], classes="form-hint")
            yield Static("", id="form-error", classes="form-error")
            yield Label("CAD reference of the decision appealed")
            yield FormInput(placeholder="e.g. CAD260120", id="cad-ref")
            yield Label("How it came in")
            yield Select(
                [(r.label, r) for r in AppealRoute],
                value=AppealRoute.LIVE_999,
                allow_blank=False,
                id="route",
            )
            yield Label("Partner type (who is appealing)")
            yield Select(
                [(p.label, p) for p in PartnerType],
                value=PartnerType.AMBULANCE,
                allow_blank=False,
                id="partner-type",
            )
            yield Label("Partner organisation (the organisation, never a person's name)")
            yield FormInput(placeholder="e.g. London Ambulance Service", id="partner-org")
            yield Label("Original decision (what the control room decided)")
            yield FormInput(
                placeholder="blank: from the import · else e.g. signposted",
                id="original-decision",
            )
            yield Label("Time received (UK time)")
            yield FormInput(
                placeholder="blank: now · HH:MM (today) · YYYY-MM-DD HH:MM", id="received-at"
            )
            yield Label("Themes (optional, comma separated)")
            yield Static(
                "Governance, Guidelines, Compliance, Resources, Human error, Better "
                "practice, or a short tag of your own",
                classes="form-note",
            )
            yield FormInput(placeholder="e.g. Resources, night cover", id="themes")
            yield Checkbox("Adverse outcome reported (harm after the decision)", id="adverse")

    def on_mount(self) -> None:
        self.query_one("#cad-ref", Input).focus()

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def action_save(self) -> None:
        if self.refuse_over_limits():
            return
        try:
            received = parse_received(self._value("received-at"), self.ctx.clock.now())
        except ValueError as exc:
            self.show_error("received_at", str(exc))
            return
        themes = tuple(t for t in self._value("themes").split(",") if t.strip())
        data = AppealInput(
            cad_ref=self._value("cad-ref"),
            route=self.query_one("#route", Select).value,  # type: ignore[arg-type]
            partner_type=self.query_one("#partner-type", Select).value,  # type: ignore[arg-type]
            partner_org=self._value("partner-org"),
            original_decision=self._value("original-decision"),
            received_at=received,
            adverse_outcome_reported=self.query_one("#adverse", Checkbox).value,
            themes=themes,
        )
        self.query_one("#form-error", Static).update("Saving…")
        self._save(data)

    @work(thread=True, exclusive=True, exit_on_error=False, group="appeal-form")
    def _save(self, data: AppealInput) -> None:
        self.post_outcome(lambda: appeals.record_appeal(self.ctx, data))


class PersonalDataShown(Message):
    """The rationale looked like personal data: show why and offer the override."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class DecideAppealDialog(AppealForm):
    """Record the decision on an open appeal: outcome and rationale."""

    FIELDS = DECIDE_FIELDS
    FORM_LIMITS = {
        "rationale": ("Rationale", RATIONALE_MAX),
        "override-reason": ("Reason for saving it as it is", OVERRIDE_REASON_MAX),
    }

    def __init__(self, ctx: Ctx, appeal: AppealRow, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.appeal = appeal

    def compose(self) -> ComposeResult:
        a = self.appeal
        with VerticalScroll(id="decide-form", classes="form"):
            yield Label("Decide the appeal", classes="form-title")
            yield Static(
                Text(
                    visible(
                        f"{a.cad_ref} · {a.route.label} · {a.partner_type.label} · {a.partner_org}",
                        single_line=True,
                    )
                ),
                classes="form-context",
            )
            yield Label("Outcome: does the original decision stand?")
            yield Select(
                [(o.label, o) for o in AppealOutcome],
                value=AppealOutcome.UPHELD,
                allow_blank=False,
                id="outcome",
            )
            yield Label(f"Rationale: why (at most {RATIONALE_MAX:,} characters, no personal data)")
            yield FormInput(id="rationale")
            yield override_box()
            yield Static("", id="form-error", classes="form-error")
            yield KeyHints(classes="form-hint")

    def on_mount(self) -> None:
        self.query_one("#outcome", Select).focus()

    def action_save(self) -> None:
        if self.refuse_over_limits():
            return
        outcome: AppealOutcome = self.query_one("#outcome", Select).value  # type: ignore[assignment]
        rationale = self.query_one("#rationale", Input).value
        self.query_one("#form-error", Static).update("Saving…")
        self._save(outcome, rationale, self.override_reason())

    @on(PersonalDataShown)
    def _personal_data(self, message: PersonalDataShown) -> None:
        self.offer_override("rationale", message.message)

    @work(thread=True, exclusive=True, exit_on_error=False, group="appeal-form")
    def _save(self, outcome: AppealOutcome, rationale: str, reason: str | None) -> None:
        def decide() -> bool:
            appeals.decide_appeal(
                self.ctx,
                self.appeal.id,
                outcome=outcome,
                rationale=rationale,
                expected_version=self.appeal.row_version,
                override_reason=reason,
            )
            return True

        self.post_outcome(decide, personal_data=True)
