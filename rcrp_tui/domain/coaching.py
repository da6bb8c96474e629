"""Coaching notes: themes, visibility, the lifecycle with who may move it, and overdue.

Pure rules. A note is open → acknowledged (by the officer it is about, with an optional
comment) → follow-up done → closed. Follow-up dates are local calendar dates in the
control room's zone (Europe/London): a follow-up due on 29 March is overdue from the first
instant of 30 March in London, whatever "now" is given in and whichever side of a
daylight-saving change it falls on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rcrp_tui.domain.clock import ensure_utc
from rcrp_tui.domain.enums import LabelledEnum, Role
from rcrp_tui.domain.safe_text import quoted

LOCAL_ZONE = ZoneInfo("Europe/London")
#: Reviews each contact officer should have per calendar month (the team table's quota).
REVIEWS_PER_OFFICER_PER_MONTH = 3
#: Longest text kept in each free-text field of a note.
TEXT_MAX = 2000
COMMENT_MAX = 1000
#: A follow-up further away than this is not a follow-up.
FOLLOW_UP_HORIZON_DAYS = 366
_CRITERION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,15}$")


class Theme(LabelledEnum):
    """The six finding themes used to classify QA findings (docs/domain-rules.md §8)."""

    GOVERNANCE = "governance"
    GUIDELINES = "guidelines"
    COMPLIANCE = "compliance"
    RESOURCES = "resources"
    HUMAN_ERROR = "human_error"
    BETTER_PRACTICE = "better_practice"


class Visibility(LabelledEnum):
    """Normal notes are read by the people coaching the officer; restricted ones only by
    QA leads, the officer's own supervisor and the officer."""

    NORMAL = "normal"
    RESTRICTED = "restricted"


