"""The demo's dip sample, partner appeals and coaching notes, and what each home shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, select
from sqlmodel import col

from rcrp_tui.domain import personal_data
from rcrp_tui.domain.appeals import AppealRoute
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.coaching import NoteStatus, is_overdue
from rcrp_tui.sample_data import qa_coaching, qa_extras, qa_samples, qa_work
from rcrp_tui.sample_data.demo import DEMO_DAYS, GO_LIVE
from rcrp_tui.sample_data.qa_readiness import PHASE_2_PLAN
from rcrp_tui.services.appeals import queries as appeal_queries
from rcrp_tui.services.core import auth
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.home import summary as home
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.storage.appeal_models import (
    appeal_themes_table,
    appeals_table,
    learning_actions_table,
)
from rcrp_tui.storage.coaching_models import coaching_notes_table
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import User, contact_officers_table, decisions_table
from rcrp_tui.storage.review_models import reviews_table
from rcrp_tui.storage.sampling_models import (
    sample_items_table,
    samples_table,
    sampling_plans_table,
)
from tests.conftest import FIXED_NOW, TEST_ADMIN
from tests.demo_helpers import SEED, demo_copy

FIRST, END = qa_work.window(GO_LIVE, DEMO_DAYS)
#: The demo's "as of" moment: the last afternoon of the six weeks.
AS_OF = END - timedelta(hours=8)
_N, _AP, _I = coaching_notes_table.c, appeals_table.c, sample_items_table.c


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = demo_copy(tmp_path_factory.mktemp("extras") / "demo.db")
    yield db
    db.dispose()


def _ctx(db: Database, username: str) -> Ctx:
    with db.read() as session:
        user = session.execute(select(User).where(col(User.username) == username)).scalar_one()
        actor = auth.actor_for(user)
    return Ctx(db, actor, FixedClock(AS_OF))


def _rows(db: Database, table: Table) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(*table.primary_key))]


def test_two_plans_and_a_part_worked_sample(demo: Database) -> None:
    lead = _ctx(demo, "qalead1")
    plans = {p.name: p for p in sampling.list_plans(lead)}
    # Phase 2's go-live plan is the readiness records' (sample_data/qa_readiness.py).
    assert set(plans) == {qa_samples.MONTHLY_PLAN, qa_samples.CENSUS_PLAN, PHASE_2_PLAN}
    [sample] = sampling.list_samples(lead)
    assert sample.plan_name == qa_samples.MONTHLY_PLAN
    assert FIRST < sample.drawn_at < AS_OF
    items = sample_queue.queue_page(lead, sample.id, limit=100)
    counts = Counter(i.status for i in items)
    assert counts["done"] == sum(s.action == "review" for s in qa_samples.STEPS)
    assert counts["skipped"] + counts["replaced"] == 2
    assert counts["claimed"] == 3
    assert counts["open"] >= 10
    assert len(items) <= qa_samples.SAMPLE_SIZE + 1
    reasons = [i.reason for i in items if i.status in ("skipped", "replaced")]
    assert all(reasons)
    # Every done item has the review its claimer submitted.
    done = {(i.decision_id, i.claimed_by_user_id) for i in items if i.status == "done"}
    stmt = select(reviews_table.c.decision_id, reviews_table.c.reviewer_user_id).where(
        reviews_table.c.decision_id.in_([d for d, _u in done])
    )
    with demo.engine.connect() as conn:
        assert set(map(tuple, conn.execute(stmt))) == done


def test_appeals_across_routes_and_partners_one_live_one_still_open(demo: Database) -> None:
    rows = _rows(demo, appeals_table)
    assert 10 <= len(rows) <= 12
    assert {r["route"] for r in rows} == {r.value for r in AppealRoute}
    assert len({r["partner_type"] for r in rows}) == 5
    open_live = [r for r in rows if r["route"] == "live_999" and r["outcome"] is None]
    assert len(open_live) == 1
    assert AS_OF - timedelta(days=1) < open_live[0]["received_at"] < AS_OF
    outcomes = Counter(r["outcome"] for r in rows)
    assert outcomes["upheld"] >= 3 and outcomes["overturned"] >= 1
    assert _rows(demo, learning_actions_table)
    assert _rows(demo, appeal_themes_table)
    # Each is linked to a demo decision that was not deployed.
    ids = [r["decision_id"] for r in rows]
    assert None not in ids
    stmt = select(decisions_table.c.outcome).where(decisions_table.c.id.in_(ids))
    with demo.engine.connect() as conn:
        assert "deployed" not in set(conn.execute(stmt).scalars())
    # The open live appeal's stopwatch runs on the appeals list.
    detail = appeal_queries.get(_ctx(demo, "supervisor1"), open_live[0]["id"])
    assert detail.appeal.outcome is None


def test_coaching_notes_in_every_state_some_restricted_some_overdue(demo: Database) -> None:
    rows = _rows(demo, coaching_notes_table)
    assert len(rows) == len(qa_coaching.NOTES)
    assert {r["status"] for r in rows} == {s.value for s in NoteStatus}
    assert sum(r["visibility"] == "restricted" for r in rows) == 2
    assert sum(r["review_id"] is not None for r in rows) >= 4
    overdue = [r for r in rows if is_overdue(r["follow_up_on"], NoteStatus(r["status"]), AS_OF)]
    assert len(overdue) >= 3
    acknowledged = [r for r in rows if r["acknowledged_at"] is not None]
    assert acknowledged and all(r["acknowledgement_comment"] for r in acknowledged)
    for r in rows:
        stamps = [r[k] for k in ("created_at", "acknowledged_at", "follow_up_done_at", "closed_at")]
        present = [s for s in stamps if s is not None]
        assert present == sorted(present) and present[0] >= FIRST and present[-1] < AS_OF


def test_the_homes_have_work_to_show(demo: Database) -> None:
    supervisor = home.supervisor_home(_ctx(demo, "supervisor1"))
    assert supervisor.appeals.count == 1 and supervisor.appeals.first[0].waiting_minutes > 0
    assert supervisor.team_overdue.count >= 3
    assert supervisor.authored_overdue.count >= 1
    lead = home.qa_lead_home(_ctx(demo, "qalead1"))
    assert lead.open_samples == 1 and lead.overdue.count >= 3
    officer = home.officer_home(_ctx(demo, "officer1"))
    assert officer.to_acknowledge.count >= 1
    assert any(n.needs_acknowledging for n in officer.notes)
    assert any(n.overdue for n in officer.notes)
    walker = home.floorwalker_home(_ctx(demo, "floorwalker1"))
    assert walker.queue_count >= 1


def test_no_free_text_trips_the_personal_data_guard(demo: Database) -> None:
    texts = [r["reason"] for r in _rows(demo, sample_items_table) if r["reason"]]
    for r in _rows(demo, appeals_table):
        texts += [r["partner_org"], r["rationale"]]
    texts += [r["action"] for r in _rows(demo, learning_actions_table)]
    texts += [r["theme"] for r in _rows(demo, appeal_themes_table)]
    for r in _rows(demo, coaching_notes_table):
        texts += [r["went_well"], r["to_develop"], r["agreed_actions"]]
        texts.append(r["acknowledgement_comment"] or "")
    texts += [p.name for p in sampling.list_plans(_ctx(demo, "qalead1"))]
    assert len(texts) > 60
    for text in texts:
        assert personal_data.scan(text, today=AS_OF.date()) == [], text


def test_the_same_seed_gives_the_same_samples_appeals_and_notes(
    demo: Database, tmp_path: Path
) -> None:
    again = demo_copy(tmp_path / "again.db", build="again")
    try:
        for table in (
            sampling_plans_table,
            samples_table,
            sample_items_table,
            appeals_table,
            appeal_themes_table,
            learning_actions_table,
            coaching_notes_table,
            contact_officers_table,
        ):
            assert _rows(again, table) == _rows(demo, table), table.name
    finally:
        again.dispose()


def test_running_the_extras_again_adds_nothing(demo: Database) -> None:
    tables = (sampling_plans_table, sample_items_table, appeals_table, coaching_notes_table)
    before = [_rows(demo, t) for t in tables]
    ctx = Ctx(demo, TEST_ADMIN, FixedClock(FIXED_NOW))
    again = qa_extras.add_extras(ctx, seed=SEED, go_live=GO_LIVE, days=DEMO_DAYS)
    assert (again.appeals, again.notes, again.sample_items) == (0, 0, {})
    assert [_rows(demo, t) for t in tables] == before
