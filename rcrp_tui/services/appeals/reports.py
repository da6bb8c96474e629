"""Appeal figures for leaders and partners, and their exports (CSV, Markdown).

All counting happens in SQL, grouped by Europe/London calendar month: the month
boundaries are worked out in Python (``domain.appeals.month_buckets``) and handed to the
database as one ``CASE`` expression, which both SQLite and PostgreSQL group by. Only the
received/decided times of *decided live 999 appeals* come back row by row, because a
median cannot be summed; the rates, median and 90th percentile are the pure functions in
``domain.appeals``. Exports carry the OFFICIAL-SENSITIVE marking (docs/domain-rules.md §9).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select, union_all

from rcrp_tui.domain.appeals import (
    AppealOutcome,
    AppealRoute,
    MonthBucket,
    PartnerType,
    PeriodCounts,
    PeriodFigures,
    combine,
    figures_for,
    format_rate,
    minutes_between,
    month_buckets,
    theme_label,
)
from rcrp_tui.domain.clock import ensure_utc
from rcrp_tui.domain.enums import Outcome
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.private_files import make_private_folder, write_private
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.core.export_marking import MARKING, csv_safe, md_cell
from rcrp_tui.services.decisions import day_counts
from rcrp_tui.storage.appeal_models import (
    appeal_themes_table,
    appeals_table,
    learning_actions_table,
)
from rcrp_tui.storage.models import decisions_table

MAX_MONTHS = 36
_A = appeals_table.c
_T = appeal_themes_table.c
_L = learning_actions_table.c
_D = decisions_table.c


@dataclass(frozen=True)
class OpenAction:
    action: str
    owner: str
    due: str


@dataclass(frozen=True)
class AppealFiguresReport:
    """Figures month by month and for the whole period."""

    date_from: datetime
    date_to: datetime
    months: tuple[PeriodFigures, ...]
    total: PeriodFigures
    open_actions: tuple[OpenAction, ...]


@dataclass(frozen=True)
class _Span:
    key: str
    start: datetime
    end: datetime


def _bucket(column: Any, buckets: list[MonthBucket]) -> ColumnElement[Any]:
    return case(*((column < b.end, b.key) for b in buckets), else_=None)


def _in_range(column: Any, date_from: datetime, date_to: datetime) -> ColumnElement[bool]:
    return and_(column >= date_from, column < date_to)


def figures(
    ctx: Ctx, date_from: datetime, date_to: datetime, *, use_counts: bool = True
) -> AppealFiguresReport:
    """Appeal figures for [date_from, date_to), by London month and in total.

    The not-deployed decisions per month are summed from the day counts when the months
    start and end on London midnights (``day_counts.covers``); otherwise, or with
    ``use_counts=False``, they are counted from the decisions (the same figures: tested).
    """
    ctx.require(Permission.VIEW_KPIS)
    try:
        start, end = ensure_utc(date_from), ensure_utc(date_to)
        buckets = month_buckets(start, end)
    except ValueError as exc:
        raise ValidationFailed("period", str(exc)) from None
    if len(buckets) > MAX_MONTHS:
        raise ValidationFailed("period", f"at most {MAX_MONTHS} months at a time")
    counts: dict[str, dict[str, Any]] = {
        b.key: {
            "partners": defaultdict(int),
            "themes": defaultdict(int),
            "minutes": [],
            "n": [0] * 6,
        }
        for b in buckets
    }
    a_month = _bucket(_A.received_at, buckets).label("month")
    decided = _A.outcome.is_not(None)

    def is_(outcome: AppealOutcome) -> ColumnElement[int]:
        return func.sum(case((_A.outcome == outcome.value, 1), else_=0))

    appeals_in_range = _in_range(_A.received_at, start, end)
    # The months as ``_bucket`` gives them: from ``start``, each to its end.
    spans = [
        _Span(b.key, max(start, buckets[i - 1].end) if i else start, min(b.end, end))
        for i, b in enumerate(buckets)
    ]
    with ctx.db.read() as session:
        if use_counts and day_counts.covers(spans):
            not_deployed: Any = day_counts.not_deployed([(s.key, s) for s in spans])
        else:
            # Each month its own range of the received_at index (no row is tested
            # against every month boundary).
            not_deployed = union_all(
                *(
                    select(literal(s.key), func.count()).where(
                        _in_range(_D.received_at, s.start, s.end),
                        _D.outcome != Outcome.DEPLOYED.value,
                    )
                    for s in spans
                )
            )
        for month, n in session.execute(not_deployed):
            counts[month]["n"][0] = n
        for month, total, n_decided, over, partly, adverse in session.execute(
            select(
                a_month,
                func.count(),
                func.sum(case((decided, 1), else_=0)),
                is_(AppealOutcome.OVERTURNED),
                is_(AppealOutcome.PARTLY_UPHELD),
                func.sum(case((_A.adverse_outcome_reported, 1), else_=0)),
            )
            .where(appeals_in_range)
            .group_by(a_month)
        ):
            counts[month]["n"][1:] = [total, n_decided or 0, over or 0, partly or 0, adverse or 0]
        for month, partner, n in session.execute(
            select(a_month, _A.partner_type, func.count())
            .where(appeals_in_range)
            .group_by(a_month, _A.partner_type)
        ):
            counts[month]["partners"][partner] = n
        for month, theme, n in session.execute(
            select(a_month, _T.theme, func.count())
            .select_from(appeals_table.join(appeal_themes_table, _T.appeal_id == _A.id))
            .where(appeals_in_range)
            .group_by(a_month, _T.theme)
        ):
            counts[month]["themes"][theme] = n
        for month, received, decided_at in session.execute(
            select(a_month, _A.received_at, _A.decided_at).where(
                appeals_in_range, _A.route == AppealRoute.LIVE_999.value, decided
            )
        ):
            counts[month]["minutes"].append(minutes_between(received, decided_at))
        open_actions = tuple(
            OpenAction(action=a, owner=o, due=d.isoformat())
            for a, o, d in session.execute(
                select(_L.action, _L.owner, _L.due_date)
                .select_from(learning_actions_table.join(appeals_table, _L.appeal_id == _A.id))
                .where(_L.done_at.is_(None), appeals_in_range)
                .order_by(_L.due_date, _L.id)
                .limit(50)
            )
        )
    periods = [
        PeriodCounts(
            label=key,
            not_deployed=c["n"][0],
            appeals=c["n"][1],
            decided=c["n"][2],
            overturned=c["n"][3],
            partly_upheld=c["n"][4],
            adverse_reported=c["n"][5],
            live_minutes=tuple(c["minutes"]),
            by_partner=dict(c["partners"]),
            by_theme=dict(c["themes"]),
        )
        for key, c in counts.items()
    ]
    return AppealFiguresReport(
        date_from=start,
        date_to=end,
        months=tuple(figures_for(p) for p in periods),
        total=figures_for(combine("Total", periods)),
        open_actions=open_actions,
    )


CSV_COLUMNS = (
    "month",
    "not_deployed_decisions",
    "appeals",
    "appeals_per_100_not_deployed",
    "decided",
    "overturned",
    "pct_overturned",
    "partly_upheld",
    "adverse_outcome_reported",
    "live_appeals_decided",
    "median_minutes_to_decision",
    "p90_minutes_to_decision",
    *(f"partner_{p.value}" for p in PartnerType),
)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def figures_csv(report: AppealFiguresReport) -> str:
    """One row a month, then the total; marked OFFICIAL-SENSITIVE on the first line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([MARKING])
    writer.writerow(CSV_COLUMNS)
    for fig in (*report.months, report.total):
        partners = dict(fig.by_partner)
        writer.writerow(
            [
                fig.label,
                fig.not_deployed,
                fig.appeals,
                _number(fig.appeals_per_100),
                fig.decided,
                fig.overturned,
                _number(fig.pct_overturned),
                fig.partly_upheld,
                fig.adverse_reported,
                fig.live_decided,
                _number(fig.median_minutes),
                _number(fig.p90_minutes),
                *(partners.get(p.value, 0) for p in PartnerType),
            ]
        )
    writer.writerow(["theme", "appeals"])
    for theme, n in report.total.by_theme:
        writer.writerow([csv_safe(theme_label(theme)), n])
    return out.getvalue()


