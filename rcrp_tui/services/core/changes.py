"""The change feed as the app uses it: start watching a database for other terminals'
changes (``storage.change_feed`` does the work and says how, on each database)."""

from __future__ import annotations

from rcrp_tui.storage.change_feed import (
    APPEALS,
    LIVE_RISK,
    QUEUE,
    REVIEWS,
    ROTA,
    TOPICS,
    Change,
    OnChange,
    PgListener,
    SqliteWatcher,
    watcher,
)
from rcrp_tui.storage.db import Database

__all__ = [
    "APPEALS",
    "LIVE_RISK",
    "QUEUE",
    "REVIEWS",
    "ROTA",
    "TOPICS",
    "Change",
    "PgListener",
    "SqliteWatcher",
    "Watcher",
    "watch",
]

Watcher = PgListener | SqliteWatcher


def watch(db: Database, on_change: OnChange) -> Watcher:
    """Start watching ``db``; ``on_change`` is called from the watcher's own thread."""
    found = watcher(db, on_change)
    assert isinstance(found, PgListener | SqliteWatcher)
    found.start()
    return found
