"""The quicker KPI statements (a halving ``CASE`` per bucket, an index look per officer)
give exactly the figures of the straightforward ones, over many kinds of period."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import bindparam, insert, select, update

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
from rcrp_tui.domain.kpis import Period, previous_period, week_buckets
from rcrp_tui.domain.scoring import Judgement
from rcrp_tui.domain.toolkit import load_shipped
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.kpis import figures as kpis
from rcrp_tui.services.kpis import queries as kpi_queries
from rcrp_tui.services.reviews import toolkits
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import contact_officers_table, decisions_table
from rcrp_tui.storage.review_models import reviews_table, toolkits_table
from tests.conftest import FIXED_NOW, TEST_ADMIN

FIRST = datetime(2025, 12, 1, tzinfo=UTC)
SPAN_MINUTES = 430 * 24 * 60  # to early February 2027
PERIODS = {
    "whole months": Period(date(2026, 1, 1), date(2026, 4, 1)),
    "part months": Period(date(2026, 1, 17), date(2026, 5, 9)),
    "one day, the clocks going forward": Period(date(2026, 3, 29), date(2026, 3, 30)),
    "across the year end": Period(date(2026, 11, 20), date(2027, 2, 10)),
    "400 days": Period(date(2026, 1, 5), date(2027, 2, 9)),
    "no decisions": Period(date(2030, 1, 1), date(2030, 2, 1)),
}


def _build(db: Database) -> tuple[Ctx, list[datetime]]:
    """600 decisions over 14 months by six officers (one inactive), a third reviewed."""
    admin = Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))
    people.add_team(admin, "Alpha", "6on4off-10h")
    officers = [people.add_contact_officer(admin, f"CO-{i}", "Alpha").id for i in range(6)]
    qa = people.add_user(
        admin, username="qa", display_name="QA", role=Role.QA_LEAD, password="qa-password-1"
    )
    toolkits.ensure_shipped(admin)
    toolkit = load_shipped()
    rng = random.Random(20)
    times = sorted(FIRST + timedelta(minutes=rng.randrange(SPAN_MINUTES)) for _ in range(600))
    rows = [
        {
            "id": i + 1,
            "cad_ref": f"LP-{i:04d}",
            "source_system": "TEST",
            "received_at": at,
            "category": rng.choice([c.value for c in Category]),
            "phase": rng.choice([1, 2, None]),
            "caller_type": rng.choice([c.value for c in CallerType]),
            # Officer 4 makes decisions only in 2026's first quarter: some periods lack them.
            "contact_officer_id": officers[4]
            if at < datetime(2026, 4, 1, tzinfo=UTC)
            else rng.choice([*officers[:4], officers[5], None]),
            "outcome": rng.choice([o.value for o in Outcome]),
            "threshold_basis": "none",
            "created_at": FIXED_NOW,
            "updated_at": FIXED_NOW,
        }
        for i, at in enumerate(times)
    ]
    with db.write_connection() as conn:
        conn.execute(
            update(contact_officers_table)
            .where(contact_officers_table.c.id == officers[5])
            .values(active=False)
        )
        conn.execute(insert(decisions_table), rows)
        toolkit_row = conn.execute(select(toolkits_table.c.id)).scalars().first()
        reviews = [
            {
                "decision_id": row["id"],
                "toolkit_row_id": toolkit_row,
                "toolkit_id": toolkit.key,
                "toolkit_version": toolkit.version,
                "reviewer_user_id": qa.id,
                "status": rng.choice(["submitted", "submitted", "draft"]),
                "judgement": rng.choice([j.value for j in Judgement]),
                "score": 80.0,
                "passed": rng.random() < 0.7,
                "band": None,
                "failed_critical": "",
                "row_version": 1,
                "created_at": FIXED_NOW,
                "updated_at": FIXED_NOW,
                "updated_by": "test",
                "submitted_at": FIXED_NOW,
            }
            for row in rows
            if row["id"] % 3 == 0
        ]
        conn.execute(insert(reviews_table), reviews)
    actor = Actor(qa.id, qa.username, qa.display_name, Role.QA_LEAD)
    return Ctx(db, actor, FixedClock(FIXED_NOW)), times


@pytest.mark.parametrize("name", list(PERIODS))
def test_quick_and_plain_statements_give_identical_kpis(any_db: Database, name: str) -> None:
    qa, times = _build(any_db)
    period = PERIODS[name]
    baseline = previous_period(period)
    quick = kpis.compute(qa, period, baseline)
    plain = kpis.compute(qa, period, baseline, plain=True)
    assert quick == plain
    # And both are right, not merely alike: the decisions in the period, counted here.
    assert quick.coverage.decisions == sum(period.start <= t < period.end for t in times)
    assert sum(w.decisions for w in quick.weeks) == quick.coverage.decisions
    if name == "no decisions":
        assert quick.active_officers == 0 and quick.coverage.first_decision is None
    else:
        assert quick.coverage.decisions > 0 and quick.active_officers > 0


def test_the_halving_case_matches_the_flat_one_at_every_boundary(any_db: Database) -> None:
    """Every week boundary of a long period, a moment either side, and both ends."""
    period = PERIODS["400 days"]
    weeks = week_buckets(period)
    moments = [period.start - timedelta(seconds=1), period.end, weeks[0].start]
    for w in weeks:
        moments += [w.end - timedelta(seconds=1), w.end]
    seen = set()
    with any_db.read() as session:
        for moment in moments:
            at = bindparam("at", moment, type_=decisions_table.c.received_at.type)
            quick, flat = session.execute(
                select(kpi_queries.bucket(at, weeks), kpi_queries.bucket_linear(at, weeks))
            ).one()
            assert quick == flat, moment
            seen.add(quick)
    assert seen == {w.key for w in weeks} | {None}
