"""Schema versions, owned by Alembic. The app and the CLI call ``upgrade``.

Alembic itself (about a quarter of a second to import) is loaded only when there is
something to do: the head revisions are read from the migration files' ``revision`` and
``down_revision`` lines, and a database already at them needs no upgrade.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from rcrp_tui.storage.db import Database

if TYPE_CHECKING:
    from alembic.config import Config

_MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def _revision_lines(path: Path) -> tuple[str, tuple[str, ...]]:
    """A migration file's ``revision`` and its ``down_revision`` (none, one or several)."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            found[target.id] = ast.literal_eval(value)
    down = found.get("down_revision")
    if down is None:
        return str(found["revision"]), ()
    if isinstance(down, str):
        return str(found["revision"]), (down,)
    return str(found["revision"]), tuple(str(d) for d in down)  # type: ignore[attr-defined]


@cache
def head_revisions() -> tuple[str, ...]:
    """The revisions this version of the code expects (read from the migration files;
    tests/test_storage.py checks them against Alembic's own answer)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((_MIGRATIONS / "versions").glob("[0-9]*.py")):
        revision, downs = _revision_lines(path)
        revisions.add(revision)
        parents.update(downs)
    return tuple(sorted(revisions - parents))


def current_revisions(db: Database) -> tuple[str, ...]:
    """The revisions the database is at (empty for a new database)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return ()
        return tuple(
            sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
        )


def is_current(db: Database) -> bool:
    return set(current_revisions(db)) == set(head_revisions())


def upgrade(db: Database, revision: str = "heads") -> None:
    """Bring the schema up to ``revision``; safe to run from several terminals at once."""
    if revision == "heads" and is_current(db):
        return
    from alembic import command

    cfg = _config()
    with db.write_connection() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
