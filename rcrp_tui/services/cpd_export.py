"""One officer's development record as a Markdown document marked OFFICIAL-SENSITIVE.

Markdown only: no PDF library is installed, and a Markdown file opens anywhere and can be
printed or converted by the force's own tools. The marking is the first and last line.
"""

from __future__ import annotations

from pathlib import Path

from rcrp_tui.domain.coaching import LOCAL_ZONE
from rcrp_tui.services.context import Ctx
from rcrp_tui.services.cpd import OfficerRecord, officer_record
from rcrp_tui.services.errors import ValidationFailed

MARKING = "OFFICIAL-SENSITIVE"


def _cell(text: str) -> str:
    """Free text inside a table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|") or "—"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def record_markdown(record: OfficerRecord) -> str:
    """The record as Markdown, the protective marking at top and bottom."""
    at = record.generated_at.astimezone(LOCAL_ZONE)
    lines = [
        f"**{MARKING}**",
        "",
        f"# Development record: {record.staff_id}",
        "",
        f"Team: {record.team or '—'} · produced {at:%d %b %Y %H:%M} UK time",
        "",
        "## Reviews",
        "",
    ]
    if record.reviews:
        lines += ["| Submitted (UK) | CAD ref | Status | Score | Passed | Judgement |"]
        lines += ["| --- | --- | --- | --- | --- | --- |"]
        for r in record.reviews:
            lines.append(
                f"| {r.submitted_at.astimezone(LOCAL_ZONE):%d %b %Y} | {r.cad_ref} "
                f"| {r.status.label} | {'—' if r.score is None else f'{r.score:.0f}'} "
                f"| {'yes' if r.passed else 'NO'} "
                f"| {r.judgement.label if r.judgement else '—'} |"
            )
    else:
        lines.append("No reviews yet.")
    lines += ["", "## Criteria met, by month", ""]
    if record.trends:
        lines.append("| Criterion | " + " | ".join(record.months) + " | Overall |")
        lines.append("| --- " * (len(record.months) + 2) + "|")
        for t in record.trends:
            cells = [f"{m}/{a}" if a else "—" for _k, m, a in t.months]
            lines.append(f"| {t.code} | " + " | ".join(cells) + f" | {_pct(t.overall)} |")
    else:
        lines.append("No scored criteria in the last months.")
    lines += ["", "## Coaching notes", ""]
    if record.notes:
        for n in record.notes:
            due = n.follow_up_on.isoformat() if n.follow_up_on else "none"
            flag = " — OVERDUE" if n.overdue else ""
            lines += [
                f"### Note {n.id}: {n.theme.label} ({n.status.label}){flag}",
                "",
                f"- Written {n.created_at.astimezone(LOCAL_ZONE):%d %b %Y} by {_cell(n.author)}; "
                f"follow-up {due}; visibility {n.visibility.label.lower()}",
                f"- Criteria: {', '.join(n.criteria) or '—'}",
                f"- What went well: {_cell(n.went_well)}",
                f"- What to develop: {_cell(n.to_develop)}",
                f"- Agreed actions: {_cell(n.agreed_actions)}",
            ]
            if n.acknowledgement_comment:
                lines.append(f"- Officer's comment: {_cell(n.acknowledgement_comment)}")
            lines.append("")
    else:
        lines += ["No coaching notes.", ""]
    lines += ["## Open actions", ""]
    for n in record.open_actions:
        due = n.follow_up_on.isoformat() if n.follow_up_on else "no date"
        lines.append(f"- [ ] {_cell(n.agreed_actions)} (note {n.id}, follow up {due})")
    if not record.open_actions:
        lines.append("None.")
    lines += ["", f"**{MARKING}**", ""]
    return "\n".join(lines)


def export_record(ctx: Ctx, staff_id: str, folder: Path) -> Path:
    """Write ``cpd-<staff id>-<date>.md`` into ``folder`` (made if missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationFailed("Export folder", f"{folder} cannot be used: {exc}") from None
    record = officer_record(ctx, staff_id)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in record.staff_id)
    path = folder / f"cpd-{safe}-{record.generated_at.astimezone(LOCAL_ZONE):%Y%m%d}.md"
    path.write_text(record_markdown(record), encoding="utf-8")
    return path
