"""After an import the count tables (the month counts of migration 0008, the day counts of
migration 0020) equal a direct recount of the decisions, on SQLite and PostgreSQL, with
the file in time order or shuffled, by the fast path or the Python path, for new
decisions and for changed ones. On SQLite an import of new decisions adds to them once
per key instead of once per decision (``importing.counting``); its triggers are back,
exactly as they were, when it commits or fails."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.importing.cad import import_file
from rcrp_tui.importing.counting import KNOWN_TRIGGERS
from rcrp_tui.importing.profile import ImportProfile, parse_profile
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.ops.count_checks import day_count_differences, month_count_differences
from rcrp_tui.storage.db import Database
from tests.conftest import TEST_ADMIN
from tests.import_fastpath_data import FULL, HEADER


def _ctx(db: Database, clock: FixedClock) -> Ctx:
    ctx = Ctx(db, TEST_ADMIN, clock)
    people.add_team(ctx, "A", "2d2n4off")
    people.add_team(ctx, "B", "2d2n4off")
    people.add_contact_officer(ctx, "CO-1", "A")
    people.add_contact_officer(ctx, "CO-2", None)
    return ctx


def _profile(source: str) -> ImportProfile:
    return parse_profile(FULL.format(source=source, zone="Europe/London"), Path("t.toml"))


def _rows(n: int, seed: int = 3, minutes: int = 97) -> list[list[str]]:
    """Calls every 97 minutes (by default) from 20 October over a month end, the clocks
    going back and a year end (so 23:00 UTC, BST and GMT hours are all there), with every counted
    column varied; some take the Python path (a lower-case reference, a note), a few are
    skipped or rejected, and some references repeat."""
    rng = random.Random(seed)
    start = datetime(2026, 10, 20, 21, 0)
    rows = []
    for i in range(n):
        moment = start + timedelta(minutes=minutes * i)
        ref = f"CAD-{i:05d}" if i % 13 else f"cad-{i:05d}"
        rows.append(
            [
                ref,
                moment.strftime("%Y-%m-%d %H:%M:%S"),
                rng.choice(["CFW", "CFW", "MH", "SS"]),
                rng.choice(["DEP", "AMB", "DEP", "TEST"]),
                rng.choice(["PUB", "NHS", ""]),
                rng.choice(["CO-1", "CO-2", ""]),
                rng.choice(["A", "B", ""]),
                rng.choice(["G1", "G2", ""]),
                rng.choice(["1", "2", ""]),
                "",
                "risk to life" if i % 29 == 0 else "",
                f"{i} High St",
            ]
        )
        if i % 17 == 0:
            rows.append(list(rows[-1]))  # a second unit on the same call
    rows[7][1] = "2026-02-30 10:00:00"  # no such date: rejected
    return rows


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return path


def _assert_recounted(db: Database) -> None:
    """The stored counts equal a direct count of the decisions (``rcrp-tui db check``)."""
    assert month_count_differences(db) == {}
    assert day_count_differences(db) == {}


def _table_total(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT coalesce(sum(n), 0) FROM {table}")).scalar_one())


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "python-path"])
@pytest.mark.parametrize("shuffled", [False, True], ids=["in-order", "shuffled"])
def test_an_import_leaves_counts_equal_to_a_direct_recount(
    any_db: Database, clock: FixedClock, tmp_path: Path, fast: bool, shuffled: bool
) -> None:
    ctx = _ctx(any_db, clock)
    # Decisions of another source first: the import adds to counts that already exist.
    import_file(ctx, _write(tmp_path / "other.csv", _rows(150, seed=9)), _profile("OTHER"))
    _assert_recounted(any_db)
    rows = _rows(400)
    if shuffled:
        random.Random(5).shuffle(rows)
    summary = import_file(ctx, _write(tmp_path / "new.csv", rows), _profile("NEW"), fast=fast)
    assert summary.inserted > 250 and summary.rejected >= 1 and summary.skipped > 0
    assert summary.fast_rows > 0 if fast and any_db.is_sqlite else summary.fast_rows == 0
    _assert_recounted(any_db)
    with any_db.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM decisions")).scalar_one()
    assert _table_total(any_db, "decision_day_counts") == stored
    assert _table_total(any_db, "decision_stratum_months") == stored
    # The report's counts by category and outcome are the decisions the file made.
    assert sum(summary.report.by_category_outcome.values()) == summary.inserted
    # A re-import that moves decisions between counted keys (times, outcomes,
    # categories, teams, phases), and adds the calls it no longer skips: updates and
    # inserts in one upsert, counted by the triggers.
    moved = [list(r) for r in rows]
    for row in moved[::3]:
        row[1] = row[1][:11] + "23:30:00"
        row[3] = "AMB" if row[3] == "DEP" else "DEP"
        row[2], row[6], row[8] = "SS", "B", "2"
    again = import_file(ctx, _write(tmp_path / "moved.csv", moved), _profile("NEW"), fast=fast)
    assert again.updated > 50 and again.inserted > 0
    _assert_recounted(any_db)


#: One decision per incident from its unit rows (docs/import-profiles.md, "[rows]").
BY_INCIDENT = """
[rows]
duplicates = "merge"
[rows.merge]
outcome = { prefer = ["deployed"] }
received_at = "earliest"
"""


def test_an_import_by_incident_leaves_counts_equal_to_a_direct_recount(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = _ctx(any_db, clock)
    profile = parse_profile(
        FULL.format(source="UNITS", zone="Europe/London") + BY_INCIDENT, Path("u.toml")
    )
    rows = _rows(200)
    # A second unit on most calls, an hour later, not sent: shuffled among the rest.
    units = []
    for row in rows[::2]:
        later = datetime.fromisoformat(row[1]) + timedelta(hours=1) if row[1][5:7] != "02" else None
        if later is not None:
            units.append([row[0], f"{later:%Y-%m-%d %H:%M:%S}", row[2], "AMB", *row[4:]])
    mixed = rows + units
    random.Random(11).shuffle(mixed)
    summary = import_file(ctx, _write(tmp_path / "units.csv", mixed), profile)
    assert summary.incidents is not None and summary.inserted > 100
    assert sum(summary.report.by_category_outcome.values()) == summary.inserted
    _assert_recounted(any_db)
    with any_db.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM decisions")).scalar_one()
    assert stored == summary.inserted
    assert _table_total(any_db, "decision_day_counts") == stored
    assert _table_total(any_db, "decision_stratum_months") == stored


def _triggers(db: Database) -> set[tuple[str, str]]:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'decisions'"
        ).all()
    return {(name, sql) for name, sql in rows}


def _log_count_writes(db: Database) -> None:
    """Test-only triggers: every insert or update of a count row is logged."""
    with db.write_connection() as conn:
        conn.exec_driver_sql("CREATE TABLE test_count_writes (tbl TEXT NOT NULL)")
        for table in ("decision_day_counts", "decision_stratum_months"):
            for event in ("INSERT", "UPDATE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER test_log_{table}_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN INSERT INTO test_count_writes VALUES ('{table}'); END"
                )


def _count_writes(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT tbl, count(*) FROM test_count_writes GROUP BY tbl"
        ).all()
    return {tbl: int(n) for tbl, n in rows}


def test_sqlite_adds_an_imports_new_decisions_to_the_counts_once_per_key(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = _ctx(db, clock)
    before = _triggers(db)
    assert {name for name, _ in before} >= set(KNOWN_TRIGGERS)
    _log_count_writes(db)
    # Calls a minute apart: a few slots of a day, far fewer keys than decisions.
    rows = _rows(600, minutes=1)
    summary = import_file(ctx, _write(tmp_path / "c.csv", rows), _profile("NEW"))
    assert summary.inserted > 350
    _assert_recounted(db)
    writes = _count_writes(db)
    with db.engine.connect() as conn:
        keys = {
            table: conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
            for table in ("decision_day_counts", "decision_stratum_months")
        }
    # One write per key, not one per decision (the triggers would make one a decision).
    assert writes == keys
    assert max(writes.values()) < summary.inserted / 2
    # The triggers are back exactly as they were, and count every other write.
    assert _triggers(db) == before
    with db.write_connection() as conn:
        conn.exec_driver_sql(
            "INSERT INTO decisions (cad_ref, source_system, received_at, category, caller_type, "
            "outcome, threshold_basis, qualifier_codes, rationale, created_at, updated_at, "
            "row_version) SELECT 'HAND-' || cad_ref, source_system, received_at, category, "
            "caller_type, outcome, threshold_basis, qualifier_codes, rationale, created_at, "
            "updated_at, 1 FROM decisions LIMIT 3"
        )
    after = _count_writes(db)
    assert {t: after[t] - writes[t] for t in after} == {
        "decision_day_counts": 3,
        "decision_stratum_months": 3,
    }
    _assert_recounted(db)


def test_sqlite_leaves_an_insert_trigger_it_does_not_know_to_count(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = _ctx(db, clock)
    # The same counting, written differently: not the trigger the importer knows.
    changed = KNOWN_TRIGGERS["decision_days_insert"].replace(" BEGIN ", "\nBEGIN\n")
    with db.write_connection() as conn:
        conn.exec_driver_sql("DROP TRIGGER decision_days_insert")
        conn.exec_driver_sql(changed)
    before = _triggers(db)
    _log_count_writes(db)
    summary = import_file(ctx, _write(tmp_path / "c.csv", _rows(300)), _profile("NEW"))
    _assert_recounted(db)
    # Both triggers counted, row by row (some rows land on a key already there).
    writes = _count_writes(db)
    assert writes["decision_day_counts"] == writes["decision_stratum_months"] == summary.inserted
    assert _triggers(db) == before


def test_sqlite_an_import_failing_after_its_insert_leaves_triggers_and_counts(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = _ctx(db, clock)
    import_file(ctx, _write(tmp_path / "first.csv", _rows(60, seed=4)), _profile("FIRST"))
    before = _triggers(db)
    with db.engine.connect() as conn:
        counts = [
            conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4, 5").all()
            for table in ("decision_day_counts", "decision_stratum_months")
        ]
    # The import's last statement, closing its run marker, fails: after its decisions
    # were inserted and counted with the triggers dropped, in the same transaction.
    with db.write_connection() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER test_refuse_close BEFORE UPDATE ON import_runs "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )
    with pytest.raises(IntegrityError, match="refused by the test"):
        import_file(ctx, _write(tmp_path / "second.csv", _rows(200)), _profile("SECOND"))
    assert _triggers(db) == before
    with db.engine.connect() as conn:
        assert [
            conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4, 5").all()
            for table in ("decision_day_counts", "decision_stratum_months")
        ] == counts
        assert (
            conn.exec_driver_sql(
                "SELECT count(*) FROM decisions WHERE source_system = 'SECOND'"
            ).scalar_one()
            == 0
        )
    _assert_recounted(db)
