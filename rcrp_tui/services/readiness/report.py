"""The readiness report for the SRO's programme board: Markdown, XLSX or PDF, marked
OFFICIAL-SENSITIVE at the top and the bottom, written owner-only and audited.

Every format carries the same rows (``rows``): the phase's checklist, then the key
milestones; each with its status in words, the item, the figure or evidence, owner, due
date and where the figure lives. The spreadsheet and PDF libraries load only when those
formats are asked for.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.export_files import write_export
from rcrp_tui.services.core.export_marking import MARKING, md_cell
from rcrp_tui.services.readiness.checklist import ReadinessReport
from rcrp_tui.services.readiness.report_sections import COLUMNS, Row, header_lines, rows, title


class ReadinessFormat(StrEnum):
    MARKDOWN = "md"
    XLSX = "xlsx"
    PDF = "pdf"


def to_markdown(report: ReadinessReport) -> str:
    blockers, everything = rows(report)
    out = [f"**{MARKING}**", "", f"# {title(report)}", ""]
    out += [f"- {line}" for line in header_lines(report)]

    def table(heading: str, body: list[Row]) -> None:
        out.extend(["", f"## {heading}", ""])
        if not body:
            out.append("Nothing.")
            return
        out.append("| " + " | ".join(COLUMNS) + " |")
        out.append("|" + " --- |" * len(COLUMNS))
        for r in body:
            status = f"{r.symbol} {r.status}"
            cells = (r.checklist, status, r.item, r.figure, r.owner, r.due, r.where)
            out.append("| " + " | ".join(md_cell(c) for c in cells) + " |")

    table("What blocks go-live", blockers)
    table("Every item", everything)
    out += ["", f"**{MARKING}**", ""]
    return "\n".join(out)


def render(report: ReadinessReport, fmt: ReadinessFormat) -> bytes:
    """The report in ``fmt``, as the bytes of the file."""
    if fmt is ReadinessFormat.MARKDOWN:
        return to_markdown(report).encode("utf-8")
    from rcrp_tui.services.readiness import report_office

    if fmt is ReadinessFormat.XLSX:
        return report_office.to_xlsx(report)
    return report_office.to_pdf(report)


def default_name(report: ReadinessReport, fmt: ReadinessFormat) -> str:
    """E.g. ``rcrp-readiness-phase2-20261203.pdf``."""
    return f"rcrp-readiness-phase{report.phase}-{report.today:%Y%m%d}.{fmt.value}"


def write_report(ctx: Ctx, report: ReadinessReport, fmt: ReadinessFormat, path: Path | str) -> Path:
    """Write the report to ``path`` (a folder gets the default name), owner-only; audit it."""
    ctx.require(Permission.VIEW_READINESS)
    target, size = write_export(
        path, default_name(report, fmt), lambda: render(report, fmt), field="output"
    )
    with ctx.writing(Permission.VIEW_READINESS) as session:
        audit.record(
            session,
            ctx,
            "readiness_report_exported",
            "readiness_report",
            report.phase,
            after={"file": str(target), "format": fmt.value, "bytes": size},
        )
    return target
