"""Reviews the signed-in person may see, newest first, a page at a time.

QA leads start in the moderation queue (submitted and moderated reviews waiting for them);
``m`` switches between the queue and every review. Enter opens the highlighted review,
where a QA lead agrees (m), adjusts with a reason, or releases (r).
"""

from __future__ import annotations

from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static
from textual.worker import Worker

from rcrp_tui.domain.enums import Category, Role
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.verdict import Outcome
from rcrp_tui.services.core import changes
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.reviews import lists as review_lists
from rcrp_tui.services.reviews.records import ReviewSummary
from rcrp_tui.ui.common.columns_in_view import ColumnsTable, out_of_view_note
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import key_for, list_keys, paging_keys
from rcrp_tui.ui.common.literal import literal
from rcrp_tui.ui.common.live import DataChanged
from rcrp_tui.ui.common.worker_errors import report_failure

LOCAL = ZoneInfo("Europe/London")
QUEUE = (ReviewStatus.SUBMITTED, ReviewStatus.MODERATED)


def result_words(r: ReviewSummary) -> str:
    """Score and outcome in words, never colour alone."""
    v = r.verdict
    if r.score is None:
        return v.short
    band = f" {r.band}" if r.band and v.outcome is not Outcome.INCOMPLETE else ""
    return f"{r.score:.1f}%{band} {v.words}"


COLUMNS = ("ID", "CAD ref", "Category", "Reviewer", "Status", "Judgement", "Result")


class ReviewsScreen(Screen[None]):
    """A page of reviews; the moderation queue for QA leads."""

    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="reviews.open"),
        Binding("m", "toggle_queue", "Queue/all", id="reviews.queue"),
        *paging_keys("older", "newer"),
        *list_keys("cursor(1)", "cursor(-1)"),
        Binding("escape", "close", "Back", id="reviews.back"),
    ]

    class PageLoaded(Message):
        def __init__(self, rows: list[ReviewSummary]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, ctx: Ctx, **kw: Any) -> None:
        super().__init__(**kw)
        self.ctx = ctx
        self.queue = ctx.actor.role is Role.QA_LEAD
        self.rows: list[ReviewSummary] = []
        self._older_than: list[int | None] = [None]  # a stack of page starts
        self._live_row: int | None = None  # the row to keep if its review left the page

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="reviews-title")
        yield ColumnsTable[Any](id="reviews", cursor_type="row", zebra_stripes=True)
        yield Static("", id="reviews-position")
        yield KeyFooter(whole_keys=True)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    def on_mount(self) -> None:
        actor = self.ctx.actor
        self.sub_title = f"Reviews · {actor.display_name} ({actor.role.label})"
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        self._reload()

    def on_screen_resume(self) -> None:
        if self.rows:
            self._reload()

    def list_name(self) -> str:
        """Which reviews this list holds, in the words of the person reading it (the
        header names them: "Reviews · Floorwalker 1 (Floorwalker)")."""
        role = self.ctx.actor.role
        if role is Role.CONTACT_OFFICER:
            if self.queue:
                return "Reviews of your decisions awaiting moderation (you see them once released)"
            return "Released reviews of your decisions"
        if role is Role.FLOORWALKER:
            whose = "Your reviews"
        elif role is Role.SUPERVISOR:
            whose = "Reviews of your team's decisions"
        elif self.queue:
            return "Moderation queue (submitted, moderated)"
        else:
            return "All reviews, by every reviewer"
        return f"{whose} awaiting moderation" if self.queue else whose

    def _reload(self) -> None:
        switch = key_for(self, "reviews.queue", "m")
        opens = key_for(self, "reviews.open", "⏎")
        self.query_one("#reviews-title", Static).update(
            literal(f"{self.list_name()} · {switch} switches · {opens} opens", single_line=True)
        )
        self._load(self._older_than[-1])

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _load(self, older_than: int | None) -> None:
        rows = review_lists.list_reviews(
            self.ctx, statuses=QUEUE if self.queue else (), older_than_id=older_than
        )
        self.post_message(self.PageLoaded(rows))

    def on_reviews_screen_page_loaded(self, message: PageLoaded) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        held = self.rows[keep].id if 0 <= keep < len(self.rows) else None
        self.rows = message.rows
        table.clear()
        for r in message.rows:
            table.add_row(
                str(r.id),
                r.cad_ref,
                Category.label_of(r.category),
                literal(r.reviewer, single_line=True),
                r.status.label,
                r.judgement.label if r.judgement else "-",
                result_words(r),
            )
        ids = [r.id for r in message.rows]
        if held in ids:  # the highlighted review stays highlighted, wherever it now is
            table.move_cursor(row=ids.index(held))
        elif ids and self._live_row is not None:  # read again because of a change elsewhere
            table.move_cursor(row=min(self._live_row, len(ids) - 1))
        self._live_row = None
        if not message.rows:
            self.query_one("#reviews-title", Static).update(
                literal(f"{self.list_name()}: none.", single_line=True)
            )
        self._update_position()

    def _update_position(self) -> None:
        """The line under the table: how many reviews, and which columns are out of view."""
        n = len(self.rows)
        text = f"{n} review{'' if n == 1 else 's'} on this page"
        position = self.query_one("#reviews-position", Static)
        note = out_of_view_note(
            text,
            self.query_one(ColumnsTable).hidden_titles,
            of=len(COLUMNS),
            room=position.content_region.width,
        )
        position.update(text + note)

    @on(ColumnsTable.ColumnsHidden)
    def _columns_hidden(self) -> None:
        self._update_position()

    def on_data_changed(self, message: DataChanged) -> None:
        """A review was submitted, moderated or released somewhere: read this page again."""
        if message.touches(changes.REVIEWS):
            self._live_row = self.query_one(DataTable).cursor_row
            self._load(self._older_than[-1])

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return
        from rcrp_tui.ui.reviews.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.ctx, review_id=self.rows[table.cursor_row].id))

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_toggle_queue(self) -> None:
        self.queue = not self.queue
        self._older_than = [None]
        self._reload()

    def action_older(self) -> None:
        if len(self.rows) == review_lists.PAGE_SIZE:
            self._older_than.append(self.rows[-1].id)
            self._reload()

    def action_newer(self) -> None:
        if len(self._older_than) > 1:
            self._older_than.pop()
            self._reload()

    def action_close(self) -> None:
        self.dismiss(None)
