"""Shift patterns as data, and expanding them into real shifts in local time.

A team on a pattern with offset ``k`` works day ``(n + k) mod cycle`` of the pattern on the
``n``-th day after the pattern's epoch. Shift times are local wall-clock times in the
force's time zone; converting through ``zoneinfo`` gives the true length of a shift that
crosses a daylight-saving change (a 12-hour night is 11 or 13 hours long on those nights).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, rrule

REST = "rest"
#: Day 0 of every cycle. Offsets are counted from here.
EPOCH = date(2024, 1, 1)
DEFAULT_TZ = ZoneInfo("Europe/London")
#: A shift that is on duty at this local time is a night shift (a late ending at midnight
#: is not; a night from 22:00 or 19:00 is), whatever its code is called in the TOML file.
NIGHT_MARKER = time(3, 0)


class PatternError(ValueError):
    """A shift-pattern file is wrong; the message names the pattern and key."""


@dataclass(frozen=True)
class ShiftTimes:
    code: str
    start: time
    end: time

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class ShiftPattern:
    name: str
    title: str
    teams: int
    cycle: tuple[str, ...]
    shifts: dict[str, ShiftTimes]

    @property
    def cycle_length(self) -> int:
        return len(self.cycle)

    @property
    def shift_codes(self) -> tuple[str, ...]:
        """Shift codes in the order they first appear in the cycle."""
        seen: list[str] = []
        for code in self.cycle:
            if code != REST and code not in seen:
                seen.append(code)
        return tuple(seen)

    def code_on(self, day: date, offset: int) -> str:
        """The shift code (or ``rest``) a team with ``offset`` works on ``day``."""
        return self.cycle[((day - EPOCH).days + offset) % self.cycle_length]


@dataclass(frozen=True)
class Shift:
    """One real shift: a team's shift code on a date, with aware start and end."""

    day: date
    code: str
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        # Subtract in UTC: Python compares datetimes sharing a tzinfo by wall time, which
        # would make a night across a daylight-saving change look 12 hours long.
        utc = ZoneInfo("UTC")
        return (self.end.astimezone(utc) - self.start.astimezone(utc)).total_seconds() / 3600

    @property
    def is_night(self) -> bool:
        """True when the shift is on duty at 03:00 local time."""
        # Wall-clock comparison is what we want here: both ends share the local zone.
        for day in (self.day, self.day + timedelta(days=1)):
            marker = datetime.combine(day, NIGHT_MARKER, tzinfo=self.start.tzinfo)
            if self.start <= marker < self.end:
                return True
        return False

    @property
    def is_weekend(self) -> bool:
        """Starts on a Saturday or Sunday, or is a night starting on a Friday."""
        weekday = self.day.weekday()
        return weekday >= 5 or (weekday == 4 and self.is_night)


def _parse_time(text: object, where: str) -> time:
    if not isinstance(text, str):
        raise PatternError(f'{where}: expected a time like "07:00"')
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise PatternError(f'{where}: {text!r} is not a time like "07:00"') from None


def parse_patterns(data: dict[str, object], source: str = "patterns") -> dict[str, ShiftPattern]:
    """Validate a parsed TOML document and return its patterns by name."""
    raw = data.get("patterns")
    if not isinstance(raw, dict) or not raw:
        raise PatternError(f"{source}: no [patterns.NAME] tables")
    patterns: dict[str, ShiftPattern] = {}
    for name, body in raw.items():
        where = f"{source}: patterns.{name}"
        if not isinstance(body, dict):
            raise PatternError(f"{where}: must be a table")
        cycle = body.get("cycle")
        if not isinstance(cycle, list) or not cycle or not all(isinstance(c, str) for c in cycle):
            raise PatternError(f'{where}.cycle: a non-empty list of shift codes or "rest"')
        shifts_raw = body.get("shifts", {})
        if not isinstance(shifts_raw, dict):
            raise PatternError(f"{where}.shifts: must be a table")
        shifts: dict[str, ShiftTimes] = {}
        for code, times in shifts_raw.items():
            if not isinstance(times, dict):
                raise PatternError(f"{where}.shifts.{code}: needs start and end")
            shifts[code] = ShiftTimes(
                code,
                _parse_time(times.get("start"), f"{where}.shifts.{code}.start"),
                _parse_time(times.get("end"), f"{where}.shifts.{code}.end"),
            )
        for code in cycle:
            if code != REST and code not in shifts:
                raise PatternError(f"{where}.cycle: shift {code!r} has no times in .shifts")
        teams = body.get("teams", 1)
        if not isinstance(teams, int) or teams < 1:
            raise PatternError(f"{where}.teams: a whole number of at least 1")
        patterns[name] = ShiftPattern(
            name, str(body.get("title", name)), teams, tuple(cycle), shifts
        )
    return patterns


def load_patterns(path: Path | None = None) -> dict[str, ShiftPattern]:
    """The shipped patterns, or those in ``path``."""
    if path is None:
        text = resources.files("rcrp_tui.domain").joinpath("data/shift_patterns.toml").read_text()
        source = "shift_patterns.toml"
    else:
        text = path.read_text(encoding="utf-8")
        source = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PatternError(f"{source}: {exc}") from None
    return parse_patterns(data, source)


def shift_on(
    pattern: ShiftPattern, offset: int, day: date, tz: ZoneInfo = DEFAULT_TZ
) -> Shift | None:
    """The shift a team works that starts on ``day``, or None on a rest day."""
    code = pattern.code_on(day, offset)
    if code == REST:
        return None
    times = pattern.shifts[code]
    start = datetime.combine(day, times.start, tzinfo=tz)
    end_day = day + timedelta(days=1) if times.overnight else day
    end = datetime.combine(end_day, times.end, tzinfo=tz)
    return Shift(day, code, start, end)


def on_duty(
    pattern: ShiftPattern, offset: int, instant: datetime, tz: ZoneInfo = DEFAULT_TZ
) -> Shift | None:
    """The team's shift covering ``instant`` (aware), if any."""
    local_day = instant.astimezone(tz).date()
    for day in (local_day, local_day - timedelta(days=1)):
        shift = shift_on(pattern, offset, day, tz)
        if shift is not None and shift.start <= instant < shift.end:
            return shift
    return None


def expand(
    pattern: ShiftPattern, offset: int, first_day: date, days: int, tz: ZoneInfo = DEFAULT_TZ
) -> list[Shift]:
    """Every shift a team works that starts within ``days`` days from ``first_day``."""
    if days < 1:
        return []
    shifts: list[Shift] = []
    for moment in rrule(DAILY, dtstart=datetime.combine(first_day, time()), count=days):
        shift = shift_on(pattern, offset, moment.date(), tz)
        if shift is not None:
            shifts.append(shift)
    return shifts
