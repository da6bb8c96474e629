"""The demo database: deterministic, built once, realistic in shape, and free of personal data."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis.strategies import dates, integers
from sqlalchemy import func, select

from rcrp_tui.cli.main import main
from rcrp_tui.domain import personal_data
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role, ThresholdBasis
from rcrp_tui.domain.shift_patterns import DEFAULT_TZ, load_patterns, on_duty
from rcrp_tui.sample_data import rationales
from rcrp_tui.sample_data.accounts import OFFICER_COUNT, SHIFT_PATTERN, TEAMS
from rcrp_tui.sample_data.demo import (
    DEFAULT_DECISIONS,
    DEMO_ACCOUNTS,
    DEMO_DAYS,
    DEMO_PASSWORD,
    GO_LIVE,
    SOURCE_SYSTEM,
    build_demo,
    demo_days,
)
from rcrp_tui.sample_data.generator import Roster, decision_rows
from rcrp_tui.sample_data.schedule import hour_slots
from rcrp_tui.services.core import audit, auth
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import (
    audit_table,
    contact_officers_table,
    decisions_table,
    teams_table,
    users_table,
)
from rcrp_tui.storage.review_models import reviews_table
from tests.conftest import FIXED_NOW, TEST_ADMIN

_D = decisions_table.c
_COLUMNS = [c for c in decisions_table.c if c.name != "id"]


def _fresh(path: Path) -> Database:
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db)
    return db


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default-size demo (the fixed six weeks), built once for the module by the real command."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    assert main(["demo", "--database", str(path), "--no-open", "--fixed-window"]) == 0
    return path


@pytest.fixture
def demo(demo_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{demo_path}")
    yield db
    db.dispose()


def _decisions(db: Database) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        rows = conn.execute(select(*_COLUMNS).order_by(_D.id))
        return [dict(r._mapping) for r in rows]


def _count(db: Database, table: Any) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_same_seed_gives_the_same_decisions_on_every_database(
    demo: Database, any_db: Database
) -> None:
    """A second build, on SQLite and on PostgreSQL, holds exactly the module demo's rows."""
    assert build_demo(any_db, seed=2023, clock=FixedClock(FIXED_NOW)) is True
    first, second = _decisions(demo), _decisions(any_db)
    assert len(first) == DEFAULT_DECISIONS
    assert first == second
    # The QA work too: the same reviews of the same decisions, at the same moments.
    assert _review_outline(demo) == _review_outline(any_db)


def _review_outline(db: Database) -> list[tuple[Any, ...]]:
    r = reviews_table.c
    stmt = (
        select(_D.cad_ref, r.status, r.judgement, r.score, r.created_at, r.released_at)
        .join(decisions_table, _D.id == r.decision_id)
        .order_by(r.id)
    )
    with db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(stmt)]


def test_a_different_seed_gives_different_decisions() -> None:
    slots = hour_slots(load_patterns()[SHIFT_PATTERN], [o for _n, o in TEAMS], GO_LIVE, 42)
    roster = Roster((1, 2, 3, 4, 5), tuple((t,) for t in range(5)))
    one = [r for batch in decision_rows(1, 500, slots, roster, 100) for r in batch]
    same = [r for batch in decision_rows(1, 500, slots, roster, 100) for r in batch]
    other = [r for batch in decision_rows(2, 500, slots, roster, 100) for r in batch]
    assert one == same
    assert len(one) == len(other) == 500
    assert one != other


def test_a_second_build_reuses_the_demo_and_changes_nothing(demo: Database) -> None:
    before = [_count(demo, t) for t in (decisions_table, users_table, audit_table)]
    assert build_demo(demo, decisions=50) is False
    assert [_count(demo, t) for t in (decisions_table, users_table, audit_table)] == before


def test_the_build_is_audited_with_its_seed_and_counts(demo: Database) -> None:
    entries = audit.entries(Ctx(demo, TEST_ADMIN), entity="demo")
    assert sorted(r.action for r in entries) == ["demo_built", "demo_qa_extras", "demo_qa_work"]
    # No person built it: the rows say the demo builder did, never "command-line".
    assert {(r.actor, r.actor_role) for r in entries} == {("demo-builder", "administrator")}
    rows = [r for r in entries if r.action == "demo_built"]
    assert rows[0].after is not None
    assert rows[0].after["seed"] == 2023
    assert rows[0].after["decisions"] == DEFAULT_DECISIONS
    assert rows[0].after["days"] == DEMO_DAYS


