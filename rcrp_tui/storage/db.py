"""The database engine: SQLite by default, PostgreSQL for a control room of many terminals.

SQLite is configured for several terminals sharing one file: WAL journal, foreign keys on,
a busy timeout, ``synchronous=NORMAL``, and every write transaction begins ``IMMEDIATE``
so that two terminals racing to change the same row queue up instead of one silently
overwriting the other. Reads begin a plain (deferred) transaction, so they see a
consistent snapshot without blocking writers.

A write that cannot get the database waits, up to the busy timeout. After the first
second of waiting it tells whoever listens (``on_wait``: the app shows it) what it is
waiting for, naming a running import if there is one. A write that still cannot get the
database, on either backend, raises ``Busy``, a ``ServiceError`` with a message a person
can act on: "database is locked" never reaches anyone as a traceback.

Imports hold a lock of their own for their whole run (``import_lock``): a sidecar SQLite
file beside the database on SQLite, a session advisory lock on PostgreSQL. Either is
released by the operating system or the server when the importing process ends, however
it ends, so a killed import never blocks the next one.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from rcrp_tui.domain.errors import Busy
from rcrp_tui.private_files import create_private_file, make_private_folder

#: How long a write waits for another terminal's write to finish before giving up. An
#: import's merge is the longest write there is: a re-import that changes every one of a
#: million decisions holds the lock for 25-30 s on a busy two-core machine (measured by
#: bench/bench_import_concurrent_save.py --update), so a save waits up to a minute rather
#: than fail. It says what it is waiting for after NOTICE_AFTER_MS.
BUSY_TIMEOUT_MS = 60_000
#: After this long waiting, a write tells ``on_wait`` listeners what it is waiting for.
NOTICE_AFTER_MS = 1_000
_WRITE_OPTION = "rcrp_write"
#: A SQLite connection with this execution option begins no transaction: each statement
#: is its own (the change watcher's ``PRAGMA data_version`` must see other commits).
AUTOCOMMIT_OPTION = "rcrp_autocommit"
#: The PostgreSQL advisory lock key an import holds for its run (any constant will do:
#: advisory locks are per database).
IMPORT_LOCK_KEY = 724_511_301
_LOCAL = ZoneInfo("Europe/London")
#: SQLite's "busy" and "locked" result codes (primary codes, extended codes masked off).
_SQLITE_BUSY = {5, 6}
#: PostgreSQL's lock_not_available.
_PG_LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True)
class RunningImport:
    """An import that has started and not finished (its ``import_runs`` row)."""

    run_id: int
    file_name: str
    started_by: str
    started_at: datetime
    host: str
    pid: int

    def describe(self) -> str:
        """Like "an import of calls.csv by admin (started 14:02 on 03 Dec)", in UK time."""
        local = self.started_at.astimezone(_LOCAL)
        return (
            f"an import of {self.file_name} by {self.started_by} "
            f"(started {local:%H:%M} on {local:%d %b})"
        )


@dataclass(frozen=True)
class WriteWait:
    """What a waiting write is waiting for: a running import, or (None) another write."""

    running_import: RunningImport | None

    def describe(self) -> str:
        if self.running_import is not None:
            return f"Waiting for {self.running_import.describe()} to finish…"
        return "Waiting for another terminal's change to finish…"


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` (a DBAPI error or SQLAlchemy's wrapper) means another
    connection holds the lock this one needs."""
    orig = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(orig, sqlite3.OperationalError):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is not None:
            return (code & 0xFF) in _SQLITE_BUSY
        message = str(orig).lower()
        return "database is locked" in message or "database table is locked" in message
    return getattr(orig, "sqlstate", None) == _PG_LOCK_NOT_AVAILABLE


def busy_error(waited_for: RunningImport | None = None) -> Busy:
    """The message a person sees when a write could not get the database in time."""
    seconds = BUSY_TIMEOUT_MS // 1000
    if waited_for is not None:
        return Busy(
            f"The database was busy for {seconds} seconds with "
            f"{waited_for.describe()}, so nothing was changed. Try again when it has "
            "finished."
        )
    return Busy(
        f"The database was busy for {seconds} seconds with another terminal's "
        "change, so nothing was changed. Try again in a moment."
    )


@contextmanager
def _translated(db: Database | None = None) -> Iterator[None]:
    """Turn "database is locked" into ``Busy``; let everything else through."""
    try:
        yield
    except DBAPIError as exc:
        if not is_busy(exc):
            raise
        running = db.running_import() if db is not None else None
        raise busy_error(running) from exc
    except sqlite3.OperationalError as exc:
        if not is_busy(exc):
            raise
        running = db.running_import() if db is not None else None
        raise busy_error(running) from exc


def url_from_argument(value: str) -> str:
    """Turn a ``--database`` argument (a path or an SQLAlchemy URL) into a URL."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _configure_sqlite(engine: Engine, db: Database) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so our BEGIN is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get(_WRITE_OPTION):
            db._begin_immediate(conn)
        elif options.get(AUTOCOMMIT_OPTION):
            pass  # the sqlite3 module is in autocommit mode (isolation_level None)
        else:
            conn.exec_driver_sql("BEGIN")


def _create_private_sqlite_file(path: Path) -> None:
    """Create a new database file owner-only (its folder too, if missing) before SQLite
    opens it: SQLite gives the ``-wal`` and ``-shm`` files the main file's permissions."""
    make_private_folder(path.parent)
    create_private_file(path)


