"""A small fixed data set for the KPI, report and KPI-screen tests, built through the
public services, with every expected figure worked out by hand in the comments.

Period: 16 to 29 November 2026 (London weeks 2026-W47 and 2026-W48); the baseline is the
two weeks before (2 to 15 November). The clock is FIXED_NOW, 24 November 10:30 UTC.

Period decisions (category, caller, outcome, officer, phase):
  W47  d1 medical  public     deployed        CO-101  1
       d2 medical  ambulance  signposted      CO-101  1   (draft review only)
       d3 welfare  public     referred_health CO-202  2   (two reviews: the QA lead's counts)
       d4 welfare  public     deployed        CO-202  2   (not reviewed)
  W48  d5 awol     mh trust   referred_health CO-101  1   (should have deployed, C05 not met)
       d6 awol     public     deployed        CO-101  -   (deployed unnecessarily, passed)
Baseline: b1 medical public deployed CO-101 (appropriate, passed); b2 medical public
deployed CO-202; b3 welfare public signposted CO-202 (should have deployed, failed);
b4 awol public signposted CO-101. One more decision on 20 October falls in neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from rcrp_tui.domain.appeals import AppealRoute, PartnerType
from rcrp_tui.domain.coaching import NoteText, Theme
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
from rcrp_tui.domain.kpis import Period
from rcrp_tui.domain.rota import SlotKey
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.coaching import notes as coaching
from rcrp_tui.services.coaching.notes import NoteInput
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.services.rota import planning as rota
from rcrp_tui.storage.db import Database
from tests.conftest import FIXED_NOW, TEST_ADMIN

PASSWORD = "kpi-test-password"
PERIOD = Period(date(2026, 11, 16), date(2026, 11, 30))
BASELINE = Period(date(2026, 11, 2), date(2026, 11, 16))
ROTA_NAME = '=HYPERLINK("x") <b>Phase 1</b> & [go-live]'


@dataclass(frozen=True)
class KpiData:
    qa: Ctx
    supervisor: Ctx
    admin: Ctx
    floorwalker: Ctx
    rota_team_shifts: int


def _user(admin: Ctx, name: str, role: Role, team: str | None = None) -> Ctx:
    info = people.add_user(
        admin, username=name, display_name=name.title(), role=role, password=PASSWORD, team=team
    )
    team_id = next((t.id for t in people.list_teams(admin) if t.name == team), None)
    return Ctx(
        admin.db, Actor(info.id, info.username, info.display_name, role, team_id), admin.clock
    )


def _decision(admin: Ctx, n: int, when: datetime, category: Category, caller: CallerType,
              outcome: Outcome, staff: str, phase: int | None) -> int:  # fmt: skip
    return record_decision(
        admin,
        DecisionInput(
            cad_ref=f"CAD-{n:04d}",
            source_system="STORM",
            received_at=when,
            category=category,
            caller_type=caller,
            outcome=outcome,
            phase=phase,
            staff_id=staff,
        ),
    )


def _review(ctx: Ctx, decision_id: int, judgement: Judgement, changes: dict[str, Answer],
            *, submit: bool = True) -> None:  # fmt: skip
    work = reviews.open_for_decision(ctx, decision_id)
    answers = {c.code: AnswerEntry(changes.get(c.code, Answer.MET)) for c in work.criteria}
    if submit:
        reviews.submit(ctx, work.review, answers, judgement)
    else:
        reviews.save(ctx, work.review, answers, judgement)


def build(db: Database, clock: object) -> KpiData:
    """Build the data set described in the module docstring."""
    admin = Ctx(db, TEST_ADMIN, clock)  # type: ignore[arg-type]
    people.add_team(admin, "Red", "2d2n4off-12h")
    people.add_team(admin, "Blue", "2d2n4off-12h", cycle_offset=4)
    people.add_contact_officer(admin, "CO-101", "Red")
    people.add_contact_officer(admin, "CO-202", "Blue")
    people.add_contact_officer(admin, "CO-303", "Blue")  # no decisions: not counted
    qa = _user(admin, "qa.lead", Role.QA_LEAD)
    fw = _user(admin, "floor.walker", Role.FLOORWALKER, "Red")
    sup = _user(admin, "sup.red", Role.SUPERVISOR, "Red")

    w47 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    w48 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    base = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
    C, K, Out = Category, CallerType, Outcome
    d1 = _decision(admin, 1, w47, C.MEDICAL, K.PUBLIC, Out.DEPLOYED, "CO-101", 1)
    d2 = _decision(admin, 2, w47 + timedelta(hours=1), C.MEDICAL, K.AMBULANCE, Out.SIGNPOSTED,
                   "CO-101", 1)  # fmt: skip
    d3 = _decision(admin, 3, w47 + timedelta(hours=2), C.CONCERN_FOR_WELFARE, K.PUBLIC,
                   Out.REFERRED_HEALTH, "CO-202", 2)  # fmt: skip
    _decision(admin, 4, w47 + timedelta(hours=3), C.CONCERN_FOR_WELFARE, K.PUBLIC, Out.DEPLOYED,
              "CO-202", 2)  # fmt: skip
    d5 = _decision(admin, 5, w48, C.AWOL, K.MENTAL_HEALTH_TRUST, Out.REFERRED_HEALTH, "CO-101", 1)
    d6 = _decision(admin, 6, w48 + timedelta(hours=1), C.AWOL, K.PUBLIC, Out.DEPLOYED, "CO-101",
                   None)  # fmt: skip
    b1 = _decision(admin, 11, base, C.MEDICAL, K.PUBLIC, Out.DEPLOYED, "CO-101", 1)
    _decision(admin, 12, base + timedelta(days=1), C.MEDICAL, K.PUBLIC, Out.DEPLOYED, "CO-202", 1)
    b3 = _decision(admin, 13, base + timedelta(days=2), C.CONCERN_FOR_WELFARE, K.PUBLIC,
                   Out.SIGNPOSTED, "CO-202", 2)  # fmt: skip
    _decision(admin, 14, base + timedelta(days=3), C.AWOL, K.PUBLIC, Out.SIGNPOSTED, "CO-101", 1)
    _decision(admin, 20, datetime(2026, 10, 20, 9, tzinfo=UTC), C.MEDICAL, K.PUBLIC, Out.DEPLOYED,
              "CO-101", 1)  # fmt: skip

    critical_missed = {"C05": Answer.NOT_MET}
    _review(fw, d1, Judgement.APPROPRIATE, {})
    _review(fw, d2, Judgement.APPROPRIATE, {}, submit=False)
    _review(fw, d3, Judgement.SHOULD_HAVE_DEPLOYED, critical_missed)
    _review(qa, d3, Judgement.APPROPRIATE, {})  # the later review is the one that counts
    _review(fw, d5, Judgement.SHOULD_HAVE_DEPLOYED, critical_missed)
    _review(fw, d6, Judgement.DEPLOYED_UNNECESSARILY, {"C06": Answer.PARTIAL})
    _review(fw, b1, Judgement.APPROPRIATE, {})
    _review(fw, b3, Judgement.SHOULD_HAVE_DEPLOYED, critical_missed)

    # Coaching, written at FIXED_NOW (in the period): two human-error notes, one with a
    # follow-up on 25 November (overdue once the clock passes that day), one compliance.
    text = NoteText(went_well="Clear rationale.", to_develop="Record the gate questions.",
                    agreed_actions="Re-read the toolkit guidance.")  # fmt: skip
    follow_up = date(2026, 11, 25)
    coaching.write_note(qa, NoteInput("CO-101", Theme.HUMAN_ERROR, text, follow_up))
    coaching.write_note(qa, NoteInput("CO-202", Theme.HUMAN_ERROR, text, follow_up))
    coaching.write_note(qa, NoteInput("CO-202", Theme.COMPLIANCE, text, date(2026, 12, 20)))

    # One live appeal of d5 received in the period.
    appeals.record_appeal(
        qa,
        appeals.AppealInput(
            cad_ref="CAD-0005",
            route=AppealRoute.LIVE_999,
            partner_type=PartnerType.MENTAL_HEALTH_TRUST,
            partner_org="North Mental Health Trust",
            received_at=w48 + timedelta(minutes=30),
        ),
    )

    # A one-week rota from 16 November with one team-shift covered.
    info = rota.create_rota(
        sup, name=ROTA_NAME, phase=1, go_live=date(2026, 11, 16),
        shift_pattern="2d2n4off-12h", window_days=7,
    )  # fmt: skip
    view = rota.rota_view(sup, info.id)
    first: SlotKey = view.slots[0].key
    rota.assign(sup, info.id, first, fw.actor.user_id or 0)
    assert FIXED_NOW.date() == date(2026, 11, 24)
    return KpiData(qa, sup, admin, fw, view.coverage.total)