def test_teams_officers_and_accounts(demo: Database) -> None:
    with demo.engine.connect() as conn:
        teams = {
            name: (pattern, offset)
            for name, pattern, offset in conn.execute(
                select(teams_table.c.name, teams_table.c.shift_pattern, teams_table.c.cycle_offset)
            )
        }
        per_team = Counter(conn.execute(select(contact_officers_table.c.team_id)).scalars().all())
        roles = Counter(conn.execute(select(users_table.c.role)).scalars().all())
    assert teams == {name: (SHIFT_PATTERN, offset) for name, offset in TEAMS}
    assert sum(per_team.values()) == OFFICER_COUNT
    assert set(per_team.values()) == {OFFICER_COUNT // len(TEAMS)}
    assert roles == {
        Role.ADMINISTRATOR.value: 1,
        Role.QA_LEAD.value: 2,
        Role.SUPERVISOR.value: 5,
        Role.FLOORWALKER.value: 8,
        Role.CONTACT_OFFICER.value: 3,
    }


def test_the_demo_accounts_sign_in_with_their_roles(demo: Database) -> None:
    assert len(DEMO_PASSWORD) >= 10
    with demo.engine.connect() as conn:
        stored = dict(conn.execute(select(users_table.c.username, users_table.c.role)).all())
    assert stored == {username: role.value for username, role in DEMO_ACCOUNTS.items()}
    # One sign-in per role.
    first_of_role = {role: username for username, role in reversed(DEMO_ACCOUNTS.items())}
    clock = FixedClock(FIXED_NOW)
    for role, username in first_of_role.items():
        actor = auth.sign_in(demo, clock, username, DEMO_PASSWORD)
        assert actor.role is role, username
        if role is Role.CONTACT_OFFICER:
            assert actor.contact_officer_id is not None
        if role is Role.SUPERVISOR:
            assert actor.team_id is not None
    assert set(first_of_role) == set(Role)


def test_proportions_look_like_a_real_control_room(demo: Database) -> None:
    rows = _decisions(demo)
    n = len(rows)
    categories = Counter(r["category"] for r in rows)
    partner = sum(CallerType(r["caller_type"]).is_partner for r in rows) / n
    deployed = sum(r["outcome"] == Outcome.DEPLOYED.value for r in rows) / n
    assert set(categories) == {c.value for c in Category}
    assert categories.most_common(1)[0][0] == Category.CONCERN_FOR_WELFARE.value
    assert {r["outcome"] for r in rows} == {o.value for o in Outcome}
    assert {r["caller_type"] for r in rows} == {c.value for c in CallerType}
    assert 0.30 <= partner <= 0.37
    assert 0.40 <= deployed <= 0.45
    assert {r["grade"] for r in rows} == {"P1", "P2", "P3", "P4"}
    # About 150 to 250 decisions on an average day of the six weeks.
    per_day = Counter(r["cad_ref"][4:12] for r in rows)
    assert len(per_day) == DEMO_DAYS
    assert 150 <= n / len(per_day) <= 250


def test_threshold_basis_agrees_with_the_outcome(demo: Database) -> None:
    rows = _decisions(demo)
    not_deployed = [r for r in rows if r["outcome"] != Outcome.DEPLOYED.value]
    none_share = sum(r["threshold_basis"] == "none" for r in not_deployed) / len(not_deployed)
    assert none_share >= 0.85

    def deploy_rate(basis: ThresholdBasis) -> float:
        group = [r for r in rows if r["threshold_basis"] == basis.value]
        return sum(r["outcome"] == Outcome.DEPLOYED.value for r in group) / len(group)

    assert deploy_rate(ThresholdBasis.RISK_TO_LIFE) > 0.85
    assert deploy_rate(ThresholdBasis.CRIME) > 0.8
    assert deploy_rate(ThresholdBasis.NONE) < 0.1


def test_phase_follows_the_category(demo: Database) -> None:
    phases = {(r["category"], r["phase"]) for r in _decisions(demo)}
    assert phases == {
        ("concern_for_welfare", 1),
        ("medical", 1),
        ("walk_out", 2),
        ("awol", 2),
        ("conveyance", 3),
        ("s136_s135", 4),
        ("voluntary", 4),
        ("other", None),
    }


def test_each_decision_is_made_by_a_team_on_duty_and_one_of_its_officers(
    demo: Database,
) -> None:
    pattern = load_patterns()[SHIFT_PATTERN]
    with demo.engine.connect() as conn:
        offsets = dict(conn.execute(select(teams_table.c.id, teams_table.c.cycle_offset)).all())
        officer_team = dict(
            conn.execute(
                select(contact_officers_table.c.id, contact_officers_table.c.team_id)
            ).all()
        )
        rows = conn.execute(select(_D.received_at, _D.team_id, _D.contact_officer_id, _D.shift))
        checked = 0
        for received, team_id, officer_id, shift in rows:
            duty = on_duty(pattern, offsets[team_id], received)
            assert duty is not None, (received, team_id)
            assert duty.code == shift
            assert officer_team[officer_id] == team_id
            checked += 1
    assert checked == DEFAULT_DECISIONS


def test_decisions_fall_in_the_six_weeks_and_evenings_are_busiest(demo: Database) -> None:
    start = datetime.combine(GO_LIVE, time(), tzinfo=DEFAULT_TZ)
    end = datetime.combine(GO_LIVE + timedelta(days=DEMO_DAYS), time(), tzinfo=DEFAULT_TZ)
    with demo.engine.connect() as conn:
        received = conn.execute(select(_D.received_at)).scalars().all()
    assert all(r.tzinfo is UTC for r in received)
    assert start <= min(received) and max(received) < end
    hours = Counter(r.astimezone(DEFAULT_TZ).hour for r in received)
    evening = sum(hours[h] for h in range(18, 22))
    small_hours = sum(hours[h] for h in range(2, 6))
    assert evening > 2 * small_hours


def test_cad_references_carry_the_local_date_and_a_daily_serial(demo: Database) -> None:
    with demo.engine.connect() as conn:
        rows = conn.execute(
            select(_D.cad_ref, _D.received_at, _D.source_system).order_by(_D.received_at, _D.id)
        ).all()
    serials: dict[str, list[int]] = {}
    for cad_ref, received, source in rows:
        assert source == SOURCE_SYSTEM
        m = re.fullmatch(r"CAD-(\d{8})-(\d{4})", cad_ref)
        assert m, cad_ref
        assert m.group(1) == received.astimezone(DEFAULT_TZ).strftime("%Y%m%d")
        serials.setdefault(m.group(1), []).append(int(m.group(2)))
    assert all(s == list(range(1, len(s) + 1)) for s in serials.values())


# Independent of the project's scanner: the obvious shapes of personal data.
_PERSONAL = [
    re.compile(r"\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b"),  # UK phone numbers
    re.compile(r"\+44"),
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"),  # postcodes
    re.compile(r"\S+@\S+\.\w+"),  # email addresses
    re.compile(r"\b(Mr|Mrs|Ms|Miss|Dr|Mx)\.?\s+[A-Z][a-z]+"),  # title and name
    re.compile(r"\b\d{3}\s?\d{3}\s?\d{4}\b"),  # NHS numbers
    re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),  # dates
]


