"""Each role's home screen: what needs doing now, in a handful of bounded queries.

One function per role, each refused to any other role. Everything counted is counted in
SQL and every list is the first few rows, so the home screen stays quick however large the
force's history grows. "This month" is the London calendar month of ``ctx.clock``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from rcrp_tui.domain import coaching as coaching_rules
from rcrp_tui.domain.coaching import NoteStatus, Theme
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.services.coaching import notes as coaching
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import PermissionDenied, ServiceError
from rcrp_tui.services.home import queries as q
from rcrp_tui.services.home.records import (
    FIRST_FEW,
    AdministratorHome,
    Alerts,
    Appeals,
    BriefingDue,
    DutyStatus,
    FloorwalkerHome,
    FollowUps,
    GoLive,
    Home,
    ImportInfo,
    OfficerHome,
    OpenNote,
    QaLeadHome,
    ReviewList,
    RotaGap,
    ShiftInfo,
    SupervisorHome,
    TeamResults,
    WeekCoverage,
)
from rcrp_tui.services.readiness import checklist as readiness
from rcrp_tui.services.readiness.briefings import briefings_due
from rcrp_tui.services.reviews import lists as review_lists
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.rota import planning as rota
from rcrp_tui.storage import change_feed
from rcrp_tui.storage.coaching_models import coaching_notes_table
from rcrp_tui.storage.models import (
    audit_table,
    contact_officers_table,
    decisions_table,
    teams_table,
    users_table,
)
from rcrp_tui.storage.review_models import reviews_table
from rcrp_tui.storage.rota_models import rota_assignments_table

_R = reviews_table.c
_D = decisions_table.c
_N = coaching_notes_table.c
_RA = rota_assignments_table.c
#: The supervisor's look ahead at the rota.
COVERAGE_DAYS = 7
_UNSETTLED = (NoteStatus.OPEN.value, NoteStatus.ACKNOWLEDGED.value)


def _require(ctx: Ctx, role: Role) -> None:
    if ctx.actor.role is not role:
        raise PermissionDenied(f"This is the {role.label.lower()}'s home, not a {_own(ctx)}'s.")


def _own(ctx: Ctx) -> str:
    return ctx.actor.role.label.lower()


def home(ctx: Ctx) -> Home:
    """The signed-in person's home, whatever their role."""
    builders: dict[Role, Callable[[Ctx], Home]] = {
        Role.FLOORWALKER: floorwalker_home,
        Role.QA_LEAD: qa_lead_home,
        Role.SUPERVISOR: supervisor_home,
        Role.CONTACT_OFFICER: officer_home,
        Role.ADMINISTRATOR: administrator_home,
    }
    return builders[ctx.actor.role](ctx)


def _reviews(ctx: Ctx, status: ReviewStatus, count: int) -> ReviewList:
    first = review_lists.list_reviews(ctx, statuses=(status,), limit=FIRST_FEW)
    return ReviewList(count, tuple(first))


def _open_alerts(ctx: Ctx) -> Alerts:
    first = live_risk.open_alerts(ctx, limit=FIRST_FEW)
    return Alerts(live_risk.open_count(ctx), tuple(q.alert_item(a) for a in first))


def _authored_overdue(ctx: Ctx) -> FollowUps:
    now = ctx.clock.now()
    first = coaching.overdue_for_author(ctx, limit=FIRST_FEW)
    with ctx.db.read() as session:
        total = q.overdue_count(
            session, now, coaching.visible_clause(ctx), _N.author_user_id == ctx.actor.user_id
        )
    return FollowUps(total, tuple(q.follow_up(n, now) for n in first))


def _go_live(ctx: Ctx) -> GoLive | None:
    """The next phase's countdown and readiness; a wrong checklist file is said, not raised,
    so Home still opens."""
    try:
        soon = readiness.next_go_live(ctx)
        if soon is None:
            return None
        report = readiness.readiness(ctx, soon.phase)
    except ServiceError as exc:
        return GoLive(0, "Go-live readiness cannot be shown", problem=exc.message)
    return GoLive(soon.phase, soon.text, report.checklist.tally.percent_text, len(report.blockers))


# --- floorwalker ---------------------------------------------------------------------


