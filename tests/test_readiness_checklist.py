"""Go-live readiness per phase on SQLite and PostgreSQL: each evidenced rule worked out
from real data (with the 89.9% / 90.0% edge), manual items recorded (validated, versioned,
audited), the readiness % and what blocks go-live."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from rcrp_tui.domain.enums import CallerType, Category, Outcome
from rcrp_tui.domain.readiness import ItemStatus, load_checklists
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
from rcrp_tui.services.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.readiness import rules
from rcrp_tui.services.readiness.briefings import (
    BriefingInput,
    BriefingStatus,
    first_shifts,
    phase_rota,
    record_briefing,
)
from rcrp_tui.services.readiness.checklist import (
    ChecklistFileWrong,
    ItemUpdate,
    next_go_live,
    readiness,
    set_baseline,
    update_item,
)
from rcrp_tui.services.rota import planning as rota_service
from rcrp_tui.services.sampling import plans
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.services.training.records import TrainingRow, import_training_rows
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import ContactOfficer, Team
from tests.conftest import FIXED_NOW
from tests.readiness_helpers import PHASE, Force, audit_actions, audit_count, build_force


@pytest.fixture
def force(any_db: Database) -> Force:
    return build_force(any_db)


def _item(report, key):  # type: ignore[no-untyped-def]
    return next(i for i in report.checklist.items if i.key == key)


def _facts(force: Force, phase: int = PHASE) -> rules.Facts:
    checklist = load_checklists().for_phase(phase)
    assert checklist is not None
    with force.db.read() as session:
        rota = phase_rota(session, phase)
    return rules.Facts(force.qa, checklist, rota, None)


# --- training share ---------------------------------------------------------------


def _officers(force: Force, count: int) -> list[str]:
    with force.db.write() as session:
        team_id = session.scalar(select(Team.id).where(Team.name == "Team A"))  # type: ignore[arg-type]
        session.execute(
            insert(ContactOfficer.__table__),  # type: ignore[attr-defined]
            [{"staff_id": f"CO-{i:04d}", "team_id": team_id, "active": True} for i in range(count)],
        )
    return [f"CO-{i:04d}" for i in range(count)]


def _train(force: Force, staff: list[str], phase: int = PHASE) -> None:
    rows = [
        TrainingRow(n + 2, s, phase, FIXED_NOW.date() - timedelta(days=3), "")
        for n, s in enumerate(staff)
    ]
    import_training_rows(force.qa, "t.csv", rows)


def test_training_at_899_of_1000_is_not_met_and_900_is(force: Force) -> None:
    staff = _officers(force, 1000)
    _train(force, staff[:899])
    result = _facts(force).training(90)
    assert not result.met
    assert "899 of 1,000 active contact officers trained (89.9%; needs 90%)" in result.figure
    assert result.where == "rcrp-tui training share --phase 2"
    _train(force, staff[899:900])
    result = _facts(force).training(90)
    assert result.met and "900 of 1,000" in result.figure and "(90.0%;" in result.figure
    # The item on the readiness screen says the same.
    item = _item(readiness(force.qa, PHASE), "training")
    assert item.evidenced and item.done and item.status == "met" and item.symbol == "✓"


def test_no_officers_trains_no_one(force: Force) -> None:
    result = _facts(force).training(90)
    assert not result.met and result.figure == "no active contact officers"


# --- the rota and briefings -------------------------------------------------------


def _cover_every_cell(force: Force) -> None:
    walker = rota_service.list_floorwalkers(force.sup)[0]
    for shift in first_shifts(force.sup, PHASE):
        key = next(
            s.key
            for s in rota_service.rota_view(force.sup, force.rota.id).slots
            if s.key.team_id == shift.team_id
            and s.key.day == shift.day
            and s.key.code == shift.shift_code
        )
        rota_service.assign(force.sup, force.rota.id, key, walker.id, "readiness test cover")


def test_the_rota_rule_needs_the_days_and_every_team_and_shift_type(force: Force) -> None:
    empty = _facts(force).floorwalking(42)
    assert not empty.met and "0 of 15 team x shift types have a floorwalker" in empty.figure
    assert "none for Team" in empty.figure and "and 11 more" in empty.figure
    _cover_every_cell(force)
    full = _facts(force).floorwalking(42)
    assert full.met, full.figure
    assert "42 days from go-live" in full.figure and "15 of 15 team x shift types" in full.figure
    assert not _facts(force).floorwalking(43).met  # a 42-day rota is short of 43
    no_rota = _facts(force, 1).floorwalking(42)
    assert not no_rota.met and no_rota.figure == "no floorwalking rota for phase 1"


def test_the_briefing_rule_needs_one_planned_or_delivered_for_every_first_shift(
    force: Force,
) -> None:
    shifts = first_shifts(force.sup, PHASE)
    assert _facts(force).briefings().figure.startswith("0 of 15 first shifts have a briefing")
    for s in shifts[:-1]:
        record_briefing(
            force.sup,
            BriefingInput(
                PHASE,
                s.team_id,
                s.shift_code,
                BriefingStatus.PLANNED,
                "Sgt A",
                s.start - timedelta(minutes=15),
            ),
        )
    last = shifts[-1]
    record_briefing(
        force.sup,
        BriefingInput(
            PHASE, last.team_id, last.shift_code, BriefingStatus.NOT_DELIVERED, reason="Cancelled"
        ),
    )
    almost = _facts(force).briefings()
    assert not almost.met
    assert almost.figure.startswith("14 of 15 first shifts have a briefing (0 delivered, 14")
    assert f"none for {last.team_name} {last.shift_code}" in almost.figure
    record_briefing(
        force.sup,
        BriefingInput(
            PHASE,
            last.team_id,
            last.shift_code,
            BriefingStatus.PLANNED,
            "Sgt B",
            last.start - timedelta(minutes=15),
        ),
        expected_version=1,
    )
    assert _facts(force).briefings().met


# --- sampling plans, baseline, qualifiers ----------------------------------------


def _plan(force: Force, name: str, categories: tuple[str, ...]) -> None:
    plans.save_plan(
        force.qa,
        name,
        PopulationFilter(categories=categories),
        SamplingSpec(SamplingMethod.SIMPLE, size=10),
        seed=1,
    )


def test_a_sampling_plan_must_cover_one_of_the_phases_categories(force: Force) -> None:
    _plan(force, "Welfare only", ("concern_for_welfare",))
    assert not _facts(force).sampling_plans(1).met
    _plan(force, "AWOL go-live", ("awol",))
    result = _facts(force).sampling_plans(1)
    assert result.met and "1 saved sampling plan for walk_out, awol" in result.figure
    assert "'AWOL go-live'" in result.figure and "Welfare" not in result.figure
    assert not _facts(force).sampling_plans(2).met
    _plan(force, "Everything", ())  # no category filter samples these too
    assert _facts(force).sampling_plans(2).met


def _decision(force: Force, ref: str, days_ago: float, category: Category, codes: str) -> None:
    record_decision(
        force.admin,
        DecisionInput(
            cad_ref=ref,
            source_system="STORM",
            received_at=FIXED_NOW - timedelta(days=days_ago),
            category=category,
            caller_type=CallerType.PUBLIC,
            outcome=Outcome.SIGNPOSTED,
            qualifier_codes=codes,
        ),
    )


def test_the_baseline_needs_a_period_with_decisions_of_the_phases_categories(
    force: Force,
) -> None:
    report = readiness(force.qa, PHASE)
    assert report.baseline is None
    baseline_item = load_checklists().for_phase(1).item("baselining")  # type: ignore[union-attr]
    assert baseline_item is not None
    assert not _facts(force, 1).kpi_baseline(1).met
    version = set_baseline(force.sup, 1, date(2026, 10, 1), date(2026, 11, 1))
    assert version == 1
    _decision(force, "B1", 40, Category.AWOL, "")  # 15 Oct, but not this phase's category
    report = readiness(force.qa, 1)
    item = _item(report, "baselining")
    assert not item.done
    assert "baseline 01 Oct 2026 to 31 Oct 2026: 0 decisions of concern_for_welfare" in item.figure
    _decision(force, "B2", 40, Category.CONCERN_FOR_WELFARE, "")
    assert _item(readiness(force.qa, 1), "baselining").done
    # Unchanged: nothing written. Stale: Conflict. Wrong: refused in words.
    before = audit_count(force.db)
    assert set_baseline(force.sup, 1, date(2026, 10, 1), date(2026, 11, 1), expected_version=1) == 1
    assert audit_count(force.db) == before
    with pytest.raises(Conflict):
        set_baseline(force.qa, 1, date(2026, 9, 1), date(2026, 10, 1))
    with pytest.raises(ValidationFailed, match="end date must be after"):
        set_baseline(force.sup, 1, date(2026, 10, 1), date(2026, 10, 1), expected_version=1)
    with pytest.raises(PermissionDenied):
        set_baseline(force.fw, 1, date(2026, 9, 1), date(2026, 10, 1), expected_version=1)
    assert audit_actions(force.db).count("kpi_baseline_set") == 1


def test_qualifier_codes_at_89_9_and_90_0_percent(force: Force) -> None:
    # 9 of 10 recent walk-outs coded is 90%: met; an old uncoded one is outside 28 days.
    for n in range(9):
        _decision(force, f"Q{n}", 1 + n, Category.WALK_OUT, "RCRP-WO")
    _decision(force, "Q9", 2, Category.AWOL, "")
    _decision(force, "OLD", 40, Category.AWOL, "")
    _decision(force, "CFW", 1, Category.CONCERN_FOR_WELFARE, "")
    result = _facts(force).qualifiers(90, 28)
    assert result.met, result.figure
    assert (
        "9 of 10 decisions of walk_out, awol in the last 28 days carry a qualifier code "
        "(90.0%; needs 90%)" in result.figure
    )
    assert not _facts(force).qualifiers(91, 28).met
    assert not _facts(force).qualifiers(90, 60).met  # the old uncoded one now counts: 81.8%
    assert "(81.8%;" in _facts(force).qualifiers(90, 60).figure


def test_qualifiers_with_no_decisions_are_not_met(force: Force) -> None:
    result = _facts(force, 3).qualifiers(90, 28)
    assert not result.met and result.figure == "no decisions of conveyance in the last 28 days"


# --- manual items, the % and blockers ---------------------------------------------


def test_a_manual_item_is_recorded_versioned_audited_and_counted(force: Force) -> None:
    report = readiness(force.sup, PHASE)
    assert report.go_live == force.rota.go_live
    assert report.countdown == f"Phase 2 goes live tomorrow ({force.rota.go_live:%a %d %b %Y})"
    media = _item(report, "media")
    assert (media.status, media.symbol, media.row_version) == ("not started", "○", None)
    assert report.checklist.tally.done == 0 and report.checklist.tally.applicable == 13
    version = update_item(
        force.sup,
        PHASE,
        "media",
        ItemUpdate(ItemStatus.DONE, "Comms lead", date(2026, 11, 20), "Statement signed off"),
    )
    assert version == 1
    media = _item(readiness(force.sup, PHASE), "media")
    assert (media.status, media.symbol, media.owner, media.evidence) == (
        "done",
        "✓",
        "Comms lead",
        "Statement signed off",
    )
    update_item(force.qa, PHASE, "equality-assessment", ItemUpdate(ItemStatus.NOT_APPLICABLE))
    update_item(
        force.qa,
        PHASE,
        "policy",
        ItemUpdate(ItemStatus.IN_PROGRESS, "Policy team", date(2026, 11, 1)),
    )
    report = readiness(force.sup, PHASE)
    assert (report.checklist.tally.done, report.checklist.tally.applicable) == (1, 12)
    assert report.checklist.tally.percent_text == "8%"
    blockers = report.blockers
    keys = [b.key for b in blockers]
    assert "media" not in keys and "equality-assessment" not in keys
    # The overdue item leads, and every blocker is an applicable item not done.
    assert blockers[0].key == "policy" and blockers[0].overdue
    assert all(b.applicable and not b.done for b in blockers)
    assert audit_actions(force.db)[-3:] == [
        "readiness_item_recorded",
        "readiness_item_recorded",
        "readiness_item_recorded",
    ]
    # Saving the same again changes nothing; from a stale version it is a conflict.
    before = audit_count(force.db)
    same = ItemUpdate(ItemStatus.DONE, "Comms lead", date(2026, 11, 20), "Statement signed off")
    assert update_item(force.sup, PHASE, "media", same, expected_version=1) == 1
    assert audit_count(force.db) == before
    with pytest.raises(Conflict):
        update_item(force.qa, PHASE, "media", ItemUpdate(ItemStatus.IN_PROGRESS))
    assert (
        update_item(
            force.qa, PHASE, "media", ItemUpdate(ItemStatus.IN_PROGRESS), expected_version=1
        )
        == 2
    )
    assert audit_actions(force.db)[-1] == "readiness_item_changed"


def test_a_key_milestone_is_phase_0_and_shows_with_every_phase(force: Force) -> None:
    update_item(force.admin, 0, "sro-command", ItemUpdate(ItemStatus.DONE, "ACC Smith"))
    report = readiness(force.qa, PHASE)
    assert report.milestones is not None
    assert report.milestones.tally.done == 1 and report.milestones.tally.applicable == 16
    assert "sro-command" not in [b.key for b in report.blockers]
    assert "pcc-engagement" in [b.key for b in report.blockers]


def test_manual_items_are_checked_and_guarded(force: Force) -> None:
    with pytest.raises(NotFound):
        update_item(force.sup, PHASE, "no-such-item", ItemUpdate(ItemStatus.DONE))
    with pytest.raises(ValidationFailed, match="worked out from the data"):
        update_item(force.sup, PHASE, "training", ItemUpdate(ItemStatus.DONE))
    with pytest.raises(ValidationFailed, match="at most 500"):
        update_item(force.sup, PHASE, "media", ItemUpdate(ItemStatus.DONE, evidence="x" * 501))
    with pytest.raises(ValidationFailed, match="personal data"):
        update_item(
            force.sup,
            PHASE,
            "media",
            ItemUpdate(ItemStatus.DONE, evidence="Call 07700 900123 about it"),
        )
    with pytest.raises(PermissionDenied):
        update_item(force.fw, PHASE, "media", ItemUpdate(ItemStatus.DONE))
    with pytest.raises(PermissionDenied):
        readiness(force.fw, PHASE)
    assert "readiness_item_recorded" not in audit_actions(force.db)


def test_a_forces_broken_checklist_file_is_refused_naming_it(
    force: Force, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ours.toml"
    path.write_text('[[checklists]]\nphase = 2\ntitle = "X"\n', encoding="utf-8")
    monkeypatch.setenv("RCRP_READINESS", str(path))
    with pytest.raises(ChecklistFileWrong) as caught:
        readiness(force.qa, PHASE)
    assert f"{path}, line 1, checklists[0].categories: is required" in str(caught.value)


def test_home_counts_down_to_the_next_phase(force: Force) -> None:
    soon = next_go_live(force.sup)
    assert soon is not None and soon.phase == PHASE and soon.go_live == force.rota.go_live
    assert soon.text.startswith("Phase 2 goes live tomorrow")
    force.clock.instant = FIXED_NOW + timedelta(days=5)
    later = next_go_live(force.qa)
    assert later is not None and later.text.startswith("Phase 2 went live 4 days ago")
