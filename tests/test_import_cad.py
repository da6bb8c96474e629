"""Importing CAD exports: the happy path, idempotent re-import, every way a file or a row
can be wrong, and the real San Diego export."""

from __future__ import annotations

import csv
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Category, Outcome, Role
from rcrp_tui.importing.cad import ImportFailed, ImportSummary, import_file
from rcrp_tui.importing.profile import ImportProfile, load_profile, shipped_profile
from rcrp_tui.services.core import audit, people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import PermissionDenied
from rcrp_tui.services.decisions.queries import DecisionFilter, count
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import Decision
from tests.cli_helpers import add_account, as_user
from tests.conftest import TEST_ADMIN

DATA = Path(__file__).parents[2] / "shared" / "data"
SAN_DIEGO = DATA / "sandiego_pd_calls_for_service_2023_first5000.csv"

PROFILE = """
[profile]
name = "test-force"
source_system = "TEST-CAD"

[dates]
formats = ["%d/%m/%Y %H:%M", "iso"]
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

[fields.grade]
column = "Grade"

[fields.rationale]
column = "Note"

[fields.shift]
derive = [{shift = "day", from = "07:00", to = "19:00"},
          {shift = "night", from = "19:00", to = "07:00"}]
"""
HEADER = ["Ref", "Received", "Type", "Result", "Officer", "Grade", "Note", "Address"]
ROWS = [
    ["cad-1", "01/07/2026 12:00", "CFW", "DEP", "CO-1", "G1", "risk to life", "1 High St"],
    ["CAD-2", "01/07/2026 23:30", "MH", "amb", "", "G2", "", "2 High St"],
    ["CAD-3", "02/07/2026 09:00", "BURG", "DEP", "", "G1", "", "3 High St"],
]


@pytest.fixture
def profile(tmp_path: Path) -> ImportProfile:
    path = tmp_path / "test-force.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return load_profile(path)


def _ctx(db: Database, clock: FixedClock) -> Ctx:
    ctx = Ctx(db, TEST_ADMIN, clock)
    people.add_team(ctx, "A", "2d2n4off")
    people.add_contact_officer(ctx, "CO-1", "A")
    return ctx


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, **kw: str) -> Path:
    with path.open("w", encoding=kw.get("encoding", "utf-8"), newline="") as out:
        csv.writer(out, lineterminator=kw.get("end", "\n")).writerows([header, *rows])
    return path


def _decisions(db: Database) -> dict[str, Decision]:
    with db.read() as session:
        return {d.cad_ref: d for d in session.exec(select(Decision).order_by(col(Decision.id)))}


def _import_audits(ctx: Ctx) -> list[audit.AuditRow]:
    return audit.entries(ctx, entity="import")


def test_happy_path(any_db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile):
    ctx = _ctx(any_db, clock)
    summary = import_file(ctx, _csv(tmp_path / "calls.csv", ROWS), profile)
    assert (summary.total_rows, summary.inserted, summary.updated) == (3, 2, 0)
    assert (summary.skipped, summary.rejected) == (1, 0)
    assert summary.skipped_by_code == {"Type=BURG": 1}
    found = _decisions(any_db)
    assert set(found) == {"CAD-1", "CAD-2"}
    first, second = found["CAD-1"], found["CAD-2"]
    assert first.source_system == "TEST-CAD"
    assert first.received_at == datetime(2026, 7, 1, 11, 0, tzinfo=UTC)  # BST
    assert (first.category, first.outcome, first.caller_type) == (
        "concern_for_welfare",
        "deployed",
        "public",
    )
    assert first.contact_officer_id is not None and first.team_id is not None
    assert (first.grade, first.rationale, first.shift) == ("G1", "risk to life", "day")
    assert (second.outcome, second.shift, second.contact_officer_id) == (
        "transferred_ambulance",
        "night",
        None,
    )
    assert second.threshold_basis == "none" and second.qualifier_codes == ""
    assert "inserted 2, updated 0, unchanged 0, skipped 1" in summary.describe()


