"""The floorwalking rota: create, assign, unassign, swap, leave, auto-fill and coverage.

Every change is checked against the rostering rules (``domain.rota``). A change that breaks
a rule is refused with the rule messages (``RuleBroken``); a supervisor may accept it anyway
by giving an override reason, which is stored on the assignment and in the audit log.
The rules are checked inside the write transaction, against what is in the database at that
moment, so two terminals cannot together build a rota that neither would have allowed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.rota import (
    DEFAULT_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    Assignment,
    Leave,
    SlotKey,
    Violation,
    coverage,
    leave_clashes,
)
from rcrp_tui.domain.rota_autofill import Proposal, propose
from rcrp_tui.domain.shift_patterns import PatternError
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.concurrency import changed_meanwhile
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, ValidationFailed
from rcrp_tui.services.core.free_text import refuse_personal_data
from rcrp_tui.services.rota.state import (
    FloorwalkerInfo,
    OnDuty,
    RotaInfo,
    RotaState,
    RotaView,
    RuleBroken,
    Slot,
    active_floorwalkers,
    force_patterns,
    load_state,
    rota_info,
    zone,
)
from rcrp_tui.storage import change_feed
from rcrp_tui.storage.models import Team, User
from rcrp_tui.storage.rota_models import FloorwalkerLeave, Rota, RotaAssignment

__all__ = [
    "LEAVE_KINDS",
    "Candidate",
    "FloorwalkerInfo",
    "OnDuty",
    "RotaInfo",
    "RotaView",
    "RuleBroken",
    "Slot",
    "accept_proposal",
    "add_leave",
    "assign",
    "candidates",
    "create_rota",
    "list_floorwalkers",
    "list_rotas",
    "on_duty_now",
    "propose_autofill",
    "rota_view",
    "swap",
    "unassign",
]

LEAVE_KINDS = ("annual_leave", "training", "unavailable", "other")
OVERRIDE_MAX = 300


def create_rota(
    ctx: Ctx,
    *,
    name: str,
    phase: int,
    go_live: date,
    shift_pattern: str,
    window_days: int = DEFAULT_WINDOW_DAYS,
    time_zone: str = "Europe/London",
) -> RotaInfo:
    """A rota for every team on ``shift_pattern`` from ``go_live`` for ``window_days`` days."""
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationFailed("name", "a rota name is 1 to 80 characters")
    if not 1 <= phase <= 20:
        raise ValidationFailed("phase", "a phase number from 1 to 20")
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ValidationFailed("window_days", f"from 1 to {MAX_WINDOW_DAYS} days (usually 42)")
    zone(time_zone)
    try:
        patterns = force_patterns()
    except (PatternError, OSError) as exc:
        raise ValidationFailed("shift_pattern", str(exc)) from None
    if shift_pattern not in patterns:
        known = ", ".join(sorted(patterns))
        raise ValidationFailed("shift_pattern", f"no pattern {shift_pattern!r}; known: {known}")
    with ctx.writing(Permission.MANAGE_ROTA) as session:
        if not session.exec(select(Team).where(Team.shift_pattern == shift_pattern)).first():
            raise ValidationFailed("shift_pattern", f"no team works {shift_pattern!r} yet")
        if session.exec(select(Rota).where(Rota.name == name)).first():
            raise ValidationFailed("name", f"a rota called {name!r} already exists")
        rota = Rota(
            name=name,
            phase=phase,
            go_live=go_live,
            window_days=window_days,
            shift_pattern=shift_pattern,
            time_zone=time_zone,
            created_at=ctx.clock.now(),
            created_by=ctx.actor.username,
        )
        session.add(rota)
        session.flush()
        audit.record(session, ctx, "rota_created", "rota", rota.id, after=rota.model_dump())
        return rota_info(rota)


def list_rotas(ctx: Ctx) -> list[RotaInfo]:
    """Every rota, newest go-live first."""
    ctx.require(Permission.VIEW_ROTA)
    with ctx.db.read() as session:
        rows = session.exec(select(Rota).order_by(col(Rota.go_live).desc(), col(Rota.id)))
        return [rota_info(r) for r in rows]


def list_floorwalkers(ctx: Ctx) -> list[FloorwalkerInfo]:
    """Active floorwalker accounts, by name."""
    ctx.require(Permission.VIEW_ROTA)
    with ctx.db.read() as session:
        return active_floorwalkers(session)


def rota_view(ctx: Ctx, rota_id: int) -> RotaView:
    """The rota's slots, floorwalkers and coverage (a window holds a few hundred slots)."""
    ctx.require(Permission.VIEW_ROTA)
    with ctx.db.read() as session:
        state = load_state(session, rota_id)
    names = state.book.names
    slots = []
    for shift in state.shifts:
        row = state.rows.get(shift.key)
        person = row.floorwalker_user_id if row else None
        slots.append(
            Slot(
                shift,
                person,
                None if person is None else names.get(person, f"user #{person}"),
                row.override_reason if row else None,
                row.row_version if row else None,
            )
        )
    cov = coverage(state.shifts, state.rows.keys())
    return RotaView(state.rota, tuple(slots), tuple(state.floorwalkers), cov)


