"""A small cast for review tests, built through the public services."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from rcrp_tui.domain.clock import Clock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role, ThresholdBasis
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.reviews.records import AnswerEntry, ReviewWork
from rcrp_tui.storage.db import Database
from tests.conftest import FIXED_NOW, TEST_ADMIN

PASSWORD = "correct horse battery"


class Cast:
    """Teams Red and Blue, officers CO-101 (Red) and CO-202 (Blue), one decision of CO-101,
    and users created only when a test first asks for them."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock
        self.admin = Ctx(db, TEST_ADMIN, clock)
        self.team_ids = {
            "Red": people.add_team(self.admin, "Red", "2d2n4off").id,
            "Blue": people.add_team(self.admin, "Blue", "2d2n4off").id,
        }
        self.officer_ids = {
            "CO-101": people.add_contact_officer(self.admin, "CO-101", "Red").id,
            "CO-202": people.add_contact_officer(self.admin, "CO-202", "Blue").id,
        }
        self.decision_id = record_decision(
            self.admin,
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

    def _user(
        self, name: str, role: Role, team: str | None = None, staff: str | None = None
    ) -> Ctx:
        info = people.add_user(
            self.admin,
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
            self.team_ids.get(team or ""),
            self.officer_ids.get(staff or ""),
        )
        return Ctx(self.db, actor, self.clock)

    @cached_property
    def floorwalker(self) -> Ctx:
        return self._user("fw.one", Role.FLOORWALKER, "Red")

    @cached_property
    def qa(self) -> Ctx:
        return self._user("qa.one", Role.QA_LEAD)

    @cached_property
    def qa2(self) -> Ctx:
        return self._user("qa.two", Role.QA_LEAD)

    @cached_property
    def supervisor(self) -> Ctx:
        return self._user("sup.red", Role.SUPERVISOR, "Red")

    @cached_property
    def other_supervisor(self) -> Ctx:
        return self._user("sup.blue", Role.SUPERVISOR, "Blue")

    @cached_property
    def officer(self) -> Ctx:
        return self._user("co.101", Role.CONTACT_OFFICER, staff="CO-101")

    @cached_property
    def other_officer(self) -> Ctx:
        return self._user("co.202", Role.CONTACT_OFFICER, staff="CO-202")


def build_cast(db: Database, clock: Clock) -> Cast:
    return Cast(db, clock)


def all_met(work: ReviewWork) -> dict[str, AnswerEntry]:
    return {c.code: AnswerEntry(Answer.MET) for c in work.criteria}
