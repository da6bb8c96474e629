"""The demo's quality-assurance work: a floorwalking rota, reviews and live-risk alerts.

Added after the decisions, entirely through the public services, each step acting as the
demo user who would take it (supervisor1 builds the rota, floorwalkers and QA leads score,
QA leads moderate and release, contact officers acknowledge) with a fixed clock at a
plausible moment inside the six weeks. So every row, change and audit entry is what the app
itself writes, and its timestamps are the same in every build.

A ``demo_qa_work`` audit row marks the work complete. Until it exists the work may be run
again: what an interrupted run already did is found and kept.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.shift_patterns import DEFAULT_TZ
from rcrp_tui.sample_data import qa_reviews
from rcrp_tui.sample_data.accounts import SHIFT_PATTERN
from rcrp_tui.services.core import audit, people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.rota import planning as rota
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import audit_table

QA_ACTION = "demo_qa_work"
ROTA_NAME = "Phase 1 floorwalking"
#: Assignments taken off the auto-filled rota after go-live, so the coverage view has gaps.
REMOVED_ASSIGNMENTS = 3
#: ...from shifts this many days after go-live on (and before ``GAPS_UNTIL_DAY``).
GAPS_FROM_DAY, GAPS_UNTIL_DAY = 14, 35
OPEN_ALERT_DESK = "Control room supervisor desk"
CLOSED_ALERT_DESK = "Force Incident Manager"
CLOSING_NOTE = (
    "Patrol attended within the hour; the person was found safe and handed to the crisis "
    "team. No further police action."
)


@dataclass(frozen=True)
class QaSummary:
    rota_assignments: int
    rota_gaps: int
    reviews: dict[str, int]
    alerts_open: int
    alerts_closed: int


def is_added(db: Database) -> bool:
    """True when the demo's QA work is complete in ``db``."""
    stmt = select(audit_table.c.id).where(audit_table.c.action == QA_ACTION).limit(1)
    with db.engine.connect() as conn:
        return conn.execute(stmt).first() is not None


def window(go_live: date, days: int) -> tuple[datetime, datetime]:
    """The six weeks in UTC: local midnight on go-live to local midnight ``days`` later."""
    begin = datetime.combine(go_live, time(), tzinfo=DEFAULT_TZ).astimezone(UTC)
    end = datetime.combine(go_live + timedelta(days=days), time(), tzinfo=DEFAULT_TZ)
    return begin, end.astimezone(UTC)


def add_qa_work(
    ctx: Ctx,
    *,
    seed: int,
    go_live: date,
    days: int,
    progress: Callable[[str], None] | None = None,
    as_of: datetime | None = None,
) -> QaSummary:
    """Add the rota, reviews and alerts; ``ctx`` is the command line's (it reads accounts).

    ``as_of`` is a live demo's "now" (inside the six weeks): the rota's gaps lie after
    it and the open alert is raised in its last hour. Without it, the fixed demo's "now":
    the last afternoon of the six weeks.
    """
    say = progress or (lambda _line: None)
    first, end = window(go_live, days)
    live = as_of is not None
    if as_of is None:
        as_of = end - timedelta(hours=8)
    clock = FixedClock(first)
    ctx_for = actors(ctx, clock)

    say("Building the phase 1 floorwalking rota…")
    # A live demo's gaps are all ahead of today, for the supervisor to fill.
    gaps_from = (
        max(GAPS_FROM_DAY, (as_of.astimezone(DEFAULT_TZ).date() - go_live).days + 1)
        if live
        else None
    )
    assignments, gaps = _rota(ctx_for("supervisor1"), clock, seed, go_live, days, gaps_from)

    say("Scoring, moderating and releasing reviews…")
    officers = {
        a.staff_id: a.username
        for a in _users(ctx)
        if a.role is Role.CONTACT_OFFICER and a.staff_id is not None
    }
    clock.instant = first
    planned = qa_reviews.plan(ctx_for("qalead1"), seed, first, as_of, officers)
    if live:
        planned = qa_reviews.this_shift(planned, as_of)
    views = qa_reviews.play(planned, clock, ctx_for)

    say("Raising live-risk alerts…")
    closed_index, open_index = qa_reviews.alert_reviews(planned, first)
    alerts_closed = alerts_open = 0
    if closed_index is not None:
        p = planned[closed_index]
        _alert(ctx_for, clock, views[closed_index].id, p.reviewer, p.started, CLOSED_ALERT_DESK)
        alerts_closed = 1
    if open_index is not None:
        p = planned[open_index]
        _alert(ctx_for, clock, views[open_index].id, p.reviewer, p.started, OPEN_ALERT_DESK)
        alerts_open = 1

    counts = Counter(v.status.value for v in views.values())
    summary = QaSummary(assignments, gaps, dict(sorted(counts.items())), alerts_open, alerts_closed)
    with ctx.writing(Permission.IMPORT_DECISIONS) as session:
        audit.record(
            session,
            ctx,
            QA_ACTION,
            "demo",
            None,
            after={
                "seed": seed,
                "rota": ROTA_NAME,
                "rota_assignments": assignments,
                "rota_gaps": gaps,
                "reviews": summary.reviews,
                "live_risk_open": alerts_open,
                "live_risk_closed": alerts_closed,
            },
        )
    return summary


