"""Creating, listing and closing calibration sessions.

A QA lead creates a session: a title, a toolkit version, 3 to 30 decisions (by CAD
reference, or drawn from a saved sampling plan), two or more graders (floorwalkers and QA
leads) and a deadline. The answers are revealed when every grader has submitted every
decision, or when the QA lead closes the session, whichever comes first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from rcrp_tui.domain.enums import Category, Role
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.toolkit import Toolkit
from rcrp_tui.services.calibration.records import (
    GRADER_ROLES,
    MAX_DECISIONS,
    MIN_DECISIONS,
    MIN_GRADERS,
    Person,
    ScoreStatus,
    SessionDetail,
    SessionStatus,
    SessionSummary,
    graders,
    lock_session,
    progress,
    session_decisions,
    summaries,
    summary,
)
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, PermissionDenied, ValidationFailed
from rcrp_tui.services.core.free_text import refuse_personal_data
from rcrp_tui.services.reviews import toolkits
from rcrp_tui.services.sampling import plans
from rcrp_tui.storage.calibration_models import (
    TITLE_MAX,
    CalibrationDecision,
    CalibrationGrader,
    CalibrationSession,
    calibration_decisions_table,
    calibration_graders_table,
    calibration_scores_table,
    calibration_sessions_table,
)
from rcrp_tui.storage.models import decisions_table, users_table
from rcrp_tui.storage.review_models import toolkits_table

_S = calibration_sessions_table.c
_CD = calibration_decisions_table.c
_G = calibration_graders_table.c
_SC = calibration_scores_table.c
_D = decisions_table.c
_U = users_table.c
_T = toolkits_table.c


def require_reader(ctx: Ctx) -> None:
    """Anyone who runs or grades calibration may read the sessions they are part of."""
    if ctx.actor.role is Role.QA_LEAD:
        ctx.require(Permission.RUN_CALIBRATION)
    else:
        ctx.require(Permission.GRADE_CALIBRATION)


def _scope(ctx: Ctx) -> list[object]:
    """A QA lead sees every session; a floorwalker only those they grade."""
    require_reader(ctx)
    if ctx.actor.role is Role.QA_LEAD:
        return []
    mine = select(_G.session_id).where(_G.user_id == ctx.actor.user_id)
    return [_S.id.in_(mine)]


def list_sessions(ctx: Ctx, *, status: SessionStatus | None = None) -> list[SessionSummary]:
    """Newest first: every session for a QA lead, a floorwalker's own for a floorwalker."""
    where = _scope(ctx)
    if status is not None:
        where.append(_S.status == status.value)
    with ctx.db.read() as session:
        return summaries(session, where, ctx.actor.user_id)


def session_detail(ctx: Ctx, session_id: int) -> SessionDetail:
    """The session screen: its decisions and each grader's progress (counts, no answers)."""
    where = [*_scope(ctx), _S.id == session_id]
    with ctx.db.read() as session:
        found = summaries(session, where, ctx.actor.user_id)
        if not found:
            summary(session, session_id, ctx.actor.user_id)  # NotFound when there is none
            raise PermissionDenied(
                f"You are not a grader in calibration session {session_id}; only its graders "
                "and QA leads may open it."
            )
        return SessionDetail(
            found[0], session_decisions(session, session_id), progress(session, session_id)
        )


def sessions_of_decision(ctx: Ctx, decision_id: int) -> tuple[int, ...]:
    """The calibration sessions a decision is in (for "also in calibration session N").

    Only session numbers: nothing of anyone's scores. Empty for a role without calibration.
    """
    if ctx.actor.role not in (Role.QA_LEAD, Role.FLOORWALKER):
        return ()
    with ctx.db.read() as session:
        return tuple(
            int(i)
            for i in session.execute(
                select(_CD.session_id)
                .where(_CD.decision_id == decision_id)
                .order_by(_CD.session_id)
            ).scalars()
        )


# --- creating ------------------------------------------------------------------------


def eligible_graders(ctx: Ctx) -> tuple[Person, ...]:
    """Everyone a QA lead may choose as a grader: active floorwalkers and QA leads, by name."""
    ctx.require(Permission.RUN_CALIBRATION)
    with ctx.db.read() as session:
        rows = session.execute(
            select(_U.id, _U.username, _U.display_name)
            .where(_U.role.in_([r.value for r in GRADER_ROLES]), _U.active.is_(True))
            .order_by(_U.display_name, _U.id)
        )
        return tuple(Person(int(r.id), r.username, r.display_name) for r in rows)


