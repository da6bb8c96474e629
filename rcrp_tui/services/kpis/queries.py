"""The aggregate SQL behind the KPIs: every figure is a GROUP BY, never a row-by-row load.

Weeks and months are London calendar buckets worked out in Python (``domain.kpis``) and
handed to the database as one ``CASE`` expression, which SQLite and PostgreSQL both group
by (the same approach as the appeal figures). Which reviews count follows the sample
results (``services.sampling.results``): per decision, the latest review past draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    null,
    select,
    union_all,
)

from rcrp_tui.domain.coaching import NoteStatus
from rcrp_tui.domain.enums import Outcome
from rcrp_tui.domain.kpis import MONTHLY_MINIMUM, MonthBucket, Period, WeekBucket
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services.coaching.overdue import overdue_clause
from rcrp_tui.storage.coaching_models import coaching_notes_table
from rcrp_tui.storage.models import contact_officers_table, decisions_table
from rcrp_tui.storage.review_models import review_answers_table, reviews_table, toolkits_table

_D = decisions_table.c
_R = reviews_table.c
_A = review_answers_table.c
_CO = contact_officers_table.c
_N = coaching_notes_table.c
_T = toolkits_table.c
_UNSETTLED = (NoteStatus.OPEN.value, NoteStatus.ACKNOWLEDGED.value)


def bucket(column: Any, buckets: Sequence[WeekBucket | MonthBucket]) -> ColumnElement[Any]:
    """The key of the bucket ``column`` falls in (buckets are in order and contiguous).

    A nested ``CASE`` that halves the buckets at each level: a 400-day period's 58 weeks
    cost each row six comparisons instead of thirty on average, with the same answer as
    ``bucket_linear`` (the tests compare them).
    """
    if not buckets:
        return null()
    if len(buckets) == 1:
        return case((column < buckets[0].end, buckets[0].key), else_=None)
    middle = len(buckets) // 2
    return case(
        (column < buckets[middle - 1].end, bucket(column, buckets[:middle])),
        else_=bucket(column, buckets[middle:]),
    )


def bucket_linear(column: Any, buckets: Sequence[WeekBucket | MonthBucket]) -> ColumnElement[Any]:
    """``bucket`` as one flat ``CASE`` (the first bucket whose end is past ``column``)."""
    return case(*((column < b.end, b.key) for b in buckets), else_=None)


def in_period(column: Any, period: Period | WeekBucket | MonthBucket) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


#: More buckets than this and the per-bucket statement falls back to one ``CASE`` (SQLite
#: allows at most 500 terms in a compound SELECT).
MAX_RANGES = 400


def deployment(
    period: Period, weeks: Sequence[WeekBucket] | None, *, plain: bool = False
) -> Select[Any] | CompoundSelect[Any]:
    """Decisions and deployments per category x phase x caller type (x week).

    One pass over the period's decisions gives every breakdown and the data's coverage
    (first and last decision); the few hundred groups are summed up in Python. By week,
    each week is its own range of ``ix_decisions_kpi`` under ``UNION ALL`` (the weeks tile
    the period), so no row is tested against the week boundaries; ``plain=True`` asks for
    the one-``CASE`` form instead (the same rows, compared in the tests).
    """
    columns: list[Any] = [_D.category, _D.phase, _D.caller_type]
    counts = [
        func.count().label("decisions"),
        func.sum(case((_D.outcome == Outcome.DEPLOYED.value, 1), else_=0)).label("deployed"),
        func.min(_D.received_at).label("first_at"),
        func.max(_D.received_at).label("last_at"),
    ]
    if weeks is not None and not plain and 0 < len(weeks) <= MAX_RANGES:
        return union_all(
            *(
                select(*columns, literal(w.key).label("week"), *counts)
                .where(in_period(_D.received_at, w))
                .group_by(*columns)
                for w in weeks
            )
        )
    if weeks is not None:
        by_week = bucket_linear if plain else bucket
        columns.append(by_week(_D.received_at, weeks).label("week"))
    return select(*columns, *counts).where(in_period(_D.received_at, period)).group_by(*columns)


def latest_reviews(period: Period) -> Subquery:
    """Per decision received in ``period``: its latest review past draft (the one that
    counts, as in the sample results)."""
    return (
        select(_R.decision_id.label("decision_id"), func.max(_R.id).label("review_id"))
        .select_from(reviews_table.join(decisions_table, _D.id == _R.decision_id))
        .where(_R.status != ReviewStatus.DRAFT.value, in_period(_D.received_at, period))
        .group_by(_R.decision_id)
        .subquery("latest")
    )


def compliance(period: Period, weeks: Sequence[WeekBucket] | None) -> Select[Any]:
    """Counted reviews per judgement x passed (x week of the decision)."""
    latest = latest_reviews(period)
    columns: list[Any] = [_R.judgement, _R.passed]
    if weeks is not None:
        columns.insert(0, bucket(_D.received_at, weeks).label("week"))
    return (
        select(*columns, func.count().label("reviews"))
        .select_from(
            latest.join(reviews_table, _R.id == latest.c.review_id).join(
                decisions_table, _D.id == latest.c.decision_id
            )
        )
        .group_by(*columns)
    )


def review_figures(
    period: Period,
    weeks: Sequence[WeekBucket],
    months: Sequence[MonthBucket],
    *,
    plain: bool = False,
) -> CompoundSelect[Any]:
    """Every figure about the period's counted reviews, in one statement.

    The counted reviews are found once (a materialised CTE) and then counted four ways,
    told apart by the ``kind`` column:

    - ``qa``: reviews per week x judgement x passed (``key1``, ``key2``, ``flag``, ``n``);
    - ``answer``: per criterion code (``key1``) the answers met (``n``), partially met
      (``a``), not met (``b``) and not applicable (``c``);
    - ``month``: per month (``key1``) the officers reviewed (``n``), reviews (``a``), the
      fewest (``b``) and most (``c``) per officer, and how many reached the monthly
      minimum (``d``);
    - ``officers``: active officers with at least one counted review (``n``).
    """
    latest = latest_reviews(period)
    by = bucket_linear if plain else bucket
    counted = (
        select(
            _R.id.label("review_id"),
            by(_D.received_at, weeks).label("week"),
            by(_D.received_at, months).label("month"),
            _D.contact_officer_id.label("officer_id"),
            _R.judgement,
            _R.passed,
        )
        .select_from(
            latest.join(reviews_table, _R.id == latest.c.review_id).join(
                decisions_table, _D.id == latest.c.decision_id
            )
        )
        .cte("counted")
        .prefix_with("MATERIALIZED")
    )
    c = counted.c
    per_officer = (
        select(c.month, c.officer_id, func.count().label("n"))
        .where(c.officer_id.is_not(None))
        .group_by(c.month, c.officer_id)
        .subquery("per_officer")
    )
    n = per_officer.c.n
    # PostgreSQL settles a UNION's column types pair by pair: give each NULL a type.
    none = cast(null(), Integer)
    no_text, no_flag = cast(null(), String), cast(null(), Boolean)
    qa = select(
        literal("qa").label("kind"),
        c.week.label("key1"),
        c.judgement.label("key2"),
        c.passed.label("flag"),
        func.count().label("n"),
        none.label("a"),
        none.label("b"),
        none.label("c"),
        none.label("d"),
    ).group_by(c.week, c.judgement, c.passed)

    def answered(answer: Answer) -> ColumnElement[Any]:
        return func.sum(case((_A.answer == answer.value, 1), else_=0))

    # One group per criterion, the four answers summed side by side: sorting the answers
    # by criterion alone is a fifth quicker than by criterion and answer.
    answers = (
        select(
            literal("answer"),
            _A.criterion_code,
            no_text,
            no_flag,
            answered(Answer.MET),
            answered(Answer.PARTIAL),
            answered(Answer.NOT_MET),
            answered(Answer.NA),
            none,
        )
        .select_from(counted.join(review_answers_table, _A.review_id == c.review_id))
        .group_by(_A.criterion_code)
    )
    per_month = select(
        literal("month"),
        per_officer.c.month,
        no_text,
        no_flag,
        func.count(),
        func.sum(n),
        func.min(n),
        func.max(n),
        func.sum(case((n >= MONTHLY_MINIMUM, 1), else_=0)),
    ).group_by(per_officer.c.month)
    officers = (
        select(
            literal("officers"),
            no_text,
            no_text,
            no_flag,
            func.count(distinct(c.officer_id)),
            none,
            none,
            none,
            none,
        )
        .select_from(counted.join(contact_officers_table, _CO.id == c.officer_id))
        .where(_CO.active.is_(True))
    )
    return union_all(qa, answers, per_month, officers)


def active_officers(period: Period) -> Select[Any]:
    """Active contact officers who made at least one decision in the period.

    One look into ``ix_decisions_officer_received`` per active officer (a few hundred)
    instead of a join over every decision of the period; ``active_officers_by_join`` is
    the same count the long way (the tests compare them).
    """
    made_one = (
        select(literal(1))
        .where(_D.contact_officer_id == _CO.id, in_period(_D.received_at, period))
        .exists()
    )
    return (
        select(func.count())
        .select_from(contact_officers_table)
        .where(_CO.active.is_(True), made_one)
    )


def active_officers_by_join(period: Period) -> Select[Any]:
    """``active_officers`` as a join over the period's decisions."""
    return (
        select(func.count(distinct(_D.contact_officer_id)))
        .select_from(decisions_table.join(contact_officers_table, _CO.id == _D.contact_officer_id))
        .where(in_period(_D.received_at, period), _CO.active.is_(True))
    )


def coaching_themes(period: Period, now: datetime) -> Select[Any]:
    """Coaching notes written in the period per theme, still open, and overdue now."""
    return (
        select(
            _N.theme,
            func.count().label("notes"),
            func.sum(case((_N.status.in_(_UNSETTLED), 1), else_=0)).label("open"),
            func.sum(case((overdue_clause(now), 1), else_=0)).label("overdue"),
        )
        .where(in_period(_N.created_at, period))
        .group_by(_N.theme)
    )


def coaching_now(now: datetime) -> Select[Any]:
    """Every unsettled note and every overdue one, whenever written."""
    return select(
        func.sum(case((_N.status.in_(_UNSETTLED), 1), else_=0)),
        func.sum(case((overdue_clause(now), 1), else_=0)),
    )


def recent_toolkits(limit: int = 20) -> Select[Any]:
    """The newest stored toolkit versions, whose criteria name the codes."""
    return select(_T.id, _T.source, _T.toolkit_id).order_by(_T.id.desc()).limit(limit)
