"""The evidenced rules: each works out one checklist item from the data, with the figure
behind it and where that figure lives. docs/readiness.md gives each rule's source in the
guidance.

Every count is made by the database (grouped counts on indexed columns); whole-number
comparisons decide each line, never a rounded percentage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from rcrp_tui.domain.readiness import Checklist, ChecklistItem, Rule
from rcrp_tui.domain.rota import coverage
from rcrp_tui.domain.shift_patterns import DEFAULT_TZ
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.readiness.briefings import BriefingStatus, first_shifts
from rcrp_tui.services.rota.state import RotaInfo, load_state
from rcrp_tui.services.training.records import training_share
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.sampling_models import SamplingPlan

_D = decisions_table.c
_PLANS = SamplingPlan.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RuleResult:
    met: bool
    figure: str
    where: str


def _percent(part: int, whole: int) -> str:
    """One decimal place, rounded down (899 of 1,000 is 89.9%, never 90.0%)."""
    if not whole:
        return "no figure"
    tenths = part * 1000 // whole
    return f"{tenths // 10}.{tenths % 10}%"


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=DEFAULT_TZ).astimezone(UTC)


class Facts:
    """The data a phase's evidenced items are worked out from, read once each."""

    def __init__(
        self,
        ctx: Ctx,
        checklist: Checklist,
        rota: RotaInfo | None,
        baseline: tuple[date, date] | None,
    ) -> None:
        self.ctx = ctx
        self.checklist = checklist
        self.phase = checklist.phase
        self.categories = [c.value for c in checklist.categories]
        self.rota = rota
        self.baseline = baseline

    def evaluate(self, item: ChecklistItem) -> RuleResult:
        rule = item.rule
        if rule is Rule.TRAINING_SHARE:
            return self.training(item.setting("threshold_percent"))
        if rule is Rule.FLOORWALKING_ROTA:
            return self.floorwalking(item.setting("min_days"))
        if rule is Rule.SHIFT_BRIEFINGS:
            return self.briefings()
        if rule is Rule.SAMPLING_PLAN:
            return self.sampling_plans(item.setting("min_plans"))
        if rule is Rule.KPI_BASELINE:
            return self.kpi_baseline(item.setting("min_decisions"))
        if rule is Rule.QUALIFIER_CODES:
            return self.qualifiers(item.setting("threshold_percent"), item.setting("days"))
        raise AssertionError(f"no rule {rule!r}")

    # --- each rule -------------------------------------------------------------------

    def training(self, threshold: int) -> RuleResult:
        report = training_share(self.ctx, self.phase)
        total = report.total
        where = f"rcrp-tui training share --phase {self.phase}"
        if not total.officers:
            return RuleResult(False, "no active contact officers", where)
        below = [
            f"{s.team or 'No team'} {s.percent_text}"
            for s in report.teams
            if s.officers and not s.meets(threshold)
        ]
        figure = (
            f"{total.trained:,} of {total.officers:,} active contact officers trained "
            f"({total.percent_text}; needs {threshold}%)"
        )
        if below:
            figure += f"; teams below {threshold}%: {', '.join(below)}"
        return RuleResult(total.meets(threshold), figure, where)

    def floorwalking(self, min_days: int) -> RuleResult:
        where = "Floorwalking rota (F8): coverage"
        if self.rota is None:
            return RuleResult(False, f"no floorwalking rota for phase {self.phase}", where)
        with self.ctx.db.read() as session:
            state = load_state(session, self.rota.id)
        cov = coverage(state.shifts, state.rows.keys())
        empty = [f"{c.team_name} {c.code}" for c in cov.cells if c.covered == 0]
        cells = len(cov.cells)
        met = self.rota.window_days >= min_days and cells > 0 and not empty
        figure = (
            f"rota {self.rota.name!r}: {self.rota.window_days} days from go-live "
            f"{self.rota.go_live:%d %b %Y} (needs {min_days}); "
            f"{cells - len(empty)} of {cells} team x shift types have a floorwalker; "
            f"{cov.covered:,} of {cov.total:,} shifts covered, {len(cov.gaps):,} gaps"
        )
        if empty:
            shown = ", ".join(empty[:4]) + (f" and {len(empty) - 4} more" if len(empty) > 4 else "")
            figure += f"; none for {shown}"
        return RuleResult(met, figure, where)

    def briefings(self) -> RuleResult:
        where = "Floorwalking rota (F8): first shifts, b records a briefing"
        if self.rota is None:
            return RuleResult(False, f"no floorwalking rota for phase {self.phase}", where)
        shifts = first_shifts(self.ctx, self.phase)
        delivered = sum(
            1 for s in shifts if s.briefing and s.briefing.status is BriefingStatus.DELIVERED
        )
        planned = sum(
            1 for s in shifts if s.briefing and s.briefing.status is BriefingStatus.PLANNED
        )
        missing = [s for s in shifts if not s.briefed]
        figure = (
            f"{delivered + planned} of {len(shifts)} first shifts have a briefing "
            f"({delivered} delivered, {planned} planned)"
        )
        if missing:
            shown = ", ".join(f"{s.team_name} {s.shift_code} {s.day:%d %b}" for s in missing[:4])
            more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
            figure += f"; none for {shown}{more}"
        return RuleResult(bool(shifts) and not missing, figure, where)

    def sampling_plans(self, min_plans: int) -> RuleResult:
        where = "Samples (F3): saved plans"
        wanted = set(self.categories)
        names: list[str] = []
        with self.ctx.db.read() as session:
            rows = session.execute(
                select(_PLANS.c.name, _PLANS.c.population_json).order_by(_PLANS.c.name)
            )
            for name, population in rows:
                try:
                    cats = set(json.loads(population).get("categories") or ())
                except (ValueError, AttributeError):
                    continue
                # A plan with no category filter samples every category, these included.
                if not cats or cats & wanted:
                    names.append(name)
        shown = ", ".join(repr(n) for n in names[:3]) + (
            f" and {len(names) - 3} more" if len(names) > 3 else ""
        )
        figure = (
            f"{len(names)} saved sampling plan{'s' if len(names) != 1 else ''} for "
            f"{', '.join(self.categories)} (needs {min_plans})" + (f": {shown}" if names else "")
        )
        return RuleResult(len(names) >= min_plans, figure, where)

    def kpi_baseline(self, min_decisions: int) -> RuleResult:
        where = (
            f"Go-live readiness (ctrl+y), b; or rcrp-tui readiness --phase {self.phase} "
            "--set-baseline FIRST END"
        )
        if self.baseline is None:
            return RuleResult(False, f"no KPI baseline period set for phase {self.phase}", where)
        first, end = self.baseline
        with self.ctx.db.read() as session:
            count = session.execute(
                select(func.count())
                .select_from(decisions_table)
                .where(
                    _D.received_at >= _local_midnight(first),
                    _D.received_at < _local_midnight(end),
                    _D.category.in_(self.categories),
                )
            ).scalar_one()
        last = end - timedelta(days=1)
        figure = (
            f"baseline {first:%d %b %Y} to {last:%d %b %Y}: {int(count):,} decisions of "
            f"{', '.join(self.categories)} (needs {min_decisions:,})"
        )
        return RuleResult(int(count) >= min_decisions, figure, where)

    def qualifiers(self, threshold: int, days: int) -> RuleResult:
        where = "Decisions (F2): the qualifier codes of each decision"
        now = self.ctx.clock.now()
        with self.ctx.db.read() as session:
            total, coded = session.execute(
                select(
                    func.count(),
                    func.count().filter(_D.qualifier_codes != ""),
                )
                .select_from(decisions_table)
                .where(
                    _D.received_at >= now - timedelta(days=days),
                    _D.received_at <= now,
                    _D.category.in_(self.categories),
                )
            ).one()
        total, coded = int(total), int(coded)
        if not total:
            return RuleResult(
                False,
                f"no decisions of {', '.join(self.categories)} in the last {days} days",
                where,
            )
        figure = (
            f"{coded:,} of {total:,} decisions of {', '.join(self.categories)} in the last "
            f"{days} days carry a qualifier code ({_percent(coded, total)}; needs {threshold}%)"
        )
        return RuleResult(coded * 100 >= threshold * total, figure, where)
