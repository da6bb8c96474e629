"""The readiness report: Markdown, XLSX (opened with openpyxl) and PDF (opened with pypdf),
marked OFFICIAL-SENSITIVE, written owner-only and audited; and ``rcrp-tui readiness``."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from rcrp_tui.cli.main import main
from rcrp_tui.domain.readiness import ItemStatus
from rcrp_tui.services.core.errors import PermissionDenied, ValidationFailed
from rcrp_tui.services.readiness.checklist import ItemUpdate, readiness, update_item
from rcrp_tui.services.readiness.report import ReadinessFormat, render, write_report
from rcrp_tui.storage.db import Database
from tests.cli_helpers import as_user
from tests.readiness_helpers import PASSWORD, PHASE, Force, audit_actions, build_force


@pytest.fixture
def force(any_db: Database) -> Force:
    made = build_force(any_db)
    update_item(
        made.sup,
        PHASE,
        "media",
        ItemUpdate(ItemStatus.IN_PROGRESS, "Comms | lead", date(2026, 11, 1), "=Draft sent"),
    )
    return made


def test_markdown_is_marked_and_lists_blockers_first(force: Force) -> None:
    text = render(readiness(force.qa, PHASE), ReadinessFormat.MARKDOWN).decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "**OFFICIAL-SENSITIVE**" and lines[-1] == "**OFFICIAL-SENSITIVE**"
    assert "# Go-live readiness: phase 2, AWOL and walk out of healthcare facilities" in text
    assert "- Phase 2 goes live tomorrow" in text
    assert "- Phase 2 readiness: 0% (0 of 13 items done or met; 0 not applicable)." in text
    blockers = text.index("## What blocks go-live")
    every = text.index("## Every item")
    media = text.index("IN PROGRESS (OVERDUE)")
    assert blockers < media < every  # the overdue item is among the blockers
    # A pipe in someone's words cannot break the table.
    assert "Comms \\| lead" in text
    assert "✗ NOT MET" in text and "rcrp-tui training share --phase 2" in text


def test_the_workbook_opens_and_is_marked_on_every_sheet(force: Force, tmp_path: Path) -> None:
    path = write_report(force.qa, readiness(force.qa, PHASE), ReadinessFormat.XLSX, tmp_path)
    assert path.name == f"rcrp-readiness-phase2-{force.clock.now():%Y%m%d}.xlsx"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    book = load_workbook(path)
    assert book.sheetnames == ["Blocking go-live", "Every item"]
    for sheet in book.worksheets:
        assert sheet["A1"].value == "OFFICIAL-SENSITIVE"
        assert "OFFICIAL-SENSITIVE" in sheet.oddHeader.center.text
        assert "OFFICIAL-SENSITIVE" in sheet.oddFooter.center.text
    every = book["Every item"]
    values = [[c.value for c in row] for row in every.iter_rows()]
    header = values.index(
        ["Checklist", "Status", "Item", "Figure or evidence", "Owner", "Due", "Where"]
    )
    body = [r for r in values[header + 1 :] if r[0] in ("Phase 2", "Key milestones")]
    assert len(body) == 13 + 16
    media = next(r for r in body if r[2] == "Media considerations and draft media statement.")
    # Written as text: the "=" of someone's note is not a formula.
    assert media[1:5] == ["IN PROGRESS (OVERDUE)", media[2], "=Draft sent", "Comms | lead"]
    assert every.cell(row=header + 2, column=4).data_type == "s"
    assert audit_actions(force.db)[-1] == "readiness_report_exported"


def test_the_pdf_opens_and_every_page_is_marked(force: Force, tmp_path: Path) -> None:
    target = tmp_path / "board.pdf"
    path = write_report(force.sup, readiness(force.sup, PHASE), ReadinessFormat.PDF, target)
    assert path == target and stat.S_IMODE(path.stat().st_mode) == 0o600
    reader = PdfReader(path)
    assert len(reader.pages) >= 2
    for page in reader.pages:
        text = page.extract_text()
        assert text.count("OFFICIAL-SENSITIVE") >= 2, text[:200]
    whole = " ".join(p.extract_text() for p in reader.pages)
    assert "Go-live readiness: phase 2" in whole and "What blocks go-live" in whole
    assert "IN PROGRESS" in whole and "(OVERDUE)" in whole


def test_export_is_refused_to_a_floorwalker_and_to_a_missing_folder(
    force: Force, tmp_path: Path
) -> None:
    report = readiness(force.qa, PHASE)
    with pytest.raises(PermissionDenied):
        write_report(force.fw, report, ReadinessFormat.MARKDOWN, tmp_path)
    with pytest.raises(ValidationFailed, match="no such folder"):
        write_report(force.qa, report, ReadinessFormat.MARKDOWN, tmp_path / "nope" / "x.md")


def test_the_readiness_command(
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build_force(db)
    database = ["--database", str(db.url.database)]
    base = ["readiness", "--phase", "2", *database]
    assert main([*base, *as_user(monkeypatch, "qa", password=PASSWORD)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("**OFFICIAL-SENSITIVE**") and "What blocks go-live" in out

    folder = tmp_path / "board"
    folder.mkdir()
    for fmt in ("xlsx", "pdf"):
        args = [*base, "--format", fmt, "--output", str(folder)]
        assert main([*args, *as_user(monkeypatch, "sup", password=PASSWORD)]) == 0
        assert "(OFFICIAL-SENSITIVE)" in capsys.readouterr().err
    assert sorted(p.suffix for p in folder.iterdir()) == [".pdf", ".xlsx"]

    args = [*base, "--set-baseline", "2026-09-01", "2026-10-01"]
    assert main([*args, *as_user(monkeypatch, "sup", password=PASSWORD)]) == 0
    captured = capsys.readouterr()
    assert "Phase 2's KPI baseline is 2026-09-01 up to 2026-10-01" in captured.err
    assert "baseline" not in captured.out or "OFFICIAL-SENSITIVE" in captured.out

    assert main([*base, *as_user(monkeypatch, "fw", password=PASSWORD)]) == 2
    assert "A floorwalker may not see go-live readiness" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["readiness", "--phase", "12", *database])
    assert "phase '12' is not a phase number from 1 to 9" in capsys.readouterr().err
