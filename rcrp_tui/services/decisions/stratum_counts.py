"""How many decisions each (category, shift, team) stratum holds, split by the four
oversampling groups: from the per-month counts when the population allows, else directly.

``decision_stratum_months`` (kept exact by triggers, see migration 0008) answers for every
whole UTC month of the population's date range; the part-months at either end, if any,
are counted from the decisions themselves through the ``received_at`` index (a plan for a
London calendar month has at most an hour at each end). Both ways give the same numbers;
a population the month counts cannot express (a filter on officers, CAD references,
individual outcomes or caller types, or appeals) is counted directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, literal, select
from sqlalchemy.orm import Session

from rcrp_tui.services.decisions.filters import (
    DecisionFilter,
    month_count_conditions,
    month_counts_apply,
)
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.sampling_models import NO_SHIFT, NO_TEAM, decision_stratum_months_table

_D = decisions_table.c
_C = decision_stratum_months_table.c

#: (category, shift, team_id, month) -> [total, not deployed + partner, not deployed
#: only, partner only]; shift and team are None when the decision has none; month is the
#: UTC month "YYYY-MM" when known (None when counted directly, and when not asked for).
StratumKey = tuple[str, str | None, int | None, str | None]
GroupTotals = dict[StratumKey, list[int]]


def month_of(moment: datetime) -> str:
    """The UTC month "YYYY-MM" a moment falls in (how the month counts file it)."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def _add(totals: GroupTotals, key: StratumKey, counts: Iterable[int]) -> None:
    row = totals.setdefault(key, [0, 0, 0, 0])
    for i, n in enumerate(counts):
        row[i] += int(n or 0)


def _direct(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    groups: bool,
    totals: GroupTotals,
    month: str | None = None,
) -> None:
    """Count in one grouped pass over the decisions matching ``where``."""
    nd = _D.outcome != "deployed"
    partner = _D.caller_type != "public"
    # The group counts cost a second look at every row, so they are asked for only when
    # oversampling needs them. FILTER works on SQLite (3.30+) and PostgreSQL alike.
    group_counts = (
        [
            func.count().filter(and_(nd, partner)),
            func.count().filter(and_(nd, ~partner)),
            func.count().filter(and_(~nd, partner)),
        ]
        if groups
        else [literal(0), literal(0), literal(0)]
    )
    stmt = (
        select(_D.category, _D.shift, _D.team_id, func.count(), *group_counts)
        .where(*where)
        .group_by(_D.category, _D.shift, _D.team_id)
    )
    for category, shift, team_id, *counts in session.connection().execute(stmt):
        _add(totals, (category, shift, team_id, month), counts)


def _month_start_on_or_before(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def _month_start_on_or_after(moment: datetime) -> datetime:
    start = _month_start_on_or_before(moment)
    if start == moment:
        return start
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def _from_month_counts(
    session: Session,
    population: DecisionFilter,
    first: datetime | None,
    last: datetime | None,
    groups: bool,
) -> GroupTotals:
    """Sum the month counts over whole months [first, last) for the population's strata."""
    where = month_count_conditions(population, first, last)
    nd, partner = _C.not_deployed.is_(True), _C.partner.is_(True)
    split = (
        [
            func.sum(_C.n).filter(and_(nd, partner)),
            func.sum(_C.n).filter(and_(nd, ~partner)),
            func.sum(_C.n).filter(and_(~nd, partner)),
        ]
        if groups
        else [literal(0), literal(0), literal(0)]
    )
    key_columns = (_C.category, _C.shift, _C.team_id, _C.month)
    stmt = select(*key_columns, func.sum(_C.n), *split).where(*where).group_by(*key_columns)
    totals: GroupTotals = {}
    for category, shift, team_id, month, n, *group in session.connection().execute(stmt):
        if n:
            key = (
                category,
                None if shift == NO_SHIFT else shift,
                None if team_id == NO_TEAM else team_id,
                month,
            )
            totals[key] = [int(n), *(int(g or 0) for g in group)]
    return totals


def group_totals(
    session: Session,
    population: DecisionFilter,
    where: Sequence[ColumnElement[bool]],
    *,
    groups: bool,
    by_month: bool = False,
    use_month_counts: bool = True,
) -> GroupTotals:
    """Decisions per stratum of ``population`` (whose conditions are ``where``, from
    ``decisions.filters.conditions``).

    ``groups`` asks for the oversampling split; ``by_month`` keeps the months apart where
    they are known (else every key's month is None); ``use_month_counts=False`` forces the
    direct count (the two always agree; the tests compare them).
    """
    totals: GroupTotals = defaultdict(lambda: [0, 0, 0, 0])
    start, end = population.received_from, population.received_to
    first = _month_start_on_or_after(start) if start is not None else None
    last = _month_start_on_or_before(end) if end is not None else None
    whole_months = first is None or last is None or first < last
    if not (use_month_counts and month_counts_apply(population) and whole_months):
        _direct(session, where, groups, totals)
        return dict(totals)
    totals.update(_from_month_counts(session, population, first, last, groups))
    # The part-months at the ends, counted from the decisions in that time range.
    if start is not None and first is not None and start < first:
        _direct(session, [*where, _D.received_at < first], groups, totals, month_of(start))
    if end is not None and last is not None and last < end:
        _direct(session, [*where, _D.received_at >= last], groups, totals, month_of(last))
    if by_month:
        return {key: row for key, row in totals.items() if row[0] > 0}
    merged: GroupTotals = {}
    for (category, shift, team_id, _month), row in totals.items():
        _add(merged, (category, shift, team_id, None), row)
    return {key: row for key, row in merged.items() if row[0] > 0}
