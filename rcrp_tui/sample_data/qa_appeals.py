"""The demo's partner appeals: a dozen disputes of not-deployed decisions.

Each is tied by CAD reference to a demo decision that was not deployed, made by a partner
of the same kind as the caller (an ambulance crew disputes a call the ambulance service
made), and runs through ``services.appeals.recording`` as it would on the floor: live 999 appeals
recorded and decided by a supervisor within minutes, post-incident disputes by a QA lead
days later, and cases raised at the monthly partnership meeting. One live appeal, on the
last afternoon, is still open, so its stopwatch runs on the supervisors' home screens and
the appeals list; one post-incident dispute awaits a decision. Organisations are named by
service, never a person; rationales and learning actions are short control-room phrases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from rcrp_tui.domain.appeals import AppealOutcome, AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType
from rcrp_tui.services.appeals import learning as appeal_learning
from rcrp_tui.services.appeals import queries as appeal_queries
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.decisions import queries as decisions
from rcrp_tui.services.decisions.queries import DecisionFilter, DecisionRow

LIVE, POST, MEETING = (
    AppealRoute.LIVE_999,
    AppealRoute.POST_INCIDENT,
    AppealRoute.PARTNERSHIP_MEETING,
)
UPHELD, OVERTURNED, PARTLY = (
    AppealOutcome.UPHELD,
    AppealOutcome.OVERTURNED,
    AppealOutcome.PARTLY_UPHELD,
)
ORGANISATIONS = {
    PartnerType.AMBULANCE: "Regional ambulance service, clinical hub",
    PartnerType.MENTAL_HEALTH_TRUST: "Mental-health trust crisis line",
    PartnerType.ACUTE_HOSPITAL: "Acute hospital emergency department",
    PartnerType.SOCIAL_CARE: "Adult social care out-of-hours team",
    PartnerType.OTHER: "Community drug and alcohol service",
}
_CALLERS = {
    PartnerType.AMBULANCE: CallerType.AMBULANCE,
    PartnerType.MENTAL_HEALTH_TRUST: CallerType.MENTAL_HEALTH_TRUST,
    PartnerType.ACUTE_HOSPITAL: CallerType.ACUTE_HOSPITAL,
    PartnerType.SOCIAL_CARE: CallerType.SOCIAL_CARE,
    PartnerType.OTHER: CallerType.OTHER_PARTNER,
}


@dataclass(frozen=True)
class PlannedAppeal:
    """One appeal: its route and partner, when its decision was made (days after go-live,
    ``None`` for the last afternoon), and how it ends."""

    route: AppealRoute
    partner: PartnerType
    day: float | None
    outcome: AppealOutcome | None = None
    rationale: str = ""
    themes: tuple[str, ...] = ()
    adverse: bool = False
    learning: str = ""
    learning_done: bool = False


APPEALS: tuple[PlannedAppeal, ...] = (
    PlannedAppeal(LIVE, PartnerType.AMBULANCE, None),
    PlannedAppeal(
        LIVE,
        PartnerType.MENTAL_HEALTH_TRUST,
        3.4,
        UPHELD,
        "No crime and no real and immediate risk to life on the facts given. The trust "
        "keeps the duty of care; crisis team to attend as planned.",
        ("guidelines",),
    ),
    PlannedAppeal(
        LIVE,
        PartnerType.ACUTE_HOSPITAL,
        9.6,
        OVERTURNED,
        "Further information from the ward: the patient had left with a ligature and stated "
        "intent. Threat to life now real and immediate; police deployed as a priority.",
        ("compliance", "human_error"),
        learning="Briefing to all teams: re-ask about means and intent when a walk-out is "
        "reported, before closing as not deployed.",
        learning_done=True,
    ),
    PlannedAppeal(
        LIVE,
        PartnerType.AMBULANCE,
        17.8,
        UPHELD,
        "Crew on scene with the patient; the medical need is theirs to manage. Advised to "
        "call back on the emergency line if violence is threatened.",
        ("guidelines",),
    ),
    PlannedAppeal(
        LIVE,
        PartnerType.SOCIAL_CARE,
        29.9,
        UPHELD,
        "Concern is about welfare over the coming days, not an immediate risk. Signposted to "
        "the duty social worker; no police power or duty engaged.",
        ("governance",),
    ),
    PlannedAppeal(
        POST,
        PartnerType.MENTAL_HEALTH_TRUST,
        6.3,
        UPHELD,
        "Reviewed the log and the call audio. The s136 conveyance request fell outside RCRP "
        "police duties; the decision and rationale stand.",
        ("guidelines", "s136 handover"),
    ),
    PlannedAppeal(
        POST,
        PartnerType.ACUTE_HOSPITAL,
        11.2,
        OVERTURNED,
        "In hindsight the threshold was met: the risk described was present and ongoing. "
        "Handler did not apply the real and immediate test. Referred for a QA review.",
        ("human_error", "better_practice"),
        adverse=True,
        learning="Add a worked example of a high-risk walk-out to the refresher training.",
    ),
    PlannedAppeal(
        POST,
        PartnerType.SOCIAL_CARE,
        20.4,
        PARTLY,
        "Decision not to deploy was right, but the referral was advice only; a warm "
        "transfer to the out-of-hours team was needed.",
        ("resources", "night cover"),
    ),
    PlannedAppeal(POST, PartnerType.AMBULANCE, 38.6),
    PlannedAppeal(
        POST,
        PartnerType.OTHER,
        24.1,
        UPHELD,
        "Service user known to the partner and safe at home; no police role. Partner "
        "agreed at the follow-up call.",
        ("better_practice",),
    ),
    PlannedAppeal(
        MEETING,
        PartnerType.MENTAL_HEALTH_TRUST,
        8.7,
        UPHELD,
        "Discussed at the monthly partnership meeting: AWOL patient assessed as low risk "
        "by the ward. Joint protocol for AWOL reports to be reaffirmed.",
        ("governance", "awol protocol"),
        learning="Re-issue the joint AWOL protocol to both control rooms and the wards.",
    ),
    PlannedAppeal(
        MEETING,
        PartnerType.ACUTE_HOSPITAL,
        14.5,
        PARTLY,
        "Raised at the partnership meeting. Outcome appropriate, but the rationale did not "
        "record the risk assessment; feedback given to the team.",
        ("compliance",),
    ),
)
#: The partnership meeting is held on this day after go-live (a Thursday), mid-morning.
MEETING_DAY = 31


def add_appeals(
    ctx_for: dict[str, Ctx],
    clock: FixedClock,
    *,
    seed: int,
    first: datetime,
    as_of: datetime,
    until: datetime | None = None,
) -> int:
    """Record (and decide) the demo's appeals; return how many were recorded.

    With ``until`` (a live demo's "now") nothing later happens: an appeal received after
    it is left out, one decided after it is left open, a learning action stays open."""
    lead = ctx_for["qalead1"]
    if appeal_queries.page(lead, appeal_queries.AppealFilter(), limit=1).rows:
        return 0
    rng = random.Random(f"demo-appeals-{seed}")
    chosen: set[int] = set()
    recorded = 0
    for n, planned in enumerate(APPEALS):
        decision = _decision(lead, planned, first, as_of, chosen)
        if decision is None:
            continue
        chosen.add(decision.id)
        supervisor = ctx_for[f"supervisor{n % 5 + 1}"]
        recorder, decider = _people(ctx_for, planned.route, supervisor, n)
        received = _received(rng, planned.route, decision, first)
        recorded_at = received + timedelta(minutes=rng.randint(2, 6))
        if until is not None and recorded_at > until:
            continue
        clock.instant = recorded_at
        appeal_id = appeals.record_appeal(
            recorder,
            appeals.AppealInput(
                cad_ref=decision.cad_ref,
                route=planned.route,
                partner_type=planned.partner,
                partner_org=ORGANISATIONS[planned.partner],
                received_at=received,
                adverse_outcome_reported=planned.adverse,
                themes=planned.themes,
            ),
        )
        recorded += 1
        if planned.outcome is None:
            continue
        decided_at = _decided(rng, planned.route, received)
        if until is not None and decided_at > until:
            continue
        clock.instant = decided_at
        version = appeal_queries.get(decider, appeal_id).appeal.row_version
        appeals.decide_appeal(
            decider,
            appeal_id,
            outcome=planned.outcome,
            rationale=planned.rationale,
            expected_version=version,
        )
        if planned.learning and (until is None or clock.instant + timedelta(minutes=15) <= until):
            clock.instant += timedelta(minutes=15)
            action_id = appeal_learning.add_learning_action(
                decider,
                appeal_id,
                action=planned.learning,
                owner="Control room training team",
                due_date=(clock.instant + timedelta(days=28)).date(),
            )
            if planned.learning_done and (
                until is None or clock.instant + timedelta(days=12) <= until
            ):
                clock.instant += timedelta(days=12)
                appeal_learning.complete_learning_action(decider, action_id)
    return recorded


def _people(
    ctx_for: dict[str, Ctx], route: AppealRoute, supervisor: Ctx, n: int
) -> tuple[Ctx, Ctx]:
    """Who records and who decides: the supervisor on shift for a live appeal, a QA lead
    (told by a floorwalker, for a post-incident dispute) otherwise."""
    if route is LIVE:
        return supervisor, supervisor
    lead = ctx_for[f"qalead{n % 2 + 1}"]
    if route is POST:
        return ctx_for[f"floorwalker{n % 8 + 1}"], lead
    return lead, lead


def _received(rng: random.Random, route: AppealRoute, d: DecisionRow, first: datetime) -> datetime:
    if route is LIVE:
        return d.received_at + timedelta(minutes=rng.randint(4, 14))
    if route is POST:
        return d.received_at + timedelta(days=rng.randint(1, 3), minutes=rng.randint(0, 600))
    return first + timedelta(days=MEETING_DAY, hours=11, minutes=rng.randint(0, 90))


def _decided(rng: random.Random, route: AppealRoute, received: datetime) -> datetime:
    if route is LIVE:
        return received + timedelta(minutes=rng.randint(8, 25))
    if route is POST:
        return received + timedelta(days=rng.randint(2, 5), hours=rng.randint(0, 6))
    return received + timedelta(minutes=rng.randint(20, 50))


def _decision(
    ctx: Ctx, planned: PlannedAppeal, first: datetime, as_of: datetime, chosen: set[int]
) -> DecisionRow | None:
    """A not-deployed decision by a caller of the partner's kind, near the planned time
    (any partner, then any caller, when a small build has none). The live appeal wants the
    latest call, so for it recency comes before the kind of caller."""
    if planned.day is None:
        windows = [
            (as_of - timedelta(hours=h), as_of - timedelta(minutes=40)) for h in (3, 8, 24, 96)
        ]
    else:
        at = first + timedelta(days=planned.day)
        windows = [(at, at + timedelta(hours=h)) for h in (12, 72, 240)]
    partners = tuple(c for c in CallerType if c.is_partner)
    kinds = ((_CALLERS[planned.partner],), partners, ())
    pairs = (
        [(w, k) for w in windows for k in kinds]
        if planned.day is None
        else [(w, k) for k in kinds for w in windows]
    )
    for (start, end), caller_types in pairs:
        flt = DecisionFilter(
            not_deployed_only=True, received_from=start, received_to=end, caller_types=caller_types
        )
        page = decisions.page(ctx, flt, oldest=planned.day is not None, limit=20)
        found = next((d for d in page.rows if d.id not in chosen), None)
        if found is not None:
            return found
    return None
