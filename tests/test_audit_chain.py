"""The audit trail's hash chain: written through one path, kept in order by the database,
and checked by ``audit verify``, which names the first row removed, changed, inserted or
moved, on SQLite and PostgreSQL, whatever an attacker did to the triggers first."""

from __future__ import annotations

import itertools
import multiprocessing
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from rcrp_tui.cli.main import main
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core import people
from rcrp_tui.services.core.audit import restore_guards
from rcrp_tui.services.core.audit_verify import ChainProblem, ChainState, verify_chain
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import PermissionDenied, ServiceError
from rcrp_tui.storage import audit_chain, schema
from rcrp_tui.storage.audit_chain import SQLITE_TRIGGERS, AuditContent
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import audit_chain_head_table, audit_table
from tests.conftest import FIXED_NOW, POSTGRES_URL, TEST_ADMIN

ROWS = 6


def _ctx(db: Database) -> Ctx:
    return Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))


def _write(db: Database, n: int = ROWS, prefix: str = "CO-") -> None:
    """``n`` audited changes through a real service: one audit row each."""
    ctx = _ctx(db)
    for i in range(n):
        people.add_contact_officer(ctx, f"{prefix}{i}", None)


def _url(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


def _verify(db: Database, **kwargs: object) -> ChainState:
    # A small page, so the walk crosses page boundaries in every test.
    return verify_chain(_ctx(db), page_size=4, **kwargs)  # type: ignore[arg-type]


def _tamper(db: Database, act: Callable[[Connection], None], *, pg_triggers: str = "ALL") -> None:
    """Do what an attacker with the database owner's rights would: on SQLite drop every
    audit trigger and leave them dropped; on PostgreSQL disable them, act, re-enable."""
    with db.write_connection() as conn:
        if db.is_sqlite:
            for name in SQLITE_TRIGGERS:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        else:
            conn.exec_driver_sql(f"ALTER TABLE audit_log DISABLE TRIGGER {pg_triggers}")
        act(conn)
        if not db.is_sqlite:
            conn.exec_driver_sql(f"ALTER TABLE audit_log ENABLE TRIGGER {pg_triggers}")


def _assert_broken(
    db: Database, capsys: pytest.CaptureFixture[str], row: int, problem: ChainProblem
) -> ChainState:
    state = _verify(db)
    assert not state.intact
    assert (state.broken_at, state.problem) == (row, problem), state.detail
    assert re.search(rf"\brows? {row}\b", state.detail), state.detail
    capsys.readouterr()
    assert main(["audit", "verify", "--database", _url(db)]) == 1
    err = capsys.readouterr().err
    assert f"BROKEN at row {row} ({problem})" in err
    return state


def test_an_intact_chain_verifies(any_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _write(any_db)
    state = _verify(any_db)
    assert state.intact, state.detail
    assert (state.rows, state.head_id, state.head_rows) == (ROWS, ROWS, ROWS)
    assert state.guard_problems == ()
    capsys.readouterr()
    assert main(["audit", "verify", "--database", _url(any_db)]) == 0
    out = capsys.readouterr().out
    assert f"verified {ROWS} rows, chain head row {ROWS}, hash {state.head_hash[:16]}" in out  # type: ignore[index]


def test_ids_and_links_follow_the_chain(any_db: Database) -> None:
    _write(any_db)
    with any_db.read() as session:
        rows = session.execute(
            select(audit_table.c.id, audit_table.c.prev_hash, audit_table.c.row_hash).order_by(
                audit_table.c.id
            )
        ).all()
        head = session.execute(select(audit_chain_head_table)).one()
    assert [r.id for r in rows] == list(range(1, ROWS + 1))
    assert rows[0].prev_hash is None
    assert all(b.prev_hash == a.row_hash for a, b in itertools.pairwise(rows))
    assert (head.last_id, head.last_hash, head.row_count) == (ROWS, rows[-1].row_hash, ROWS)


def test_an_altered_row_is_named(any_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _write(any_db)
    _tamper(
        any_db,
        lambda c: c.execute(text("UPDATE audit_log SET action = 'nothing_here' WHERE id = 3")),
    )
    state = _assert_broken(any_db, capsys, 3, ChainProblem.ALTERED)
    assert state.rows == 2


def test_a_deleted_row_is_named(any_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _write(any_db)
    _tamper(any_db, lambda c: c.execute(text("DELETE FROM audit_log WHERE id = 3")))
    state = _assert_broken(any_db, capsys, 3, ChainProblem.MISSING)
    assert "row 3 is missing" in state.detail


def test_rows_cut_from_the_end_are_named(
    any_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(any_db)
    _tamper(any_db, lambda c: c.execute(text("DELETE FROM audit_log WHERE id >= 5")))
    # On SQLite the CLI's open restores the triggers and audits that at the chain's end,
    # linked to the (deleted) row 6: the walk then finds rows 5 and 6 gone before it.
    state = _assert_broken(any_db, capsys, 5, ChainProblem.MISSING)
    assert "rows 5 to 6" in state.detail


def _forge(conn: Connection) -> None:
    conn.execute(
        audit_table.insert().values(
            id=ROWS + 1,
            at=datetime(2026, 1, 2, 9, 0, tzinfo=UTC),  # back-dated
            actor="admin",
            actor_role="administrator",
            action="signed_in",
            entity="user",
            entity_id="1",
        )
    )


def test_a_forged_back_dated_insert_is_named(
    any_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(any_db)
    _tamper(any_db, _forge)
    state = _assert_broken(any_db, capsys, ROWS + 1, ChainProblem.INSERTED)
    assert "beyond the chain head" in state.detail


def test_a_forged_insert_stops_later_writes_with_a_message(any_db: Database) -> None:
    _write(any_db)
    _tamper(any_db, _forge)
    with pytest.raises(ServiceError, match=f"row {ROWS + 1}, added outside"):
        people.add_contact_officer(_ctx(any_db), "CO-late", None)


def test_a_truncated_log_is_named(any_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _write(any_db)
    if any_db.is_sqlite:
        _tamper(any_db, lambda c: c.execute(text("DELETE FROM audit_log")))
    else:
        _tamper(
            any_db,
            lambda c: c.execute(text("TRUNCATE audit_log")),
            pg_triggers="audit_log_no_truncate",
        )
    with any_db.read() as session:
        assert session.execute(select(func.count()).select_from(audit_table)).scalar_one() == 0
    state = _assert_broken(any_db, capsys, 1, ChainProblem.MISSING)
    assert "(every row was deleted)" in state.detail


def _swap_3_and_4(conn: Connection) -> None:
    for old, new in ((3, -3), (4, 3), (-3, 4)):
        conn.execute(
            text("UPDATE audit_log SET id = :new WHERE id = :old"), {"new": new, "old": old}
        )


def test_two_swapped_rows_are_named(any_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _write(any_db)
    _tamper(any_db, _swap_3_and_4)
    state = _assert_broken(any_db, capsys, 3, ChainProblem.REORDERED)
    assert "follows row 4" in state.detail


def test_sqlite_replace_into_no_longer_overwrites_a_row(db: Database) -> None:
    _write(db)
    with pytest.raises(DBAPIError, match="end of the hash chain"), db.write() as session:
        session.execute(
            text(
                "REPLACE INTO audit_log (id, at, actor, actor_role, action, entity, row_hash, "
                "prev_hash) SELECT id, at, actor, actor_role, 'rewritten', entity, row_hash, "
                "prev_hash FROM audit_log WHERE id = 2"
            )
        )
    with db.read() as session:
        actions = session.execute(select(audit_table.c.action).where(audit_table.c.id == 2))
        assert actions.scalar_one() == "officer_added"
    assert _verify(db).intact


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO audit_log (at, actor, actor_role, action, entity, row_hash) "
        "VALUES ('2026-01-01 00:00:00.000000', 'x', 'administrator', 'a', 'e', 'f')",
        "UPDATE audit_chain_head SET row_count = 0",
        "DELETE FROM audit_chain_head",
        "INSERT INTO audit_chain_head (id, last_id, row_count) VALUES (2, 0, 0)",
    ],
)
def test_the_chain_refuses_rows_off_its_end_and_head_changes(
    any_db: Database, statement: str
) -> None:
    _write(any_db, 2)
    with pytest.raises(DBAPIError), any_db.write() as session:
        session.execute(text(statement))
    assert _verify(any_db).intact


def test_a_dropped_sqlite_trigger_is_restored_on_open_and_audited(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(db, 2)
    with db.write_connection() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_log_chain_insert")
    assert "trigger audit_log_no_update is missing" in _verify(db).guard_problems
    assert main(["audit", "verify", "--database", _url(db)]) == 0
    assert "verified 3 rows" in capsys.readouterr().out
    with db.read() as session:
        last = session.execute(
            select(audit_table.c.actor, audit_table.c.action, audit_table.c.after_json)
            .order_by(audit_table.c.id.desc())
            .limit(1)
        ).one()
    assert last.actor == "rcrp-tui" and last.action == "audit_trigger_restored"
    assert "audit_log_no_update" in last.after_json and "audit_log_chain_insert" in last.after_json
    state = _verify(db)
    assert state.intact and state.rows == 3 and state.guard_problems == ()
    with pytest.raises(DBAPIError, match="append-only"), db.write() as session:
        session.execute(text("UPDATE audit_log SET action = 'x'"))


def test_opening_with_every_trigger_present_writes_nothing(db: Database) -> None:
    _write(db, 2)
    assert main(["audit", "verify", "--database", _url(db)]) == 0
    assert _verify(db).rows == 2


# --- keyed chains ------------------------------------------------------------------------


def test_a_keyed_chain_needs_its_key(any_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit_chain.KEY_ENV, "the force's secret")
    _write(any_db, 3)
    state = _verify(any_db)
    assert state.intact and state.keyed_rows == 3
    no_key = _verify(any_db, key=None)
    assert (no_key.broken_at, no_key.problem) == (1, ChainProblem.KEY)
    assert "none is set" in no_key.detail
    wrong = _verify(any_db, key=b"a guess")
    assert (wrong.broken_at, wrong.problem) == (1, ChainProblem.KEY)
    assert "different key" in wrong.detail
    monkeypatch.setenv(audit_chain.KEY_ENV, "a guess")
    assert main(["audit", "verify", "--database", _url(any_db)]) == 1


def _forge_a_plain_link(conn: Connection) -> None:
    """A forger without the key, who knows the chain's format and keeps the triggers
    happy: the right id, the right prev_hash and a correct SHA-256 over the content."""
    head = conn.execute(select(audit_chain_head_table)).one()
    content = AuditContent(
        head.last_id + 1,
        datetime(2026, 1, 2, 9, 0, tzinfo=UTC),
        None,
        "admin",
        "administrator",
        "signed_in",
        "user",
        "1",
        None,
        None,
    )
    conn.execute(
        audit_table.insert().values(
            id=content.id,
            at=content.at,
            actor=content.actor,
            actor_role=content.actor_role,
            action=content.action,
            entity=content.entity,
            entity_id=content.entity_id,
            prev_hash=head.last_hash,
            row_hash=audit_chain.row_hash(content, head.last_hash, None),
            hash_kind=audit_chain.PLAIN,
        )
    )


def test_with_a_key_a_well_forged_row_is_named(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(audit_chain.KEY_ENV, "the force's secret")
    _write(any_db, 3)
    with any_db.write_connection() as conn:
        _forge_a_plain_link(conn)  # every trigger in place: the forgery satisfies them
    state = _verify(any_db)
    assert (state.broken_at, state.problem) == (4, ChainProblem.INSERTED)
    assert "without the key" in state.detail


def test_without_a_key_a_well_forged_row_is_not_detectable(any_db: Database) -> None:
    """What the README says: without a key, whoever can insert rows and knows the format
    can append a row that verifies. This pins that limit down, so the docs stay honest."""
    _write(any_db, 3)
    with any_db.write_connection() as conn:
        _forge_a_plain_link(conn)
    state = _verify(any_db)
    assert state.intact and state.rows == 4


# --- migration of an existing log ----------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unmigrated_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database, not migrated at all, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path}/old.db")
        yield db
        db.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("RCRP_TEST_POSTGRES_URL is not set: no PostgreSQL server for this run")
    name = f"rcrp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_migration_chains_an_existing_log(unmigrated_db: Database) -> None:
    db = unmigrated_db
    schema.upgrade(db, "0009")
    with db.write_connection() as conn:
        for i in (1, 2, 4, 5):  # a gap, as PostgreSQL's sequence leaves after a rollback
            conn.execute(
                audit_table.insert().values(
                    id=i,
                    at=datetime(2026, 10, i, 8, 0, 0, 123456, tzinfo=UTC),
                    actor="a",
                    actor_role="administrator",
                    action="x",
                    entity="e",
                    after_json='{"note": "café"}',
                )
            )
    schema.upgrade(db)
    state = _verify(db)
    assert state.intact, state.detail
    assert (state.rows, state.head_id, state.head_rows) == (4, 5, 4)
    _write(db, 1)
    with db.read() as session:
        assert session.execute(select(func.max(audit_table.c.id))).scalar_one() == 6
    assert _verify(db).intact
    with pytest.raises(DBAPIError, match="append-only"), db.write() as session:
        session.execute(text("UPDATE audit_log SET action = 'y'"))


# --- concurrency ---------------------------------------------------------------------------

_PROCESSES, _WRITES = 4, 50


def _audited_writes(url: str, worker: int) -> None:
    db = Database(url)
    _write(db, _WRITES, prefix=f"CO-{worker}-")
    db.dispose()


def test_concurrent_writers_from_several_processes_keep_one_chain(any_db: Database) -> None:
    spawn = multiprocessing.get_context("spawn")
    workers = [
        spawn.Process(target=_audited_writes, args=(_url(any_db), w)) for w in range(_PROCESSES)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(300)
        assert w.exitcode == 0
    state = verify_chain(_ctx(any_db))
    assert state.intact, state.detail
    assert state.rows == state.head_id == state.head_rows == _PROCESSES * _WRITES


def test_only_those_who_may_read_the_audit_log_may_verify_it(db: Database) -> None:
    floorwalker = Actor(None, "fw", "Floor Walker", Role.FLOORWALKER)
    with pytest.raises(PermissionDenied, match="may not read the audit log"):
        verify_chain(Ctx(db, floorwalker, FixedClock(FIXED_NOW)))


def test_restoring_guards_leaves_a_database_before_the_chain_alone(tmp_path: object) -> None:
    db = Database(f"sqlite:///{tmp_path}/old.db")
    schema.upgrade(db, "0009")
    assert restore_guards(db) == []
    with db.read() as session:
        names = session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        assert "audit_log_chain_insert" not in set(names.scalars())
    db.dispose()