def test_rationales_hold_no_personal_data(demo: Database) -> None:
    with demo.engine.connect() as conn:
        texts = set(conn.execute(select(_D.rationale).distinct()).scalars())
    texts |= set(rationales.all_phrases())
    assert len(texts) > 500  # plenty of variety
    for text in texts:
        assert 0 < len(text) <= 500
        assert personal_data.scan(text) == [], text
        for pattern in _PERSONAL:
            assert not pattern.search(text), (pattern.pattern, text)


def test_qualifier_codes_match_the_decision(demo: Database) -> None:
    rows = _decisions(demo)
    missing = sum(not r["qualifier_codes"] for r in rows) / len(rows)
    assert 0 < missing < 0.06
    for r in rows:
        codes = r["qualifier_codes"].split()
        if not codes:
            continue
        assert codes[0].startswith("RCRP-")
        assert ("RCRP-D" in codes) == (r["outcome"] == Outcome.DEPLOYED.value)
        assert ("RCRP-PA" in codes) == CallerType(r["caller_type"]).is_partner


def test_every_day_three_teams_work_early_late_and_night_and_every_hour_is_covered() -> None:
    pattern = load_patterns()[SHIFT_PATTERN]
    offsets = [o for _n, o in TEAMS]
    for n in range(DEMO_DAYS):
        day = GO_LIVE + timedelta(days=n)
        codes = sorted(pattern.code_on(day, offset) for offset in offsets)
        assert codes == ["early", "late", "night", "rest", "rest"], day
    slots = hour_slots(pattern, offsets, GO_LIVE, DEMO_DAYS)
    assert all(s.on_duty for s in slots)
    # The clocks go back on 25 October 2026: that day has 25 hours.
    assert len(slots) == DEMO_DAYS * 24 + 1


