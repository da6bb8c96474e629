"""Partner appeals: the list of open and closed appeals, a page at a time, with filters.

Open live 999 appeals carry a stopwatch: minutes since the appeal was received, counted
from the app's clock and redrawn every few seconds without touching the database,
until a supervisor records the decision.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from rcrp_tui.domain.appeals import (
    LONDON,
    AppealOutcome,
    AppealRoute,
    PartnerType,
    theme_label,
)
from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.services.appeals import qa as appeal_qa
from rcrp_tui.services.appeals import queries as appeal_queries
from rcrp_tui.services.appeals.queries import (
    AppealCursor,
    AppealFilter,
    AppealPage,
    AppealRow,
    AppealStatus,
)
from rcrp_tui.services.core import changes
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.ui.appeals.detail import AppealDetailScreen
from rcrp_tui.ui.appeals.stopwatch import STOPWATCH_SECONDS, time_cell
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.common.columns_in_view import ColumnsTable, out_of_view_note
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import PAGE_DOWN, PAGE_UP, key_for, list_keys, paging_keys
from rcrp_tui.ui.common.literal import literal
from rcrp_tui.ui.common.live import DataChanged

# Status and the stopwatch come before the long organisation name, so an open live appeal's
# waiting time stays on screen at 80 columns.
COLUMNS = ("Received", "CAD ref", "Status", "Time", "Route", "Partner", "QA", "Organisation")
_E = TypeVar("_E")


def _cycle(current: tuple[_E, ...], choices: list[_E]) -> tuple[_E, ...]:
    """Any → first → second → … → any: one key steps through a vocabulary."""
    if not current:
        return (choices[0],)
    index = choices.index(current[0]) + 1
    return (choices[index],) if index < len(choices) else ()


def describe_filter(flt: AppealFilter) -> str:
    """A one-line summary of the list's filter."""
    parts = [f"{flt.status.value} appeals"]
    parts += [r.label for r in flt.routes]
    parts += [p.label for p in flt.partner_types]
    parts += [o.label for o in flt.outcomes]
    parts += [c.label for c in flt.categories]
    if flt.theme:
        parts.append(f"theme {theme_label(flt.theme)}")
    if flt.date_from:
        parts.append(f"from {flt.date_from.astimezone(LONDON):%d %b %Y}")
    if flt.date_to:
        parts.append(f"before {flt.date_to.astimezone(LONDON):%d %b %Y}")
    return "Showing: " + ", ".join(parts)


def status_cell(row: AppealRow) -> Text:
    if row.outcome is None:
        return Text("OPEN", style="bold")
    short = {
        AppealOutcome.UPHELD: "Upheld",
        AppealOutcome.OVERTURNED: "Overturned",
        AppealOutcome.PARTLY_UPHELD: "Partly upheld",
    }
    return Text(short[row.outcome])


