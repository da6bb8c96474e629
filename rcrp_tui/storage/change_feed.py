"""The change feed: every terminal learns within a moment that another one changed
something it shows, without a key press and without reloading on a timer.

A service write of a watched kind calls ``announce(session, topic, ids)`` inside its own
transaction, so the announcement exists exactly when the change does (a rolled-back save
announces nothing):

- On PostgreSQL it is ``pg_notify('rcrp_changes', '{"t": topic, "ids": [...]}')``;
  PostgreSQL delivers a notification only when its transaction commits. ``PgListener``
  holds one connection per app that ``LISTEN``s, on a background thread, and reconnects
  when it is lost (then it reports every topic changed, since some may have been missed).
- On SQLite it adds one to the topic's row of ``change_counters`` (the write transaction
  already holds the write lock, so it costs one small update). ``SqliteWatcher`` asks
  ``PRAGMA data_version`` twice a second (a read of the connection's own state, not of a
  table) and reads the counters, one small query, only when the file has changed since;
  a topic whose counter moved is reported. SQLite carries no ids.

Both watchers call ``on_change`` (from their thread) with a ``Change`` per topic; the app
hands it to its screens. Nothing here imports Textual.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.engine import Connection
from sqlmodel import Field, Session, SQLModel

from rcrp_tui.storage.db import AUTOCOMMIT_OPTION, Database

#: The kinds of change terminals follow. A screen names the ones it shows.
QUEUE = "queue"  # sample items claimed, finished, released, skipped, replaced, assigned
LIVE_RISK = "live_risk"  # live-risk alerts raised and closed
ROTA = "rota"  # rota assignments, swaps, auto-fills and leave
APPEALS = "appeals"  # appeals recorded, decided and changed
REVIEWS = "reviews"  # reviews submitted, moderated, released and acknowledged
TOPICS: tuple[str, ...] = (QUEUE, LIVE_RISK, ROTA, APPEALS, REVIEWS)

#: The PostgreSQL notification channel.
CHANNEL = "rcrp_changes"
#: A notification names at most this many ids; a bigger change names none ("some").
MAX_IDS = 50
#: How often the SQLite watcher asks whether the file changed.
SQLITE_CHECK_SECONDS = 0.5
#: How long the PostgreSQL listener waits before connecting again after losing the server.
RECONNECT_SECONDS = 1.0


class ChangeCounter(SQLModel, table=True):
    """One row per topic: how many changes of that kind have been committed (SQLite)."""

    __tablename__ = "change_counters"

    topic: str = Field(primary_key=True, max_length=32)
    counter: int = Field(default=0)


change_counters_table: Table = ChangeCounter.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Change:
    """Records of ``topic`` changed; ``ids`` names them when known (empty: not known)."""

    topic: str
    ids: tuple[int, ...] = ()


def announce(session: Session | Connection, topic: str, ids: Iterable[int | None] = ()) -> None:
    """Say, inside the writing transaction, that records of ``topic`` changed."""
    if topic not in TOPICS:
        raise ValueError(f"unknown change topic {topic!r}")
    bind = session if isinstance(session, Connection) else session.get_bind()
    if bind.dialect.name == "sqlite":
        session.execute(
            text(
                "INSERT INTO change_counters (topic, counter) VALUES (:t, 1) "
                "ON CONFLICT (topic) DO UPDATE SET counter = change_counters.counter + 1"
            ),
            {"t": topic},
        )
        return
    named = sorted({int(i) for i in ids if i is not None})
    payload = json.dumps({"t": topic, "ids": named if len(named) <= MAX_IDS else []})
    session.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": payload})


def parse(payload: str) -> Change | None:
    """A notification's payload as a ``Change``; None for one this version cannot read."""
    try:
        data = json.loads(payload)
        topic = data["t"]
        ids = tuple(int(i) for i in data.get("ids", ()))
    except (ValueError, KeyError, TypeError):
        return None
    return Change(topic, ids) if topic in TOPICS else None


OnChange = Callable[[Change], None]


