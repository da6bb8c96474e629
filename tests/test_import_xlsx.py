"""Excel workbooks (.xlsx): the same profiles, the same rows, the same decisions as CSV.

Every workbook is written here with xlsxwriter, beside the CSV a CAD system would have
exported for the same calls; the two must import alike, to the same UTC instants.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from sqlalchemy import func, select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.importing.cad import ImportSummary, import_file
from rcrp_tui.importing.errors import ImportCancelled, ImportFailed
from rcrp_tui.importing.profile import ImportProfile, ProfileError, parse_profile
from rcrp_tui.importing.xlsx import cell_converter
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.import_models import import_runs_table
from rcrp_tui.storage.models import audit_table, decisions_table
from tests.cli_helpers import add_account, as_user
from tests.conftest import TEST_ADMIN

PROFILE = """
[profile]
name = "excel-force"
source_system = "XL-CAD"

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
1 = "concern_for_welfare"
MH = "s136_s135"

[fields.outcome]
column = "Result"
[fields.outcome.map]
DEP = "deployed"
AMB = "transferred_ambulance"

[fields.caller_type]
constant = "public"

[fields.grade]
column = "Priority"
blank = "empty"
"""
HEADER = ["Ref", "Received", "Type", "Result", "Priority", "Address"]
#: (CSV text, workbook cell) per column; the received times cross both clock changes of
#: 2026 in Europe/London (29 March: 01:00 to 02:00 GMT does not exist; 25 October:
#: 01:00 to 02:00 comes twice, read as its first, BST, occurrence).
CALLS: list[list[tuple[str, Any]]] = [
    [("1001", 1001), ("29/03/2026 00:59", datetime(2026, 3, 29, 0, 59)), ("1", 1)],
    [("1002", 1002), ("29/03/2026 01:30", datetime(2026, 3, 29, 1, 30)), ("1", 1)],
    [("1003", 1003), ("29/03/2026 02:00", datetime(2026, 3, 29, 2, 0)), ("MH", "MH")],
    [("1004", 1004), ("25/10/2026 00:59", datetime(2026, 10, 25, 0, 59)), ("1", 1)],
    [("1005", 1005), ("25/10/2026 01:30", datetime(2026, 10, 25, 1, 30)), ("MH", "MH")],
    [("1006", 1006), ("25/10/2026 02:00", datetime(2026, 10, 25, 2, 0)), ("1", 1)],
    # A date typed as text in the workbook reads as the same text.
    [("1007", 1007), ("01/07/2026 12:00", "01/07/2026 12:00"), ("1", 1)],
    # Not an RCRP call: skipped by its code.
    [("1008", 1008), ("01/07/2026 13:00", datetime(2026, 7, 1, 13, 0)), ("9", 9)],
    # An outcome not in the map: rejected, with its row number.
    [("1009", 1009), ("01/07/2026 14:00", datetime(2026, 7, 1, 14, 0)), ("1", 1)],
]
RESULTS = ["DEP", "AMB", "DEP", "DEP", "AMB", "DEP", "AMB", "DEP", "NFA"]
PRIORITIES: list[tuple[str, Any]] = [("2", 2), ("", None), ("1", 1.0), ("", None)] + [("3", 3)] * 5
EXPECTED_UTC = {
    "1001": datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
    "1003": datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    "1004": datetime(2026, 10, 24, 23, 59, tzinfo=UTC),
    "1005": datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    "1006": datetime(2026, 10, 25, 2, 0, tzinfo=UTC),
    "1007": datetime(2026, 7, 1, 11, 0, tzinfo=UTC),
}
#: A blank row in the middle (sheet row 6, CSV line 6): no record, and the numbering of
#: the rows after it is the sheet's (the rejected call is on row 11).
BLANK_AT = 4


def _profile(tmp_path: Path, extra: str = "") -> ImportProfile:
    path = tmp_path / "excel-force.toml"
    path.write_text(PROFILE + extra, encoding="utf-8")
    return parse_profile(path.read_text(encoding="utf-8"), path)


def _rows() -> list[list[tuple[str, Any]]]:
    rows = []
    for call, result, priority in zip(CALLS, RESULTS, PRIORITIES, strict=True):
        rows.append([*call, (result, result), priority, ("1 High St", "1 High St")])
    return rows


def _csv(path: Path) -> Path:
    lines: list[list[str]] = [HEADER]
    for i, row in enumerate(_rows()):
        if i == BLANK_AT:
            lines.append([])
        lines.append([text for text, _cell in row])
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows(lines)
    return path


def _workbook(
    path: Path,
    sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]],
) -> Path:
    book = xlsxwriter.Workbook(str(path))
    when = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    for name, rows in sheets:
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, when)
                else:
                    sheet.write(r, c, value)
    book.close()
    return path


def _calls_sheet() -> list[list[Any]]:
    rows: list[list[Any]] = [list(HEADER)]
    for i, row in enumerate(_rows()):
        if i == BLANK_AT:
            rows.append([])
        rows.append([cell for _text, cell in row])
    return rows


def _ctx(db: Database, clock: FixedClock) -> Ctx:
    return Ctx(db, TEST_ADMIN, clock)


def _stored(db: Database) -> dict[str, tuple[Any, ...]]:
    c = decisions_table.c
    with db.engine.connect() as conn:
        rows = conn.execute(select(c.cad_ref, c.received_at, c.category, c.outcome, c.grade)).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def _table_counts(db: Database) -> tuple[int, int, int]:
    with db.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (decisions_table, import_runs_table, audit_table)
        )


def _counts(summary: ImportSummary) -> tuple[Any, ...]:
    return (
        summary.total_rows,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.rejected,
        summary.skipped_by_code,
        summary.report.first_rejects,
        summary.report.by_category_outcome,
        summary.report.unmapped,
    )


def test_a_workbook_imports_exactly_as_the_same_csv_across_the_clock_changes(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = _ctx(any_db, clock)
    profile = _profile(tmp_path)
    book = _workbook(tmp_path / "calls.xlsx", [("Calls", _calls_sheet())])
    text = _csv(tmp_path / "calls.csv")

    dry_book = import_file(ctx, book, profile, dry_run=True)
    dry_text = import_file(ctx, text, profile, dry_run=True)
    assert _counts(dry_book) == _counts(dry_text)
    assert _table_counts(any_db)[0] == 0

    summary = import_file(ctx, book, profile)
    assert _counts(summary) == _counts(dry_book)
    assert (summary.total_rows, summary.inserted, summary.skipped, summary.rejected) == (9, 6, 1, 2)
    assert summary.skipped_by_code == {"Type=9": 1}
    assert summary.sheet == "Calls"
    # Row numbers are the sheet's: the blank row 6 counts, the header is row 1.
    assert summary.report.first_rejects == (
        (
            3,
            "Received '29/03/2026 01:30' is a local time that does not exist in "
            "Europe/London (the clocks went forward past it)",
        ),
        (11, "Result code 'NFA' is not in the profile's outcome map"),
    )
    rejects = (tmp_path / "calls.xlsx.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[1].startswith("3,") and rejects[2].startswith("11,")
    stored = _stored(any_db)
    assert {ref: values[0] for ref, values in stored.items()} == EXPECTED_UTC
    # Codes written as numbers read as the codes they are: 1 and 1.0 are "1".
    assert stored["1001"][1:] == ("concern_for_welfare", "deployed", "2")
    assert stored["1003"][1:] == ("s136_s135", "deployed", "1")
    assert stored["1004"][3] is None  # a blank cell, as a blank CSV field

    # The CSV of the same calls finds every decision stored exactly as it would have
    # stored it: nothing to insert or update.
    again = import_file(ctx, text, profile)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 6, 2)

    (entry, *_older) = audit.entries(ctx, entity="import")
    assert entry.after is not None
    assert entry.after["file"] == "calls.csv"
    first = audit.entries(ctx, entity="import")[-1]
    assert first.after is not None and first.after["sheet"] == "Calls"


def test_the_profile_or_the_command_names_the_sheet_and_a_wrong_name_lists_the_sheets(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = _ctx(db, clock)
    notes = [["Exported by", "CAD"], ["On", "2026-07-01"]]
    book = _workbook(tmp_path / "two.xlsx", [("Notes", notes), ("Calls", _calls_sheet())])

    # The first sheet by default: its header lacks the profile's columns.
    with pytest.raises(ImportFailed, match=r"the header lacks the column\(s\) 'Ref'"):
        import_file(ctx, book, _profile(tmp_path))
    named = _profile(tmp_path, '\n[excel]\nsheet = "Calls"\n')
    assert named.sheet == "Calls"
    assert import_file(ctx, book, named, dry_run=True).inserted == 6
    assert import_file(ctx, book, _profile(tmp_path), sheet="calls", dry_run=True).inserted == 6
    with pytest.raises(ImportFailed) as failed:
        import_file(ctx, book, _profile(tmp_path), sheet="Incidents")
    assert str(failed.value) == (
        "two.xlsx: the workbook has no sheet called 'Incidents'; its sheets are: 'Notes', "
        "'Calls'. Nothing was imported."
    )
    with pytest.raises(ImportFailed, match=r"only in an \.xlsx workbook"):
        import_file(ctx, _csv(tmp_path / "calls.csv"), _profile(tmp_path), sheet="Calls")
    assert _table_counts(db)[0] == 0


def test_a_bad_excel_profile_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"excel.sheet: must be the name of a sheet"):
        _profile(tmp_path, "\n[excel]\nsheet = 3\n")
    with pytest.raises(ProfileError, match=r"excel.tab: unknown key; expected one of sheet"):
        _profile(tmp_path, '\n[excel]\ntab = "Calls"\n')


def test_a_header_without_a_mapped_column_names_it(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    sheet = _calls_sheet()
    sheet[0] = ["Ref", "Received", "Type", "Outcome", "Priority"]
    book = _workbook(tmp_path / "calls.xlsx", [("Calls", sheet)])
    with pytest.raises(ImportFailed) as failed:
        import_file(_ctx(db, clock), book, _profile(tmp_path))
    assert "the header lacks the column(s) 'Result' that profile 'excel-force' maps" in str(
        failed.value
    )
    empty = _workbook(tmp_path / "empty.xlsx", [("Calls", [[], ["1001"]])])
    with pytest.raises(ImportFailed, match="sheet 'Calls' has no header in its first row"):
        import_file(_ctx(db, clock), empty, _profile(tmp_path))


def _encrypted_lookalike(path: Path) -> Path:
    # An encrypted workbook is an OLE compound file (as an old .xls is), not a zip.
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088))
    return path


def _corrupt(path: Path, source: Path) -> Path:
    # A real workbook whose worksheet part has been cut short.
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as damaged:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            damaged.writestr(item, data)
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("encrypted", "the workbook is password-protected (encrypted), or is an old Excel"),
        ("truncated", "not a readable Excel workbook"),
        ("damaged", "sheet 'Calls' is damaged after row"),
        ("text", "not an Excel workbook (.xlsx); if it is a CSV export, give it a .csv name"),
        ("empty", "the file is empty"),
        ("named_csv", "the file is a zip archive, such as an Excel workbook"),
    ],
)
def test_unreadable_workbooks_fail_with_a_plain_message_and_write_nothing(
    db: Database, clock: FixedClock, tmp_path: Path, kind: str, message: str
) -> None:
    good = _workbook(tmp_path / "good.xlsx", [("Calls", _calls_sheet())])
    path = tmp_path / ("calls.csv" if kind == "named_csv" else "calls.xlsx")
    if kind == "encrypted":
        _encrypted_lookalike(path)
    elif kind == "truncated":
        path.write_bytes(good.read_bytes()[:600])
    elif kind == "damaged":
        _corrupt(path, good)
    elif kind == "text":
        path.write_text("Ref,Received\n1,2\n", encoding="utf-8")
    elif kind == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(good.read_bytes())
    with pytest.raises(ImportFailed) as failed:
        import_file(_ctx(db, clock), path, _profile(tmp_path))
    assert message in str(failed.value)
    assert "Traceback" not in str(failed.value)
    assert _table_counts(db)[0] == 0
    assert not (tmp_path / "calls.xlsx.rejects.csv").exists()


def test_a_time_with_seconds_is_never_rounded_to_a_format_without_them(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    sheet = [list(HEADER), [1001, datetime(2026, 7, 1, 12, 0, 30), "1", "DEP"]]
    book = _workbook(tmp_path / "calls.xlsx", [("Calls", sheet)])
    ctx = _ctx(db, clock)
    summary = import_file(ctx, book, _profile(tmp_path), dry_run=True)
    assert summary.report.first_rejects == (
        (2, "Received '2026-07-01 12:00:30' is not a date like %d/%m/%Y %H:%M"),
    )
    with_seconds = replace(_profile(tmp_path), date_formats=("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"))
    import_file(ctx, book, with_seconds)
    assert _stored(db)["1001"][0] == datetime(2026, 7, 1, 11, 0, 30, tzinfo=UTC)


def test_cells_become_the_text_a_csv_export_holds() -> None:
    convert = cell_converter(["%d/%m/%Y %H:%M", "iso"])
    assert [convert(v) for v in (1, 1.0, 26.0, 1.5, 0.1 + 0.2, -3.0)] == [
        "1",
        "1",
        "26",
        "1.5",
        "0.3",
        "-3",
    ]
    assert (convert(True), convert(False)) == ("TRUE", "FALSE")
    assert convert(datetime(2026, 7, 1, 9, 5)) == "01/07/2026 09:05"
    assert convert(datetime(2026, 7, 1, 9, 5, 7)) == "2026-07-01 09:05:07"  # by "iso"
    assert convert(datetime(2026, 7, 1, 9, 5, 7, 250_000)) == "2026-07-01 09:05:07.250000"
    assert convert(time(9, 5)) == "09:05:00" and convert(date(2026, 7, 1)) == "2026-07-01"


def test_progress_is_told_and_an_exception_from_it_cancels_writing_nothing(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = _ctx(any_db, clock)
    book = _workbook(tmp_path / "calls.xlsx", [("Calls", _calls_sheet())])
    size = book.stat().st_size
    told: list[tuple[int, int]] = []
    profile = _profile(tmp_path)
    import_file(ctx, book, profile, dry_run=True, progress=lambda d, t: told.append((d, t)))
    assert told and told[-1] == (size, size)

    def cancel(done: int, total: int) -> None:
        raise ImportCancelled("cancelled")

    before = _table_counts(any_db)
    for path in (book, _csv(tmp_path / "calls.csv")):
        with pytest.raises(ImportCancelled):
            import_file(ctx, path, _profile(tmp_path), progress=cancel)
    decisions, runs, audits = _table_counts(any_db)
    assert (decisions, audits) == (0, before[2])
    assert runs == before[1] + 2  # each run is closed as failed, none as imported
    with any_db.engine.connect() as conn:
        outcomes = conn.execute(select(import_runs_table.c.outcome)).scalars().all()
    assert set(outcomes) == {"failed"}
    assert not (tmp_path / "calls.xlsx.rejects.csv").exists()
    assert not (tmp_path / "calls.xlsx.rejects.csv.partial").exists()


def test_command_line_imports_a_named_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rcrp_tui.cli.main import main

    database = tmp_path / "cli.db"
    add_account(database, "ada", Role.ADMINISTRATOR)
    profile = tmp_path / "excel-force.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    notes = [["Exported by", "CAD"]]
    book = _workbook(tmp_path / "two.xlsx", [("Notes", notes), ("Calls", _calls_sheet())])
    args = ["import", str(book), "--profile", str(profile), "--database", str(database)]

    assert main([*args, "--quiet", "--sheet", "Nope", *as_user(monkeypatch, "ada")]) == 2
    assert "its sheets are: 'Notes', 'Calls'" in capsys.readouterr().err
    assert main([*args, "--quiet", "--sheet", "Calls", *as_user(monkeypatch, "ada")]) == 0
    out = capsys.readouterr().out
    assert "inserted 6, updated 0, unchanged 0, skipped 1 (not RCRP calls), rejected 2" in out
    assert "line 11: Result code 'NFA' is not in the profile's outcome map" in out


def test_rows_stream_as_openpyxl_reads_them_and_a_row_out_of_order_fails(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from rcrp_tui.importing.xlsx import _rows

    path = tmp_path / "odd.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Calls")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ["1001", "01/07/2026 12:00", "1", "DEP"])
    sheet.set_row(2, 30)  # a row with a height of its own and no cells
    sheet.write(4, 7, "far right")  # a row whose only cell is past the header
    sheet.write_row(6, 0, ["1002", "01/07/2026 13:00", "1", "DEP"])
    book.close()
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        worksheet = workbook.worksheets[0]
        ours = list(_rows(worksheet))
        worksheet.reset_dimensions()
        assert ours == [tuple(row) for row in worksheet.iter_rows(values_only=True)]
        assert len(ours) == 7 and ours[3] == () and ours[4][-1] == "far right"
    finally:
        workbook.close()

    summary = import_file(_ctx(db, clock), path, _profile(tmp_path), dry_run=True)
    assert (summary.total_rows, summary.inserted) == (3, 2)
    assert summary.report.first_rejects == ((5, "Type is blank"),)
    assert "  sheet 'Calls': line numbers are its row numbers" in summary.describe()

    # A sheet whose rows are numbered out of order is damaged: openpyxl would drop the
    # row without a word; the import fails and says so.
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(damaged, "w") as out:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<row r="7"', b'<row r="2"').replace(b'r="A7"', b'r="A2"')
            out.writestr(item, data)
    with pytest.raises(ImportFailed, match=r"sheet 'Calls' is damaged after row 5 \(row 2 comes"):
        import_file(_ctx(db, clock), damaged, _profile(tmp_path), dry_run=True)


def test_openpyxl_is_loaded_only_when_a_workbook_is_read() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import rcrp_tui.importing.cad, rcrp_tui.cli.main, rcrp_tui.ui.importing.import_screen\n"
        "print('openpyxl' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_packed_string_table_gives_back_each_string() -> None:
    from rcrp_tui.importing.xlsx import StringTable

    texts = ["46A - CIT w/Ambulance", "", "café", "日本語", "x" * 1000, "E230100000001"]
    table = StringTable()
    for text in texts:
        table.append(text)
    assert len(table) == len(texts)
    assert [table[i] for i in range(len(texts))] == texts
    for bad in (len(texts), -1):
        with pytest.raises(IndexError):
            table[bad]


@pytest.mark.parametrize("dimension", [b'<dimension ref="A1"/>', b""])
def test_a_sheet_that_misstates_or_omits_its_size_is_read_whole(
    db: Database, clock: FixedClock, tmp_path: Path, dimension: bytes
) -> None:
    import re

    good = _workbook(tmp_path / "good.xlsx", [("Calls", _calls_sheet())])
    odd = tmp_path / "calls.xlsx"
    with zipfile.ZipFile(good) as original, zipfile.ZipFile(odd, "w") as out:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb"<dimension [^>]*/>", dimension, data)
                assert n == 1
            out.writestr(item, data)
    profile = _profile(tmp_path)
    ctx = _ctx(db, clock)
    expected = import_file(ctx, good, profile, dry_run=True)
    summary = import_file(ctx, odd, profile, dry_run=True)
    assert _counts(summary) == _counts(expected)
    assert summary.total_rows == 9