def _users(ctx: Ctx) -> list[people.UserInfo]:
    return people.list_users(ctx)


def actors(ctx: Ctx, clock: FixedClock) -> Callable[[str], Ctx]:
    """A context per demo username, all sharing ``clock``."""
    team_ids = {t.name: t.id for t in people.list_teams(ctx)}
    officer_ids = {o.staff_id: o.id for o in people.list_contact_officers(ctx)}
    by_name = {
        u.username: Ctx(
            ctx.db,
            Actor(
                user_id=u.id,
                username=u.username,
                display_name=u.display_name,
                role=u.role,
                team_id=team_ids.get(u.team or ""),
                contact_officer_id=officer_ids.get(u.staff_id or ""),
            ),
            clock,
        )
        for u in _users(ctx)
    }
    return by_name.__getitem__


def _rota(
    ctx: Ctx,
    clock: FixedClock,
    seed: int,
    go_live: date,
    days: int,
    gaps_from: int | None = None,
) -> tuple[int, int]:
    """Create and auto-fill the rota two weeks before go-live; take a few shifts off it
    in the first week, as happens when floorwalkers are pulled back to other duties.

    The shifts taken off are in weeks three to five, from ``gaps_from`` days after
    go-live when given (a live demo's tomorrow)."""
    first_gap = GAPS_FROM_DAY if gaps_from is None else gaps_from
    last_gap = max(GAPS_UNTIL_DAY, first_gap + 7)
    existing = next((r for r in rota.list_rotas(ctx) if r.name == ROTA_NAME), None)
    if existing is None:
        clock.instant = datetime.combine(go_live - timedelta(days=14), time(9), tzinfo=UTC)
        info = rota.create_rota(
            ctx,
            name=ROTA_NAME,
            phase=1,
            go_live=go_live,
            shift_pattern=SHIFT_PATTERN,
            window_days=min(days, 42),
        )
        clock.instant += timedelta(minutes=20)
        proposal = rota.propose_autofill(ctx, info.id)
        rota.accept_proposal(ctx, info.id, proposal)
        # Later shifts only (weeks three to five), never a team's first shift.
        later = sorted(
            (
                a.key
                for a in proposal.assignments
                if first_gap <= (a.key.day - go_live).days < last_gap
            ),
            key=lambda k: (k.day, k.team_id, k.code),
        )
        rng = random.Random(f"demo-rota-{seed}")
        clock.instant = datetime.combine(go_live + timedelta(days=3), time(8), tzinfo=UTC)
        picked = rng.sample(later, min(REMOVED_ASSIGNMENTS, len(later)))
        for key in sorted(picked, key=lambda k: (k.day, k.team_id, k.code)):
            rota.unassign(ctx, info.id, key)
            clock.instant += timedelta(minutes=5)
        existing = info
    view = rota.rota_view(ctx, existing.id)
    return view.coverage.covered, len(view.coverage.gaps)


def _alert(
    ctx_for: Callable[[str], Ctx],
    clock: FixedClock,
    review_id: int,
    reviewer: str,
    started: datetime,
    desk: str,
) -> None:
    """Raise a live-risk alert on a review (closing it, unless it is the open one)."""
    ctx = ctx_for(reviewer)
    done = {c.action for c in reviews.history(ctx, review_id)}
    raised_at = started + timedelta(minutes=12)
    if "live_risk_raised" not in done:
        clock.instant = raised_at
        alert = live_risk.raise_live_risk(
            ctx, review_id, escalated_to=desk, escalated_at=raised_at - timedelta(minutes=4)
        )
        alert_id: int | None = alert.id
    else:
        alert_id = None
    if desk == OPEN_ALERT_DESK or "live_risk_closed" in done:
        return
    closer = ctx_for("qalead1")
    if alert_id is None:
        alert_id = next(
            (a.id for a in live_risk.open_alerts(closer) if a.review_id == review_id), None
        )
    if alert_id is not None:
        clock.instant = raised_at + timedelta(hours=3, minutes=10)
        live_risk.close_alert(closer, alert_id, CLOSING_NOTE)