class AppealsScreen(ReportsWorkerErrors, Screen[None]):
    """Open and closed partner appeals, newest first."""

    CSS_PATH = "appeals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "record", "Record appeal", id="appeals.record"),
        Binding("enter", "open_detail", "Open", id="appeals.open"),
        Binding("d", "decide", "Decide", id="appeals.decide"),
        Binding("q", "ask_qa", "Ask QA review", id="appeals.qa"),
        Binding("o", "cycle_status", "Open/closed", id="appeals.status"),
        Binding("t", "cycle_route", "Route", id="appeals.route"),
        Binding("p", "cycle_partner", "Partner", id="appeals.partner"),
        Binding("u", "cycle_outcome", "Outcome", id="appeals.outcome"),
        Binding("f", "filter", "Filter", id="appeals.filter"),
        Binding("c", "clear_filters", "Clear", id="appeals.clear"),
        # Shown in the position line below the table when there is a page to go to.
        *paging_keys("older", "newer"),
        Binding("F", "figures", "Figures", id="appeals.figures"),
        *list_keys("cursor('down')", "cursor('up')"),
    ]

    class PageLoaded(Message):
        def __init__(self, seq: int, flt: AppealFilter, page: AppealPage) -> None:
            super().__init__()
            self.seq = seq
            self.flt = flt
            self.page = page

    class Changed(Message):
        """An appeal was changed from this screen: reload the page."""

        def __init__(self, note: str) -> None:
            super().__init__()
            self.note = note

    def __init__(self, ctx: Ctx, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.flt = AppealFilter()
        self.page: AppealPage | None = None
        self._wanted = self.flt
        self._seq = 0
        #: The keyset bounds of the page asked for last (the change feed asks for it again).
        self._bounds: tuple[AppealCursor | None, AppealCursor | None] = (None, None)
        #: (request, row): the row to keep if a change elsewhere took its appeal off the page.
        self._live_row: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(literal(describe_filter(self.flt), single_line=True), id="appeal-filter")
        yield ColumnsTable[Any](id="appeal-table", cursor_type="row", zebra_stripes=True)
        yield Static("Loading…", id="appeal-position")
        yield KeyFooter(whole_keys=True)

    def on_mount(self) -> None:
        self.sub_title = f"Appeals · {self.ctx.actor.display_name} ({self.ctx.actor.role.label})"
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        table.focus()
        self._request(self.flt)
        self.set_interval(STOPWATCH_SECONDS, self.refresh_stopwatches)

    # ----- loading -------------------------------------------------------------

    def _request(
        self,
        flt: AppealFilter,
        *,
        older_than: AppealCursor | None = None,
        newer_than: AppealCursor | None = None,
    ) -> None:
        self._seq += 1
        self._wanted = flt
        self._bounds = (older_than, newer_than)
        self._load(self._seq, flt, older_than, newer_than)

    @work(thread=True, exclusive=True, exit_on_error=False, group="appeals-page")
    def _load(
        self,
        seq: int,
        flt: AppealFilter,
        older_than: AppealCursor | None,
        newer_than: AppealCursor | None,
    ) -> None:
        page = appeal_queries.page(self.ctx, flt, older_than=older_than, newer_than=newer_than)
        self.post_message(self.PageLoaded(seq, flt, page))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        if message.seq != self._seq:
            return  # superseded by a newer request
        shown = self.current if self.page is not None else None
        held = shown.id if shown is not None else None
        self.flt, self.page = message.flt, message.page
        table = self.query_one(DataTable)
        table.clear()
        for row in message.page.rows:
            table.add_row(*self._cells(row), key=str(row.id))
        ids = [row.id for row in message.page.rows]
        if held in ids:  # the highlighted appeal stays highlighted, wherever it now is
            table.move_cursor(row=ids.index(held))
        elif ids and self._live_row is not None and self._live_row[0] == message.seq:
            # Read again because of a change elsewhere, and that appeal left the page.
            table.move_cursor(row=min(self._live_row[1], len(ids) - 1))
        self._live_row = None
        self.query_one("#appeal-filter", Static).update(
            literal(describe_filter(self.flt), single_line=True)
        )
        self._update_position()

    def _update_position(self) -> None:
        if self.page is None:
            return
        n = len(self.page.rows)
        more = f" · {key_for(self, PAGE_DOWN, 'pgdn')}: older" if self.page.has_older else ""
        newer = f" · {key_for(self, PAGE_UP, 'pgup')}: newer" if self.page.has_newer else ""
        text = (
            ("No appeals match." if n == 0 else f"{n} appeal{'' if n == 1 else 's'} on this page")
            + more
            + newer
        )
        position = self.query_one("#appeal-position", Static)
        table = self.query_one(ColumnsTable)
        note = out_of_view_note(
            text, table.hidden_titles, of=len(COLUMNS), room=position.content_region.width
        )
        position.update(text + note)

    @on(ColumnsTable.ColumnsHidden)
    def _columns_hidden(self) -> None:
        self._update_position()

    def _cells(self, row: AppealRow) -> tuple[Any, ...]:
        local = row.received_at.astimezone(LONDON)
        return (
            f"{local:%d %b %H:%M}",
            literal(row.cad_ref, single_line=True),
            status_cell(row),
            time_cell(row, self.ctx.clock),
            row.route.label,
            row.partner_type.label,
            "QA asked" if row.qa_review_requested_at else ("review" if row.review_id else ""),
            literal(row.partner_org, single_line=True),
        )

    def refresh_stopwatches(self) -> None:
        """Redraw the time of every open live appeal on the page (no database work)."""
        if self.page is None:
            return
        table = self.query_one(DataTable)
        for row in self.page.rows:
            if row.is_open and row.route.is_live:
                table.update_cell(str(row.id), "Time", time_cell(row, self.ctx.clock))

    @property
    def current(self) -> AppealRow | None:
        """The highlighted appeal."""
        table = self.query_one(DataTable)
        if self.page is None or not self.page.rows or table.cursor_row < 0:
            return None
        return self.page.rows[min(table.cursor_row, len(self.page.rows) - 1)]

    # ----- filters and paging --------------------------------------------------

    def action_cycle_status(self) -> None:
        order = [AppealStatus.ALL, AppealStatus.OPEN, AppealStatus.CLOSED]
        nxt = order[(order.index(self.flt.status) + 1) % len(order)]
        self._request(replace(self.flt, status=nxt))

    def action_cycle_route(self) -> None:
        self._request(replace(self.flt, routes=_cycle(self.flt.routes, list(AppealRoute))))

    def action_cycle_partner(self) -> None:
        partners = _cycle(self.flt.partner_types, list(PartnerType))
        self._request(replace(self.flt, partner_types=partners))

    def action_cycle_outcome(self) -> None:
        self._request(replace(self.flt, outcomes=_cycle(self.flt.outcomes, list(AppealOutcome))))

    def action_filter(self) -> None:
        from rcrp_tui.ui.appeals.dialogs import AppealFilterDialog

        def chosen(flt: AppealFilter | None) -> None:
            if flt is not None:
                self._request(flt)

        self.app.push_screen(AppealFilterDialog(self.flt), chosen)

    def action_clear_filters(self) -> None:
        self._request(AppealFilter())

    def action_older(self) -> None:
        if self.page and self.page.rows and self.page.has_older:
            self._request(self.flt, older_than=self.page.rows[-1].cursor)
        else:
            self.app.bell()

    def action_newer(self) -> None:
        if self.page and self.page.rows and self.page.has_newer:
            self._request(self.flt, newer_than=self.page.rows[0].cursor)
        else:
            self.app.bell()

    def action_cursor(self, direction: str) -> None:
        table = self.query_one(DataTable)
        (table.action_cursor_down if direction == "down" else table.action_cursor_up)()

    # ----- actions on an appeal ------------------------------------------------

    def action_record(self) -> None:
        from rcrp_tui.ui.appeals.forms import RecordAppealDialog

        def done(appeal_id: int | None) -> None:
            if appeal_id is not None:
                self.notify(f"Appeal {appeal_id} recorded.")
                self._request(replace(self.flt, status=AppealStatus.ALL))

        self.app.push_screen(RecordAppealDialog(self.ctx), done)

    def action_decide(self) -> None:
        from rcrp_tui.ui.appeals.forms import DecideAppealDialog

        row = self.current
        if row is None or not row.is_open:
            self.notify("Highlight an open appeal to decide it.", severity="warning")
            return

        def done(saved: bool | None) -> None:
            if saved:
                self.notify(f"Appeal {row.id} decided.")
                self._request(self.flt)

        self.app.push_screen(DecideAppealDialog(self.ctx, row), done)

    def action_open_detail(self) -> None:
        row = self.current
        if row is not None:
            self.app.push_screen(AppealDetailScreen(self.ctx, appeal_id=row.id))

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        # The table takes enter for itself; selecting a row opens it.
        self.action_open_detail()

    def action_figures(self) -> None:
        from rcrp_tui.ui.appeals.figures import AppealFiguresScreen

        self.app.push_screen(AppealFiguresScreen(self.ctx))

    def action_ask_qa(self) -> None:
        row = self.current
        if row is not None:
            self._ask_qa(row.id, row.row_version)

    @work(thread=True, exclusive=True, exit_on_error=False, group="appeals-write")
    def _ask_qa(self, appeal_id: int, version: int) -> None:
        result = appeal_qa.request_qa_review(self.ctx, appeal_id, expected_version=version)
        self.post_message(self.Changed(f"Appeal {appeal_id}: {result.message}."))

    @on(Changed)
    def _changed(self, message: Changed) -> None:
        self.notify(message.note)
        self._request(self.flt)

    def on_data_changed(self, message: DataChanged) -> None:
        """An appeal was recorded, decided or changed somewhere: read this page again."""
        if message.touches(changes.APPEALS) and self.page is not None:
            older, newer = self._bounds
            row = self.query_one(DataTable).cursor_row
            self._request(self._wanted, older_than=older, newer_than=newer)
            self._live_row = (self._seq, row)

    def on_screen_resume(self) -> None:
        # Back from a dialog or the detail: reload what was last asked for, which may be a
        # filter a dialog just chose and whose page has not arrived yet.
        if self.page is not None:
            self._request(self._wanted)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.ctx.actor.role
        if action == "decide":
            return can(role, Permission.DECIDE_APPEALS)
        if action == "figures":
            return can(role, Permission.VIEW_KPIS)
        return True
