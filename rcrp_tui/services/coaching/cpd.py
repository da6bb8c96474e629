"""Each officer's development record (CPD) and a supervisor's team table.

Need-to-know (docs/domain-rules.md §9): a contact officer sees only their own record, and only
reviews released to them; a supervisor sees their own team; a QA lead sees anyone.
Everything is counted in SQL: per-criterion trends group by London month with CASE
buckets computed here, so the same query runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from rcrp_tui.domain import coaching as rules
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.domain.verdict import submitted_verdict
from rcrp_tui.services.coaching.notes import CoachingNoteView, list_notes, overdue_clause
from rcrp_tui.services.core.blindness import blind_decision_ids
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import NotFound, PermissionDenied, ValidationFailed
from rcrp_tui.storage.coaching_models import coaching_notes_table
from rcrp_tui.storage.models import contact_officers_table, decisions_table, teams_table
from rcrp_tui.storage.review_models import review_answers_table, reviews_table

TREND_MONTHS = 6
REVIEW_LIMIT = 24
_R = reviews_table.c
_D = decisions_table.c
_A = review_answers_table.c
_N = coaching_notes_table.c
_CO = contact_officers_table.c
_RELEASED = (ReviewStatus.RELEASED.value, ReviewStatus.ACKNOWLEDGED.value)


@dataclass(frozen=True)
class ReviewPoint:
    """One review of the officer's decisions, for the record's timeline."""

    review_id: int
    cad_ref: str
    submitted_at: datetime
    status: ReviewStatus
    score: float | None
    passed: bool
    judgement: Judgement | None
    failed_critical: tuple[str, ...] = ()

    @property
    def verdict_words(self) -> str:
        """``PASS`` / ``FAIL (critical C05 not met)`` (domain/verdict.py)."""
        return submitted_verdict(
            band_passes=self.passed, failed_critical=self.failed_critical
        ).words


@dataclass(frozen=True)
class CriterionTrend:
    """Met rate of one criterion per London month: (month, met, answered) oldest first."""

    code: str
    months: tuple[tuple[str, int, int], ...]

    @property
    def overall(self) -> float | None:
        answered = sum(a for _m, _met, a in self.months)
        return None if answered == 0 else sum(m for _k, m, _a in self.months) / answered


@dataclass(frozen=True)
class OfficerRecord:
    staff_id: str
    team: str | None
    months: tuple[str, ...]  # the trend's months, oldest first
    reviews: tuple[ReviewPoint, ...]  # newest first
    trends: tuple[CriterionTrend, ...]
    notes: tuple[CoachingNoteView, ...]  # newest first
    open_actions: tuple[CoachingNoteView, ...]  # unsettled notes with agreed actions
    generated_at: datetime


@dataclass(frozen=True)
class TeamRow:
    staff_id: str
    last_review_at: datetime | None
    open_notes: int
    overdue_follow_ups: int
    reviews_this_month: int
    quota: int = rules.REVIEWS_PER_OFFICER_PER_MONTH

    @property
    def below_quota(self) -> bool:
        return self.reviews_this_month < self.quota


def _officer(session: Session, staff_id: str) -> tuple[int, int | None, str | None]:
    row = session.execute(
        select(_CO.id, _CO.team_id, teams_table.c.name)
        .select_from(contact_officers_table)
        .outerjoin(teams_table, teams_table.c.id == _CO.team_id)
        .where(_CO.staff_id == staff_id.strip())
    ).first()
    if row is None:
        raise NotFound(f"No contact officer has staff ID {staff_id!r}.")
    return row[0], row[1], row[2]


def _require_record_access(ctx: Ctx, officer_id: int, team_id: int | None) -> None:
    actor = ctx.actor
    if actor.role is Role.QA_LEAD:
        return
    if actor.role is Role.CONTACT_OFFICER:
        if actor.contact_officer_id == officer_id:
            return
        raise PermissionDenied("A contact officer sees only their own development record.")
    if actor.role is Role.SUPERVISOR:
        if team_id is not None and actor.team_id == team_id:
            return
        raise PermissionDenied("A supervisor sees development records of their own team only.")
    raise PermissionDenied(
        f"A {actor.role.label.lower()} does not read officers' development records."
    )


def _review_scope(ctx: Ctx, officer_id: int) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        _D.contact_officer_id == officer_id,
        _R.submitted_at.is_not(None),
    ]
    if ctx.actor.role is Role.CONTACT_OFFICER:
        where.append(_R.status.in_(_RELEASED))
    else:
        where.append(_R.status != ReviewStatus.DRAFT.value)
    return where


def _not_blind(ctx: Ctx) -> list[ColumnElement[bool]]:
    """A grader in a calibration session does not see others' reviews of a decision they
    have still to score there (services/core/blindness.py)."""
    if ctx.actor.user_id is None or ctx.actor.role is Role.CONTACT_OFFICER:
        return []
    me = ctx.actor.user_id
    return [or_(_R.reviewer_user_id == me, _R.decision_id.not_in(blind_decision_ids(me)))]


def _month_starts(now: datetime, count: int) -> list[datetime]:
    """The UTC starts of the last ``count`` London months, oldest first, plus the next."""
    starts = [rules.next_month_start(now), rules.month_start(now)]
    while len(starts) <= count:
        starts.append(rules.month_start(starts[-1] - timedelta(seconds=1)))
    return starts[::-1]


def _trends(
    session: Session, scope: list[ColumnElement[bool]], starts: list[datetime]
) -> tuple[tuple[str, ...], tuple[CriterionTrend, ...]]:
    months = tuple(rules.month_key(s) for s in starts[:-1])
    bucket = case(
        *[
            (and_(_R.submitted_at >= lo, _R.submitted_at < hi), literal(key))
            for lo, hi, key in zip(starts, starts[1:], months, strict=False)
        ],
        else_=None,
    ).label("month")
    met = func.sum(case((_A.answer == Answer.MET.value, 1), else_=0)).label("met")
    answered = func.count(_A.id).label("answered")
    stmt = (
        select(_A.criterion_code, bucket, met, answered)
        .select_from(review_answers_table)
        .join(reviews_table, _R.id == _A.review_id)
        .join(decisions_table, _D.id == _R.decision_id)
        .where(
            *scope,
            _R.submitted_at >= starts[0],
            _R.submitted_at < starts[-1],
            _A.answer.is_not(None),
            _A.answer != Answer.NA.value,
        )
        .group_by(_A.criterion_code, bucket)
    )
    cells: dict[str, dict[str, tuple[int, int]]] = {}
    for code, month, m, a in session.execute(stmt).all():
        cells.setdefault(code, {})[month] = (int(m or 0), int(a))
    trends = tuple(
        CriterionTrend(code, tuple((k, *cells[code].get(k, (0, 0))) for k in months))
        for code in sorted(cells)
    )
    return months, trends


def own_staff_id(ctx: Ctx) -> str:
    """The signed-in contact officer's own staff ID (their record is the only one they see)."""
    officer_id = ctx.actor.contact_officer_id
    if ctx.actor.role is not Role.CONTACT_OFFICER or officer_id is None:
        raise PermissionDenied("This account is not linked to a contact officer record.")
    with ctx.db.read() as session:
        staff_id = session.execute(
            select(_CO.staff_id).where(_CO.id == officer_id)
        ).scalar_one_or_none()
    if staff_id is None:
        raise NotFound("This account's contact officer record no longer exists.")
    return str(staff_id)


