"""Which database a command opens, and opening it: the one piece every command shares.

Database selection, in order: ``--database`` (a path or an SQLAlchemy URL), then
``RCRP_DATABASE_URL``, then a SQLite file in the platform's user-data directory. The demo
has its own file, so it never mixes with real records.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

# The database stack (SQLAlchemy, SQLModel, Alembic) is imported inside the functions, so
# plain `rcrp-tui` paints its sign-in screen first and opens the database behind it.
if TYPE_CHECKING:
    from rcrp_tui.storage.db import Database


def database_url_from(value: str) -> str:
    """A path or an SQLAlchemy URL, as typed after --database, as a URL."""
    from rcrp_tui.storage.db import url_from_argument

    return url_from_argument(value)


def default_url() -> str:
    """$RCRP_DATABASE_URL, else the SQLite file in the user-data directory."""
    from rcrp_tui.storage.db import default_database_url

    return default_database_url()


def demo_database_url() -> str:
    from platformdirs import user_data_dir

    return database_url_from(str(Path(user_data_dir("rcrp-tui")) / "demo.db"))


def open_database(argument: str | None, *, default: Callable[[], str] = default_url) -> Database:
    """Open and, for SQLite, upgrade the schema; PostgreSQL must be upgraded on purpose.

    On SQLite any audit guard trigger someone dropped is re-created, and that is audited.
    """
    from rcrp_tui.services.core.audit import restore_guards
    from rcrp_tui.storage import schema
    from rcrp_tui.storage.db import Database

    db = Database(database_url_from(argument) if argument else default())
    if db.is_sqlite:
        schema.upgrade(db)
        restore_guards(db)
    elif not schema.is_current(db):
        raise SystemExit(
            f"The database {db.display_name} is at schema "
            f"{revisions_text(schema.current_revisions(db))}, "
            f"this version needs {revisions_text(schema.head_revisions())}. "
            "Run: rcrp-tui db upgrade --database URL"
        )
    return db


def revisions_text(revisions: tuple[str, ...]) -> str:
    """Schema revisions for a person: "0003, 0005, 0009", or "empty"."""
    return ", ".join(sorted(revisions)) or "empty"
