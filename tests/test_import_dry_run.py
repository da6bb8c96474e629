"""The import's dry run: it writes nothing, its counts are the real import's, and its
report (shared with the real import) names unmapped values and keys that never matched."""

from __future__ import annotations

import csv
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.importing import cad
from rcrp_tui.importing.cad import ImportSummary, import_file
from rcrp_tui.importing.profile import ImportProfile, load_profile
from rcrp_tui.importing.report import SHOWN_VALUES, ImportReport
from rcrp_tui.services.core import audit, people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.import_models import import_runs_table
from rcrp_tui.storage.models import audit_table, decisions_table
from tests.cli_helpers import add_account, as_user
from tests.conftest import TEST_ADMIN

PROFILE = """
[profile]
name = "dry-force"
source_system = "DRY-CAD"

[dates]
formats = ["%d/%m/%Y %H:%M"]
timezone = "Europe/London"

[fields.cad_ref]
column = "Ref"

[fields.received_at]
column = "Received"

[fields.category]
column = "Type"
[fields.category.map]
CFW = "concern_for_welfare"
MH = "s136_s135"

[fields.outcome]
column = "Result"
skip = ["TEST"]
[fields.outcome.map]
DEP = "deployed"
AMB = "transferred_ambulance"

[fields.caller_type]
constant = "public"

[fields.staff_id]
column = "Officer"
blank = "empty"
"""
HEADER = ["Ref", "Received", "Type", "Result", "Officer", "Address"]
FIRST = [
    ["A-1", "01/07/2026 12:00", "CFW", "DEP", "CO-1", "1 High St"],
    ["A-2", "01/07/2026 13:00", "MH", "AMB", "", "2 High St"],
    ["A-3", "01/07/2026 14:00", "CFW", "AMB", "", "3 High St"],
]
#: Against FIRST: A-1 unchanged, A-2 updated, A-4 new, A-5 on two rows (new, then a
#: change: one insert and one update), A-6 rejected (outcome not mapped), A-7 rejected
#: (no such officer), a burglary skipped, a test call skipped by its outcome code.
SECOND = [
    ["A-1", "01/07/2026 12:00", "CFW", "DEP", "CO-1", "1 High St"],
    ["A-2", "01/07/2026 13:00", "MH", "DEP", "", "2 High St"],
    ["A-4", "02/07/2026 09:00", "MH", "AMB", "", "4 High St"],
    ["A-5", "02/07/2026 10:00", "CFW", "DEP", "", "5 High St"],
    ["A-5", "02/07/2026 10:00", "CFW", "AMB", "", "5 High St"],
    ["A-6", "02/07/2026 11:00", "CFW", "NFA", "", "6 High St"],
    ["A-7", "02/07/2026 12:00", "CFW", "DEP", "CO-9", "7 High St"],
    ["A-8", "02/07/2026 13:00", "BURG", "DEP", "", "8 High St"],
    ["A-9", "02/07/2026 14:00", "MH", "TEST", "", "9 High St"],
]


@pytest.fixture
def profile(tmp_path: Path) -> ImportProfile:
    path = tmp_path / "dry-force.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return load_profile(path)


def _ctx(db: Database, clock: FixedClock) -> Ctx:
    ctx = Ctx(db, TEST_ADMIN, clock)
    people.add_team(ctx, "A", "2d2n4off")
    people.add_contact_officer(ctx, "CO-1", "A")
    return ctx


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return path


def _files(db_path: Path) -> dict[str, bytes | None]:
    """The database file and its write-ahead log, byte for byte (None: no such file)."""
    found: dict[str, bytes | None] = {}
    for suffix in ("", "-wal"):
        path = Path(f"{db_path}{suffix}")
        found[suffix] = path.read_bytes() if path.exists() else None
    return found


def _counts(summary: ImportSummary) -> tuple[object, ...]:
    """Everything a summary says but the files it names (which differ on purpose)."""
    report = replace(summary.report, unmapped_path=None)
    return (
        summary.total_rows,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.rejected,
        summary.skipped_by_code,
        summary.sha256,
        report,
    )


def _table_counts(db: Database) -> tuple[int, int, int]:
    with db.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(decisions_table)).scalar_one(),
            conn.execute(select(func.count()).select_from(import_runs_table)).scalar_one(),
            conn.execute(select(func.count()).select_from(audit_table)).scalar_one(),
        )


