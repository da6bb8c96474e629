"""Calibration writes raced by four real OS processes, on SQLite and PostgreSQL: the last
submissions of four graders at once reveal the session exactly once, and one grader's
first save made four times at once is saved once (the others are told Conflict)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.calibration import sessions
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.storage.calibration_models import calibration_scores_table
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import audit_table
from tests.calibration_helpers import DEADLINE, PASSWORD, CalCast, build, grade
from tests.concurrency_harness import WORKERS, RacePool
from tests.conftest import FIXED_NOW


@pytest.fixture(scope="module")
def pool() -> Iterator[RacePool]:
    racers = RacePool()
    yield racers
    racers.close()


@pytest.fixture
def cast(any_db: Database) -> CalCast:
    return build(any_db, FixedClock(FIXED_NOW))


def _url(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


def _count(db: Database, stmt: object) -> int:
    with db.read() as session:
        return int(session.execute(stmt).scalar_one())  # type: ignore[call-overload]


def test_four_last_submissions_at_once_reveal_the_session_once(
    pool: RacePool, any_db: Database, cast: CalCast
) -> None:
    fw_c = people.add_user(
        cast.admin, username="fw.c", display_name="Fw C", role=Role.FLOORWALKER,
        password=PASSWORD,
    )  # fmt: skip
    fourth = Ctx(any_db, Actor(fw_c.id, "fw.c", "Fw C", Role.FLOORWALKER), cast.lead.clock)
    graders = [cast.qa_grader, cast.fw_a, cast.fw_b, fourth]
    sid = sessions.create_session(
        cast.lead, title="Race", deadline=DEADLINE,
        graders_usernames=[g.actor.username for g in graders], cad_refs=list(cast.cad_refs[:3]),
    ).session.id  # fmt: skip
    for g in graders:
        for d in cast.decisions[:2]:
            grade(g, sid, d)
    last = cast.decisions[2]
    payloads = [
        {"actor": g.actor, "session_id": sid, "decision_id": last, "submit": True} for g in graders
    ]
    answers = pool.race(_url(any_db), "calibration_save", payloads)
    assert [a.kind for a in answers] == ["ok"] * WORKERS, [a.detail for a in answers]
    assert sessions.session_detail(cast.lead, sid).session.revealed
    revealed = select(func.count()).where(audit_table.c.action == "calibration_session_revealed")
    assert _count(any_db, revealed) == 1


def test_a_first_save_made_four_times_at_once_is_saved_once(
    pool: RacePool, any_db: Database, cast: CalCast
) -> None:
    sid = sessions.create_session(
        cast.lead, title="Race", deadline=DEADLINE, graders_usernames=["fw.a", "fw.b"],
        cad_refs=list(cast.cad_refs[:3]),
    ).session.id  # fmt: skip
    d = cast.decisions[0]
    payload = {
        "actor": cast.fw_a.actor, "session_id": sid, "decision_id": d, "submit": False,
        "expected_version": None,
    }  # fmt: skip
    answers = pool.race(_url(any_db), "calibration_save", [payload] * WORKERS)
    kinds = sorted(a.kind for a in answers)
    assert kinds == ["conflict"] * (WORKERS - 1) + ["ok"], [a.detail for a in answers]
    scores = select(func.count()).select_from(calibration_scores_table)
    assert _count(any_db, scores) == 1
    saved = select(func.count()).where(audit_table.c.action == "calibration_score_saved")
    assert _count(any_db, saved) == 1
