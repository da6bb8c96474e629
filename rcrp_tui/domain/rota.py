"""The floorwalking rota as pure rules: team-shifts in a window, coverage and rostering rules.

A *slot* is one team's shift on one date (``SlotKey``); a floorwalker *assignment* puts one
person on one slot. Every time comparison is made in UTC with aware datetimes, so a night
across a daylight-saving change counts its real 11 or 13 hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rcrp_tui.domain.shift_patterns import DEFAULT_TZ, ShiftPattern, expand

DEFAULT_WINDOW_DAYS = 42
MAX_WINDOW_DAYS = 366
MIN_REST = timedelta(hours=11)
MAX_NIGHTS_IN_A_ROW = 4


@dataclass(frozen=True)
class TeamSpec:
    """A team, its shift pattern and its offset into the pattern's cycle."""

    team_id: int
    name: str
    pattern: ShiftPattern
    offset: int


@dataclass(frozen=True, order=True)
class SlotKey:
    """One team's shift on one date: the thing a floorwalker is assigned to."""

    day: date
    team_id: int
    code: str


@dataclass(frozen=True)
class TeamShift:
    """A slot with its real times and its flags for the coverage view."""

    key: SlotKey
    team_name: str
    start: datetime
    end: datetime
    is_night: bool
    is_weekend: bool
    is_first: bool  # the team's first shift of this code in the window (go-live briefing)

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC)

    @property
    def hours(self) -> float:
        return (self.end_utc - self.start_utc).total_seconds() / 3600


@dataclass(frozen=True)
class Assignment:
    floorwalker_id: int
    key: SlotKey


@dataclass(frozen=True)
class Leave:
    """A floorwalker unavailable from ``first_day`` to ``last_day`` inclusive."""

    floorwalker_id: int
    first_day: date
    last_day: date
    kind: str = "leave"


class Rule(StrEnum):
    REST = "rest"
    NIGHTS_IN_A_ROW = "nights_in_a_row"
    LEAVE = "leave"
    DOUBLE_BOOKING = "double_booking"
    SLOT_FILLED = "slot_filled"
    OUTSIDE_WINDOW = "outside_window"


@dataclass(frozen=True)
class Violation:
    rule: Rule
    floorwalker_id: int
    message: str


def window_days(go_live: date, days: int = DEFAULT_WINDOW_DAYS) -> list[date]:
    """The dates of a rota window starting on ``go_live``."""
    return [go_live + timedelta(days=n) for n in range(days)]


def expand_window(
    teams: Sequence[TeamSpec],
    go_live: date,
    days: int = DEFAULT_WINDOW_DAYS,
    tz: ZoneInfo = DEFAULT_TZ,
) -> list[TeamShift]:
    """Every team-shift starting in the window, in start order, first shifts marked."""
    if not 1 <= days <= MAX_WINDOW_DAYS:
        raise ValueError(f"a rota window is 1 to {MAX_WINDOW_DAYS} days, not {days}")
    out: list[TeamShift] = []
    for team in teams:
        seen: set[str] = set()
        for shift in expand(team.pattern, team.offset, go_live, days, tz):
            out.append(
                TeamShift(
                    key=SlotKey(shift.day, team.team_id, shift.code),
                    team_name=team.name,
                    start=shift.start,
                    end=shift.end,
                    is_night=shift.is_night,
                    is_weekend=shift.is_weekend,
                    is_first=shift.code not in seen,
                )
            )
            seen.add(shift.code)
    out.sort(key=lambda s: (s.start_utc, s.team_name, s.key))
    return out


def _name(names: Mapping[int, str], person: int) -> str:
    return names.get(person, f"floorwalker #{person}")


def _when(shift: TeamShift) -> str:
    return f"{shift.team_name} {shift.key.code} on {shift.key.day:%a %d %b %Y}"


