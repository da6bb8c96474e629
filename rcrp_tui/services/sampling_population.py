"""The population a sampling plan draws from, as SQL over the decisions table.

The decisions table may hold a million rows, so nothing here loads it whole. Simple and
stratified draws count each stratum in one pass over the covering index
``ix_decisions_sampling`` and then fetch only the chosen ranks (the r-th decision by id in
a stratum). Exclusions (already reviewed, already in an open sample) are a small set: they
are counted and skipped separately instead of being tested against every row.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, bindparam, select, union
from sqlalchemy.orm import Session

from rcrp_tui.domain.sampling import (
    NO_VALUE,
    Candidate,
    SamplingMethod,
    SamplingSpec,
    month_bounds,
    stratum_fields,
    stratum_key,
)
from rcrp_tui.services.stratum_counts import group_totals
from rcrp_tui.storage.appeal_models import appeals_table
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.review_models import reviews_table
from rcrp_tui.storage.sampling_models import sample_items_table, samples_table

_D = decisions_table.c
#: Item statuses that still hold a decision in a sample (skipped and replaced ones do not).
LIVE_ITEM_STATUSES = ("open", "claimed", "done")
OPEN_SAMPLE = "open"
# A representative (outcome, caller type) for each oversampling group.
_GROUP_EXAMPLES = {
    "not_deployed+partner": ("signposted", "ambulance"),
    "not_deployed": ("signposted", "public"),
    "partner": ("deployed", "ambulance"),
    "standard": ("deployed", "public"),
}


@dataclass(frozen=True)
class PopulationFilter:
    """Which decisions a plan samples from. Empty tuples mean "any"."""

    received_from: datetime | None = None
    received_to: datetime | None = None  # exclusive
    categories: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    not_deployed_only: bool = False
    caller_types: tuple[str, ...] = ()
    team_ids: tuple[int, ...] = ()
    shifts: tuple[str, ...] = ()
    contact_officer_ids: tuple[int, ...] = ()
    cad_refs: tuple[str, ...] = ()
    under_appeal_only: bool = False  # decisions a partner has appealed
    include_reviewed: bool = False
    include_in_open_samples: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, stored with the plan and with every sample drawn from it."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PopulationFilter:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data or data[f.name] is None:
                continue
            value = data[f.name]
            if f.name.startswith("received_"):
                value = datetime.fromisoformat(value)
            elif isinstance(value, list):
                value = tuple(value)
            kwargs[f.name] = value
        return cls(**kwargs)


def conditions(population: PopulationFilter) -> list[ColumnElement[bool]]:
    """WHERE conditions on the decisions table for ``population``."""
    where: list[ColumnElement[bool]] = []
    if population.received_from is not None:
        where.append(_D.received_at >= population.received_from)
    if population.received_to is not None:
        where.append(_D.received_at < population.received_to)
    if population.categories:
        where.append(_D.category.in_(population.categories))
    if population.outcomes:
        where.append(_D.outcome.in_(population.outcomes))
    if population.not_deployed_only:
        where.append(_D.outcome != "deployed")
    if population.caller_types:
        where.append(_D.caller_type.in_(population.caller_types))
    if population.team_ids:
        where.append(_D.team_id.in_(population.team_ids))
    if population.shifts:
        where.append(_D.shift.in_(population.shifts))
    if population.contact_officer_ids:
        where.append(_D.contact_officer_id.in_(population.contact_officer_ids))
    if population.cad_refs:
        where.append(_D.cad_ref.in_(population.cad_refs))
    if population.under_appeal_only:
        appealed = select(appeals_table.c.decision_id).where(
            appeals_table.c.decision_id.is_not(None)
        )
        where.append(_D.id.in_(appealed))
    return where


def excluded_decisions(population: PopulationFilter) -> Any:
    """A SELECT of decision ids the plan must not draw (or None when nothing is excluded)."""
    parts = []
    if not population.include_in_open_samples:
        parts.append(
            select(sample_items_table.c.decision_id)
            .join(samples_table, samples_table.c.id == sample_items_table.c.sample_id)
            .where(
                samples_table.c.status == OPEN_SAMPLE,
                sample_items_table.c.status.in_(LIVE_ITEM_STATUSES),
            )
        )
    if not population.include_reviewed:
        parts.append(select(reviews_table.c.decision_id))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else union(*parts)


_STRATA_COLUMNS = (_D.id, _D.category, _D.shift, _D.team_id, _D.outcome, _D.caller_type)


def _key_of_values(
    spec: SamplingSpec,
    category: str,
    shift: str | None,
    team_id: int | None,
    outcome: str,
    caller_type: str,
) -> str:
    return stratum_key(
        spec,
        category=category,
        shift=shift,
        team_id=team_id,
        outcome=outcome,
        caller_type=caller_type,
    )


@dataclass(frozen=True)
class StrataCounts:
    """Stratum sizes after exclusions, and the excluded ids of each stratum, sorted."""

    sizes: dict[str, int]
    excluded: dict[str, list[int]]


def count_strata(
    session: Session, population: PopulationFilter, spec: SamplingSpec
) -> StrataCounts:
    """Every stratum's size after exclusions (from the day counts where they apply)."""
    where = conditions(population)
    totals = group_totals(session, population, where, groups=spec.oversampling.active)
    sizes: dict[str, int] = defaultdict(int)
    for (category, shift, team_id), (total, n_both, n_nd, n_partner) in totals.items():
        by_group = {
            "not_deployed+partner": n_both,
            "not_deployed": n_nd,
            "partner": n_partner,
        }
        by_group["standard"] = total - n_both - n_nd - n_partner
        for group, count in by_group.items():
            if count:
                outcome, caller = _GROUP_EXAMPLES[group]
                key = stratum_key(
                    spec,
                    category=category,
                    shift=shift,
                    team_id=team_id,
                    outcome=outcome,
                    caller_type=caller,
                )
                sizes[key] += count
    excluded: dict[str, list[int]] = defaultdict(list)
    excluded_ids = excluded_decisions(population)
    if excluded_ids is not None:
        rows = session.connection().execute(
            select(*_STRATA_COLUMNS).where(*where, _D.id.in_(excluded_ids))
        )
        keys: dict[tuple[Any, ...], str] = {}  # thousands of rows share a few hundred keys
        for decision_id, *fields_ in rows:
            values = tuple(fields_)
            if values not in keys:
                keys[values] = _key_of_values(spec, *fields_)
            excluded[keys[values]].append(decision_id)
            sizes[keys[values]] -= 1
    for ids in excluded.values():
        ids.sort()
    return StrataCounts({k: v for k, v in sizes.items() if v > 0}, dict(excluded))


