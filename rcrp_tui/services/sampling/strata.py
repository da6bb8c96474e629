"""Simple and stratified draws over a million decisions: stratum sizes, then ranks to ids.

A draw is made as ranks within each stratum (``domain.sampling``): the r-th decision in
the canonical order, by received time and then id. Sizes come from the per-month stratum
counts where the population allows (``stratum_counts``), so they cost a few thousand
summed rows rather than a pass over every decision. Exclusions (already reviewed, already
in an open sample) are a small set: they are found once, with their stratum and month, and
skipped while ranks are resolved instead of being tested against every row.

Resolving a rank is an OFFSET over the stratum's slice of ``ix_decisions_sampling``
(category, shift, team, received time, id, ...). When the month sizes are known, the rank is
first placed in its month, so the OFFSET runs over one month of one stratum instead of the
whole stratum.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, select
from sqlalchemy.orm import Session

from rcrp_tui.domain.sampling import NO_VALUE, SamplingSpec, stratum_fields, stratum_key
from rcrp_tui.services.decisions.stratum_counts import group_totals, month_of
from rcrp_tui.services.sampling.population import (
    PopulationFilter,
    conditions,
    excluded_decisions,
    stratum_conditions,
)
from rcrp_tui.storage.models import decisions_table

_D = decisions_table.c
# A representative (outcome, caller type) for each oversampling group.
_GROUP_EXAMPLES = {
    "not_deployed+partner": ("signposted", "ambulance"),
    "not_deployed": ("signposted", "public"),
    "partner": ("deployed", "ambulance"),
    "standard": ("deployed", "public"),
}
_STRATUM_COLUMNS = {"category": _D.category, "shift": _D.shift, "team": _D.team_id}
#: A position in the canonical order within a stratum.
Position = tuple[datetime, int]


@dataclass(frozen=True)
class StrataCounts:
    """Stratum sizes after exclusions, their split by UTC month when known (else one
    entry under None), and the excluded decisions of each stratum, in canonical order."""

    sizes: dict[str, int]
    months: dict[str, dict[str | None, int]]
    excluded: dict[str, list[Position]]


def _key(spec: SamplingSpec, category: str, shift: str | None, team: int | None, group: str) -> str:
    outcome, caller = _GROUP_EXAMPLES[group]
    return stratum_key(
        spec, category=category, shift=shift, team_id=team, outcome=outcome, caller_type=caller
    )


def count_strata(
    session: Session, population: PopulationFilter, spec: SamplingSpec
) -> StrataCounts:
    """Every stratum's size after exclusions (from the month counts where they apply)."""
    where = conditions(population)
    totals = group_totals(
        session, population, where, groups=spec.oversampling.active, by_month=True
    )
    monthly = all(key[3] is not None for key in totals)
    months: dict[str, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    # A year of months repeats the same few hundred strata: build each key once.
    stratum_keys: dict[tuple[str, str | None, int | None, str], str] = {}
    for (category, shift, team_id, month), (total, n_both, n_nd, n_partner) in totals.items():
        by_group = {"not_deployed+partner": n_both, "not_deployed": n_nd, "partner": n_partner}
        by_group["standard"] = total - n_both - n_nd - n_partner
        for group, count in by_group.items():
            if count:
                shape = (category, shift, team_id, group)
                key = stratum_keys.get(shape)
                if key is None:
                    key = stratum_keys[shape] = _key(spec, category, shift, team_id, group)
                months[key][month] += count
    excluded: dict[str, list[Position]] = defaultdict(list)
    excluded_ids = excluded_decisions(population)
    if excluded_ids is not None:
        columns = (_D.received_at, _D.id, _D.category, _D.shift, _D.team_id)
        rows = session.connection().execute(
            select(*columns, _D.outcome, _D.caller_type).where(*where, _D.id.in_(excluded_ids))
        )
        keys: dict[tuple[Any, ...], str] = {}  # thousands of rows share a few hundred keys
        month_names: dict[tuple[int, int], str] = {}
        for received_at, decision_id, *values in rows:
            shape = tuple(values)
            if shape not in keys:
                category, shift, team_id, outcome, caller = values
                group = spec.oversampling.group(outcome, caller)
                keys[shape] = _key(spec, category, shift, team_id, group)
            key = keys[shape]
            excluded[key].append((received_at, decision_id))
            month = None
            if monthly:
                year_month = (received_at.year, received_at.month)  # stored as UTC
                month = month_names.get(year_month)
                if month is None:
                    month = month_names[year_month] = month_of(received_at)
            months[key][month] -= 1
    for positions in excluded.values():
        positions.sort()
    sizes = {key: sum(by_month.values()) for key, by_month in months.items()}
    return StrataCounts(
        {k: v for k, v in sizes.items() if v > 0},
        {k: {m: n for m, n in by_month.items() if n > 0} for k, by_month in months.items()},
        dict(excluded),
    )


def _window_position(window: Iterable[Any], rank: int, excluded: Sequence[Position]) -> int:
    # The answer sits at offset rank + c, where c (the excluded decisions before it) is at
    # most len(excluded), so a window of len(excluded) + 1 rows from offset ``rank`` holds it.
    skip = set(excluded)
    for offset, (received_at, decision_id) in enumerate(window, start=rank):
        position = (received_at, decision_id)
        if position not in skip and offset - bisect.bisect_right(excluded, position) == rank:
            return int(decision_id)
    raise LookupError(f"no decision at rank {rank}: the stratum changed while drawing")


#: Above this many ranks in one stratum, one ordered scan beats an OFFSET look-up per rank.
SCAN_ABOVE = 32
_EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 12, 31, tzinfo=UTC)


