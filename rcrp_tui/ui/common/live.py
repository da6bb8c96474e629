"""Other terminals' changes, shown as they happen, without a key press.

The app owns one ``LiveUpdates`` (started at sign-in). Its watcher (``services.core.changes``:
LISTEN/NOTIFY on PostgreSQL, a change check on SQLite) reports each committed change of a
watched kind; ``LiveUpdates`` gathers a burst into one ``DataChanged`` message (at most one
every ``MIN_GAP_SECONDS``) and posts it to the screen in front (the top screen that is not
a dialog, so a dialog open over it stays open, its typing untouched). A screen further
down the stack is told what it missed when it comes to the front again. A screen that
shows a topic handles ``on_data_changed`` by reading its current page again by keyset,
keeping the cursor on the same record; it never moves the focus.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from textual.app import App
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer

if TYPE_CHECKING:
    from rcrp_tui.services.core.changes import Change, Watcher
    from rcrp_tui.services.core.context import Database

#: A burst of changes (an auto-fill, a busy queue) becomes one message this long after its first.
GATHER_SECONDS = 0.15
#: At most one message this often: twenty terminals working one queue would otherwise
#: have every screen read its page several times a second (bench/bench_live_load.py).
MIN_GAP_SECONDS = 0.75

Changes = dict[str, frozenset[int]]


class DataChanged(Message):
    """Records of these topics changed in the database (here or at another terminal).

    ``ids`` maps each topic to the ids of the records that changed, where the database
    says (PostgreSQL does, SQLite does not); an empty set means "some". ``heard_at``
    (``time.monotonic()``) is when the last of them was handed on, after its commit: a
    read begun later already sees them all (0: not known).
    """

    def __init__(self, ids: Mapping[str, frozenset[int]], heard_at: float = 0.0) -> None:
        super().__init__()
        self.ids: Changes = dict(ids)
        self.heard_at = heard_at

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(self.ids)

    def touches(self, *topics: str) -> bool:
        return any(t in self.ids for t in topics)


class ChangeHeard(Message):
    """A change the watcher heard, posted to the app from the watcher's thread (posting
    never waits, so a watcher cannot hold up an app that is closing)."""

    def __init__(self, change: Change) -> None:
        super().__init__()
        self.change = change


def _merge(into: Changes, more: Mapping[str, frozenset[int]]) -> None:
    for topic, ids in more.items():
        if topic not in into:
            into[topic] = ids
        elif into[topic] and ids:
            into[topic] = into[topic] | ids
        else:  # "some" (an empty set) absorbs any list of ids
            into[topic] = frozenset()


class LiveUpdates:
    """The app's one change watcher and the messages it turns changes into."""

    def __init__(self, app: App[Any], on_topics: Callable[[frozenset[str]], None]) -> None:
        self.app = app
        #: Called on the UI thread with every gathered burst's topics (the live-risk banner).
        self.on_topics = on_topics
        self.watcher: Watcher | None = None
        self._pending: Changes = {}
        self._timer: Timer | None = None
        self._last_flush = 0.0
        self._missed: WeakKeyDictionary[Screen[Any], Changes] = WeakKeyDictionary()
        self._missed_at: WeakKeyDictionary[Screen[Any], float] = WeakKeyDictionary()

    def start(self, db: Database) -> None:
        """Start watching ``db`` (once; a second call does nothing)."""
        from rcrp_tui.services.core import changes

        if self.watcher is None:
            self.watcher = changes.watch(db, self._heard)
            self.app.screen_change_signal.subscribe(self.app, self._screen_changed)

    def stop(self) -> None:
        """Stop watching; waits at most a second (the thread is a daemon either way)."""
        if self.watcher is not None:
            self.watcher.stop(timeout=1.0)

    def _heard(self, change: Change) -> None:
        """From the watcher's thread: hand the change to the app (which calls ``gather``)."""
        self.app.post_message(ChangeHeard(change))

    def gather(self, change: Change) -> None:
        """Add a change to the burst being gathered (on the UI thread)."""
        _merge(self._pending, {change.topic: frozenset(change.ids)})
        if self._timer is None:
            wait = max(GATHER_SECONDS, self._last_flush + MIN_GAP_SECONDS - time.monotonic())
            self._timer = self.app.set_timer(wait, self._flush)

    def _front(self) -> Screen[Any] | None:
        screens = [s for s in self.app.screen_stack if not isinstance(s, ModalScreen)]
        return screens[-1] if screens else None

    def _flush(self) -> None:
        self._timer = None
        self._last_flush = time.monotonic()
        pending, self._pending = self._pending, {}
        if not pending:
            return
        front = self._front()
        for screen in self.app.screen_stack:
            if isinstance(screen, ModalScreen) or screen is front:
                continue
            _merge(self._missed.setdefault(screen, {}), pending)
            self._missed_at[screen] = self._last_flush
        if front is not None:
            front.post_message(DataChanged(pending, self._last_flush))
        self.on_topics(frozenset(pending))

    def _screen_changed(self, _screen: Any) -> None:
        """A screen back in front hears what changed while it was covered."""
        front = self._front()
        if front is None:
            return
        missed = self._missed.pop(front, None)
        heard_at = self._missed_at.pop(front, 0.0)
        if missed:
            front.post_message(DataChanged(missed, heard_at))
