"""The database engine: SQLite by default, PostgreSQL for a control room of many terminals.

SQLite is configured for several terminals sharing one file: WAL journal, foreign keys on,
a busy timeout, ``synchronous=NORMAL``, and every write transaction begins ``IMMEDIATE``
so that two terminals racing to change the same row queue up instead of one silently
overwriting the other. Reads begin a plain (deferred) transaction, so they see a
consistent snapshot without blocking writers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlmodel import Session

from rcrp_tui.private_files import create_private_file, make_private_folder

BUSY_TIMEOUT_MS = 15_000
_WRITE_OPTION = "rcrp_write"


def url_from_argument(value: str) -> str:
    """Turn a ``--database`` argument (a path or an SQLAlchemy URL) into a URL."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _configure_sqlite(engine: Engine) -> None:
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
        if conn.get_execution_options().get(_WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
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
            _configure_sqlite(self.engine)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True)
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})

    @property
    def display_name(self) -> str:
        """The database as a person would name it, without any password."""
        if self.is_sqlite:
            return str(self.url.database)
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error.

        On SQLite it begins IMMEDIATE, taking the write lock before the first read, so a
        read-modify-write cannot interleave with another terminal's.
        """
        with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection in a write transaction, for bulk loads."""
        with self._write_engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def default_database_url() -> str:
    """``RCRP_DATABASE_URL``, else a SQLite file in the user's data directory."""
    env = os.environ.get("RCRP_DATABASE_URL")
    if env:
        return url_from_argument(env)
    from platformdirs import user_data_dir

    return url_from_argument(str(Path(user_data_dir("rcrp-tui")) / "rcrp.db"))