def test_reimport_updates_instead_of_duplicating(
    any_db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(any_db, clock)
    path = _csv(tmp_path / "calls.csv", ROWS)
    import_file(ctx, path, profile)
    _csv(path, [[*ROWS[0][:3], "AMB", *ROWS[0][4:]], *ROWS[1:]])
    again = import_file(ctx, path, profile)
    # CAD-1 changed; CAD-2 is the same as before, so it is left alone.
    assert (again.inserted, again.updated, again.unchanged, again.skipped) == (0, 1, 1, 1)
    found = _decisions(any_db)
    assert len(found) == 2
    assert found["CAD-1"].outcome == "transferred_ambulance"
    assert (found["CAD-1"].row_version, found["CAD-2"].row_version) == (2, 1)


def test_duplicates_within_one_file_keep_the_later_row(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(db, clock)
    later = ["CAD-1", "01/07/2026 12:05", "CFW", "AMB", "", "G3", "", ""]
    summary = import_file(ctx, _csv(tmp_path / "calls.csv", [ROWS[0], later]), profile)
    assert (summary.inserted, summary.updated, summary.total_rows) == (1, 1, 2)
    assert _decisions(db)["CAD-1"].outcome == "transferred_ambulance"


def test_duplicates_across_batches_on_postgres_and_sqlite(
    any_db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(any_db, clock)
    rows = [ROWS[0], ROWS[1], ["CAD-1", "01/07/2026 12:05", "CFW", "AMB", "", "", "", ""]]
    summary = import_file(ctx, _csv(tmp_path / "calls.csv", rows), profile, batch_size=1)
    assert (summary.inserted, summary.updated) == (2, 1)
    assert len(_decisions(any_db)) == 2


def test_audit_row_names_the_file_hash_counts_and_profile(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(db, clock)
    path = _csv(tmp_path / "calls.csv", ROWS)
    import_file(ctx, path, profile)
    (entry,) = _import_audits(ctx)
    assert entry.action == "decisions_imported" and entry.entity_id == "calls.csv"
    assert entry.actor == "test-admin" and entry.at == clock.now()
    assert entry.after == {
        "file": "calls.csv",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "profile": "test-force",
        "source_system": "TEST-CAD",
        "total_rows": 3,
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": 1,
        "rejected": 0,
        # The report, by counts only: BURG is no map key (its row was skipped), and no
        # row had the skip code TEST.
        "by_category_outcome": {
            "concern_for_welfare/deployed": 1,
            "s136_s135/transferred_ambulance": 1,
        },
        "unmapped": {"category": {"values": 1, "rows": 1}},
        "never_matched_keys": {"outcome": ["TEST"]},
    }


def test_rejected_rows_go_to_the_rejects_file_without_unmapped_columns(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(db, clock)
    rows = [
        ROWS[0],
        ["CAD-4", "31/02/2026 10:00", "CFW", "DEP", "", "", "", "4 High St"],
        ["CAD-5", "01/07/2026 10:00", "MH", "XYZ", "", "", "", "5 High St"],
        ["CAD-6", "01/07/2026 10:00", "MH", "", "", "", "", "6 High St"],
        ["CAD-7", "01/07/2026 10:00", "MH", "DEP", "CO-99", "", "", "7 High St"],
        ["CAD 8", "01/07/2026 10:00", "MH", "DEP", "", "", "", "8 High St"],
        ["CAD-9", "01/07/2026 10:00", "MH", "TEST", "", "", "", "9 High St"],
        ["CAD-10", "01/07/2026 10:00"],
    ]
    path = _csv(tmp_path / "calls.csv", rows)
    summary = import_file(ctx, path, profile)
    assert (summary.inserted, summary.rejected, summary.skipped) == (1, 6, 1)
    assert summary.skipped_by_code == {"Result=TEST": 1}
    assert summary.rejects_path == tmp_path / "calls.csv.rejects.csv"
    with summary.rejects_path.open(encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0] == ["line", "reason", *HEADER[:-1]]
    reasons = {line[0]: line[1] for line in lines[1:]}
    assert reasons == {
        "3": "Received '31/02/2026 10:00' is not a date like %d/%m/%Y %H:%M or iso",
        "4": "Result code 'XYZ' is not in the profile's outcome map",
        "5": "Result is blank",
        "6": "Officer: no contact officer with staff id 'CO-99'",
        "7": reasons["7"],
        "9": "line 9: 2 fields, the header has 8",
    }
    assert reasons["7"].startswith("Ref: 'CAD 8' is not a CAD reference")
    assert lines[1][2:4] == ["CAD-4", "31/02/2026 10:00"]
    assert "High St" not in summary.rejects_path.read_text(encoding="utf-8")


def test_rejects_path_can_be_chosen(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(db, clock)
    bad = [["CAD-4", "yesterday", "CFW", "DEP", "", "", "", ""]]
    chosen = tmp_path / "out" / "bad.csv"
    chosen.parent.mkdir()
    summary = import_file(ctx, _csv(tmp_path / "c.csv", bad), profile, rejects_path=chosen)
    assert summary.rejects_path == chosen and chosen.exists()
    assert not (tmp_path / "c.csv.rejects.csv").exists()


def test_a_clean_reimport_removes_the_earlier_rejects_file(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(db, clock)
    path = _csv(tmp_path / "c.csv", [["CAD-4", "yesterday", "CFW", "DEP", "", "", "", ""]])
    first = import_file(ctx, path, profile)
    assert first.rejected == 1 and first.rejects_path is not None and first.rejects_path.exists()
    fixed = [["CAD-4", "2026-11-01 10:00:00", "CFW", "DEP", "", "", "", ""]]
    second = import_file(ctx, _csv(path, fixed), profile)
    assert second.rejected == 0 and second.rejects_path is None
    assert not (tmp_path / "c.csv.rejects.csv").exists()


def _nothing_written(db: Database, ctx: Ctx) -> None:
    assert _decisions(db) == {}
    assert _import_audits(ctx) == []


def test_a_missing_mapped_column_fails_and_writes_nothing(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(db, clock)
    header = [h for h in HEADER if h != "Result"]
    rows = [[v for h, v in zip(HEADER, r, strict=True) if h != "Result"] for r in ROWS]
    with pytest.raises(ImportFailed, match=r"lacks the column.s. 'Result'.*Nothing was imported"):
        import_file(ctx, _csv(tmp_path / "calls.csv", rows, header), profile)
    _nothing_written(db, ctx)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf\r\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
        ("Ref,Received".encode("utf-16"), "binary file .or UTF-16 text."),
        (b'{"calls": [1, 2, 3]}\n', "lacks the column"),
    ],
    ids=["empty", "bom-only", "binary", "utf-16", "json"],
)
def test_unreadable_files_fail_clearly_and_write_nothing(
    db: Database,
    clock: FixedClock,
    tmp_path: Path,
    profile: ImportProfile,
    content: bytes,
    message: str,
) -> None:
    ctx = _ctx(db, clock)
    path = tmp_path / "calls.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFailed, match=message):
        import_file(ctx, path, profile)
    _nothing_written(db, ctx)


def test_wrong_encoding_after_rows_were_written_rolls_everything_back(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(db, clock)
    lines = [",".join(HEADER)] + [f"CAD-{n},01/07/2026 12:00,CFW,DEP,,,," for n in range(3000)]
    good = ("\n".join(lines) + "\n").encode()
    path = tmp_path / "calls.csv"
    path.write_bytes(good + b"CAD-X,01/07/2026 10:00,CFW,DEP,,,caf\xe9,\n")
    bad_byte = len(good) + len("CAD-X,01/07/2026 10:00,CFW,DEP,,,caf")
    with pytest.raises(ImportFailed, match=rf"utf-8 at line 3002 \(byte {bad_byte}:"):
        import_file(ctx, path, profile, batch_size=50)
    _nothing_written(db, ctx)
    assert not (tmp_path / "calls.csv.rejects.csv").exists()


def test_a_latin1_profile_reads_latin1(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    ctx = _ctx(db, clock)
    path = tmp_path / "latin.toml"
    path.write_text(PROFILE + '\n[csv]\nencoding = "latin-1"\n', encoding="utf-8")
    rows = [[*ROWS[0][:6], "café", *ROWS[0][7:]]]
    import_file(ctx, _csv(tmp_path / "c.csv", rows, encoding="latin-1"), load_profile(path))
    assert _decisions(db)["CAD-1"].rationale == "café"


def test_bom_and_crlf_files_import(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(db, clock)
    path = _csv(tmp_path / "calls.csv", ROWS, encoding="utf-8-sig", end="\r\n")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfRef,") and b"\r\n" in path.read_bytes()
    summary = import_file(ctx, path, profile)
    assert (summary.inserted, summary.rejected) == (2, 0)
    assert _decisions(db)["CAD-1"].rationale == "risk to life"


def test_a_floorwalker_may_not_import(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(db, clock)
    walker = ctx.as_actor(Actor(7, "fw1", "Floorwalker One", Role.FLOORWALKER))
    with pytest.raises(PermissionDenied, match="may not import decisions"):
        import_file(walker, _csv(tmp_path / "calls.csv", ROWS), profile)
    _nothing_written(db, ctx)


def test_progress_bar_run_reports_the_same_counts(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(db, clock)
    summary = import_file(ctx, _csv(tmp_path / "c.csv", ROWS), profile, show_progress=True)
    assert isinstance(summary, ImportSummary) and summary.inserted == 2


@pytest.mark.skipif(not SAN_DIEGO.exists(), reason=f"the San Diego sample is not at {SAN_DIEGO}")
def test_the_real_san_diego_export(any_db: Database, clock: FixedClock, tmp_path: Path) -> None:
    ctx = Ctx(any_db, TEST_ADMIN, clock)
    profile = shipped_profile("san-diego")
    rejects = tmp_path / "sd.rejects.csv"
    summary = import_file(ctx, SAN_DIEGO, profile, rejects_path=rejects)
    # 208 CW, 122 5150 and 30 5150V rows in the file, none with a blank disposition.
    assert (summary.total_rows, summary.inserted, summary.rejected) == (5000, 360, 0)
    # SQLite takes the SQL fast path for every row of this file; PostgreSQL never does.
    assert summary.fast_rows == (5000 if any_db.is_sqlite else 0)
    assert summary.skipped == 4640 and summary.skipped_by_code["call_type=415"] == 422
    assert "call_type=(blank)" in summary.skipped_by_code
    assert not rejects.exists()
    welfare = DecisionFilter(categories=(Category.CONCERN_FOR_WELFARE,))
    assert count(ctx, welfare) == 208
    assert count(ctx, DecisionFilter(categories=(Category.S136_S135,))) == 152
    assert count(ctx, DecisionFilter(outcomes=(Outcome.SIGNPOSTED,))) == 18  # the W rows
    first = _decisions(any_db)["E23010000060"]  # 5150 at 00:35:57 Pacific time
    assert first.received_at == datetime(2023, 1, 1, 8, 35, 57, tzinfo=UTC)
    assert (first.source_system, first.grade, first.caller_type) == ("SDPD-CAD", "1", "public")
    again = import_file(ctx, SAN_DIEGO, profile, rejects_path=rejects)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 360)
    assert count(ctx, DecisionFilter()) == 360


@pytest.mark.skipif(not SAN_DIEGO.exists(), reason=f"the San Diego sample is not at {SAN_DIEGO}")
def test_command_line_import_with_a_shipped_profile_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rcrp_tui.cli.main import main

    database = str(tmp_path / "cli.db")
    add_account(database, "ada", Role.ADMINISTRATOR)
    args = ["import", str(SAN_DIEGO), "--profile", "san-diego", "--database", database]
    # The rejects and unmapped-values files go in tmp_path, not beside the shared sample.
    args += ["--rejects", str(tmp_path / "sd.rejects.csv")]
    assert main([*args, *as_user(monkeypatch, "ada")]) == 0
    out = capsys.readouterr().out
    assert "inserted 360, updated 0, unchanged 0, skipped 4,640 (not RCRP calls), rejected 0" in out
    (entry,) = audit.entries(Ctx(_db(database), TEST_ADMIN), entity="import")
    assert (entry.actor, entry.actor_role) == ("ada", "administrator")


def test_command_line_import_needs_a_signed_in_administrator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rcrp_tui.cli.main import main

    source = _csv(tmp_path / "calls.csv", ROWS)
    profile = tmp_path / "test-force.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    database = str(tmp_path / "cli.db")
    add_account(database, "qa", Role.QA_LEAD)
    args = ["import", str(source), "--profile", str(profile), "--database", database]
    monkeypatch.delenv("RCRP_USER", raising=False)
    assert main(args) == 2
    assert "sign in with --user NAME" in capsys.readouterr().err
    assert main([*args, *as_user(monkeypatch, "qa")]) == 2
    assert "A QA lead may not import decisions." in capsys.readouterr().err
    assert main([*args, *as_user(monkeypatch, "qa", password="wrong-password")]) == 2
    assert "Wrong username or password" in capsys.readouterr().err
    assert _decisions(_db(database)) == {}


def _db(path: str) -> Database:
    return Database(f"sqlite:///{path}")


def test_command_line_import_reports_an_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rcrp_tui.cli.main import main

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    database = str(tmp_path / "cli.db")
    add_account(database, "ada", Role.ADMINISTRATOR)
    args = ["import", str(empty), "--profile", "san-diego", "--database", database]
    assert main([*args, *as_user(monkeypatch, "ada")]) == 2
    assert "empty.csv: the file is empty" in capsys.readouterr().err
    bad = ["import", str(empty), "--profile", "nowhere", "--database", database]
    assert main(bad) == 2
    assert "no shipped profile called 'nowhere'" in capsys.readouterr().err


def test_blank_cells_take_the_fields_default(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = _ctx(db, clock)
    text = PROFILE.replace(
        'column = "Type"', 'column = "Type"\nblank = "default"\ndefault = "other"'
    )
    path = tmp_path / "defaults.toml"
    path.write_text(text, encoding="utf-8")
    rows = [["CAD-1", "01/07/2026 12:00", "", "DEP", "", "", "", ""]]
    summary = import_file(ctx, _csv(tmp_path / "c.csv", rows), load_profile(path))
    assert (summary.inserted, summary.skipped) == (1, 0)
    assert _decisions(db)["CAD-1"].category == "other"


def test_a_rationale_holding_personal_data_is_rejected(
    db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(db, clock)
    leaky = ["CAD-4", "01/07/2026 12:00", "CFW", "DEP", "", "", "call back on 07700 900123", ""]
    summary = import_file(ctx, _csv(tmp_path / "c.csv", [ROWS[0], leaky]), profile)
    assert (summary.inserted, summary.rejected) == (1, 1)
    assert summary.rejects_path is not None
    lines = summary.rejects_path.read_text(encoding="utf-8").splitlines()
    reason = next(csv.reader(lines[1:]))[1]
    assert reason == "Note looks like it holds personal data (phone number)"
