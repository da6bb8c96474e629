"""The demo's training records: phase 1 above 90% in most teams, one team below, the same
records on every build of a seed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.sample_data.demo import GO_LIVE
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.training.records import training_share
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry, contact_officers_table
from rcrp_tui.storage.training_models import training_records_table
from tests.conftest import FIXED_NOW
from tests.demo_helpers import demo_copy
from tests.test_training import QA


def _records(db: Database) -> list[tuple[object, ...]]:
    t, o = training_records_table.c, contact_officers_table.c
    stmt = (
        select(o.staff_id, t.phase, t.trained_on, t.course, t.recorded_at, t.recorded_by)
        .join(contact_officers_table, o.id == t.contact_officer_id)
        .order_by(o.staff_id, t.phase)
    )
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def test_phase_1_is_above_90_percent_in_most_teams_and_one_team_is_below(
    tmp_path: Path,
) -> None:
    db = demo_copy(tmp_path / "demo.db")
    ctx = Ctx(db, QA, FixedClock(FIXED_NOW))
    phase_1 = training_share(ctx, 1)
    shares = {s.team: (s.trained, s.officers, s.meets(90)) for s in phase_1.teams}
    assert shares == {
        "Team A": (12, 12, True),
        "Team B": (11, 12, True),
        "Team C": (11, 12, True),
        "Team D": (12, 12, True),
        "Team E": (10, 12, False),
    }
    assert (phase_1.total.trained, phase_1.total.officers) == (56, 60)
    phase_2 = {s.team: s.trained for s in training_share(ctx, 2).teams}
    assert phase_2 == {"Team A": 4, "Team B": 3, "Team C": 5, "Team D": 2, "Team E": 3}
    records = _records(db)
    assert all(r[2] < GO_LIVE for r in records if r[1] == 1)
    assert all(GO_LIVE < r[2] < GO_LIVE + timedelta(days=14) for r in records if r[1] == 2)
    assert {r[5] for r in records} == {"qalead1"}
    with db.read() as session:
        imports = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "training_imported")
        ).all()
    assert imports == ["qalead1", "qalead1"]


def test_a_second_build_of_the_seed_holds_the_same_training(tmp_path: Path) -> None:
    first = demo_copy(tmp_path / "first.db")
    again = demo_copy(tmp_path / "again.db", build="again")
    assert _records(first) == _records(again)
    assert len(_records(first)) == 56 + 17


def test_a_demo_built_before_training_records_gets_them_on_the_next_run(
    tmp_path: Path,
) -> None:
    from sqlalchemy import delete

    from rcrp_tui.sample_data.demo import build_demo

    db = demo_copy(tmp_path / "demo.db")
    expected = _records(db)
    with db.engine.begin() as conn:
        conn.execute(delete(training_records_table))
    assert build_demo(db, clock=FixedClock(FIXED_NOW)) is True
    assert _records(db) == expected
    assert build_demo(db, clock=FixedClock(FIXED_NOW)) is False
