"""What each role's home screen shows: plain frozen records, built by ``services.home.summary``.

Every list on a home screen is "how many, and the first few": the count comes from an SQL
aggregate and the items from a query with a LIMIT, so a home screen costs the same on a
force with a million decisions as on a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rcrp_tui.domain.statistics import Proportion
from rcrp_tui.services.reviews.records import ReviewSummary

#: How many items each panel lists; the count says how many there are in all.
FIRST_FEW = 5


@dataclass(frozen=True)
class ReviewList:
    """Reviews in one state: how many in all, and the first few (newest first)."""

    count: int
    first: tuple[ReviewSummary, ...]


@dataclass(frozen=True)
class AlertItem:
    """An open live-risk alert, as a home panel lists it."""

    id: int
    review_id: int
    cad_ref: str
    raised_by: str
    raised_at: datetime
    escalated_to: str


@dataclass(frozen=True)
class Alerts:
    count: int
    first: tuple[AlertItem, ...]


@dataclass(frozen=True)
class ShiftInfo:
    """One floorwalking shift: whose team, which shift, when (aware UTC)."""

    team_name: str
    shift_code: str
    start: datetime
    end: datetime
    rota_name: str


@dataclass(frozen=True)
class DutyStatus:
    """Whether a floorwalker is on shift now, and if not, their next shift on a rota."""

    on_shift: ShiftInfo | None
    next_shift: ShiftInfo | None


@dataclass(frozen=True)
class QueueEntry:
    """A sample item claimed by, or assigned to, the signed-in floorwalker."""

    item_id: int
    sample_id: int
    sample_name: str
    position: int
    decision_id: int
    cad_ref: str
    category: str
    status: str  # "claimed" (being worked) or "open" (assigned, not yet taken)


@dataclass(frozen=True)
class SampleRow:
    """An open sample and how far its queue has got."""

    sample_id: int
    name: str
    drawn_at: datetime
    done: int
    total: int  # items still in the sample: open, claimed or done
    skipped: int
    replaced: int


@dataclass(frozen=True)
class MonthCompliance:
    """Compliance of the reviews submitted in one London calendar month.

    A review is compliant when it passed (weighted score at the pass mark and no critical
    criterion not met): the same rule as the sample results.
    """

    month: str  # "2026-11"
    start: datetime  # UTC instant the London month began
    end: datetime  # UTC instant the next London month begins
    compliance: Proportion  # passed out of submitted, with its Wilson interval

    @property
    def reviews(self) -> int:
        return int(self.compliance.total)

    @property
    def compliant(self) -> int:
        return int(self.compliance.successes)


@dataclass(frozen=True)
class TeamResults:
    """A team's (or every team's) reviews this month."""

    scope: str
    month: MonthCompliance
    should_have_deployed: int


@dataclass(frozen=True)
class FollowUp:
    """A coaching note whose follow-up date has passed while it is still unsettled."""

    note_id: int
    staff_id: str
    team_id: int | None
    theme: str
    follow_up_on: date
    days_overdue: int
    author: str
    status: str


@dataclass(frozen=True)
class FollowUps:
    count: int
    first: tuple[FollowUp, ...]


@dataclass(frozen=True)
class RotaGap:
    """A team-shift in the coming week with no floorwalker."""

    day: date
    team_name: str
    shift_code: str
    start: datetime
    is_night: bool
    is_weekend: bool
    is_first: bool  # the team's first shift of this kind in the rota: its go-live briefing


@dataclass(frozen=True)
class BriefingDue:
    """A team's first RCRP shift of a type starting within 24 hours with no go-live
    briefing planned or delivered."""

    phase: int
    team_name: str
    shift_code: str
    start: datetime


@dataclass(frozen=True)
class GoLive:
    """The next phase's go-live for Home: the countdown and its readiness (``problem``:
    why readiness cannot be shown, such as a wrong checklist file)."""

    phase: int
    countdown: str
    percent_text: str = ""
    blockers: int = 0
    problem: str = ""


@dataclass(frozen=True)
class WeekCoverage:
    """Floorwalker coverage of the shifts that start or run in the coming seven days."""

    scope: str
    rotas: tuple[str, ...]
    total: int
    covered: int
    gap_count: int
    gaps: tuple[RotaGap, ...]  # the first few, soonest first
    #: First shifts within 24 hours with no go-live briefing planned (all of them).
    briefings_due: tuple[BriefingDue, ...] = ()

    @property
    def percent(self) -> float | None:
        return None if self.total == 0 else 100.0 * self.covered / self.total


@dataclass(frozen=True)
class AppealItem:
    """An open live (999) partner appeal and how long it has waited."""

    id: int
    cad_ref: str
    partner: str
    received_at: datetime
    waiting_minutes: int


@dataclass(frozen=True)
class Appeals:
    count: int
    first: tuple[AppealItem, ...]


@dataclass(frozen=True)
class OpenNote:
    """One of a contact officer's own coaching notes that is not yet settled."""

    note_id: int
    theme: str
    status: str
    agreed_actions: str
    follow_up_on: date | None
    overdue: bool
    needs_acknowledging: bool


@dataclass(frozen=True)
class FloorwalkerHome:
    duty: DutyStatus
    queue_count: int
    queue: tuple[QueueEntry, ...]
    waiting_in_open_samples: int  # open items nobody is assigned to, in open samples
    drafts: ReviewList
    alerts: Alerts  # open alerts this floorwalker raised
    authored_overdue: FollowUps
    generated_at: datetime


@dataclass(frozen=True)
class QaLeadHome:
    samples: tuple[SampleRow, ...]
    open_samples: int
    moderation: ReviewList
    this_month: MonthCompliance
    last_month: MonthCompliance
    alerts: Alerts
    overdue: FollowUps  # every team
    generated_at: datetime
    #: The phase going live next (else the last to go live); None: no phase has a rota.
    go_live: GoLive | None = None


@dataclass(frozen=True)
class SupervisorHome:
    team_name: str | None  # None: the account has no team, so every team is shown
    coverage: WeekCoverage
    alerts: Alerts
    appeals: Appeals
    results: TeamResults
    team_overdue: FollowUps
    authored_overdue: FollowUps
    generated_at: datetime
    #: The phase going live next (else the last to go live); None: no phase has a rota.
    go_live: GoLive | None = None


@dataclass(frozen=True)
class OfficerHome:
    to_acknowledge: ReviewList
    notes_count: int
    notes: tuple[OpenNote, ...]
    generated_at: datetime


@dataclass(frozen=True)
class ImportInfo:
    at: datetime
    actor: str
    file: str
    inserted: int
    updated: int
    rejected: int


@dataclass(frozen=True)
class AdministratorHome:
    users_by_role: tuple[tuple[str, int], ...]  # (role label, active accounts)
    teams: int
    contact_officers: int
    last_import: ImportInfo | None
    audit_entries: int
    audit_last_week: int
    generated_at: datetime
    #: The phase going live next (else the last to go live); None: no phase has a rota.
    go_live: GoLive | None = None


Home = FloorwalkerHome | QaLeadHome | SupervisorHome | OfficerHome | AdministratorHome
