"""Partner appeals and disputes (docs/domain-rules.md §6): vocabularies, the live stopwatch and the
figures leaders and partners see.

Plain values in, plain values out. The service layer counts in SQL and hands the counts
here; nothing in this module knows about tables.

Figures, defined once so every screen, export and test agrees:

- **Appeals per 100 not-deployed decisions**: appeals *received* in the period, divided by
  decisions *not deployed* in the period (by the decision's received time), times 100.
  ``None`` when there were no not-deployed decisions (a rate of nothing is not zero).
- **% overturned**: appeals decided as "overturned — police deployed" out of appeals
  *decided* in the period's cohort (received in the period and decided by now). Partly
  upheld appeals are reported separately, never folded into either side.
- **Time to decision** is for *live 999 appeals* only (the stopwatch): minutes from received
  to decided. The **median** is the conventional one (middle value, or the mean of the two
  middle values). The **90th percentile** uses the *nearest-rank* method: sort the n values
  and take the value at rank ``ceil(0.9 * n)``. It is always a time that actually happened,
  so "90% of live appeals were decided within X minutes" is literally true.
- **Months** are calendar months in Europe/London: an appeal received at 00:30 BST on
  1 April is 23:30 UTC on 31 March, and counts in April, as the control-room wall says.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rcrp_tui.domain.clock import Clock, ensure_utc
from rcrp_tui.domain.enums import LabelledEnum
from rcrp_tui.domain.kpis import parse_day

LONDON = ZoneInfo("Europe/London")
ORGANISATION_MAX = 120
RATIONALE_MAX = 1000
ACTION_MAX = 500
OWNER_MAX = 80
THEME_MAX = 40


class _AppealEnum(LabelledEnum):
    """Labels for the appeal vocabularies live beside them, not in ``enums.py``."""

    @property
    def label(self) -> str:
        return _APPEAL_LABELS.get(self.value, self.value.replace("_", " ").capitalize())


class AppealRoute(_AppealEnum):
    """How the appeal reached the force (Met partner escalation process v2.1)."""

    LIVE_999 = "live_999"
    POST_INCIDENT = "post_incident"
    PARTNERSHIP_MEETING = "partnership_meeting"

    @property
    def is_live(self) -> bool:
        return self is AppealRoute.LIVE_999


class PartnerType(_AppealEnum):
    AMBULANCE = "ambulance"
    MENTAL_HEALTH_TRUST = "mental_health_trust"
    ACUTE_HOSPITAL = "acute_hospital"
    SOCIAL_CARE = "social_care"
    OTHER = "other"


class AppealOutcome(_AppealEnum):
    UPHELD = "upheld"
    OVERTURNED = "overturned"
    PARTLY_UPHELD = "partly_upheld"


class Theme(_AppealEnum):
    """The six themes Police Scotland classify findings by (docs/domain-rules.md §8)."""

    GOVERNANCE = "governance"
    GUIDELINES = "guidelines"
    COMPLIANCE = "compliance"
    RESOURCES = "resources"
    HUMAN_ERROR = "human_error"
    BETTER_PRACTICE = "better_practice"


_APPEAL_LABELS: dict[str, str] = {
    "live_999": "Live 999 appeal",
    "post_incident": "Post-incident dispute",
    "partnership_meeting": "Raised at partnership meeting",
    "ambulance": "Ambulance service",
    "mental_health_trust": "Mental-health trust",
    "acute_hospital": "Acute hospital",
    "social_care": "Social care",
    "other": "Other partner",
    "upheld": "Upheld (original decision stands)",
    "overturned": "Overturned — police deployed",
    "partly_upheld": "Partly upheld",
    "human_error": "Human error",
    "better_practice": "Better practice",
}

_FREE_TAG = re.compile(r"^[a-z0-9][a-z0-9 -]*$")
# A title followed by a capitalised word is how a person's name usually slips in.
_TITLED_NAME = re.compile(r"\b(mr|mrs|ms|miss|mx|dr|prof|sir|dame)\.?\s+[A-Z][a-z]", re.IGNORECASE)


def normalise_theme(raw: str) -> str:
    """A theme is one of the six (value or label, any case) or a short free tag.

    Free tags are lower-case words (letters, digits, spaces, hyphens, at most 40), so
    "Night cover " and "night cover" count as one theme. Raises ValueError saying why.
    """
    text = " ".join(raw.split()).lower()
    if not text:
        raise ValueError("a theme cannot be empty")
    for theme in Theme:
        if text in (theme.value, theme.label.lower()):
            return theme.value
    if len(text) > THEME_MAX:
        raise ValueError(f"a free theme tag is at most {THEME_MAX} characters")
    if not _FREE_TAG.match(text):
        raise ValueError(f"{raw!r}: a free theme tag uses letters, digits, spaces and hyphens")
    return text


def theme_label(value: str) -> str:
    """The label of a standard theme, or the free tag itself."""
    try:
        return Theme(value).label
    except ValueError:
        return value


def check_organisation(raw: str) -> str:
    """A partner organisation name, tidied; refuses what looks like a person's name."""
    text = " ".join(raw.split())
    if not text:
        raise ValueError("name the partner organisation (for example 'London Ambulance Service')")
    if len(text) > ORGANISATION_MAX:
        raise ValueError(f"at most {ORGANISATION_MAX} characters")
    from rcrp_tui.domain import personal_data  # its patterns load only when a name is checked

    if _TITLED_NAME.search(text) or personal_data.scan(text):
        # The personal-data guard too: "John Smith" or a phone number is not an organisation.
        raise ValueError("record the organisation, not a person's name (docs/domain-rules.md §9)")
    return text


