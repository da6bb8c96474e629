"""Which teams are on duty in each hour of the demo period, worked out once.

Every shift in the shipped patterns starts and ends on a whole local hour, and
Europe/London differs from UTC by whole hours, so each UTC hour is either wholly inside a
team's shift or wholly outside it. Expanding the rota once into UTC hour slots means the
generator never calls ``zoneinfo`` per decision, and a decision stamped anywhere inside a
slot is on duty for the team it is given (``shift_patterns.on_duty`` agrees).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rcrp_tui.domain.shift_patterns import DEFAULT_TZ, ShiftPattern, shift_on

_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class HourSlot:
    """One UTC hour: its start, its local date and hour, and who is on duty."""

    start: datetime
    local_date: date
    local_hour: int
    local_weekday: int
    #: (team index, shift code) for every team on duty throughout the hour.
    on_duty: tuple[tuple[int, str], ...]


def hour_slots(
    pattern: ShiftPattern,
    offsets: list[int],
    first_day: date,
    days: int,
    tz: ZoneInfo = DEFAULT_TZ,
) -> list[HourSlot]:
    """The UTC hours from local midnight on ``first_day`` for ``days`` local days."""
    begin = datetime.combine(first_day, time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(first_day + timedelta(days=days), time(), tzinfo=tz).astimezone(UTC)
    count = int((end - begin) / _HOUR)
    duty: list[list[tuple[int, str]]] = [[] for _ in range(count)]
    # Start a day early: the night that began the evening before still covers the
    # first morning.
    for day_number in range(-1, days):
        day = first_day + timedelta(days=day_number)
        for team, offset in enumerate(offsets):
            shift = shift_on(pattern, offset, day, tz)
            if shift is None:
                continue
            first = int((shift.start.astimezone(UTC) - begin) / _HOUR)
            last = int((shift.end.astimezone(UTC) - begin) / _HOUR)
            for index in range(max(first, 0), min(last, count)):
                duty[index].append((team, shift.code))
    slots: list[HourSlot] = []
    for index in range(count):
        start = begin + index * _HOUR
        local = start.astimezone(tz)
        slots.append(
            HourSlot(
                start=start,
                local_date=local.date(),
                local_hour=local.hour,
                local_weekday=local.weekday(),
                on_duty=tuple(sorted(duty[index])),
            )
        )
    return slots
