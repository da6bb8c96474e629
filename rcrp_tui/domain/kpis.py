"""Periods, week buckets and rates for the KPIs leaders take to the programme board.

A period is a range of Europe/London calendar days, held as UTC instants ``[start, end)``.
Weeks are ISO weeks (Monday to Sunday) in London, clipped to the period, so a count never
includes a day outside it. Everything here is pure: no storage, no screens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rcrp_tui.domain.clock import ensure_utc
from rcrp_tui.domain.safe_text import quoted

LONDON = ZoneInfo("Europe/London")
#: A longer period would make the weekly breakdown unreadable (and slower to group).
MAX_PERIOD_DAYS = 400
#: The per-handler minimum one force used: three reviewed calls a handler a month (§5).
MONTHLY_MINIMUM = 3


def london_midnight(day: date) -> datetime:
    """The UTC instant a London calendar day starts (00:00 GMT or BST)."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """London calendar days ``first_day`` to ``last_day`` inclusive, as UTC ``[start, end)``."""

    first_day: date
    end_day: date  # the first day NOT included

    @property
    def last_day(self) -> date:
        return self.end_day - timedelta(days=1)

    @property
    def start(self) -> datetime:
        return london_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        return london_midnight(self.end_day)

    @property
    def days(self) -> int:
        return (self.end_day - self.first_day).days

    def short(self) -> str:
        """E.g. ``"1 Oct to 31 Dec 2026"`` (the year once when both ends share it)."""
        first = "%-d %b" if self.first_day.year == self.last_day.year else "%-d %b %Y"
        return f"{self.first_day.strftime(first)} to {self.last_day:%-d %b %Y}"

    def describe(self) -> str:
        """E.g. ``"1 Oct 2026 to 31 Dec 2026 (92 days)"``."""
        return f"{self.first_day:%-d %b %Y} to {self.last_day:%-d %b %Y} ({self.days} days)"


def make_period(first_day: date, end_day: date, name: str = "period") -> Period:
    """Check and build a period; raise ValueError saying what is wrong with which one.

    ``end_day`` is exclusive: the period 2026-10-01 to 2026-11-01 is the whole of October.
    """
    if end_day <= first_day:
        raise ValueError(
            f"the {name} must end after it starts: {end_day.isoformat()} is not after "
            f"{first_day.isoformat()}"
        )
    if (end_day - first_day).days > MAX_PERIOD_DAYS:
        raise ValueError(f"the {name} may be at most {MAX_PERIOD_DAYS} days long")
    return Period(first_day, end_day)


def previous_period(period: Period) -> Period:
    """The default baseline: the same number of days immediately before ``period``."""
    return Period(period.first_day - timedelta(days=period.days), period.first_day)


def parse_day(text: str, name: str) -> date:
    """A date typed as YYYY-MM-DD; ValueError naming the field otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        typed = text.strip()
        if not typed:
            raise ValueError(f"{name}: empty; type a date like 2026-10-01") from None
        shape = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", typed)
        if shape and int(shape[1]) >= 1 and 1 <= int(shape[2]) <= 12:
            # The right shape, but the day does not exist (31 February, 31 April).
            month = date(int(shape[1]), int(shape[2]), 1).strftime("%B %Y")
            raise ValueError(
                f"{name}: there is no day {int(shape[3])} in {month}; type a date like 2026-10-01"
            ) from None
        raise ValueError(f"{name}: {quoted(typed)} is not a date like 2026-10-01") from None


@dataclass(frozen=True)
class WeekBucket:
    """One London ISO week, clipped to a period."""

    key: str  # e.g. "2026-W41"
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive


def week_buckets(period: Period) -> list[WeekBucket]:
    """The London ISO weeks overlapping ``period``, each clipped to it, in order."""
    monday = period.first_day - timedelta(days=period.first_day.weekday())
    buckets: list[WeekBucket] = []
    while monday < period.end_day:
        year, week, _ = monday.isocalendar()
        start = max(london_midnight(monday), period.start)
        end = min(london_midnight(monday + timedelta(days=7)), period.end)
        buckets.append(WeekBucket(f"{year}-W{week:02d}", start, end))
        monday += timedelta(days=7)
    return buckets


@dataclass(frozen=True)
class MonthBucket:
    """One London calendar month, clipped to a period."""

    key: str  # e.g. "2026-10"
    start: datetime
    end: datetime


def month_buckets(period: Period) -> list[MonthBucket]:
    """The London calendar months overlapping ``period``, each clipped to it."""
    first = period.first_day.replace(day=1)
    buckets: list[MonthBucket] = []
    while first < period.end_day:
        following = (first + timedelta(days=32)).replace(day=1)
        start = max(london_midnight(first), period.start)
        end = min(london_midnight(following), period.end)
        buckets.append(MonthBucket(f"{first:%Y-%m}", start, end))
        first = following
    return buckets


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` as a fraction, or None when there is nothing to divide by."""
    return None if whole == 0 else part / whole


def format_percent(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage for people ("41.2%"); a dash when there is none."""
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def change_points(now: float | None, baseline: float | None) -> float | None:
    """The change from ``baseline`` to ``now`` in percentage points (None if either is)."""
    if now is None or baseline is None:
        return None
    return (now - baseline) * 100


def in_period(instant: datetime, period: Period) -> bool:
    """True when ``instant`` falls inside ``period``."""
    return period.start <= ensure_utc(instant) < period.end
