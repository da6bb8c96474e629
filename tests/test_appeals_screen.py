"""The appeals screens driven with the keyboard only: recording a live appeal (with a
refusal shown by field), the stopwatch on a fixed clock, role-dependent keys, and SVG
snapshots of the list and of a live appeal's detail."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from rcrp_tui.domain.appeals import AppealOutcome, AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.appeals import queries as appeal_queries
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.appeals.stopwatch import STOPWATCH_SECONDS
from tests.apphelpers import make_app, seed_small_dataset, settle, sign_in, type_text
from tests.conftest import FIXED_NOW
from tests.snapshots import assert_snapshots


def _as(admin_ctx: Ctx, role: Role) -> Ctx:
    (user,) = [u for u in people.list_users(admin_ctx) if u.role is role]
    return admin_ctx.as_actor(Actor(user.id, user.username, user.display_name, role))


async def _open_appeals(pilot: Any, username: str) -> Any:
    await sign_in(pilot, username)
    await pilot.press("f7")
    await settle(pilot)
    from rcrp_tui.ui.appeals.appeal_list import AppealsScreen

    assert isinstance(pilot.app.screen, AppealsScreen)
    return pilot.app.screen


async def test_record_a_live_appeal_with_keys_only(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    seeded = seed_small_dataset(admin_ctx)
    clock = FixedClock(FIXED_NOW)
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_appeals(pilot, "floorwalker")
        assert screen.check_action("decide", ()) is False  # floorwalkers record, not decide
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, seeded.cad_refs[0].lower())
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = pilot.app.screen
        error = str(form.query_one("#form-error").render())
        assert error.startswith("✗ Partner organisation:")
        assert pilot.app.focused is form.query_one("#partner-org")
        # Back to the partner type (shift+tab twice from the organisation) and pick the trust.
        await pilot.press("shift+tab", "enter", "down", "enter")
        await pilot.press("tab")
        await type_text(pilot, "North London Mental Health Trust")
        await pilot.press("tab", "tab")  # original decision: blank, from the import
        await type_text(pilot, "10:12")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        table = screen.query_one("DataTable")
        assert table.row_count == 1
        assert str(table.get_cell_at((0, 3))) == "⏱ 18 min waiting"
        clock.advance(minutes=5)
        screen.refresh_stopwatches()
        await pilot.pause()
        assert str(table.get_cell_at((0, 3))) == "⏱ 23 min waiting"
        # And the screen's own timer redraws it, with no key pressed.
        clock.advance(minutes=2)
        await pilot.pause(STOPWATCH_SECONDS + 1)
        assert str(table.get_cell_at((0, 3))) == "⏱ 25 min waiting"
    (row,) = appeal_queries.page(_as(admin_ctx, Role.QA_LEAD)).rows
    assert row.route is AppealRoute.LIVE_999
    assert row.partner_type is PartnerType.MENTAL_HEALTH_TRUST
    assert row.received_at == FIXED_NOW - timedelta(minutes=18)
    assert row.decision_id == seeded.decision_ids[0]  # linked at once by CAD reference
    assert row.partner_org == "North London Mental Health Trust"


async def test_supervisor_decides_and_personal_data_needs_a_reason(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    _seed_appeals(admin_ctx)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_appeals(pilot, "supervisor")
        await pilot.press("o")  # open appeals only
        await settle(pilot)
        assert {r.id for r in screen.page.rows} == {1, 4}
        await pilot.press("d")
        await settle(pilot)
        form = pilot.app.screen
        await pilot.press("enter", "down", "enter")  # Overturned — police deployed
        await pilot.press("tab")
        await type_text(pilot, "Caller on 07700 900123: risk to life, units sent.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form  # refused, nothing saved, text kept
        error = str(form.query_one("#form-error").render())
        assert error.startswith("✗ Rationale: this looks like personal data (")
        assert not form.query_one("#override-box").has_class("hidden")
        await pilot.press("ctrl+s")  # a blank reason is refused, by name
        await settle(pilot)
        assert "Reason for saving rationale" in str(form.query_one("#form-error").render())
        assert pilot.app.focused is form.query_one("#override-reason")
        await type_text(pilot, "Ambulance control number, not personal")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
    decided = appeal_queries.get(_as(admin_ctx, Role.QA_LEAD), 4).appeal
    assert decided.outcome is AppealOutcome.OVERTURNED and decided.reviewed_by_role == "supervisor"


async def test_figures_view_and_export(
    admin_ctx: Ctx, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_appeals(admin_ctx)
    monkeypatch.setenv("RCRP_EXPORT_DIR", str(tmp_path / "exports"))
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await _open_appeals(pilot, "supervisor")
        await pilot.press("F")
        await settle(pilot)
        table = pilot.app.screen.query_one("DataTable")
        assert table.row_count == 13  # twelve London months and the total
        # November 2026: 120 seeded decisions, one in five deployed, so 96 not deployed;
        # four appeals; the one decided live appeal took 9 minutes.
        assert [str(c) for c in table.get_row_at(11)][:4] == ["2026-11", "96", "4", "4.2"]
        assert str(table.get_cell_at((11, 7))) == "9.0"  # median minutes, live appeals
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert str(table.get_cell_at((11, 0))) == "2026-10"
    exported = sorted(p.name for p in (tmp_path / "exports").iterdir())
    assert exported == ["appeals-20251201-20261201.csv", "appeals-20251201-20261201.md"]


async def test_filter_by_category_then_add_themes_and_a_learning_action(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    _seed_appeals(admin_ctx)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_appeals(pilot, "supervisor")
        await pilot.press("f")
        await settle(pilot)
        # Any category -> Concern for welfare -> Walk-out from healthcare.
        await pilot.press("enter", "down", "down", "enter", "ctrl+s")
        await settle(pilot)
        assert [r.id for r in screen.page.rows] == [4, 2]
        assert "Walk-out from healthcare" in str(screen.query_one("#appeal-filter").render())
        await pilot.press("enter")  # open appeal 4
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        await type_text(pilot, "Human error, night cover")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        await type_text(pilot, "Brief night teams on walk-out risk")
        await pilot.press("tab")
        await type_text(pilot, "Team A supervisors")
        await pilot.press("tab")
        await type_text(pilot, "2026-12-15")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "AppealDetailScreen"  # back on the detail
        await pilot.press("x")
        await settle(pilot)
        await type_text(pilot, "2")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "from 1 to 1" in str(pilot.app.screen.query_one("#form-error").render())
        await pilot.press("backspace", "1", "ctrl+s")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await type_text(pilot, "TEST-CAD")
        await pilot.press("ctrl+s")
        await settle(pilot)
    detail = appeal_queries.get(_as(admin_ctx, Role.QA_LEAD), 4)
    assert detail.appeal.themes == ("human_error", "night cover")
    assert detail.appeal.source_system == "TEST-CAD" and detail.decision is not None
    assert [(a.owner, str(a.due_date), a.done_at) for a in detail.learning_actions] == [
        ("Team A supervisors", "2026-12-15", FIXED_NOW)
    ]


def _seed_appeals(admin_ctx: Ctx) -> None:
    seeded = seed_small_dataset(admin_ctx)
    sup = _as(admin_ctx, Role.SUPERVISOR)
    specs = [
        (seeded.cad_refs[5], AppealRoute.LIVE_999, PartnerType.AMBULANCE, 95, None),
        (seeded.cad_refs[9], AppealRoute.POST_INCIDENT, PartnerType.SOCIAL_CARE, 60 * 26,
         AppealOutcome.UPHELD),
        ("CAD999001", AppealRoute.LIVE_999, PartnerType.ACUTE_HOSPITAL, 60 * 5,
         AppealOutcome.PARTLY_UPHELD),
        (seeded.cad_refs[1], AppealRoute.LIVE_999, PartnerType.MENTAL_HEALTH_TRUST, 14, None),
    ]  # fmt: skip
    for n, (ref, route, partner, minutes_ago, outcome) in enumerate(specs, start=1):
        received = FIXED_NOW - timedelta(minutes=minutes_ago)
        appeals.record_appeal(
            sup,
            AppealInput(
                cad_ref=ref,
                route=route,
                partner_type=partner,
                partner_org=f"{partner.label} partner {n}",
                original_decision="signposted",
                received_at=received,
                themes=("resources",) if n % 2 else (),
            ),
        )
        if outcome is not None:
            appeals.decide_appeal(
                sup,
                n,
                outcome=outcome,
                rationale="Reviewed against the threshold [bold]as typed[/bold].",
                expected_version=1,
                decided_at=received + timedelta(minutes=9),
            )


def test_snapshots(
    snapshot: SnapshotAssertion, admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    """The appeals list, then (enter) the newest appeal's detail, from one run of the app."""
    _seed_appeals(admin_ctx)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)

    async def appeal_list(pilot: Any) -> None:
        await _open_appeals(pilot, "supervisor")

    async def live_detail(pilot: Any) -> None:
        await pilot.press("enter")  # the newest: live, open, waiting 14 minutes
        await settle(pilot)

    steps = [("list", appeal_list), ("live-detail", live_detail)]
    assert_snapshots(snapshot, app, (140, 36), steps)


async def test_the_appeal_forms_read_as_sentences_and_name_an_impossible_day(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    seeded = seed_small_dataset(admin_ctx)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await _open_appeals(pilot, "supervisor")
        await pilot.press("a")
        await settle(pilot)
        form = pilot.app.screen
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(form.query_one("#form-error").render())
        assert error.startswith("✗ CAD reference is empty: type the CAD reference"), error
        await type_text(pilot, seeded.cad_refs[0])
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "London Ambulance Service")
        await pilot.press("tab", "tab")
        await type_text(pilot, "2099-01-01 10:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(form.query_one("#form-error").render())
        assert error == "✗ Time received is in the future.", error
        await pilot.press("escape", "y")  # discard the form
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        pilot.app.screen.query_one("#date-from").focus()
        await type_text(pilot, "2026-02-31")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(pilot.app.screen.query_one("#form-error").render())
        assert error.startswith("✗ From: there is no day 31 in February 2026"), error
