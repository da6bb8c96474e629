"""The subject access export as a PDF, OFFICIAL-SENSITIVE in the header and footer of
every page (imported only when a PDF is asked for: it loads fpdf2).

Each record is a short block of "field: value" lines rather than a table cell grid: a
2,000-character rationale or an audit row's JSON wraps across lines instead of making a
row taller than a page. Core font (Helvetica): Latin-1 only, as in ``cpd_pdf``.
"""

from __future__ import annotations

from collections.abc import Iterator

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from rcrp_tui.services.coaching.cpd_pdf import FONT, wrap
from rcrp_tui.services.core.export_marking import MARKING, latin1

_SIZES = {1: 15, 2: 12, 3: 11}


class _MarkedPdf(FPDF):
    def header(self) -> None:
        self.set_font(FONT, style="B", size=9)
        self.cell(0, 5, MARKING, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, style="B", size=9)
        self.cell(0, 5, f"{MARKING} - page {self.page_no()} of {{nb}}", align="C")


class PdfWriter:
    def __init__(self, title: str) -> None:
        self.pdf = _MarkedPdf(orientation="P", unit="mm", format="A4")
        self.pdf.set_title(latin1(title))
        self.pdf.set_auto_page_break(auto=True, margin=16)
        self.pdf.add_page()

    def _lines(self, text: str, height: float) -> None:
        pdf = self.pdf
        for line in wrap(pdf, latin1(text), pdf.epw - 2 * pdf.c_margin):
            pdf.cell(0, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, level: int, text: str) -> None:
        self.pdf.ln(2)
        self.pdf.set_font(FONT, style="B", size=_SIZES.get(level, 11))
        self._lines(text, 7)

    def paragraph(self, text: str) -> None:
        self.pdf.set_font(FONT, size=10)
        self._lines(text, 5)
        self.pdf.ln(1)

    def table(self, header: tuple[str, ...], rows: Iterator[tuple[str, ...]]) -> int:
        n = 0
        for row in rows:
            self.pdf.set_font(FONT, style="B", size=9)
            self._lines(f"{header[0]} {row[0]}", 4.5)
            self.pdf.set_font(FONT, size=9)
            for name, value in zip(header[1:], row[1:], strict=True):
                self._lines(f"{name}: {value}", 4.5)
            self.pdf.ln(1.5)
            n += 1
        if not n:
            self.paragraph("None.")
        return n

    def output(self) -> bytes:
        return bytes(self.pdf.output())
