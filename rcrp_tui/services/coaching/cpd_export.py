"""One officer's development record as a Markdown or PDF document marked OFFICIAL-SENSITIVE.

The record is laid out once, as plain blocks (headings, paragraphs, tables, lists), and
each format renders the same blocks, so the Markdown and the PDF always say the same
thing. The Markdown carries the marking on its first and last lines; the PDF in the
header and footer of every page (``cpd_pdf``). The blocks are in ``cpd_blocks``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from rcrp_tui.domain.coaching import LOCAL_ZONE
from rcrp_tui.private_files import make_private_folder, write_private
from rcrp_tui.services.coaching.cpd import OfficerRecord, officer_record
from rcrp_tui.services.coaching.cpd_blocks import (
    Block,
    Heading,
    Paragraph,
    Table,
    record_blocks,
)
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.core.export_marking import MARKING


class ExportFormat(StrEnum):
    """The file formats a development record exports to (the value is the file suffix)."""

    MARKDOWN = "md"
    PDF = "pdf"

    @property
    def label(self) -> str:
        return {"md": "Markdown (.md)", "pdf": "PDF (.pdf)"}[self.value]


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _markdown_block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + block.text, ""]
    if isinstance(block, Paragraph):
        return [block.text, ""]
    if isinstance(block, Table):
        lines = ["| " + " | ".join(block.header) + " |", "| --- " * len(block.header) + "|"]
        lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in block.rows]
        return [*lines, ""]
    mark = "- [ ] " if block.checklist else "- "
    return [mark + _md_escape(item) for item in block.items] + [""]


def record_markdown(record: OfficerRecord) -> str:
    """The record as Markdown, the protective marking at top and bottom."""
    lines = [f"**{MARKING}**", ""]
    for block in record_blocks(record):
        lines += _markdown_block(block)
    lines += [f"**{MARKING}**", ""]
    return "\n".join(lines)


def export_record(
    ctx: Ctx, staff_id: str, folder: Path, fmt: ExportFormat = ExportFormat.MARKDOWN
) -> Path:
    """Write ``cpd-<staff id>-<date>.md`` (or ``.pdf``) into ``folder`` (made if missing)."""
    try:
        make_private_folder(folder)
    except OSError as exc:
        raise ValidationFailed("Export folder", f"{folder} cannot be used: {exc}") from None
    record = officer_record(ctx, staff_id)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in record.staff_id)
    path = folder / f"cpd-{safe}-{record.generated_at.astimezone(LOCAL_ZONE):%Y%m%d}.{fmt.value}"
    try:
        if fmt is ExportFormat.PDF:
            # Imported here: fpdf2 is only loaded by someone who asks for a PDF.
            from rcrp_tui.services.coaching.cpd_pdf import record_pdf

            write_private(path, record_pdf(record))
        else:
            write_private(path, record_markdown(record))
    except OSError as exc:
        raise ValidationFailed("Export folder", f"{path} cannot be written: {exc}") from None
    return path
