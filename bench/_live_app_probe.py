"""What bench_live_apps.py measures inside each app process: the services its screens
call, wrapped to time each save from its key press to its commit and to count conflicts
and errors; the change feed's hand-over to the front screen; the queue screen drawn
again for a change; failed background jobs and warning messages."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    username: str
    saves: list[tuple[str, float]] = field(default_factory=list)  # (kind, ms)
    events: list[tuple[int, float]] = field(default_factory=list)  # (item id, committed at)
    told: list[tuple[float, frozenset[int]]] = field(default_factory=list)  # feed -> screen
    redrawn: list[tuple[float, frozenset[int]]] = field(default_factory=list)  # queue drawn
    claimed: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)
    saved: list[tuple[int, int, str]] = field(default_factory=list)  # (review, version, what)
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    cpu: float = 0.0
    profile: str = ""
    signed_in: bool = False


def instrument(result: Result) -> dict[str, float]:
    """Wrap the services the screens call, and the feed's hand-over, to time and count."""
    from sqlalchemy import event

    from rcrp_tui.services.core.errors import Conflict
    from rcrp_tui.services.reviews import saving
    from rcrp_tui.services.reviews.records import ReviewConflict
    from rcrp_tui.services.sampling import queue as sample_queue
    from rcrp_tui.storage.db import Database
    from rcrp_tui.ui.common.live import LiveUpdates
    from rcrp_tui.ui.reviews import review as review_screen
    from rcrp_tui.ui.sampling.queue import SampleQueueScreen
    from rcrp_tui.ui.shell.app import RcrpApp

    pressed: dict[str, float] = {}  # key -> when it was pressed (perf_counter)
    committed = threading.local()  # when this thread last sent COMMIT (time.time)
    items: dict[int, int] = {}  # decision id -> sample item id
    claim_done: dict[str, float] = {"at": 0.0}

    def on_commit(_conn: Any) -> None:
        committed.at, committed.perf = time.time(), time.perf_counter()

    original_init = Database.__init__

    def init(self: Database, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        event.listen(self.engine, "commit", on_commit)

    Database.__init__ = init  # type: ignore[method-assign]

    def timed(kind: str, since: float, call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            value = call(*args, **kwargs)
        except (Conflict, ReviewConflict):
            result.conflicts += 1
            raise
        except Exception as exc:
            result.errors.append(f"{kind}: {exc!r}")
            raise
        result.saves.append((kind, (committed.perf - since) * 1000))
        return value

    take_next = sample_queue.take_next

    def bench_take_next(ctx: Any, sample_id: int) -> Any:
        item = timed("claim", pressed["n"], take_next, ctx, sample_id)
        if item is not None:
            items[item.decision_id] = item.id
            result.claimed.append(item.id)
            result.events.append((item.id, committed.at))
            claim_done["at"] = committed.perf
        return item

    sample_queue.take_next = bench_take_next

    open_for_decision = saving.open_for_decision

    def bench_open(ctx: Any, decision_id: int) -> Any:
        return timed("start review", claim_done["at"], open_for_decision, ctx, decision_id)

    saving.open_for_decision = bench_open

    perform = review_screen.perform

    def bench_perform(ctx: Any, what: str, base: Any, *args: Any, **kwargs: Any) -> Any:
        key = {"save": "ctrl+s", "submit": "f10"}[what]
        kind = {"save": "save draft", "submit": "submit"}[what]
        view = timed(kind, pressed[key], perform, ctx, what, base, *args, **kwargs)
        result.saved.append((view.id, view.row_version, what))
        if what == "submit" and view.decision_id in items:
            result.completed.append(items[view.decision_id])
            result.events.append((items[view.decision_id], committed.at))
        return view

    review_screen.perform = bench_perform

    flush = LiveUpdates._flush

    def bench_flush(self: LiveUpdates) -> None:
        ids = self._pending.get("queue")
        if ids is not None:
            result.told.append((time.time(), ids))
        flush(self)

    LiveUpdates._flush = bench_flush  # type: ignore[method-assign]

    on_data_changed = SampleQueueScreen.on_data_changed

    def bench_changed(self: SampleQueueScreen, message: Any) -> None:
        if "queue" in message.ids:
            told = getattr(self, "_bench_told", None) or frozenset()
            self._bench_told = told | message.ids["queue"]  # type: ignore[attr-defined]
        on_data_changed(self, message)

    SampleQueueScreen.on_data_changed = bench_changed  # type: ignore[method-assign]
    summary = SampleQueueScreen._summary

    def bench_summary(self: SampleQueueScreen, state: Any) -> Any:
        told = getattr(self, "_bench_told", None)
        if told is not None:  # drawn again after being told of a change
            result.redrawn.append((time.time(), told))
            self._bench_told = None  # type: ignore[attr-defined]
        return summary(self, state)

    SampleQueueScreen._summary = bench_summary  # type: ignore[method-assign]

    def bench_worker_error(self: Any, worker: Any) -> None:
        result.errors.append(f"background job {worker.name}: {worker.error!r}")

    RcrpApp.report_worker_error = bench_worker_error  # type: ignore[method-assign]
    notify = RcrpApp.notify

    def bench_notify(self: Any, message: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("severity") in ("error", "warning") and kwargs.get("title") != "Not saved":
            result.errors.append(f"message: {message}")
        notify(self, message, *args, **kwargs)

    RcrpApp.notify = bench_notify  # type: ignore[method-assign]
    return pressed
