"""Calibration sessions (ctrl+g): status, deadline and my progress; ``n`` starts a session.

A QA lead sees every session; a floorwalker only the sessions they grade. The list is read
in a thread worker; Enter opens the session screen.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from rcrp_tui.domain.enums import Role
from rcrp_tui.services.calibration import sessions
from rcrp_tui.services.calibration.records import SessionSummary
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.calibration.common import shorten, status_label
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import list_keys, refresh_key
from rcrp_tui.ui.common.literal import literal, visible

# Title last: a long title must not push the figures off an 80-column screen.
COLUMNS = ("No.", "Status", "Deadline", "Scores", "Mine", "Title")


class CalibrationScreen(FeatureScreen[None]):
    """Every calibration session the signed-in person may see, newest first."""

    CSS_PATH = "calibration.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_session", "Open", id="calibration.open"),
        Binding("n", "new_session", "New session", id="calibration.new"),
        Binding("d", "drift", "Drift", id="calibration.drift"),
        refresh_key("reload", "Read the sessions again"),
        *list_keys("cursor('down')", "cursor('up')"),
    ]

    def __init__(self, ctx: Ctx, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.rows: list[SessionSummary] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="cal-sessions", classes="cal-table", cursor_type="row")
        yield Static("Loading…", id="cal-position", classes="cal-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = (
            f"Calibration · {self.ctx.actor.display_name} ({self.ctx.actor.role.label})"
        )
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        table.focus()
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new_session":
            return self.ctx.actor.role is Role.QA_LEAD
        return True

    def action_reload(self) -> None:
        self._load()

    def _reload_after(self, _result: object = None) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-list")
    def _load(self) -> None:
        rows = sessions.list_sessions(self.ctx)
        self.app.call_from_thread(self._show, rows)

    def on_resize(self) -> None:
        if self.rows:
            self.call_after_refresh(self._show, self.rows)

    def _show(self, rows: list[SessionSummary]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        today = self.ctx.clock.now().date()
        cells = []
        for s in rows:
            mine = f"{s.my_submitted}/{s.decisions}" if s.i_grade else "not grading"
            cells.append(
                [
                    str(s.id),
                    status_label(s, s.overdue(today)),
                    f"{s.deadline:%d %b %Y}",
                    f"{s.submitted}/{s.expected}",
                    mine,
                ]
            )
        # The title takes what the other columns leave and ends in … when cut (the
        # session screen shows it whole); each column has a cell's padding either side.
        pad = 2 * table.cell_padding
        used = sum(
            max([len(name), *(len(row[i]) for row in cells)]) + pad
            for i, name in enumerate(COLUMNS[:-1])
        )
        room = table.scrollable_content_region.width - used - pad
        room = max(room, len(COLUMNS[-1]) + 4)
        for s, row in zip(rows, cells, strict=True):
            title = visible(s.title, single_line=True)
            table.add_row(*row, literal(shorten(title, room)), key=str(s.id))
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        n = len(rows)
        self.query_one("#cal-position", Static).update(
            "No calibration sessions yet."
            + (" n: start one." if self.ctx.actor.role is Role.QA_LEAD else "")
            if n == 0
            else f"{n} session{'' if n == 1 else 's'} · Scores: submitted of expected, all "
            "graders · Mine: my submitted decisions"
        )

    def _current(self) -> SessionSummary | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.check_action("open_session", ()):
            self.action_open_session()

    def action_cursor(self, direction: str) -> None:
        table = self.query_one(DataTable)
        (table.action_cursor_down if direction == "down" else table.action_cursor_up)()

    def action_open_session(self) -> None:
        from rcrp_tui.ui.calibration.session import SessionScreen

        current = self._current()
        if current is not None:
            self.app.push_screen(SessionScreen(self.ctx, current.id), self._reload_after)

    def action_new_session(self) -> None:
        from rcrp_tui.ui.calibration.new_session import NewSessionDialog

        def created(session_id: int | None) -> None:
            if session_id is not None:
                self.notify(f"Calibration session {session_id} created.")
                self._load()

        self.app.push_screen(NewSessionDialog(self.ctx), created)

    def action_drift(self) -> None:
        from rcrp_tui.ui.calibration.drift import DriftScreen

        self.app.push_screen(DriftScreen(self.ctx))
