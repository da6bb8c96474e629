"""Reading decisions a page at a time, and recording single decisions.

The filter and its SQL are ``decisions.filters``. Lists never load a whole table: pages
are fetched by keyset (``received_at``, ``id``), newest first, so the cost of a page does
not grow with the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.sql import Select

from rcrp_tui.domain.enums import CallerType, Category, Outcome, ThresholdBasis
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import NotFound
from rcrp_tui.services.decisions.filters import (
    DecisionFilter,
    conditions,
    month_count_conditions,
    month_counts_apply,
)
from rcrp_tui.services.decisions.stratum_counts import group_totals
from rcrp_tui.storage.models import (
    contact_officers_table,
    decisions_table,
    teams_table,
)
from rcrp_tui.storage.sampling_models import decision_stratum_months_table

PAGE_SIZE = 50
ALL_DECISIONS = DecisionFilter()

_D = decisions_table.c
_O = contact_officers_table.c
_T = teams_table.c
_C = decision_stratum_months_table.c


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in the newest-first ordering."""

    received_at: datetime
    id: int


@dataclass(frozen=True)
class DecisionRow:
    id: int
    cad_ref: str
    source_system: str
    received_at: datetime
    category: Category
    phase: int | None
    caller_type: CallerType
    staff_id: str | None
    team: str | None
    shift: str | None
    grade: str | None
    outcome: Outcome
    threshold_basis: ThresholdBasis
    qualifier_codes: str
    rationale: str

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.received_at, self.id)


@dataclass(frozen=True)
class Page:
    rows: tuple[DecisionRow, ...]
    has_newer: bool
    has_older: bool
    filter: DecisionFilter = field(default_factory=DecisionFilter)


def decision_row_query() -> Select[Any]:
    """SELECT of the columns a :class:`DecisionRow` is built from (decision, officer's staff
    id, team name); add a WHERE and turn each result with :func:`decision_row_from`."""
    return (
        select(
            _D.id,
            _D.cad_ref,
            _D.source_system,
            _D.received_at,
            _D.category,
            _D.phase,
            _D.caller_type,
            _O.staff_id,
            _T.name,
            _D.shift,
            _D.grade,
            _D.outcome,
            _D.threshold_basis,
            _D.qualifier_codes,
            _D.rationale,
        )
        .select_from(decisions_table)
        .join(contact_officers_table, _D.contact_officer_id == _O.id, isouter=True)
        .join(teams_table, _D.team_id == _T.id, isouter=True)
    )


def decision_row_from(r: Any) -> DecisionRow:
    """The :class:`DecisionRow` for one result row of :func:`decision_row_query`."""
    return DecisionRow(
        id=r[0],
        cad_ref=r[1],
        source_system=r[2],
        received_at=r[3],
        category=Category(r[4]),
        phase=r[5],
        caller_type=CallerType(r[6]),
        staff_id=r[7],
        team=r[8],
        shift=r[9],
        grade=r[10],
        outcome=Outcome(r[11]),
        threshold_basis=ThresholdBasis(r[12]),
        qualifier_codes=r[13],
        rationale=r[14],
    )