def officer_record(ctx: Ctx, staff_id: str, *, review_limit: int = REVIEW_LIMIT) -> OfficerRecord:
    """One officer's record: reviews, per-criterion trend, coaching notes, open actions."""
    now = ctx.clock.now()
    with ctx.db.read() as session:
        officer_id, team_id, team = _officer(session, staff_id)
        _require_record_access(ctx, officer_id, team_id)
        scope = _review_scope(ctx, officer_id)
        rows = session.execute(
            select(
                _R.id,
                _D.cad_ref,
                _R.submitted_at,
                _R.status,
                _R.score,
                _R.passed,
                _R.judgement,
                _R.failed_critical,
            )
            .select_from(reviews_table)
            .join(decisions_table, _D.id == _R.decision_id)
            .where(*scope, *_not_blind(ctx))
            .order_by(_R.submitted_at.desc(), _R.id.desc())
            .limit(review_limit)
        ).all()
        months, trends = _trends(session, scope, _month_starts(now, TREND_MONTHS))
    reviews = tuple(
        ReviewPoint(
            r.id,
            r.cad_ref,
            r.submitted_at,
            ReviewStatus(r.status),
            r.score,
            r.passed,
            Judgement(r.judgement) if r.judgement else None,
            tuple(c for c in r.failed_critical.split(",") if c),
        )
        for r in rows
    )
    notes = tuple(list_notes(ctx, staff_id=staff_id.strip()))
    # Open actions are asked for separately: an old open note may be past the first page.
    unsettled = (rules.NoteStatus.OPEN, rules.NoteStatus.ACKNOWLEDGED)
    actions = tuple(
        n
        for n in list_notes(ctx, staff_id=staff_id.strip(), statuses=unsettled)
        if n.agreed_actions
    )
    return OfficerRecord(staff_id.strip(), team, months, reviews, trends, notes, actions, now)