def _duty(ctx: Ctx) -> DutyStatus:
    me, now = ctx.actor.user_id, ctx.clock.now()
    on_shift = next(
        (
            ShiftInfo(d.team_name, d.shift_code, d.start, d.end, d.rota_name)
            for d in rota.on_duty_now(ctx)
            if d.floorwalker_id == me
        ),
        None,
    )
    if on_shift is not None:
        return DutyStatus(on_shift, None)
    # A night shift starts the evening before the day it is filed under at most.
    since = coaching_rules.local_date(now) - timedelta(days=1)
    with ctx.db.read() as session:
        rota_ids = list(
            session.execute(
                select(_RA.rota_id)
                .where(_RA.floorwalker_user_id == me, _RA.day >= since)
                .group_by(_RA.rota_id)
                .order_by(func.min(_RA.day))
                .limit(3)
            ).scalars()
        )
    upcoming: list[ShiftInfo] = []
    for rota_id in rota_ids:
        view = rota.rota_view(ctx, rota_id)
        upcoming += [
            ShiftInfo(
                s.shift.team_name,
                s.key.code,
                s.shift.start_utc,
                s.shift.end_utc,
                view.rota.name,
            )
            for s in view.slots
            if s.floorwalker_id == me and s.shift.start_utc > now
        ]
    return DutyStatus(None, min(upcoming, key=lambda s: s.start, default=None))


def floorwalker_home(ctx: Ctx) -> FloorwalkerHome:
    """On shift or when next; the sample items they hold; their drafts; alerts they raised."""
    _require(ctx, Role.FLOORWALKER)
    duty = _duty(ctx)
    me = ctx.actor.user_id
    with ctx.db.read() as session:
        queue_count, queue = q.my_queue(session, me)
        waiting = q.unassigned_open_items(session)
        drafts = q.review_count(
            session, _R.reviewer_user_id == me, _R.status == ReviewStatus.DRAFT.value
        )
        alerts = q.alerts_raised_by(session, me)
    return FloorwalkerHome(
        duty=duty,
        queue_count=queue_count,
        queue=queue,
        waiting_in_open_samples=waiting,
        drafts=_reviews(ctx, ReviewStatus.DRAFT, drafts),
        alerts=alerts,
        authored_overdue=_authored_overdue(ctx),
        generated_at=ctx.clock.now(),
    )


# --- QA lead -------------------------------------------------------------------------


def qa_lead_home(ctx: Ctx) -> QaLeadHome:
    """Samples in progress, the moderation queue, compliance this month against last,
    open live-risk alerts and overdue coaching follow-ups in every team."""
    _require(ctx, Role.QA_LEAD)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        open_samples, samples = q.sample_rows(session)
        overdue = q.overdue_everywhere(session, now)
    return QaLeadHome(
        samples=samples,
        open_samples=open_samples,
        alerts=_open_alerts(ctx),
        overdue=overdue,
        generated_at=now,
        go_live=_go_live(ctx),
        **_qa_reviews(ctx),
    )


def _qa_reviews(ctx: Ctx, _home: Home | None = None) -> dict[str, Any]:
    """The moderation queue and compliance this month against last."""
    now = ctx.clock.now()
    queue = (ReviewStatus.SUBMITTED, ReviewStatus.MODERATED)
    with ctx.db.read() as session:
        waiting = q.status_count(session, queue)
        this_month, _ = q.month_compliance(session, now)
        last_month, _ = q.month_compliance(session, now, months_back=1)
    # One query per status: each walks the (status, id) index newest first and stops after
    # a few rows, where one IN over both statuses would sort every waiting review.
    per_status = [
        r for s in queue for r in review_lists.list_reviews(ctx, statuses=(s,), limit=FIRST_FEW)
    ]
    first = sorted(per_status, key=lambda r: r.id, reverse=True)[:FIRST_FEW]
    return {
        "moderation": ReviewList(waiting, tuple(first)),
        "this_month": this_month,
        "last_month": last_month,
    }


# --- supervisor ----------------------------------------------------------------------


def _coverage(ctx: Ctx, team_id: int | None, scope: str) -> WeekCoverage:
    """Shifts running or starting in the next seven days, on every rota that has them."""
    now = ctx.clock.now()
    until = now + timedelta(days=COVERAGE_DAYS)
    today = coaching_rules.local_date(now)
    names: list[str] = []
    shifts = []
    for info in rota.list_rotas(ctx):
        if info.go_live > today + timedelta(days=COVERAGE_DAYS) or info.last_day < today:
            continue
        view = rota.rota_view(ctx, info.id)
        mine = [
            s
            for s in view.slots
            if s.shift.end_utc > now
            and s.shift.start_utc < until
            and (team_id is None or s.key.team_id == team_id)
        ]
        if mine:
            names.append(info.name)
            shifts += mine
    gaps = sorted((s for s in shifts if s.floorwalker_id is None), key=lambda s: s.shift.start)
    due = tuple(
        BriefingDue(b.phase, b.team_name, b.shift_code, b.start)
        for b in briefings_due(ctx, team_id=team_id)
    )
    return WeekCoverage(
        scope=scope,
        rotas=tuple(names),
        total=len(shifts),
        covered=len(shifts) - len(gaps),
        gap_count=len(gaps),
        gaps=tuple(
            RotaGap(
                g.key.day,
                g.shift.team_name,
                g.key.code,
                g.shift.start_utc,
                g.shift.is_night,
                g.shift.is_weekend,
                g.shift.is_first,
            )
            for g in gaps[:FIRST_FEW]
        ),
        briefings_due=due,
    )


