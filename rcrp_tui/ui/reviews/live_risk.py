"""Open live-risk alerts, for QA leads and supervisors: see them and close them with a note.

The closing note passes the personal-data guard: when the service refuses it, the
personal-data dialog shows what was found; ``e`` reopens the note as typed, ``o`` closes
the alert with the note kept and a reason (audited).
"""

from __future__ import annotations

from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static
from textual.worker import Worker

from rcrp_tui.services.core import changes
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, ServiceError
from rcrp_tui.services.core.free_text import PersonalDataFound
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.reviews.live_risk import LiveRiskView
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import list_keys
from rcrp_tui.ui.common.literal import literal
from rcrp_tui.ui.common.live import DataChanged
from rcrp_tui.ui.common.personal_data_dialog import PersonalDataDialog
from rcrp_tui.ui.common.worker_errors import report_failure
from rcrp_tui.ui.reviews import live_risk_banner
from rcrp_tui.ui.reviews.dialogs import TextPromptDialog

LOCAL = ZoneInfo("Europe/London")


class LiveRiskScreen(Screen[None]):
    """Every open live-risk alert, oldest first."""

    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "close_alert", "Close alert", id="live-risk.close"),
        *list_keys("cursor(1)", "cursor(-1)"),
        Binding("escape", "leave", "Back", id="live-risk.back"),
    ]

    class AlertsLoaded(Message):
        def __init__(self, alerts: list[LiveRiskView]) -> None:
            super().__init__()
            self.alerts = alerts

    def __init__(self, ctx: Ctx, **kw: Any) -> None:
        super().__init__(**kw)
        self.ctx = ctx
        self.alerts: list[LiveRiskView] = []
        self._unsaved: dict[int, str] = {}  # alert id -> a closing note not saved

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="live-risk-title")
        yield DataTable(id="alerts", cursor_type="row")
        yield KeyFooter()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    def on_mount(self) -> None:
        self.sub_title = "Live risk"
        table = self.query_one(DataTable)
        table.add_columns("Raised (UK)", "CAD ref", "Raised by", "Escalated to", "At", "Review")
        table.focus()
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        self.post_message(self.AlertsLoaded(live_risk.open_alerts(self.ctx)))

    def on_live_risk_screen_alerts_loaded(self, message: AlertsLoaded) -> None:
        held = self._highlighted_id()
        self.alerts = message.alerts
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for a in message.alerts:
            table.add_row(
                f"{a.raised_at.astimezone(LOCAL):%d %b %H:%M}",
                a.cad_ref,
                literal(a.raised_by, single_line=True),
                literal(a.escalated_to, single_line=True),
                f"{a.escalated_at.astimezone(LOCAL):%H:%M}",
                str(a.review_id),
                key=str(a.id),
            )
        ids = [a.id for a in message.alerts]
        if held in ids:  # the highlighted alert stays highlighted, wherever it now is
            keep = ids.index(held)
        if ids:
            table.move_cursor(row=min(max(keep, 0), len(ids) - 1))
        title = (
            f"⚠ {len(message.alerts)} open live-risk alert(s) · c closes the highlighted one"
            if message.alerts
            else "✓ No open live-risk alerts."
        )
        self.query_one("#live-risk-title", Static).update(title)

    def _highlighted_id(self) -> int | None:
        table = self.query_one(DataTable)
        if 0 <= table.cursor_row < table.row_count:
            return int(
                str(table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value)
            )
        return None

    def on_data_changed(self, message: DataChanged) -> None:
        """An alert was raised or closed (here or at another terminal): read them again."""
        if message.touches(changes.LIVE_RISK):
            self._load()

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_close_alert(self) -> None:
        table = self.query_one(DataTable)
        if not self.alerts or table.cursor_row >= len(self.alerts):
            return
        alert = self.alerts[table.cursor_row]
        # A note refused because someone else changed the alert first comes back as typed.
        self._ask_note(alert, self._unsaved.pop(alert.id, ""))

    def _ask_note(self, alert: LiveRiskView, value: str = "") -> None:
        def done(note: str | None) -> None:
            if note:
                self._close(alert, note)

        self.app.push_screen(
            TextPromptDialog(
                f"Close live-risk alert on {alert.cad_ref}",
                "What was done? (recorded and audited; no names, phone numbers or addresses)",
                value=value,
            ),
            done,
        )

    @work(thread=True, exit_on_error=False)
    def _close(self, alert: LiveRiskView, note: str, override_reason: str | None = None) -> None:
        try:
            live_risk.close_alert(
                self.ctx,
                alert.id,
                note,
                override_reason=override_reason,
                expected_version=alert.row_version,
            )
        except PersonalDataFound as exc:
            self.app.call_from_thread(self._personal_data, alert, note, exc)
            return
        except ServiceError as exc:
            if isinstance(exc, Conflict):
                self._unsaved[alert.id] = note
            self.app.call_from_thread(
                self.notify, exc.message, title="Not closed", severity="warning", markup=False
            )
            self.app.call_from_thread(self._load)
            return
        self.app.call_from_thread(self._after_close)

    def _personal_data(self, alert: LiveRiskView, note: str, refusal: PersonalDataFound) -> None:
        def answered(reason: str | None) -> None:
            if reason is None:
                self._ask_note(alert, note)  # back to the note, as typed
            else:
                self._close(alert, note, reason)

        self.app.push_screen(PersonalDataDialog.for_refusal(note, refusal), answered)

    def _after_close(self) -> None:
        self.notify("Live-risk alert closed.")
        live_risk_banner.refresh(self.app)
        self._load()

    def action_leave(self) -> None:
        self.dismiss(None)