def _clean_title(ctx: Ctx, title: str) -> str:
    clean = " ".join(title.split())
    if not clean:
        raise ValidationFailed("Title", "give the session a title, e.g. “November calibration”")
    if len(clean) > TITLE_MAX:
        raise ValidationFailed("Title", f"at most {TITLE_MAX} characters (it has {len(clean)})")
    refuse_personal_data(ctx, "Title", clean)
    return clean


def _decision_ids_by_cad(session: Session, cad_refs: Sequence[str]) -> list[int]:
    refs: list[str] = []
    for raw in cad_refs:
        ref = raw.strip().upper()
        if ref and ref not in refs:
            refs.append(ref)
    if not refs:
        return []
    rows = session.execute(select(_D.id, _D.cad_ref).where(_D.cad_ref.in_(refs))).all()
    by_ref: dict[str, list[int]] = {}
    for decision_id, ref in rows:
        by_ref.setdefault(ref, []).append(int(decision_id))
    missing = [r for r in refs if r not in by_ref]
    if missing:
        raise ValidationFailed(
            "Decisions", f"no decision has the CAD reference {', '.join(missing)}"
        )
    twice = [r for r in refs if len(by_ref[r]) > 1]
    if twice:
        raise ValidationFailed(
            "Decisions",
            f"{', '.join(twice)} names decisions from more than one CAD system; "
            "pick them from the decision browser instead",
        )
    return [by_ref[r][0] for r in refs]


def _decision_ids_from_plan(ctx: Ctx, session: Session, plan_id: int, count: int) -> list[int]:
    plan = plans.get_plan(ctx, plan_id)
    draw = plans.compute_draw(session, plan.population, plan.spec, plan.seed)
    ids = [item.decision_id for item in draw.items][:count]
    if len(ids) < count:
        raise ValidationFailed(
            "Decisions",
            f"the sampling plan “{plan.name}” draws only {len(ids)} decision"
            f"{'s' if len(ids) != 1 else ''} today; ask for {len(ids)} or fewer, or add "
            "CAD references",
        )
    return ids


def _graders(session: Session, usernames: Sequence[str]) -> list[tuple[int, str]]:
    names: list[str] = []
    for raw in usernames:
        name = raw.strip()
        if name and name not in names:
            names.append(name)
    if len(names) < MIN_GRADERS:
        raise ValidationFailed(
            "Graders", f"choose at least {MIN_GRADERS} graders: agreement needs two or more"
        )
    rows = {
        r.username: r
        for r in session.execute(
            select(_U.id, _U.username, _U.role, _U.active).where(_U.username.in_(names))
        )
    }
    out: list[tuple[int, str]] = []
    for name in names:
        row = rows.get(name)
        if row is None:
            raise ValidationFailed("Graders", f"there is no user {name}")
        if not row.active:
            raise ValidationFailed("Graders", f"{name}'s account is not active")
        if Role(row.role) not in GRADER_ROLES:
            raise ValidationFailed(
                "Graders",
                f"{name} is a {Role(row.role).label.lower()}; graders are "
                "floorwalkers and QA leads",
            )
        out.append((int(row.id), name))
    return out


def _toolkit(
    ctx: Ctx, session: Session, toolkit_row_id: int | None, categories: set[Category]
) -> tuple[int, Toolkit]:
    if toolkit_row_id is not None:
        kit = toolkits.load(ctx, toolkit_row_id)
        uncovered = sorted(c.label for c in categories if c not in kit.categories)
        if uncovered:
            raise ValidationFailed(
                "Toolkit",
                f"{kit.key} {kit.version} does not cover {', '.join(uncovered)}; choose "
                "another toolkit or other decisions",
            )
        return toolkit_row_id, kit
    rows = session.execute(
        select(_T.id, _T.source, _T.toolkit_id).order_by(_T.id.desc()).limit(50)
    ).all()
    for row in rows:
        kit = toolkits.parse_cached(row.source, f"{row.toolkit_id}.toml")
        if categories <= kit.categories:
            return int(row.id), kit
    raise ValidationFailed(
        "Toolkit",
        "no stored toolkit covers every chosen decision's category; choose decisions "
        "of the categories one toolkit covers",
    )


