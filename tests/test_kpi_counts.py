"""The day counts (migration 0020) give exactly the KPIs and appeal figures that direct
queries over the decisions give: over periods with part months at both ends, across both
clock changes and a year end, after inserts, updates, deletes and an import, on SQLite and
PostgreSQL. And every figure is also checked against a count made here in Python, so the
two ways cannot agree on a wrong answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, update

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
from rcrp_tui.domain.kpis import Period, month_buckets, previous_period, week_buckets
from rcrp_tui.importing.cad import import_file
from rcrp_tui.importing.profile import load_profile
from rcrp_tui.services.appeals import reports as appeal_reports
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.decisions import day_counts
from rcrp_tui.services.kpis import figures as kpis
from rcrp_tui.services.ops.count_checks import day_count_differences
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.kpi_models import decision_day_counts_table
from rcrp_tui.storage.models import decisions_table
from tests.conftest import FIXED_NOW, TEST_ADMIN
from tests.test_import_cad import HEADER, PROFILE, _csv

_D = decisions_table.c
#: Instants the counts could get wrong: the clocks going forward (29 March 2026) and back
#: (25 October 2026) at 01:00 UTC, London midnights in BST (23:00 UTC) at month ends, the
#: year end, and the hour 23:00 UTC around each.
ANCHORS = [
    datetime(2026, 3, 28, 23, tzinfo=UTC),
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 5, 31, 23, tzinfo=UTC),
    datetime(2026, 6, 30, 23, tzinfo=UTC),
    datetime(2026, 10, 24, 23, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 10, 31, 23, tzinfo=UTC),
    datetime(2026, 12, 31, 23, tzinfo=UTC),
    datetime(2027, 1, 1, 0, tzinfo=UTC),
]
PERIODS = [
    # Part months at both ends, both clock changes inside.
    Period(date(2026, 3, 17), date(2026, 11, 9)),
    # Part months at both ends, across the year end and the clocks going back.
    Period(date(2026, 10, 20), date(2027, 1, 13)),
    # One day each: the clocks going forward, and back (23 and 25 hours).
    Period(date(2026, 3, 29), date(2026, 3, 30)),
    Period(date(2026, 10, 25), date(2026, 10, 26)),
    # A BST month end to the next (starts and ends at 23:00 UTC).
    Period(date(2026, 6, 1), date(2026, 7, 1)),
]

moments = st.one_of(
    st.builds(
        lambda anchor, minutes: anchor + timedelta(minutes=minutes),
        st.sampled_from(ANCHORS),
        st.integers(min_value=-26 * 60, max_value=26 * 60),
    ),
    st.builds(
        lambda minutes: datetime(2026, 2, 1, tzinfo=UTC) + timedelta(minutes=minutes),
        st.integers(min_value=0, max_value=400 * 24 * 60),
    ),
)
decisions = st.fixed_dictionaries(
    {
        "received_at": moments,
        "category": st.sampled_from([c.value for c in Category]),
        "phase": st.sampled_from([1, 2, 9, None]),
        "caller_type": st.sampled_from([c.value for c in CallerType]),
        "outcome": st.sampled_from([o.value for o in Outcome]),
    }
)
changes = st.one_of(
    st.tuples(st.just("received_at"), moments),
    st.tuples(st.just("category"), st.sampled_from([c.value for c in Category])),
    st.tuples(st.just("phase"), st.sampled_from([1, 3, None])),
    st.tuples(st.just("caller_type"), st.sampled_from([c.value for c in CallerType])),
    st.tuples(st.just("outcome"), st.sampled_from([o.value for o in Outcome])),
    st.tuples(st.just("delete"), st.none()),
)


def _qa(db: Database) -> Ctx:
    """A QA lead's context (the user and officer made on first use of the database)."""
    admin = Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))
    found = {u.username: u for u in people.list_users(admin)}
    if "qa" in found:
        user = found["qa"]
    else:
        people.add_team(admin, "Alpha", "6on4off-10h")
        people.add_contact_officer(admin, "CO-1", "Alpha")
        user = people.add_user(
            admin, username="qa", display_name="QA", role=Role.QA_LEAD, password="qa-password-1"
        )
    actor = Actor(user.id, user.username, user.display_name, Role.QA_LEAD)
    return Ctx(db, actor, FixedClock(FIXED_NOW))


