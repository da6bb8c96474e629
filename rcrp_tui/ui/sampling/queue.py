"""One sample's queue: take the next item and review it, skip, replace or release.

"Take next" (n) claims an item atomically in the service, so two terminals never get the
same one, and opens the review of its decision at once. Submitting that review marks the
item done (the review service does it in the same transaction). Skipping and replacing
ask for a reason, which goes into the sample's report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Header, Static
from textual.worker import Worker, WorkerState

from rcrp_tui.domain.enums import Category, Outcome
from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.domain.sampling import LONDON, SampleItemStatus
from rcrp_tui.domain.stratum_labels import stratum_label
from rcrp_tui.services.core import changes
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.services.sampling import lists as sample_lists
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.services.sampling.plans import SampleView
from rcrp_tui.services.sampling.progress import SampleProgress
from rcrp_tui.services.sampling.queue import QueueItem
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.common.columns_in_view import ColumnsTable, out_of_view_note
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import PAGE_DOWN, PAGE_UP, key_for, list_keys, paging_keys, shown_key
from rcrp_tui.ui.common.literal import literal, markup_safe, visible
from rcrp_tui.ui.common.live import DataChanged

PAGE_SIZE = 50
# Status first: it is what a floorwalker looks for, and it stays in view at 80 columns.
COLUMNS = ("#", "Status", "CAD ref", "Received", "Category", "Outcome", "Stratum", "Reason")
#: A word and a symbol for every status, so nothing is told by colour alone.
STATUS_TEXT: dict[str, tuple[str, str]] = {
    SampleItemStatus.OPEN: ("· open", ""),
    SampleItemStatus.CLAIMED: ("▶ claimed", "bold"),
    SampleItemStatus.DONE: ("✓ done", ""),
    SampleItemStatus.SKIPPED: ("✗ skipped", "dim"),
    SampleItemStatus.REPLACED: ("↺ replaced", "dim"),
}


@dataclass(frozen=True)
class QueueState:
    sample: SampleView
    progress: SampleProgress
    items: tuple[QueueItem, ...]
    after_position: int
    has_more: bool
    names: dict[int, str]  # who items may be assigned to (read for QA leads only)


class SampleQueueScreen(FeatureScreen[None]):
    """The items of one sample in queue order, a page at a time."""

    CSS_PATH = "samples.tcss"
    HELP_TITLE = "Sample queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "take_next", "Take next", id="sample-queue.take"),
        Binding("r", "review", "Review", id="sample-queue.review"),
        Binding("s", "skip", "Skip", id="sample-queue.skip"),
        Binding("x", "replace", "Replace", id="sample-queue.replace"),
        Binding("u", "release", "Release", id="sample-queue.release"),
        Binding("a", "assign", "Assign", id="sample-queue.assign"),
        Binding("escape", "back", "Back", id="sample-queue.back"),
        *paging_keys("page(1)", "page(-1)"),
        *list_keys("cursor('down')", "cursor('up')"),
    ]

    class Loaded(Message):
        def __init__(self, state: QueueState) -> None:
            super().__init__()
            self.state = state

    class Taken(Message):
        def __init__(self, item: QueueItem | None) -> None:
            super().__init__()
            self.item = item

    class ProgressLoaded(Message):
        def __init__(self, progress: SampleProgress) -> None:
            super().__init__()
            self.progress = progress

    class Changed(Message):
        def __init__(self, note: str) -> None:
            super().__init__()
            self.note = note

    def __init__(self, ctx: Ctx, sample_id: int, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.sample_id = sample_id
        self.state: QueueState | None = None
        self._page_starts: list[int] = [0]  # after_position of each page read so far
        self._position = ""  # the position line without the note on columns out of view
        #: When the page was last asked for, and when another screen last covered this one
        #: (``time.monotonic()``): a change heard before the last read began, or a return
        #: to the screen after a read asked for since it was covered, needs no read again.
        self._read_asked_at = 0.0
        self._covered_at = 0.0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="queue-summary")
        yield ColumnsTable[Any](id="queue-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="queue-position")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Sample #{self.sample_id} queue · {self.ctx.actor.display_name}"
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        table.focus()
        self.reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        error = event.worker.error
        if event.state is WorkerState.ERROR and event.worker.group == "queue-load":
            # Say it where the figures should be, too: a toast can be missed.
            text = error.message if isinstance(error, ServiceError) else str(error)
            self.query_one("#queue-summary", Static).update(literal(f"✗ Could not load: {text}"))

    # ----- loading -------------------------------------------------------------

    def reload(self) -> None:
        """Read the current page, the sample and its progress again."""
        self._read_asked_at = time.monotonic()
        self._load(self._page_starts[-1])

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-load")
    def _load(self, after_position: int) -> None:
        sample = sampling.get_sample(self.ctx, self.sample_id)
        progress = sample_queue.progress(self.ctx, self.sample_id)
        items = sample_queue.queue_page(
            self.ctx, self.sample_id, after_position=after_position, limit=PAGE_SIZE + 1
        )
        # The people items may be assigned to are read again only when the page shows
        # someone not yet known: paging and reloading after every action would otherwise
        # query the users table each time.
        names = self.state.names if self.state is not None else {}
        assigned = {i.assigned_to_user_id for i in items if i.assigned_to_user_id is not None}
        if self._plans() and (self.state is None or not assigned <= names.keys()):
            names = {w.id: w.display_name for w in sample_lists.sample_workers(self.ctx)}
        state = QueueState(
            sample,
            progress,
            tuple(items[:PAGE_SIZE]),
            after_position,
            has_more=len(items) > PAGE_SIZE,
            names=names,
        )
        self.post_message(self.Loaded(state))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        shown = self.state.items if self.state is not None else None
        self.state = state = message.state
        table = self.query_one(DataTable)
        ids = [item.id for item in state.items]
        if shown is not None and [i.id for i in shown] == ids and table.row_count == len(ids):
            # The same items (another terminal claimed or finished one): only the rows that
            # changed are redrawn, and the table keeps its rows, its size and its cursor.
            before = dict(zip(ids, shown, strict=True))
            for item in state.items:
                if item != before[item.id]:
                    for column, cell in zip(COLUMNS, self._cells(item), strict=True):
                        table.update_cell(str(item.id), column, cell, update_width=True)
        else:
            keep = table.cursor_row
            # The highlighted item stays highlighted, wherever it now is on the page.
            held = self._shown_id(keep)
            if held in ids:
                keep = ids.index(held)
            table.clear()
            for item in state.items:
                table.add_row(*self._cells(item), key=str(item.id))
            if state.items:
                table.move_cursor(row=min(max(keep, 0), len(state.items) - 1))
        self.query_one("#queue-summary", Static).update(self._summary(state))
        first = state.items[0].position if state.items else 0
        last = state.items[-1].position if state.items else 0
        more = f" · {key_for(self, PAGE_DOWN, 'pgdn')}: next page" if state.has_more else ""
        back = (
            f" · {key_for(self, PAGE_UP, 'pgup')}: previous page"
            if len(self._page_starts) > 1
            else ""
        )
        self._position = (f"items {first} to {last}" if state.items else "No items.") + more + back
        self._update_position()
        self.refresh_bindings()

    def _update_position(self) -> None:
        position = self.query_one("#queue-position", Static)
        note = out_of_view_note(
            self._position,
            self.query_one(ColumnsTable).hidden_titles,
            of=len(COLUMNS),
            room=position.content_region.width,
        )
        position.update(self._position + note)

    @on(ColumnsTable.ColumnsHidden)
    def _columns_hidden(self) -> None:
        self._update_position()

    def _shown_id(self, row: int) -> int | None:
        """The id of the item on ``row`` of the table as it is shown now."""
        table = self.query_one(DataTable)
        if row < 0 or row >= table.row_count:
            return None
        return int(str(table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value))

    def on_data_changed(self, message: DataChanged) -> None:
        """Another terminal (or this one) changed sample items: read this page again, or
        only the progress line when the database named the items and none is on this page
        (a page that is not the last: a replacement is added at the end)."""
        state = self.state
        if not message.touches(changes.QUEUE) or state is None:
            return
        if 0 < message.heard_at <= self._read_asked_at:
            return  # a read begun since then sees it already
        named = message.ids[changes.QUEUE]
        if named and state.has_more and not named & {item.id for item in state.items}:
            self._load_progress()
        else:
            self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-progress")
    def _load_progress(self) -> None:
        self.post_message(self.ProgressLoaded(sample_queue.progress(self.ctx, self.sample_id)))

    @on(ProgressLoaded)
    def _progress_loaded(self, message: ProgressLoaded) -> None:
        if self.state is not None:
            self.state = replace(self.state, progress=message.progress)
            self.query_one("#queue-summary", Static).update(self._summary(self.state))

    def _summary(self, state: QueueState) -> Text:
        s, p = state.sample, state.progress
        text = Text()
        text.append(f"Sample #{s.id} ", style="bold")
        text.append(visible(s.plan_name, single_line=True))
        text.append(
            f" · {p.done}/{p.total} done · {p.skipped} skipped · {p.replaced} replaced"
            f" · {s.method_description}"
        )
        mine = [i for i in state.items if self._mine(i)]
        if mine:
            text.append(f"\nYou hold item {mine[0].position}: r reviews it, u releases it.")
        if s.status != "open":
            text.append("\nCLOSED: read only.", style="bold")
        return text

    def _plans(self) -> bool:
        return can(self.ctx.actor.role, Permission.PLAN_SAMPLES)

    def _assignee(self, user_id: int) -> str:
        if user_id == self.ctx.actor.user_id:
            return "you"
        names = self.state.names if self.state is not None else {}
        return visible(names.get(user_id, "someone else"), single_line=True)

    def _mine(self, item: QueueItem) -> bool:
        return (
            item.status == SampleItemStatus.CLAIMED
            and item.claimed_by_user_id == self.ctx.actor.user_id
        )

    def _reviewable(self, item: QueueItem) -> bool:
        # Only items this person holds or finished: opening another's would start a second
        # review of the same decision (moderation is on the Reviews screen, F5).
        return item.status in (SampleItemStatus.CLAIMED, SampleItemStatus.DONE) and (
            item.claimed_by_user_id == self.ctx.actor.user_id
        )

    def _cells(self, item: QueueItem) -> tuple[Any, ...]:
        word, style = STATUS_TEXT.get(item.status, (item.status, ""))
        if item.status == SampleItemStatus.CLAIMED:
            word += " (you)" if self._mine(item) else " (someone else)"
        if item.replacement_of_item_id is not None and item.status != SampleItemStatus.REPLACED:
            word += " · replacement"
        if item.status == SampleItemStatus.OPEN and item.assigned_to_user_id is not None:
            word += " → " + self._assignee(item.assigned_to_user_id)
        return (
            str(item.position),
            Text(word, style=style),
            literal(item.cad_ref, single_line=True),
            f"{item.received_at.astimezone(LONDON):%d %b %H:%M}",
            Category.label_of(item.category),
            Outcome.label_of(item.outcome),
            literal(stratum_label(item.stratum), single_line=True),
            literal(item.reason or "", single_line=True),
        )

    @property
    def current(self) -> QueueItem | None:
        """The highlighted item."""
        table = self.query_one(DataTable)
        if self.state is None or not self.state.items or table.cursor_row < 0:
            return None
        return self.state.items[min(table.cursor_row, len(self.state.items) - 1)]

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.refresh_bindings()

    # ----- keys ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        state = self.state
        if action == "assign" and not self._plans():
            return False
        writes = ("take_next", "skip", "replace", "release", "assign")
        if action in writes and (state is None or state.sample.status != "open"):
            return False if state is not None else None
        item = self.current if self.is_mounted else None
        if action in ("skip", "replace"):
            return None if item is None or item.status not in ("open", "claimed") else True
        if action == "assign":
            return None if item is None or item.status != "open" else True
        if action == "release":
            return None if item is None or item.status != "claimed" else True
        if action == "review":
            return None if item is None or not self._reviewable(item) else True
        return True

    def action_cursor(self, direction: str) -> None:
        table = self.query_one(DataTable)
        (table.action_cursor_down if direction == "down" else table.action_cursor_up)()

    def action_page(self, step: int) -> None:
        state = self.state
        if state is None:
            return
        if step > 0 and state.has_more and state.items:
            self._page_starts.append(state.items[-1].position)
        elif step < 0 and len(self._page_starts) > 1:
            self._page_starts.pop()
        else:
            self.app.bell()
            return
        self.query_one(DataTable).move_cursor(row=0)
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_take_next(self) -> None:
        self._take()

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-write")
    def _take(self) -> None:
        self.post_message(self.Taken(sample_queue.take_next(self.ctx, self.sample_id)))

    @on(Taken)
    def _taken(self, message: Taken) -> None:
        item = message.item
        if item is None:
            self.notify("Nothing left to take in this sample: every item is done or claimed.")
            self.reload()
            return
        self.notify(
            f"Item {item.position} ({markup_safe(visible(item.cad_ref, single_line=True))}) is "
            f"yours: score it, then submit ({shown_key(self.app, 'review.submit-f10', 'F10')}) "
            "to finish it."
        )
        self._open_review(item)

    def _open_review(self, item: QueueItem) -> None:
        open_destination: Any = getattr(self.app, "open_destination", None)
        if open_destination is not None:
            open_destination("review", decision_id=item.decision_id)

    def action_review(self) -> None:
        item = self.current
        if item is not None and self._reviewable(item):
            self._open_review(item)

    def _ask_reason(self, verb: str, act: Any) -> None:
        from rcrp_tui.ui.sampling.dialogs import ReasonDialog

        item = self.current
        if item is None or item.status not in (SampleItemStatus.OPEN, SampleItemStatus.CLAIMED):
            return
        actor = self.ctx.actor
        if (
            item.status == SampleItemStatus.CLAIMED
            and item.claimed_by_user_id != actor.user_id
            and not can(actor.role, Permission.PLAN_SAMPLES)
        ):
            # Said now, not after a reason has been typed (the service refuses it too).
            self.notify(
                f"Item {item.position} is claimed by someone else: only they or a QA lead "
                f"can {verb.lower()} it.",
                severity="warning",
            )
            return
        detail = (
            f"Item {item.position} · {item.cad_ref} · stratum {stratum_label(item.stratum)}"
            + ("\nA replacement is drawn from the same stratum." if verb == "Replace" else "")
        )

        def done(result: Any) -> None:
            if isinstance(result, QueueItem) and verb == "Replace":
                self.notify(
                    f"Item {item.position} replaced by item {result.position} "
                    f"({markup_safe(visible(result.cad_ref, single_line=True))}), same stratum."
                )
            elif result is not None:
                self.notify(f"Item {item.position} skipped.")
            self.reload()

        # The item as this screen shows it: refused (the reason kept) if it changed since.
        dialog = ReasonDialog(
            f"{verb} item {item.position}", detail, lambda r: act(item.id, r, item.row_version)
        )
        self.app.push_screen(dialog, done)

    def action_skip(self) -> None:
        self._ask_reason(
            "Skip",
            lambda item_id, r, seen: sample_queue.skip(self.ctx, item_id, r, expected_version=seen),
        )

    def action_replace(self) -> None:
        self._ask_reason(
            "Replace",
            lambda item_id, r, seen: sample_queue.replace(
                self.ctx, item_id, r, expected_version=seen
            ),
        )

    def action_assign(self) -> None:
        from rcrp_tui.ui.sampling.dialogs import AssignDialog

        item = self.current
        if item is None or item.status != SampleItemStatus.OPEN:
            return

        def done(result: Any) -> None:
            if isinstance(result, QueueItem):
                who = (
                    "whoever is on shift"
                    if result.assigned_to_user_id is None
                    else self._assignee(result.assigned_to_user_id)
                )
                self.notify(f"Item {result.position} assigned to {markup_safe(who)}.")
                self.reload()

        self.app.push_screen(AssignDialog(self.ctx, item), done)

    def action_release(self) -> None:
        item = self.current
        if item is not None and item.status == SampleItemStatus.CLAIMED:
            self._release(item.id, item.position, item.row_version)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-write")
    def _release(self, item_id: int, position: int, seen: int) -> None:
        sample_queue.release(self.ctx, item_id, expected_version=seen)
        self.post_message(self.Changed(f"Item {position} released: back in the queue."))

    @on(Changed)
    def _changed(self, message: Changed) -> None:
        self.notify(markup_safe(message.note))
        self.reload()

    def on_screen_suspend(self) -> None:
        self._covered_at = time.monotonic()

    def on_screen_resume(self) -> None:
        # Back from a review or a dialog: a submitted review has finished its item (unless
        # a read has been asked for since then: what it missed, or a dialog's result).
        if self.state is not None and self._read_asked_at <= self._covered_at:
            self.reload()
