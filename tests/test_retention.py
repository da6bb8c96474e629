"""The retention schedule (TOML) and ``retention plan``: every mistake in the rules is
refused with where and why; the plan counts exactly the records whose event came before
the cut-off, on SQLite and PostgreSQL, and deletes nothing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select

from rcrp_tui.cli.main import main
from rcrp_tui.domain.appeals import AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
from rcrp_tui.domain.retention import (
    EVENTS,
    Period,
    RecordKind,
    RetentionRulesError,
    parse_rules,
)
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import NotFound, PermissionDenied, ValidationFailed
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.ops import retention
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import audit_table, decisions_table
from tests.cli_helpers import add_account, as_user
from tests.conftest import FIXED_NOW, TEST_ADMIN
from tests.review_helpers import Cast, all_met, build_cast

DOCS = Path(__file__).parents[1] / "docs" / "operations.md"


def _doc_example() -> str:
    (block,) = re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    return block


def test_the_documented_example_parses_with_a_rule_for_every_kind() -> None:
    rules = parse_rules(_doc_example(), "docs/operations.md")
    assert set(rules.rules) == set(RecordKind)
    decisions = rules.rule(RecordKind.DECISIONS)
    assert decisions is not None
    assert (str(decisions.keep), decisions.event) == ("6 years", "decision date")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[decision]\nkeep = "6 years"\nfrom = "decision date"', r"\[decision\]: no such kind"),
        ('[decisions]\nkeep = "6 years"\nfrom = "review date"', r'counted from "decision date"'),
        ('[decisions]\nkeep = "six years"\nfrom = "decision date"', "is not a period"),
        ('[decisions]\nkeep = "0 days"\nfrom = "decision date"', "at least one day"),
        ('[decisions]\nkeep = "300 years"\nfrom = "decision date"', "at most 200 years"),
        ('[decisions]\nkeep = "6 years"', "needs both keep"),
        ('[decisions]\nkeep = "6 years"\nfrom = "decision date"\npurge = true', "unknown setting"),
        ("decisions = 6", "write it as a table"),
        ("[decisions\n", "is not valid TOML"),
    ],
)
def test_a_mistake_in_the_rules_is_refused_saying_where(toml: str, message: str) -> None:
    with pytest.raises(RetentionRulesError, match=message) as caught:
        parse_rules(toml, "force.toml")
    assert str(caught.value).startswith("force.toml")


def test_calendar_months_and_years_fall_back_to_the_month_end() -> None:
    at = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert Period(1, "month").before(at) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert Period(13, "month").before(at) == datetime(2025, 2, 28, 12, tzinfo=UTC)
    leap = datetime(2028, 2, 29, tzinfo=UTC)
    assert Period(1, "year").before(leap) == datetime(2027, 2, 28, tzinfo=UTC)
    assert Period(4, "year").before(leap) == datetime(2024, 2, 29, tzinfo=UTC)
    assert Period(10, "day").before(at) == datetime(2026, 3, 21, 12, tzinfo=UTC)


def _insert_decisions(db: Database, moments: list[datetime]) -> None:
    rows = [
        {
            "cad_ref": f"RT-{i:05d}",
            "source_system": "TEST",
            "received_at": at,
            "category": "concern_for_welfare",
            "caller_type": "public",
            "outcome": "deployed",
            "threshold_basis": "none",
            "created_at": FIXED_NOW,
            "updated_at": FIXED_NOW,
        }
        for i, at in enumerate(moments)
    ]
    if rows:
        with db.write_connection() as conn:
            conn.execute(insert(decisions_table), rows)


def _decisions_line(db: Database, keep: str) -> retention.PlanLine:
    rules = parse_rules(f'[decisions]\nkeep = "{keep}"\nfrom = "decision date"', "t.toml")
    lines = retention.plan(Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW)), rules)
    by_kind = {line.kind: line for line in lines}
    assert all(by_kind[k].rule is None for k in RecordKind if k is not RecordKind.DECISIONS)
    return by_kind[RecordKind.DECISIONS]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=4 * 365 * 24 * 60), max_size=30),
    keep_months=st.integers(min_value=1, max_value=36),
)
def test_the_plan_counts_exactly_the_decisions_before_the_cut_off(
    any_db: Database, offsets: list[int], keep_months: int
) -> None:
    cutoff = Period(keep_months, "month").before(FIXED_NOW)
    # Some exactly at the cut-off (not yet due) and a minute either side of it.
    moments = [FIXED_NOW - timedelta(minutes=m) for m in offsets]
    moments += [cutoff, cutoff - timedelta(minutes=1), cutoff + timedelta(minutes=1)]
    _insert_decisions(any_db, moments)
    try:
        line = _decisions_line(any_db, f"{keep_months} months")
        due = [m for m in moments if m < cutoff]
        assert line.cutoff == cutoff
        assert line.due == len(due)
        assert line.oldest == (min(due) if due else None)
        with any_db.read() as session:  # nothing deleted
            total = session.execute(select(func.count()).select_from(decisions_table))
            assert total.scalar() == len(moments)
    finally:
        with any_db.write_connection() as conn:
            conn.execute(delete(decisions_table))


def test_only_an_administrator_plans_retention(db: Database) -> None:
    rules = parse_rules(_doc_example(), "docs")
    qa = Actor(None, "qa", "QA Lead", Role.QA_LEAD)
    with pytest.raises(PermissionDenied, match="may not plan and apply the retention schedule"):
        retention.plan(Ctx(db, qa), rules)


def test_the_plan_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rcrp.db"
    add_account(path, "ada", Role.ADMINISTRATOR)
    old = datetime(2019, 5, 1, 9, tzinfo=UTC)
    _insert_decisions(Database(f"sqlite:///{path}"), [old, datetime.now(UTC)])
    rules = tmp_path / "rules.toml"
    rules.write_text(_doc_example())
    args = ["retention", "plan", "--rules", str(rules), "--database", str(path)]
    assert main([*args, *as_user(monkeypatch, "ada")]) == 0
    out = capsys.readouterr().out
    assert "nothing is deleted" in out
    assert re.search(
        r'decisions, with their reviews \(kept 6 years, counted from "decision '
        r'date"\): 1 due, .*; the oldest 2019-05-01',
        out,
    ), out
    assert "1 record(s) due for deletion in all." in out

    hold = ["retention", "hold", "decision", "1", "--reason", "Inquest", "--database", str(path)]
    assert main([*hold, *as_user(monkeypatch, "ada")]) == 0
    assert "decision 1 is on legal hold" in capsys.readouterr().out
    args = ["retention", "plan", "--rules", str(rules), "--database", str(path)]
    assert main([*args, *as_user(monkeypatch, "ada")]) == 0
    out = capsys.readouterr().out
    assert "0 due (1 more kept by a legal hold)" in out and "Nothing is due" in out
    holds = ["retention", "holds", "--database", str(path)]
    assert main([*holds, *as_user(monkeypatch, "ada")]) == 0
    assert "Inquest" in capsys.readouterr().out
    release = ["retention", "release", "decision", "1", "--reason", "Closed"]
    assert main([*release, "--database", str(path), *as_user(monkeypatch, "ada")]) == 0
    assert "released" in capsys.readouterr().out

    bad = tmp_path / "bad.toml"
    bad.write_text('[rota]\nkeep = "2 years"\nfrom = "rota ended"\n')
    args = ["retention", "plan", "--rules", str(bad), "--database", str(path), "--user", "ada"]
    assert main(args) == 2  # refused before any password is asked for
    assert f'{EVENTS[RecordKind.ROTA]}"' in capsys.readouterr().err
    missing = ["retention", "plan", "--rules", str(tmp_path / "none.toml"), "--user", "ada"]
    assert main(missing) == 2
    assert "no such file" in capsys.readouterr().err


def test_rota_shifts_are_due_by_the_day_worked() -> None:
    rules = parse_rules('[rota]\nkeep = "10 days"\nfrom = "shift worked"', "t")
    rule = rules.rule(RecordKind.ROTA)
    assert rule is not None
    assert rule.cutoff(FIXED_NOW).date() == date(2026, 11, 14)


# --- legal holds ---------------------------------------------------------------------------


def _plan_decisions(cast: Cast, later: FixedClock) -> retention.PlanLine:
    rules = parse_rules('[decisions]\nkeep = "1 day"\nfrom = "decision date"', "t.toml")
    (line,) = [x for x in retention.plan(Ctx(cast.db, TEST_ADMIN, later), rules) if x.rule]
    assert line.cutoff == later.now() - timedelta(days=1)
    return line


def test_a_legal_hold_on_a_decision_its_review_or_its_appeal_keeps_it(any_db: Database) -> None:
    later = FixedClock(FIXED_NOW + timedelta(days=10))
    cast = build_cast(any_db, FixedClock(FIXED_NOW))
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    reviews.save(cast.floorwalker, work.review, all_met(work), None)
    for ref in ("CAD-0002", "CAD-0003"):
        record_decision(
            cast.admin,
            DecisionInput(
                cad_ref=ref,
                source_system="STORM",
                received_at=FIXED_NOW - timedelta(hours=2),
                category=Category.MEDICAL,
                caller_type=CallerType.PUBLIC,
                outcome=Outcome.SIGNPOSTED,
            ),
        )
    appeal_id = appeals.record_appeal(
        cast.supervisor,
        AppealInput(
            cad_ref="CAD-0003",
            route=AppealRoute.POST_INCIDENT,
            partner_type=PartnerType.AMBULANCE,
            partner_org="Partner organisation",
            original_decision="signposted",
            source_system="STORM",
        ),
    )
    admin = Ctx(any_db, TEST_ADMIN, later)
    line = _plan_decisions(cast, later)
    assert (line.due, line.held, line.related) == (3, 0, {"reviews": 1})

    review_id = work.review.id
    retention.place_hold(admin, "review", review_id, "Complaint under investigation")
    assert (_plan_decisions(cast, later).due, _plan_decisions(cast, later).held) == (2, 1)
    retention.place_hold(admin, "appeal", appeal_id, "Inquest: disclosure requested")
    with any_db.read() as session:
        d2 = session.execute(
            select(decisions_table.c.id).where(decisions_table.c.cad_ref == "CAD-0002")
        ).scalar_one()
    retention.place_hold(admin, "decision", d2, "Professional standards referral")
    line = _plan_decisions(cast, later)
    assert (line.due, line.held, line.oldest) == (0, 3, None)
    assert "(3 more kept by a legal hold)" in line.describe()
    assert [(h.entity, h.entity_id) for h in retention.list_holds(admin)] == [
        ("review", review_id),
        ("appeal", appeal_id),
        ("decision", d2),
    ]

    retention.release_hold(admin, "decision", d2, "Referral closed")
    assert (_plan_decisions(cast, later).due, _plan_decisions(cast, later).held) == (1, 2)
    with any_db.read() as session:
        rows = session.execute(
            select(audit_table.c.action, audit_table.c.entity, audit_table.c.after_json)
            .where(audit_table.c.action.like("legal_hold%"))
            .order_by(audit_table.c.id)
        ).all()
    assert [(a, e) for a, e, _ in rows] == [
        ("legal_hold_placed", "review"),
        ("legal_hold_placed", "appeal"),
        ("legal_hold_placed", "decision"),
        ("legal_hold_released", "decision"),
    ]
    assert "Referral closed" in rows[-1][2]


def test_a_legal_hold_is_refused_with_a_reason(db: Database) -> None:
    cast = build_cast(db, FixedClock(FIXED_NOW))
    admin = cast.admin
    with pytest.raises(NotFound, match="There is no decision 999"):
        retention.place_hold(admin, "decision", 999, "Inquest")
    with pytest.raises(ValidationFailed, match="say why"):
        retention.place_hold(admin, "decision", cast.decision_id, "   ")
    with pytest.raises(ValidationFailed, match="without personal data"):
        retention.place_hold(
            admin, "decision", cast.decision_id, "Complaint from Mr John Smith, 07700 900123"
        )
    with pytest.raises(ValidationFailed, match="a decision, a review or an appeal"):
        retention.place_hold(admin, "coaching_note", 1, "Inquest")
    retention.place_hold(admin, "decision", cast.decision_id, "Inquest")
    with pytest.raises(ValidationFailed, match=r"already on legal hold \(Inquest\)"):
        retention.place_hold(admin, "decision", cast.decision_id, "Again")
    with pytest.raises(NotFound, match="is not on legal hold"):
        retention.release_hold(admin, "appeal", 1, "Done")
    with pytest.raises(PermissionDenied):
        retention.place_hold(cast.qa, "decision", cast.decision_id, "Inquest")
    assert len(retention.list_holds(admin)) == 1