def _row(i: int, decision: dict[str, Any]) -> dict[str, Any]:
    return {
        "cad_ref": f"KC-{i:05d}",
        "source_system": "TEST",
        "threshold_basis": "none",
        "created_at": FIXED_NOW,
        "updated_at": FIXED_NOW,
        **decision,
    }


def _stored(db: Database) -> list[tuple[datetime, str | None]]:
    with db.read() as session:
        return [
            (r.received_at, r.outcome) for r in session.execute(select(_D.received_at, _D.outcome))
        ]


def assert_both_ways_agree(qa: Ctx) -> None:
    """Counts and direct queries give identical KPIs and appeal figures for every period,
    each also equal to a count made here; the stored counts equal a direct recount."""
    assert day_count_differences(qa.db) == {}
    stored = _stored(qa.db)
    for period in PERIODS:
        baseline = previous_period(period)
        fast = kpis.compute(qa, period, baseline)
        direct = kpis.compute(qa, period, baseline, use_counts=False)
        assert fast == direct, period
        inside = [o for t, o in stored if period.start <= t < period.end]
        assert fast.coverage.decisions == len(inside)
        assert fast.deployment.deployed == sum(o == Outcome.DEPLOYED.value for o in inside)
        assert fast.coverage.baseline_decisions == sum(
            baseline.start <= t < baseline.end for t, _ in stored
        )
        assert fast.coverage.first_decision == min(
            (t for t, _ in stored if period.start <= t < period.end), default=None
        )
        for week, bucket in zip(fast.weeks, week_buckets(period), strict=True):
            assert week.decisions == sum(bucket.start <= t < bucket.end for t, _ in stored)
        fast_appeals = appeal_reports.figures(qa, period.start, period.end)
        assert fast_appeals == appeal_reports.figures(
            qa, period.start, period.end, use_counts=False
        )
        for month, bucket in zip(fast_appeals.months, month_buckets(period), strict=True):
            assert month.not_deployed == sum(
                bucket.start <= t < bucket.end and o != Outcome.DEPLOYED.value for t, o in stored
            ), (period, bucket.key)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    added=st.lists(decisions, min_size=1, max_size=40),
    changed=st.lists(st.tuples(st.integers(min_value=0), changes), max_size=15),
)
def test_counts_and_direct_queries_give_identical_figures(
    any_db: Database, added: list[dict[str, Any]], changed: list[tuple[int, Any]]
) -> None:
    qa = _qa(any_db)
    try:
        with any_db.write_connection() as conn:
            conn.execute(insert(decisions_table), [_row(i, d) for i, d in enumerate(added)])
            ids = list(conn.execute(select(_D.id).order_by(_D.id)).scalars())
            for pick, (column, value) in changed:
                target = _D.id == ids[pick % len(ids)]
                if column == "delete":
                    conn.execute(delete(decisions_table).where(target))
                else:
                    conn.execute(update(decisions_table).where(target).values({column: value}))
            # One statement changing many rows at once.
            conn.execute(
                update(decisions_table)
                .where(_D.category == Category.MEDICAL.value)
                .values(outcome=Outcome.DEPLOYED.value, phase=None)
            )
        assert_both_ways_agree(qa)
    finally:
        with any_db.write_connection() as conn:
            conn.execute(delete(decisions_table))
    # Deleting every decision leaves no count behind.
    with any_db.read() as session:
        left = session.execute(select(func.sum(decision_day_counts_table.c.n))).scalar()
    assert not left


def test_a_bulk_update_moving_every_decision_across_a_slot_is_counted(any_db: Database) -> None:
    qa = _qa(any_db)
    at = [ANCHORS[i] - timedelta(minutes=30) for i in range(len(ANCHORS))]
    rows = [
        _row(
            i,
            {
                "received_at": t,
                "category": Category.MEDICAL.value,
                "phase": None,
                "caller_type": CallerType.PUBLIC.value,
                "outcome": Outcome.DEPLOYED.value,
            },
        )
        for i, t in enumerate(at)
    ]
    with any_db.write_connection() as conn:
        conn.execute(insert(decisions_table), rows)
        # Each from xx:30 to an hour later: 22:30 -> 23:30 changes slot, 23:30 -> 00:30 day.
        for i, t in enumerate(at):
            conn.execute(
                update(decisions_table)
                .where(_D.cad_ref == f"KC-{i:05d}")
                .values(received_at=t + timedelta(hours=1))
            )
    assert_both_ways_agree(qa)