_STRATUM_COLUMNS = {"category": _D.category, "shift": _D.shift, "team": _D.team_id}


def stratum_conditions(key: str) -> list[ColumnElement[bool]]:
    """WHERE conditions selecting the decisions of stratum ``key``."""
    where: list[ColumnElement[bool]] = []
    columns = _STRATUM_COLUMNS
    for name, value in stratum_fields(key).items():
        if name in columns:
            column = columns[name]
            if value is None:
                where.append(column.is_(None))
            else:
                where.append(column == (int(value) if name == "team" else value))
        elif name == "group":
            group = value or "standard"
            nd = "not_deployed" in group
            partner = "partner" in group
            where.append(_D.outcome != "deployed" if nd else _D.outcome == "deployed")
            where.append(_D.caller_type != "public" if partner else _D.caller_type == "public")
        elif name == "officer":
            where.append(_D.contact_officer_id == int(value or 0))
        elif name == "month":
            start, end = month_bounds(str(value))
            where.append(and_(_D.received_at >= start, _D.received_at < end))
    return where


def _window_position(window: Iterable[int], rank: int, excluded: Sequence[int]) -> int:
    # The answer sits at offset rank + c, where c (the excluded ids before it) is at most
    # len(excluded), so a window of len(excluded) + 1 ids from offset ``rank`` holds it.
    skip = set(excluded)
    for offset, found in enumerate(window, start=rank):
        if found not in skip and offset - bisect.bisect_right(excluded, found) == rank:
            return int(found)
    raise LookupError(f"no decision at rank {rank}: the stratum changed while drawing")


