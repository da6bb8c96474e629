"""The per-month stratum counts: kept exact by the database, and equal to a direct count."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import ColumnElement, delete, func, insert, select, update

from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role, Shift
from rcrp_tui.domain.sampling import Oversampling, SamplingMethod, SamplingSpec, StratumDimension
from rcrp_tui.domain.sampling import draw_sample as draw_in_memory
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.decisions import queries as decisions
from rcrp_tui.services.decisions.filters import month_counts_apply
from rcrp_tui.services.decisions.stratum_counts import group_totals
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.services.sampling.population import PopulationFilter, conditions, load_candidates
from rcrp_tui.services.sampling.strata import count_strata
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.sampling_models import decision_stratum_months_table
from tests.conftest import FIXED_NOW, TEST_ADMIN

_D = decisions_table.c
_C = decision_stratum_months_table.c
START = datetime(2026, 9, 20, tzinfo=UTC)  # three months, and the clocks going back
CATEGORIES = [c.value for c in Category][:4]
OUTCOMES = [o.value for o in Outcome]
CALLERS = [c.value for c in CallerType][:3]
SHIFTS = [Shift.DAY.value, Shift.NIGHT.value, None]


def _teams(db: Database) -> list[int | None]:
    ctx = Ctx(db, TEST_ADMIN)
    return [people.add_team(ctx, name, "6on4off-10h").id for name in ("A", "B")] + [None]


def _rows(rng: random.Random, teams: list[int | None], n: int, first_id: int) -> list[dict]:
    rows = []
    for i in range(first_id, first_id + n):
        at = START + timedelta(minutes=rng.randrange(0, 80 * 24 * 60), seconds=rng.randrange(60))
        rows.append(
            {
                "cad_ref": f"SC-{i:06d}",
                "source_system": "TEST",
                "received_at": at,
                "category": rng.choice(CATEGORIES),
                "caller_type": rng.choice(CALLERS),
                "team_id": rng.choice(teams),
                "shift": rng.choice(SHIFTS),
                "outcome": rng.choice(OUTCOMES),
                "threshold_basis": "none",
                "created_at": FIXED_NOW,
                "updated_at": FIXED_NOW,
            }
        )
    return rows


def _qa_lead(db: Database) -> Ctx:
    admin = Ctx(db, TEST_ADMIN)
    info = people.add_user(
        admin, username="qa", display_name="QA", role=Role.QA_LEAD, password="qa-password-1"
    )
    return Ctx(db, Actor(info.id, info.username, info.display_name, Role.QA_LEAD))


def _direct_counts(db: Database) -> dict[tuple, int]:
    month = (
        func.substr(_D.received_at, 1, 7)
        if db.is_sqlite
        else func.to_char(func.timezone("UTC", _D.received_at), "YYYY-MM")
    )
    key = (
        _D.category,
        func.coalesce(_D.shift, ""),
        func.coalesce(_D.team_id, 0),
        _D.outcome != "deployed",
        _D.caller_type != "public",
        month,
    )
    with db.read() as session:
        rows = session.execute(select(*key, func.count()).group_by(*key)).all()
    return {(c, s, t, bool(nd), bool(p), m): n for c, s, t, nd, p, m, n in rows}


def _table_counts(db: Database) -> dict[tuple, int]:
    with db.read() as session:
        rows = session.execute(
            select(_C.category, _C.shift, _C.team_id, _C.not_deployed, _C.partner, _C.month, _C.n)
        ).all()
    return {(c, s, t, bool(nd), bool(p), m): n for c, s, t, nd, p, m, n in rows if n}


def test_the_month_counts_follow_every_kind_of_write(any_db: Database) -> None:
    rng = random.Random(7)
    teams = _teams(any_db)
    ctx = Ctx(any_db, TEST_ADMIN)
    with any_db.write_connection() as conn:
        conn.execute(insert(decisions_table), _rows(rng, teams, 300, 1))
    record_decision(
        ctx,
        DecisionInput(
            cad_ref="SVC-1",
            source_system="TEST",
            received_at=START + timedelta(hours=5),
            category=Category.CONCERN_FOR_WELFARE,
            caller_type=CallerType.PUBLIC,
            outcome=Outcome.SIGNPOSTED,
        ),
    )
    assert _table_counts(any_db) == _direct_counts(any_db)
    with any_db.read() as session:
        ids = (
            session.execute(select(_D.id).where(_D.source_system == "TEST").order_by(_D.id))
            .scalars()
            .all()
        )

    def between(first: int, last: int) -> ColumnElement[bool]:
        return _D.id.in_(ids[first - 1 : last])

    with any_db.write_connection() as conn:
        # A change of month, of stratum, of group, to and from NULL; then deletes.
        conn.execute(
            update(decisions_table)
            .where(between(1, 40))
            .values(received_at=START + timedelta(days=50), category=CATEGORIES[0])
        )
        conn.execute(update(decisions_table).where(between(41, 80)).values(outcome="deployed"))
        conn.execute(update(decisions_table).where(between(81, 120)).values(team_id=None))
        conn.execute(update(decisions_table).where(between(121, 140)).values(shift="day"))
        conn.execute(update(decisions_table).where(between(141, 160)).values(grade="P1"))
        conn.execute(delete(decisions_table).where(between(161, 200)))
    counts = _table_counts(any_db)
    assert counts == _direct_counts(any_db)
    assert sum(counts.values()) == 300 + 1 - 40


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start_minutes=st.one_of(st.none(), st.integers(0, 82 * 24 * 60)),
    length_minutes=st.integers(1, 82 * 24 * 60),
    open_end=st.booleans(),
    categories=st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True),
    shifts=st.lists(st.sampled_from(["day", "night"]), max_size=1),
    not_deployed_only=st.booleans(),
    one_team=st.booleans(),
    oversample=st.booleans(),
)
def test_month_counts_and_a_direct_count_agree(
    seeded: tuple[Database, list[int | None]],
    start_minutes: int | None,
    length_minutes: int,
    open_end: bool,
    categories: list[str],
    shifts: list[str],
    not_deployed_only: bool,
    one_team: bool,
    oversample: bool,
) -> None:
    db, teams = seeded
    begin = None if start_minutes is None else START + timedelta(minutes=start_minutes)
    end = None if open_end else (begin or START) + timedelta(minutes=length_minutes)
    population = PopulationFilter(
        received_from=begin,
        received_to=end,
        categories=tuple(categories),
        shifts=tuple(shifts),
        not_deployed_only=not_deployed_only,
        team_ids=(teams[0],) if one_team else (),
    )
    assert month_counts_apply(population)
    with db.read() as session:
        where = conditions(population)
        fast = group_totals(session, population, where, groups=oversample)
        direct = group_totals(session, population, where, groups=oversample, use_month_counts=False)
    assert fast == direct


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, list[int | None]]:
    from rcrp_tui.storage import schema

    path = tmp_path_factory.mktemp("strata") / "strata.db"
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db)
    teams = _teams(db)
    with db.write_connection() as conn:
        conn.execute(insert(decisions_table), _rows(random.Random(3), teams, 2_000, 1))
    return db, teams


def test_a_population_the_month_counts_cannot_express_is_counted_directly(db: Database) -> None:
    teams = _teams(db)
    with db.write_connection() as conn:
        conn.execute(insert(decisions_table), _rows(random.Random(5), teams, 200, 1))
    population = PopulationFilter(caller_types=("public",))
    assert not month_counts_apply(population)
    spec = SamplingSpec(SamplingMethod.STRATIFIED, size=20, strata=(StratumDimension.CATEGORY,))
    with db.read() as session:
        sizes = count_strata(session, population, spec).sizes
        public = session.execute(
            select(func.count()).where(_D.caller_type == "public")
        ).scalar_one()
    assert sum(sizes.values()) == public


def test_the_browser_total_uses_the_month_counts_and_agrees_with_the_rows(any_db: Database) -> None:
    db = any_db
    teams = _teams(db)
    with db.write_connection() as conn:
        conn.execute(insert(decisions_table), _rows(random.Random(11), teams, 400, 1))
    ctx = Ctx(db, TEST_ADMIN)
    filters = [
        decisions.DecisionFilter(),
        decisions.DecisionFilter(not_deployed_only=True),
        decisions.DecisionFilter(team="A", categories=(Category(CATEGORIES[1]),)),
        decisions.DecisionFilter(team="No such team"),
        # No dates: one SUM over the month counts.
        decisions.DecisionFilter(shifts=("night",), categories=(Category(CATEGORIES[0]),)),
        decisions.DecisionFilter(team="A", not_deployed_only=True, shifts=("day",)),
        decisions.DecisionFilter(
            received_from=START + timedelta(days=3, hours=5),
            received_to=START + timedelta(days=61, minutes=7),
            not_deployed_only=True,
        ),
        decisions.DecisionFilter(received_from=START + timedelta(days=11, hours=1)),
    ]
    for flt in filters:
        rows = decisions.page(ctx, flt, limit=1_000).rows
        assert decisions.count(ctx, flt) == len(rows), flt
    assert decisions.count(ctx) == 400


@pytest.mark.parametrize("oversample", [False, True])
def test_a_draw_across_months_with_exclusions_matches_the_in_memory_draw(
    db: Database, oversample: bool
) -> None:
    """Ranks resolved month by month in SQL pick the very decisions the pure draw picks."""
    teams = _teams(db)
    with db.write_connection() as conn:
        conn.execute(insert(decisions_table), _rows(random.Random(13), teams, 900, 1))
    qa = _qa_lead(db)
    # An open sample first: its decisions are excluded from the next draw.
    first = sampling.save_plan(
        qa, "First", PopulationFilter(), SamplingSpec(SamplingMethod.SIMPLE, size=60), seed=4
    )
    sampling.draw_sample(qa, first.id)
    population = PopulationFilter(
        received_from=START + timedelta(days=4, hours=7),  # part-months at both ends
        received_to=START + timedelta(days=70, minutes=30),
    )
    spec = SamplingSpec(
        SamplingMethod.STRATIFIED,
        size=40,
        strata=(StratumDimension.CATEGORY, StratumDimension.TEAM),
        oversampling=Oversampling(2.0, 1.5) if oversample else Oversampling(),
    )
    with db.read() as session:
        candidates = load_candidates(session, population)
        counts = count_strata(session, population, spec)
    assert all(None not in months for months in counts.months.values())
    assert sum(counts.sizes.values()) == len(candidates)
    plan = sampling.save_plan(qa, "Across months", population, spec, seed=99)
    drawn = sampling.draw_sample(qa, plan.id)
    expected = draw_in_memory(candidates, spec, 99)
    got = [item.decision_id for item in sample_queue.queue_page(qa, drawn.id, limit=100)]
    assert got == [item.decision_id for item in expected.items]
