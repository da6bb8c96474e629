"""The bounded queries behind the home screens: counts by SQL aggregate, lists by LIMIT.

Each function takes an open read session and returns home records; the role checks are
made by ``services.home.summary`` before any of these run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from rcrp_tui.domain import coaching as coaching_rules
from rcrp_tui.domain.appeals import AppealRoute, PartnerType, stopwatch_minutes
from rcrp_tui.domain.clock import Clock
from rcrp_tui.domain.coaching import NoteStatus, Theme
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.sampling import SampleItemStatus
from rcrp_tui.domain.scoring import Judgement
from rcrp_tui.domain.statistics import wilson_interval
from rcrp_tui.services.coaching.notes import CoachingNoteView, overdue_clause
from rcrp_tui.services.home.records import (
    FIRST_FEW,
    AlertItem,
    Alerts,
    AppealItem,
    Appeals,
    FollowUp,
    FollowUps,
    MonthCompliance,
    QueueEntry,
    SampleRow,
)
from rcrp_tui.services.reviews.live_risk import LiveRiskView
from rcrp_tui.services.sampling.population import OPEN_SAMPLE
from rcrp_tui.storage.appeal_models import appeals_table
from rcrp_tui.storage.coaching_models import coaching_notes_table
from rcrp_tui.storage.models import (
    contact_officers_table,
    decisions_table,
    users_table,
)
from rcrp_tui.storage.review_models import live_risk_table, reviews_table
from rcrp_tui.storage.sampling_models import sample_items_table, samples_table

_R = reviews_table.c
_D = decisions_table.c
_L = live_risk_table.c
_N = coaching_notes_table.c
_CO = contact_officers_table.c
_U = users_table.c
_I = sample_items_table.c
_S = samples_table.c
_A = appeals_table.c


def count(session: Session, stmt: Any) -> int:
    """The number of rows ``stmt`` (a SELECT of one column) would return."""
    return int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())


# --- reviews -------------------------------------------------------------------------


def month_compliance(
    session: Session, now: datetime, *, months_back: int = 0, team_id: int | None = None
) -> tuple[MonthCompliance, int]:
    """Compliance of reviews submitted in a London month, and how many were judged
    "should have deployed". ``months_back`` 0 is the month ``now`` is in, 1 the one before.
    A review counts in the month it was submitted, whatever has happened to it since."""
    start = coaching_rules.month_start(now)
    for _ in range(months_back):
        start = coaching_rules.month_start(start - timedelta(seconds=1))
    end = coaching_rules.next_month_start(start)
    passed = func.coalesce(func.sum(case((_R.passed.is_(True), 1), else_=0)), 0)
    missed = func.coalesce(
        func.sum(case((_R.judgement == Judgement.SHOULD_HAVE_DEPLOYED.value, 1), else_=0)), 0
    )
    where: list[ColumnElement[bool]] = [
        _R.status != ReviewStatus.DRAFT.value,
        _R.submitted_at >= start,
        _R.submitted_at < end,
    ]
    stmt = select(func.count(_R.id), passed, missed).select_from(reviews_table)
    if team_id is not None:
        stmt = stmt.join(decisions_table, _D.id == _R.decision_id)
        where.append(_D.team_id == team_id)
    total, ok, should_have = session.execute(stmt.where(*where)).one()
    month = MonthCompliance(
        coaching_rules.month_key(start), start, end, wilson_interval(int(ok), int(total))
    )
    return month, int(should_have)


def review_count(session: Session, *where: ColumnElement[bool]) -> int:
    """How many reviews (joined to their decisions) match ``where``."""
    stmt = (
        select(func.count(_R.id))
        .select_from(reviews_table)
        .join(decisions_table, _D.id == _R.decision_id)
        .where(*where)
    )
    return int(session.execute(stmt).scalar_one())


def status_count(session: Session, statuses: tuple[ReviewStatus, ...]) -> int:
    """How many reviews are in ``statuses`` (read from the status index alone)."""
    stmt = select(func.count(_R.id)).where(_R.status.in_([s.value for s in statuses]))
    return int(session.execute(stmt).scalar_one())


# --- live risk -----------------------------------------------------------------------


def alert_item(view: LiveRiskView) -> AlertItem:
    return AlertItem(
        view.id, view.review_id, view.cad_ref, view.raised_by, view.raised_at, view.escalated_to
    )


def alerts_raised_by(session: Session, user_id: int | None) -> Alerts:
    """Open alerts one person raised, oldest first."""
    where = [_L.closed_at.is_(None), _L.raised_by == user_id]
    total = session.execute(
        select(func.count()).select_from(live_risk_table).where(*where)
    ).scalar_one()
    rows = session.execute(
        select(_L.id, _L.review_id, _D.cad_ref, _U.display_name, _L.raised_at, _L.escalated_to)
        .select_from(live_risk_table)
        .join(decisions_table, _D.id == _L.decision_id)
        .outerjoin(users_table, _U.id == _L.raised_by)
        .where(*where)
        .order_by(_L.raised_at, _L.id)
        .limit(FIRST_FEW)
    ).all()
    items = tuple(AlertItem(r[0], r[1], r[2], r[3] or "?", r[4], r[5]) for r in rows)
    return Alerts(int(total), items)


# --- appeals ------------------------------------------------------------------------


def open_live_appeals(session: Session, clock: Clock) -> Appeals:
    """Open live (999) appeals, longest waiting first."""
    where = [_A.outcome.is_(None), _A.route == AppealRoute.LIVE_999.value]
    total = session.execute(
        select(func.count()).select_from(appeals_table).where(*where)
    ).scalar_one()
    rows = session.execute(
        select(_A.id, _A.cad_ref, _A.partner_type, _A.partner_org, _A.received_at)
        .where(*where)
        .order_by(_A.received_at, _A.id)
        .limit(FIRST_FEW)
    ).all()
    items = tuple(
        AppealItem(
            r[0],
            r[1],
            f"{PartnerType(r[2]).label} · {r[3]}" if r[3] else PartnerType(r[2]).label,
            r[4],
            stopwatch_minutes(r[4], None, clock),
        )
        for r in rows
    )
    return Appeals(int(total), items)


# --- coaching follow-ups -------------------------------------------------------------


def follow_up(note: CoachingNoteView, now: datetime) -> FollowUp:
    """A coaching note view as a home-screen follow-up line."""
    due = note.follow_up_on
    assert due is not None  # only overdue notes, which have a follow-up date, come here
    return FollowUp(
        note.id,
        note.staff_id,
        note.team_id,
        note.theme.label,
        due,
        (coaching_rules.local_date(now) - due).days,
        note.author,
        note.status.label,
    )


def overdue_everywhere(session: Session, now: datetime) -> FollowUps:
    """Overdue follow-ups in every team (a QA lead reads every note), oldest due first."""
    where = overdue_clause(now)
    total = session.execute(
        select(func.count()).select_from(coaching_notes_table).where(where)
    ).scalar_one()
    rows = session.execute(
        select(
            _N.id,
            _CO.staff_id,
            _CO.team_id,
            _N.theme,
            _N.follow_up_on,
            _U.display_name,
            _N.status,
        )
        .select_from(coaching_notes_table)
        .join(contact_officers_table, _CO.id == _N.contact_officer_id)
        .outerjoin(users_table, _U.id == _N.author_user_id)
        .where(where)
        .order_by(_N.follow_up_on, _N.id)
        .limit(FIRST_FEW)
    ).all()
    today = coaching_rules.local_date(now)
    items = tuple(
        FollowUp(
            r[0],
            r[1],
            r[2],
            Theme(r[3]).label,
            r[4],
            (today - r[4]).days,
            r[5] or "?",
            NoteStatus(r[6]).label,
        )
        for r in rows
    )
    return FollowUps(int(total), items)


def overdue_count(session: Session, now: datetime, *where: ColumnElement[bool]) -> int:
    """How many overdue follow-ups match ``where`` (over notes joined to their officers)."""
    stmt = (
        select(func.count(_N.id))
        .select_from(coaching_notes_table)
        .join(contact_officers_table, _CO.id == _N.contact_officer_id)
        .where(overdue_clause(now), *where)
    )
    return int(session.execute(stmt).scalar_one())


# --- samples -------------------------------------------------------------------------


def _mine(user_id: int | None) -> ColumnElement[bool]:
    return or_(
        (_I.status == SampleItemStatus.CLAIMED) & (_I.claimed_by_user_id == user_id),
        (_I.status == SampleItemStatus.OPEN) & (_I.assigned_to_user_id == user_id),
    )


def my_queue(session: Session, user_id: int | None) -> tuple[int, tuple[QueueEntry, ...]]:
    """Items in open samples claimed by or assigned to ``user_id``: claimed ones first."""
    base = (
        select(_I.id)
        .select_from(sample_items_table)
        .join(samples_table, _S.id == _I.sample_id)
        .where(_S.status == OPEN_SAMPLE, _mine(user_id))
    )
    rows = session.execute(
        select(
            _I.id,
            _I.sample_id,
            _S.plan_name,
            _I.position,
            _I.decision_id,
            _D.cad_ref,
            _D.category,
            _I.status,
        )
        .select_from(sample_items_table)
        .join(samples_table, _S.id == _I.sample_id)
        .join(decisions_table, _D.id == _I.decision_id)
        .where(_S.status == OPEN_SAMPLE, _mine(user_id))
        .order_by(
            case((_I.status == SampleItemStatus.CLAIMED, 0), else_=1), _I.sample_id, _I.position
        )
        .limit(FIRST_FEW)
    ).all()
    return count(session, base), tuple(QueueEntry(*r) for r in rows)


def unassigned_open_items(session: Session) -> int:
    """Open items nobody is assigned to, in open samples: work anyone on shift may take."""
    stmt = (
        select(func.count(_I.id))
        .select_from(sample_items_table)
        .join(samples_table, _S.id == _I.sample_id)
        .where(
            _S.status == OPEN_SAMPLE,
            _I.status == SampleItemStatus.OPEN,
            _I.assigned_to_user_id.is_(None),
        )
    )
    return int(session.execute(stmt).scalar_one())


def sample_rows(session: Session, limit: int = FIRST_FEW) -> tuple[int, tuple[SampleRow, ...]]:
    """Open samples, newest first, with done / total from one GROUP BY (as ``progress``)."""
    total = session.execute(
        select(func.count()).select_from(samples_table).where(_S.status == OPEN_SAMPLE)
    ).scalar_one()
    samples = session.execute(
        select(_S.id, _S.plan_name, _S.drawn_at)
        .where(_S.status == OPEN_SAMPLE)
        .order_by(_S.id.desc())
        .limit(limit)
    ).all()
    ids = [s[0] for s in samples]
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        for sample_id, status, n in session.execute(
            select(_I.sample_id, _I.status, func.count())
            .where(_I.sample_id.in_(ids))
            .group_by(_I.sample_id, _I.status)
        ):
            counts[sample_id][status] = int(n)
    rows = []
    for sample_id, name, drawn_at in samples:
        c = counts[sample_id]
        rows.append(
            SampleRow(
                sample_id,
                name,
                drawn_at,
                done=c.get(SampleItemStatus.DONE, 0),
                total=c.get(SampleItemStatus.OPEN, 0)
                + c.get(SampleItemStatus.CLAIMED, 0)
                + c.get(SampleItemStatus.DONE, 0),
                skipped=c.get(SampleItemStatus.SKIPPED, 0),
                replaced=c.get(SampleItemStatus.REPLACED, 0),
            )
        )
    return int(total), tuple(rows)
