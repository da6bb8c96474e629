"""Appeal figures from the database, checked against hand-worked values on a fixed data set
(SQLite and PostgreSQL), and the CSV and Markdown exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from rcrp_tui.domain.appeals import AppealOutcome, AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
from rcrp_tui.services.appeals import learning as appeal_learning
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals import reports as appeal_reports
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import PermissionDenied, ValidationFailed
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry
from tests.conftest import FIXED_NOW, TEST_ADMIN

# October and November 2026 on the London wall clock (BST ends 25 October).
OCT_START = datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
DEC_START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def _at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _seed(db: Database) -> Ctx:
    admin = Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))
    decisions = [
        (_at(9, 30, 22, 30), Outcome.SIGNPOSTED),  # 23:30 BST 30 Sept: September, outside
        *((_at(10, d), Outcome.REFERRED_HEALTH) for d in (2, 3, 4, 5)),
        (_at(10, 6), Outcome.DEPLOYED),  # deployed: not in the denominator
        (_at(11, 2), Outcome.SIGNPOSTED),
        (_at(11, 3), Outcome.TRANSFERRED_AMBULANCE),
    ]
    for i, (at, outcome) in enumerate(decisions):
        record_decision(
            admin,
            DecisionInput(
                cad_ref=f"D-{i}",
                source_system="CAD1",
                received_at=at,
                category=Category.CONCERN_FOR_WELFARE,
                caller_type=CallerType.AMBULANCE,
                outcome=outcome,
            ),
        )
    sup = Ctx(db, Actor(3, "sup", "S", Role.SUPERVISOR), FixedClock(FIXED_NOW))
    seeds = [
        # received, route, partner, decision after minutes, outcome, themes, adverse
        (_at(9, 30, 23, 30), AppealRoute.LIVE_999, PartnerType.AMBULANCE, 30,
         AppealOutcome.PARTLY_UPHELD, (), True),  # 00:30 BST 1 Oct: October
        (_at(10, 10), AppealRoute.LIVE_999, PartnerType.AMBULANCE, 10,
         AppealOutcome.OVERTURNED, ("resources",), False),
        (_at(10, 20), AppealRoute.POST_INCIDENT, PartnerType.MENTAL_HEALTH_TRUST, 600,
         AppealOutcome.UPHELD, ("guidelines", "resources"), False),
        (_at(11, 5), AppealRoute.LIVE_999, PartnerType.SOCIAL_CARE, 4,
         AppealOutcome.UPHELD, (), False),
        (_at(11, 20), AppealRoute.LIVE_999, PartnerType.AMBULANCE, None, None, (), False),
    ]  # fmt: skip
    for i, (received, route, partner, after, outcome, themes, adverse) in enumerate(seeds):
        appeal_id = appeals.record_appeal(
            sup,
            AppealInput(
                cad_ref=f"A-{i}",
                route=route,
                partner_type=partner,
                partner_org="Partner organisation",
                original_decision="signposted",
                received_at=received,
                adverse_outcome_reported=adverse,
                themes=themes,
            ),
        )
        if outcome is not None and after is not None:
            appeals.decide_appeal(
                sup,
                appeal_id,
                outcome=outcome,
                rationale="Reviewed against the threshold.",
                expected_version=1,
                decided_at=received + timedelta(minutes=after),
            )
    appeal_learning.add_learning_action(
        sup, 1, action="Brief | escalation route", owner="Team B", due_date=date(2026, 12, 15)
    )
    return sup


def test_figures_match_the_hand_worked_values(any_db: Database) -> None:
    report = appeal_reports.figures(_seed(any_db), OCT_START, DEC_START)
    oct_, nov = report.months
    assert (oct_.label, nov.label) == ("2026-10", "2026-11")
    assert (oct_.not_deployed, oct_.appeals, oct_.decided) == (4, 3, 3)
    assert oct_.appeals_per_100 == 75.0
    assert oct_.pct_overturned == pytest.approx(100 / 3)
    assert (oct_.partly_upheld, oct_.adverse_reported) == (1, 1)
    assert (oct_.median_minutes, oct_.p90_minutes) == (20.0, 30.0)  # live: 10, 30
    assert (nov.not_deployed, nov.appeals, nov.decided) == (2, 2, 1)
    assert nov.appeals_per_100 == 100.0 and nov.pct_overturned == 0.0
    assert (nov.median_minutes, nov.p90_minutes) == (4.0, 4.0)
    t = report.total
    assert (t.not_deployed, t.appeals, t.decided, t.overturned) == (6, 5, 4, 1)
    assert t.appeals_per_100 == pytest.approx(500 / 6) and t.pct_overturned == 25.0
    assert (t.median_minutes, t.p90_minutes) == (10.0, 30.0)  # live: 4, 10, 30
    assert t.by_partner == (("ambulance", 3), ("mental_health_trust", 1), ("social_care", 1))
    assert t.by_theme == (("resources", 2), ("guidelines", 1))
    assert [a.owner for a in report.open_actions] == ["Team B"]


def test_exports_are_marked_and_safe(db: Database) -> None:
    report = appeal_reports.figures(_seed(db), OCT_START, DEC_START)
    rows = list(csv.reader(io.StringIO(appeal_reports.figures_csv(report))))
    assert rows[0] == ["OFFICIAL-SENSITIVE"]
    assert rows[1][:4] == [
        "month",
        "not_deployed_decisions",
        "appeals",
        "appeals_per_100_not_deployed",
    ]
    assert rows[2][:4] == ["2026-10", "4", "3", "75.0"]
    assert rows[4][0] == "Total" and rows[4][6] == "25.0"
    md = appeal_reports.figures_markdown(report)
    assert md.startswith("**OFFICIAL-SENSITIVE**") and md.rstrip().endswith(
        "**OFFICIAL-SENSITIVE**"
    )
    assert "| 2026-10 | 4 | 3 | 75.0 | 3 | 33.3% | 20.0 | 30.0 |" in md
    assert "Brief \\| escalation route" in md  # a pipe in free text cannot break the table


def test_figures_need_the_kpi_permission_and_a_sane_period(db: Database) -> None:
    fw = Ctx(db, Actor(4, "fw", "F", Role.FLOORWALKER), FixedClock(FIXED_NOW))
    with pytest.raises(PermissionDenied):
        appeal_reports.figures(fw, OCT_START, DEC_START)
    qa = Ctx(db, Actor(5, "qa", "Q", Role.QA_LEAD), FixedClock(FIXED_NOW))
    with pytest.raises(ValidationFailed):
        appeal_reports.figures(qa, DEC_START, OCT_START)
    with pytest.raises(ValidationFailed):
        appeal_reports.figures(qa, datetime(2020, 1, 1, tzinfo=UTC), DEC_START)
    empty = appeal_reports.figures(qa, OCT_START, DEC_START)
    assert empty.total.appeals_per_100 is None and empty.total.median_minutes is None


def test_export_writes_both_files_and_is_audited(db: Database, tmp_path: Path) -> None:
    sup = _seed(db)
    csv_path, md_path = appeal_reports.export_figures(sup, OCT_START, DEC_START, tmp_path / "out")
    assert csv_path.read_text(encoding="utf-8").startswith("OFFICIAL-SENSITIVE\n")
    assert "**OFFICIAL-SENSITIVE**" in md_path.read_text(encoding="utf-8")
    with db.read() as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "appeal_figures_exported")
        ).one()
    assert entry.actor_role == "supervisor" and csv_path.name in (entry.after_json or "")