class _Watcher(ABC):
    """A daemon thread calling ``on_change``; ``stop()`` ends it."""

    name = "rcrp-change-watcher"

    def __init__(self, db: Database, on_change: OnChange) -> None:
        self.db = db
        self.on_change = on_change
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Set once the watcher is listening (tests and the bench wait for it).
        self.ready = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _tell(self, change: Change) -> None:
        # A listener that fails (an app shutting down) must not end the watching.
        with suppress(Exception):
            self.on_change(change)

    @abstractmethod
    def _run(self) -> None:
        """Watch until stopped, calling ``_tell`` for each change (each database its own way)."""


class SqliteWatcher(_Watcher):
    """Reads the counters only when ``PRAGMA data_version`` says another connection
    committed something since the last look."""

    def __init__(
        self, db: Database, on_change: OnChange, every: float = SQLITE_CHECK_SECONDS
    ) -> None:
        super().__init__(db, on_change)
        self.every = every

    def _run(self) -> None:
        failed = False
        while not self._stop.is_set():
            try:
                self._watch(failed)
                return
            except Exception:  # the file was unreadable a moment (a restore): try again
                failed = True
                self.ready.clear()
                if self._stop.wait(RECONNECT_SECONDS):
                    return

    def _watch(self, failed: bool) -> None:
        conn = self.db.engine.connect().execution_options(**{AUTOCOMMIT_OPTION: True})
        try:
            version = self._data_version(conn)
            counters = self._counters(conn)
            if failed:  # anything may have changed while it could not look
                for topic in TOPICS:
                    self._tell(Change(topic))
            self.ready.set()
            while not self._stop.wait(self.every):
                now = self._data_version(conn)
                if now == version:
                    continue
                version = now
                latest = self._counters(conn)
                for topic, counter in latest.items():
                    if counters.get(topic) != counter:
                        self._tell(Change(topic))
                counters = latest
        finally:
            _discard(conn)

    @staticmethod
    def _data_version(conn: Connection) -> int:
        value = conn.exec_driver_sql("PRAGMA data_version").scalar()
        conn.rollback()  # no transaction is open (autocommit): this only resets SQLAlchemy's
        return int(value or 0)

    @staticmethod
    def _counters(conn: Connection) -> dict[str, int]:
        rows = conn.execute(text("SELECT topic, counter FROM change_counters")).all()
        conn.rollback()
        return {str(t): int(c) for t, c in rows}


class PgListener(_Watcher):
    """``LISTEN`` on one connection of its own; reconnects when the server drops it."""

    def __init__(self, db: Database, on_change: OnChange) -> None:
        super().__init__(db, on_change)
        #: The server process of the listening connection (a test ends it to test reconnecting).
        self.backend_pid: int | None = None
        #: How many times the listener has connected (1 until a connection was lost).
        self.connections = 0

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception:  # the server went away: try again shortly
                self.ready.clear()
                if self._stop.wait(RECONNECT_SECONDS):
                    return
                continue

    def _listen(self) -> None:
        conn = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            conn.exec_driver_sql(f"LISTEN {CHANNEL}")
            raw: Any = conn.connection.driver_connection
            self.backend_pid = int(raw.info.backend_pid)
            self.connections += 1
            if self.connections > 1:
                # Anything committed while it was away was missed: say every topic changed.
                for topic in TOPICS:
                    self._tell(Change(topic))
            self.ready.set()
            while not self._stop.is_set():
                for note in raw.notifies(timeout=0.5):
                    change = parse(note.payload)
                    if change is not None:
                        self._tell(change)
                    if self._stop.is_set():
                        break
        finally:
            _discard(conn)


def _discard(conn: Connection) -> None:
    """Close a watcher's own connection without returning it to the pool."""
    with suppress(Exception):
        conn.invalidate()
    with suppress(Exception):
        conn.close()


def watcher(db: Database, on_change: OnChange) -> _Watcher:
    """The watcher for ``db`` (not yet started): ``PgListener`` or ``SqliteWatcher``."""
    if db.is_sqlite:
        return SqliteWatcher(db, on_change)
    return PgListener(db, on_change)
