"""A small cast for review tests, built through the public services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role, ThresholdBasis
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services import people
from rcrp_tui.services.context import COMMAND_LINE, Actor, Ctx
from rcrp_tui.services.decision_writes import DecisionInput, record_decision
from rcrp_tui.services.review_records import AnswerEntry, ReviewWork
from rcrp_tui.storage.db import Database
from tests.conftest import FIXED_NOW

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Cast:
    db: Database
    admin: Ctx
    floorwalker: Ctx
    qa: Ctx
    qa2: Ctx
    supervisor: Ctx
    other_supervisor: Ctx
    officer: Ctx
    other_officer: Ctx
    decision_id: int


def build_cast(db: Database, clock: object) -> Cast:
    admin = Ctx(db, COMMAND_LINE, clock)  # type: ignore[arg-type]
    red = people.add_team(admin, "Red", "2d2n4off")
    blue = people.add_team(admin, "Blue", "2d2n4off")
    co = people.add_contact_officer(admin, "CO-101", "Red")
    co2 = people.add_contact_officer(admin, "CO-202", "Blue")

    def user(name: str, role: Role, team: str | None = None, staff: str | None = None) -> Ctx:
        info = people.add_user(
            admin,
            username=name,
            display_name=name.replace(".", " ").title(),
            role=role,
            password=PASSWORD,
            team=team,
            staff_id=staff,
        )
        team_id = {"Red": red.id, "Blue": blue.id}.get(team or "")
        officer_id = {"CO-101": co.id, "CO-202": co2.id}.get(staff or "")
        return Ctx(
            db,
            Actor(info.id, info.username, info.display_name, role, team_id, officer_id),
            clock,  # type: ignore[arg-type]
        )

    decision_id = record_decision(
        admin,
        DecisionInput(
            cad_ref="CAD-0001",
            source_system="STORM",
            received_at=FIXED_NOW - timedelta(hours=3),
            category=Category.MEDICAL,
            caller_type=CallerType.PUBLIC,
            outcome=Outcome.TRANSFERRED_AMBULANCE,
            threshold_basis=ThresholdBasis.NONE,
            staff_id="CO-101",
            rationale="Chest pain, conscious and breathing; warm transfer to ambulance.",
        ),
    )
    return Cast(
        db=db,
        admin=admin,
        floorwalker=user("fw.one", Role.FLOORWALKER, "Red"),
        qa=user("qa.one", Role.QA_LEAD),
        qa2=user("qa.two", Role.QA_LEAD),
        supervisor=user("sup.red", Role.SUPERVISOR, "Red"),
        other_supervisor=user("sup.blue", Role.SUPERVISOR, "Blue"),
        officer=user("co.101", Role.CONTACT_OFFICER, staff="CO-101"),
        other_officer=user("co.202", Role.CONTACT_OFFICER, staff="CO-202"),
        decision_id=decision_id,
    )


def all_met(work: ReviewWork) -> dict[str, AnswerEntry]:
    return {c.code: AnswerEntry(Answer.MET) for c in work.criteria}
