"""Retention: a purged decision leaves the calibration sessions it was in, with its
scores, their answers and its reference answers; the session's own record stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Table, func, select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.retention import parse_rules
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services.calibration import reveal, sessions
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.ops import retention
from rcrp_tui.storage.calibration_models import (
    calibration_answers_table,
    calibration_decisions_table,
    calibration_graders_table,
    calibration_references_table,
    calibration_scores_table,
    calibration_sessions_table,
)
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import decisions_table
from tests.calibration_helpers import DEADLINE, build, grade
from tests.conftest import FIXED_NOW, TEST_ADMIN


def _count(db: Database, table: Table) -> int:
    with db.read() as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_purged_decision_takes_its_calibration_rows_with_it(any_db: Database) -> None:
    cast = build(any_db, FixedClock(FIXED_NOW))
    sid = sessions.create_session(
        cast.lead, title="Old", deadline=DEADLINE, graders_usernames=["fw.a", "fw.b"],
        cad_refs=list(cast.cad_refs[:3]),
    ).session.id  # fmt: skip
    for d in cast.decisions[:3]:
        grade(cast.fw_a, sid, d)
        grade(cast.fw_b, sid, d, {"C05": Answer.NOT_MET})
    reveal.set_reference(cast.lead, sid, cast.decisions[0], "C05", from_grader="fw.b")
    assert _count(any_db, calibration_answers_table) > 0

    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW + timedelta(days=400)))
    rules = parse_rules('[decisions]\nkeep = "30 days"\nfrom = "decision date"\n', "t.toml")
    result = retention.apply(admin, rules)
    counts = {name: p.count for name, p in result.purged.items() if p.count}
    assert counts == {"decisions": 5, "calibration scores": 6}
    for table in (
        decisions_table,
        calibration_decisions_table,
        calibration_scores_table,
        calibration_answers_table,
        calibration_references_table,
    ):
        assert _count(any_db, table) == 0, table.name
    assert _count(any_db, calibration_sessions_table) == 1
    assert _count(any_db, calibration_graders_table) == 2
