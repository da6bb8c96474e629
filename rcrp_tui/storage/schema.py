"""Schema versions, owned by Alembic. The app and the CLI call ``upgrade``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from rcrp_tui.storage.db import Database

_MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def head_revisions() -> tuple[str, ...]:
    """The revisions this version of the code expects."""
    return tuple(ScriptDirectory.from_config(_config()).get_heads())


def current_revisions(db: Database) -> tuple[str, ...]:
    """The revisions the database is at (empty for a new database)."""
    with db.engine.connect() as conn:
        return tuple(MigrationContext.configure(conn).get_current_heads())


def is_current(db: Database) -> bool:
    return set(current_revisions(db)) == set(head_revisions())


def upgrade(db: Database, revision: str = "heads") -> None:
    """Bring the schema up to ``revision``; safe to run from several terminals at once."""
    cfg = _config()
    with db.write_connection() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
