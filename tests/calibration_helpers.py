"""A cast for the calibration tests, built through the public services: five medical
decisions of CO-101, a QA lead who runs sessions, two QA-lead and floorwalker graders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from rcrp_tui.domain.clock import Clock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role, ThresholdBasis
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.calibration import grading
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.storage.db import Database
from tests.conftest import FIXED_NOW, TEST_ADMIN

PASSWORD = "calibration test pw"
DEADLINE = date(2026, 12, 4)


@dataclass(frozen=True)
class CalCast:
    admin: Ctx
    lead: Ctx  # runs sessions, does not grade
    qa_grader: Ctx  # a QA lead who grades
    fw_a: Ctx
    fw_b: Ctx
    supervisor: Ctx
    officer: Ctx
    decisions: tuple[int, ...]
    cad_refs: tuple[str, ...]


def _user(admin: Ctx, clock: Clock, name: str, role: Role, *, team: str | None = None,
          staff: str | None = None, team_id: int | None = None,
          officer_id: int | None = None) -> Ctx:  # fmt: skip
    info = people.add_user(
        admin,
        username=name,
        display_name=name.replace(".", " ").title(),
        role=role,
        password=PASSWORD,
        team=team,
        staff_id=staff,
    )
    actor = Actor(info.id, info.username, info.display_name, role, team_id, officer_id)
    return Ctx(admin.db, actor, clock)


def build(db: Database, clock: Clock, n_decisions: int = 5) -> CalCast:
    admin = Ctx(db, TEST_ADMIN, clock)
    red = people.add_team(admin, "Red", "2d2n4off").id
    co = people.add_contact_officer(admin, "CO-101", "Red").id
    refs = tuple(f"CAD-{i:04d}" for i in range(1, n_decisions + 1))
    ids = tuple(
        record_decision(
            admin,
            DecisionInput(
                cad_ref=ref,
                source_system="STORM",
                received_at=FIXED_NOW - timedelta(days=2, hours=i),
                category=Category.MEDICAL,
                caller_type=CallerType.PUBLIC,
                outcome=Outcome.TRANSFERRED_AMBULANCE,
                threshold_basis=ThresholdBasis.NONE,
                staff_id="CO-101",
                rationale="Collapsed, breathing; warm transfer to ambulance.",
            ),
        )
        for i, ref in enumerate(refs)
    )
    return CalCast(
        admin=admin,
        lead=_user(admin, clock, "qa.lead", Role.QA_LEAD),
        qa_grader=_user(admin, clock, "qa.grader", Role.QA_LEAD),
        fw_a=_user(admin, clock, "fw.a", Role.FLOORWALKER, team="Red", team_id=red),
        fw_b=_user(admin, clock, "fw.b", Role.FLOORWALKER, team="Red", team_id=red),
        supervisor=_user(admin, clock, "sup.red", Role.SUPERVISOR, team="Red", team_id=red),
        officer=_user(admin, clock, "co.101", Role.CONTACT_OFFICER, staff="CO-101", officer_id=co),
        decisions=ids,
        cad_refs=refs,
    )


def grade(
    ctx: Ctx,
    session_id: int,
    decision_id: int,
    changes: Mapping[str, Answer] | None = None,
    *,
    judgement: Judgement = Judgement.APPROPRIATE,
    submit: bool = True,
) -> grading.CalibrationWork:
    """Score every applicable criterion Met except ``changes``; submit unless told not."""
    work = grading.open_decision(ctx, session_id, decision_id)
    answers = {c.code: AnswerEntry((changes or {}).get(c.code, Answer.MET)) for c in work.criteria}
    return grading.save_score(
        ctx, session_id, decision_id, answers, judgement,
        expected_version=work.row_version, submit=submit,
    )  # fmt: skip
