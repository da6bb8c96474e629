"""The KPI report as an XLSX workbook (xlsxwriter) and a PDF (fpdf2).

The workbook has one sheet per section; every sheet carries OFFICIAL-SENSITIVE in its
printed header and footer and as its top row. Every PDF page carries it at the top and
the bottom. Text is written as text (``write_string``), so nothing in it becomes a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fpdf import FPDF
from xlsxwriter import Workbook

from rcrp_tui.services.core.export_marking import MARKING, latin1
from rcrp_tui.services.kpis.report_sections import TITLE, Section, cell_text

if TYPE_CHECKING:
    from rcrp_tui.services.kpis.figures import KpiReport


def to_xlsx(report: KpiReport, sections: Sequence[Section], header: Sequence[str]) -> bytes:
    """One sheet per section, headed by the marking, the title and the period."""
    out = io.BytesIO()
    book = Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    marking = book.add_format({"bold": True, "font_color": "#C00000"})
    heading = book.add_format({"bold": True, "bottom": 1, "text_wrap": True})
    for section in sections:
        sheet = book.add_worksheet(section.key[:31])
        sheet.set_header(f"&C&B{MARKING}")
        sheet.set_footer(f"&C{MARKING}  &P / &N")
        sheet.write_string(0, 0, MARKING, marking)
        sheet.write_string(1, 0, f"{TITLE}: {section.title}", bold)
        row = 2
        for line in header:
            sheet.write_string(row, 0, line)
            row += 1
        row += 1
        for col, name in enumerate(section.columns):
            sheet.write_string(row, col, name, heading)
        first_data = row + 1
        for values in section.rows:
            row += 1
            for col, value in enumerate(values):
                _cell(sheet, row, col, value)
        if section.note:
            sheet.write_string(row + 2, 0, section.note)
        sheet.set_column(0, 0, 34 if section.key != "Method" else 120)
        sheet.set_column(1, max(1, len(section.columns) - 1), 14)
        sheet.freeze_panes(first_data, 0)
    book.close()
    return out.getvalue()


def _cell(sheet: Any, row: int, col: int, value: object) -> None:
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))


class _MarkedPdf(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.cell(0, 5, MARKING, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "B", 9)
        self.cell(0, 5, f"{MARKING}   page {self.page_no()}/{{nb}}", align="C")


def to_pdf(report: KpiReport, sections: Sequence[Section], header: Sequence[str]) -> bytes:
    """A landscape A4 document: the header lines, then each section as a table."""
    pdf = _MarkedPdf(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, latin1(TITLE), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for line in header:
        pdf.multi_cell(0, 5, latin1(line), new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(0, 6, latin1(section.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)
        if section.key == "Method":
            for (note,) in section.rows:
                pdf.multi_cell(0, 4.5, latin1(f"- {note}"), new_x="LMARGIN", new_y="NEXT")
            continue
        widths = _widths(len(section.columns), pdf.epw)
        with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.5) as table:
            table.row([latin1(c) for c in section.columns])
            for values in section.rows:
                table.row([latin1(cell_text(v)) for v in values])
            if not section.rows:
                table.row(["none"] + [""] * (len(section.columns) - 1))
        if section.note:
            pdf.multi_cell(0, 5, latin1(section.note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _widths(columns: int, page_width: float) -> tuple[float, ...]:
    # The first column holds labels and questions: give it room, share out the rest.
    if columns == 1:
        return (page_width,)
    first = page_width * (0.34 if columns > 2 else 0.5)
    rest = (page_width - first) / (columns - 1)
    return (first, *([rest] * (columns - 1)))
