"""The rota screen driven with the keyboard: weeks, assign, override, swap, auto-fill, and
SVG snapshots of the week and coverage views (fixed clock, fixed data, fixed size)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.rota import planning as rota_service
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.rota.grid import WeekGrid
from tests.apphelpers import DEMO_PASSWORD, make_app, rendered_text, settle, sign_in, type_text
from tests.snapshots import assert_snapshots

GO_LIVE = date(2026, 11, 16)  # the fixed clock (24 November) falls in week 2


def _seed(ctx: Ctx) -> int:
    for i, name in enumerate("ABCDE"):
        people.add_team(ctx, f"Rota {name}", "eln-8h", i * 2)
    people.add_user(
        ctx, username="sup", display_name="Sam Sup", role=Role.SUPERVISOR, password=DEMO_PASSWORD
    )
    for n, name in enumerate(("Ash", "Bea", "Cal"), start=1):
        people.add_user(
            ctx,
            username=f"fw{n}",
            display_name=name,
            role=Role.FLOORWALKER,
            password=DEMO_PASSWORD,
        )
    rota = rota_service.create_rota(
        _sup(ctx), name="Phase 1 go-live", phase=1, go_live=GO_LIVE, shift_pattern="eln-8h"
    )
    return rota.id


def _sup(ctx: Ctx) -> Ctx:
    (user,) = [u for u in people.list_users(ctx) if u.username == "sup"]
    return ctx.as_actor(Actor(user.id, "sup", "Sam Sup", Role.SUPERVISOR))


def _walker(ctx: Ctx, name: str) -> int:
    return next(w.id for w in rota_service.list_floorwalkers(ctx) if w.display_name == name)


async def _open_rota(pilot: Any, username: str = "sup") -> Any:
    await sign_in(pilot, username)
    await pilot.press("f8")
    await settle(pilot)
    from rcrp_tui.ui.rota.week import RotaScreen

    assert isinstance(pilot.app.screen, RotaScreen)
    return pilot.app.screen


def _title(screen: Any) -> str:
    return str(screen.query_one("#rota-title").render())


def _view(ctx: Ctx, rota_id: int) -> rota_service.RotaView:
    return rota_service.rota_view(ctx, rota_id)


async def test_moving_week_by_week_coverage_and_export_with_keys(
    admin_ctx: Ctx, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(admin_ctx)
    out = tmp_path / "exports"
    out.mkdir()
    monkeypatch.setenv("RCRP_EXPORT_DIR", str(out))  # the folder the export dialog offers
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_rota(pilot)
        assert "week 2 of 6: Mon 23 Nov to Sun 29 Nov 2026" in _title(screen)
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert "week 4 of 6" in _title(screen)
        for _ in range(5):
            await pilot.press("left_square_bracket")
        assert "week 1 of 6: Mon 16 Nov" in _title(screen)
        await pilot.press("t")
        assert "week 2 of 6" in _title(screen)
        await pilot.press("c")
        assert screen.query_one("#rota-views").current == "coverage"
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
    assert sorted(p.name for p in out.iterdir()) == ["Phase-1-go-live.csv", "Phase-1-go-live.md"]


async def test_assign_from_the_list_unassign_then_autofill(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    rota_id = _seed(admin_ctx)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_rota(pilot)
        slot = screen.query_one("WeekGrid").selected_slot()
        assert slot is not None and slot.key.day == date(2026, 11, 23)
        await pilot.press("a")
        await settle(pilot)
        from rcrp_tui.ui.rota.dialogs import PastShiftsDialog

        # 23 November has already started (the clock says the 24th): asked first.
        assert isinstance(app.screen, PastShiftsDialog)
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("down", "enter")  # the second name in the list
        await settle(pilot)
        assigned = _view(admin_ctx, rota_id).slot(slot.key)
        assert assigned is not None and assigned.floorwalker_name == "Bea"
        assert "Bea" in str(screen.query_one("WeekGrid").get_cell_at((0, 1)))
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, PastShiftsDialog)
        await pilot.press("n")  # no: nothing changes
        await settle(pilot)
        assert _view(admin_ctx, rota_id).slot(slot.key).floorwalker_name == "Bea"  # type: ignore[union-attr]
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert _view(admin_ctx, rota_id).slot(slot.key).floorwalker_id is None  # type: ignore[union-attr]
        await pilot.press("f")
        await settle(pilot)
        from rcrp_tui.ui.rota.dialogs import AutofillReviewDialog

        assert isinstance(app.screen, AutofillReviewDialog)
        assert _view(admin_ctx, rota_id).coverage.covered == 0  # nothing saved yet
        await pilot.press("a")
        await settle(pilot)
        # The proposal fills shifts that have already started: asked first, like a, u, s.
        assert isinstance(app.screen, PastShiftsDialog)
        await pilot.press("n")
        await settle(pilot)
        assert _view(admin_ctx, rota_id).coverage.covered == 0
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PastShiftsDialog)
        await pilot.press("y")
        await settle(pilot)
        covered = _view(admin_ctx, rota_id).coverage.covered
        assert covered > 100
        assert f"({covered}/126)" in _title(screen)


async def test_leave_over_an_assigned_shift_needs_a_reason_and_leaves_a_gap(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    rota_id = _seed(admin_ctx)
    sup = _sup(admin_ctx)
    view = _view(admin_ctx, rota_id)
    night = next(
        s.key for s in view.slots if s.key.day == date(2026, 11, 26) and s.key.code == "night"
    )
    bea = _walker(admin_ctx, "Bea")
    rota_service.assign(sup, rota_id, night, bea)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_rota(pilot)
        assert "(1/126)" in _title(screen)
        await pilot.press("L")
        await settle(pilot)
        from textual.widgets import Select

        from rcrp_tui.ui.rota.dialogs import LeaveDialog, OverrideReasonDialog

        assert isinstance(app.screen, LeaveDialog)
        app.screen.query_one("#who", Select).value = bea
        app.screen.query_one("#first").focus()
        await type_text(pilot, "2026-11-27")  # the night of the 26th runs into it
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OverrideReasonDialog)
        await type_text(pilot, "Course moved")
        await pilot.press("enter")
        await settle(pilot)
        assert _view(admin_ctx, rota_id).slot(night).floorwalker_id is None  # type: ignore[union-attr]
        assert "(0/126)" in _title(screen)


async def test_leave_names_a_day_that_does_not_exist_and_stays_open(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    _seed(admin_ctx)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await _open_rota(pilot)
        await pilot.press("L")
        await settle(pilot)
        from textual.widgets import Static

        from rcrp_tui.ui.rota.dialogs import LeaveDialog

        assert isinstance(app.screen, LeaveDialog)
        app.screen.query_one("#first").focus()
        await type_text(pilot, "2026-02-31")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LeaveDialog)
        shown = rendered_text(app.screen.query_one("#leave-error", Static), width=200)
        assert shown.startswith("✗ First day: there is no day 31 in February 2026"), shown


async def test_rule_break_needs_an_override_reason(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    rota_id = _seed(admin_ctx)
    sup = _sup(admin_ctx)
    view = _view(admin_ctx, rota_id)
    late = next(
        s.key for s in view.slots if s.key.day == date(2026, 11, 22) and s.key.code == "late"
    )
    rota_service.assign(sup, rota_id, late, _walker(admin_ctx, "Ash"))
    early = next(
        s.key for s in view.slots if s.key.day == date(2026, 11, 23) and s.key.code == "early"
    )
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_rota(pilot)
        assert screen.query_one("WeekGrid").selected_slot().key == early
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")  # the shift has already started: change it anyway
        await settle(pilot)
        from rcrp_tui.ui.rota.dialogs import FloorwalkerPicker

        assert isinstance(app.screen, FloorwalkerPicker)
        options = app.screen.query_one("OptionList")
        first = str(options.get_option_at_index(0).prompt)
        assert first.startswith("✗ Ash (fw1) · 1 shift") and "8 h rest" in first
        assert str(options.get_option_at_index(1).prompt).startswith("✓ Bea (fw2) · 0 shifts")
        await pilot.press("enter")  # Ash: first by name, highlighted
        await settle(pilot)
        from rcrp_tui.ui.rota.dialogs import OverrideReasonDialog

        assert isinstance(app.screen, OverrideReasonDialog)
        await type_text(pilot, "cover for sickness")
        await pilot.press("enter")
        await settle(pilot)
    saved = _view(admin_ctx, rota_id).slot(early)
    assert saved is not None and saved.floorwalker_name == "Ash"
    assert saved.override_reason == "cover for sickness"


async def test_swap_by_marking_two_shifts(admin_ctx: Ctx, db: Database, tmp_path: Path) -> None:
    rota_id = _seed(admin_ctx)
    sup = _sup(admin_ctx)
    view = _view(admin_ctx, rota_id)
    early_mon = next(
        s.key for s in view.slots if s.key.day == date(2026, 11, 23) and s.key.code == "early"
    )
    early_tue = next(
        s.key for s in view.slots if s.key.day == date(2026, 11, 24) and s.key.code == "early"
    )
    ash, bea = _walker(admin_ctx, "Ash"), _walker(admin_ctx, "Bea")
    rota_service.assign(sup, rota_id, early_mon, ash)
    rota_service.assign(sup, rota_id, early_tue, bea)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_rota(pilot)
        await pilot.press("s")
        assert "⇄ Swap: marked Mon 23 Nov early" in str(screen.query_one("#rota-status").render())
        await pilot.press("j", "s")
        await settle(pilot)
        # Both shifts have started by the fixed clock: confirm the change to the record.
        from rcrp_tui.ui.rota.dialogs import PastShiftsDialog

        assert isinstance(app.screen, PastShiftsDialog)
        await pilot.press("y")
        await settle(pilot)
        # Leave for Ash (first in the list) on Thursday 26 November.
        await pilot.press("L")
        await settle(pilot)
        await pilot.press("tab")
        await type_text(pilot, "2026-11-26")
        await pilot.press("tab")
        await type_text(pilot, "2026-11-26")
        await pilot.press("enter")
        await settle(pilot)
    after = _view(admin_ctx, rota_id)
    assert after.slot(early_mon).floorwalker_id == bea  # type: ignore[union-attr]
    assert after.slot(early_tue).floorwalker_id == ash  # type: ignore[union-attr]
    thursday = next(s.key for s in after.slots if s.key.day == date(2026, 11, 26))
    (ash_offer,) = [
        c for c in rota_service.candidates(sup, rota_id, thursday) if c.floorwalker.id == ash
    ]
    assert "Ash is unavailable (annual leave) 26 Nov to 26 Nov" in ash_offer.problems[0]


async def test_floorwalker_sees_the_rota_but_cannot_change_it(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    rota_id = _seed(admin_ctx)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_rota(pilot, "fw1")
        await pilot.press("a", "f")
        await settle(pilot)
        assert app.screen is screen
    assert _view(admin_ctx, rota_id).coverage.covered == 0


def _snapshot_app(admin_ctx: Ctx, db: Database, tmp_path: Path) -> Any:
    rota_id = _seed(admin_ctx)
    sup = _sup(admin_ctx)
    view = _view(admin_ctx, rota_id)
    names = ["Ash", "Bea", "Cal"]
    # A fixed, partial rota: earlies covered all week 2, one night, the rest gaps.
    for n, slot in enumerate(s for s in view.slots if s.key.code == "early"):
        if slot.key.day <= date(2026, 11, 29):
            rota_service.assign(sup, rota_id, slot.key, _walker(admin_ctx, names[n % 2]))
    night = next(
        s.key for s in view.slots if s.key.day == date(2026, 11, 24) and s.key.code == "night"
    )
    rota_service.assign(sup, rota_id, night, _walker(admin_ctx, "Cal"))
    return make_app(db, tmp_config=tmp_path)


def test_snapshots(
    snapshot: SnapshotAssertion, admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    """The week grid, then (c) the coverage view, from one run of the app."""

    async def week(pilot: Any) -> None:
        await _open_rota(pilot)
        await settle(pilot)

    async def coverage(pilot: Any) -> None:
        await pilot.press("c")
        await settle(pilot)

    app = _snapshot_app(admin_ctx, db, tmp_path)
    assert_snapshots(snapshot, app, (140, 36), [("week", week), ("coverage", coverage)])


async def test_a_pattern_with_a_shift_called_day_opens(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    """The 12-hour pattern names its shifts "day" and "night": the grid's date column must
    not clash with a shift column."""
    for i, name in enumerate("AB"):
        people.add_team(admin_ctx, f"Twelve {name}", "2d2n4off-12h", i * 2)
    people.add_user(
        admin_ctx,
        username="sup",
        display_name="Sam Sup",
        role=Role.SUPERVISOR,
        password=DEMO_PASSWORD,
    )
    rota = rota_service.create_rota(
        _sup(admin_ctx),
        name="Twelve-hour",
        phase=1,
        go_live=GO_LIVE,
        shift_pattern="2d2n4off-12h",
    )
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_rota(pilot)
        assert rota.name in _title(screen)
        grid = screen.query_one(WeekGrid)
        labels = [str(column.label) for column in grid.columns.values()]
        assert labels[0] == "Day" and any(label.startswith("day ") for label in labels)
