"""The demo's go-live readiness: phase 1 live with its briefings, phase 2 planned with its
rota, some briefings and manual items, so the readiness of both is worth looking at; the
same records on every build of a seed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.sample_data.demo import GO_LIVE
from rcrp_tui.sample_data.qa_readiness import PHASE_2_AFTER, PHASE_2_PLANNED
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.readiness.briefings import BriefingStatus, first_shifts
from rcrp_tui.services.readiness.checklist import readiness
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.readiness_models import golive_briefings_table, readiness_items_table
from tests.conftest import FIXED_NOW
from tests.demo_helpers import demo_copy

QA = Actor(None, "qa.lead", "QA lead", Role.QA_LEAD)
#: The fixed demo's "now": the last afternoon of its six weeks.
AS_OF = FIXED_NOW.replace(year=2026, month=11, day=15, hour=14, minute=0)


def _rows(db: Database) -> list[tuple[object, ...]]:
    b, i = golive_briefings_table.c, readiness_items_table.c
    with db.engine.connect() as conn:
        briefings = conn.execute(
            select(
                b.phase, b.team_id, b.shift_code, b.status, b.delivered_at, b.attendees
            ).order_by(b.phase, b.team_id, b.shift_code)
        ).all()
        items = conn.execute(
            select(i.phase, i.item_key, i.status, i.owner, i.due_on).order_by(i.phase, i.item_key)
        ).all()
    return [tuple(r) for r in [*briefings, *items]]


def test_phase_1_is_live_and_phase_2_planned(tmp_path: Path) -> None:
    db = demo_copy(tmp_path / "demo.db")
    ctx = Ctx(db, QA, FixedClock(AS_OF))
    one, two = readiness(ctx, 1), readiness(ctx, 2)
    assert one.go_live == GO_LIVE and one.countdown.startswith("Phase 1 went live 41 days ago")
    phase_2 = GO_LIVE + timedelta(days=PHASE_2_AFTER)
    assert two.go_live == phase_2
    assert two.countdown == f"Phase 2 goes live in 8 days ({phase_2:%a %d %b %Y})"
    # Phase 1: every first shift briefed but one, the floorwalking rota and training met.
    shifts = first_shifts(ctx, 1)
    statuses = [s.briefing.status for s in shifts if s.briefing]
    assert len(statuses) == 15
    assert statuses.count(BriefingStatus.NOT_DELIVERED) == 1
    assert statuses.count(BriefingStatus.DELIVERED) == 14
    items = {i.key: i for i in one.checklist.items}
    assert items["training"].done and items["floorwalking"].done
    assert not items["shift-go-lives"].done and "14 of 15" in items["shift-go-lives"].figure
    assert not items["baselining"].done and "0 decisions" in items["baselining"].figure
    assert items["qualifiers"].done
    # Phase 2: a rota, some planned briefings, its own sampling plan; training just begun.
    items2 = {i.key: i for i in two.checklist.items}
    assert items2["floorwalkers"].done and items2["qa-plan"].done
    assert not items2["training"].done and "17 of 60" in items2["training"].figure
    assert (
        f"{PHASE_2_PLANNED} of 15 first shifts have a briefing" in items2["shift-go-lives"].figure
    )
    assert any(b.overdue for b in two.blockers)
    assert 0 < two.checklist.tally.done < two.checklist.tally.applicable
    assert two.milestones is not None and 0 < two.milestones.tally.done < 16


def test_the_same_seed_records_the_same_readiness(tmp_path: Path) -> None:
    first = demo_copy(tmp_path / "first.db")
    again = demo_copy(tmp_path / "again.db", build="again")
    assert _rows(first) and _rows(first) == _rows(again)
