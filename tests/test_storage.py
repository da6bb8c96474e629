"""The storage layer: migrations own the schema, SQLite is set up for many terminals,
timestamps are aware UTC, and the audit log cannot be rewritten."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlmodel import select

from rcrp_tui.storage import audit_chain, schema
from rcrp_tui.storage.db import Database, url_from_argument
from rcrp_tui.storage.metadata import target_metadata
from rcrp_tui.storage.models import AuditEntry, Team


def test_migrated_schema_matches_the_models(any_db: Database) -> None:
    with any_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), target_metadata)
    assert diff == []


def test_upgrade_twice_is_harmless_and_reports_current(db: Database) -> None:
    schema.upgrade(db)
    assert schema.is_current(db)
    assert set(schema.current_revisions(db)) == set(schema.head_revisions())


def test_head_revisions_read_from_the_files_are_alembics_own(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    alembic_heads = ScriptDirectory.from_config(schema._config()).get_heads()
    assert set(schema.head_revisions()) == set(alembic_heads)
    # And an empty database is not taken for a current one: the upgrade runs.
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert schema.current_revisions(fresh) == ()
    assert not schema.is_current(fresh)
    schema.upgrade(fresh)
    assert set(schema.current_revisions(fresh)) == set(alembic_heads)
    fresh.dispose()


def test_current_revisions_are_what_alembic_reads(any_db: Database, tmp_path: Path) -> None:
    with any_db.engine.connect() as conn:
        alembic_sees = set(MigrationContext.configure(conn).get_current_heads())
    assert set(schema.current_revisions(any_db)) == alembic_sees == set(schema.head_revisions())
    assert schema.is_current(any_db)
    # A database behind the code is upgraded, not skipped.
    behind = Database(f"sqlite:///{tmp_path / 'behind.db'}")
    schema.upgrade(behind, "0009")
    assert schema.current_revisions(behind) == ("0009",)
    assert not schema.is_current(behind)
    schema.upgrade(behind)
    assert schema.is_current(behind)
    behind.dispose()


def test_sqlite_pragmas_are_set_on_every_connection(db: Database) -> None:
    with db.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


def test_foreign_keys_are_enforced(db: Database) -> None:
    from rcrp_tui.storage.models import ContactOfficer

    with pytest.raises(DBAPIError), db.write() as session:
        session.add(ContactOfficer(staff_id="CO-1", team_id=999))


def test_naive_datetimes_are_refused(db: Database) -> None:
    from rcrp_tui.storage.models import User

    with pytest.raises(StatementError, match="naive"), db.write() as session:
        session.add(
            User(
                username="x",
                display_name="X",
                role="floorwalker",
                password_hash="h",
                created_at=datetime(2026, 1, 1, 12, 0),  # naive
            )
        )


def test_datetimes_come_back_aware_utc(any_db: Database) -> None:
    local = datetime(2026, 7, 1, 9, 0, tzinfo=UTC) + timedelta(hours=0)
    with any_db.write() as session:
        audit_chain.append(
            session,
            at=local,
            actor_user_id=None,
            actor="t",
            actor_role="administrator",
            action="a",
            entity="e",
        )
    with any_db.read() as session:
        entry = session.exec(select(AuditEntry)).one()
    assert entry.at == local
    assert entry.at.utcoffset() == timedelta(0)


def test_audit_log_is_append_only(any_db: Database) -> None:
    with any_db.write() as session:
        audit_chain.append(
            session,
            at=datetime.now(UTC),
            actor_user_id=None,
            actor="t",
            actor_role="administrator",
            action="a",
            entity="e",
        )
    for statement in ("UPDATE audit_log SET action = 'changed'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), any_db.write() as session:
            session.execute(text(statement))
    with any_db.read() as session:
        assert session.execute(text("SELECT action FROM audit_log")).scalar_one() == "a"


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(ValueError, match="in-memory"):
        Database("sqlite:///:memory:")


def test_path_arguments_become_sqlite_urls(tmp_path: Path) -> None:
    assert url_from_argument(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    assert url_from_argument("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def _increment(url: str, rounds: int) -> None:
    db = Database(url)
    for _ in range(rounds):
        # A read-modify-write: without BEGIN IMMEDIATE two processes would both read the
        # same value and one increment would be lost.
        with db.write() as session:
            team = session.get(Team, 1)
            assert team is not None
            team.cycle_offset += 1
            session.add(team)
    db.dispose()


def test_two_processes_never_lose_an_update(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    db = Database(url)
    schema.upgrade(db)
    with db.write() as session:
        session.add(Team(name="A", shift_pattern="p", cycle_offset=0))
    ctx = multiprocessing.get_context("spawn")
    rounds = 150
    workers = [ctx.Process(target=_increment, args=(url, rounds)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    with db.read() as session:
        team = session.get(Team, 1)
    assert team is not None and team.cycle_offset == 2 * rounds


def test_headless_packages_never_load_textual() -> None:
    """The rules, storage and services run without the terminal UI library at all."""
    code = (
        "import sys\n"
        "import rcrp_tui.domain.enums, rcrp_tui.domain.permissions\n"
        "import rcrp_tui.domain.shift_patterns\n"
        "import rcrp_tui.storage.db, rcrp_tui.storage.schema, rcrp_tui.storage.metadata\n"
        "import rcrp_tui.services.core.people\n"
        "import rcrp_tui.services.decisions.queries\n"
        "import rcrp_tui.services.core.auth\n"
        "import rcrp_tui.cli.main\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