def _month_range(month: str) -> tuple[datetime, datetime]:
    year, number = int(month[:4]), int(month[5:7])
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return start, end


class RankLookup:
    """Turns ranks within strata into decision ids, inside one read of the database.

    Strata of the same shape share one parameterised statement, built once, so the
    hundreds of look-ups of a draw pay SQLAlchemy's statement building only a few times.
    """

    def __init__(self, session: Session, base: Sequence[ColumnElement[bool]]) -> None:
        self._session = session
        self._base = list(base)
        self._statements: dict[tuple[tuple[str, str], ...], Any] = {}

    def _statement(self, key: str) -> tuple[Any, dict[str, Any]]:
        shape: list[tuple[str, str]] = []
        params: dict[str, Any] = {}
        for name, value in stratum_fields(key).items():
            if name in _STRATUM_COLUMNS and value is not None:
                shape.append((name, "="))
                params[f"s_{name}"] = int(value) if name == "team" else value
            else:
                shape.append((name, str(value)))
        cache_key = tuple(shape)
        if cache_key not in self._statements:
            where = [
                *self._base,
                _D.received_at >= bindparam("time_from"),
                _D.received_at < bindparam("time_to"),
            ]
            for name, how in shape:
                if how == "=":
                    where.append(_STRATUM_COLUMNS[name] == bindparam(f"s_{name}"))
                else:
                    value = None if how == "None" else how
                    where.extend(stratum_conditions(f"{name}={value or NO_VALUE}"))
            self._statements[cache_key] = (
                select(_D.received_at, _D.id)
                .where(*where)
                .order_by(_D.received_at, _D.id)
                .limit(bindparam("window", type_=Integer))
                .offset(bindparam("rank", type_=Integer))
            )
        return self._statements[cache_key], params

    def ids(
        self,
        key: str,
        ranks: Sequence[int],
        excluded: Sequence[Position],
        months: dict[str | None, int] | None = None,
    ) -> list[int]:
        """The ids at ``ranks`` (0-based, in canonical order) among the stratum's decisions
        that are not ``excluded``; ``months`` (sizes per UTC month after exclusions) lets
        each look-up start at its month.

        Many ranks in one stratum (a large simple random sample, say) are picked in a
        single ordered pass instead, stopping at the highest rank needed.
        """
        if len(ranks) > SCAN_ABOVE:
            return self._scan(key, ranks, excluded)
        statement, params = self._statement(key)
        connection = self._session.connection()
        found = []
        for rank in ranks:
            local, time_from, time_to = rank, _EARLIEST, _LATEST
            window = list(excluded)
            if months and None not in months:
                for month in sorted(m for m in months if m is not None):
                    if local < months[month]:
                        time_from, time_to = _month_range(month)
                        window = [p for p in excluded if time_from <= p[0] < time_to]
                        break
                    local -= months[month]
            rows = connection.execute(
                statement,
                {
                    **params,
                    "time_from": time_from,
                    "time_to": time_to,
                    "window": len(window) + 1,
                    "rank": local,
                },
            )
            found.append(_window_position(rows, local, window))
        return found

    def _scan(self, key: str, ranks: Sequence[int], excluded: Sequence[Position]) -> list[int]:
        wanted = sorted(ranks)
        skip = {decision_id for _, decision_id in excluded}
        found: dict[int, int] = {}
        position = -1
        rows = self._session.execute(
            select(_D.id)
            .where(*self._base, *stratum_conditions(key))
            .order_by(_D.received_at, _D.id),
            execution_options={"yield_per": 10_000},
        )
        for (decision_id,) in rows:
            if decision_id in skip:
                continue
            position += 1
            if position == wanted[len(found)]:
                found[position] = int(decision_id)
                if len(found) == len(wanted):
                    break
        rows.close()
        return [found[rank] for rank in ranks]