#: Above this many ranks in one stratum, one ordered scan beats an OFFSET look-up per rank.
SCAN_ABOVE = 32


class RankLookup:
    """Turns ranks within strata into decision ids, inside one read of the database.

    Each rank costs one OFFSET query on the stratum's slice of the covering index. Strata of
    the same shape share one parameterised statement, built once, so the hundreds of look-ups
    of a draw pay SQLAlchemy's statement building and caching only a few times.
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
            where = list(self._base)
            for name, how in shape:
                if how == "=":
                    where.append(_STRATUM_COLUMNS[name] == bindparam(f"s_{name}"))
                else:
                    value = None if how == "None" else how
                    where.extend(stratum_conditions(f"{name}={value or NO_VALUE}"))
            self._statements[cache_key] = (
                select(_D.id)
                .where(*where)
                .order_by(_D.id)
                .limit(bindparam("window", type_=Integer))
                .offset(bindparam("rank", type_=Integer))
            )
        return self._statements[cache_key], params

    def ids(self, key: str, ranks: Sequence[int], excluded: Sequence[int]) -> list[int]:
        """The ids at ``ranks`` (0-based, by id) among the stratum's non-excluded decisions.

        Many ranks in one stratum (a large simple random sample, say) are picked in a
        single ordered pass instead, stopping at the highest rank needed.
        """
        if len(ranks) > SCAN_ABOVE:
            return self._scan(key, ranks, excluded)
        statement, params = self._statement(key)
        connection = self._session.connection()
        found = []
        for rank in ranks:
            window = connection.execute(
                statement, {**params, "window": len(excluded) + 1, "rank": rank}
            ).scalars()
            found.append(_window_position(window, rank, excluded))
        return found

    def _scan(self, key: str, ranks: Sequence[int], excluded: Sequence[int]) -> list[int]:
        wanted = sorted(ranks)
        skip = set(excluded)
        found: dict[int, int] = {}
        position = -1
        rows = self._session.execute(
            select(_D.id).where(*self._base, *stratum_conditions(key)).order_by(_D.id),
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


def method_conditions(spec: SamplingSpec) -> list[ColumnElement[bool]]:
    """Conditions a census, targeted or quota draw adds to the plan's population."""
    if spec.method is SamplingMethod.CENSUS:
        extra = [_D.outcome != "deployed"]
        if spec.census_shift:
            extra.append(_D.shift == spec.census_shift)
        return extra
    if spec.method is SamplingMethod.TARGETED:
        return [_D.id.in_(spec.target_ids)]
    if spec.method is SamplingMethod.OFFICER_QUOTA:
        return [_D.contact_officer_id.is_not(None)]
    return []


def load_candidates(
    session: Session, population: PopulationFilter, extra: Sequence[ColumnElement[bool]] = ()
) -> list[Candidate]:
    """The population's decisions (needed columns only), for methods with small populations."""
    where = [*conditions(population), *extra]
    excluded_ids = excluded_decisions(population)
    if excluded_ids is not None:
        where.append(_D.id.not_in(excluded_ids))
    stmt = select(*_STRATA_COLUMNS, _D.contact_officer_id, _D.received_at).where(*where)
    return [
        Candidate(
            id=row.id,
            category=row.category,
            shift=row.shift,
            team_id=row.team_id,
            contact_officer_id=row.contact_officer_id,
            outcome=row.outcome,
            caller_type=row.caller_type,
            received_at=row.received_at,
        )
        for row in session.execute(stmt.order_by(_D.id))
    ]