def test_an_import_and_a_reimport_keep_the_day_counts(any_db: Database, tmp_path: Path) -> None:
    qa = _qa(any_db)
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW))
    people.add_contact_officer(admin, "CO-9", "Alpha")
    profile_path = tmp_path / "test-force.toml"
    profile_path.write_text(PROFILE, encoding="utf-8")
    profile = load_profile(profile_path)
    # London times: the import converts them (BST or GMT) to UTC.
    times = [
        "28/03/2026 23:59",
        "29/03/2026 00:00",
        "29/03/2026 02:30",
        "31/05/2026 23:30",
        "01/06/2026 00:30",
        "24/10/2026 23:59",
        "25/10/2026 01:30",
        "31/12/2026 23:59",
        "01/01/2027 00:00",
        "17/03/2026 12:00",
        "08/11/2026 23:00",
        "12/01/2027 23:59",
    ]
    rows = [
        [
            f"IMP-{i}",
            when,
            "CFW" if i % 2 else "MH",
            "DEP" if i % 3 else "AMB",
            "CO-9",
            "G1",
            "",
            "1 High St",
        ]
        for i, when in enumerate(times)
    ]
    import_file(admin, _csv(tmp_path / "first.csv", rows, HEADER), profile)
    assert_both_ways_agree(qa)
    # A re-import changing outcome, category and times (updates through the import).
    moved = [
        [r[0], "01/01/2027 00:30" if i < 4 else r[1], "CFW", "AMB", *r[4:]]
        for i, r in enumerate(rows)
    ]
    summary = import_file(admin, _csv(tmp_path / "second.csv", moved, HEADER), profile)
    assert summary.updated > 0
    assert_both_ways_agree(qa)


def test_a_range_off_the_slot_boundaries_is_counted_directly(any_db: Database) -> None:
    at = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
    assert day_counts.is_boundary(datetime(2026, 6, 30, 23, tzinfo=UTC))
    assert day_counts.is_boundary(datetime(2026, 7, 1, tzinfo=UTC))
    assert not day_counts.is_boundary(at)
    assert not day_counts.is_boundary(datetime(2026, 7, 1, 23, 0, 1, tzinfo=UTC))
    qa = _qa(any_db)
    with any_db.write_connection() as conn:
        conn.execute(
            insert(decisions_table),
            [
                _row(
                    0,
                    {
                        "received_at": at - timedelta(minutes=1),
                        "category": "medical",
                        "phase": 1,
                        "caller_type": "public",
                        "outcome": "signposted",
                    },
                ),
                _row(
                    1,
                    {
                        "received_at": at,
                        "category": "medical",
                        "phase": 1,
                        "caller_type": "public",
                        "outcome": "signposted",
                    },
                ),
            ],
        )
    # Appeal figures for a range starting mid-day: the counts cannot answer, so it is
    # counted from the decisions, and exactly.
    figures = appeal_reports.figures(qa, at, datetime(2026, 8, 1, tzinfo=UTC))
    assert figures.total.not_deployed == 1


def test_the_migration_fills_the_counts_from_existing_decisions(any_db: Database) -> None:
    db = any_db
    from alembic import command

    with db.write_connection() as conn:
        conn.execute(
            insert(decisions_table),
            [
                _row(
                    i,
                    {
                        "received_at": t,
                        "category": "medical",
                        "phase": None,
                        "caller_type": "public",
                        "outcome": "deployed",
                    },
                )
                for i, t in enumerate(ANCHORS)
            ],
        )
    cfg = schema._config()
    with db.write_connection() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0020@-1")
    assert "0020" not in schema.current_revisions(db)
    with db.write_connection() as conn:
        conn.execute(
            insert(decisions_table),
            [
                _row(
                    100,
                    {
                        "received_at": ANCHORS[0],
                        "category": "awol",
                        "phase": 2,
                        "caller_type": "ambulance",
                        "outcome": "signposted",
                    },
                )
            ],
        )
    schema.upgrade(db)
    assert "0020" in schema.current_revisions(db)
    assert day_count_differences(db) == {}
    with db.read() as session:
        total = session.execute(select(func.sum(decision_day_counts_table.c.n))).scalar()
    assert total == len(ANCHORS) + 1
