"""The readiness report as an XLSX workbook (xlsxwriter) and a PDF (fpdf2).

Each library is imported inside its function, so nothing else pays for it. The workbook has
a sheet of what blocks go-live and a sheet of every item; each carries OFFICIAL-SENSITIVE
as its top row and in its printed header and footer. Every PDF page carries it at the top
and the bottom. Text is written as text (``write_string``), never as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from rcrp_tui.services.core.export_marking import MARKING, latin1
from rcrp_tui.services.readiness.checklist import ReadinessReport
from rcrp_tui.services.readiness.report_sections import COLUMNS, Row, header_lines, rows, title

_WIDTHS = (16, 22, 60, 60, 18, 12, 30)


def _cells(r: Row) -> tuple[str, ...]:
    return (r.checklist, r.status, r.item, r.figure, r.owner, r.due, r.where)


def to_xlsx(report: ReadinessReport) -> bytes:
    """Two sheets, "Blocking go-live" and "Every item", headed by the marking."""
    from xlsxwriter import Workbook

    out = io.BytesIO()
    book = Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    marking = book.add_format({"bold": True, "font_color": "#C00000"})
    heading = book.add_format({"bold": True, "bottom": 1, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    blockers, everything = rows(report)
    for name, body in (("Blocking go-live", blockers), ("Every item", everything)):
        sheet: Any = book.add_worksheet(name)
        sheet.set_header(f"&C&B{MARKING}")
        sheet.set_footer(f"&C{MARKING}  &P / &N")
        sheet.write_string(0, 0, MARKING, marking)
        sheet.write_string(1, 0, title(report), bold)
        row = 2
        for line in header_lines(report):
            sheet.write_string(row, 0, line)
            row += 1
        row += 1
        for col, label in enumerate(COLUMNS):
            sheet.write_string(row, col, label, heading)
        first_data = row + 1
        for r in body:
            row += 1
            for col, value in enumerate(_cells(r)):
                sheet.write_string(row, col, value, wrap)
        if not body:
            sheet.write_string(row + 1, 0, "Nothing.")
        sheet.write_string(row + 3, 0, MARKING, marking)
        for col, width in enumerate(_WIDTHS):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(first_data, 0)
    book.close()
    return out.getvalue()


def to_pdf(report: ReadinessReport) -> bytes:
    """A landscape A4 document: the header lines, what blocks go-live, every item."""
    from fpdf import FPDF

    class MarkedPdf(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", "B", 9)
            self.cell(0, 5, MARKING, align="C", new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Helvetica", "B", 9)
            self.cell(0, 5, f"{MARKING}   page {self.page_no()}/{{nb}}", align="C")

    pdf = MarkedPdf(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, latin1(title(report)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for line in header_lines(report):
        pdf.multi_cell(0, 5, latin1(line), new_x="LMARGIN", new_y="NEXT")
    blockers, everything = rows(report)
    total = sum(_WIDTHS)
    widths = tuple(pdf.epw * w / total for w in _WIDTHS)
    for heading, body in (("What blocks go-live", blockers), ("Every item", everything)):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 6, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 7)
        _table(pdf, widths, body)
    return bytes(pdf.output())


def _table(pdf: Any, widths: Sequence[float], body: Sequence[Row]) -> None:
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=3.8) as table:
        table.row([latin1(c) for c in COLUMNS])
        for r in body:
            table.row([latin1(c) for c in _cells(r)])
        if not body:
            table.row(["Nothing."] + [""] * (len(COLUMNS) - 1))
