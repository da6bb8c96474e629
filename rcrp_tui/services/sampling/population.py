"""The population a sampling plan draws from, as SQL over the decisions table.

The filter itself is a ``decisions.filters.DecisionFilter`` and becomes SQL there
(``conditions``, re-exported here); this module adds what only a plan needs: the
exclusions, stratum and method conditions, and loading small populations.

The decisions table may hold a million rows, so nothing here loads it whole: simple and
stratified draws count strata and fetch only the chosen ranks (``sampling.strata``); the
other methods, whose populations are small by design, load just the columns they need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select, union
from sqlalchemy.orm import Session

from rcrp_tui.domain.sampling import (
    Candidate,
    SampleItemStatus,
    SamplingMethod,
    SamplingSpec,
    month_bounds,
    stratum_fields,
)
from rcrp_tui.services.decisions.filters import DecisionFilter, conditions
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.review_models import reviews_table
from rcrp_tui.storage.sampling_models import sample_items_table, samples_table

_D = decisions_table.c
#: Item statuses that still hold a decision in a sample (skipped and replaced ones do not).
LIVE_ITEM_STATUSES = (SampleItemStatus.OPEN, SampleItemStatus.CLAIMED, SampleItemStatus.DONE)
OPEN_SAMPLE = "open"


#: The fields a plan's population stores (its JSON); the browser-only ways to name a team,
#: an officer or a reference prefix are not among them.
_STORED = (
    "received_from",
    "received_to",
    "categories",
    "outcomes",
    "not_deployed_only",
    "caller_types",
    "team_ids",
    "shifts",
    "contact_officer_ids",
    "cad_refs",
    "under_appeal_only",
    "include_reviewed",
    "include_in_open_samples",
)


@dataclass(frozen=True)
class PopulationFilter(DecisionFilter):
    """Which decisions a plan samples from: a ``DecisionFilter`` (turned into SQL by
    ``decisions.filters.conditions``) and two exclusions, applied by ``excluded_decisions``."""

    include_reviewed: bool = False
    include_in_open_samples: bool = False

    def __post_init__(self) -> None:
        if self.team or self.staff_id or self.cad_ref_prefix:
            raise ValueError("a population names teams and officers by id, not by name")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, stored with the plan and with every sample drawn from it."""
        out: dict[str, Any] = {}
        for name in _STORED:
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PopulationFilter:
        kwargs: dict[str, Any] = {}
        for name in _STORED:
            if name not in data or data[name] is None:
                continue
            value = data[name]
            if name.startswith("received_"):
                value = datetime.fromisoformat(value)
            elif isinstance(value, list):
                value = tuple(value)
            kwargs[name] = value
        return cls(**kwargs)


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
