"""Reading appeals: filtered lists a page at a time, and one appeal in full.

Pages are fetched by keyset (``received_at``, ``id``), newest first, like the decision
browser, so a long history of appeals costs the same per page as a short one. Anyone who
may record appeals may read them (floorwalkers, supervisors, QA leads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, exists, select, tuple_
from sqlalchemy.sql import Select

from rcrp_tui.domain.appeals import (
    AppealOutcome,
    AppealRoute,
    PartnerType,
    normalise_theme,
    stopwatch_minutes,
)
from rcrp_tui.domain.clock import Clock
from rcrp_tui.domain.enums import Category
from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import NotFound, ValidationFailed
from rcrp_tui.services.decisions import queries as decisions
from rcrp_tui.services.decisions.queries import DecisionRow
from rcrp_tui.storage.appeal_models import (
    appeal_themes_table,
    appeals_table,
    learning_actions_table,
)
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.review_models import reviews_table

PAGE_SIZE = 50
_A = appeals_table.c
_T = appeal_themes_table.c
_L = learning_actions_table.c
_D = decisions_table.c
_R = reviews_table.c


class AppealStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


@dataclass(frozen=True)
class AppealFilter:
    """What the appeals list is narrowed to. Empty tuples mean "any"."""

    status: AppealStatus = AppealStatus.ALL
    routes: tuple[AppealRoute, ...] = ()
    partner_types: tuple[PartnerType, ...] = ()
    categories: tuple[Category, ...] = ()  # of the linked decision
    outcomes: tuple[AppealOutcome, ...] = ()
    theme: str | None = None
    date_from: datetime | None = None  # received at or after
    date_to: datetime | None = None  # received before


@dataclass(frozen=True, order=True)
class AppealCursor:
    received_at: datetime
    id: int


@dataclass(frozen=True)
class AppealRow:
    id: int
    cad_ref: str
    source_system: str | None
    decision_id: int | None
    category: Category | None
    route: AppealRoute
    partner_type: PartnerType
    partner_org: str
    original_decision: str
    received_at: datetime
    outcome: AppealOutcome | None
    decided_at: datetime | None
    reviewed_by_role: str | None
    rationale: str
    adverse_outcome_reported: bool
    review_id: int | None
    qa_review_requested_at: datetime | None
    row_version: int
    themes: tuple[str, ...]

    @property
    def is_open(self) -> bool:
        return self.outcome is None

    @property
    def cursor(self) -> AppealCursor:
        return AppealCursor(self.received_at, self.id)

    def waiting_minutes(self, clock: Clock) -> int:
        """The stopwatch: whole minutes from received to decided (or to now while open)."""
        return stopwatch_minutes(self.received_at, self.decided_at, clock)


@dataclass(frozen=True)
class LearningActionRow:
    id: int
    action: str
    owner: str
    due_date: date
    done_at: datetime | None
    row_version: int = 1


@dataclass(frozen=True)
class AppealPage:
    rows: tuple[AppealRow, ...]
    has_newer: bool
    has_older: bool


@dataclass(frozen=True)
class AppealDetail:
    appeal: AppealRow
    learning_actions: tuple[LearningActionRow, ...]
    decision: DecisionRow | None
    # How many decisions share the CAD reference: 0 not yet imported, >1 ambiguous.
    matching_decisions: int
    # QA reviews of the linked decision as (id, status), oldest first: no scores here,
    # they are the reviewed officer's results and have their own need-to-know rules.
    reviews: tuple[tuple[int, str], ...] = ()


def _conditions(flt: AppealFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if flt.status is AppealStatus.OPEN:
        where.append(_A.outcome.is_(None))
    elif flt.status is AppealStatus.CLOSED:
        where.append(_A.outcome.is_not(None))
    if flt.routes:
        where.append(_A.route.in_([r.value for r in flt.routes]))
    if flt.partner_types:
        where.append(_A.partner_type.in_([p.value for p in flt.partner_types]))
    if flt.categories:
        where.append(_D.category.in_([c.value for c in flt.categories]))
    if flt.outcomes:
        where.append(_A.outcome.in_([o.value for o in flt.outcomes]))
    if flt.theme:
        try:
            theme = normalise_theme(flt.theme)
        except ValueError as exc:
            raise ValidationFailed("theme", str(exc)) from None
        where.append(exists().where(_T.appeal_id == _A.id, _T.theme == theme))
    if flt.date_from is not None:
        where.append(_A.received_at >= flt.date_from)
    if flt.date_to is not None:
        where.append(_A.received_at < flt.date_to)
    return where


def _base() -> Select[Any]:
    return select(
        _A.id,
        _A.cad_ref,
        _A.source_system,
        _A.decision_id,
        _D.category,
        _A.route,
        _A.partner_type,
        _A.partner_org,
        _A.original_decision,
        _A.received_at,
        _A.outcome,
        _A.decided_at,
        _A.reviewed_by_role,
        _A.rationale,
        _A.adverse_outcome_reported,
        _A.review_id,
        _A.qa_review_requested_at,
        _A.row_version,
    ).select_from(appeals_table.join(decisions_table, _A.decision_id == _D.id, isouter=True))


def _rows(session: Any, raw: list[Any]) -> list[AppealRow]:
    ids = [r[0] for r in raw]
    themes: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        stmt = select(_T.appeal_id, _T.theme).where(_T.appeal_id.in_(ids)).order_by(_T.theme)
        for appeal_id, theme in session.execute(stmt):
            themes[appeal_id].append(theme)
    return [
        AppealRow(
            id=r[0],
            cad_ref=r[1],
            source_system=r[2],
            decision_id=r[3],
            category=Category(r[4]) if r[4] else None,
            route=AppealRoute(r[5]),
            partner_type=PartnerType(r[6]),
            partner_org=r[7],
            original_decision=r[8],
            received_at=r[9],
            outcome=AppealOutcome(r[10]) if r[10] else None,
            decided_at=r[11],
            reviewed_by_role=r[12],
            rationale=r[13],
            adverse_outcome_reported=bool(r[14]),
            review_id=r[15],
            qa_review_requested_at=r[16],
            row_version=r[17],
            themes=tuple(themes[r[0]]),
        )
        for r in raw
    ]


def page(
    ctx: Ctx,
    flt: AppealFilter = AppealFilter(),
    *,
    older_than: AppealCursor | None = None,
    newer_than: AppealCursor | None = None,
    limit: int = PAGE_SIZE,
) -> AppealPage:
    """One page of appeals, newest first; ``older_than``/``newer_than`` move from a row."""
    ctx.require(Permission.RECORD_APPEALS)
    where = _conditions(flt)
    key = tuple_(_A.received_at, _A.id)
    backwards = newer_than is not None
    if older_than is not None:
        where.append(key < tuple_(older_than.received_at, older_than.id))
    if newer_than is not None:
        where.append(key > tuple_(newer_than.received_at, newer_than.id))
    order = (
        (_A.received_at.asc(), _A.id.asc()) if backwards else (_A.received_at.desc(), _A.id.desc())
    )
    stmt = _base().where(*where).order_by(*order).limit(limit + 1)
    with ctx.db.read() as session:
        raw = list(session.execute(stmt))
        more = len(raw) > limit
        raw = raw[:limit]
        if backwards:
            raw.reverse()
        rows = _rows(session, raw)
        # The side we came from has rows for certain only if we came from a row; check it.
        other_side = False
        if rows and (older_than is not None or newer_than is not None):
            edge = rows[-1] if backwards else rows[0]
            cmp = (
                key < tuple_(edge.received_at, edge.id)
                if backwards
                else key > tuple_(edge.received_at, edge.id)
            )
            probe = _base().where(*_conditions(flt), cmp).limit(1)
            other_side = session.execute(probe).first() is not None
    if backwards:
        return AppealPage(tuple(rows), has_newer=more, has_older=other_side)
    return AppealPage(tuple(rows), has_newer=other_side, has_older=more)


def get(ctx: Ctx, appeal_id: int) -> AppealDetail:
    """One appeal with its learning actions and, if linked, its decision."""
    ctx.require(Permission.RECORD_APPEALS)
    with ctx.db.read() as session:
        raw = list(session.execute(_base().where(_A.id == appeal_id)))
        if not raw:
            raise NotFound(f"no appeal with id {appeal_id}")
        row = _rows(session, raw)[0]
        actions = tuple(
            LearningActionRow(
                id=a[0], action=a[1], owner=a[2], due_date=a[3], done_at=a[4], row_version=a[5]
            )
            for a in session.execute(
                select(_L.id, _L.action, _L.owner, _L.due_date, _L.done_at, _L.row_version)
                .where(_L.appeal_id == appeal_id)
                .order_by(_L.due_date, _L.id)
            )
        )
        match = select(_D.id).where(_D.cad_ref == row.cad_ref)
        if row.source_system is not None:
            match = match.where(_D.source_system == row.source_system)
        matching = len(list(session.execute(match.limit(2))))
        reviews: tuple[tuple[int, str], ...] = ()
        if row.decision_id is not None:
            reviews = tuple(
                (int(i), str(status))
                for i, status in session.execute(
                    select(_R.id, _R.status)
                    .where(_R.decision_id == row.decision_id)
                    .order_by(_R.id)
                    .limit(10)
                )
            )
    decision = None
    if row.decision_id is not None and can(ctx.actor.role, Permission.BROWSE_DECISIONS):
        decision = decisions.get(ctx, row.decision_id)
    return AppealDetail(row, actions, decision, matching, reviews)