def _leave_bounds(leave: Leave, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(leave.first_day, time(), tzinfo=tz)
    end = datetime.combine(leave.last_day + timedelta(days=1), time(), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def leave_clash(leave: Leave, shift: TeamShift, who: str, tz: ZoneInfo) -> Violation | None:
    """The clash when ``shift`` overlaps ``leave`` (a night running into a day of leave
    clashes too), else None."""
    start, end = _leave_bounds(leave, tz)
    if not (shift.start_utc < end and start < shift.end_utc):
        return None
    kind = leave.kind.replace("_", " ")
    return Violation(
        Rule.LEAVE,
        leave.floorwalker_id,
        f"{who} is unavailable ({kind}) {leave.first_day:%d %b} to "
        f"{leave.last_day:%d %b}, which overlaps {_when(shift)}",
    )


def leave_clashes(
    leave: Leave,
    shifts: Mapping[SlotKey, TeamShift],
    held: Iterable[SlotKey],
    names: Mapping[int, str],
    tz: ZoneInfo = DEFAULT_TZ,
) -> list[tuple[SlotKey, Violation]]:
    """The shifts in ``held`` (the person's assignments) that new ``leave`` would clash with."""
    who = _name(names, leave.floorwalker_id)
    out = []
    for key in held:
        shift = shifts.get(key)
        clash = None if shift is None else leave_clash(leave, shift, who, tz)
        if clash is not None:
            out.append((key, clash))
    return out


@dataclass
class RuleBook:
    """Checks one candidate assignment against a person's other shifts and leave.

    Built once per rota, it indexes slots by key and each person's shifts, so checking a
    candidate costs the size of that person's own rota, not the whole window.
    """

    shifts: Mapping[SlotKey, TeamShift]
    leave: Sequence[Leave] = ()
    names: Mapping[int, str] = field(default_factory=dict)
    tz: ZoneInfo = DEFAULT_TZ

    def __post_init__(self) -> None:
        self._leave: dict[int, list[tuple[datetime, datetime, Leave]]] = {}
        for item in self.leave:
            start, end = _leave_bounds(item, self.tz)
            self._leave.setdefault(item.floorwalker_id, []).append((start, end, item))

    def check(
        self, person: int, key: SlotKey, others: Iterable[SlotKey], filled_by: int | None = None
    ) -> list[Violation]:
        """Violations of putting ``person`` on ``key`` given their ``others`` assignments.

        ``filled_by`` is whoever already holds the slot (None when it is a gap).
        """
        who = _name(self.names, person)
        shift = self.shifts.get(key)
        if shift is None:
            message = f"{key.code} on {key.day} is not a shift of that team in this rota window"
            return [Violation(Rule.OUTSIDE_WINDOW, person, message)]
        out: list[Violation] = []
        if filled_by is not None and filled_by != person:
            out.append(
                Violation(
                    Rule.SLOT_FILLED,
                    person,
                    f"{_when(shift)} already has {_name(self.names, filled_by)}",
                )
            )
        for _start, _end, item in self._leave.get(person, ()):
            clash = leave_clash(item, shift, who, self.tz)
            if clash is not None:
                out.append(clash)
        night_days: set[date] = set()
        for other_key in others:
            if other_key == key:
                continue
            other = self.shifts.get(other_key)
            if other is None:
                continue
            if other.is_night:
                night_days.add(other.key.day)
            if shift.start_utc < other.end_utc and other.start_utc < shift.end_utc:
                out.append(
                    Violation(
                        Rule.DOUBLE_BOOKING,
                        person,
                        f"{who} is already on {_when(other)}, which overlaps {_when(shift)}",
                    )
                )
                continue
            gap = (
                shift.start_utc - other.end_utc
                if other.end_utc <= shift.start_utc
                else other.start_utc - shift.end_utc
            )
            if gap < MIN_REST:
                hours = gap.total_seconds() / 3600
                out.append(
                    Violation(
                        Rule.REST,
                        person,
                        f"{who} would have only {hours:g} h rest between {_when(other)} and "
                        f"{_when(shift)} (at least {MIN_REST.total_seconds() / 3600:g} h)",
                    )
                )
        if shift.is_night:
            run = 1
            day = key.day - timedelta(days=1)
            while day in night_days:
                run, day = run + 1, day - timedelta(days=1)
            day = key.day + timedelta(days=1)
            while day in night_days:
                run, day = run + 1, day + timedelta(days=1)
            if run > MAX_NIGHTS_IN_A_ROW:
                out.append(
                    Violation(
                        Rule.NIGHTS_IN_A_ROW,
                        person,
                        f"{who} would work {run} nights in a row with {_when(shift)} "
                        f"(at most {MAX_NIGHTS_IN_A_ROW})",
                    )
                )
        return out

    def check_all(self, assignments: Iterable[Assignment]) -> list[Violation]:
        """Every violation in a whole set of assignments, each reported once."""
        by_person: dict[int, list[SlotKey]] = {}
        holders: dict[SlotKey, list[int]] = {}
        for a in assignments:
            by_person.setdefault(a.floorwalker_id, []).append(a.key)
            holders.setdefault(a.key, []).append(a.floorwalker_id)
        far_future = datetime.max.replace(tzinfo=UTC)
        out: list[Violation] = []
        for person, keys in by_person.items():
            ordered = sorted(
                keys, key=lambda k: self.shifts[k].start_utc if k in self.shifts else far_future
            )
            for i, key in enumerate(ordered):
                # Each shift against the earlier ones only: every pair is reported once, and
                # a long run of nights once per night beyond the limit.
                out.extend(self.check(person, key, ordered[:i]))
        for key, people in holders.items():
            for extra in people[1:]:
                shift = self.shifts.get(key)
                label = _when(shift) if shift else str(key)
                out.append(
                    Violation(
                        Rule.SLOT_FILLED,
                        extra,
                        f"{label} has more than one floorwalker "
                        f"({', '.join(_name(self.names, p) for p in people)})",
                    )
                )
        return out


@dataclass(frozen=True)
class CoverageCell:
    """Coverage of one team on one shift code across the window."""

    team_id: int
    team_name: str
    code: str
    total: int
    covered: int
    nights: int
    nights_covered: int
    weekends: int
    weekends_covered: int
    first_covered: bool
    first_day: date | None

    @property
    def gaps(self) -> int:
        return self.total - self.covered


@dataclass(frozen=True)
class Coverage:
    cells: tuple[CoverageCell, ...]
    gaps: tuple[TeamShift, ...]
    total: int
    covered: int

    @property
    def percent(self) -> float:
        """Share of team-shifts in the window with a floorwalker (100 for an empty window)."""
        return 100.0 if self.total == 0 else 100.0 * self.covered / self.total

    @property
    def first_gaps(self) -> tuple[TeamShift, ...]:
        return tuple(s for s in self.gaps if s.is_first)


@dataclass
class _Tally:
    total: int = 0
    covered: int = 0
    nights: int = 0
    nights_covered: int = 0
    weekends: int = 0
    weekends_covered: int = 0
    first_covered: bool = False
    first_day: date | None = None


def coverage(shifts: Sequence[TeamShift], assigned: Iterable[SlotKey]) -> Coverage:
    """Counts per team and shift code, the gaps, and the window's coverage percentage."""
    filled = set(assigned)
    tallies: dict[tuple[str, int, str], _Tally] = {}
    gaps: list[TeamShift] = []
    for s in shifts:
        t = tallies.setdefault((s.team_name, s.key.team_id, s.key.code), _Tally())
        hit = s.key in filled
        t.total += 1
        t.covered += hit
        if s.is_night:
            t.nights += 1
            t.nights_covered += hit
        if s.is_weekend:
            t.weekends += 1
            t.weekends_covered += hit
        if s.is_first:
            t.first_covered, t.first_day = hit, s.key.day
        if not hit:
            gaps.append(s)
    cells = tuple(
        CoverageCell(
            team_id=team_id,
            team_name=name,
            code=code,
            total=t.total,
            covered=t.covered,
            nights=t.nights,
            nights_covered=t.nights_covered,
            weekends=t.weekends,
            weekends_covered=t.weekends_covered,
            first_covered=t.first_covered,
            first_day=t.first_day,
        )
        for (name, team_id, code), t in sorted(tallies.items())
    )
    total = len(shifts)
    return Coverage(cells, tuple(gaps), total, total - len(gaps))