class SessionProblems(ValidationFailed):
    """Every problem with a new session at once, in the form's order (title, deadline,
    graders, decisions). ``field`` and ``reason`` are the first problem's, so a caller
    that shows one message still shows the right one; ``problems`` holds them all."""

    def __init__(self, problems: Sequence[ValidationFailed]) -> None:
        first = problems[0]
        super().__init__(first.field, first.reason)
        self.problems = tuple(problems)
        self.message = "; ".join(p.message for p in problems)
        self.args = (self.message,)


@dataclass
class _NewSession:
    """A new session's fields as checked: what was wrong, and what was found."""

    problems: list[ValidationFailed] = field(default_factory=list)
    title: str = ""
    ids: list[int] = field(default_factory=list)
    people: list[tuple[int, str]] = field(default_factory=list)
    kit_row: int = 0
    kit: Toolkit | None = None


def _check_new_session(
    ctx: Ctx,
    session: Session,
    *,
    title: str,
    deadline: date | None,
    graders_usernames: Sequence[str],
    cad_refs: Sequence[str],
    plan_id: int | None,
    plan_count: int | None,
    toolkit_row_id: int | None,
) -> _NewSession:
    """Check every field, each on its own, so that every problem is found at once."""
    out = _NewSession()
    try:
        out.title = _clean_title(ctx, title)
    except ValidationFailed as exc:
        out.problems.append(exc)
    if deadline is not None and deadline < ctx.clock.now().date():
        out.problems.append(
            ValidationFailed("Deadline", f"{deadline:%d %b %Y} has passed; give a later date")
        )
    try:
        out.people = _graders(session, graders_usernames)
    except ValidationFailed as exc:
        out.problems.append(exc)
    try:
        if plan_id is not None and (plan_count is None or plan_count < 1):
            raise ValidationFailed("Decisions", "say how many decisions to draw from the plan")
        ids = _decision_ids_by_cad(session, cad_refs)
        if plan_id is not None and plan_count is not None:
            for decision_id in _decision_ids_from_plan(ctx, session, plan_id, plan_count):
                if decision_id not in ids:
                    ids.append(decision_id)
        if not MIN_DECISIONS <= len(ids) <= MAX_DECISIONS:
            raise ValidationFailed(
                "Decisions",
                f"a session has {MIN_DECISIONS} to {MAX_DECISIONS} decisions; {len(ids)} chosen",
            )
        categories = {
            Category(c)
            for c in session.execute(select(_D.category).where(_D.id.in_(ids))).scalars()
        }
        out.kit_row, out.kit = _toolkit(ctx, session, toolkit_row_id, categories)
        out.ids = ids
    except ValidationFailed as exc:
        out.problems.append(exc)
    return out


def new_session_problems(
    ctx: Ctx,
    *,
    title: str,
    deadline: date | None,
    graders_usernames: Sequence[str],
    cad_refs: Sequence[str] = (),
    plan_id: int | None = None,
    plan_count: int | None = None,
    toolkit_row_id: int | None = None,
) -> tuple[ValidationFailed, ...]:
    """Every problem ``create_session`` would find with these fields, all at once, in the
    form's order; empty when it would accept them. Saves no session (it stores the
    shipped toolkit if the database lacks it, as ``create_session`` does). ``deadline``
    None leaves the deadline to the caller (a form that could not read the date says so)."""
    ctx.require(Permission.RUN_CALIBRATION)
    toolkits.ensure_shipped(ctx)
    with ctx.db.read() as session:
        checked = _check_new_session(
            ctx,
            session,
            title=title,
            deadline=deadline,
            graders_usernames=graders_usernames,
            cad_refs=cad_refs,
            plan_id=plan_id,
            plan_count=plan_count,
            toolkit_row_id=toolkit_row_id,
        )
    return tuple(checked.problems)