@dataclass(frozen=True)
class Candidate:
    """A floorwalker offered for a slot: their load so far and any rule they would break."""

    floorwalker: FloorwalkerInfo
    shifts: int
    problems: tuple[str, ...]

    @property
    def fits(self) -> bool:
        return not self.problems


def candidates(ctx: Ctx, rota_id: int, key: SlotKey) -> list[Candidate]:
    """Every active floorwalker for ``key``, by name, with their shifts and rule problems."""
    ctx.require(Permission.MANAGE_ROTA)
    with ctx.db.read() as session:
        state = load_state(session, rota_id)
    out = []
    for walker in state.floorwalkers:
        held = state.held(walker.id)
        problems = tuple(v.message for v in state.book.check(walker.id, key, held))
        out.append(Candidate(walker, len(held), problems))
    return out


def _check_override(ctx: Ctx, violations: list[Violation], reason: str | None) -> str | None:
    """Refuse on broken rules unless a supervisor gives a reason; return the reason kept."""
    if not violations:
        return None
    if reason is None or not reason.strip():
        raise RuleBroken(violations)
    ctx.require(Permission.OVERRIDE_ROTA_RULES)
    reason = reason.strip()
    if len(reason) > OVERRIDE_MAX:
        raise ValidationFailed("override_reason", f"at most {OVERRIDE_MAX} characters")
    refuse_personal_data(ctx, "override_reason", reason)  # kept on the rota and audited
    return reason


def _walker(state: RotaState, person: int) -> FloorwalkerInfo:
    found = next((w for w in state.floorwalkers if w.id == person), None)
    if found is None:
        raise ValidationFailed("floorwalker", f"user #{person} is not an active floorwalker")
    return found


def _record(row: RotaAssignment) -> dict[str, object]:
    return {
        "floorwalker_user_id": row.floorwalker_user_id,
        "day": row.day.isoformat(),
        "team_id": row.team_id,
        "shift_code": row.shift_code,
        "override_reason": row.override_reason,
    }


@contextmanager
def _slot_race() -> Iterator[None]:
    # Two terminals filling the same gap at once: the (rota, day, team, shift) unique
    # constraint refuses the second insert; say so instead of failing with a traceback.
    # Any other integrity error (a foreign key, the audit chain) is not a race for the slot
    # and must not read as one. PostgreSQL names the constraint; SQLite lists its columns.
    try:
        yield
    except IntegrityError as exc:
        text = str(exc.orig)
        if "uq_rota_slot" not in text and "rota_assignments.shift_code" not in text:
            raise
        raise Conflict(
            "Someone else filled this shift at the same moment; reload the rota to see who."
        ) from None


def _check_seen(state: RotaState, key: SlotKey, seen: int | None) -> None:
    """Refuse unless the slot is as the person saw it: the same assignment version, or a gap."""
    row = state.rows.get(key)
    if (row.row_version if row else None) != seen:
        raise changed_meanwhile("rota_assignments")


def assign(
    ctx: Ctx, rota_id: int, key: SlotKey, floorwalker_id: int, override_reason: str | None = None
) -> None:
    """Put a floorwalker on a gap, checking every rule (see ``RuleBroken``)."""
    with _slot_race(), ctx.writing(Permission.MANAGE_ROTA) as session:
        state = load_state(session, rota_id)
        _walker(state, floorwalker_id)
        current = state.rows.get(key)
        if current is not None:
            raise Conflict("that shift already has a floorwalker: unassign or swap instead")
        violations = state.book.check(floorwalker_id, key, state.held(floorwalker_id))
        reason = _check_override(ctx, violations, override_reason)
        row = RotaAssignment(
            rota_id=rota_id,
            floorwalker_user_id=floorwalker_id,
            day=key.day,
            team_id=key.team_id,
            shift_code=key.code,
            override_reason=reason,
            created_at=ctx.clock.now(),
        )
        session.add(row)
        session.flush()
        after = _record(row) | {"rules_overridden": [v.message for v in violations]}
        action = "rota_assigned_override" if reason else "rota_assigned"
        audit.record(session, ctx, action, "rota_assignment", row.id, after=after)
        change_feed.announce(session, change_feed.ROTA, [rota_id])