def _live_appeals(ctx: Ctx) -> Appeals:
    ctx.require(Permission.RECORD_APPEALS)
    with ctx.db.read() as session:
        return q.open_live_appeals(session, ctx.clock)


def supervisor_home(ctx: Ctx) -> SupervisorHome:
    """Rota coverage and gaps for the coming week, open live-risk alerts and live appeals,
    the team's results this month, and overdue follow-ups in the team and of their own.

    A supervisor is tied to one team (``User.team_id``); an account without one sees
    coverage and results for every team, and no team follow-ups."""
    _require(ctx, Role.SUPERVISOR)
    now = ctx.clock.now()
    team_id = ctx.actor.team_id
    with ctx.db.read() as session:
        team_name = (
            session.execute(
                select(teams_table.c.name).where(teams_table.c.id == team_id)
            ).scalar_one_or_none()
            if team_id is not None
            else None
        )
        month, should_have = q.month_compliance(session, now, team_id=team_id)
        team_total = (
            q.overdue_count(session, now, contact_officers_table.c.team_id == team_id)
            if team_id is not None
            else 0
        )
    scope = team_name or "every team"
    team_first = coaching.overdue_for_team(ctx, limit=FIRST_FEW) if team_id is not None else []
    return SupervisorHome(
        team_name=team_name,
        coverage=_coverage(ctx, team_id, scope),
        alerts=_open_alerts(ctx),
        appeals=_live_appeals(ctx),
        results=TeamResults(scope, month, should_have),
        team_overdue=FollowUps(team_total, tuple(q.follow_up(n, now) for n in team_first)),
        authored_overdue=_authored_overdue(ctx) if team_id is not None else FollowUps(0, ()),
        generated_at=now,
        go_live=_go_live(ctx),
    )


# --- contact officer -----------------------------------------------------------------


def officer_home(ctx: Ctx) -> OfficerHome:
    """Their released reviews waiting to be acknowledged and their unsettled coaching notes."""
    _require(ctx, Role.CONTACT_OFFICER)
    officer = ctx.actor.contact_officer_id
    if officer is None:
        raise PermissionDenied("This account is not linked to a contact officer record.")
    now = ctx.clock.now()
    where = [_N.contact_officer_id == officer, _N.status.in_(_UNSETTLED)]
    with ctx.db.read() as session:
        released = q.review_count(
            session, _D.contact_officer_id == officer, _R.status == ReviewStatus.RELEASED.value
        )
        notes_count = session.execute(
            select(func.count()).select_from(coaching_notes_table).where(*where)
        ).scalar_one()
        rows = session.execute(
            select(_N.id, _N.theme, _N.status, _N.agreed_actions, _N.follow_up_on)
            .where(*where)
            # Soonest follow-up first; notes without a date after those with one.
            .order_by(_N.follow_up_on.is_(None), _N.follow_up_on, _N.id)
            .limit(FIRST_FEW)
        ).all()
    notes = tuple(
        OpenNote(
            r[0],
            Theme(r[1]).label,
            NoteStatus(r[2]).label,
            r[3],
            r[4],
            coaching_rules.is_overdue(r[4], NoteStatus(r[2]), now),
            r[2] == NoteStatus.OPEN.value,
        )
        for r in rows
    )
    return OfficerHome(
        to_acknowledge=_reviews(ctx, ReviewStatus.RELEASED, released),
        notes_count=int(notes_count),
        notes=notes,
        generated_at=now,
    )


# --- administrator -------------------------------------------------------------------


def administrator_home(ctx: Ctx) -> AdministratorHome:
    """Active accounts by role, teams and officers, the last import and audit volume."""
    _require(ctx, Role.ADMINISTRATOR)
    now = ctx.clock.now()
    u, co = users_table.c, contact_officers_table.c
    with ctx.db.read() as session:
        by_role = dict(
            session.execute(
                select(u.role, func.count()).where(u.active.is_(True)).group_by(u.role)
            ).all()
        )
        teams = session.execute(select(func.count()).select_from(teams_table)).scalar_one()
        officers = session.execute(
            select(func.count()).select_from(contact_officers_table).where(co.active.is_(True))
        ).scalar_one()
        audit_total = session.execute(select(func.count()).select_from(audit_table)).scalar_one()
        last_week = session.execute(
            select(func.count())
            .select_from(audit_table)
            .where(audit_table.c.at >= now - timedelta(days=7))
        ).scalar_one()
    imports = audit.entries(ctx, entity="import", limit=1)
    last_import = None
    if imports:
        entry = imports[0]
        after = entry.after or {}
        last_import = ImportInfo(
            entry.at,
            entry.actor,
            str(after.get("file", entry.entity_id or "")),
            int(after.get("inserted", 0)),
            int(after.get("updated", 0)),
            int(after.get("rejected", 0)),
        )
    return AdministratorHome(
        users_by_role=tuple((role.label, int(by_role.get(role.value, 0))) for role in Role),
        teams=int(teams),
        contact_officers=int(officers),
        last_import=last_import,
        audit_entries=int(audit_total),
        audit_last_week=int(last_week),
        generated_at=now,
        go_live=_go_live(ctx),
    )


