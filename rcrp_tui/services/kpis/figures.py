"""The KPIs leaders measure (docs/domain-rules.md §8), for a period against a baseline period.

Every figure comes from aggregate SQL (``services.kpis.queries``); Python only adds up the
few hundred grouped rows and attaches Wilson 95% intervals (``domain.statistics``). The
appeal figures are the appeals service's own (``appeals.reports.figures``); floorwalking
coverage comes from the rota services, whose team-shifts are expanded from shift patterns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlmodel import Session, col, select

from rcrp_tui.domain.coaching import Theme
from rcrp_tui.domain.criterion_results import CriterionResult
from rcrp_tui.domain.enums import CallerType, Category
from rcrp_tui.domain.kpis import Period, WeekBucket, month_buckets, rate, week_buckets
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.rota import coverage
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.domain.statistics import Proportion, wilson_interval
from rcrp_tui.services.appeals import reports as appeal_reports
from rcrp_tui.services.appeals.reports import AppealFiguresReport
from rcrp_tui.services.calibration.results import CalibrationSummary, latest_closed_summary
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.decisions import day_counts
from rcrp_tui.services.kpis import queries as q
from rcrp_tui.services.kpis import review_counts
from rcrp_tui.services.reviews.toolkits import parse_cached
from rcrp_tui.services.rota.state import load_state
from rcrp_tui.storage.rota_models import Rota

NO_JUDGEMENT = "none recorded"


@dataclass(frozen=True)
class RateRow:
    """Decisions and deployments for one group, now and in the baseline."""

    key: str
    label: str
    decisions: int
    deployed: int
    baseline_decisions: int
    baseline_deployed: int

    @property
    def rate(self) -> float | None:
        return rate(self.deployed, self.decisions)

    @property
    def baseline_rate(self) -> float | None:
        return rate(self.baseline_deployed, self.baseline_decisions)


@dataclass(frozen=True)
class WeekPoint:
    """One London ISO week: deployment and QA compliance."""

    week: str
    decisions: int
    deployed: int
    compliance: Proportion

    @property
    def rate(self) -> float | None:
        return rate(self.deployed, self.decisions)


@dataclass(frozen=True)
class DataCoverage:
    """What the figures rest on: the decisions and reviews found in each period."""

    decisions: int
    first_decision: datetime | None
    last_decision: datetime | None
    reviews_counted: int
    baseline_decisions: int
    baseline_first: datetime | None
    baseline_last: datetime | None
    baseline_reviews_counted: int


@dataclass(frozen=True)
class CriterionRow:
    question: str
    result: CriterionResult


@dataclass(frozen=True)
class JudgementRow:
    judgement: str  # a Judgement value, or NO_JUDGEMENT
    label: str
    share: Proportion  # of the counted reviews, with its Wilson interval
    baseline_count: int
    safety_critical: bool


@dataclass(frozen=True)
class OfficerMonth:
    """Reviews per officer in one London month of the decisions."""

    month: str
    officers_reviewed: int
    reviews: int
    fewest: int
    most: int
    at_minimum: int  # officers with at least the monthly minimum

    @property
    def per_officer(self) -> float | None:
        return None if self.officers_reviewed == 0 else self.reviews / self.officers_reviewed


@dataclass(frozen=True)
class CoachingThemeRow:
    theme: str
    label: str
    notes: int
    still_open: int
    overdue: int


@dataclass(frozen=True)
class RotaCoverageRow:
    """Team-shifts of one rota that start in the period, and how many had a floorwalker."""

    rota: str
    phase: int
    team_shifts: int
    covered: int
    first_shift_gaps: int
    night_gaps: int

    @property
    def share(self) -> float | None:
        return rate(self.covered, self.team_shifts)


@dataclass(frozen=True)
class KpiReport:
    period: Period
    baseline: Period
    generated_at: datetime
    generated_by: str
    coverage: DataCoverage
    deployment: RateRow
    by_category: tuple[RateRow, ...]
    by_phase: tuple[RateRow, ...]
    by_caller: tuple[RateRow, ...]
    weeks: tuple[WeekPoint, ...]
    compliance: Proportion
    baseline_compliance: Proportion
    criteria: tuple[CriterionRow, ...]
    judgements: tuple[JudgementRow, ...]
    should_have_deployed: Proportion
    baseline_should_have_deployed: Proportion
    officer_months: tuple[OfficerMonth, ...]
    active_officers: int
    officers_reviewed: Proportion
    appeals: AppealFiguresReport
    coaching: tuple[CoachingThemeRow, ...]
    coaching_open_now: int
    coaching_overdue_now: int
    floorwalking: tuple[RotaCoverageRow, ...]
    #: The latest closed calibration session's headline figures (None: none closed yet).
    #: Calibration scores never enter any figure above (docs/calibration.md).
    calibration: CalibrationSummary | None = None

    @property
    def floorwalking_share(self) -> Proportion:
        covered = sum(r.covered for r in self.floorwalking)
        return wilson_interval(covered, sum(r.team_shifts for r in self.floorwalking))


def _phase_label(phase: Any) -> str:
    return "No phase recorded" if phase is None else f"Phase {phase}"


def _label(enum: Any, value: str) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return value


def _rate_rows(
    now: dict[Any, list[int]], base: dict[Any, list[int]], label: Any, order: Iterable[Any]
) -> tuple[RateRow, ...]:
    keys = [k for k in order if k in now or k in base]
    keys += sorted((k for k in set(now) | set(base) if k not in keys), key=str)
    return tuple(
        RateRow(
            "" if k is None else str(k),
            label(k),
            *now.get(k, [0, 0]),
            *base.get(k, [0, 0]),
        )
        for k in keys
    )


def _deployment_groups(
    session: Session, period: Period, weekly: bool, plain: bool = False, use_counts: bool = True
) -> tuple[list[Any], datetime | None, datetime | None]:
    """The period's decisions and deployments per category x phase x caller type (x week),
    and its first and last decision.

    From the day counts when they answer exactly (``day_counts.covers``: every London
    midnight does), else, or with ``use_counts=False``, straight from the decisions.
    """
    weeks = week_buckets(period) if weekly else None
    if use_counts and not plain and day_counts.covers([period, *(weeks or ())]):
        keyed = None if weeks is None else [(w.key, w) for w in weeks]
        rows = list(session.execute(day_counts.deployment(period, keyed)))
        first, last = session.execute(day_counts.first_and_last(period)).one()
        return rows, first, last
    rows = list(session.execute(q.deployment(period, weeks, plain=plain)))
    first = min((r.first_at for r in rows), default=None)
    last = max((r.last_at for r in rows), default=None)
    return rows, first, last


def _sum_by(rows: Iterable[Any], key: str) -> dict[Any, list[int]]:
    out: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        out[getattr(r, key)][0] += int(r.decisions)
        out[getattr(r, key)][1] += int(r.deployed or 0)
    return dict(out)


class _QaCount(NamedTuple):
    week: str | None
    judgement: str | None
    passed: bool
    reviews: int


def _judgement_counts(rows: Iterable[_QaCount]) -> tuple[dict[str, int], int, int]:
    by_judgement: dict[str, int] = defaultdict(int)
    total = passed = 0
    for r in rows:
        by_judgement[r.judgement or NO_JUDGEMENT] += r.reviews
        total += r.reviews
        passed += r.reviews if r.passed else 0
    return dict(by_judgement), total, passed


def _questions(session: Session) -> dict[str, str]:
    questions: dict[str, str] = {}
    for row in session.execute(q.recent_toolkits()):
        toolkit = parse_cached(row.source, f"{row.toolkit_id}.toml")
        for criterion in toolkit.criteria:
            questions.setdefault(criterion.code, criterion.question)  # newest wins
    return questions


def _criteria(answered: Iterable[Any], questions: dict[str, str]) -> tuple[CriterionRow, ...]:
    counts = {
        str(row.key1): {
            Answer.MET.value: int(row.n or 0),
            Answer.PARTIAL.value: int(row.a or 0),
            Answer.NOT_MET.value: int(row.b or 0),
            Answer.NA.value: int(row.c or 0),
        }
        for row in answered
    }
    # The same rule as the sample results: met out of met + partially met + not met.
    return tuple(
        CriterionRow(questions.get(code, ""), CriterionResult.tally(code, c))
        for code, c in sorted(counts.items())
    )


def _floorwalking(session: Session, period: Period) -> tuple[RotaCoverageRow, ...]:
    out: list[RotaCoverageRow] = []
    rotas = session.exec(
        select(Rota).where(col(Rota.go_live) < period.end_day).order_by(col(Rota.go_live))
    ).all()
    for rota in rotas:
        state = load_state(session, rota.id or 0)
        if state.rota.last_day < period.first_day:
            continue
        shifts = [s for s in state.shifts if period.start <= s.start_utc < period.end]
        if not shifts:
            continue
        cov = coverage(shifts, state.rows.keys())
        out.append(
            RotaCoverageRow(
                rota=state.rota.name,
                phase=state.rota.phase,
                team_shifts=cov.total,
                covered=cov.covered,
                first_shift_gaps=len(cov.first_gaps),
                night_gaps=sum(1 for s in cov.gaps if s.is_night),
            )
        )
    return tuple(out)


def _overall(totals: dict[Any, list[int]]) -> list[int]:
    return [sum(v[0] for v in totals.values()), sum(v[1] for v in totals.values())]


def _week_points(
    weeks: Iterable[WeekBucket], rows: Iterable[Any], qa_rows: Iterable[_QaCount]
) -> tuple[WeekPoint, ...]:
    decided: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    reviewed: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # passed, reviews
    for r in rows:
        decided[r.week][0] += int(r.decisions)
        decided[r.week][1] += int(r.deployed or 0)
    for qa in qa_rows:
        reviewed[qa.week or ""][0] += qa.reviews if qa.passed else 0
        reviewed[qa.week or ""][1] += qa.reviews
    return tuple(
        WeekPoint(b.key, decided[b.key][0], decided[b.key][1], wilson_interval(*reviewed[b.key]))
        for b in weeks
    )


def _judgement_rows(
    now: dict[str, int], base: dict[str, int], reviews: int
) -> tuple[JudgementRow, ...]:
    """Every judgement found, in the toolkit's order; should-have-deployed always."""
    shd = Judgement.SHOULD_HAVE_DEPLOYED.value
    return tuple(
        JudgementRow(
            j,
            NO_JUDGEMENT.capitalize() if j == NO_JUDGEMENT else _label(Judgement, j),
            wilson_interval(now.get(j, 0), reviews),
            base.get(j, 0),
            j == shd,
        )
        for j in [*(j.value for j in Judgement), NO_JUDGEMENT]
        if j in now or j in base or j == shd
    )