def unassign(ctx: Ctx, rota_id: int, key: SlotKey, *, expected_version: int | None = None) -> None:
    """Take the floorwalker off a slot, leaving a gap.

    ``expected_version`` is the assignment's ``row_version`` as the person saw it.
    """
    with ctx.writing(Permission.MANAGE_ROTA) as session:
        state = load_state(session, rota_id)
        if expected_version is not None:  # a gap now, or another assignment: a conflict
            _check_seen(state, key, expected_version)
        row = state.rows.get(key)
        if row is None:
            raise NotFound("that shift has no floorwalker to take off")
        before = _record(row)
        session.delete(row)
        audit.record(session, ctx, "rota_unassigned", "rota_assignment", row.id, before=before)
        change_feed.announce(session, change_feed.ROTA, [rota_id])


def swap(
    ctx: Ctx,
    rota_id: int,
    first: SlotKey,
    second: SlotKey,
    override_reason: str | None = None,
    *,
    seen: tuple[int | None, int | None] | None = None,
) -> None:
    """Exchange the floorwalkers of two slots (one may be a gap: that moves a person).

    ``seen`` is each slot's assignment ``row_version`` as the person saw it (None: a gap).
    """
    if first == second:
        raise ValidationFailed("swap", "choose two different shifts")
    with _slot_race(), ctx.writing(Permission.MANAGE_ROTA) as session:
        state = load_state(session, rota_id)
        if seen is not None:
            _check_seen(state, first, seen[0])
            _check_seen(state, second, seen[1])
        a, b = state.rows.get(first), state.rows.get(second)
        if a is None and b is None:
            raise ValidationFailed("swap", "both shifts are gaps: nothing to swap")
        if a is not None and b is not None and a.floorwalker_user_id == b.floorwalker_user_id:
            raise ValidationFailed("swap", "the same floorwalker holds both shifts")
        violations: list[Violation] = []
        for row, target in ((a, second), (b, first)):
            if row is not None:
                person = row.floorwalker_user_id
                held = state.held(person, without={first, second})
                violations += state.book.check(person, target, held)
        reason = _check_override(ctx, violations, override_reason)
        before = {"first": _record(a) if a else None, "second": _record(b) if b else None}
        if a is not None and b is not None:
            # Park one row off the slot first: the (rota, slot) unique constraint is checked
            # row by row, so a straight exchange would collide half-way through.
            a.shift_code = f"~{a.id}"
            session.add(a)
            session.flush()
        for row, target in ((b, first), (a, second)):
            if row is not None:
                row.day, row.team_id, row.shift_code = target.day, target.team_id, target.code
                row.override_reason = reason
                session.add(row)
                session.flush()
        after = {
            "first": _record(b) if b else None,
            "second": _record(a) if a else None,
            "rules_overridden": [v.message for v in violations],
        }
        action = "rota_swapped_override" if reason else "rota_swapped"
        audit.record(session, ctx, action, "rota", rota_id, before=before, after=after)
        change_feed.announce(session, change_feed.ROTA, [rota_id])


def add_leave(
    ctx: Ctx,
    user_id: int,
    first_day: date,
    last_day: date,
    kind: str,
    override_reason: str | None = None,
) -> int:
    """Record a floorwalker as unavailable (dates and a kind only, never a health reason).

    Leave over shifts the floorwalker already holds is a clash: refused (``RuleBroken``)
    unless a supervisor gives an override reason; then those shifts are taken off them in
    the same transaction, each audited, and show as gaps everywhere.
    """
    if kind not in LEAVE_KINDS:
        raise ValidationFailed("kind", f"one of: {', '.join(LEAVE_KINDS)}")
    if last_day < first_day:
        raise ValidationFailed("last_day", "the last day is before the first day")
    if (last_day - first_day).days > 366:
        raise ValidationFailed("last_day", "leave of more than a year: record it in parts")
    with ctx.writing(Permission.MANAGE_ROTA) as session:
        user = session.get(User, user_id)
        if user is None or user.role != Role.FLOORWALKER.value:
            raise ValidationFailed("user", f"user #{user_id} is not a floorwalker")
        leave = Leave(user_id, first_day, last_day, kind)
        clashes: list[tuple[RotaAssignment, Violation]] = []
        for rota in session.exec(select(Rota)).all():
            info = rota_info(rota)
            # A night that starts the day before the leave runs into it.
            if info.last_day < first_day - timedelta(days=1) or info.go_live > last_day:
                continue
            state = load_state(session, info.id)
            book = state.book
            names = {**book.names, user_id: user.display_name}
            found = leave_clashes(leave, book.shifts, state.held(user_id), names, book.tz)
            clashes += [(state.rows[key], violation) for key, violation in found]
        reason = _check_override(ctx, [v for _row, v in clashes], override_reason)
        row = FloorwalkerLeave(
            user_id=user_id,
            first_day=first_day,
            last_day=last_day,
            kind=kind,
            created_at=ctx.clock.now(),
        )
        session.add(row)
        session.flush()
        after: dict[str, object] = dict(row.model_dump())
        if reason:
            after |= {
                "override_reason": reason,
                "rules_overridden": [v.message for _row, v in clashes],
            }
        action = "leave_added_override" if reason else "leave_added"
        audit.record(session, ctx, action, "floorwalker_leave", row.id, after=after)
        for assignment, violation in clashes:
            before = _record(assignment)
            session.delete(assignment)
            audit.record(
                session,
                ctx,
                "rota_unassigned_for_leave",
                "rota_assignment",
                assignment.id,
                before=before,
                after={"override_reason": reason, "clash": violation.message},
            )
        change_feed.announce(session, change_feed.ROTA, {a.rota_id for a, _v in clashes})
        return row.id or 0


