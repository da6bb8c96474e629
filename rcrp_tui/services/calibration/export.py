"""A session's results as Markdown, CSV or an XLSX workbook, marked OFFICIAL-SENSITIVE.

The same tables feed every format (``tables``): the overall figures, each criterion's
figures, and the critical criteria the graders split on. Writing a file is audited.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from rcrp_tui.domain.calibration.agreement import Estimate, too_few_words
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.services.calibration.results import AgreementFigures, SessionResults
from rcrp_tui.services.calibration.sessions import require_reader
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.export_files import write_export
from rcrp_tui.services.core.export_marking import MARKING, csv_safe, md_cell

Cell = str | int | float | None


class ResultsFormat(StrEnum):
    MARKDOWN = "md"
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class Table:
    key: str  # a sheet name: at most 31 characters
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _estimate_cells(e: Estimate) -> tuple[Cell, ...]:
    """Value, 95% low and high, units, ratings and note. A figure from too few units has
    no interval: both ends say "too few to judge (n=…)" instead of being left blank."""
    low: Cell = _r(e.low)
    high: Cell = _r(e.high)
    if e.too_few:
        low = high = too_few_words(e)
    return (_r(e.value), low, high, e.n_units, e.n_ratings, e.note)


def _row(label: str, e: Estimate) -> tuple[Cell, ...]:
    return (label, *_estimate_cells(e))


ESTIMATE_COLUMNS = ("Statistic", "Value", "95% low", "95% high", "Units", "Ratings", "Note")


def _figures_rows(f: AgreementFigures) -> tuple[tuple[Cell, ...], ...]:
    return (
        _row("Raw agreement", f.raw),
        _row("Fleiss' kappa", f.fleiss),
        _row("Krippendorff's alpha (ordinal)", f.alpha),
        _row("Gwet's AC1", f.ac1),
        *(
            _row(f"Cohen's kappa: {p.a.display_name} / {p.b.display_name}", p.estimate)
            for p in f.cohen
        ),
        *(
            _row(f"Agreement with reference: {g.grader.display_name}", g.estimate)
            for g in f.with_reference
        ),
    )


def _criterion_rows(f: AgreementFigures) -> list[tuple[Cell, ...]]:
    rows = [
        _row("Raw agreement", f.raw),
        _row("Fleiss' kappa", f.fleiss),
        _row("Krippendorff's alpha (ordinal)", f.alpha),
        _row("Gwet's AC1", f.ac1),
    ]
    if f.divergence:
        rows.append(("Kappa and AC1 differ", *([None] * 5), f.divergence))
    return rows


def header_lines(results: SessionResults) -> list[str]:
    s = results.session
    return [
        f"Calibration session {s.id}: {s.title}",
        f"Toolkit {s.toolkit_key} {s.toolkit_version}; {s.status.value}; "
        f"{s.decisions} decisions; graders: " + ", ".join(g.display_name for g in results.graders),
        f"Reference answers set for {results.references_set} of {results.references_needed} "
        "criteria.",
        *([f"Note: {results.overall.divergence}"] if results.overall.divergence else []),
        "Calibration scores test the graders; they are not reviews of any contact officer.",
    ]


def tables(results: SessionResults) -> list[Table]:
    overall = Table(
        "Overall", "Agreement over every criterion", ESTIMATE_COLUMNS,
        _figures_rows(results.overall),
    )  # fmt: skip
    by_criterion = Table(
        "By criterion",
        "Agreement per criterion, with 95% intervals and the units and ratings behind each",
        ("Criterion", "Critical", *ESTIMATE_COLUMNS),
        tuple(
            (c.code, "CRITICAL" if c.critical else "", *row)
            for c in results.criteria
            for row in _criterion_rows(c.figures)
        ),
    )
    critical = Table(
        "Critical disagreements",
        "Critical criteria the graders split on, one by one",
        ("CAD reference", "Criterion", *(g.display_name for g in results.graders), "Reference"),
        tuple(
            (
                d.cad_ref,
                d.code,
                *((a.label if a else "no answer") for _, a in d.answers),
                d.reference.described if d.reference else "not set",
            )
            for d in results.critical_disagreements
        ),
    )
    return [overall, by_criterion, critical]


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def to_markdown(results: SessionResults) -> str:
    out = [f"**{MARKING}**", ""]
    out += [f"{line}  " for line in header_lines(results)]
    for t in tables(results):
        out += ["", f"## {t.title}", ""]
        if not t.rows:
            out.append("None.")
            continue
        out.append("| " + " | ".join(md_cell(c) for c in t.columns) + " |")
        out.append("|" + " --- |" * len(t.columns))
        for row in t.rows:
            out.append("| " + " | ".join(md_cell(_text(v)) for v in row) + " |")
    out += ["", f"**{MARKING}**", ""]
    return "\n".join(out)


def to_csv(results: SessionResults) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([MARKING])
    for line in header_lines(results):
        w.writerow([csv_safe(line)])
    for t in tables(results):
        w.writerow([])
        w.writerow([csv_safe(t.title)])
        w.writerow([csv_safe(c) for c in t.columns])
        for row in t.rows:
            w.writerow([csv_safe(_text(v)) if isinstance(v, str) else _text(v) for v in row])
    w.writerow([])
    w.writerow([MARKING])
    return buf.getvalue()


def to_xlsx(results: SessionResults) -> bytes:
    from xlsxwriter import Workbook  # only for this format

    out = io.BytesIO()
    book = Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    marking = book.add_format({"bold": True, "font_color": "#C00000"})
    heading = book.add_format({"bold": True, "bottom": 1, "text_wrap": True})
    for t in tables(results):
        sheet = book.add_worksheet(t.key[:31])
        sheet.set_header(f"&C&B{MARKING}")
        sheet.set_footer(f"&C{MARKING}  &P / &N")
        sheet.write_string(0, 0, MARKING, marking)
        sheet.write_string(1, 0, t.title, bold)
        row = 2
        for line in header_lines(results):
            sheet.write_string(row, 0, line)
            row += 1
        row += 1
        for col, name in enumerate(t.columns):
            sheet.write_string(row, col, name, heading)
        for values in t.rows:
            row += 1
            for col, value in enumerate(values):
                if value is None:
                    sheet.write_blank(row, col, None)
                elif isinstance(value, int | float):
                    sheet.write_number(row, col, value)
                else:
                    sheet.write_string(row, col, value)
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, max(1, len(t.columns) - 1), 14)
    book.close()
    return out.getvalue()


def render(results: SessionResults, fmt: ResultsFormat) -> bytes:
    if fmt is ResultsFormat.MARKDOWN:
        return to_markdown(results).encode("utf-8")
    if fmt is ResultsFormat.CSV:
        return to_csv(results).encode("utf-8")
    return to_xlsx(results)


def default_name(results: SessionResults, fmt: ResultsFormat) -> str:
    return f"rcrp-calibration-{results.session.id}.{fmt.value}"


def write_results(ctx: Ctx, results: SessionResults, fmt: ResultsFormat, path: Path | str) -> Path:
    """Write the results to ``path`` (a folder gets the default name), owner-only; audit it."""
    require_reader(ctx)
    target, size = write_export(path, default_name(results, fmt), lambda: render(results, fmt))
    permission = (
        Permission.RUN_CALIBRATION
        if ctx.actor.role.value == "qa_lead"
        else Permission.GRADE_CALIBRATION
    )
    with ctx.writing(permission) as session:
        audit.record(
            session,
            ctx,
            "calibration_results_exported",
            "calibration_session",
            results.session.id,
            after={"file": str(target), "format": fmt.value, "bytes": size},
        )
    return target