def page(
    ctx: Ctx,
    flt: DecisionFilter = ALL_DECISIONS,
    *,
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
    oldest: bool = False,
    limit: int = PAGE_SIZE,
) -> Page:
    """One page of decisions, newest first.

    With no cursor: the newest page (or the oldest page when ``oldest``). With
    ``older_than``: the page after that row; with ``newer_than``: the page before it.
    """
    ctx.require(Permission.BROWSE_DECISIONS)
    where = conditions(flt, for_paging=True)
    key = tuple_(_D.received_at, _D.id)
    backwards = oldest or newer_than is not None
    if older_than is not None:
        where.append(key < tuple_(older_than.received_at, older_than.id))
    if newer_than is not None:
        where.append(key > tuple_(newer_than.received_at, newer_than.id))
    order = (
        (_D.received_at.asc(), _D.id.asc()) if backwards else (_D.received_at.desc(), _D.id.desc())
    )
    stmt = decision_row_query().where(*where).order_by(*order).limit(limit + 1)
    with ctx.db.read() as session:
        raw = list(session.execute(stmt))
    more = len(raw) > limit
    rows = [decision_row_from(r) for r in raw[:limit]]
    if backwards:
        rows.reverse()
        has_newer, has_older = more, (newer_than is not None)
        if oldest:
            has_older = False
    else:
        has_newer, has_older = (older_than is not None), more
    if rows and (older_than is not None or newer_than is not None):
        # A page fetched from a cursor knows one side for certain; check the other cheaply.
        if backwards and not has_older:
            has_older = _exists(ctx, flt, older_than=rows[-1].cursor)
        if not backwards and not has_newer:
            has_newer = _exists(ctx, flt, newer_than=rows[0].cursor)
    return Page(tuple(rows), has_newer=has_newer, has_older=has_older, filter=flt)


def _exists(
    ctx: Ctx,
    flt: DecisionFilter,
    *,
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
) -> bool:
    where = conditions(flt, for_paging=True)
    key = tuple_(_D.received_at, _D.id)
    if older_than is not None:
        where.append(key < tuple_(older_than.received_at, older_than.id))
    if newer_than is not None:
        where.append(key > tuple_(newer_than.received_at, newer_than.id))
    stmt = select(_D.id).where(*where).limit(1)
    with ctx.db.read() as session:
        return session.execute(stmt).first() is not None


def count(ctx: Ctx, flt: DecisionFilter = ALL_DECISIONS) -> int:
    """How many decisions match (run it in a worker: some filters touch every matching row)."""
    ctx.require(Permission.BROWSE_DECISIONS)
    where = conditions(flt)
    with ctx.db.read() as session:
        by_id = flt
        if flt.team:
            team_id = session.execute(select(_T.id).where(_T.name == flt.team)).scalar()
            by_id = replace(flt, team=None, team_ids=(int(team_id),) if team_id else ())
        if month_counts_apply(by_id):
            # Expressible in the per-month stratum counts: a few thousand rows to sum
            # instead of every matching decision (seconds on a million).
            if flt.team and not by_id.team_ids:
                return 0
            if by_id.received_from is None and by_id.received_to is None:
                # Whole months only: one SUM over the month counts (the browser's first
                # total, "of 1,000,000", in a few milliseconds).
                total = select(func.coalesce(func.sum(_C.n), 0)).where(
                    *month_count_conditions(by_id, None, None)
                )
                return int(session.execute(total).scalar_one())
            totals = group_totals(session, by_id, where, groups=False)
            return sum(row[0] for row in totals.values())
        stmt = select(func.count()).select_from(decisions_table).where(*where)
        return int(session.execute(stmt).scalar_one())


def get(ctx: Ctx, decision_id: int) -> DecisionRow:
    ctx.require(Permission.BROWSE_DECISIONS)
    with ctx.db.read() as session:
        r = session.execute(decision_row_query().where(_D.id == decision_id)).first()
    if r is None:
        raise NotFound(f"no decision with id {decision_id}")
    return decision_row_from(r)


def find_by_cad_ref(ctx: Ctx, cad_ref: str) -> list[DecisionRow]:
    """Exact CAD reference, across source systems."""
    ctx.require(Permission.BROWSE_DECISIONS)
    with ctx.db.read() as session:
        rows = session.execute(decision_row_query().where(_D.cad_ref == cad_ref.strip().upper()))
        return [decision_row_from(r) for r in rows]


__all__ = [
    "PAGE_SIZE",
    "Cursor",
    "DecisionFilter",
    "DecisionRow",
    "Page",
    "count",
    "find_by_cad_ref",
    "get",
    "page",
]
