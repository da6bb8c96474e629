"""Live risk found during a review: someone may still be at risk now.

This bypasses the review workflow. Raising it records who it was escalated to (a role or
desk, never a person's name) and when; from then on it is listed for every QA lead and
supervisor until one of them closes it with a note. All of it is audited. The closing
note passes the personal-data guard like every other piece of free text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from rcrp_tui.domain import personal_data
from rcrp_tui.domain.clock import ensure_utc
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.concurrency import check_seen
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, ValidationFailed
from rcrp_tui.services.core.free_text import guard_free_text
from rcrp_tui.services.reviews.records import add_change
from rcrp_tui.storage import change_feed
from rcrp_tui.storage.models import decisions_table, users_table
from rcrp_tui.storage.review_models import NOTE_MAX, LiveRiskAlert, Review, live_risk_table

ESCALATED_TO_MAX = 120
#: How the guard and the personal-data dialog name the closing note.
CLOSING_NOTE_FIELD = "Closing note"
# A title followed by a capitalised word looks like a person's name (docs/domain-rules.md §9).
_NAMED_PERSON = re.compile(r"\b(?i:mr|mrs|ms|miss|mx|dr|pc|dc|sgt)\.?\s+[A-Z][a-z]+")
# Clocks on shared terminals drift a little; anything further ahead is a typing mistake.
_FUTURE_SLACK = timedelta(minutes=5)

_L = live_risk_table.c
_D = decisions_table.c
_U = users_table.c


@dataclass(frozen=True)
class LiveRiskView:
    id: int
    review_id: int
    decision_id: int
    cad_ref: str
    raised_by: str
    raised_at: datetime
    escalated_to: str
    escalated_at: datetime
    closed_by: str | None = None
    closed_at: datetime | None = None
    closing_note: str | None = None
    row_version: int = 1

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


def raise_live_risk(
    ctx: Ctx, review_id: int, *, escalated_to: str, escalated_at: datetime
) -> LiveRiskView:
    """Record a live risk found while scoring ``review_id`` and to whom it went, when."""
    target = escalated_to.strip()
    if not target:
        raise ValidationFailed("escalated_to", "say which role or desk it was escalated to")
    if len(target) > ESCALATED_TO_MAX:
        raise ValidationFailed("escalated_to", f"at most {ESCALATED_TO_MAX} characters")
    if _NAMED_PERSON.search(target) or personal_data.scan(target):
        raise ValidationFailed(
            "escalated_to",
            "name a role or desk (e.g. 'Force Incident Manager'), not a person",
        )
    try:
        when = ensure_utc(escalated_at)
    except ValueError as exc:
        raise ValidationFailed("escalated_at", str(exc)) from None
    now = ctx.clock.now()
    if when > now + _FUTURE_SLACK:
        raise ValidationFailed("escalated_at", "is in the future")
    with ctx.writing(Permission.SCORE_REVIEWS) as session:
        review = session.get(Review, review_id)
        if review is None or (
            review.reviewer_user_id != ctx.actor.user_id and ctx.actor.role is not Role.QA_LEAD
        ):
            raise NotFound(f"no review with id {review_id} of yours")
        alert = LiveRiskAlert(
            review_id=review_id,
            decision_id=review.decision_id,
            raised_by=ctx.actor.user_id,
            raised_at=now,
            escalated_to=target,
            escalated_at=when,
        )
        session.add(alert)
        session.flush()
        after = {"alert_id": alert.id, "escalated_to": target, "escalated_at": when.isoformat()}
        add_change(session, review_id, now, ctx.actor, "live_risk_raised", None, None, after)
        audit.record(session, ctx, "live_risk_raised", "live_risk", alert.id, after=after)
        change_feed.announce(session, change_feed.LIVE_RISK, [alert.id])
        alert_id = alert.id or 0
    return _get(ctx, alert_id)


def open_alerts(ctx: Ctx, limit: int = 50) -> list[LiveRiskView]:
    """Open alerts, oldest first: for QA leads and supervisors."""
    ctx.require(Permission.CLOSE_LIVE_RISK)
    return _select(ctx, _L.closed_at.is_(None), limit=limit)


def open_count(ctx: Ctx) -> int:
    ctx.require(Permission.CLOSE_LIVE_RISK)
    with ctx.db.read() as session:
        stmt = select(func.count()).select_from(live_risk_table).where(_L.closed_at.is_(None))
        return int(session.execute(stmt).scalar_one())


def close_alert(
    ctx: Ctx,
    alert_id: int,
    note: str,
    *,
    override_reason: str | None = None,
    expected_version: int | None = None,
) -> LiveRiskView:
    """Close an alert with a note saying what was done (QA lead or supervisor).

    ``expected_version`` is the ``row_version`` of the alert as the person saw it: if it
    changed since, nothing is saved and ``Conflict`` says so.

    A note that looks like personal data is refused with ``PersonalDataFound`` unless
    ``override_reason`` says why it must be kept; the override is audited with the alert.
    """
    note = note.strip()
    if not note:
        raise ValidationFailed("note", "say what was done before closing the alert")
    if len(note) > NOTE_MAX:
        raise ValidationFailed("note", f"at most {NOTE_MAX} characters")
    now = ctx.clock.now()
    with ctx.writing(Permission.CLOSE_LIVE_RISK) as session:
        alert = session.get(LiveRiskAlert, alert_id, with_for_update=True)
        if alert is None:
            raise NotFound(f"no live-risk alert {alert_id}")
        if alert.closed_at is not None:
            raise Conflict(f"live-risk alert {alert_id} was already closed")
        check_seen("live_risk_alerts", alert.row_version, expected_version)
        guard_free_text(
            session,
            ctx,
            field=CLOSING_NOTE_FIELD,
            text=note,
            override_reason=override_reason,
            entity="live_risk",
            entity_id=alert_id,
        )
        alert.closed_by, alert.closed_at, alert.closing_note = ctx.actor.user_id, now, note
        after = {"alert_id": alert_id, "closing_note": note}
        add_change(session, alert.review_id, now, ctx.actor, "live_risk_closed", note, None, after)
        audit.record(session, ctx, "live_risk_closed", "live_risk", alert_id, after=after)
        change_feed.announce(session, change_feed.LIVE_RISK, [alert_id])
    return _get(ctx, alert_id)


def _get(ctx: Ctx, alert_id: int) -> LiveRiskView:
    rows = _select(ctx, _L.id == alert_id, limit=1)
    if not rows:
        raise NotFound(f"no live-risk alert {alert_id}")
    return rows[0]


def _select(ctx: Ctx, where: object, *, limit: int) -> list[LiveRiskView]:
    raiser = users_table.alias("raiser")
    closer = users_table.alias("closer")
    stmt = (
        select(
            _L.id,
            _L.review_id,
            _L.decision_id,
            _D.cad_ref,
            raiser.c.display_name,
            _L.raised_at,
            _L.escalated_to,
            _L.escalated_at,
            closer.c.display_name,
            _L.closed_at,
            _L.closing_note,
            _L.row_version,
        )
        .select_from(live_risk_table)
        .join(decisions_table, _D.id == _L.decision_id)
        .join(raiser, raiser.c.id == _L.raised_by, isouter=True)
        .join(closer, closer.c.id == _L.closed_by, isouter=True)
        .where(where)  # type: ignore[arg-type]
        .order_by(_L.raised_at, _L.id)
        .limit(limit)
    )
    with ctx.db.read() as session:
        rows = session.execute(stmt).all()
    return [LiveRiskView(r[0], r[1], r[2], r[3], r[4] or "?", *r[5:]) for r in rows]