def team_table(
    ctx: Ctx,
    team_id: int | None = None,
    *,
    after_staff_id: str | None = None,
    limit: int = 50,
) -> list[TeamRow]:
    """Officers of a team with last review, open notes, overdue follow-ups and reviews this
    month against the quota; keyset-paged by staff ID. A supervisor gets their own team."""
    actor = ctx.actor
    if actor.role is Role.SUPERVISOR:
        team_id = actor.team_id
    elif actor.role is not Role.QA_LEAD:
        raise PermissionDenied("The team table is for supervisors and QA leads.")
    if team_id is None:
        raise ValidationFailed("Team", "choose a team")
    now = ctx.clock.now()
    officer = _CO.id
    reviewed = and_(
        _D.contact_officer_id == officer,
        _R.status != ReviewStatus.DRAFT.value,
        _R.submitted_at.is_not(None),
    )
    review_from = reviews_table.join(decisions_table, _D.id == _R.decision_id)
    last_review = select(func.max(_R.submitted_at)).select_from(review_from).where(reviewed)
    this_month = (
        select(func.count(_R.id))
        .select_from(review_from)
        .where(
            reviewed,
            _R.submitted_at >= rules.month_start(now),
            _R.submitted_at < rules.next_month_start(now),
        )
    )
    open_notes = select(func.count(_N.id)).where(
        _N.contact_officer_id == officer, _N.status != rules.NoteStatus.CLOSED.value
    )
    overdue = select(func.count(_N.id)).where(_N.contact_officer_id == officer, overdue_clause(now))
    where: list[ColumnElement[bool]] = [_CO.team_id == team_id, _CO.active.is_(True)]
    if after_staff_id is not None:
        where.append(_CO.staff_id > after_staff_id)
    stmt = (
        select(
            _CO.staff_id,
            last_review.scalar_subquery().label("last_review"),
            open_notes.scalar_subquery().label("open_notes"),
            overdue.scalar_subquery().label("overdue"),
            this_month.scalar_subquery().label("this_month"),
        )
        .where(*where)
        .order_by(_CO.staff_id)
        .limit(limit)
    )
    with ctx.db.read() as session:
        rows = session.execute(stmt).all()
    return [
        TeamRow(r.staff_id, r.last_review, int(r.open_notes), int(r.overdue), int(r.this_month))
        for r in rows
    ]
