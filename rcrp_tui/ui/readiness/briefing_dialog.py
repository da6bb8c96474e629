"""Record the go-live briefing of a team's first shift of a type (``b`` on the rota).

Planned (who will give it and when), delivered (by whom, when, how many attended) or not
delivered (why). Times are typed in local time (YYYY-MM-DD HH:MM) and stored in UTC. The
dialog checks what it can, saves through the service in a worker and stays open, with
everything typed kept, until the save is done.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from rcrp_tui.domain.shift_patterns import DEFAULT_TZ
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError, ValidationFailed
from rcrp_tui.services.readiness.briefings import (
    BriefingInput,
    BriefingStatus,
    FirstShift,
    record_briefing,
)
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.common.form import FormBehaviour, FormInput, plain_reason
from rcrp_tui.ui.common.keys import KeyHints
from rcrp_tui.ui.readiness.dialogs import DIALOG_CSS, SaveDone, SaveRefused

_FORMAT = "%Y-%m-%d %H:%M"


def _local(moment: datetime | None) -> str:
    return moment.astimezone(DEFAULT_TZ).strftime(_FORMAT) if moment else ""


class BriefingDialog(FormBehaviour, ReportsWorkerErrors, ModalScreen[object]):
    """The briefing for one first shift; dismissed with True once saved."""

    DEFAULT_CSS = DIALOG_CSS
    FORM_ERROR_ID = "briefing-error"
    FORM_FIELDS: ClassVar[dict[str, tuple[str, str]]] = {
        "delivered_by": ("briefing-by", "Given by"),
        "delivered_at": ("briefing-at", "When"),
        "attendees": ("briefing-attendees", "Attended"),
        "reason": ("briefing-reason", "Why not"),
    }
    FORM_WHAT = "this briefing"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="rota.briefing.cancel"),
        Binding("ctrl+s", "save", "Save", id="rota.briefing.save"),
    ]

    def __init__(self, ctx: Ctx, shift: FirstShift) -> None:
        super().__init__()
        self.ctx, self.shift = ctx, shift

    def compose(self) -> ComposeResult:
        s, b = self.shift, self.shift.briefing
        with Vertical(classes="readiness-dialog"):
            yield Label(
                f"Go-live briefing: {s.team_name} {s.shift_code}, phase {s.phase}, first shift "
                f"{_local(s.start)}",
                classes="dialog-title",
            )
            yield Select(
                [(status.label, status.value) for status in BriefingStatus],
                value=(b.status if b else BriefingStatus.PLANNED).value,
                allow_blank=False,
                id="briefing-status",
            )
            # A new briefing is offered as the person's own, half an hour before the shift.
            by = b.delivered_by if b else self.ctx.actor.display_name
            at = b.delivered_at if b else s.start - timedelta(minutes=30)
            yield Label("Given by (planned or delivered)")
            yield FormInput(by, id="briefing-by")
            yield Label("When (YYYY-MM-DD HH:MM, UK time)")
            yield FormInput(_local(at), id="briefing-at")
            yield Label("Attended (delivered: how many)")
            attended = str(b.attendees) if b and b.attendees is not None else ""
            yield FormInput(attended, id="briefing-attendees")
            yield Label("Why not (not delivered)")
            yield FormInput(b.reason if b else "", id="briefing-reason")
            yield Static("", id="briefing-error", classes="dialog-error")
            yield KeyHints(before=[("Enter", "save")])

    def on_mount(self) -> None:
        self.query_one("#briefing-status", Select).focus()

    def _text(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        status = BriefingStatus(str(self.query_one("#briefing-status", Select).value))
        at: datetime | None = None
        attendees: int | None = None
        if status is not BriefingStatus.NOT_DELIVERED:
            raw = self._text("briefing-at")
            try:
                at = datetime.strptime(raw, _FORMAT).replace(tzinfo=DEFAULT_TZ)
            except ValueError:
                self.show_field_error(
                    "briefing-at", f"When: {raw!r} is not a time like 2026-12-14 06:30."
                )
                return
        if status is BriefingStatus.DELIVERED:
            raw = self._text("briefing-attendees")
            if not raw.isdigit():
                self.show_field_error(
                    "briefing-attendees", f"Attended: {raw!r} is not a whole number."
                )
                return
            attendees = int(raw)
        s = self.shift
        given = BriefingInput(
            s.phase,
            s.team_id,
            s.shift_code,
            status,
            self._text("briefing-by") if status is not BriefingStatus.NOT_DELIVERED else "",
            at,
            attendees,
            self._text("briefing-reason") if status is BriefingStatus.NOT_DELIVERED else "",
        )
        self.query_one("#briefing-error", Static).update("Saving…")
        self._save(given)

    @work(thread=True, exclusive=True, exit_on_error=False, group="rota-briefing")
    def _save(self, given: BriefingInput) -> None:
        seen = None if self.shift.briefing is None else self.shift.briefing.row_version
        try:
            record_briefing(self.ctx, given, expected_version=seen)
        except ServiceError as exc:
            self.post_message(SaveRefused(exc))
            return
        self.post_message(SaveDone(True))

    @on(SaveRefused)
    def _refused(self, message: SaveRefused) -> None:
        if isinstance(message.error, ValidationFailed):
            self.show_validation(message.error)
        else:
            self.show_field_error(None, plain_reason(message.error.message))

    @on(SaveDone)
    def _saved(self, message: SaveDone) -> None:
        self.dismiss(message.result)

    def action_cancel(self) -> None:
        self.leave_form()