def test_a_dry_run_leaves_the_database_files_byte_for_byte_as_they_were(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(db, clock)
    import_file(ctx, _csv(tmp_path / "first.csv", FIRST), profile)
    db_path = tmp_path / "rcrp-test.db"
    before = _files(db_path)
    assert before[""]  # the file under test is the database the imports wrote to

    summary = import_file(ctx, _csv(tmp_path / "second.csv", SECOND), profile, dry_run=True)

    assert (summary.inserted, summary.updated, summary.rejected) == (2, 2, 2)  # it did count
    assert summary.dry_run and summary.describe().startswith("Dry run, nothing written")
    assert _files(db_path) == before
    # Its own files, named so they are never taken for an import's.
    assert summary.rejects_path == tmp_path / "second.csv.dry-run.rejects.csv"
    assert summary.report.unmapped_path == tmp_path / "second.csv.dry-run.unmapped.csv"
    assert not (tmp_path / "second.csv.rejects.csv").exists()


def test_a_dry_run_leaves_a_write_ahead_log_in_use_byte_for_byte_as_it_was(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    """Another terminal holds the database open, so the log written by the first import
    stays (it is not checkpointed away when the import's connection closes)."""
    db_path = tmp_path / "rcrp-test.db"
    other = sqlite3.connect(db_path)
    try:
        other.execute("SELECT count(*) FROM decisions").fetchone()
        ctx = _ctx(db, clock)
        import_file(ctx, _csv(tmp_path / "first.csv", FIRST), profile)
        before = _files(db_path)
        assert before["-wal"]  # the log holds the first import's pages

        summary = import_file(ctx, _csv(tmp_path / "second.csv", SECOND), profile, dry_run=True)

        assert (summary.inserted, summary.updated, summary.rejected) == (2, 2, 2)
        assert _files(db_path) == before
    finally:
        other.close()


def test_dry_run_counts_equal_the_real_imports_on_first_import_and_reimport(
    any_db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(any_db, clock)
    first, second = _csv(tmp_path / "first.csv", FIRST), _csv(tmp_path / "second.csv", SECOND)
    for path, expected in (
        (first, (3, 3, 0, 0, 0)),
        # A-4 and A-5 new; A-2 changed and A-5's second row: updates; A-1 unchanged.
        (second, (9, 2, 2, 1, 2)),
    ):
        dry = import_file(ctx, path, profile, dry_run=True)
        real = import_file(ctx, path, profile)
        assert _counts(dry) == _counts(real)
        assert (dry.total_rows, dry.inserted, dry.updated, dry.unchanged, dry.rejected) == (
            expected
        )
        assert not real.dry_run
    assert dry.skipped_by_code == {"Type=BURG": 1, "Result=TEST": 1}
    assert [line for line, _reason in dry.report.first_rejects] == [7, 8]
    assert "Result code 'NFA' is not in the profile's outcome map" in dry.report.first_rejects[0]
    assert dry.report.by_category_outcome == {
        ("concern_for_welfare", "deployed"): 1,
        ("concern_for_welfare", "transferred_ambulance"): 1,  # its later row
        ("s136_s135", "deployed"): 1,
        ("s136_s135", "transferred_ambulance"): 1,
    }
    # A third run of the same file: A-1, A-2 and A-4 are now unchanged; A-5's two rows
    # still differ from what is stored and from each other (two updates), in the dry run
    # as in the real import.
    dry = import_file(ctx, second, profile, dry_run=True)
    real = import_file(ctx, second, profile)
    assert _counts(dry) == _counts(real)
    assert (dry.inserted, dry.updated, dry.unchanged) == (0, 2, 3)


#: A profile written from an export's documentation: one key without the slash the file
#: has (spacing and case no longer matter: tests/test_import_profile_language.py), and
#: one code the export never uses.
SPACED_PROFILE = """
[profile]
name = "spaced"
source_system = "SPACED-CAD"

[dates]
formats = ["%Y-%m-%d %H:%M"]
timezone = "America/Los_Angeles"

[fields.cad_ref]
column = "Incident"

[fields.received_at]
column = "Received"

[fields.category]
column = "Call Type"
[fields.category.map]
"46A - CIT w Ambulance" = "s136_s135"
"26/01- Missing Person-Critical" = "concern_for_welfare"
"MH-WALKOUT" = "walk_out"

[fields.outcome]
column = "Disposition"
[fields.outcome.map]
DEP = "deployed"

[fields.caller_type]
constant = "public"
"""


def test_unmapped_values_and_keys_that_never_matched(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    profile_path = tmp_path / "spaced.toml"
    profile_path.write_text(SPACED_PROFILE, encoding="utf-8")
    profile = load_profile(profile_path)
    header = ["Incident", "Received", "Call Type", "Disposition"]
    rows = [
        ["I-1", "2026-07-01 10:00", "46A - CIT w/Ambulance", "DEP"],  # one space
        ["I-2", "2026-07-01 11:00", "46A - CIT w/Ambulance", "DEP"],
        ["I-3", "2026-07-01 12:00", "26/01- Missing Person-Critical", "DEP"],
        ["I-4", "2026-07-01 13:00", "26/01- missing person-critical", "GOA"],  # case differs
    ]
    # Many codes the map does not list: more than the screen shows.
    rows += [[f"J-{i}", "2026-07-02 10:00", f"CODE{i:02d}", "DEP"] for i in range(25)]
    path = _csv(tmp_path / "spaced.csv", rows, header)
    ctx = Ctx(any_db, TEST_ADMIN, clock)

    dry = import_file(ctx, path, profile, dry_run=True)

    report = dry.report
    assert report.never_matched == {"category": ("46A - CIT W AMBULANCE", "MH-WALKOUT")}
    unmapped = dict(report.unmapped["category"])
    assert unmapped["46A - CIT W/AMBULANCE"] == 2
    assert len(unmapped) == 26 and all(unmapped[f"CODE{i:02d}"] == 1 for i in range(25))
    # The map is matched whatever the case: the fourth row mapped its category, and its
    # outcome GOA is unmapped (rejected).
    assert "26/01- MISSING PERSON-CRITICAL" not in unmapped
    assert report.unmapped["outcome"] == (("GOA", 1),)
    assert (dry.inserted, dry.rejected, dry.skipped) == (1, 1, 27)
    text = dry.describe()
    assert "map keys of category that matched no row: '46A - CIT W AMBULANCE'" in text
    assert "'46A - CIT W/AMBULANCE': 2" in text
    csv_path = tmp_path / "spaced.csv.dry-run.unmapped.csv"
    assert f"and {26 - SHOWN_VALUES} more — full list in {csv_path}" in text
    with csv_path.open(encoding="utf-8", newline="") as listed:
        written = list(csv.reader(listed))
    assert written[0] == ["field", "column", "value", "rows"]
    assert ["category", "Call Type", "46A - CIT W/AMBULANCE", "2"] in written
    assert ["outcome", "Disposition", "GOA", "1"] in written
    assert len(written) == 1 + 26 + 1
    assert csv_path.stat().st_mode & 0o777 == 0o600

    # The real import reports the same, writes the list beside its own rejects file, and
    # its audit row keeps the summary by counts, never a cell's value.
    real = import_file(ctx, path, profile)
    assert real.report.unmapped == report.unmapped
    assert real.report.unmapped_path == tmp_path / "spaced.csv.unmapped.csv"
    assert real.report.unmapped_path.exists()
    (entry,) = audit.entries(ctx, entity="import")
    assert entry.after is not None
    assert entry.after["unmapped"] == {
        "category": {"values": 26, "rows": 27},
        "outcome": {"values": 1, "rows": 1},
    }
    assert entry.after["never_matched_keys"] == {
        "category": ["46A - CIT W AMBULANCE", "MH-WALKOUT"]
    }
    assert entry.after["by_category_outcome"] == {"concern_for_welfare/deployed": 1}
    assert "46A - CIT W/AMBULANCE" not in str(entry.after)


def test_more_distinct_cells_than_the_bound_are_left_out_with_a_note(
    db: Database,
    clock: FixedClock,
    tmp_path: Path,
    profile: ImportProfile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cad, "MAX_DISTINCT", 3)
    rows = [[f"B-{i}", "02/07/2026 09:00", f"X{i}", "DEP", "", ""] for i in range(5)]
    summary = import_file(_ctx(db, clock), _csv(tmp_path / "wide.csv", rows), profile, dry_run=True)
    assert summary.report.overflow == 2
    assert sum(n for _v, n in summary.report.unmapped["category"]) == 3
    assert "note: 2 rows were left out of the unmapped values and keys" in summary.describe()


def test_an_empty_report_says_so(tmp_path: Path) -> None:
    assert ImportReport().lines(0, None) == ["  unmapped values: none"]


def test_command_line_dry_run_imports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rcrp_tui.cli.main import main

    database = tmp_path / "cli.db"
    add_account(database, "ada", Role.ADMINISTRATOR)
    db = Database(f"sqlite:///{database}")
    ctx = Ctx(db, TEST_ADMIN)
    people.add_team(ctx, "A", "2d2n4off")
    people.add_contact_officer(ctx, "CO-1", "A")
    profile = tmp_path / "dry-force.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    source = _csv(tmp_path / "second.csv", SECOND)
    before = _table_counts(db)
    args = ["import", str(source), "--profile", str(profile), "--database", str(database)]

    assert main([*args, "--dry-run", "--quiet", *as_user(monkeypatch, "ada")]) == 0

    out = capsys.readouterr().out
    assert "Dry run, nothing written: second.csv (dry-force profile" in out
    assert "would insert 4, update 1, unchanged 0, skip 2 (not RCRP calls), reject 2" in out
    assert "line 7: Result code 'NFA' is not in the profile's outcome map" in out
    assert "Nothing was imported" in out
    decisions, runs, audits = _table_counts(db)
    # The sign-in is audited, as for every command; nothing else is written.
    assert (decisions, runs, audits) == (before[0], before[1], before[2] + 1)
    (newest,) = audit.entries(ctx, limit=1)
    assert newest.action == "signed_in"
    assert (tmp_path / "second.csv.dry-run.unmapped.csv").exists()

    assert main([*args, "--quiet", *as_user(monkeypatch, "ada")]) == 0
    assert "inserted 4, updated 1, unchanged 0, skipped 2" in capsys.readouterr().out
    db.dispose()
