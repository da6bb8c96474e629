"""The row rules of a CAD import (docs/import-profiles.md, "Row rules"): every record
has the header's number of fields, a quote left open fails the import naming its line,
a received time must exist on the local clock and lie in the plausible window. Each rule
is checked on the SQL fast path and on the Python path."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.importing.cad import ImportFailed, import_file
from rcrp_tui.importing.profile import ImportProfile, load_profile
from rcrp_tui.storage.db import Database
from tests.test_import_cad import HEADER, PROFILE, ROWS, _csv, _ctx, _decisions

FAST = pytest.mark.parametrize("fast", [True, False], ids=["fast", "python"])


@pytest.fixture
def profile(tmp_path: Path) -> ImportProfile:
    path = tmp_path / "test-force.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return load_profile(path)


def _reasons(path: Path | None) -> dict[str, str]:
    assert path is not None
    with path.open(encoding="utf-8", newline="") as f:
        return {line[0]: line[1] for line in list(csv.reader(f))[1:]}


def _raw(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([",".join(HEADER), *lines]) + "\n", encoding="utf-8")
    return path


@FAST
def test_a_row_with_a_field_too_many_or_too_few_is_rejected_with_both_counts(
    any_db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile, fast: bool
) -> None:
    ctx = _ctx(any_db, clock)
    extra = [*ROWS[0][:5], "824", *ROWS[0][5:]]  # a beat in the middle: "824" is no grade
    short = ["CAD-2", "01/07/2026 23:30", "amb", "", "G2", "", "2 High St"]  # no Type
    path = _csv(tmp_path / "calls.csv", [extra, short, ROWS[2]])
    summary = import_file(ctx, path, profile, fast=fast)
    assert (summary.inserted, summary.skipped, summary.rejected) == (0, 1, 2)
    assert _reasons(summary.rejects_path) == {
        "2": "line 2: 9 fields, the header has 8",
        "3": "line 3: 7 fields, the header has 8",
    }
    # The rejects file repeats no cell of a row whose cells cannot be placed.
    assert "High St" not in summary.rejects_path.read_text(encoding="utf-8")  # type: ignore[union-attr]
    assert _decisions(any_db) == {}


@FAST
@pytest.mark.parametrize(
    ("lines", "opened"),
    [
        # The quote swallows the next row and the row ends with the wrong field count.
        (
            [
                'CAD-1,01/07/2026 12:00,CFW,DEP,CO-1,"G1,x,1 High St',
                "CAD-2,01/07/2026 23:30,MH,AMB,,G2,,2 High St",
            ],
            2,
        ),
        # Unterminated at the end of the file.
        (
            [
                "CAD-1,01/07/2026 12:00,CFW,DEP,CO-1,G1,x,1 High St",
                'CAD-2,01/07/2026 23:30,MH,AMB,,G2,"oops,2 High St',
            ],
            3,
        ),
        # A quote closed in the middle of a field.
        (['CAD-1,01/07/2026 12:00,CFW,DEP,CO-1,"G1"x,x,1 High St'], 2),
    ],
    ids=["swallows", "end-of-file", "closed-mid-field"],
)
def test_a_quote_left_open_fails_the_import_naming_its_line(
    any_db: Database,
    clock: FixedClock,
    tmp_path: Path,
    profile: ImportProfile,
    fast: bool,
    lines: list[str],
    opened: int,
) -> None:
    ctx = _ctx(any_db, clock)
    path = _raw(tmp_path / "calls.csv", lines)
    with pytest.raises(
        ImportFailed, match=rf"a quote opened on line {opened} .*Nothing was imported"
    ):
        import_file(ctx, path, profile, fast=fast)
    assert _decisions(any_db) == {}
    assert not (tmp_path / "calls.csv.rejects.csv").exists()
    assert not (tmp_path / "calls.csv.rejects.csv.partial").exists()


@FAST
def test_a_line_break_in_a_mapped_cell_rejects_the_row_but_not_in_an_unmapped_one(
    any_db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile, fast: bool
) -> None:
    ctx = _ctx(any_db, clock)
    lines = [
        # A quote opened in Grade closes in Grade two lines on: the field count is right.
        'CAD-1,01/07/2026 12:00,CFW,DEP,CO-1,"G1,x,1 High St',
        "CAD-8,01/07/2026 23:30,MH,AMB,,G2,,2 High St",
        'CAD-9,01/07/2026 23:30,MH,AMB,,G2",,2 High St',
        # The same in the unmapped Address column: the swallowed line is seen by its commas.
        'CAD-3,01/07/2026 23:30,MH,AMB,,G2,,"3 High St',
        'CAD-4,01/07/2026 23:30,MH,AMB,,G2,,4 High St"',
        # A narrative over two lines in an unmapped column is fine.
        'CAD-2,01/07/2026 23:30,MH,AMB,,G2,,"2 High St',
        'back door"',
    ]
    summary = import_file(ctx, _raw(tmp_path / "calls.csv", lines), profile, fast=fast)
    assert (summary.total_rows, summary.inserted, summary.rejected) == (3, 1, 2)
    reasons = _reasons(summary.rejects_path)
    assert reasons == {
        "2": "line 2: Grade holds a line break and the record runs to line 4: a quote "
        "opened on line 2 may have taken in lines 3 to 4 (rejected with it)",
        "5": "line 5: Address holds a line break and the record runs to line 6: a quote "
        "opened on line 5 may have taken in lines 6 to 6 (rejected with it)",
    }
    assert set(_decisions(any_db)) == {"CAD-2"}


@FAST
def test_a_local_time_the_clocks_skipped_is_rejected_and_an_autumn_time_is_the_first(
    any_db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile, fast: bool
) -> None:
    ctx = _ctx(any_db, clock)
    rows = [
        ["CAD-1", "29/03/2026 01:30", "CFW", "DEP", "", "", "", ""],  # the hour skipped
        ["CAD-2", "25/10/2026 01:30", "CFW", "DEP", "", "", "", ""],  # the hour repeated
    ]
    summary = import_file(ctx, _csv(tmp_path / "calls.csv", rows), profile, fast=fast)
    assert (summary.inserted, summary.rejected) == (1, 1)
    assert _reasons(summary.rejects_path) == {
        "2": "Received '29/03/2026 01:30' is a local time that does not exist in "
        "Europe/London (the clocks went forward past it)"
    }
    # 01:30 happens twice on 25 October: the first (BST, UTC+1) is taken.
    assert _decisions(any_db)["CAD-2"].received_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@FAST
def test_received_times_outside_the_plausible_window_are_rejected(
    any_db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile, fast: bool
) -> None:
    ctx = _ctx(any_db, clock)  # the clock says 2026-11-24 10:30 UTC
    rows = [
        ["CAD-1", "0001-01-01 10:00:00", "CFW", "DEP", "", "", "", ""],
        ["CAD-2", "9999-12-31 10:00:00", "CFW", "DEP", "", "", "", ""],
        ["CAD-3", "31/12/1999 23:59", "CFW", "DEP", "", "", "", ""],
        ["CAD-4", "01/01/2000 00:00", "CFW", "DEP", "", "", "", ""],
        ["CAD-5", "25/11/2026 10:29", "CFW", "DEP", "", "", "", ""],  # within a day
        ["CAD-6", "25/11/2026 10:31", "CFW", "DEP", "", "", "", ""],  # just over
    ]
    summary = import_file(ctx, _csv(tmp_path / "calls.csv", rows), profile, fast=fast)
    assert set(_decisions(any_db)) == {"CAD-4", "CAD-5"}
    reasons = _reasons(summary.rejects_path)
    assert set(reasons) == {"2", "3", "4", "7"}
    window = "from 2000-01-01 to 2026-11-25 10:30 ([dates] earliest, days_ahead)"
    assert (
        reasons["2"] == f"Received '0001-01-01 10:00:00' is outside the plausible window, {window}"
    )


def test_the_plausible_window_is_set_in_the_profile(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    path = tmp_path / "test-force.toml"
    path.write_text(
        PROFILE.replace("[dates]\n", "[dates]\nearliest = 2026-07-01\ndays_ahead = 0\n"),
        encoding="utf-8",
    )
    profile = load_profile(path)
    assert (profile.earliest.isoformat(), profile.days_ahead) == ("2026-07-01", 0)
    ctx = _ctx(any_db, clock)
    rows = [
        ["CAD-1", "30/06/2026 23:59", "CFW", "DEP", "", "", "", ""],
        ["CAD-2", "01/07/2026 00:00", "CFW", "DEP", "", "", "", ""],
        ["CAD-3", "24/11/2026 10:31", "CFW", "DEP", "", "", "", ""],
    ]
    summary = import_file(ctx, _csv(tmp_path / "calls.csv", rows), profile)
    assert set(_decisions(any_db)) == {"CAD-2"}
    assert summary.rejected == 2
