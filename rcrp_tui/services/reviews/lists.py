"""Lists of reviews, a page at a time, narrowed to what the actor may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from rcrp_tui.domain.enums import Category, Role
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Judgement
from rcrp_tui.services.core.blindness import blind_decision_ids
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import PermissionDenied
from rcrp_tui.services.reviews.records import ReviewSummary
from rcrp_tui.services.reviews.toolkits import parse_cached
from rcrp_tui.storage.models import decisions_table, users_table
from rcrp_tui.storage.review_models import review_answers_table, reviews_table, toolkits_table

PAGE_SIZE = 50
_R = reviews_table.c
_D = decisions_table.c
_U = users_table.c
_RELEASED = (ReviewStatus.RELEASED.value, ReviewStatus.ACKNOWLEDGED.value)


def _scope(ctx: Ctx) -> list[ColumnElement[bool]]:
    """Need-to-know: the rows this role may list (mirrors ``reviews.records.may_see``)."""
    actor = ctx.actor
    if actor.role is Role.QA_LEAD:
        # A QA lead grading a calibration session sees no one else's review of a decision
        # they have still to score there (services/core/blindness.py).
        return [
            or_(
                _R.reviewer_user_id == actor.user_id,
                _R.decision_id.not_in(blind_decision_ids(actor.user_id)),
            )
        ]
    if actor.role is Role.FLOORWALKER:
        return [_R.reviewer_user_id == actor.user_id]
    if actor.role is Role.SUPERVISOR:
        if actor.team_id is None:
            raise PermissionDenied("A supervisor without a team has no team reviews to see.")
        return [_D.team_id == actor.team_id, _R.status != ReviewStatus.DRAFT.value]
    if actor.role is Role.CONTACT_OFFICER:
        if actor.contact_officer_id is None:
            raise PermissionDenied("This account is not linked to a contact officer record.")
        return [_D.contact_officer_id == actor.contact_officer_id, _R.status.in_(_RELEASED)]
    raise PermissionDenied(f"A {actor.role.label.lower()} does not see QA reviews.")


def list_reviews(
    ctx: Ctx,
    *,
    statuses: tuple[ReviewStatus, ...] = (),
    older_than_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> list[ReviewSummary]:
    """Newest first, keyset-paged by review id; only what the actor may see."""
    where = _scope(ctx)
    if statuses:
        where.append(_R.status.in_([s.value for s in statuses]))
    if older_than_id is not None:
        where.append(_R.id < older_than_id)
    return _summaries(ctx, where, limit)


def reviews_of_decision(ctx: Ctx, decision_id: int, *, limit: int = 10) -> list[ReviewSummary]:
    """The reviews of one decision the actor may see, newest first.

    The decision browser asks before starting a review of a decision someone has already
    reviewed: open theirs, or start a second independent one.
    """
    where = _scope(ctx)
    where.append(_R.decision_id == decision_id)
    return _summaries(ctx, where, limit)


def _summaries(ctx: Ctx, where: list[ColumnElement[bool]], limit: int) -> list[ReviewSummary]:
    _A = review_answers_table.c
    answered = (
        select(func.count())
        .where(_A.review_id == _R.id, _A.answer.is_not(None))
        .correlate(reviews_table)
        .scalar_subquery()
        .label("answered")
    )
    stmt = (
        select(
            _R.id,
            _R.decision_id,
            _D.cad_ref,
            _D.category,
            _U.display_name,
            _R.status,
            _R.judgement,
            _R.score,
            _R.passed,
            _R.band,
            _R.updated_at,
            _R.reviewer_user_id,
            _R.toolkit_row_id,
            _R.failed_critical,
            answered,
        )
        .select_from(reviews_table)
        .join(decisions_table, _D.id == _R.decision_id)
        .join(users_table, _U.id == _R.reviewer_user_id)
        .where(*where)
        .order_by(_R.id.desc())
        .limit(limit)
    )
    with ctx.db.read() as session:
        rows = session.execute(stmt).all()
        kits = {r.toolkit_row_id for r in rows}
        sources = session.execute(
            select(toolkits_table.c.id, toolkits_table.c.source, toolkits_table.c.toolkit_id).where(
                toolkits_table.c.id.in_(kits)
            )
        ).all()
    toolkit = {s.id: parse_cached(s.source, f"{s.toolkit_id}.toml") for s in sources}

    def applicable(r: Any) -> int:
        return len(toolkit[r.toolkit_row_id].criteria_for(Category(r.category)))

    return [
        ReviewSummary(
            id=r.id,
            decision_id=r.decision_id,
            cad_ref=r.cad_ref,
            category=r.category,
            reviewer=r.display_name,
            status=ReviewStatus(r.status),
            judgement=Judgement(r.judgement) if r.judgement else None,
            score=r.score,
            passed=r.passed,
            band=r.band,
            updated_at=r.updated_at,
            reviewer_user_id=r.reviewer_user_id,
            answered=min(
                int(r.answered), len(toolkit[r.toolkit_row_id].criteria_for(Category(r.category)))
            ),
            applicable=len(toolkit[r.toolkit_row_id].criteria_for(Category(r.category))),
            failed_critical=tuple(c for c in r.failed_critical.split(",") if c),
        )
        for r in rows
    ]