def create_session(
    ctx: Ctx,
    *,
    title: str,
    deadline: date,
    graders_usernames: Sequence[str],
    cad_refs: Sequence[str] = (),
    plan_id: int | None = None,
    plan_count: int | None = None,
    toolkit_row_id: int | None = None,
) -> SessionDetail:
    """Create an open session (QA lead only) and audit it.

    Decisions come from ``cad_refs``, or from the saved sampling plan ``plan_id`` (its
    first ``plan_count`` decisions in draw order, the same ones every time for the same
    plan and data), or both. ``toolkit_row_id`` None takes the newest stored toolkit that
    covers every decision's category. Wrong fields raise ``SessionProblems`` naming every
    one of them.
    """
    ctx.require(Permission.RUN_CALIBRATION)
    if ctx.actor.user_id is None:
        raise PermissionDenied("A calibration session is created by a signed-in QA lead.")
    toolkits.ensure_shipped(ctx)
    with ctx.writing(Permission.RUN_CALIBRATION) as session:
        checked = _check_new_session(
            ctx,
            session,
            title=title,
            deadline=deadline,
            graders_usernames=graders_usernames,
            cad_refs=cad_refs,
            plan_id=plan_id,
            plan_count=plan_count,
            toolkit_row_id=toolkit_row_id,
        )
        if checked.problems:
            raise SessionProblems(checked.problems)
        assert checked.kit is not None
        clean_title, ids, people = checked.title, checked.ids, checked.people
        kit_row, kit = checked.kit_row, checked.kit
        row = CalibrationSession(
            title=clean_title,
            toolkit_row_id=kit_row,
            toolkit_id=kit.key,
            toolkit_version=kit.version,
            deadline=deadline,
            status=SessionStatus.OPEN.value,
            created_by=ctx.actor.user_id,
            created_at=ctx.clock.now(),
        )
        session.add(row)
        session.flush()
        sid = row.id or 0
        for position, decision_id in enumerate(ids, start=1):
            session.add(
                CalibrationDecision(session_id=sid, decision_id=decision_id, position=position)
            )
        for user_id, _ in people:
            session.add(CalibrationGrader(session_id=sid, user_id=user_id))
        session.flush()
        audit.record(
            session,
            ctx,
            "calibration_session_created",
            "calibration_session",
            sid,
            after={
                "title": clean_title,
                "toolkit": f"{kit.key} {kit.version}",
                "deadline": deadline.isoformat(),
                "decision_ids": ids,
                "graders": [name for _, name in people],
                "sampling_plan": plan_id,
            },
        )
    return session_detail(ctx, sid)


# --- closing and the reveal ----------------------------------------------------------


def reveal_if_complete(ctx: Ctx, session: Session, row: CalibrationSession) -> bool:
    """Reveal ``row`` (inside the caller's transaction) when every grader has submitted
    every decision; audit it. True when it was revealed now."""
    if row.revealed_at is not None:
        return False
    sid = row.id or 0
    expected = len(graders(session, sid)) * len(session_decisions(session, sid))
    done = session.execute(
        select(func.count()).where(_SC.session_id == sid, _SC.status == ScoreStatus.SUBMITTED.value)
    ).scalar_one()
    if expected == 0 or int(done) < expected:
        return False
    row.revealed_at = ctx.clock.now()
    session.add(row)
    audit.record(
        session,
        ctx,
        "calibration_session_revealed",
        "calibration_session",
        sid,
        after={"reason": "every grader submitted every decision"},
    )
    return True


def close_session(
    ctx: Ctx, session_id: int, *, expected_version: int | None = None
) -> SessionSummary:
    """Close an open session (QA lead only): no more scoring, and the answers are revealed.

    Drafts stay drafts and count as missing in the statistics.
    """
    with ctx.writing(Permission.RUN_CALIBRATION) as session:
        lock_session(session, session_id)
        row = session.get(CalibrationSession, session_id)
        if row is None:
            summary(session, session_id, ctx.actor.user_id)  # raises NotFound
            raise AssertionError  # pragma: no cover
        if expected_version is not None and row.row_version != expected_version:
            raise Conflict(
                "Someone else changed this calibration session at the same moment; reload it "
                "to see their change."
            )
        if row.status == SessionStatus.CLOSED.value:
            raise Conflict(f"Calibration session {session_id} is already closed.")
        now = ctx.clock.now()
        submitted = session.execute(
            select(func.count()).where(
                _SC.session_id == session_id, _SC.status == ScoreStatus.SUBMITTED.value
            )
        ).scalar_one()
        row.status = SessionStatus.CLOSED.value
        row.closed_at = now
        row.closed_by = ctx.actor.user_id
        revealed_now = row.revealed_at is None
        if revealed_now:
            row.revealed_at = now
        session.add(row)
        audit.record(
            session,
            ctx,
            "calibration_session_closed",
            "calibration_session",
            session_id,
            before={"status": SessionStatus.OPEN.value},
            after={
                "status": SessionStatus.CLOSED.value,
                "revealed_now": revealed_now,
                "scores_submitted": int(submitted),
            },
        )
    with ctx.db.read() as session:
        return summary(session, session_id, ctx.actor.user_id)