def compute(
    ctx: Ctx, period: Period, baseline: Period, *, plain: bool = False, use_counts: bool = True
) -> KpiReport:
    """Every KPI for ``period``, with ``baseline`` beside the deployment and QA figures.

    Decisions are summed from the day counts (``services.decisions.day_counts``), and the
    counted reviews and their answers from the review and answer day counts
    (``services.kpis.review_counts``); ``use_counts=False`` counts them straight from the
    decisions and reviews instead, with the same figures (the tests compare the two).
    ``plain=True`` sends the straightforward statements (no counts, a flat ``CASE`` per
    bucket, a join for the active officers) that the quicker ones replace: the same
    figures again, kept for the tests and for ``bench/bench_kpis.py``'s anchor.
    """
    ctx.require(Permission.VIEW_KPIS)
    now = ctx.clock.now()
    weeks = week_buckets(period)
    with ctx.db.read() as session:
        rows, first, last = _deployment_groups(session, period, True, plain, use_counts)
        base_rows, base_first, base_last = _deployment_groups(
            session, baseline, False, plain, use_counts
        )
        month_spans = month_buckets(period)
        counted = use_counts and not plain
        if counted and day_counts.covers([period, *weeks, *month_spans]):
            review_sql = review_counts.review_figures(period, weeks, month_spans)
        else:
            review_sql = q.review_figures(period, weeks, month_spans, plain=plain)
        figures = list(session.execute(review_sql))
        if counted and day_counts.covers([baseline]):
            base_sql = review_counts.compliance(baseline)
        else:
            base_sql = q.compliance(baseline, None)
        base_qa_rows = [
            _QaCount(None, r.judgement, bool(r.passed), int(r.reviews))
            for r in session.execute(base_sql)
        ]
        answered = [r for r in figures if r.kind == "answer"]
        questions = _questions(session) if answered else {}
        officers = q.active_officers_by_join(period) if plain else q.active_officers(period)
        active = int(session.execute(officers).scalar_one() or 0)
        coaching = [
            CoachingThemeRow(t, _label(Theme, t), int(n), int(o or 0), int(d or 0))
            for t, n, o, d in session.execute(q.coaching_themes(period, now))
        ]
        open_now, overdue_now = session.execute(q.coaching_now(now)).one()
        floorwalking = _floorwalking(session, period)
    appeals = appeal_reports.figures(
        ctx, period.start, period.end, use_counts=use_counts and not plain
    )
    qa_rows = [_QaCount(r.key1, r.key2, bool(r.flag), int(r.n)) for r in figures if r.kind == "qa"]
    criteria = _criteria(answered, questions)
    months = [
        OfficerMonth(
            str(r.key1), int(r.n), int(r.a or 0), int(r.b or 0), int(r.c or 0), int(r.d or 0)
        )
        for r in sorted((r for r in figures if r.kind == "month"), key=lambda r: str(r.key1))
    ]
    reviewed = sum(int(r.n) for r in figures if r.kind == "officers")

    judgements, reviews, passed = _judgement_counts(qa_rows)
    base_judgements, base_reviews, base_passed = _judgement_counts(base_qa_rows)
    shd = Judgement.SHOULD_HAVE_DEPLOYED.value
    totals, base_totals = _sum_by(rows, "category"), _sum_by(base_rows, "category")
    overall, base_overall = _overall(totals), _overall(base_totals)
    return KpiReport(
        period=period,
        baseline=baseline,
        generated_at=now,
        generated_by=ctx.actor.display_name,
        coverage=DataCoverage(
            overall[0], first, last, reviews, base_overall[0], base_first, base_last, base_reviews
        ),
        deployment=RateRow("all", "All RCRP decisions", *overall, *base_overall),
        by_category=_rate_rows(totals, base_totals, lambda k: _label(Category, k), Category),
        by_phase=_rate_rows(
            _sum_by(rows, "phase"), _sum_by(base_rows, "phase"), _phase_label, range(1, 21)
        ),
        by_caller=_rate_rows(
            _sum_by(rows, "caller_type"),
            _sum_by(base_rows, "caller_type"),
            lambda k: _label(CallerType, k),
            CallerType,
        ),
        weeks=_week_points(weeks, rows, qa_rows),
        compliance=wilson_interval(passed, reviews),
        baseline_compliance=wilson_interval(base_passed, base_reviews),
        criteria=criteria,
        judgements=_judgement_rows(judgements, base_judgements, reviews),
        should_have_deployed=wilson_interval(judgements.get(shd, 0), reviews),
        baseline_should_have_deployed=wilson_interval(base_judgements.get(shd, 0), base_reviews),
        officer_months=tuple(months),
        active_officers=active,
        officers_reviewed=wilson_interval(min(reviewed, active), active),
        appeals=appeals,
        coaching=tuple(sorted(coaching, key=lambda c: (-c.notes, c.label))),
        coaching_open_now=int(open_now or 0),
        coaching_overdue_now=int(overdue_now or 0),
        floorwalking=floorwalking,
        calibration=latest_closed_summary(ctx),
    )
