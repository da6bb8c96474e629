"""Per-shift go-live briefings: which first shifts need one, recording them, and which are
due soon with none planned.

The guidance asks for "smaller-scale go-lives for each new shift that comes on duty": each
team's **first** RCRP shift of each type (early, late, night...) in a phase gets a short
go-live briefing. The shifts come from the phase's floorwalking rota (its go-live date and
its teams' shift pattern, the same expansion the rota screen shows), so a briefing is
keyed by (phase, team, shift type) and remembers the first shift's date it belongs to.

A briefing is **planned** (who will give it, when), **delivered** (by whom, when, how many
attended) or **not delivered** (why). Supervisors, QA leads and administrators record them
(``Permission.RECORD_BRIEFINGS``); every change is versioned and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.phases import FIRST_PHASE, LAST_PHASE
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, ValidationFailed
from rcrp_tui.services.core.free_text import refuse_personal_data
from rcrp_tui.services.readiness.races import flush_or_conflict
from rcrp_tui.services.rota.state import RotaInfo, load_state, rota_info
from rcrp_tui.storage.readiness_models import OWNER_MAX, REASON_MAX, GoLiveBriefing
from rcrp_tui.storage.rota_models import Rota

#: A first shift starting this soon with no briefing planned is flagged.
DUE_WITHIN = timedelta(hours=24)
MAX_ATTENDEES = 500


class BriefingStatus(StrEnum):
    PLANNED = "planned"
    DELIVERED = "delivered"
    NOT_DELIVERED = "not_delivered"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class BriefingInfo:
    id: int
    status: BriefingStatus
    delivered_by: str
    delivered_at: datetime | None
    attendees: int | None
    reason: str
    row_version: int

    @property
    def counts(self) -> bool:
        """Planned or delivered: the shift will have (or had) its briefing."""
        return self.status is not BriefingStatus.NOT_DELIVERED

    def describe(self) -> str:
        when = f"{self.delivered_at:%a %d %b %H:%M} UTC" if self.delivered_at else ""
        if self.status is BriefingStatus.PLANNED:
            return f"planned: {self.delivered_by}, {when}"
        if self.status is BriefingStatus.DELIVERED:
            return f"delivered: {self.delivered_by}, {when}, {self.attendees} attended"
        return f"not delivered: {self.reason}"


@dataclass(frozen=True)
class FirstShift:
    """A team's first RCRP shift of one type in a phase, and its briefing if recorded."""

    phase: int
    team_id: int
    team_name: str
    shift_code: str
    day: date
    start: datetime
    end: datetime
    briefing: BriefingInfo | None

    @property
    def briefed(self) -> bool:
        return self.briefing is not None and self.briefing.counts


@dataclass(frozen=True)
class BriefingInput:
    """What a person records for one first shift. ``delivered_at`` is UTC-aware."""

    phase: int
    team_id: int
    shift_code: str
    status: BriefingStatus
    delivered_by: str = ""
    delivered_at: datetime | None = None
    attendees: int | None = None
    reason: str = ""


def phase_rota(session: Session, phase: int) -> RotaInfo | None:
    """The phase's floorwalking rota: the one with the earliest go-live (then the first
    made). Its go-live date is the phase's."""
    row = session.exec(
        select(Rota).where(Rota.phase == phase).order_by(col(Rota.go_live), col(Rota.id))
    ).first()
    return None if row is None else rota_info(row)


def _info(row: GoLiveBriefing) -> BriefingInfo:
    return BriefingInfo(
        row.id or 0,
        BriefingStatus(row.status),
        row.delivered_by,
        row.delivered_at,
        row.attendees,
        row.reason,
        row.row_version,
    )


def _first_shifts(session: Session, phase: int) -> list[FirstShift]:
    info = phase_rota(session, phase)
    if info is None:
        return []
    state = load_state(session, info.id)
    stored = {
        (b.team_id, b.shift_code): _info(b)
        for b in session.exec(select(GoLiveBriefing).where(GoLiveBriefing.phase == phase))
    }
    return [
        FirstShift(
            phase,
            s.key.team_id,
            s.team_name,
            s.key.code,
            s.key.day,
            s.start_utc,
            s.end_utc,
            stored.get((s.key.team_id, s.key.code)),
        )
        for s in state.shifts
        if s.is_first
    ]


def first_shifts(ctx: Ctx, phase: int) -> list[FirstShift]:
    """Each team's first shift of each type in ``phase``'s rota (start order), with its
    briefing; empty when the phase has no rota. Whoever sees the rota sees these."""
    ctx.require(Permission.VIEW_ROTA)
    with ctx.db.read() as session:
        return _first_shifts(session, phase)


def briefings_due(ctx: Ctx, *, team_id: int | None = None) -> list[FirstShift]:
    """First shifts starting within the next 24 hours with no briefing planned or
    delivered, in every phase (of one team when given), soonest first."""
    ctx.require(Permission.VIEW_ROTA)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        rows = session.exec(
            select(Rota.phase)
            .where(
                col(Rota.go_live) <= (now + DUE_WITHIN).date() + timedelta(days=1),
                col(Rota.go_live) >= now.date() - timedelta(days=400),
            )
            .distinct()
        )
        due = [
            s
            for phase in sorted(set(rows))
            for s in _first_shifts(session, phase)
            if now < s.start <= now + DUE_WITHIN
            and not s.briefed
            and (team_id is None or s.team_id == team_id)
        ]
    return sorted(due, key=lambda s: (s.start, s.team_name))


