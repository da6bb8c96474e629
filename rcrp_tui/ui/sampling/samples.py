"""Dip samples: the list, newest first, with each sample's provenance and progress.

QA leads plan and draw here (p: a new plan, d: draw from a saved plan), read results (v)
and close samples (c). Floorwalkers and QA leads open a sample's queue with Enter. The
detail beside the list says who drew the sample, when, from what population, by what
method and seed, and how far each stratum has got, with the sample-size helper's figures
for the population it was drawn from.

Claims and completions made at another terminal show without a key press: the change feed
(``ui.common.live``) tells the screen, which reads its page again, the highlighted sample
staying highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.domain.sampling import LONDON
from rcrp_tui.domain.statistics import margin_of_error, sample_size
from rcrp_tui.domain.stratum_labels import stratum_label
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import PAGE_DOWN, PAGE_UP, key_for, list_keys, paging_keys
from rcrp_tui.ui.common.literal import literal, markup_safe
from rcrp_tui.ui.common.live import DataChanged
from rcrp_tui.ui.common.table_fit import fit_columns

#: The change-feed topic of sample items (``storage.change_feed.QUEUE``), named here so
#: the screen opens without importing the service layer.
QUEUE_TOPIC = "queue"

# The services are imported in the workers, so opening this screen never waits for them
# on the UI thread.
if TYPE_CHECKING:
    from rcrp_tui.services.core.context import Ctx
    from rcrp_tui.services.sampling.lists import SamplePage, SampleSummary
    from rcrp_tui.services.sampling.plans import SampleView
    from rcrp_tui.services.sampling.progress import SampleProgress

# Progress before the long plan name and method, so it stays in view at 80 columns.
COLUMNS = ("#", "Status", "Done", "Skipped", "Replaced", "Plan", "Drawn", "Method")
STRATA_COLUMNS = ("Stratum", "Done", "Total", "Skipped", "Replaced")
STATUS_CYCLE: tuple[str | None, ...] = ("open", None, "closed")
#: The helper's question for a drawn sample: how many for ±5% at 95%?
HELPER_MARGIN = 0.05


@dataclass(frozen=True)
class PageRequest:
    seq: int
    status: str | None
    older_than: int | None = None
    newer_than: int | None = None


def to_review(total: int, drawn: int, skipped: int, replaced: int) -> str:
    """Why the number to review differs from the number drawn, when it does: e.g. "To
    review: 29 = 30 drawn + 1 replacement - 1 skipped - 1 replaced"."""
    added = total + skipped + replaced - drawn
    if total == drawn and not added:
        return ""
    parts = [f"To review: {total:,} = {drawn:,} drawn"]
    if added:
        parts.append(f"+ {added:,} replacement{'s' if added != 1 else ''}")
    if skipped:
        parts.append(f"- {skipped:,} skipped")
    if replaced:
        parts.append(f"- {replaced:,} replaced")
    return " ".join(parts) + "\n"


def provenance(summary: SampleSummary) -> Text:
    """Who drew the sample, when, from what, how; and the sample-size helper's figures."""
    s = summary.sample
    text = Text()
    text.append(f"Sample #{s.id} ", style="bold")
    text.append_text(literal(s.plan_name, single_line=True))
    text.append(f"  [{s.status.upper()}]\n")
    text.append("Drawn by ")
    text.append_text(literal(s.drawn_by))
    text.append(f" on {s.drawn_at.astimezone(LONDON):%d %b %Y %H:%M} · seed {s.seed}\n")
    text.append_text(literal(s.method_description))
    text.append(
        f"\nPopulation after exclusions: {s.population_size:,} · drawn {s.size:,}\n"
        f"Progress: {summary.done}/{summary.total} done · {summary.claimed} claimed · "
        f"{summary.skipped} skipped · {summary.replaced} replaced\n"
    )
    text.append(to_review(summary.total, s.size, summary.skipped, summary.replaced))
    if s.margin is not None:
        text.append(f"This sample gives ±{s.margin:.1%} at 95% confidence. ")
    if s.population_size >= 1:
        needed = sample_size(HELPER_MARGIN, population=s.population_size)
        achieved = margin_of_error(needed, population=s.population_size)
        text.append(
            f"For ±{HELPER_MARGIN:.0%} at 95% from this population: {needed:,} reviews "
            f"(finite-population correction; gives ±{achieved:.1%})."
        )
    return text


