"""The KPI report in every format, read back: marking, period, coverage, method, figures.

The fixture's rota name is hostile on purpose (``=HYPERLINK(...) <b>...</b> & [go-live]``):
HTML must escape it, CSV must neutralise it and XLSX must store it as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.kpis import figures as kpis
from rcrp_tui.services.kpis import report as reports
from rcrp_tui.services.kpis.figures import KpiReport
from rcrp_tui.services.kpis.report import MARKING, ReportFormat
from tests import kpi_fixture
from tests.conftest import FIXED_NOW, _sqlite
from tests.kpi_fixture import BASELINE, PERIOD, ROTA_NAME, KpiData


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KpiData]:
    dbs = _sqlite(tmp_path_factory.mktemp("reports"))
    db = next(dbs)
    yield kpi_fixture.build(db, FixedClock(FIXED_NOW))
    db.dispose()


@pytest.fixture(scope="module")
def report(data: KpiData) -> KpiReport:
    return kpis.compute(data.qa, PERIOD, BASELINE)


def test_markdown_has_marking_period_coverage_method_and_the_flag(report: KpiReport) -> None:
    text = reports.to_markdown(report)
    lines = text.strip().splitlines()
    assert lines[0] == f"**{MARKING}**" and lines[-1] == f"**{MARKING}**"
    assert "Period: 16 Nov 2026 to 29 Nov 2026 (14 days)" in text
    assert "Baseline: 2 Nov 2026 to 15 Nov 2026 (14 days)" in text
    assert "Decisions in period: 6 (first 2026-11-17 09:00 London" in text
    assert "| SHOULD HAVE DEPLOYED | 1 | 25.0 |" in text
    assert "Wilson 95% confidence interval" in text
    assert "| Medical incident | 2 | 1 | 50.0 | 2 | 2 | 100.0 | -50.0 |" in text


def test_html_escapes_every_text(report: KpiReport) -> None:
    page = reports.to_html(report)
    assert "<b>Phase 1</b>" not in page
    assert "&lt;b&gt;Phase 1&lt;/b&gt; &amp; [go-live]" in page
    assert page.count(MARKING) >= 2 and "<title>" in page


def test_csv_is_one_tidy_file_with_formulas_neutralised(report: KpiReport) -> None:
    rows = list(csv.reader(io.StringIO(reports.to_csv(report))))
    assert rows[0] == [MARKING] and rows[-1] == [MARKING]
    assert rows[1] == ["section", "row", "measure", "value"]
    assert ["Summary", "Deployment rate %", "Period", "50.0"] in rows
    assert ["Report", "Period", "", "16 Nov 2026 to 29 Nov 2026 (14 days)"] in rows
    rota_cells = [r[1] for r in rows[2:-1] if "HYPERLINK" in r[1]]
    assert rota_cells and all(cell.startswith("'=") for cell in rota_cells)
    assert not any(cell[:1] in "=+@" for r in rows for cell in r if cell)
    # A negative figure stays a number; any other cell starting with "-" is neutralised.
    assert ["Deployment by category", "Medical incident", "Change (points)", "-50.0"] in rows
    negatives = [cell for r in rows for cell in r if cell.startswith("-")]
    assert negatives and all(float(cell) < 0 for cell in negatives)


def test_xlsx_has_a_marked_sheet_per_section(report: KpiReport, tmp_path: Path) -> None:
    path = tmp_path / "kpis.xlsx"
    path.write_bytes(reports.render(report, ReportFormat.XLSX))
    book = load_workbook(path)
    keys = [s.key for s in reports.sections(report)]
    assert book.sheetnames == keys
    for sheet in book.worksheets:
        assert sheet["A1"].value == MARKING
        assert MARKING in (sheet.oddHeader.center.text or "")
        assert MARKING in (sheet.oddFooter.center.text or "")
        assert str(sheet["A3"].value).startswith("Period: 16 Nov 2026")
    rows = list(book["Deployment by category"].iter_rows(values_only=True))
    medical = next(r for r in rows if r[0] == "Medical incident")
    assert medical[1:4] == (2, 1, 50)
    rota = next(r for r in book["Floorwalking"].iter_rows() if r[0].value == ROTA_NAME)
    assert rota[0].data_type == "s"  # text, never a formula
    judgements = list(book["Judgement mix"].iter_rows(values_only=True))
    flagged = next(r for r in judgements if r[-1] == "SAFETY-CRITICAL")
    assert flagged[:2] == ("SHOULD HAVE DEPLOYED", 1)


def test_pdf_is_marked_on_every_page(report: KpiReport, tmp_path: Path) -> None:
    path = tmp_path / "kpis.pdf"
    path.write_bytes(reports.render(report, ReportFormat.PDF))
    pages = PdfReader(path).pages
    assert len(pages) >= 2
    texts = [p.extract_text() for p in pages]
    assert all(MARKING in t for t in texts)
    whole = "\n".join(texts)
    assert "KPI report" in whole and "Period: 16 Nov 2026" in whole and "Wilson" in whole


def test_write_report_to_a_folder_uses_the_period_name_and_is_audited(
    data: KpiData, report: KpiReport, tmp_path: Path
) -> None:
    written = reports.write_report(data.qa, report, ReportFormat.MARKDOWN, tmp_path)
    assert written == tmp_path / "rcrp-kpis-20261116-20261129.md"
    assert written.read_text(encoding="utf-8").startswith(f"**{MARKING}**")
    (entry,) = audit.entries(data.qa, entity="kpi_report", limit=1)
    assert entry.action == "kpi_report_exported" and entry.after is not None
    assert entry.after["file"] == str(written) and entry.after["format"] == "md"


def test_write_report_refuses_a_folder_that_does_not_exist(
    data: KpiData, report: KpiReport, tmp_path: Path
) -> None:
    with pytest.raises(ValidationFailed, match="no such folder"):
        reports.write_report(data.qa, report, ReportFormat.CSV, tmp_path / "nope" / "r.csv")
    # Typed with its slash, a missing folder is refused, not written as a file of its name.
    with pytest.raises(ValidationFailed, match="no such folder"):
        reports.write_report(data.qa, report, ReportFormat.CSV, f"{tmp_path / 'nosuch'}/")
    assert not (tmp_path / "nosuch").exists()