def figures_markdown(report: AppealFiguresReport) -> str:
    """A summary for the joint mental-health partnership meeting."""
    t = report.total
    last_day = report.date_to
    lines = [
        f"**{MARKING}**",
        "",
        "# Partner appeals and disputes",
        "",
        f"Period: {report.date_from:%d %b %Y} to {last_day:%d %b %Y} (end exclusive, UTC).",
        "",
        f"- Appeals: **{t.appeals}** ({format_rate(t.appeals_per_100)} per 100 not-deployed "
        f"decisions; {t.not_deployed} not deployed)",
        f"- Decided: {t.decided}; overturned (police deployed): {t.overturned} "
        f"({format_rate(t.pct_overturned, '%')}); partly upheld: {t.partly_upheld}",
        f"- Live 999 appeals decided: {t.live_decided}; minutes to decision: median "
        f"{format_rate(t.median_minutes)}, 90th percentile {format_rate(t.p90_minutes)}",
        f"- Adverse outcomes reported: {t.adverse_reported}",
        "",
        "## Month by month",
        "",
        "| Month | Not deployed | Appeals | Per 100 | Decided | % overturned"
        " | Median min (live) | P90 min (live) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in report.months:
        lines.append(
            f"| {f.label} | {f.not_deployed} | {f.appeals} | {format_rate(f.appeals_per_100)} "
            f"| {f.decided} | {format_rate(f.pct_overturned, '%')} "
            f"| {format_rate(f.median_minutes)} | {format_rate(f.p90_minutes)} |"
        )
    lines += ["", "## By partner type", "", "| Partner type | Appeals |", "| --- | ---: |"]
    lines += [f"| {PartnerType(p).label} | {n} |" for p, n in t.by_partner] or ["| none | 0 |"]
    lines += ["", "## Themes", "", "| Theme | Appeals |", "| --- | ---: |"]
    lines += [f"| {md_cell(theme_label(k))} | {n} |" for k, n in t.by_theme] or ["| none | 0 |"]
    lines += ["", "## Open learning actions", ""]
    if report.open_actions:
        lines += ["| Action | Owner | Due |", "| --- | --- | --- |"]
        lines += [
            f"| {md_cell(a.action)} | {md_cell(a.owner)} | {a.due} |" for a in report.open_actions
        ]
    else:
        lines.append("None open.")
    lines += [
        "",
        "Definitions: per 100 = appeals received / not-deployed decisions x 100; % overturned"
        " = overturned / decided; minutes to decision for live 999 appeals only; 90th"
        " percentile by nearest rank; months are Europe/London calendar months.",
        "",
        f"**{MARKING}**",
        "",
    ]
    return "\n".join(lines)


def export_figures(
    ctx: Ctx, date_from: datetime, date_to: datetime, directory: Path
) -> tuple[Path, Path]:
    """Write the CSV and the Markdown summary into ``directory``; audit who exported what.

    Exports leave the system, so each one is recorded like a change (docs/domain-rules.md §9).
    """
    report = figures(ctx, date_from, date_to)
    stem = f"appeals-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}"
    try:
        make_private_folder(directory)
        csv_path = directory / f"{stem}.csv"
        md_path = directory / f"{stem}.md"
        write_private(csv_path, figures_csv(report))
        write_private(md_path, figures_markdown(report))
    except OSError as exc:
        raise ValidationFailed(
            "directory", f"cannot write to {directory}: {exc.strerror}"
        ) from None
    with ctx.writing(Permission.VIEW_KPIS) as session:
        audit.record(
            session,
            ctx,
            "appeal_figures_exported",
            "appeal_figures",
            stem,
            after={"files": [str(csv_path), str(md_path)], "appeals": report.total.appeals},
        )
    return csv_path, md_path
