"""Loading a rota for the rota services: its shifts, assignments, leave and rule book.

The values here cross worker threads: frozen dataclasses only, never ORM objects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.rota import (
    Coverage,
    Leave,
    RuleBook,
    SlotKey,
    TeamShift,
    TeamSpec,
    Violation,
    expand_window,
)
from rcrp_tui.domain.shift_patterns import PatternError, ShiftPattern, load_patterns
from rcrp_tui.domain.zones import parse_zone
from rcrp_tui.services.core.errors import NotFound, ServiceError, ValidationFailed
from rcrp_tui.storage.models import Team, User
from rcrp_tui.storage.rota_models import FloorwalkerLeave, Rota, RotaAssignment


class RuleBroken(ServiceError):
    """The change breaks rostering rules; ``violations`` says which and why."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(v.message for v in violations))
        self.violations = violations


@dataclass(frozen=True)
class RotaInfo:
    id: int
    name: str
    phase: int
    go_live: date
    window_days: int
    shift_pattern: str
    time_zone: str

    @property
    def last_day(self) -> date:
        return self.go_live + timedelta(days=self.window_days - 1)


@dataclass(frozen=True)
class FloorwalkerInfo:
    id: int
    username: str
    display_name: str


@dataclass(frozen=True)
class Slot:
    """One team-shift with whoever walks it (None: a gap)."""

    shift: TeamShift
    floorwalker_id: int | None
    floorwalker_name: str | None
    override_reason: str | None
    #: The assignment's row_version as read (None for a gap): what a change was based on.
    row_version: int | None = None

    @property
    def key(self) -> SlotKey:
        return self.shift.key


@dataclass(frozen=True)
class RotaView:
    """A whole rota as the screen and the exports read it."""

    rota: RotaInfo
    slots: tuple[Slot, ...]
    floorwalkers: tuple[FloorwalkerInfo, ...]
    coverage: Coverage

    def slot(self, key: SlotKey) -> Slot | None:
        return next((s for s in self.slots if s.key == key), None)


@dataclass(frozen=True)
class OnDuty:
    floorwalker_id: int
    floorwalker_name: str
    team_id: int
    team_name: str
    shift_code: str
    start: datetime
    end: datetime
    rota_name: str


def rota_info(r: Rota) -> RotaInfo:
    return RotaInfo(
        r.id or 0, r.name, r.phase, r.go_live, r.window_days, r.shift_pattern, r.time_zone
    )


def zone(name: str) -> ZoneInfo:
    try:
        return parse_zone(name)
    except ValueError as exc:
        raise ValidationFailed("time_zone", str(exc)) from None


#: A force's own shift-pattern file replaces the shipped one when this is set.
PATTERNS_ENV = "RCRP_SHIFT_PATTERNS"


def force_patterns() -> dict[str, ShiftPattern]:
    """The shift patterns in ``$RCRP_SHIFT_PATTERNS`` if set, else the shipped ones."""
    path = os.environ.get(PATTERNS_ENV)
    return load_patterns(Path(path)) if path else load_patterns()


def active_floorwalkers(session: Session) -> list[FloorwalkerInfo]:
    rows = session.exec(
        select(User)
        .where(User.role == Role.FLOORWALKER.value, col(User.active).is_(True))
        .order_by(col(User.display_name), col(User.id))
    )
    return [FloorwalkerInfo(u.id or 0, u.username, u.display_name) for u in rows]


@dataclass
class RotaState:
    """A rota loaded for checking: its shifts, assignments, leave and rule book."""

    rota: RotaInfo
    shifts: list[TeamShift]
    rows: dict[SlotKey, RotaAssignment]
    floorwalkers: list[FloorwalkerInfo]
    book: RuleBook

    def held(self, person: int, without: set[SlotKey] | None = None) -> list[SlotKey]:
        skip = without or set()
        return [
            k for k, r in self.rows.items() if r.floorwalker_user_id == person and k not in skip
        ]


def load_state(session: Session, rota_id: int) -> RotaState:
    rota = session.get(Rota, rota_id)
    if rota is None:
        raise NotFound(f"no rota #{rota_id}")
    info = rota_info(rota)
    tz = zone(info.time_zone)
    try:
        pattern = force_patterns()[info.shift_pattern]
    except (PatternError, OSError, KeyError):
        raise ServiceError(
            f"the rota's shift pattern {info.shift_pattern!r} cannot be loaded: "
            f"check {PATTERNS_ENV} and the pattern file"
        ) from None
    teams = session.exec(
        select(Team).where(Team.shift_pattern == info.shift_pattern).order_by(col(Team.name))
    )
    specs = [TeamSpec(t.id or 0, t.name, pattern, t.cycle_offset) for t in teams]
    shifts = expand_window(specs, info.go_live, info.window_days, tz)
    rows = {
        SlotKey(r.day, r.team_id, r.shift_code): r
        for r in session.exec(select(RotaAssignment).where(RotaAssignment.rota_id == rota_id))
    }
    walkers = active_floorwalkers(session)
    # Leave a day either side of the window still matters: a night runs into the next day.
    leave_rows = session.exec(
        select(FloorwalkerLeave).where(
            col(FloorwalkerLeave.last_day) >= info.go_live - timedelta(days=1),
            col(FloorwalkerLeave.first_day) <= info.last_day + timedelta(days=1),
        )
    )
    leave = [Leave(r.user_id, r.first_day, r.last_day, r.kind) for r in leave_rows]
    names = {w.id: w.display_name for w in walkers}
    book = RuleBook({s.key: s for s in shifts}, leave, names, tz)
    return RotaState(info, shifts, rows, walkers, book)