class Database:
    """One database, with ``read()`` and ``write()`` sessions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url: URL = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if self.url.database in (None, "", ":memory:"):
                raise ValueError(
                    "an in-memory SQLite database cannot be shared with worker threads; "
                    "give a file path"
                )
            _create_private_sqlite_file(Path(self.url.database))
            self.engine = create_engine(
                self.url,
                echo=echo,
                connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            )
            _configure_sqlite(self.engine, self)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True)
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})
        #: Called (from the waiting thread) when a write has waited ``NOTICE_AFTER_MS``
        #: for the database, with what it waits for. The app sets it to show a message.
        self.on_wait: Callable[[WriteWait], None] | None = None

    def _begin_immediate(self, conn: Connection) -> None:
        """BEGIN IMMEDIATE, telling ``on_wait`` if the write lock takes over a second."""
        raw: Any = conn.connection.driver_connection
        listener = self.on_wait
        if listener is None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        began = time.monotonic()
        raw.execute(f"PRAGMA busy_timeout = {NOTICE_AFTER_MS}")
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        finally:
            raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        waited_ms = int((time.monotonic() - began) * 1000)
        with suppress(Exception):  # a message that fails to show must not fail the save
            listener(WriteWait(self.running_import()))
        raw.execute(f"PRAGMA busy_timeout = {max(BUSY_TIMEOUT_MS - waited_ms, 1)}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    @property
    def display_name(self) -> str:
        """The database as a person would name it, without any password."""
        if self.is_sqlite:
            return str(self.url.database)
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        with _translated(self), Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error.

        On SQLite it begins IMMEDIATE, taking the write lock before the first read, so a
        read-modify-write cannot interleave with another terminal's. A write that cannot
        get the database within the busy timeout raises ``Busy``.
        """
        with (
            _translated(self),
            Session(self._write_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection in a write transaction, for bulk loads (``Busy`` as above)."""
        with _translated(self), self._write_engine.begin() as conn:
            yield conn

    @contextmanager
    def own_connection(self) -> Iterator[Connection]:
        """A connection of its own, for work that spans transactions (an import stages a
        file in temporary tables, then merges them in ``write_on``). It is discarded
        afterwards, temporary tables and all, rather than going back to the pool."""
        with _translated(self), self.engine.connect() as conn:
            try:
                yield conn
            finally:
                conn.invalidate()

    @contextmanager
    def write_on(self, conn: Connection) -> Iterator[Connection]:
        """A write transaction on ``conn`` (from ``own_connection``, with no transaction
        open): IMMEDIATE on SQLite, committed on success, ``Busy`` if it cannot begin."""
        conn.execution_options(**{_WRITE_OPTION: True})
        try:
            with _translated(self), conn.begin():
                yield conn
        finally:
            conn.execution_options(**{_WRITE_OPTION: False})

    # -- imports ---------------------------------------------------------------------

    @contextmanager
    def import_lock(self) -> Iterator[bool]:
        """Hold the import lock while inside; yields False (holding nothing) if another
        process holds it. The lock ends with its process, however that ends."""
        if self.is_sqlite:
            # Owner-only like the database beside it, whatever the umask.
            create_private_file(Path(self._import_lock_path()))
            lock = sqlite3.connect(self._import_lock_path(), timeout=0, isolation_level=None)
            try:
                try:
                    # A write transaction on the sidecar file, never written to: the
                    # file lock behind it is what other processes find taken.
                    lock.execute("BEGIN IMMEDIATE")
                    got = True
                except sqlite3.OperationalError as exc:
                    if not is_busy(exc):
                        raise
                    got = False
                yield got
            finally:
                lock.close()
            return
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            got = bool(
                conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": IMPORT_LOCK_KEY}
                ).scalar()
            )
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": IMPORT_LOCK_KEY})

    def _import_lock_path(self) -> str:
        return f"{self.url.database}-import-lock"

    def import_lock_held(self) -> bool:
        """Whether some process holds the import lock now (without waiting for it)."""
        with self.import_lock() as got:
            return not got

    def open_imports(self) -> list[RunningImport]:
        """Imports recorded as started and not finished, newest first: running ones, and
        any whose process was killed before it could close its row."""
        sql = text(
            "SELECT id, file_name, started_by, started_at, host, pid FROM import_runs "
            "WHERE finished_at IS NULL ORDER BY id DESC"
        )
        with self.engine.connect() as conn:
            rows = conn.execute(sql).all()
        return [_running(row) for row in rows]

    def running_import(self) -> RunningImport | None:
        """The import another process is running now, or None (an open row whose process
        has ended is not running, and a process never waits for its own import). Reads
        without the write lock; never raises."""
        try:
            found = self.open_imports()
            others = [run for run in found if (run.host, run.pid) != this_process()]
            if others and self.import_lock_held():
                return others[0]
        except Exception:  # only used to word a message: never fails the caller
            return None
        return None

    def dispose(self) -> None:
        self.engine.dispose()


def _running(row: Any) -> RunningImport:
    started = row[3]
    if isinstance(started, str):  # SQLite through plain SQL: the stored text
        started = datetime.fromisoformat(started)
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return RunningImport(
        run_id=int(row[0]),
        file_name=str(row[1]),
        started_by=str(row[2]),
        started_at=started,
        host=str(row[4]),
        pid=int(row[5]),
    )


def this_process() -> tuple[str, int]:
    """The host name and process id an import records."""
    return socket.gethostname(), os.getpid()


def default_database_url() -> str:
    """``RCRP_DATABASE_URL``, else a SQLite file in the user's data directory."""
    env = os.environ.get("RCRP_DATABASE_URL")
    if env:
        return url_from_argument(env)
    from platformdirs import user_data_dir

    return url_from_argument(str(Path(user_data_dir("rcrp-tui")) / "rcrp.db"))