class SamplesScreen(FeatureScreen[None]):
    """Samples newest first; Enter opens the queue of the highlighted sample."""

    CSS_PATH = "samples.tcss"
    HELP_TITLE = "Samples"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, so the footer shows it: the table would otherwise take Enter silently.
        Binding("enter", "open_queue", "Queue", id="samples.queue", priority=True),
        Binding("p", "new_plan", "New plan", id="samples.plan"),
        Binding("d", "draw", "Draw", id="samples.draw", tooltip="Draw from a saved plan"),
        Binding("v", "results", "Results", id="samples.results"),
        Binding("c", "close_sample", "Close sample", id="samples.close"),
        Binding("o", "cycle_status", "Open/all/closed", id="samples.status"),
        *paging_keys("older", "newer"),
        *list_keys("cursor('down')", "cursor('up')"),
    ]

    class PageLoaded(Message):
        def __init__(self, request: PageRequest, page: SamplePage) -> None:
            super().__init__()
            self.request = request
            self.page = page

    class ProgressLoaded(Message):
        def __init__(self, progress: SampleProgress) -> None:
            super().__init__()
            self.progress = progress

    class SampleClosed(Message):
        def __init__(self, sample_id: int) -> None:
            super().__init__()
            self.sample_id = sample_id

    def __init__(self, ctx: Ctx, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.status: str | None = "open"
        self.page: SamplePage | None = None
        #: Pages shown so far, and the (page, sample) whose details are on screen: the
        #: table highlights its row again as it fills, which must not load them twice.
        self._pages_shown = 0
        self._detail_for: tuple[int, int] | None = None
        self._seq = 0
        self._last = PageRequest(0, "open")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="samples-filter")
        with Horizontal(id="samples-body"):
            yield DataTable(id="samples-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="sample-detail"):
                yield Static("", id="sample-provenance")
                yield DataTable(id="strata-table", cursor_type="none", zebra_stripes=True)
        yield Static("Loading…", id="samples-position")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Samples · {self.ctx.actor.display_name} ({self.ctx.actor.role.label})"
        table = self.query_one("#samples-table", DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        strata = self.query_one("#strata-table", DataTable)
        for name in STRATA_COLUMNS:
            strata.add_column(name, key=name)
        table.focus()
        self._request(self.status)

    # ----- loading -------------------------------------------------------------

    def _request(
        self, status: str | None, *, older_than: int | None = None, newer_than: int | None = None
    ) -> None:
        self._seq += 1
        self._last = PageRequest(self._seq, status, older_than, newer_than)
        self._load(self._last)

    @work(thread=True, exclusive=True, exit_on_error=False, group="samples-page")
    def _load(self, request: PageRequest) -> None:
        from rcrp_tui.services.sampling import lists as sample_lists

        page = sample_lists.samples_page(
            self.ctx,
            status=request.status,
            older_than=request.older_than,
            newer_than=request.newer_than,
        )
        self.post_message(self.PageLoaded(request, page))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        if message.request.seq != self._seq:
            return  # superseded by a newer request
        self.status = message.request.status
        self._pages_shown += 1
        table = self.query_one("#samples-table", DataTable)
        keep = table.cursor_row
        # The highlighted sample stays highlighted when it is still on the page.
        held = self.current.sample.id if self.current is not None else None
        ids = [row.sample.id for row in message.page.rows]
        if held in ids:
            keep = ids.index(held)
        self.page = message.page
        table.clear()
        for row in message.page.rows:
            table.add_row(*self._cells(row), key=str(row.sample.id))
        fit_columns(table)  # "0/1629" whole in the first frame, not cut to "0/16"
        if message.page.rows:
            table.move_cursor(row=min(max(keep, 0), len(message.page.rows) - 1))
        label = {"open": "open samples", "closed": "closed samples", None: "all samples"}
        self.query_one("#samples-filter", Static).update(
            f"Showing {label[self.status]}, newest first · o: open/all/closed"
        )
        n = len(message.page.rows)
        where = (
            f" · {key_for(self, PAGE_DOWN, 'pgdn')}: older" if message.page.has_older else ""
        ) + (f" · {key_for(self, PAGE_UP, 'pgup')}: newer" if message.page.has_newer else "")
        empty = f"No {label[self.status]}." + (
            " Press p to define a plan, or d to draw from a saved one." if self._plans() else ""
        )
        shown = f"{n} sample{'s' if n != 1 else ''} on this page"
        self.query_one("#samples-position", Static).update((shown if n else empty) + where)
        self._show_detail()
        self.refresh_bindings()

    def _cells(self, row: SampleSummary) -> tuple[Any, ...]:
        s = row.sample
        return (
            str(s.id),
            s.status.upper(),
            row.progress,
            str(row.skipped),
            str(row.replaced),
            literal(s.plan_name, single_line=True),
            f"{s.drawn_at.astimezone(LONDON):%d %b %y %H:%M}",
            s.method.label,
        )

    @property
    def current(self) -> SampleSummary | None:
        """The highlighted sample."""
        table = self.query_one("#samples-table", DataTable)
        if self.page is None or not self.page.rows or table.cursor_row < 0:
            return None
        return self.page.rows[min(table.cursor_row, len(self.page.rows) - 1)]

    @on(DataTable.RowHighlighted, "#samples-table")
    def _highlighted(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        current = self.current
        shown = None if current is None else (self._pages_shown, current.sample.id)
        if shown is not None and shown == self._detail_for:
            return
        self._detail_for = shown
        strata = self.query_one("#strata-table", DataTable)
        if current is None:
            self.query_one("#sample-provenance", Static).update("")
            strata.clear()
            return
        self.query_one("#sample-provenance", Static).update(provenance(current))
        self._load_progress(current.sample.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="samples-progress")
    def _load_progress(self, sample_id: int) -> None:
        from rcrp_tui.services.sampling import queue as sample_queue

        self.post_message(self.ProgressLoaded(sample_queue.progress(self.ctx, sample_id)))

    @on(ProgressLoaded)
    def _progress_loaded(self, message: ProgressLoaded) -> None:
        current = self.current
        if current is None or current.sample.id != message.progress.sample_id:
            return
        strata = self.query_one("#strata-table", DataTable)
        strata.clear()
        for s in message.progress.strata:
            strata.add_row(
                literal(stratum_label(s.stratum), single_line=True),
                str(s.done),
                str(s.total),
                str(s.skipped),
                str(s.replaced),
            )
        fit_columns(strata)  # measured now: a busy machine could draw the heading first

    # ----- keys ------------------------------------------------------------------

    def _plans(self) -> bool:
        return can(self.ctx.actor.role, Permission.PLAN_SAMPLES)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new_plan", "draw", "results", "close_sample") and not self._plans():
            return False
        if action in ("open_queue", "results", "close_sample"):
            current = self.current if self.is_mounted else None
            if current is None:
                return None  # shown, dimmed, until a sample is highlighted
            if action == "close_sample" and current.sample.status != "open":
                return None
        return True

    def action_cursor(self, direction: str) -> None:
        table = self.query_one("#samples-table", DataTable)
        (table.action_cursor_down if direction == "down" else table.action_cursor_up)()

    def action_cycle_status(self) -> None:
        index = STATUS_CYCLE.index(self.status)
        self._request(STATUS_CYCLE[(index + 1) % len(STATUS_CYCLE)])

    def action_older(self) -> None:
        if self.page and self.page.rows and self.page.has_older:
            self._request(self.status, older_than=self.page.rows[-1].sample.id)
        else:
            self.app.bell()

    def action_newer(self) -> None:
        if self.page and self.page.rows and self.page.has_newer:
            self._request(self.status, newer_than=self.page.rows[0].sample.id)
        else:
            self.app.bell()

    def action_open_queue(self) -> None:
        from rcrp_tui.ui.sampling.queue import SampleQueueScreen

        current = self.current
        if current is not None:
            self.app.push_screen(SampleQueueScreen(self.ctx, sample_id=current.sample.id))

    @on(DataTable.RowSelected, "#samples-table")
    def _row_selected(self) -> None:
        # The table takes Enter for itself; selecting a row opens its queue.
        self.action_open_queue()

    def action_results(self) -> None:
        from rcrp_tui.ui.sampling.results import SampleResultsScreen

        current = self.current
        if current is not None:
            self.app.push_screen(SampleResultsScreen(self.ctx, sample_id=current.sample.id))

    def action_new_plan(self) -> None:
        from rcrp_tui.ui.sampling.plan_dialog import PlanDialog, plan_saved_note

        def done(result: Any) -> None:
            note, warning = plan_saved_note(result)
            if note:
                self.notify(markup_safe(note), severity="warning" if warning else "information")
                self._request(self.status)

        self.app.push_screen(PlanDialog(self.ctx), done)

    def action_draw(self) -> None:
        from rcrp_tui.ui.sampling.dialogs import PlanPickerDialog

        def done(sample: SampleView | None) -> None:
            if sample is not None:
                margin = f", ±{sample.margin:.1%} at 95%" if sample.margin is not None else ""
                self.notify(
                    f"Sample #{sample.id} drawn: {sample.size} of "
                    f"{sample.population_size:,} decisions, seed {sample.seed}{margin}."
                )
                self._request("open" if self.status == "closed" else self.status)

        self.app.push_screen(PlanPickerDialog(self.ctx), done)

    def action_close_sample(self) -> None:
        from rcrp_tui.ui.sampling.dialogs import ConfirmDialog

        current = self.current
        if current is None or current.sample.status != "open":
            return
        sample_id, seen = current.sample.id, current.sample.row_version

        def done(yes: bool | None) -> None:
            if yes:
                self._close(sample_id, seen)

        left = current.total - current.done
        self.app.push_screen(
            ConfirmDialog(
                f"Close sample #{sample_id}?",
                f"{current.done}/{current.total} done; {left} item(s) not reviewed will stay "
                "unreviewed. Its decisions can then be drawn into new samples.",
            ),
            done,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="samples-write")
    def _close(self, sample_id: int, seen: int) -> None:
        from rcrp_tui.services.sampling import plans as sampling

        sampling.close_sample(self.ctx, sample_id, expected_version=seen)
        self.post_message(self.SampleClosed(sample_id))

    @on(SampleClosed)
    def _sample_closed(self, message: SampleClosed) -> None:
        self.notify(f"Sample #{message.sample_id} closed.")
        self._request(self.status)

    def _reload(self) -> None:
        """Read the page on screen again (the same keyset bounds)."""
        self._request(
            self._last.status, older_than=self._last.older_than, newer_than=self._last.newer_than
        )

    def on_data_changed(self, message: DataChanged) -> None:
        """Items were claimed, finished, skipped or replaced somewhere: the page again."""
        if message.touches(QUEUE_TOPIC) and self.page is not None:
            self._reload()

    def on_screen_resume(self) -> None:
        # Back from a queue, results or a dialog: progress may have moved.
        if self.page is not None:
            self._reload()
