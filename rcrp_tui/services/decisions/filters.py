"""Which decisions: the one filter type, and the one place it becomes SQL.

The decision browser narrows the list with a ``DecisionFilter``; a sampling plan's
population (``services.sampling.population.PopulationFilter``) is a ``DecisionFilter`` with
two exclusions added. Both are turned into SQL here only: ``conditions`` gives the WHERE
clauses on the decisions table, and ``month_count_conditions`` the same filter on the
per-month stratum counts (``decision_stratum_months``), for the filters those counts can
express (``month_counts_apply``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select

from rcrp_tui.domain.enums import Outcome
from rcrp_tui.storage.appeal_models import appeals_table
from rcrp_tui.storage.models import contact_officers_table, decisions_table, teams_table
from rcrp_tui.storage.sampling_models import decision_stratum_months_table

_D = decisions_table.c
_O = contact_officers_table.c
_T = teams_table.c
_C = decision_stratum_months_table.c


@dataclass(frozen=True)
class DecisionFilter:
    """Which decisions. Empty tuples and None mean "any".

    Codes (categories, outcomes, caller types, shifts) are their stored strings; the
    vocabulary enums (``Category`` ...) are strings too, so either may be given.
    """

    received_from: datetime | None = None
    received_to: datetime | None = None  # exclusive
    categories: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    not_deployed_only: bool = False
    caller_types: tuple[str, ...] = ()
    team_ids: tuple[int, ...] = ()
    shifts: tuple[str, ...] = ()
    contact_officer_ids: tuple[int, ...] = ()
    cad_refs: tuple[str, ...] = ()  # exact references
    under_appeal_only: bool = False  # decisions a partner has appealed
    team: str | None = None  # a team by name (the browser's filter dialog)
    staff_id: str | None = None  # a contact officer by staff id (the browser)
    cad_ref_prefix: str | None = None  # references starting with this (the browser's search)

    def is_empty(self) -> bool:
        return self == DecisionFilter()


def _codes(values: tuple[str, ...]) -> list[str]:
    return [str(v) for v in values]


def conditions(flt: DecisionFilter, *, for_paging: bool = False) -> list[ColumnElement[bool]]:
    """WHERE conditions on the decisions table for ``flt``.

    ``for_paging``: a page wants the newest few matching rows, which the (received_at, id)
    index gives by walking it in order. Low-cardinality codes (category, outcome, caller
    type) are then compared as expressions (``column || ''``), which no index serves, so
    the planner cannot choose the sampling index instead and sort a hundred thousand
    matches for every page. A count or a draw wants the opposite, so it keeps the plain
    columns.
    """
    where: list[ColumnElement[bool]] = []

    def code(column: ColumnElement[str]) -> ColumnElement[str]:
        return column + "" if for_paging else column

    if flt.received_from is not None:
        where.append(_D.received_at >= flt.received_from)
    if flt.received_to is not None:
        where.append(_D.received_at < flt.received_to)
    if flt.categories:
        where.append(code(_D.category).in_(_codes(flt.categories)))
    if flt.outcomes:
        where.append(code(_D.outcome).in_(_codes(flt.outcomes)))
    if flt.not_deployed_only:
        where.append(code(_D.outcome) != Outcome.DEPLOYED.value)
    if flt.caller_types:
        where.append(code(_D.caller_type).in_(_codes(flt.caller_types)))
    if flt.team_ids:
        where.append(_D.team_id.in_(flt.team_ids))
    if flt.shifts:
        where.append(_D.shift.in_(_codes(flt.shifts)))
    if flt.contact_officer_ids:
        where.append(_D.contact_officer_id.in_(flt.contact_officer_ids))
    if flt.cad_refs:
        where.append(_D.cad_ref.in_(flt.cad_refs))
    if flt.under_appeal_only:
        appealed = select(appeals_table.c.decision_id).where(
            appeals_table.c.decision_id.is_not(None)
        )
        where.append(_D.id.in_(appealed))
    if flt.team:
        where.append(_D.team_id == select(_T.id).where(_T.name == flt.team).scalar_subquery())
    if flt.staff_id:
        where.append(
            _D.contact_officer_id
            == select(_O.id).where(_O.staff_id == flt.staff_id.strip()).scalar_subquery()
        )
    if flt.cad_ref_prefix:
        prefix = flt.cad_ref_prefix.strip().upper()
        # A range, not LIKE, so the unique (cad_ref, source_system) index serves it.
        where.append(and_(_D.cad_ref >= prefix, _D.cad_ref < prefix + "\uffff"))
    return where


def month_counts_apply(flt: DecisionFilter) -> bool:
    """True when the per-month stratum counts can answer for ``flt``: they hold category,
    shift, team and not-deployed, nothing finer (a team named rather than given by id is
    resolved first, see ``decisions.queries.count``)."""
    return not (
        flt.outcomes
        or flt.caller_types
        or flt.contact_officer_ids
        or flt.cad_refs
        or flt.under_appeal_only
        or flt.team
        or flt.staff_id
        or flt.cad_ref_prefix
    )


def month_count_conditions(
    flt: DecisionFilter, first: datetime | None, last: datetime | None
) -> list[ColumnElement[bool]]:
    """WHERE conditions on ``decision_stratum_months`` for ``flt`` over the whole UTC months
    [first, last); only for a filter ``month_counts_apply`` accepts."""
    where: list[ColumnElement[bool]] = []
    if first is not None:
        where.append(_C.month >= first.strftime("%Y-%m"))
    if last is not None:
        where.append(_C.month < last.strftime("%Y-%m"))
    if flt.categories:
        where.append(_C.category.in_(_codes(flt.categories)))
    if flt.shifts:
        where.append(_C.shift.in_(_codes(flt.shifts)))
    if flt.team_ids:
        where.append(_C.team_id.in_(flt.team_ids))
    if flt.not_deployed_only:
        where.append(_C.not_deployed.is_(True))
    return where