def _check(ctx: Ctx, given: BriefingInput) -> BriefingInput:
    """The input tidied, or ValidationFailed naming the field in the person's words."""
    if not FIRST_PHASE <= given.phase <= LAST_PHASE:
        raise ValidationFailed("phase", f"a phase from {FIRST_PHASE} to {LAST_PHASE}")
    by = " ".join(given.delivered_by.split())
    reason = " ".join(given.reason.split())
    status = given.status
    now = ctx.clock.now()
    if status is BriefingStatus.NOT_DELIVERED:
        if not reason:
            raise ValidationFailed("reason", "say why the briefing was not delivered")
        if len(reason) > REASON_MAX:
            raise ValidationFailed("reason", f"{len(reason)} characters; at most {REASON_MAX}")
        refuse_personal_data(ctx, "reason", reason)
        return BriefingInput(given.phase, given.team_id, given.shift_code, status, reason=reason)
    if not by:
        who = "who will give it" if status is BriefingStatus.PLANNED else "who gave it"
        raise ValidationFailed("delivered_by", f"say {who}")
    if len(by) > OWNER_MAX:
        raise ValidationFailed("delivered_by", f"{len(by)} characters; at most {OWNER_MAX}")
    at = given.delivered_at
    if at is None:
        raise ValidationFailed("delivered_at", "give the date and time (YYYY-MM-DD HH:MM)")
    if at.tzinfo is None:
        raise ValidationFailed("delivered_at", "the time must carry its time zone")
    attendees = given.attendees
    if status is BriefingStatus.DELIVERED:
        if at > now:
            raise ValidationFailed(
                "delivered_at", "a delivered briefing cannot be in the future; mark it planned"
            )
        if attendees is None or not 1 <= attendees <= MAX_ATTENDEES:
            raise ValidationFailed(
                "attendees", f"how many attended: a whole number from 1 to {MAX_ATTENDEES}"
            )
    else:
        attendees = None
    return BriefingInput(given.phase, given.team_id, given.shift_code, status, by, at, attendees)


def _record(row: GoLiveBriefing) -> dict[str, object]:
    return {
        "phase": row.phase,
        "team_id": row.team_id,
        "shift_code": row.shift_code,
        "first_day": row.first_day,
        "status": row.status,
        "delivered_by": row.delivered_by,
        "delivered_at": row.delivered_at,
        "attendees": row.attendees,
        "reason": row.reason,
    }


def record_briefing(
    ctx: Ctx, given: BriefingInput, *, expected_version: int | None = None
) -> BriefingInfo:
    """Record or change the briefing for one first shift (see the module docstring).

    ``expected_version`` is the version the person saw (None: they saw none recorded);
    if someone else saved in between, ``Conflict``. Saving what is stored changes nothing.
    """
    ctx.require(Permission.RECORD_BRIEFINGS)
    clean = _check(ctx, given)
    with ctx.writing(Permission.RECORD_BRIEFINGS) as session:
        shift = next(
            (
                s
                for s in _first_shifts(session, clean.phase)
                if s.team_id == clean.team_id and s.shift_code == clean.shift_code
            ),
            None,
        )
        if shift is None:
            raise NotFound(
                f"phase {clean.phase} has no first {clean.shift_code} shift for that team "
                "on its floorwalking rota"
            )
        row = session.exec(
            select(GoLiveBriefing).where(
                GoLiveBriefing.phase == clean.phase,
                GoLiveBriefing.team_id == clean.team_id,
                GoLiveBriefing.shift_code == clean.shift_code,
            )
        ).first()
        seen = None if row is None else row.row_version
        if seen != expected_version:
            raise Conflict(
                f"Someone else changed the go-live briefing for {shift.team_name} "
                f"{shift.shift_code} at the same moment; reload it to see their change"
            )
        before = None if row is None else _record(row)
        if row is None:
            row = GoLiveBriefing(
                phase=clean.phase,
                team_id=clean.team_id,
                shift_code=clean.shift_code,
                first_day=shift.day,
                status=clean.status.value,
                updated_at=ctx.clock.now(),
                updated_by=ctx.actor.username,
            )
        row.first_day = shift.day
        row.status = clean.status.value
        row.delivered_by = clean.delivered_by
        row.delivered_at = clean.delivered_at
        row.attendees = clean.attendees
        row.reason = clean.reason
        after = _record(row)
        if before == after:
            return _info(row)
        row.updated_at = ctx.clock.now()
        row.updated_by = ctx.actor.username
        session.add(row)
        flush_or_conflict(session, "golive_briefings", "uq_briefing_phase_team_shift")
        audit.record(
            session,
            ctx,
            "briefing_recorded" if before is None else "briefing_changed",
            "golive_briefing",
            row.id,
            before=before,
            after=after | {"team": shift.team_name},
        )
        return _info(row)
