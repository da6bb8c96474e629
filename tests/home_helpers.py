"""A small control room for the home-screen tests, built through the public services.

Teams Red and Blue work 2 days / 2 nights / 4 off on a rota from 2 November 2026; the
clock ends at Tuesday 24 November 2026, 10:30 UTC (GMT), when Red is off until its
19:00 night shift. Reviews are submitted either side of the October month boundaries,
which in London fall at 30 September 23:00 UTC (BST) and 1 November 00:00 UTC (GMT).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from rcrp_tui.domain.appeals import AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.coaching import NoteText, Theme
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role, ThresholdBasis
from rcrp_tui.domain.rota import SlotKey
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.coaching import notes as coaching
from rcrp_tui.services.coaching.notes import NoteInput
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.services.rota import planning as rota
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from tests.conftest import TEST_ADMIN

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
GO_LIVE = date(2026, 11, 2)
PATTERN = "2d2n4off-12h"


@dataclass(frozen=True)
class HomeWorld:
    """What ``build_home_world`` made, for checks against hand-counted figures."""

    admin: Ctx
    qa: Ctx
    fw: Ctx
    fw2: Ctx
    sup: Ctx
    officer: Ctx
    team_ids: dict[str, int]
    rota_id: int
    draft_review: int
    released_review: int
    fw_alert: int
    sample_id: int
    claimed_item: int
    assigned_item: int
    overdue_by_fw: int
    overdue_by_sup: int
    overdue_blue: int


def _user(
    admin: Ctx,
    name: str,
    role: Role,
    *,
    team: str | None = None,
    staff: str | None = None,
    team_ids: dict[str, int],
    officer_ids: dict[str, int],
) -> Ctx:
    info = people.add_user(
        admin,
        username=name,
        display_name=name.replace(".", " ").title(),
        role=role,
        password=PASSWORD,
        team=team,
        staff_id=staff,
    )
    actor = Actor(
        info.id,
        info.username,
        info.display_name,
        role,
        team_ids.get(team or ""),
        officer_ids.get(staff or ""),
    )
    return Ctx(admin.db, actor, admin.clock)


def _decision(admin: Ctx, cad_ref: str, staff_id: str, received: datetime) -> int:
    return record_decision(
        admin,
        DecisionInput(
            cad_ref=cad_ref,
            source_system="STORM",
            received_at=received,
            category=Category.MEDICAL,
            caller_type=CallerType.PUBLIC,
            outcome=Outcome.TRANSFERRED_AMBULANCE,
            threshold_basis=ThresholdBasis.NONE,
            staff_id=staff_id,
            rationale="Conscious and breathing; warm transfer to ambulance.",
        ),
    )


def _submit(
    scorer: Ctx,
    decision_id: int,
    *,
    passed: bool = True,
    judgement: Judgement = Judgement.APPROPRIATE,
) -> int:
    work = reviews.open_for_decision(scorer, decision_id)
    answers = {c.code: AnswerEntry(Answer.MET) for c in work.criteria}
    answers |= {"C13": AnswerEntry(Answer.NA)}
    if not passed:  # C05 is critical: not met fails the review whatever the score
        answers |= {"C05": AnswerEntry(Answer.NOT_MET)}
    return reviews.submit(scorer, work.review, answers, judgement).id


def _note(author: Ctx, staff_id: str, follow_up_on: date, actions: str = "") -> int:
    return coaching.write_note(
        author,
        NoteInput(
            staff_id=staff_id,
            theme=Theme.GUIDELINES,
            text=NoteText("Calm call handling.", "Ask the Article 2 questions.", actions),
            follow_up_on=follow_up_on,
        ),
    ).id


def build_home_world(db: Database, clock: FixedClock) -> HomeWorld:
    """Build the whole scene; the clock is left at ``NOW``."""
    admin = Ctx(db, TEST_ADMIN, clock)
    team_ids = {
        "Red": people.add_team(admin, "Red", PATTERN, 0).id,
        "Blue": people.add_team(admin, "Blue", PATTERN, 4).id,
    }
    officer_ids = {
        "CO-1": people.add_contact_officer(admin, "CO-1", "Red").id,
        "CO-2": people.add_contact_officer(admin, "CO-2", "Blue").id,
    }
    ids = {"team_ids": team_ids, "officer_ids": officer_ids}
    qa = _user(admin, "qa.lead", Role.QA_LEAD, **ids)
    fw = _user(admin, "fw.one", Role.FLOORWALKER, team="Red", **ids)
    fw2 = _user(admin, "fw.two", Role.FLOORWALKER, team="Blue", **ids)
    sup = _user(admin, "sup.red", Role.SUPERVISOR, team="Red", **ids)
    officer = _user(admin, "co.one", Role.CONTACT_OFFICER, staff="CO-1", **ids)
    _user(admin, "admin.one", Role.ADMINISTRATOR, **ids)

    september = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)
    scored = {
        # submitted at (UTC): (cad, staff, passed, judgement)
        datetime(2026, 9, 30, 22, 30, tzinfo=UTC): ("CAD-SEP", "CO-1", True, None),
        datetime(2026, 9, 30, 23, 30, tzinfo=UTC): ("CAD-OCT1", "CO-1", True, None),
        datetime(2026, 10, 31, 23, 30, tzinfo=UTC): ("CAD-OCT2", "CO-2", False, None),
        datetime(2026, 11, 1, 0, 30, tzinfo=UTC): ("CAD-NOV1", "CO-1", True, None),
        datetime(2026, 11, 10, 9, 0, tzinfo=UTC): (
            "CAD-NOV2",
            "CO-1",
            True,
            Judgement.SHOULD_HAVE_DEPLOYED,
        ),
        datetime(2026, 11, 12, 9, 0, tzinfo=UTC): ("CAD-NOV3", "CO-2", False, None),
    }
    clock.instant = september
    decision_ids = {
        cad: _decision(admin, cad, staff, september) for cad, staff, *_ in scored.values()
    }
    review_ids: dict[str, int] = {}
    for at, (cad, _staff, ok, judgement) in scored.items():
        clock.instant = at
        review_ids[cad] = _submit(
            fw, decision_ids[cad], passed=ok, judgement=judgement or Judgement.APPROPRIATE
        )

    clock.instant = datetime(2026, 11, 15, 9, 0, tzinfo=UTC)
    # Notes written before their follow-up dates, which pass while the clock moves on.
    overdue_by_fw = _note(fw, "CO-1", date(2026, 11, 20), "Re-read the toolkit on C05.")
    overdue_by_sup = _note(sup, "CO-1", date(2026, 11, 23))
    overdue_blue = _note(qa, "CO-2", date(2026, 11, 16))
    _note(fw, "CO-1", date(2026, 11, 24))  # due today: not overdue yet
    _note(qa, "CO-1", date(2026, 12, 10), "Shadow a senior call handler.")

    clock.instant = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    released = reviews.release(
        qa, reviews.moderate(qa, reviews.open_review(qa, review_ids["CAD-NOV1"]).review)
    )
    # Moderated but not released: still in the QA lead's queue.
    reviews.moderate(qa, reviews.open_review(qa, review_ids["CAD-NOV3"]).review)

    clock.instant = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    draft_decision = _decision(admin, "CAD-DRAFT", "CO-1", clock.instant)
    draft = reviews.open_for_decision(fw, draft_decision).review.id
    fw_alert = live_risk.raise_live_risk(
        fw,
        review_ids["CAD-NOV2"],
        escalated_to="Force Incident Manager",
        escalated_at=clock.instant,
    ).id
    other = _submit(fw2, _decision(admin, "CAD-FW2", "CO-2", clock.instant))
    live_risk.raise_live_risk(fw2, other, escalated_to="Duty Inspector", escalated_at=clock.instant)
    closed = _submit(fw2, _decision(admin, "CAD-CLOSED", "CO-2", clock.instant))
    shut = live_risk.raise_live_risk(
        fw2, closed, escalated_to="Duty Inspector", escalated_at=clock.instant
    )
    live_risk.close_alert(qa, shut.id, "Ambulance on scene; nothing more for police.")

    for n in range(6):
        _decision(admin, f"CAD-POOL{n}", "CO-2", clock.instant)
    plan = sampling.save_plan(
        qa, "November dip", PopulationFilter(), SamplingSpec(SamplingMethod.SIMPLE, size=4), seed=1
    )
    sample = sampling.draw_sample(qa, plan.id)
    items = sample_queue.queue_page(qa, sample.id)
    sample_queue.assign(qa, items[0].id, fw.actor.user_id)
    sample_queue.assign(qa, items[1].id, fw.actor.user_id)
    claimed = sample_queue.take_next(fw, sample.id)
    assert claimed is not None
    worked = sample_queue.take_next(fw2, sample.id)
    assert worked is not None
    sample_queue.complete(fw2, worked.id)
    assigned = items[1].id if claimed.id == items[0].id else items[0].id

    clock.instant = datetime(2026, 11, 24, 10, 10, tzinfo=UTC)
    for route, org in ((AppealRoute.LIVE_999, "County Ambulance"), (AppealRoute.POST_INCIDENT, "")):
        appeals.record_appeal(
            sup,
            AppealInput(
                cad_ref="CAD-NOV1",
                route=route,
                partner_type=PartnerType.AMBULANCE,
                partner_org=org or "Mental health trust",
            ),
        )

    rota_info = rota.create_rota(
        sup, name="Phase 1", phase=1, go_live=GO_LIVE, shift_pattern=PATTERN
    )
    red, blue = team_ids["Red"], team_ids["Blue"]
    rota.assign(sup, rota_info.id, SlotKey(date(2026, 11, 24), red, "night"), fw.actor.user_id or 0)
    rota.assign(sup, rota_info.id, SlotKey(date(2026, 11, 26), blue, "day"), fw2.actor.user_id or 0)
    clock.instant = NOW
    return HomeWorld(
        admin=admin,
        qa=qa,
        fw=fw,
        fw2=fw2,
        sup=sup,
        officer=officer,
        team_ids=team_ids,
        rota_id=rota_info.id,
        draft_review=draft,
        released_review=released.id,
        fw_alert=fw_alert,
        sample_id=sample.id,
        claimed_item=claimed.id,
        assigned_item=assigned,
        overdue_by_fw=overdue_by_fw,
        overdue_by_sup=overdue_by_sup,
        overdue_blue=overdue_blue,
    )


_template: tuple[Path, HomeWorld] | None = None


def home_database(tmp_path: Path) -> tuple[Database, HomeWorld]:
    """A private copy of a database holding ``build_home_world`` (built once per process).

    The returned world's contexts point at the template, so use them for reading ids only;
    write through contexts on the returned database.
    """
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="rcrp-home-"))
        template_db = Database(f"sqlite:///{folder / 'home.db'}")
        schema.upgrade(template_db)
        world = build_home_world(template_db, FixedClock(NOW))
        # Closing the last connection folds the WAL into the main file before copying.
        template_db.dispose()
        _template = (folder / "home.db", world)
    path, world = _template
    target = tmp_path / "home.db"
    shutil.copyfile(path, target)
    return Database(f"sqlite:///{target}"), world