# --- the stopwatch -----------------------------------------------------------------------


def minutes_between(start: datetime, end: datetime) -> float:
    """Minutes from ``start`` to ``end`` (never negative: a clock skew reads as zero)."""
    seconds = (ensure_utc(end) - ensure_utc(start)).total_seconds()
    return max(seconds, 0.0) / 60.0


def stopwatch_minutes(received_at: datetime, decided_at: datetime | None, clock: Clock) -> int:
    """Whole minutes a live appeal has waited: until decided, or until now if still open."""
    end = decided_at if decided_at is not None else clock.now()
    return int(minutes_between(received_at, end))


def parse_received(text: str, now: datetime, tz: ZoneInfo = LONDON) -> datetime:
    """Read a received time as typed on the control-room floor, in local (London) time.

    Blank means now; ``HH:MM`` means that time today, or yesterday if it is later than
    now (a call received at 23:50 and recorded at 00:05); ``YYYY-MM-DD HH:MM`` is a full
    date. Returns UTC; raises ValueError saying what was expected.
    """
    raw = text.strip()
    now_utc = ensure_utc(now)
    if not raw:
        return now_utc
    local_now = now_utc.astimezone(tz)
    try:
        if len(raw) <= 5:
            clock_time = datetime.strptime(raw, "%H:%M").time()
            local = datetime.combine(local_now.date(), clock_time, tzinfo=tz)
            if local > local_now:
                local = datetime.combine(
                    local_now.date() - timedelta(days=1), clock_time, tzinfo=tz
                )
        else:
            local = datetime.strptime(raw, "%Y-%m-%d %H:%M").replace(tzinfo=tz)
    except ValueError:
        expected = "type HH:MM (today) or YYYY-MM-DD HH:MM, local time"
        day = raw.split()[0] if raw.split() else raw
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            try:  # the right shape: name a day that does not exist (31 February)
                parse_day(day, "day")
            except ValueError as bad_day:
                reason = str(bad_day).removeprefix("day: ").split(";")[0]
                raise ValueError(f"{reason}; {expected}") from None
        raise ValueError(expected) from None
    return local.astimezone(UTC)


def format_minutes(minutes: int) -> str:
    """``7 min``, ``1 h 05 min``, ``8 d 21 h``: short enough for a list cell."""
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {rest:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours:02d} h"


# --- statistics ----------------------------------------------------------------------------


def median(values: Sequence[float]) -> float | None:
    """The conventional median, or None for no values."""
    return float(statistics.median(values)) if values else None


def percentile_nearest_rank(values: Sequence[float], pct: float) -> float | None:
    """The ``pct`` percentile by nearest rank: the value at rank ceil(pct/100 * n)."""
    if not 0 < pct <= 100:
        raise ValueError("a percentile is above 0 and at most 100")
    if not values:
        return None
    ordered = sorted(values)
    rank = math.ceil(pct / 100 * len(ordered))
    return float(ordered[max(rank, 1) - 1])


def per_100(numerator: int, denominator: int) -> float | None:
    """``numerator`` per 100 of ``denominator``; None when the denominator is zero."""
    return None if denominator <= 0 else 100.0 * numerator / denominator


