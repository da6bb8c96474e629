"""The review figures of the KPIs from the review and answer day counts (migration 0021).

``review_day_counts`` and ``answer_day_counts`` count the reviews that count (per
decision, its latest review past draft) and their answers per slot of the decision's UTC
day, as ``decision_day_counts`` counts decisions (``services.decisions.day_counts``). A
period, its weeks and its months that all begin and end on a slot boundary (every London
midnight does: ``day_counts.covers``) are ranges of slots, so these statements give
exactly the rows of ``services.kpis.queries.review_figures`` and ``compliance``, summed
from a few dozen counts a day instead of a join of every counted review and its answers.
The callers fall back to those statements when a range is not whole slots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)

from rcrp_tui.domain.kpis import MONTHLY_MINIMUM, MonthBucket, Period, WeekBucket
from rcrp_tui.services.decisions.day_counts import Span, slot
from rcrp_tui.services.kpis.queries import MAX_RANGES
from rcrp_tui.storage.kpi_models import (
    NO_JUDGEMENT,
    NO_OFFICER,
    answer_day_counts_table,
    review_day_counts_table,
)
from rcrp_tui.storage.models import contact_officers_table

_RC = review_day_counts_table.c
_AC = answer_day_counts_table.c
_CO = contact_officers_table.c


def _in(column: Any, span: Span) -> ColumnElement[bool]:
    return and_(column >= slot(span.start), column < slot(span.end))


def _bucket(column: Any, buckets: Sequence[WeekBucket | MonthBucket]) -> ColumnElement[Any]:
    """The key of the bucket a slot falls in (the buckets are in order and contiguous): a
    ``CASE`` that halves them at each level."""
    if len(buckets) == 1:
        return case((column < slot(buckets[0].end), buckets[0].key), else_=None)
    middle = len(buckets) // 2
    return case(
        (column < slot(buckets[middle - 1].end), _bucket(column, buckets[:middle])),
        else_=_bucket(column, buckets[middle:]),
    )


def _judgement() -> ColumnElement[Any]:
    return func.nullif(_RC.judgement, NO_JUDGEMENT)


def compliance(period: Period) -> Select[Any]:
    """Counted reviews per judgement x passed, as ``queries.compliance(period, None)``."""
    judgement = _judgement().label("judgement")
    return (
        select(judgement, _RC.passed.label("passed"), func.sum(_RC.n).label("reviews"))
        .where(_in(_RC.slot, period))
        .group_by(judgement, _RC.passed)
        .having(func.sum(_RC.n) > 0)
    )


def review_figures(
    period: Period, weeks: Sequence[WeekBucket], months: Sequence[MonthBucket]
) -> CompoundSelect[Any]:
    """The rows of ``queries.review_figures`` (``kind`` qa, answer, month and officers,
    the same columns), from the counts. The weeks and months tile the period and every
    one of them must be ``day_counts.covers``-ed."""
    none = cast(null(), Integer)
    no_text, no_flag = cast(null(), String), cast(null(), Boolean)
    judgement = _judgement()
    # Each week its own range of the key under UNION ALL (the weeks tile the period), so
    # no count is tested against the week boundaries: a third quicker than one ``CASE``
    # for a 400-day period's 58 weeks. Very long periods fall back to the ``CASE``.
    ranged = 0 < len(weeks) <= MAX_RANGES
    week_spans: list[tuple[Any, Span]] = (
        [(literal(w.key), w) for w in weeks]
        if ranged
        else [(_bucket(_RC.slot, weeks) if weeks else null(), period)]
    )
    qa = [
        select(
            literal("qa").label("kind"),
            key.label("key1"),
            judgement.label("key2"),
            _RC.passed.label("flag"),
            func.sum(_RC.n).label("n"),
            none.label("a"),
            none.label("b"),
            none.label("c"),
            none.label("d"),
        )
        .where(_in(_RC.slot, span))
        .group_by(*([] if ranged else [key]), judgement, _RC.passed)
        .having(func.sum(_RC.n) > 0)
        for key, span in week_spans
    ]
    answers = (
        select(
            literal("answer"),
            _AC.criterion_code,
            no_text,
            no_flag,
            func.sum(_AC.met),
            func.sum(_AC.partial),
            func.sum(_AC.not_met),
            func.sum(_AC.na),
            none,
        )
        .where(_in(_AC.slot, period))
        .group_by(_AC.criterion_code)
        .having(func.sum(_AC.answers) > 0)
    )
    officer = _RC.officer_id.label("officer_id")
    if 0 < len(months) <= MAX_RANGES:
        per_officer = union_all(
            *(
                select(literal(m.key).label("month"), officer, func.sum(_RC.n).label("n"))
                .where(_in(_RC.slot, m), _RC.officer_id != NO_OFFICER)
                .group_by(_RC.officer_id)
                .having(func.sum(_RC.n) > 0)
                for m in months
            )
        ).subquery("per_officer")
    else:
        month = _bucket(_RC.slot, months) if months else null()
        per_officer = (
            select(month.label("month"), officer, func.sum(_RC.n).label("n"))
            .where(_in(_RC.slot, period), _RC.officer_id != NO_OFFICER)
            .group_by(month, _RC.officer_id)
            .having(func.sum(_RC.n) > 0)
            .subquery("per_officer")
        )
    n = per_officer.c.n
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
    reviewed = (
        select(_RC.officer_id)
        .where(_in(_RC.slot, period), _RC.officer_id != NO_OFFICER)
        .group_by(_RC.officer_id)
        .having(func.sum(_RC.n) > 0)
        .subquery("reviewed")
    )
    officers = (
        select(
            literal("officers"),
            no_text,
            no_text,
            no_flag,
            func.count(),
            none,
            none,
            none,
            none,
        )
        .select_from(reviewed)
        .where(reviewed.c.officer_id.in_(select(_CO.id).where(_CO.active.is_(True))))
    )
    return union_all(*qa, answers, per_month, officers)
