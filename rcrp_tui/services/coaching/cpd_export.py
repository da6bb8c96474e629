"""One officer's development record as a Markdown or PDF document marked OFFICIAL-SENSITIVE.

The record is laid out once, as plain blocks (headings, paragraphs, tables, lists), and
each format renders the same blocks, so the Markdown and the PDF always say the same
thing. The Markdown carries the marking on its first and last lines; the PDF in the
header and footer of every page (``cpd_pdf``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from rcrp_tui.domain.coaching import LOCAL_ZONE
from rcrp_tui.private_files import make_private_folder, write_private
from rcrp_tui.services.coaching.cpd import OfficerRecord, officer_record
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


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Items:
    """A bulleted list, or a checklist of open actions."""

    items: tuple[str, ...]
    checklist: bool = False


Block = Heading | Paragraph | Table | Items


def one_line(text: str) -> str:
    """Free text on one line (a table cell, a list item); an em dash when empty."""
    return " ".join(text.split()) or "\u2014"


def _pct(value: float | None) -> str:
    return "\u2014" if value is None else f"{value:.0%}"


def record_blocks(record: OfficerRecord) -> list[Block]:
    """The record's content, in order, without the protective marking."""
    at = record.generated_at.astimezone(LOCAL_ZONE)
    dash = "\u2014"
    blocks: list[Block] = [
        Heading(1, f"Development record: {record.staff_id}"),
        Paragraph(f"Team: {record.team or dash} \u00b7 produced {at:%d %b %Y %H:%M} UK time"),
        Heading(2, "Reviews"),
    ]
    if record.reviews:
        rows = tuple(
            (
                f"{r.submitted_at.astimezone(LOCAL_ZONE):%d %b %Y}",
                r.cad_ref,
                r.status.label,
                dash if r.score is None else f"{r.score:.0f}",
                r.verdict_words,
                r.judgement.label if r.judgement else dash,
            )
            for r in record.reviews
        )
        header = ("Submitted (UK)", "CAD ref", "Status", "Score", "Verdict", "Judgement")
        blocks.append(Table(header, rows))
    else:
        blocks.append(Paragraph("No reviews yet."))
    blocks.append(Heading(2, "Criteria met, by month"))
    if record.trends:
        trend_rows = tuple(
            (
                t.code,
                *(f"{m}/{a}" if a else dash for _k, m, a in t.months),
                _pct(t.overall),
            )
            for t in record.trends
        )
        blocks.append(Table(("Criterion", *record.months, "Overall"), trend_rows))
    else:
        blocks.append(Paragraph("No scored criteria in the last months."))
    blocks.append(Heading(2, "Coaching notes"))
    for n in record.notes:
        due = n.follow_up_on.isoformat() if n.follow_up_on else "none"
        flag = " \u2014 OVERDUE" if n.overdue else ""
        blocks.append(Heading(3, f"Note {n.id}: {n.theme.label} ({n.status.label}){flag}"))
        items = [
            f"Written {n.created_at.astimezone(LOCAL_ZONE):%d %b %Y} by {one_line(n.author)}; "
            f"follow-up {due}; visibility {n.visibility.label.lower()}",
            f"Criteria: {', '.join(n.criteria) or dash}",
            f"What went well: {one_line(n.went_well)}",
            f"What to develop: {one_line(n.to_develop)}",
            f"Agreed actions: {one_line(n.agreed_actions)}",
        ]
        if n.acknowledgement_comment:
            items.append(f"Officer's comment: {one_line(n.acknowledgement_comment)}")
        blocks.append(Items(tuple(items)))
    if not record.notes:
        blocks.append(Paragraph("No coaching notes."))
    blocks.append(Heading(2, "Open actions"))
    actions = tuple(
        f"{one_line(n.agreed_actions)} (note {n.id}, follow up "
        f"{n.follow_up_on.isoformat() if n.follow_up_on else 'no date'})"
        for n in record.open_actions
    )
    blocks.append(Items(actions, checklist=True) if actions else Paragraph("None."))
    return blocks


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
