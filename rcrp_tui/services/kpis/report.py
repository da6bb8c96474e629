"""The KPI report for the programme board: Markdown, HTML, CSV, XLSX and PDF.

A ``KpiReport`` is laid out once as ``Section`` tables (``report_sections``); each format
renders those tables, so every format says the same thing. Every format carries the period,
the baseline, the data's coverage and the method, and is marked OFFICIAL-SENSITIVE on every
page or sheet (docs/domain-rules.md §9). Writing a report to a file is audited: it leaves
the system.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.export_files import write_export
from rcrp_tui.services.core.export_marking import MARKING, csv_safe, md_cell
from rcrp_tui.services.kpis.figures import KpiReport
from rcrp_tui.services.kpis.report_sections import (
    METHOD,
    TITLE,
    Section,
    cell_text,
    header_lines,
    sections,
)

__all__ = [
    "MARKING",
    "METHOD",
    "ReportFormat",
    "Section",
    "cell_text",
    "header_lines",
    "render",
    "sections",
    "to_csv",
    "to_html",
    "to_markdown",
    "write_report",
]


class ReportFormat(StrEnum):
    MARKDOWN = "md"
    HTML = "html"
    XLSX = "xlsx"
    CSV = "csv"
    PDF = "pdf"


def to_markdown(report: KpiReport) -> str:
    lines = [f"**{MARKING}**", "", f"# {TITLE}", ""]
    lines += [f"- {md_cell(line)}" for line in header_lines(report)]
    for s in sections(report):
        lines += ["", f"## {md_cell(s.title)}", ""]
        lines.append("| " + " | ".join(md_cell(c) for c in s.columns) + " |")
        lines.append("|" + "|".join(" --- " for _ in s.columns) + "|")
        lines += ["| " + " | ".join(md_cell(cell_text(v)) for v in row) + " |" for row in s.rows]
        if not s.rows:
            lines.append("| none |" + " |" * (len(s.columns) - 1))
        if s.note:
            lines += ["", md_cell(s.note)]
    lines += ["", f"**{MARKING}**", ""]
    return "\n".join(lines)


_HTML_STYLE = (
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #888;padding:.2em .5em}td.n{text-align:right}"
    ".marking{font-weight:bold;text-align:center;letter-spacing:.1em}"
    "@media print{.marking.top{position:fixed;top:0;width:100%}}"
)


def to_html(report: KpiReport) -> str:
    e = html.escape
    marking = f'<p class="marking top">{e(MARKING)}</p>'
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="en-GB"><head><meta charset="utf-8"><title>{e(TITLE)}</title>',
        f"<style>{_HTML_STYLE}</style></head><body>",
        marking,
        f"<h1>{e(TITLE)}</h1>",
        "<ul>" + "".join(f"<li>{e(line)}</li>" for line in header_lines(report)) + "</ul>",
    ]
    for s in sections(report):
        parts.append(f"<h2>{e(s.title)}</h2><table><thead><tr>")
        parts += [f"<th>{e(c)}</th>" for c in s.columns]
        parts.append("</tr></thead><tbody>")
        for row in s.rows:
            cells = (
                f'<td class="n">{e(cell_text(v))}</td>'
                if isinstance(v, int | float)
                else f"<td>{e(cell_text(v))}</td>"
                for v in row
            )
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table>")
        if s.note:
            parts.append(f"<p>{e(s.note)}</p>")
    parts += [f'<p class="marking">{e(MARKING)}</p>', "</body></html>", ""]
    return "\n".join(parts)


CSV_COLUMNS = ("section", "row", "measure", "value")


def to_csv(report: KpiReport) -> str:
    """One tidy file: a row per figure (section, row label, measure, value)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([MARKING])
    writer.writerow(CSV_COLUMNS)
    for line in header_lines(report):
        name, _, text = line.partition(": ")
        writer.writerow([csv_safe(v) for v in ("Report", name, "", text)])
    for s in sections(report):
        for row in s.rows:
            label = cell_text(row[0])
            for column, value in zip(s.columns[1:], row[1:], strict=True):
                # A figure is written as a number (a fall of 3 points stays -3.0); only text
                # can be read as a formula.
                shown = csv_safe(value) if isinstance(value, str) else cell_text(value)
                writer.writerow([*(csv_safe(v) for v in (s.title, label, column)), shown])
        if s.note:
            writer.writerow([csv_safe(v) for v in (s.title, "Note", "", s.note)])
    writer.writerow([MARKING])
    return out.getvalue()


def render(report: KpiReport, fmt: ReportFormat) -> bytes:
    """The report in ``fmt``, as the bytes of the file.

    The spreadsheet and PDF libraries are imported only for those formats: a Markdown,
    HTML or CSV report never pays for them (tests/test_import_weight.py).
    """
    text_formats: dict[ReportFormat, Callable[[KpiReport], str]] = {
        ReportFormat.MARKDOWN: to_markdown,
        ReportFormat.HTML: to_html,
        ReportFormat.CSV: to_csv,
    }
    if fmt in text_formats:
        return text_formats[fmt](report).encode("utf-8")
    from rcrp_tui.services.kpis import report_office

    if fmt is ReportFormat.XLSX:
        return report_office.to_xlsx(report, sections(report), header_lines(report))
    return report_office.to_pdf(report, sections(report), header_lines(report))


def default_name(report: KpiReport, fmt: ReportFormat) -> str:
    """E.g. ``rcrp-kpis-20261116-20261129.xlsx`` (first and last day of the period)."""
    p = report.period
    return f"rcrp-kpis-{p.first_day:%Y%m%d}-{p.last_day:%Y%m%d}.{fmt.value}"


def write_report(ctx: Ctx, report: KpiReport, fmt: ReportFormat, path: Path | str) -> Path:
    """Write the report to ``path`` (a folder gets the default name); audit the export.

    Typed text ending in a slash names a folder, which must exist (``Path`` would drop the
    slash and write a file named after the folder).
    """
    ctx.require(Permission.VIEW_KPIS)
    target, size = write_export(path, default_name(report, fmt), lambda: render(report, fmt))
    with ctx.writing(Permission.VIEW_KPIS) as session:
        audit.record(
            session,
            ctx,
            "kpi_report_exported",
            "kpi_report",
            f"{report.period.first_day}/{report.period.end_day}",
            after={"file": str(target), "format": fmt.value, "bytes": size},
        )
    return target