class NoteStatus(LabelledEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    FOLLOW_UP_DONE = "follow_up_done"
    CLOSED = "closed"

    @property
    def is_settled(self) -> bool:
        """Nothing is left to follow up: a settled note is never overdue."""
        return self in (NoteStatus.FOLLOW_UP_DONE, NoteStatus.CLOSED)


class Transition(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    FOLLOW_UP_DONE = "follow_up_done"
    CLOSE = "close"

    @property
    def label(self) -> str:
        return {"acknowledge": "acknowledge", "follow_up_done": "mark follow-up done"}.get(
            self.value, self.value
        )


S = NoteStatus
#: Where each transition may start and where it leads.
TRANSITIONS: dict[Transition, tuple[NoteStatus, NoteStatus]] = {
    Transition.ACKNOWLEDGE: (S.OPEN, S.ACKNOWLEDGED),
    Transition.FOLLOW_UP_DONE: (S.ACKNOWLEDGED, S.FOLLOW_UP_DONE),
    Transition.CLOSE: (S.FOLLOW_UP_DONE, S.CLOSED),
}
#: Roles allowed to write coaching notes at all (Permission.WRITE_COACHING mirrors this).
WRITERS = frozenset({Role.FLOORWALKER, Role.QA_LEAD, Role.SUPERVISOR})


@dataclass(frozen=True)
class Who:
    """The actor as the coaching rules see them, relative to one note."""

    role: Role
    is_officer: bool = False  # the contact officer the note is about
    is_author: bool = False  # wrote the note
    is_team_supervisor: bool = False  # supervises the officer's team


class CoachingRefused(ValueError):
    """The transition is not allowed; the message says why in plain words."""


def may_read(who: Who, visibility: Visibility) -> bool:
    """Need-to-know: may this person read a note of this visibility about the officer?"""
    if who.is_officer or who.role is Role.QA_LEAD or who.is_team_supervisor:
        return True
    if visibility is Visibility.RESTRICTED:
        return False
    # A normal note also serves whoever supports the officer on the floor.
    return who.is_author or who.role is Role.FLOORWALKER


def may_write_about(who: Who) -> bool:
    """Who may write a note about an officer: QA leads, floorwalkers, the team's supervisor."""
    if who.role is Role.SUPERVISOR:
        return who.is_team_supervisor
    return who.role in WRITERS


def may_follow_up(who: Who) -> bool:
    """The author, the officer's supervisor or a QA lead follow a note up and close it."""
    return who.is_author or who.is_team_supervisor or who.role is Role.QA_LEAD


def next_status(transition: Transition, status: NoteStatus, who: Who) -> NoteStatus:
    """The status after ``transition``; raise CoachingRefused saying why when not allowed."""
    start, end = TRANSITIONS[transition]
    if transition is Transition.ACKNOWLEDGE:
        if not who.is_officer:
            raise CoachingRefused("only the officer the note is about can acknowledge it")
    elif not may_follow_up(who):
        raise CoachingRefused(
            f"only the note's author, the officer's supervisor or a QA lead can "
            f"{transition.label} a note"
        )
    if status is not start:
        raise CoachingRefused(
            f"a note that is {status.label.lower()} cannot be moved on with "
            f"'{transition.label}'; it must be {start.label.lower()} first"
        )
    return end


def allowed_transitions(status: NoteStatus, who: Who) -> list[Transition]:
    """The transitions this person may take on a note in ``status`` (for screens' hints)."""
    allowed: list[Transition] = []
    for transition in Transition:
        try:
            next_status(transition, status, who)
        except CoachingRefused:
            continue
        allowed.append(transition)
    return allowed


def local_date(instant: datetime) -> date:
    """The London calendar date of an aware instant."""
    return ensure_utc(instant).astimezone(LOCAL_ZONE).date()


def overdue_from(follow_up_on: date) -> datetime:
    """The UTC instant a follow-up due on ``follow_up_on`` becomes overdue: the start of
    the next London day (00:00 GMT or 00:00 BST, whichever applies that night)."""
    start = datetime.combine(follow_up_on + timedelta(days=1), time(0), tzinfo=LOCAL_ZONE)
    return start.astimezone(UTC)


def is_overdue(follow_up_on: date | None, status: NoteStatus, now: datetime) -> bool:
    """True when an unsettled note's follow-up day has passed in London."""
    if follow_up_on is None or status.is_settled:
        return False
    return ensure_utc(now) >= overdue_from(follow_up_on)


def parse_follow_up(raw: str, now: datetime) -> date | None:
    """A follow-up date typed as YYYY-MM-DD: empty means none; refuse the past.

    Raises ValueError with a message that names the field and what is wrong.
    """
    text = raw.strip()
    if not text:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        value = date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"Follow-up date: {quoted(text)} is not a date; type it as YYYY-MM-DD, e.g. 2026-12-01"
        ) from None
    today = local_date(now)
    if value < today:
        raise ValueError(
            f"Follow-up date: {value.isoformat()} is in the past; today is {today.isoformat()}"
        )
    if value > today + timedelta(days=FOLLOW_UP_HORIZON_DAYS):
        raise ValueError("Follow-up date: pick a date within a year")
    return value


def parse_criteria(codes: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Criterion codes from "C01, C05" or a sequence; upper-cased, de-duplicated, ordered."""
    items = codes.replace(";", ",").split(",") if isinstance(codes, str) else list(codes)
    seen: list[str] = []
    for item in items:
        code = item.strip().upper()
        if not code:
            continue
        if not _CRITERION_CODE.match(code):
            raise ValueError(f"Criteria: {item.strip()!r} is not a criterion code such as C05")
        if code not in seen:
            seen.append(code)
    return tuple(seen)


@dataclass(frozen=True)
class NoteText:
    """The free text of a note, as typed."""

    went_well: str
    to_develop: str
    agreed_actions: str


FIELD_LABELS = {
    "went_well": "What went well",
    "to_develop": "What to develop",
    "agreed_actions": "Agreed actions",
}


def check_note_text(text: NoteText, follow_up_on: date | None) -> list[tuple[str, str]]:
    """Problems with a note's text as (field label, message); empty when it is fine."""
    problems: list[tuple[str, str]] = []
    for name, label in FIELD_LABELS.items():
        if len(getattr(text, name)) > TEXT_MAX:
            problems.append((label, f"keep it to {TEXT_MAX} characters"))
    if not text.went_well.strip() and not text.to_develop.strip():
        problems.append(
            (FIELD_LABELS["to_develop"], "say what went well or what to develop (or both)")
        )
    if text.agreed_actions.strip() and follow_up_on is None:
        problems.append(("Follow-up date", "agreed actions need a date to follow them up"))
    return problems


def month_start(instant: datetime) -> datetime:
    """The UTC instant the London calendar month containing ``instant`` began."""
    local = ensure_utc(instant).astimezone(LOCAL_ZONE)
    return datetime(local.year, local.month, 1, tzinfo=LOCAL_ZONE).astimezone(UTC)


def next_month_start(instant: datetime) -> datetime:
    """The UTC instant the London month after ``instant``'s begins."""
    local = ensure_utc(instant).astimezone(LOCAL_ZONE)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, tzinfo=LOCAL_ZONE).astimezone(UTC)


def month_key(instant: datetime) -> str:
    """ "2026-11": the London month an instant falls in (per-criterion trends group by it)."""
    local = ensure_utc(instant).astimezone(LOCAL_ZONE)
    return f"{local.year:04d}-{local.month:02d}"
