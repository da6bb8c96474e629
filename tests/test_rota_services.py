"""Rota services on SQLite and PostgreSQL: roles, rule checks with override, swaps, leave,
auto-fill proposal and acceptance, coverage and who is on duty now."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.rota import Rule, SlotKey
from rcrp_tui.services.core import audit, people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import Conflict, PermissionDenied, ValidationFailed
from rcrp_tui.services.rota import planning as rota_service
from rcrp_tui.services.rota.planning import RuleBroken
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry
from tests.conftest import TEST_ADMIN

PASSWORD = "long-enough-password"
GO_LIVE = date(2026, 11, 2)  # a Monday


@pytest.fixture
def world(any_db: Database, clock: FixedClock) -> dict[str, object]:
    """Five eln-8h teams, three floorwalkers, a supervisor and a rota from 2 November."""
    admin = Ctx(any_db, TEST_ADMIN, clock)
    for i, name in enumerate("ABCDE"):
        people.add_team(admin, f"Team {name}", "eln-8h", i * 2)
    walkers = [
        people.add_user(
            admin,
            username=f"fw{i}",
            display_name=f"Walker {i}",
            role=Role.FLOORWALKER,
            password=PASSWORD,
        )
        for i in (1, 2, 3)
    ]
    sup = people.add_user(
        admin, username="sup", display_name="Sup", role=Role.SUPERVISOR, password=PASSWORD
    )
    sup_ctx = Ctx(any_db, Actor(sup.id, "sup", "Sup", Role.SUPERVISOR), clock)
    fw_ctx = Ctx(any_db, Actor(walkers[0].id, "fw1", "Walker 1", Role.FLOORWALKER), clock)
    rota = rota_service.create_rota(
        sup_ctx, name="Phase 1", phase=1, go_live=GO_LIVE, shift_pattern="eln-8h"
    )
    return {"sup": sup_ctx, "fw": fw_ctx, "admin": admin, "rota": rota, "walkers": walkers}


def _slot(ctx: Ctx, rota_id: int, day: date, code: str) -> SlotKey:
    view = rota_service.rota_view(ctx, rota_id)
    return next(s.key for s in view.slots if s.key.day == day and s.key.code == code)


def _actions(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_floorwalker_may_view_but_not_assign(world: dict) -> None:
    fw, rota = world["fw"], world["rota"]
    view = rota_service.rota_view(fw, rota.id)
    assert len(view.slots) == 42 * 3 and view.coverage.percent == 0.0
    key = view.slots[0].key
    with pytest.raises(PermissionDenied):
        rota_service.assign(fw, rota.id, key, world["walkers"][0].id)
    with pytest.raises(PermissionDenied):
        rota_service.create_rota(fw, name="X", phase=2, go_live=GO_LIVE, shift_pattern="eln-8h")


def test_rule_break_refused_then_overridden_by_supervisor_and_audited(world: dict) -> None:
    sup, rota, w1 = world["sup"], world["rota"], world["walkers"][0]
    late = _slot(sup, rota.id, GO_LIVE, "late")  # 14:00-22:00
    early_next = _slot(sup, rota.id, date(2026, 11, 3), "early")  # 06:00: 8 h later
    rota_service.assign(sup, rota.id, late, w1.id)
    with pytest.raises(RuleBroken) as refused:
        rota_service.assign(sup, rota.id, early_next, w1.id)
    assert [v.rule for v in refused.value.violations] == [Rule.REST]
    assert "Walker 1 would have only 8 h rest" in refused.value.message
    offered = rota_service.candidates(sup, rota.id, early_next)
    assert [(c.floorwalker.display_name, c.shifts, c.fits) for c in offered] == [
        ("Walker 1", 1, False),
        ("Walker 2", 0, True),
        ("Walker 3", 0, True),
    ]
    rota_service.assign(sup, rota.id, early_next, w1.id, override_reason="only trained walker")
    view = rota_service.rota_view(sup, rota.id)
    slot = view.slot(early_next)
    assert slot is not None and slot.override_reason == "only trained walker"
    assert _actions(sup.db)[-2:] == ["rota_assigned", "rota_assigned_override"]
    (entry,) = audit.entries(world["admin"], entity="rota_assignment", limit=1)
    assert entry.actor == "sup" and entry.actor_role == "supervisor"
    assert entry.after is not None and entry.after["override_reason"] == "only trained walker"
    assert "8 h rest" in entry.after["rules_overridden"][0]
    with pytest.raises(Conflict):
        rota_service.assign(sup, rota.id, early_next, world["walkers"][1].id)


def test_an_administrator_may_see_but_not_change_the_rota(world: dict) -> None:
    """Rotas belong to supervisors: an administrator may neither assign nor override."""
    admin, rota, w1 = world["admin"], world["rota"], world["walkers"][0]
    key = _slot(admin, rota.id, GO_LIVE, "late")
    with pytest.raises(PermissionDenied, match="may not plan the floorwalking rota"):
        rota_service.assign(admin, rota.id, key, w1.id)
    with pytest.raises(PermissionDenied):
        rota_service.assign(admin, rota.id, key, w1.id, override_reason="please")
    with pytest.raises(PermissionDenied):
        rota_service.add_leave(admin, w1.id, GO_LIVE, GO_LIVE, "annual_leave")
    assert rota_service.rota_view(admin, rota.id).slots[0].floorwalker_id is None


def test_leave_blocks_assignment(world: dict) -> None:
    sup, rota, w2 = world["sup"], world["rota"], world["walkers"][1]
    rota_service.add_leave(sup, w2.id, date(2026, 11, 4), date(2026, 11, 6), "annual_leave")
    with pytest.raises(ValidationFailed):
        rota_service.add_leave(sup, w2.id, date(2026, 11, 6), date(2026, 11, 4), "annual_leave")
    with pytest.raises(ValidationFailed):
        rota_service.add_leave(sup, w2.id, date(2026, 11, 6), date(2026, 11, 6), "sick: flu")
    with pytest.raises(RuleBroken) as refused:
        rota_service.assign(sup, rota.id, _slot(sup, rota.id, date(2026, 11, 5), "late"), w2.id)
    assert [v.rule for v in refused.value.violations] == [Rule.LEAVE]


def test_swap_exchanges_floorwalkers_and_checks_rules(world: dict) -> None:
    sup, rota = world["sup"], world["rota"]
    w1, w2 = world["walkers"][0], world["walkers"][1]
    early = _slot(sup, rota.id, GO_LIVE, "early")
    late = _slot(sup, rota.id, date(2026, 11, 4), "late")
    rota_service.assign(sup, rota.id, early, w1.id)
    rota_service.assign(sup, rota.id, late, w2.id)
    rota_service.swap(sup, rota.id, early, late)
    view = rota_service.rota_view(sup, rota.id)
    assert view.slot(early).floorwalker_id == w2.id  # type: ignore[union-attr]
    assert view.slot(late).floorwalker_id == w1.id  # type: ignore[union-attr]
    # w1 now walks the 4th's late (to 22:00). Swapping w1's early on the 6th with w3's
    # early on the 5th would leave w1 only 8 h rest: refused, nothing changes.
    fifth = _slot(sup, rota.id, date(2026, 11, 5), "early")
    sixth = _slot(sup, rota.id, date(2026, 11, 6), "early")
    rota_service.assign(sup, rota.id, fifth, world["walkers"][2].id)
    rota_service.assign(sup, rota.id, sixth, w1.id)
    with pytest.raises(RuleBroken) as refused:
        rota_service.swap(sup, rota.id, sixth, fifth)
    assert [v.rule for v in refused.value.violations] == [Rule.REST]
    view = rota_service.rota_view(sup, rota.id)
    assert view.slot(sixth).floorwalker_id == w1.id  # type: ignore[union-attr]
    # Swapping with a gap moves the person.
    gap = _slot(sup, rota.id, date(2026, 11, 10), "night")
    rota_service.swap(sup, rota.id, sixth, gap)
    view = rota_service.rota_view(sup, rota.id)
    assert view.slot(sixth).floorwalker_id is None  # type: ignore[union-attr]
    assert view.slot(gap).floorwalker_id == w1.id  # type: ignore[union-attr]
    assert "rota_swapped" in _actions(sup.db)


def test_autofill_proposal_saves_nothing_until_accepted(world: dict) -> None:
    sup, rota = world["sup"], world["rota"]
    proposal = rota_service.propose_autofill(sup, rota.id)
    assert rota_service.rota_view(sup, rota.id).coverage.covered == 0
    assert len(proposal.assignments) > 0
    assert {load.name for load in proposal.loads} == {"Walker 1", "Walker 2", "Walker 3"}
    saved = rota_service.accept_proposal(sup, rota.id, proposal)
    view = rota_service.rota_view(sup, rota.id)
    assert view.coverage.covered == saved == len(proposal.assignments)
    assert view.coverage.total - view.coverage.covered == len(proposal.unfilled)
    with pytest.raises(Conflict):
        rota_service.accept_proposal(sup, rota.id, proposal)
    assert _actions(sup.db)[-1] == "rota_autofill_accepted"


def test_on_duty_now(world: dict, clock: FixedClock) -> None:
    sup, rota, w3 = world["sup"], world["rota"], world["walkers"][2]
    night = _slot(sup, rota.id, date(2026, 11, 9), "night")  # 22:00 Mon to 06:00 Tue (GMT)
    rota_service.assign(sup, rota.id, night, w3.id)
    at_3am = Ctx(sup.db, sup.actor, FixedClock(datetime(2026, 11, 10, 3, 0, tzinfo=UTC)))
    (duty,) = rota_service.on_duty_now(at_3am)
    assert (duty.floorwalker_name, duty.shift_code) == ("Walker 3", "night")
    at_7am = Ctx(sup.db, sup.actor, FixedClock(datetime(2026, 11, 10, 7, 0, tzinfo=UTC)))
    assert rota_service.on_duty_now(at_7am) == []


def test_create_rota_validates_input(world: dict) -> None:
    sup = world["sup"]
    cases = {
        "shift_pattern": dict(shift_pattern="nope"),
        "window_days": dict(window_days=0),
        "time_zone": dict(time_zone="Mars/Olympus"),
        "name": dict(name="Phase 1"),
    }
    for field, override in cases.items():
        args: dict = dict(name="New", phase=2, go_live=GO_LIVE, shift_pattern="eln-8h")
        args.update(override)
        with pytest.raises(ValidationFailed) as err:
            rota_service.create_rota(sup, **args)
        assert err.value.field == field
    # "America" is a folder of the zone database (ZoneInfo raised IsADirectoryError).
    with pytest.raises(ValidationFailed) as err:
        rota_service.create_rota(
            sup, name="New", phase=2, go_live=GO_LIVE, shift_pattern="eln-8h", time_zone="America"
        )
    assert err.value.message == "time_zone: 'America' is not a time-zone name " + (
        "such as Europe/London or America/Los_Angeles"
    )


def test_a_forces_own_pattern_file_is_used(
    admin_ctx: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patterns = tmp_path / "patterns.toml"
    patterns.write_text(
        '[patterns.two-on]\ncycle = ["day", "rest"]\n'
        '[patterns.two-on.shifts]\nday = { start = "08:00", end = "18:00" }\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("RCRP_SHIFT_PATTERNS", str(patterns))
    people.add_team(admin_ctx, "Local", "two-on", 0)
    sup = admin_ctx.as_actor(Actor(None, "sup", "Sup", Role.SUPERVISOR))
    info = rota_service.create_rota(
        sup, name="Own", phase=1, go_live=GO_LIVE, shift_pattern="two-on", window_days=4
    )
    view = rota_service.rota_view(admin_ctx, info.id)
    assert [(s.key.day.day, s.shift.hours) for s in view.slots] == [(2, 10.0), (4, 10.0)]
    with pytest.raises(ValidationFailed):
        rota_service.create_rota(
            sup, name="Other", phase=1, go_live=GO_LIVE, shift_pattern="eln-8h"
        )


def test_leave_over_an_assigned_shift_is_a_clash(world: dict, clock: FixedClock) -> None:
    sup, rota, w3 = world["sup"], world["rota"], world["walkers"][2]
    # A night from Monday 9th 22:00 running into leave that starts on Tuesday 10th.
    night = _slot(sup, rota.id, date(2026, 11, 9), "night")
    rota_service.assign(sup, rota.id, night, w3.id)
    before = rota_service.rota_view(sup, rota.id).coverage.covered
    with pytest.raises(RuleBroken) as refused:
        rota_service.add_leave(sup, w3.id, date(2026, 11, 10), date(2026, 11, 12), "training")
    assert [v.rule for v in refused.value.violations] == [Rule.LEAVE]
    assert "Walker 3 is unavailable (training) 10 Nov to 12 Nov" in refused.value.message
    view = rota_service.rota_view(sup, rota.id)
    assert view.slot(night).floorwalker_id == w3.id  # type: ignore[union-attr]
    assert "leave_added" not in _actions(sup.db)

    with pytest.raises(ValidationFailed):  # an override reason must be a real reason
        rota_service.add_leave(
            sup, w3.id, date(2026, 11, 10), date(2026, 11, 12), "training", "x" * 301
        )
    rota_service.add_leave(
        sup, w3.id, date(2026, 11, 10), date(2026, 11, 12), "training", "Course moved"
    )
    view = rota_service.rota_view(sup, rota.id)
    assert view.slot(night).floorwalker_id is None  # type: ignore[union-attr]
    assert view.coverage.covered == before - 1 and night in {s.key for s in view.coverage.gaps}
    at_3am = Ctx(sup.db, sup.actor, FixedClock(datetime(2026, 11, 10, 3, 0, tzinfo=UTC)))
    assert rota_service.on_duty_now(at_3am) == []
    entries = audit.entries(world["admin"], limit=5)
    by_action = {e.action: e for e in entries}
    gone = by_action["rota_unassigned_for_leave"]
    assert gone.before is not None and gone.before["shift_code"] == "night"
    assert gone.after is not None and gone.after["override_reason"] == "Course moved"
    added = by_action["leave_added_override"]
    assert added.after is not None and added.after["override_reason"] == "Course moved"


def test_leave_clear_of_assigned_shifts_needs_no_reason(world: dict) -> None:
    sup, rota, w1 = world["sup"], world["rota"], world["walkers"][0]
    rota_service.assign(sup, rota.id, _slot(sup, rota.id, GO_LIVE, "early"), w1.id)
    # Clear of every shift the walker holds: recorded without a question.
    rota_service.add_leave(sup, w1.id, date(2026, 11, 20), date(2026, 11, 21), "annual_leave")
    assert _actions(sup.db)[-1] == "leave_added"


def test_autofill_audits_each_assignment(world: dict) -> None:
    sup, rota = world["sup"], world["rota"]
    proposal = rota_service.propose_autofill(sup, rota.id)
    saved = rota_service.accept_proposal(sup, rota.id, proposal)
    entries = audit.entries(world["admin"], limit=saved + 5)
    made = [e for e in entries if e.action == "rota_assigned"]
    assert len(made) == saved
    proposed = {
        (a.key.day.isoformat(), a.key.team_id, a.key.code, a.floorwalker_id)
        for a in proposal.assignments
    }
    audited = {
        (e.after["day"], e.after["team_id"], e.after["shift_code"], e.after["floorwalker_user_id"])
        for e in made
        if e.after is not None
    }
    assert audited == proposed
    assert all(e.after and e.after["by"] == "auto-fill" for e in made)
    summary = next(e for e in entries if e.action == "rota_autofill_accepted")
    assert summary.after is not None and len(summary.after["shifts"]) == saved
