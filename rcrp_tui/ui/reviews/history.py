"""The history of one review: every change, who made it, when and why."""

from __future__ import annotations

from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from rich.table import Table
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Static
from textual.worker import Worker

from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import ReviewChangeView
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import list_keys
from rcrp_tui.ui.common.literal import literal
from rcrp_tui.ui.common.worker_errors import report_failure

LOCAL = ZoneInfo("Europe/London")


def _describe(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """``C05: met → not_met`` lines from a change's before/after."""
    lines: list[str] = []
    for key in sorted(set(before or {}) | set(after or {})):
        old, new = (before or {}).get(key), (after or {}).get(key)
        if isinstance(old, dict) or isinstance(new, dict):
            o, n = old or {}, new or {}
            if o.get("answer") != n.get("answer"):
                lines.append(f"{key}: {o.get('answer') or '-'} → {n.get('answer') or '-'}")
            if o.get("note") != n.get("note"):
                lines.append(f"{key} note: {n.get('note') or '(removed)'}")
        elif old is None:
            lines.append(f"{key}: {new}")
        else:
            lines.append(f"{key}: {old} → {new}")
    return "\n".join(lines)


class ReviewHistoryScreen(Screen[None]):
    """Every change to a review, oldest first."""

    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="history.back"),
        *list_keys("scroll(1)", "scroll(-1)"),
    ]

    class HistoryLoaded(Message):
        def __init__(self, changes: list[ReviewChangeView]) -> None:
            super().__init__()
            self.changes = changes

    def __init__(self, ctx: Ctx, review_id: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.ctx = ctx
        self.review_id = review_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(Static("Loading…", id="history-table"), id="history")
        yield KeyFooter()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    def on_mount(self) -> None:
        self.sub_title = f"History of review {self.review_id}"
        self.query_one("#history").focus()
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        self.post_message(self.HistoryLoaded(reviews.history(self.ctx, self.review_id)))

    def on_review_history_screen_history_loaded(self, message: HistoryLoaded) -> None:
        table = Table(expand=True, show_lines=True)
        for column in ("When (UK)", "Who", "What", "Reason", "Changes"):
            table.add_column(column)
        for c in message.changes:
            table.add_row(
                f"{c.at.astimezone(LOCAL):%d %b %H:%M:%S}",
                literal(c.actor, single_line=True),
                c.action.replace("_", " "),
                literal(c.reason or ""),
                literal(_describe(c.before, c.after)),
            )
        self.query_one("#history-table", Static).update(table)

    def action_scroll(self, step: int) -> None:
        pane = self.query_one("#history", VerticalScroll)
        pane.scroll_relative(y=step, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