# --- months in Europe/London -----------------------------------------------------------------


def month_key(instant: datetime, tz: ZoneInfo = LONDON) -> str:
    """``YYYY-MM`` of the calendar month ``instant`` falls in, on the local wall clock."""
    local = ensure_utc(instant).astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


@dataclass(frozen=True)
class MonthBucket:
    key: str
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive


def month_buckets(
    date_from: datetime, date_to: datetime, tz: ZoneInfo = LONDON
) -> list[MonthBucket]:
    """The local calendar months overlapping [date_from, date_to), as UTC ranges.

    Each bucket is clipped to the requested range, so counts never include days outside it.
    """
    start, end = ensure_utc(date_from), ensure_utc(date_to)
    if end <= start:
        raise ValueError("the end of the period must be after its start")
    local = start.astimezone(tz)
    year, month = local.year, local.month
    buckets: list[MonthBucket] = []
    while True:
        month_start = datetime(year, month, 1, tzinfo=tz).astimezone(UTC)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        month_end = datetime(year, month, 1, tzinfo=tz).astimezone(UTC)
        buckets.append(
            MonthBucket(
                f"{month_start.astimezone(tz):%Y-%m}", max(month_start, start), min(month_end, end)
            )
        )
        if month_end >= end:
            return buckets


# --- figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodCounts:
    """What SQL counts for one period (a month, or the whole range)."""

    label: str
    not_deployed: int = 0
    appeals: int = 0
    decided: int = 0
    overturned: int = 0
    partly_upheld: int = 0
    adverse_reported: int = 0
    live_minutes: tuple[float, ...] = ()
    by_partner: Mapping[str, int] = field(default_factory=dict)
    by_theme: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PeriodFigures:
    """The figures for one period, ready to show or export."""

    label: str
    not_deployed: int
    appeals: int
    decided: int
    overturned: int
    partly_upheld: int
    adverse_reported: int
    appeals_per_100: float | None
    pct_overturned: float | None
    pct_partly_upheld: float | None
    live_decided: int
    median_minutes: float | None
    p90_minutes: float | None
    by_partner: tuple[tuple[str, int], ...]
    by_theme: tuple[tuple[str, int], ...]


def _ranked(counts: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    # Largest first, then by name, so exports are stable between runs.
    return tuple(sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0])))


def figures_for(counts: PeriodCounts) -> PeriodFigures:
    """Turn one period's counts into rates, median and 90th percentile."""
    return PeriodFigures(
        label=counts.label,
        not_deployed=counts.not_deployed,
        appeals=counts.appeals,
        decided=counts.decided,
        overturned=counts.overturned,
        partly_upheld=counts.partly_upheld,
        adverse_reported=counts.adverse_reported,
        appeals_per_100=per_100(counts.appeals, counts.not_deployed),
        pct_overturned=per_100(counts.overturned, counts.decided),
        pct_partly_upheld=per_100(counts.partly_upheld, counts.decided),
        live_decided=len(counts.live_minutes),
        median_minutes=median(counts.live_minutes),
        p90_minutes=percentile_nearest_rank(counts.live_minutes, 90),
        by_partner=_ranked(counts.by_partner),
        by_theme=_ranked(counts.by_theme),
    )


def combine(label: str, periods: Iterable[PeriodCounts]) -> PeriodCounts:
    """Sum several periods' counts into one (the whole range)."""
    parts = list(periods)
    partners: Counter[str] = Counter()
    themes: Counter[str] = Counter()
    for p in parts:
        partners.update(p.by_partner)
        themes.update(p.by_theme)
    return PeriodCounts(
        label=label,
        not_deployed=sum(p.not_deployed for p in parts),
        appeals=sum(p.appeals for p in parts),
        decided=sum(p.decided for p in parts),
        overturned=sum(p.overturned for p in parts),
        partly_upheld=sum(p.partly_upheld for p in parts),
        adverse_reported=sum(p.adverse_reported for p in parts),
        live_minutes=tuple(m for p in parts for m in p.live_minutes),
        by_partner=dict(partners),
        by_theme=dict(themes),
    )


def format_rate(value: float | None, suffix: str = "") -> str:
    """One decimal place, or an em dash when there is nothing to divide by."""
    return "—" if value is None else f"{value:.1f}{suffix}"
