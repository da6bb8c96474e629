"""One calibration session: each grader's progress and the decisions with my status.

Enter grades the highlighted decision (graders only). A QA lead closes the session (``c``,
after a question). Once the answers are revealed, ``v`` opens them side by side (where a
QA lead sets references; a grader reads them) and ``R`` the results; before that, either
key says why nothing opens.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from rcrp_tui.domain.appeals import LONDON
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.calibration import grading, sessions
from rcrp_tui.services.calibration.grading import MyWork
from rcrp_tui.services.calibration.records import SessionDetail, SessionStatus
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.calibration.common import (
    CalConfirmDialog,
    blind_reason,
    status_label,
    status_text,
)
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import list_keys, refresh_key
from rcrp_tui.ui.common.literal import literal


class SessionScreen(FeatureScreen[None]):
    """A session's graders and decisions."""

    CSS_PATH = "calibration.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "grade", "Grade", id="calibration.session.grade"),
        Binding("c", "close_session", "Close", id="calibration.session.close"),
        Binding("v", "reveal", "Side by side", id="calibration.session.reveal"),
        Binding("R", "results", "Results", id="calibration.session.results"),
        Binding("escape", "back", "Back", id="calibration.session.back"),
        refresh_key("reload", "Read the session again"),
        *list_keys("cursor('down')", "cursor('up')"),
    ]

    def __init__(self, ctx: Ctx, session_id: int, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.session_id = session_id
        self.detail: SessionDetail | None = None
        self.work: MyWork | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="cal-session-head", classes="cal-line")
        yield DataTable(id="cal-graders", cursor_type="none")
        yield DataTable(id="cal-decisions", classes="cal-table", cursor_type="row")
        yield Static("", id="cal-session-hint", classes="cal-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Calibration session {self.session_id}"
        graders = self.query_one("#cal-graders", DataTable)
        for name in ("Grader", "Submitted", "Drafts", "Done"):
            graders.add_column(name, key=name)
        table = self.query_one("#cal-decisions", DataTable)
        for name in ("#", "CAD ref", "Mine", "Category", "Received"):
            table.add_column(name, key=name)
        table.focus()
        self.action_reload()

    @property
    def lead(self) -> bool:
        return self.ctx.actor.role is Role.QA_LEAD

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        s = self.detail.session if self.detail else None
        if action == "close_session":
            return self.lead and s is not None and s.status is SessionStatus.OPEN
        if action in ("reveal", "results"):
            # Shown before the reveal too: pressed then, they say why nothing opens.
            return s is not None and (self.lead or s.i_grade)
        if action == "grade":
            return s is not None and s.i_grade
        return True

    def action_reload(self) -> None:
        self._load()

    def _reload_after(self, _result: object = None) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-session")
    def _load(self) -> None:
        detail = sessions.session_detail(self.ctx, self.session_id)
        mine = grading.my_work(self.ctx, self.session_id) if detail.session.i_grade else None
        self.app.call_from_thread(self._show, detail, mine)

    def _show(self, detail: SessionDetail, mine: MyWork | None) -> None:
        self.detail, self.work = detail, mine
        s = detail.session
        today = self.ctx.clock.now().date()
        self.sub_title = f"Calibration session {s.id}"
        head = (
            f"{s.title} · {status_label(s, s.overdue(today))} · deadline {s.deadline:%d %b %Y}"
            f" · toolkit {s.toolkit_key} {s.toolkit_version} · {s.submitted}/{s.expected} "
            "scores submitted"
        )
        if not s.revealed:
            head += " · BLIND: answers stay hidden until every grader submits or it closes"
        self.query_one("#cal-session-head", Static).update(literal(head))
        graders = self.query_one("#cal-graders", DataTable)
        graders.clear()
        for g in detail.graders:
            graders.add_row(
                literal(f"{g.grader.display_name} ({g.grader.username})", single_line=True),
                f"{g.submitted}/{g.decisions}",
                str(g.drafts),
                "yes" if g.done else "no",
            )
        table = self.query_one("#cal-decisions", DataTable)
        keep = table.cursor_row
        table.clear()
        mine_by_id = {d.decision.decision_id: d for d in mine.decisions} if mine else {}
        for d in detail.decisions:
            my = mine_by_id.get(d.decision_id)
            table.add_row(
                str(d.position),
                literal(d.cad_ref, single_line=True),
                (f"{status_text(my.status)} {my.answered}/{my.applicable}" if my else "-"),
                d.category.label,
                f"{d.received_at.astimezone(LONDON):%d %b %y %H:%M}",
                key=str(d.decision_id),
            )
        if detail.decisions:
            table.move_cursor(row=min(keep, len(detail.decisions) - 1))
        hints = []
        if s.i_grade and s.status is SessionStatus.OPEN:
            hints.append("Enter: grade the decision")
        if s.revealed:
            read_only = "" if self.lead else " (read only)"
            hints.append(f"v: answers side by side{read_only} · R: results")
        self.query_one("#cal-session-hint", Static).update(" · ".join(hints))
        self.refresh_bindings()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        # Enter on a decision: it opens for a grader, and says why not for anyone else.
        self.action_grade()

    def action_cursor(self, direction: str) -> None:
        table = self.query_one("#cal-decisions", DataTable)
        (table.action_cursor_down if direction == "down" else table.action_cursor_up)()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_grade(self) -> None:
        from rcrp_tui.ui.calibration.grading import GradingScreen

        if self.detail is None or not self.detail.decisions:
            return
        if not self.detail.session.i_grade:
            self.notify(
                "You are not a grader of this session, so there is nothing to grade here: "
                "a QA lead reads the answers side by side (v) once they are revealed.",
                severity="warning",
                markup=False,
            )
            return
        row = self.query_one("#cal-decisions", DataTable).cursor_row
        decision = self.detail.decisions[min(row, len(self.detail.decisions) - 1)]
        self.app.push_screen(
            GradingScreen(self.ctx, self.session_id, decision.decision_id),
            self._reload_after,
        )

    def action_close_session(self) -> None:
        if self.detail is None:
            return
        s = self.detail.session
        missing = s.expected - s.submitted

        def answered(yes: bool | None) -> None:
            if yes:
                self._close(s.row_version)

        self.app.push_screen(
            CalConfirmDialog(
                f"Close session {s.id}?",
                f"{missing} of {s.expected} scores are not submitted; they are left out of the "
                "agreement figures. Closing reveals every grader's answers. Close it?",
            ),
            answered,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-close")
    def _close(self, version: int) -> None:
        try:
            sessions.close_session(self.ctx, self.session_id, expected_version=version)
        except ServiceError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error", markup=False)
        else:
            self.app.call_from_thread(self.notify, f"Session {self.session_id} closed.")
        self.app.call_from_thread(self._load)

    def _still_blind(self) -> bool:
        """True (and says why, in words) while the session's answers are hidden."""
        s = self.detail.session if self.detail else None
        if s is None:
            return True
        if s.revealed:
            return False
        self.notify(blind_reason(s, lead=self.lead), severity="warning", markup=False)
        return True

    def action_reveal(self) -> None:
        from rcrp_tui.ui.calibration.reveal import RevealScreen

        if self._still_blind():
            return
        self.app.push_screen(RevealScreen(self.ctx, self.session_id), self._reload_after)

    def action_results(self) -> None:
        from rcrp_tui.ui.calibration.results import ResultsScreen

        if self._still_blind():
            return
        self.app.push_screen(ResultsScreen(self.ctx, self.session_id))