def test_large_builds_spread_over_more_days() -> None:
    assert demo_days(DEFAULT_DECISIONS) == DEMO_DAYS
    assert demo_days(1_000_000) > 1_000_000 // 1000


def test_a_negative_count_is_refused(tmp_path: Path) -> None:
    db = _fresh(tmp_path / "neg.db")
    with pytest.raises(ValueError, match="zero or more"):
        build_demo(db, decisions=-1)
    assert _count(db, users_table) == 0


def test_the_demo_command_reuses_an_existing_demo(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = Database(f"sqlite:///{demo_path}")
    before = _count(db, decisions_table)
    args = ["demo", "--database", str(demo_path), "--decisions", "500", "--no-open"]
    assert main(args) == 0
    assert "Using the existing demo database" in capsys.readouterr().out
    assert _count(db, decisions_table) == before == DEFAULT_DECISIONS
    db.dispose()


@settings(max_examples=40, deadline=None)
@given(
    first_day=dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31)),
    days=integers(min_value=1, max_value=6),
)
def test_hour_slots_agree_with_the_shift_pattern(first_day: date, days: int) -> None:
    pattern = load_patterns()[SHIFT_PATTERN]
    offsets = [o for _n, o in TEAMS]
    for slot in hour_slots(pattern, offsets, first_day, days):
        for instant in (slot.start, slot.start + timedelta(minutes=59, seconds=59)):
            expected = []
            for team, offset in enumerate(offsets):
                shift = on_duty(pattern, offset, instant)
                if shift is not None:
                    expected.append((team, shift.code))
            assert list(slot.on_duty) == expected, instant


@pytest.mark.parametrize("total", [0, 1, 99, 100, 101, 250])
def test_the_generator_yields_exactly_the_total_in_batches(total: int) -> None:
    slots = hour_slots(load_patterns()[SHIFT_PATTERN], [o for _n, o in TEAMS], GO_LIVE, 42)
    roster = Roster((1, 2, 3, 4, 5), tuple((t,) for t in range(5)))
    batches = list(decision_rows(3, total, slots, roster, 100))
    assert sum(len(b) for b in batches) == total
    assert all(0 < len(b) <= 100 for b in batches)
    refs = [row[0] for b in batches for row in b]
    assert len(set(refs)) == total


def test_every_officer_takes_calls_but_not_equal_shares(demo: Database) -> None:
    with demo.engine.connect() as conn:
        per_officer: dict[int, int] = dict(
            conn.execute(
                select(_D.contact_officer_id, func.count()).group_by(_D.contact_officer_id)
            ).all()
        )
    assert len(per_officer) == OFFICER_COUNT
    assert max(per_officer.values()) >= 1.5 * min(per_officer.values())


def test_deployment_falls_as_the_control_room_settles(demo: Database) -> None:
    rows = _decisions(demo)
    first_week = [r for r in rows if r["cad_ref"][4:12] < "20261012"]
    last_week = [r for r in rows if r["cad_ref"][4:12] >= "20261109"]

    def deployed(group: list[dict[str, Any]]) -> float:
        return sum(r["outcome"] == Outcome.DEPLOYED.value for r in group) / len(group)

    assert deployed(first_week) > deployed(last_week) + 0.03
