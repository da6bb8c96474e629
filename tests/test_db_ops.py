"""``db backup``, ``db restore`` and ``db check`` on a real SQLite file and a real PostgreSQL
server: a backup taken while another OS process keeps saving restores to a database that
passes every check; a restore refuses what it must; the check finds a broken month count
and a broken audit chain."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from rcrp_tui.cli.main import main
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import PermissionDenied
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.ops import db_ops
from rcrp_tui.services.ops.db_ops import OperationRefused
from rcrp_tui.storage import backup as store
from rcrp_tui.storage.audit_chain import SQLITE_TRIGGERS
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import audit_table, decisions_table
from tests.cli_helpers import add_account, as_user
from tests.conftest import POSTGRES_URL, TEST_ADMIN

START = datetime(2026, 10, 20, tzinfo=UTC)


def _url(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


def _decision(ctx: Ctx, ref: str, minutes: int) -> None:
    record_decision(
        ctx,
        DecisionInput(
            cad_ref=ref,
            source_system="TEST",
            received_at=START + timedelta(minutes=minutes * 97),
            category=list(Category)[minutes % 4],
            caller_type=list(CallerType)[minutes % 3],
            outcome=Outcome.SIGNPOSTED if minutes % 2 else Outcome.DEPLOYED,
        ),
    )


def _saver(url: str, stop: Any, saved: Any) -> None:
    """Another terminal: saves audited decisions in a loop until told to stop."""
    db = Database(url)
    ctx = Ctx(db, TEST_ADMIN)
    i = 0
    while not stop.is_set() and i < 5000:
        _decision(ctx, f"LOOP-{i:05d}", i)
        i += 1
        saved.value = i
    db.dispose()


@pytest.fixture
def empty_target(any_db: Database, tmp_path: Path) -> Iterator[str]:
    """Where to restore: a new SQLite file, or a new, empty PostgreSQL database."""
    if any_db.is_sqlite:
        yield str(tmp_path / "restored" / "rcrp.db")
        return
    assert POSTGRES_URL
    name = f"rcrp_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _as_admin(db: Database) -> Ctx:
    return Ctx(db, TEST_ADMIN)


def _target_url(target: str) -> str:
    return target if "://" in target else f"sqlite:///{target}"


def _passes_every_check(db: Database) -> None:
    results = db_ops.check(db)
    failed = [r.line() for r in results if r.applies and not r.passed]
    assert failed == []
    chain = [r for r in results if r.name == "audit chain"]
    assert len(chain) == 1 and "warning" not in chain[0].detail  # guard triggers in place
    applies = {r.name.split(" ")[0] for r in results if r.applies}
    counts = {"month", "day", "review", "audit"}
    expected = {"integrity", "foreign", *counts} if db.is_sqlite else counts
    assert applies == expected


def test_a_backup_taken_while_another_process_saves_restores_to_a_sound_database(
    any_db: Database, empty_target: str, tmp_path: Path
) -> None:
    ctx = _as_admin(any_db)
    for i in range(20):
        _decision(ctx, f"FIRST-{i}", i)
    spawn = multiprocessing.get_context("spawn")
    stop, saved = spawn.Event(), spawn.Value("i", 0)
    saver = spawn.Process(target=_saver, args=(_url(any_db), stop, saved))
    saver.start()
    try:
        while saved.value < 10 and saver.is_alive():
            stop.wait(0.05)
        before = saved.value
        result = db_ops.backup(ctx, tmp_path / "backups" / "copy.db")
        after = saved.value
        while saved.value < after + 10 and saver.is_alive():
            stop.wait(0.05)
    finally:
        stop.set()
        saver.join(120)
    assert saver.exitcode == 0
    # The other terminal saved before and after the copy was taken: it was live throughout.
    assert before >= 10 and saved.value >= after + 10
    manifest = result.manifest
    # It holds every save committed before it began, none made after it ended (a save
    # commits a moment before the counter moves, hence the one to spare).
    assert 20 + before <= manifest.row_counts["decisions"] <= 20 + after + 1
    # The copy holds the backup's own audit row, written just before it was taken (a file
    # copy without the -wal would lack it); and the manifest describes the copy exactly.
    assert manifest.audit_head is not None
    assert manifest.audit_head.row_count == manifest.row_counts["audit_log"]
    on_disk = json.loads(store.manifest_path(result.copy).read_text())
    assert on_disk["sha256"] == store.sha256_of(result.copy) == manifest.sha256
    for path in (result.copy, result.manifest_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    restored = db_ops.restore(
        result.copy, _target_url(empty_target), force=False, sign_in=_as_admin
    )
    target = Database(_target_url(empty_target))
    try:
        _passes_every_check(target)
        with target.read() as session:
            decisions = session.execute(select(func.count()).select_from(decisions_table))
            assert decisions.scalar() == manifest.row_counts["decisions"]
            actions = session.execute(select(audit_table.c.action).order_by(audit_table.c.id))
            actions = list(actions.scalars())
        # The backup row is in the copy; the restore's own row follows the copy's last row.
        assert "backup" in actions and actions[-1] == "restore"
        assert len(actions) == manifest.audit_head.row_count + 1
        assert restored.chain.rows == len(actions)
    finally:
        target.dispose()
    _passes_every_check(any_db)


def _backup(db: Database, tmp_path: Path, name: str = "copy.db") -> db_ops.BackupResult:
    return db_ops.backup(_as_admin(db), tmp_path / name)


def test_a_restore_over_a_database_with_newer_audit_rows_needs_force(
    db: Database, tmp_path: Path
) -> None:
    ctx = _as_admin(db)
    _decision(ctx, "KEEP-1", 1)
    result = _backup(db, tmp_path)
    _decision(ctx, "LATER-1", 2)  # a save after the backup: one decision, one audit row
    with db.read() as session:
        head_before = store.chain_head(session.connection())
    with pytest.raises(OperationRefused, match=r"holds 1 audit row\(s\) newer than the copy"):
        db_ops.restore(result.copy, _url(db), force=False, sign_in=_as_admin)
    with db.read() as session:
        assert store.chain_head(session.connection()) == head_before
        refs = set(session.execute(select(decisions_table.c.cad_ref)).scalars())
    assert refs == {"KEEP-1", "LATER-1"}

    restored = db_ops.restore(result.copy, _url(db), force=True, sign_in=_as_admin)
    assert restored.replaced_newer_rows == 1
    with db.read() as session:
        refs = set(session.execute(select(decisions_table.c.cad_ref)).scalars())
    assert refs == {"KEEP-1"}
    _passes_every_check(db)


def test_a_save_made_while_the_restore_signs_in_is_not_overwritten(
    db: Database, tmp_path: Path
) -> None:
    result = _backup(db, tmp_path)

    def another_terminal_saves_meanwhile(staged: Database) -> Ctx:
        _decision(_as_admin(db), "SAVED-MEANWHILE", 3)
        return _as_admin(staged)

    with pytest.raises(OperationRefused, match=r"holds 1 audit row\(s\) newer than the copy"):
        db_ops.restore(result.copy, _url(db), force=False, sign_in=another_terminal_saves_meanwhile)
    with db.read() as session:
        refs = set(session.execute(select(decisions_table.c.cad_ref)).scalars())
    assert refs == {"SAVED-MEANWHILE"}
    assert not Path(f"{db.url.database}.restoring").exists()


def test_a_restore_over_a_database_with_another_history_needs_force(
    db: Database, tmp_path: Path
) -> None:
    _decision(_as_admin(db), "KEEP-1", 1)
    result = _backup(db, tmp_path)
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    from rcrp_tui.storage import schema

    schema.upgrade(other)
    _decision(_as_admin(other), "OTHER-1", 1)
    with pytest.raises(OperationRefused, match="its audit trail is not the one in the copy"):
        db_ops.restore(result.copy, _url(other), force=False, sign_in=_as_admin)
    other.dispose()


def test_a_copy_that_does_not_match_its_manifest_is_not_restored(
    db: Database, tmp_path: Path
) -> None:
    result = _backup(db, tmp_path)
    target = tmp_path / "new.db"
    with result.copy.open("r+b") as copy:
        copy.seek(200)
        copy.write(b"\x01")
    with pytest.raises(OperationRefused, match="does not match its manifest"):
        db_ops.restore(result.copy, f"sqlite:///{target}", force=False, sign_in=_as_admin)
    assert not target.exists()

    second = _backup(db, tmp_path, "second.db")
    result.manifest_file.unlink()
    store.manifest_path(second.copy).unlink()
    with pytest.raises(OperationRefused, match="there is no manifest beside"):
        db_ops.restore(second.copy, f"sqlite:///{target}", force=False, sign_in=_as_admin)
    assert not target.exists()


def test_only_an_administrator_backs_up_or_restores(db: Database, tmp_path: Path) -> None:
    qa = Actor(None, "qa", "QA Lead", Role.QA_LEAD)
    with pytest.raises(PermissionDenied, match="may not back up or restore the whole database"):
        db_ops.backup(Ctx(db, qa), tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()
    result = _backup(db, tmp_path)
    target = tmp_path / "restored.db"
    with pytest.raises(PermissionDenied):
        db_ops.restore(
            result.copy, f"sqlite:///{target}", force=False, sign_in=lambda d: Ctx(d, qa)
        )
    # The copy was checked and staged beside the target, but the target was never made.
    assert not target.exists()
    assert not Path(f"{target}.restoring").exists()


def test_a_backup_never_overwrites_a_file(db: Database, tmp_path: Path) -> None:
    existing = tmp_path / "copy.db"
    existing.write_bytes(b"someone else's file")
    with pytest.raises(OperationRefused, match="already exists"):
        _backup(db, tmp_path)
    assert existing.read_bytes() == b"someone else's file"


# --- db check --------------------------------------------------------------------------------


def _break_a_month_count(db: Database) -> None:
    with db.write_connection() as conn:
        conn.execute(text("UPDATE decision_stratum_months SET n = n + 1 WHERE month = '2026-10'"))


def _break_the_chain(db: Database) -> None:
    """Change an audit row's content as an attacker with the owner's rights would."""
    with db.write_connection() as conn:
        if db.is_sqlite:
            for name in SQLITE_TRIGGERS:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER ALL")
        conn.exec_driver_sql("UPDATE audit_log SET actor = 'someone-else' WHERE id = 2")
        if not db.is_sqlite:
            conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER ALL")


def test_check_finds_a_broken_month_count_and_a_broken_chain(any_db: Database) -> None:
    ctx = _as_admin(any_db)
    for i in range(6):
        _decision(ctx, f"C-{i}", i)
    _passes_every_check(any_db)

    _break_a_month_count(any_db)
    by_name = {r.name.split(" ")[0]: r for r in db_ops.check(any_db)}
    assert not by_name["month"].passed
    assert "stored" in by_name["month"].detail and "2026-10" in by_name["month"].detail
    assert by_name["audit"].passed and by_name["day"].passed

    with any_db.write_connection() as conn:
        conn.execute(text("UPDATE decision_day_counts SET n = n + 2 WHERE slot LIKE '2026-10%'"))
    by_name = {r.name.split(" ")[0]: r for r in db_ops.check(any_db)}
    assert not by_name["day"].passed
    assert "stored 3, counted 1" in by_name["day"].detail, by_name["day"].detail
    assert by_name["day"].detail.startswith("6 day count(s) differ: 2026-10-")

    _break_the_chain(any_db)
    by_name = {r.name.split(" ")[0]: r for r in db_ops.check(any_db)}
    assert not by_name["audit"].passed
    assert "BROKEN at row 2" in by_name["audit"].detail


def test_check_finds_a_dangling_reference_and_the_command_exits_1(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    people.add_team(_as_admin(db), "Team A", "6on4off-10h")
    path = str(db.url.database)
    assert main(["db", "check", "--database", path]) == 0
    assert "Every check passed." in capsys.readouterr().out
    with closing(sqlite3.connect(path)) as conn:  # foreign keys are off by default here
        conn.execute(
            "INSERT INTO contact_officers (staff_id, team_id, active) VALUES ('CO-X', 999, 1)"
        )
        conn.commit()
    assert main(["db", "check", "--database", path]) == 1
    out = capsys.readouterr()
    assert "FAIL  foreign keys (PRAGMA foreign_key_check): 1 dangling reference(s)" in out.out
    assert "contact_officers" in out.out and "1 check(s) FAILED." in out.err


# --- the command line --------------------------------------------------------------------------


def test_the_commands_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    live = tmp_path / "live.db"
    add_account(live, "ada", Role.ADMINISTRATOR)
    add_account(live, "sam", Role.SUPERVISOR)
    copy = tmp_path / "backups" / "monday.db"
    args = ["db", "backup", str(copy), "--database", str(live)]
    assert main([*args, *as_user(monkeypatch, "sam")]) == 2
    assert "may not back up or restore" in capsys.readouterr().err
    assert main(["db", "backup", str(copy), "--database", str(live)]) == 2  # no --user
    assert "sign in with --user" in capsys.readouterr().err
    assert not copy.exists()
    assert main([*args, *as_user(monkeypatch, "ada")]) == 0
    out = capsys.readouterr().out
    assert f"to {copy}" in out and "Manifest:" in out and "Audit chain head" in out

    target = tmp_path / "restored.db"
    args = ["db", "restore", str(copy), "--database", str(target)]
    assert main([*args, *as_user(monkeypatch, "ada")]) == 0
    out = capsys.readouterr().out
    assert f"Restored {copy} into {target}." in out
    assert "as its manifest says" in out and "Audit chain after the restore: verified" in out
    assert main(["db", "check", "--database", str(target)]) == 0
    capsys.readouterr()
    # Checking the backup itself would change it (SQLite turns WAL on): it is refused.
    sha = store.sha256_of(copy)
    assert main(["db", "check", "--database", str(copy)]) == 2
    assert "is a backup" in capsys.readouterr().err
    assert store.sha256_of(copy) == sha
    # Ada's sign-in to the live database after the backup is a newer audit row.
    assert main(["users", "list", "--database", str(live), *as_user(monkeypatch, "ada")]) == 0
    args = ["db", "restore", str(copy), "--database", str(live)]
    assert main([*args, *as_user(monkeypatch, "ada")]) == 2
    assert "add --force to overwrite it" in capsys.readouterr().err
    assert main([*args, "--force", *as_user(monkeypatch, "ada")]) == 0
    assert os.path.exists(live) and not os.path.exists(f"{live}.restoring")


def test_without_pg_dump_a_postgresql_backup_is_refused_saying_how_to_get_it(
    any_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    if any_db.is_sqlite:  # SQLite needs no outside program
        assert _backup(any_db, tmp_path).copy.exists()
        return
    with any_db.read() as session:
        rows_before = session.execute(select(func.count()).select_from(audit_table)).scalar()
    with pytest.raises(OperationRefused, match="pg_dump is not installed on this machine"):
        _backup(any_db, tmp_path)
    assert list(tmp_path.iterdir()) == []
    with any_db.read() as session:  # no audit row for a backup that was not made
        assert session.execute(select(func.count()).select_from(audit_table)).scalar() == (
            rows_before
        )
