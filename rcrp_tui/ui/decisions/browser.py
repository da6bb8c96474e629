"""The decision browser: one page of decisions at a time, filters, search and details.

Only one page (``PAGE_SIZE`` rows) is ever held. Paging uses the service's keyset
cursors, so the next page costs the same on the first day as on a million rows. The
total ("of N") is counted in its own worker; the page never waits for it.

``r`` reviews the highlighted decision. When others have already reviewed it (and the
user has no review of it yet), a dialog names those reviews (state, by whom) and asks
whether to open one or start a second, independent review.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Header, Input, Static

from rcrp_tui.domain.enums import CallerType, Category, Outcome
from rcrp_tui.services.calibration import sessions as calibration_sessions
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.decisions import queries as decisions
from rcrp_tui.services.decisions.queries import Cursor, DecisionFilter, Page
from rcrp_tui.services.reviews import lists as review_lists
from rcrp_tui.services.reviews.records import ReviewSummary
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.common.columns_in_view import out_of_view_note
from rcrp_tui.ui.common.form import FormInput
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import key_for
from rcrp_tui.ui.common.literal import literal
from rcrp_tui.ui.decisions.detail import DecisionDetail
from rcrp_tui.ui.decisions.filter_dialog import FilterDialog
from rcrp_tui.ui.decisions.table import COLUMNS, DecisionTable, PageWanted
from rcrp_tui.ui.reviews.existing_review_dialog import NEW_REVIEW, ExistingReviewDialog
from rcrp_tui.ui.shell import navigation

EN_DASH = "\u2013"
#: Seconds of no typing before the CAD-reference search runs.
SEARCH_PAUSE = 0.3


@dataclass(frozen=True)
class PageRequest:
    """Which page to fetch and where the cursor goes when it arrives."""

    seq: int
    flt: DecisionFilter
    older_than: Cursor | None = None
    newer_than: Cursor | None = None
    oldest: bool = False
    cursor_at_end: bool = False


def describe_filter(flt: DecisionFilter) -> str:
    """A one-line summary of the active filter, for the bar above the table."""
    parts: list[str] = []
    if flt.received_from:
        parts.append(f"from {flt.received_from.date().isoformat()}")
    if flt.received_to:
        parts.append(f"before {flt.received_to.date().isoformat()}")
    parts += [Category.label_of(c) for c in flt.categories]
    parts += [Outcome.label_of(o) for o in flt.outcomes]
    if flt.not_deployed_only:
        parts.append("Not deployed (any route)")
    parts += [CallerType.label_of(c) for c in flt.caller_types]
    if flt.team:
        parts.append(f"team {flt.team}")
    if flt.staff_id:
        parts.append(f"officer {flt.staff_id}")
    if flt.cad_ref_prefix:
        parts.append(f"CAD ref {flt.cad_ref_prefix.strip().upper()}…")
    return "Filter: " + (", ".join(parts) if parts else "none (all decisions)")


class DecisionBrowserScreen(FeatureScreen[None]):
    """Browse decisions newest first, a page at a time."""

    CSS_PATH = "decision_browser.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "search",
            "Search",
            id="decisions.search",
            tooltip="Show decisions whose CAD reference starts with what you type",
        ),
        Binding("f", "filter", "Filter", id="decisions.filter"),
        Binding("c", "clear_filters", "Clear", id="decisions.clear", tooltip="Clear all filters"),
        Binding("r", "review", "Review", id="decisions.review"),
        Binding("escape", "back_to_table", "Back to list", show=False, id="decisions.back"),
    ]

    class PageLoaded(Message):
        """A page arrived from the database."""

        def __init__(self, request: PageRequest, page: Page) -> None:
            super().__init__()
            self.request = request
            self.page = page

    class TotalCounted(Message):
        """The number of decisions matching a filter was counted."""

        def __init__(self, flt: DecisionFilter, total: int) -> None:
            super().__init__()
            self.flt = flt
            self.total = total

    class TeamsLoaded(Message):
        def __init__(self, teams: list[str]) -> None:
            super().__init__()
            self.teams = teams

    def __init__(self, ctx: Ctx, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.flt = DecisionFilter()
        self.page: Page | None = None
        self.total: int | None = None
        self.teams: list[str] = []
        self._seq = 0
        # Position of the page's first row from the newest end, or of its last row from
        # the oldest end (after G); whichever is known turns into "showing N to M".
        self.from_newest: int | None = 0
        self.from_oldest: int | None = None
        self._pending_offset: tuple[int | None, int | None] = (0, None)
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="browser-bar"):
            yield FormInput(placeholder="/ search: CAD reference starts with…", id="search")
            yield Static(literal(describe_filter(self.flt), single_line=True), id="filter-summary")
        with Horizontal(id="browser-body"):
            yield DecisionTable(id="decisions")
            yield DecisionDetail(id="detail", classes="hidden")
        yield Static("Loading…", id="position")
        yield KeyFooter(compact=True, whole_keys=True)

    def on_mount(self) -> None:
        self.sub_title = f"Decisions · {self.ctx.actor.display_name} ({self.ctx.actor.role.label})"
        self.query_one(DecisionTable).focus()
        self._request(self.flt, offsets=(0, None))
        self._load_teams()

    # ----- loading -------------------------------------------------------------

    def _request(
        self, flt: DecisionFilter, *, offsets: tuple[int | None, int | None], **how: Any
    ) -> None:
        self._seq += 1
        self._pending_offset = offsets
        self._load_page(PageRequest(self._seq, flt, **how))

    @work(thread=True, exclusive=True, exit_on_error=False, group="page")
    def _load_page(self, request: PageRequest) -> None:
        page = decisions.page(
            self.ctx,
            request.flt,
            older_than=request.older_than,
            newer_than=request.newer_than,
            oldest=request.oldest,
        )
        self.post_message(self.PageLoaded(request, page))

    @work(thread=True, exclusive=True, exit_on_error=False, group="count")
    def _count(self, flt: DecisionFilter) -> None:
        self.post_message(self.TotalCounted(flt, decisions.count(self.ctx, flt)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="teams")
    def _load_teams(self) -> None:
        self.post_message(self.TeamsLoaded([t.name for t in people.list_teams(self.ctx)]))

    def on_decision_browser_screen_page_loaded(self, message: PageLoaded) -> None:
        request, page = message.request, message.page
        if request.seq != self._seq:
            return  # a newer request superseded this one
        from_cursor = request.older_than is not None or request.newer_than is not None
        if from_cursor and not page.rows:
            self._update_position()
            return  # already at the end: keep the page we have
        filter_changed = self.page is None or request.flt != self.flt
        self.flt = request.flt
        self.page = page
        self.from_newest, self.from_oldest = self._pending_offset
        table = self.query_one(DecisionTable)
        table.show_rows(page.rows, cursor=len(page.rows) - 1 if request.cursor_at_end else 0)
        self.query_one("#filter-summary", Static).update(
            literal(describe_filter(self.flt), single_line=True)
        )
        if filter_changed:
            self.total = None
            self._count(self.flt)
        self._show_detail()
        self._update_position()

    def on_decision_browser_screen_total_counted(self, message: TotalCounted) -> None:
        if message.flt == self.flt:
            self.total = message.total
            self._update_position()

    def on_decision_browser_screen_teams_loaded(self, message: TeamsLoaded) -> None:
        self.teams = message.teams

    def _update_position(self) -> None:
        rows = len(self.page.rows) if self.page else 0
        total = f"{self.total:,}" if self.total is not None else "…"
        first: int | None = None
        if self.from_newest is not None:
            first = self.from_newest
        elif self.from_oldest is not None and self.total is not None:
            first = self.total - self.from_oldest - rows
        if rows == 0:
            text = "No decisions match." if self.total in (0, None) else f"0 of {total}"
        elif first is None:
            text = f"showing the oldest {rows} of {total}"
        else:
            text = f"showing {first + 1:,}{EN_DASH}{first + rows:,} of {total}"
        self.query_one("#position", Static).update(text + self._hidden_note(text))

    def _hidden_note(self, shown: str) -> str:
        """Which columns are out of view, so a narrow terminal hides none silently: by
        name when they fit on the line after ``shown``, else how many."""
        keys = f"{key_for(self, 'decisions.left', '←')} {key_for(self, 'decisions.right', '→')}"
        return out_of_view_note(
            shown,
            self.query_one(DecisionTable).hidden_titles,
            of=len(COLUMNS),
            room=self.query_one("#position", Static).content_region.width,
            keys=keys,
        )

    @on(DecisionTable.ColumnsHidden)
    def _columns_hidden(self, _message: DecisionTable.ColumnsHidden) -> None:
        self._update_position()

    # ----- paging --------------------------------------------------------------

    @on(DecisionTable.PageRequested)
    def _page_requested(self, message: DecisionTable.PageRequested) -> None:
        self.go(message.which)

    def go(self, which: PageWanted) -> None:
        """Fetch the older, newer, newest or oldest page."""
        page, rows = self.page, len(self.page.rows) if self.page else 0
        if which == "newest":
            self._request(self.flt, offsets=(0, None))
        elif which == "oldest":
            self._request(self.flt, offsets=(None, 0), oldest=True, cursor_at_end=True)
        elif page is None or not page.rows:
            return
        elif which == "older" and page.has_older:
            self._request(
                self.flt,
                offsets=(
                    self.from_newest + rows if self.from_newest is not None else None,
                    None if self.from_newest is not None else self._older_from_oldest(),
                ),
                older_than=page.rows[-1].cursor,
            )
        elif which == "newer" and page.has_newer:
            self._request(
                self.flt,
                offsets=(
                    None if self.from_oldest is not None else self._newer_from_newest(),
                    self.from_oldest + rows if self.from_oldest is not None else None,
                ),
                newer_than=page.rows[0].cursor,
                cursor_at_end=True,
            )
        else:
            self.app.bell()

    def _older_from_oldest(self) -> int | None:
        # The older page ends where ours begins and holds up to PAGE_SIZE rows.
        if self.from_oldest is None:
            return None
        return max(0, self.from_oldest - decisions.PAGE_SIZE)

    def _newer_from_newest(self) -> int | None:
        # The newer page is full unless it is the first page: the service returns up to
        # PAGE_SIZE rows, ending at the row before ours.
        if self.from_newest is None:
            return None
        return max(0, self.from_newest - decisions.PAGE_SIZE)

    # ----- detail pane ---------------------------------------------------------

    @on(DecisionTable.DetailToggled)
    def _toggle_detail(self) -> None:
        detail = self.query_one(DecisionDetail)
        detail.toggle_class("hidden")
        self._show_detail()

    @on(DecisionTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one(DecisionDetail)
        if not detail.has_class("hidden"):
            detail.show(self.query_one(DecisionTable).current)

    # ----- search, filters, review ---------------------------------------------

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    @on(Input.Changed, "#search")
    def _search_changed(self) -> None:
        # Wait for a pause in typing: a one-letter prefix can match most of the table.
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_PAUSE, self._apply_search)

    def _apply_search(self) -> None:
        self._search_timer = None
        prefix = self.query_one("#search", Input).value.strip() or None
        if prefix != self.flt.cad_ref_prefix:
            self._request(_with_prefix(self.flt, prefix), offsets=(0, None))

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._apply_search()
        self.query_one(DecisionTable).focus()

    def action_back_to_table(self) -> None:
        self.query_one(DecisionTable).focus()

    def action_filter(self) -> None:
        self.app.push_screen(FilterDialog(self.flt, self.teams), self._filter_chosen)

    def _filter_chosen(self, flt: DecisionFilter | None) -> None:
        if flt is not None:
            self._request(flt, offsets=(0, None))
        self.query_one(DecisionTable).focus()

    def action_clear_filters(self) -> None:
        self.query_one("#search", Input).value = ""
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        self._request(DecisionFilter(), offsets=(0, None))

    def action_review(self) -> None:
        current = self.query_one(DecisionTable).current
        if current is not None:
            self._check_existing_reviews(current.id, current.cad_ref)

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-check")
    def _check_existing_reviews(self, decision_id: int, cad_ref: str) -> None:
        existing = review_lists.reviews_of_decision(self.ctx, decision_id)
        calibration = calibration_sessions.sessions_of_decision(self.ctx, decision_id)
        self.app.call_from_thread(self._start_review, decision_id, cad_ref, existing, calibration)

    def _start_review(
        self,
        decision_id: int,
        cad_ref: str,
        existing: list[ReviewSummary],
        calibration: tuple[int, ...] = (),
    ) -> None:
        open_destination: Any = self.app.open_destination  # type: ignore[attr-defined]
        mine = any(r.reviewer_user_id == self.ctx.actor.user_id for r in existing)
        if mine or not existing:
            # Nothing to ask: the user's own review resumes, or the first one starts.
            open_destination("review", decision_id=decision_id)
            return

        def chosen(choice: int | None) -> None:
            if choice == NEW_REVIEW:
                open_destination("review", decision_id=decision_id)
            elif choice is not None:
                open_destination("review", review_id=choice)

        self.app.push_screen(ExistingReviewDialog(cad_ref, existing, calibration), chosen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "review":
            review = navigation.find("review")
            if review is None or not review.allows(self.ctx.actor.role):
                return False
            tables = self.query(DecisionTable)
            # Shown but dimmed until a row is highlighted.
            return (bool(tables) and tables.first().current is not None) or None
        return True


def _with_prefix(flt: DecisionFilter, prefix: str | None) -> DecisionFilter:
    return replace(flt, cad_ref_prefix=prefix)
