"""Benchmark: importing a 1,000,000-row Excel workbook (.xlsx), against the same rows
imported from CSV.

Generates a CSV in the San Diego export's layout (``bench_import.generate``, every row an
RCRP call type, address columns included) and the same rows as a workbook, written with
xlsxwriter's ``constant_memory`` mode: received times as Excel date-time cells, the
numeric columns as numbers, the rest as text. Each file is then imported with the
shipped ``san-diego`` profile into a fresh migrated SQLite database, in a child process
of its own, which reports its seconds, CPU seconds and peak resident memory (the
kernel's ``VmHWM`` for that process). The anchor is the CSV import in the same run.
The two databases must hold the same decisions (CAD reference, received instant,
category, outcome, grade), which the script checks.

Target (issue 18): the workbook's import peaks under 200 MB.

``constant_memory`` writes each text cell in line. Excel itself keeps every distinct
text in one shared-strings table, which is read whole when the workbook is opened (a
distinct CAD reference on every row makes it a million entries); ``--shared-strings``
writes the workbook that way instead (a minimal writer of the same cells and formats,
as xlsxwriter could only do it holding every row in memory), the harder case.

Run: ``python bench/bench_import_xlsx.py [--rows N] [--shared-strings] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import HEADER, generate, peak_resident_kb

TARGET_MB = 200
#: Columns written as numbers in the workbook (an export's numeric columns).
NUMERIC = {"day_of_week", "address_number_primary", "beat", "priority"}


def build_workbook(source: Path, dest: Path) -> None:
    """The CSV's rows as a workbook, streamed (``constant_memory``): one row in memory."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(dest), {"constant_memory": True})
    sheet = book.add_worksheet("Calls")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    received = HEADER.index("date_time")
    numeric = [i for i, name in enumerate(HEADER) if name in NUMERIC]
    with source.open(encoding="utf-8", newline="") as inp:
        reader = csv.reader(inp)
        sheet.write_row(0, 0, next(reader))
        for r, row in enumerate(reader, start=1):
            cells: list[object] = list(row)
            for i in numeric:
                if row[i]:
                    cells[i] = int(row[i])
            for c, value in enumerate(cells):
                if c == received:
                    moment = datetime.strptime(row[c], "%Y-%m-%d %H:%M:%S")
                    sheet.write_datetime(r, c, moment, when)
                elif value != "":
                    sheet.write(r, c, value)
    book.close()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        '<sheet name="Calls" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
        'formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><fonts count="1"><font><sz val="11"/>'
        '<name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill '
        'patternType="none"/></fill></fills><borders count="1"><border><left/><right/>'
        '<top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
        'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs '
        'count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf '
        'numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/></cellXfs></styleSheet>'
    ),
}


def build_shared_strings_workbook(source: Path, dest: Path) -> None:
    """The same cells as ``build_workbook``, every text in a shared-strings table as
    Excel saves it; the sheet is streamed into the zip, the table written after it."""
    import zipfile
    from xml.sax.saxutils import escape

    epoch = datetime(1899, 12, 30)
    received = HEADER.index("date_time")
    numeric = {i for i, name in enumerate(HEADER) if name in NUMERIC}
    letters = [chr(ord("A") + i) for i in range(len(HEADER))]
    strings: dict[str, int] = {}

    def text_cell(ref: str, value: str) -> str:
        index = strings.setdefault(value, len(strings))
        return f'<c r="{ref}" t="s"><v>{index}</v></c>'

    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in _PARTS.items():
            book.writestr(name, text)
        with (
            source.open(encoding="utf-8", newline="") as inp,
            book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as raw,
        ):
            raw.write(f'<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            for r, row in enumerate(csv.reader(inp), start=1):
                cells = []
                for c, value in enumerate(row):
                    ref = f"{letters[c]}{r}"
                    if value == "":
                        continue
                    if r > 1 and c == received:
                        moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
                        serial = (moment - epoch).total_seconds() / 86400
                        cells.append(f'<c r="{ref}" s="1"><v>{serial!r}</v></c>')
                    elif r > 1 and c in numeric:
                        cells.append(f'<c r="{ref}"><v>{int(value)}</v></c>')
                    else:
                        cells.append(text_cell(ref, value))
                raw.write(f'<row r="{r}">{"".join(cells)}</row>'.encode())
            raw.write(b"</sheetData></worksheet>")
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as raw:
            count = len(strings)
            raw.write(f'<sst xmlns="{_MAIN}" count="{count}" uniqueCount="{count}">'.encode())
            for value in strings:
                raw.write(f"<si><t>{escape(value)}</t></si>".encode())
            raw.write(b"</sst>")


def child(path: Path, db_path: Path) -> None:
    """Run in a fresh interpreter: migrate, import, print seconds and peak memory."""
    from rcrp_tui.importing.cad import import_file
    from rcrp_tui.importing.profile import shipped_profile
    from rcrp_tui.services.core.context import DEMO_BUILDER, Ctx
    from rcrp_tui.storage import schema
    from rcrp_tui.storage.db import Database

    db = Database(f"sqlite:///{db_path}")
    schema.upgrade(db)
    profile = shipped_profile("san-diego")
    began, cpu = time.perf_counter(), time.process_time()
    summary = import_file(Ctx(db, DEMO_BUILDER), path, profile)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(
        f"{seconds:.3f} {cpu:.3f} {peak_resident_kb()} {summary.total_rows} "
        f"{summary.inserted} {summary.rejected} {summary.skipped}"
    )


def run_child(path: Path, db_path: Path) -> tuple[float, float, int, tuple[int, ...]]:
    command = [sys.executable, __file__, "--child", str(path), str(db_path)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]), tuple(int(n) for n in out[3:7])


