"""One officer's development record as a PDF, OFFICIAL-SENSITIVE on every page.

Rendered with fpdf2 from the same blocks as the Markdown (``cpd_export.record_blocks``).
It uses a core PDF font (Helvetica), so nothing is downloaded or bundled and it works on a
machine without internet. Core fonts hold Latin-1 only: typographic characters are
replaced by their plain equivalents and anything else (an emoji, a non-Latin script, a
control character) by ``?``, so free text can never stop the export.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from rcrp_tui.services.cpd import OfficerRecord
from rcrp_tui.services.cpd_export import (
    MARKING,
    Heading,
    Items,
    Paragraph,
    Table,
    record_blocks,
)

FONT = "helvetica"
_PLAIN = str.maketrans(
    {
        "\u2014": "-",
        "\u2013": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u2022": "*",
        "\u2713": "yes",
        "\u2717": "no",
        "\u00a0": " ",
    }
)
_HEADING_SIZES = {1: 16, 2: 13, 3: 11}


def latin1(text: str) -> str:
    """``text`` as the core font can draw it: Latin-1, no control characters."""
    plain = text.translate(_PLAIN)
    cleaned = "".join(
        "?" if (ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0) and ch != "\n" else ch for ch in plain
    )
    return cleaned.encode("latin-1", "replace").decode("latin-1")


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
            pdf.multi_cell(0, 7, latin1(block.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        elif isinstance(block, Paragraph):
            pdf.set_font(FONT, size=10)
            pdf.multi_cell(0, 5, latin1(block.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
                pdf.multi_cell(0, 5, latin1(bullet + item), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    return bytes(pdf.output())