# --- one part again, when another terminal changed what it shows --------------------

Part = Callable[[Ctx, Home], dict[str, Any]]


def _fw_queue(ctx: Ctx, _home: Home) -> dict[str, Any]:
    with ctx.db.read() as session:
        queue_count, queue = q.my_queue(session, ctx.actor.user_id)
        waiting = q.unassigned_open_items(session)
    return {"queue_count": queue_count, "queue": queue, "waiting_in_open_samples": waiting}


def _fw_drafts(ctx: Ctx, _home: Home) -> dict[str, Any]:
    mine = _R.reviewer_user_id == ctx.actor.user_id
    with ctx.db.read() as session:
        drafts = q.review_count(session, mine, _R.status == ReviewStatus.DRAFT.value)
    return {"drafts": _reviews(ctx, ReviewStatus.DRAFT, drafts)}


def _fw_alerts(ctx: Ctx, _home: Home) -> dict[str, Any]:
    with ctx.db.read() as session:
        return {"alerts": q.alerts_raised_by(session, ctx.actor.user_id)}


def _qa_samples(ctx: Ctx, _home: Home) -> dict[str, Any]:
    with ctx.db.read() as session:
        open_samples, samples = q.sample_rows(session)
    return {"samples": samples, "open_samples": open_samples}


def _supervisor_coverage(ctx: Ctx, home: Home) -> dict[str, Any]:
    assert isinstance(home, SupervisorHome)
    return {"coverage": _coverage(ctx, ctx.actor.team_id, home.results.scope)}


def _supervisor_results(ctx: Ctx, home: Home) -> dict[str, Any]:
    assert isinstance(home, SupervisorHome)
    with ctx.db.read() as session:
        month, should_have = q.month_compliance(session, ctx.clock.now(), team_id=ctx.actor.team_id)
    return {"results": TeamResults(home.results.scope, month, should_have)}


def _officer_released(ctx: Ctx, _home: Home) -> dict[str, Any]:
    officer = ctx.actor.contact_officer_id
    with ctx.db.read() as session:
        released = q.review_count(
            session, _D.contact_officer_id == officer, _R.status == ReviewStatus.RELEASED.value
        )
    return {"to_acknowledge": _reviews(ctx, ReviewStatus.RELEASED, released)}


#: For each role's home, what each change-feed topic touches and how to read it again.
PARTS: dict[type[Home], dict[str, Part]] = {
    FloorwalkerHome: {
        change_feed.QUEUE: _fw_queue,
        change_feed.REVIEWS: _fw_drafts,
        change_feed.LIVE_RISK: _fw_alerts,
        change_feed.ROTA: lambda ctx, _home: {"duty": _duty(ctx)},
    },
    QaLeadHome: {
        change_feed.QUEUE: _qa_samples,
        change_feed.REVIEWS: _qa_reviews,
        change_feed.LIVE_RISK: lambda ctx, _home: {"alerts": _open_alerts(ctx)},
    },
    SupervisorHome: {
        change_feed.ROTA: _supervisor_coverage,
        change_feed.LIVE_RISK: lambda ctx, _home: {"alerts": _open_alerts(ctx)},
        change_feed.APPEALS: lambda ctx, _home: {"appeals": _live_appeals(ctx)},
        change_feed.REVIEWS: _supervisor_results,
    },
    OfficerHome: {change_feed.REVIEWS: _officer_released},
    AdministratorHome: {},
}
_ROLE_OF: dict[type[Home], Role] = {
    FloorwalkerHome: Role.FLOORWALKER,
    QaLeadHome: Role.QA_LEAD,
    SupervisorHome: Role.SUPERVISOR,
    OfficerHome: Role.CONTACT_OFFICER,
    AdministratorHome: Role.ADMINISTRATOR,
}


def refreshed(ctx: Ctx, home: Home, topics: Iterable[str]) -> Home:
    """``home`` with only the parts that the changed ``topics`` touch read again; the rest,
    and ``generated_at``, as they were. A topic this home does not show reads nothing."""
    _require(ctx, _ROLE_OF[type(home)])
    parts = PARTS[type(home)]
    fields: dict[str, Any] = {}
    for topic in sorted(set(topics) & parts.keys()):
        fields.update(parts[topic](ctx, home))
    return replace(home, **fields) if fields else home