def decisions_digest(db_path: Path) -> str:
    """A digest of every stored decision's imported values, in CAD reference order."""
    digest = hashlib.sha256()
    conn = sqlite3.connect(db_path)
    rows = conn.execute(
        "SELECT cad_ref, received_at, category, outcome, grade FROM decisions ORDER BY cad_ref"
    )
    for row in rows:
        digest.update(repr(row).encode())
    conn.close()
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    parser.add_argument(
        "--shared-strings",
        action="store_true",
        help="texts in a shared-strings table, as Excel saves them (default: xlsxwriter's "
        "constant_memory, texts in line)",
    )
    parser.add_argument("--child", nargs=2, metavar=("FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="rcrp-bench-xlsx-"))
    work.mkdir(parents=True, exist_ok=True)
    for stale in work.glob("*.db*"):
        stale.unlink()
    try:
        text, book = work / "calls.csv", work / "calls.xlsx"
        began = time.perf_counter()
        generate(text, args.rows)
        if args.shared_strings:
            build_shared_strings_workbook(text, book)
        else:
            build_workbook(text, book)
        how = "shared strings" if args.shared_strings else "xlsxwriter constant_memory"
        print(
            f"generated {args.rows:,} rows: CSV {text.stat().st_size / 1e6:.0f} MB, workbook "
            f"({how}) {book.stat().st_size / 1e6:.0f} MB, in "
            f"{time.perf_counter() - began:.1f} s",
            flush=True,
        )
        results = {}
        for name, path in (("csv", text), ("xlsx", book)):
            results[name] = run_child(path, work / f"{name}.db")
            seconds, cpu, peak_kb, counts = results[name]
            print(
                f"{name}: {seconds:.1f} s (CPU {cpu:.1f} s), peak {peak_kb / 1024:.0f} MB; "
                f"rows {counts[0]:,}, inserted {counts[1]:,}, rejected {counts[2]:,}, "
                f"skipped {counts[3]:,}",
                flush=True,
            )
        same = decisions_digest(work / "csv.db") == decisions_digest(work / "xlsx.db")
        (csv_s, csv_cpu, csv_kb, csv_counts) = results["csv"]
        (xl_s, xl_cpu, xl_kb, xl_counts) = results["xlsx"]
        print()
        print(f"{'':8}{'seconds':>10}{'CPU s':>10}{'peak MB':>10}")
        print(f"{'CSV':8}{csv_s:>10.1f}{csv_cpu:>10.1f}{csv_kb / 1024:>10.0f}   (anchor)")
        print(f"{'xlsx':8}{xl_s:>10.1f}{xl_cpu:>10.1f}{xl_kb / 1024:>10.0f}")
        print(
            f"xlsx / CSV: time {xl_s / csv_s:.2f}x, CPU {xl_cpu / csv_cpu:.2f}x, peak memory "
            f"{xl_kb / csv_kb:.2f}x"
        )
        print(
            f"same counts: {'yes' if xl_counts == csv_counts else 'NO'}; same decisions "
            f"stored: {'yes' if same else 'NO'}"
        )
        met = xl_kb / 1024 < TARGET_MB
        print(f"target: xlsx peak under {TARGET_MB} MB: {'met' if met else 'NOT met'}")
        print(
            f"RESULT import_xlsx_peak mb={xl_kb / 1024:.0f} anchor_mb={csv_kb / 1024:.0f} "
            f"target_mb={TARGET_MB}"
        )
        print(f"RESULT import_xlsx s={xl_s:.1f} anchor_s={csv_s:.1f}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
