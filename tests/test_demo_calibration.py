"""The demo's calibration sessions: one closed with a lenient grader and C05 split, its
references set; one open awaiting two graders; the same on every build of a seed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services.calibration import results, reveal, sessions
from rcrp_tui.services.calibration.records import SessionStatus
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.storage.calibration_models import (
    calibration_answers_table,
    calibration_references_table,
    calibration_scores_table,
)
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import users_table
from tests.conftest import FIXED_NOW
from tests.demo_helpers import demo_copy


def _qa_lead(db: Database) -> Ctx:
    with db.engine.connect() as conn:
        uid = conn.execute(
            select(users_table.c.id).where(users_table.c.username == "qalead1")
        ).scalar_one()
    return Ctx(db, Actor(uid, "qalead1", "QA lead 1", Role.QA_LEAD), FixedClock(FIXED_NOW))


def test_one_closed_session_with_disagreement_and_one_awaiting_two_graders(
    tmp_path: Path,
) -> None:
    db = demo_copy(tmp_path / "demo.db")
    qa = _qa_lead(db)
    found = sessions.list_sessions(qa)
    assert [s.status for s in found] == [SessionStatus.OPEN, SessionStatus.CLOSED]
    open_, closed = found
    assert (closed.decisions, closed.graders, closed.submitted) == (5, 4, 20)
    awaiting = [g for g in sessions.session_detail(qa, open_.id).graders if not g.done]
    assert [(g.grader.username, g.submitted, g.drafts) for g in awaiting] == [
        ("floorwalker4", 0, 1),
        ("floorwalker5", 0, 0),
    ]
    assert not open_.revealed

    r = results.session_results(qa, closed.id)
    assert r.references_set == r.references_needed
    [split] = r.critical_disagreements
    assert split.code == "C05"
    assert sorted((a.value if a else "") for _, a in split.answers) == [
        "met", "met", "not_met", "not_met",
    ]  # fmt: skip
    assert split.reference is not None and split.reference.source == reveal.CONSENSUS
    assert split.reference.answer is Answer.NOT_MET and split.reference.note
    drift = {g.grader.username: g.direction for g in results.grader_drift(qa)}
    assert drift["floorwalker3"] == "lenient"
    assert drift["qalead2"] == "in line"
    assert r.overall.alpha.value is not None and 0.2 < r.overall.alpha.value < 0.9


def test_a_second_build_of_the_seed_holds_the_same_calibration(tmp_path: Path) -> None:
    def rows(db: Database) -> list[object]:
        with db.engine.connect() as conn:
            out: list[object] = []
            for table in (
                calibration_scores_table,
                calibration_answers_table,
                calibration_references_table,
            ):
                out += [tuple(r) for r in conn.execute(select(table).order_by(table.c.id))]
            return out

    first = rows(demo_copy(tmp_path / "first.db"))
    assert first
    assert rows(demo_copy(tmp_path / "again.db", build="again")) == first
