"""One officer's development record laid out once, as plain blocks.

Headings, paragraphs, tables and lists, without the protective marking: the Markdown
(``cpd_export``) and the PDF (``cpd_pdf``) each render these same blocks, so they always
say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from rcrp_tui.domain.coaching import LOCAL_ZONE
from rcrp_tui.services.coaching.cpd import OfficerRecord


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
