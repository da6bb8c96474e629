"""One officer's development record as a PDF, OFFICIAL-SENSITIVE on every page.

Rendered with fpdf2 from the same blocks as the Markdown (``cpd_blocks.record_blocks``).
It uses a core PDF font (Helvetica), so nothing is downloaded or bundled and it works on a
machine without internet. Core fonts hold Latin-1 only: typographic characters are
replaced by their plain equivalents and anything else (an emoji, a non-Latin script, a
control character) by ``?``, so free text can never stop the export.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from rcrp_tui.services.coaching.cpd import OfficerRecord
from rcrp_tui.services.coaching.cpd_blocks import (
    Heading,
    Items,
    Paragraph,
    Table,
    record_blocks,
)
from rcrp_tui.services.core.export_marking import MARKING, latin1

FONT = "helvetica"
_HEADING_SIZES = {1: 16, 2: 13, 3: 11}


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` in the current font.

    fpdf2's own line breaking re-measures the line for every character, which takes
    seconds on a record full of 2,000-character notes; measuring each word once is
    linear. A word wider than a line is cut wherever it must be.
    """
    font = (pdf.font_family, pdf.font_style, pdf.font_size_pt)
    char_widths: dict[str, float] = {}

    def measure(chunk: str) -> float:
        # A core font has no kerning: a word is as wide as its characters, each measured
        # once (fpdf2's get_string_width is slow enough to dominate otherwise).
        total = 0.0
        for ch in chunk:
            known = char_widths.get(ch)
            if known is None:
                known = char_widths[ch] = _char_width(pdf, font, ch)
            total += known
        return total

    lines: list[str] = []
    current, used = "", 0.0
    space = measure(" ")
    for word in text.split(" "):
        size = measure(word)
        while size > width:  # a very long word: fill the line, carry the rest
            room = width - (used + space if current else 0.0)
            cut = 0
            taken = 0.0
            while cut < len(word):
                step = measure(word[cut])
                if taken + step > room:
                    break
                taken += step
                cut += 1
            if cut == 0 and current:
                lines.append(current)
                current, used = "", 0.0
                continue
            cut = max(cut, 1)
            lines.append(f"{current} {word[:cut]}" if current else word[:cut])
            current, used = "", 0.0
            word = word[cut:]
            size = measure(word)
        if current and used + space + size > width:
            lines.append(current)
            current, used = word, size
        elif current:
            current, used = f"{current} {word}", used + space + size
        else:
            current, used = word, size
    lines.append(current)
    return lines


_WIDTHS: dict[tuple[str, str, float, str], float] = {}


def _char_width(pdf: FPDF, font: tuple[str, str, float], ch: str) -> float:
    key = (*font, ch)
    if key not in _WIDTHS:
        _WIDTHS[key] = pdf.get_string_width(ch)
    return _WIDTHS[key]


def _lines(pdf: FPDF, text: str, height: float) -> None:
    # cell() pads its text by c_margin on both sides.
    for line in wrap(pdf, text, pdf.epw - 2 * pdf.c_margin):
        pdf.cell(0, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


class _MarkedPdf(FPDF):
    """A4 pages with the protective marking in the header and the footer of every page."""

    def header(self) -> None:
        self.set_font(FONT, style="B", size=9)
        self.cell(0, 5, MARKING, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, style="B", size=9)
        self.cell(0, 5, f"{MARKING} - page {self.page_no()} of {{nb}}", align="C")


def record_pdf(record: OfficerRecord) -> bytes:
    """The record as PDF bytes (same content as ``record_markdown``)."""
    pdf = _MarkedPdf(orientation="P", unit="mm", format="A4")
    pdf.set_title(latin1(f"Development record: {record.staff_id}"))
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    for block in record_blocks(record):
        if isinstance(block, Heading):
            pdf.ln(2)
            pdf.set_font(FONT, style="B", size=_HEADING_SIZES.get(block.level, 11))
            _lines(pdf, latin1(block.text), 7)
        elif isinstance(block, Paragraph):
            pdf.set_font(FONT, size=10)
            _lines(pdf, latin1(block.text), 5)
        elif isinstance(block, Table):
            pdf.set_font(FONT, size=8)
            with pdf.table(line_height=4.5, text_align="LEFT") as table:
                for cells in (block.header, *block.rows):
                    row = table.row()
                    for cell in cells:
                        row.cell(latin1(cell))
        elif isinstance(block, Items):
            pdf.set_font(FONT, size=10)
            bullet = "[ ] " if block.checklist else "- "
            for item in block.items:
                _lines(pdf, latin1(bullet + item), 5)
        pdf.ln(1)
    return bytes(pdf.output())