def propose_autofill(ctx: Ctx, rota_id: int) -> Proposal:
    """A proposal for the gaps; nothing is saved until ``accept_proposal``."""
    ctx.require(Permission.MANAGE_ROTA)
    with ctx.db.read() as session:
        state = load_state(session, rota_id)
    existing = [Assignment(r.floorwalker_user_id, k) for k, r in state.rows.items()]
    return propose(state.shifts, existing, [w.id for w in state.floorwalkers], state.book)


def accept_proposal(ctx: Ctx, rota_id: int, proposal: Proposal) -> int:
    """Save a proposal in one transaction, re-checking it against the rota as it is now."""
    with _slot_race(), ctx.writing(Permission.MANAGE_ROTA) as session:
        state = load_state(session, rota_id)
        held = {w.id: state.held(w.id) for w in state.floorwalkers}
        made: list[RotaAssignment] = []
        for a in proposal.assignments:
            if a.key in state.rows:
                raise Conflict("the rota changed since the proposal was made: propose again")
            violations = state.book.check(a.floorwalker_id, a.key, held.get(a.floorwalker_id, []))
            if violations:
                raise RuleBroken(violations)
            held.setdefault(a.floorwalker_id, []).append(a.key)
            row = RotaAssignment(
                rota_id=rota_id,
                floorwalker_user_id=a.floorwalker_id,
                day=a.key.day,
                team_id=a.key.team_id,
                shift_code=a.key.code,
                created_at=ctx.clock.now(),
            )
            session.add(row)
            state.rows[a.key] = row
            made.append(row)
        session.flush()
        names = state.book.names
        for row in made:  # each assignment on its own: which shift, which person
            after = _record(row) | {
                "floorwalker": names.get(row.floorwalker_user_id, ""),
                "by": "auto-fill",
            }
            audit.record(session, ctx, "rota_assigned", "rota_assignment", row.id, after=after)
        audit.record(
            session,
            ctx,
            "rota_autofill_accepted",
            "rota",
            rota_id,
            after={
                "assignments": len(made),
                "left_open": len(proposal.unfilled),
                "shifts": [
                    f"{r.day} team #{r.team_id} {r.shift_code}: "
                    f"{names.get(r.floorwalker_user_id, f'user #{r.floorwalker_user_id}')}"
                    for r in made
                ],
            },
        )
        change_feed.announce(session, change_feed.ROTA, [rota_id])
        return len(made)


def on_duty_now(ctx: Ctx) -> list[OnDuty]:
    """Floorwalkers on duty at the clock's instant, across all rotas.

    Any signed-in role may ask: call handlers need to know whom to turn to.
    """
    now = ctx.clock.now()
    out: list[OnDuty] = []
    with ctx.db.read() as session:
        rotas = session.exec(
            select(Rota).where(col(Rota.go_live) <= now.date() + timedelta(days=1))
        )
        for rota in rotas:
            info = rota_info(rota)
            if info.last_day < now.date() - timedelta(days=2):
                continue
            state = load_state(session, info.id)
            names = state.book.names
            for shift in state.shifts:
                row = state.rows.get(shift.key)
                if row and shift.start_utc <= now < shift.end_utc:
                    person = row.floorwalker_user_id
                    out.append(
                        OnDuty(
                            person,
                            names.get(person, f"user #{person}"),
                            shift.key.team_id,
                            shift.team_name,
                            shift.key.code,
                            shift.start,
                            shift.end,
                            info.name,
                        )
                    )
    return out
