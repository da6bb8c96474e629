"""An import never breaks another terminal: real OS processes on a real database.

An import stages its file without the write lock and writes it in one short transaction,
so a review saved from another process while it runs succeeds; a second import is refused
with who is importing, never a traceback; an import killed with SIGKILL leaves none of
its rows and does not block the next one; a write kept waiting says what it waits for,
and one that waits too long is a ``Busy`` message, not "database is locked".
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.importing.cad import ImportRunning, import_file
from rcrp_tui.importing.profile import load_profile
from rcrp_tui.importing.runs import import_run
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Busy, ServiceError
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.storage.db import Database, WriteWait
from tests.cli_helpers import PASSWORD, add_account
from tests.conftest import TEST_ADMIN
from tests.import_process_helpers import (
    expected_rejects,
    hold_import,
    hold_write_lock,
    run_import,
    write_calls,
    write_profile,
)
from tests.review_helpers import all_met, build_cast

ROWS = 30_000
SPAWN = multiprocessing.get_context("spawn")
#: A bound on any wait for another process, so a broken test fails instead of hanging.
PATIENCE = 120.0


def _url(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.005)


def _count(db: Database, source: str) -> int:
    with db.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM decisions WHERE source_system = :s"), {"s": source}
            ).scalar_one()
        )


def _start_import(db: Database, tmp_path: Path, source: str, rows: int) -> tuple[Any, Path]:
    profile = write_profile(tmp_path / f"{source}.toml", source)
    calls = write_calls(tmp_path / f"{source}.csv", rows)
    out = tmp_path / f"{source}.json"
    child = SPAWN.Process(target=run_import, args=(_url(db), str(calls), str(profile), str(out)))
    child.start()
    return child, out


def test_a_review_saved_during_an_import_succeeds_and_the_import_is_complete(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = build_cast(any_db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    met = all_met(work)
    first = work.criteria[0].code
    # Two answer sets taken in turn: a save that changes nothing is not a save (no new
    # version), so every save here changes one answer.
    answer_sets = (met, {**met, first: AnswerEntry(Answer.PARTIAL)})
    child, out = _start_import(any_db, tmp_path, "BIG", ROWS)
    base, saves, during, free = work.review, 0, 0, 0
    errors: list[str] = []
    lock_taken = _merging(any_db)
    while child.is_alive():
        running = any_db.open_imports()
        if any_db.is_sqlite and running and not lock_taken() and any_db.open_imports():
            free += 1  # the import was running, and the write lock was free
        try:
            base = reviews.save(cast.floorwalker, base, answer_sets[saves % 2], None)
        except ServiceError as exc:  # Busy included: the test fails below, with its words
            errors.append(exc.message)
            continue
        saves += 1
        if running and any_db.open_imports():
            during += 1  # the import was running before and after this save
    child.join()
    assert errors == []
    assert during > 0, "no save overlapped the import: the test proved nothing"
    # Reading and staging the file took no lock: an import holding the write lock from
    # start to end would never leave it free while it runs.
    assert free > 0 or not any_db.is_sqlite
    result = json.loads(out.read_text())
    assert result["ok"], result
    rejected = expected_rejects(ROWS)
    assert result["counts"] == [ROWS, ROWS - rejected, 0, 0, rejected]
    assert _count(any_db, "BIG") == ROWS - rejected
    assert len(Path(result["rejects"]).read_text().splitlines()) == rejected + 1
    assert reviews.open_review(cast.floorwalker, base.id).review.row_version == saves + 1
    assert any_db.open_imports() == []


def test_a_second_import_is_refused_with_who_is_importing(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    add_account(Ctx(any_db, TEST_ADMIN, clock), "importer", Role.ADMINISTRATOR)
    started, release = SPAWN.Event(), SPAWN.Event()
    holder = SPAWN.Process(target=hold_import, args=(_url(any_db), "nightly.csv", started, release))
    holder.start()
    try:
        assert started.wait(PATIENCE)
        profile = load_profile(write_profile(tmp_path / "p.toml", "SECOND"))
        calls = write_calls(tmp_path / "second.csv", 50)
        with pytest.raises(ImportRunning) as refused:
            import_file(Ctx(any_db, TEST_ADMIN, clock), calls, profile)
        assert "An import of nightly.csv by test-admin (started " in str(refused.value)
        assert "is still running. Nothing was imported" in str(refused.value)
        assert _count(any_db, "SECOND") == 0
        # The command line says the same, as an error line with no traceback.
        cli = subprocess.run(
            [
                sys.executable,
                "-m",
                "rcrp_tui",
                "import",
                str(calls),
                "--profile",
                str(tmp_path / "p.toml"),
                "--database",
                _url(any_db),
                "--quiet",
                "--user",
                "importer",
                "--password-stdin",
            ],
            input=f"{PASSWORD}\n",
            capture_output=True,
            text=True,
            timeout=PATIENCE,
        )
        assert cli.returncode == 2, cli.stderr
        assert "is still running" in cli.stderr and "Traceback" not in cli.stderr
    finally:
        release.set()
        holder.join(PATIENCE)
    # Once the first has finished, the second goes ahead.
    summary = import_file(Ctx(any_db, TEST_ADMIN, clock), calls, profile)
    assert summary.inserted == 50 and summary.notes == ()


def _merging(db: Database) -> Callable[[], bool]:
    """True while some other process is inside an import's merge transaction."""
    if db.is_sqlite:

        def sqlite_merging() -> bool:
            if not db.open_imports():
                return False  # the marker's own small transaction is not the merge
            probe = sqlite3.connect(str(db.url.database), timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                probe.close()

        return sqlite_merging

    def postgres_merging() -> bool:
        with db.engine.connect() as conn:
            return bool(
                conn.execute(
                    text(
                        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE state = 'active' "
                        "AND query LIKE 'INSERT INTO decisions%')"
                    )
                ).scalar()
            )

    return postgres_merging


def test_an_import_killed_while_writing_leaves_nothing_and_blocks_nothing(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    merging = _merging(any_db)
    for attempt in range(3):
        source = f"KILLED{attempt}"
        child, _ = _start_import(any_db, tmp_path, source, ROWS * (attempt + 1))
        while child.is_alive() and not merging():
            time.sleep(0.001)
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)
            child.join()
            break
        child.join()  # it finished before it was caught writing: a longer file
    else:
        pytest.fail("never caught an import in its write")
    assert child.exitcode == -signal.SIGKILL
    assert _count(any_db, source) == 0
    (stale,) = any_db.open_imports()
    assert stale.file_name == f"{source}.csv"
    # The lock died with the process (PostgreSQL notices the dead client a moment later).
    _until(lambda: not any_db.import_lock_held(), "the killed import's lock to be released")
    assert any_db.running_import() is None
    profile = load_profile(tmp_path / f"{source}.toml")
    summary = import_file(Ctx(any_db, TEST_ADMIN, clock), tmp_path / f"{source}.csv", profile)
    assert summary.inserted == ROWS * (attempt + 1) - expected_rejects(ROWS * (attempt + 1))
    (note,) = summary.notes
    assert f"An earlier import did not finish: an import of {source}.csv by test-admin" in note
    assert "none of its rows were kept" in note and "note: An earlier import" in summary.describe()
    assert any_db.open_imports() == []


def test_a_waiting_write_names_the_running_import_then_succeeds(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    with import_run(Ctx(db, TEST_ADMIN, clock), "own.csv"):
        assert db.running_import() is None  # a process never waits for its own import
    importing = _hold_import(db, "nightly.csv")
    started, release = SPAWN.Event(), SPAWN.Event()
    holder = SPAWN.Process(target=hold_write_lock, args=(_url(db), started, release))
    holder.start()
    try:
        assert started.wait(PATIENCE)
        heard: list[WriteWait] = []

        def listener(wait: WriteWait) -> None:
            heard.append(wait)
            release.set()  # the other writer finishes once this one has said it waits

        db.on_wait = listener
        cast = build_cast(db, clock)  # its writes wait for the lock, then go ahead
        (running,) = db.open_imports()
    finally:
        release.set()
        holder.join(PATIENCE)
        importing()
    assert cast.decision_id > 0
    local = running.started_at.astimezone(ZoneInfo("Europe/London"))
    assert heard[0].describe() == (
        f"Waiting for an import of nightly.csv by test-admin (started {local:%H:%M} on "
        f"{local:%d %b}) to finish…"
    )
    assert heard[0].running_import == running


def _hold_import(db: Database, file_name: str) -> Callable[[], None]:
    """Start an import run (its lock and marker) in another process; return its stop."""
    started, release = SPAWN.Event(), SPAWN.Event()
    holder = SPAWN.Process(target=hold_import, args=(_url(db), file_name, started, release))
    holder.start()
    assert started.wait(PATIENCE)

    def stop() -> None:
        release.set()
        holder.join(PATIENCE)

    return stop


def test_a_write_that_cannot_get_the_database_is_a_busy_message(
    db: Database, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = SPAWN.Event(), SPAWN.Event()
    holder = SPAWN.Process(target=hold_write_lock, args=(_url(db), started, release))
    holder.start()
    try:
        assert started.wait(PATIENCE)
        # Two seconds' busy timeout instead of sixty, on a fresh engine.
        monkeypatch.setattr("rcrp_tui.storage.db.BUSY_TIMEOUT_MS", 2000)
        impatient = Database(_url(db))
        with pytest.raises(Busy) as busy:
            build_cast(impatient, clock)
        assert busy.value.message == (
            "The database was busy for 2 seconds with another terminal's change, so nothing "
            "was changed. Try again in a moment."
        )
        impatient.dispose()
    finally:
        release.set()
        holder.join(PATIENCE)
