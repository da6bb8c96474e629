"""The readiness screen driven with the keyboard: reached from the palette's key and from
Home, phases, blockers only, a manual item edited (a refusal keeps what was typed), the
KPI baseline, roles; and SVG snapshots at 100x30 and 80x24 (fixed clock, data and size)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from syrupy.assertion import SnapshotAssertion
from textual.widgets import DataTable, Input

from rcrp_tui.domain.readiness import ItemStatus
from rcrp_tui.domain.shift_patterns import DEFAULT_TZ as LONDON
from rcrp_tui.services.readiness.briefings import (
    BriefingInput,
    BriefingStatus,
    first_shifts,
    record_briefing,
)
from rcrp_tui.services.readiness.checklist import ItemUpdate, readiness, update_item
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.readiness.readiness import ReadinessScreen
from tests.apphelpers import make_app, rendered_text, settle, sign_in, type_text
from tests.readiness_helpers import PASSWORD, PHASE, Force, audit_actions, build_force
from tests.snapshots import assert_snapshots
from tests.test_home_screen import focus_panel, panel_text


def _seed(db: Database) -> Force:
    force = build_force(db)
    update_item(force.sup, 0, "sro-command", ItemUpdate(ItemStatus.DONE, "ACC Ops"))
    update_item(
        force.sup,
        PHASE,
        "policy",
        ItemUpdate(ItemStatus.IN_PROGRESS, "Policy team", date(2026, 11, 20), "Draft v2"),
    )
    update_item(force.qa, PHASE, "equality-assessment", ItemUpdate(ItemStatus.NOT_APPLICABLE))
    shift = first_shifts(force.sup, PHASE)[-1]
    record_briefing(
        force.sup,
        BriefingInput(
            PHASE, shift.team_id, shift.shift_code, BriefingStatus.PLANNED, "Sgt Duty",
            shift.start - timedelta(minutes=30),
        ),
    )  # fmt: skip
    return force


async def _open(pilot: Any, username: str) -> ReadinessScreen:
    await sign_in(pilot, username, PASSWORD)
    await pilot.press("ctrl+y")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReadinessScreen)
    return screen


def _text(screen: ReadinessScreen, widget_id: str) -> str:
    return rendered_text(screen.query_one(f"#{widget_id}"), width=200)


async def test_moving_between_phases_and_showing_only_blockers(
    db: Database, tmp_path: Path
) -> None:
    _seed(db)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot, "qa")
        # The phase going live next opens first, with its countdown and readiness.
        assert "Phase 2 · AWOL and walk out of healthcare facilities" in _text(
            screen, "readiness-title"
        )
        assert "Phase 2 goes live tomorrow (Wed 25 Nov 2026)" in _text(screen, "readiness-title")
        summary = _text(screen, "readiness-summary")
        assert "Readiness 0% (0 of 12) · key milestones 6% · ✗ 27 blocking go-live" in summary
        table = screen.query_one(DataTable)
        assert table.row_count == 2 + 13 + 16  # two headings, phase 2, key milestones
        # The highlighted item is written out whole underneath.
        assert "Evidence base: AWOL" in _text(screen, "readiness-detail")
        await pilot.press("o")
        assert table.row_count == 2 + 12 + 15
        assert "showing blockers only" in _text(screen, "readiness-summary")
        await pilot.press("o", "right_square_bracket")
        await settle(pilot)
        assert "Phase 3 · Conveyance" in _text(screen, "readiness-title")
        assert "no go-live date" in _text(screen, "readiness-title")
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert "Phase 1 · Concern for welfare" in _text(screen, "readiness-title")


async def test_editing_a_manual_item_keeps_what_was_typed_on_a_refusal(
    db: Database, tmp_path: Path
) -> None:
    force = _seed(db)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, "sup")
        await pilot.press("j")  # the policy item, in progress and overdue
        assert "OVERDUE" in _text(screen, "readiness-detail")
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert dialog.query_one("#item-owner", Input).value == "Policy team"
        await pilot.press("tab", "tab")  # status -> owner -> due
        due = dialog.query_one("#item-due", Input)
        assert app.focused is due
        due.value = ""
        await type_text(pilot, "2026-13-01", paste=False)
        await pilot.press("tab")
        await type_text(pilot, " and a call to 07700 900123", paste=True)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "Due date:" in rendered_text(dialog.query_one("#item-error"), width=120)
        assert due.value == "2026-13-01"  # kept as typed
        due.value = "2026-12-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        # The evidence holds a phone number: refused by the service, the dialog stays.
        assert app.screen is dialog
        error = rendered_text(dialog.query_one("#item-error"), width=120)
        assert "Evidence:" in error and "personal data" in error
        assert dialog.query_one("#item-evidence", Input).value.endswith("07700 900123")
        dialog.query_one("#item-evidence", Input).value = "Draft v3 with legal"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "Draft v3 with legal" in _text(screen, "readiness-detail")
        assert "OVERDUE" not in _text(screen, "readiness-detail")
    item = next(i for i in readiness(force.qa, PHASE).checklist.items if i.key == "policy")
    assert (item.due_on, item.evidence, item.row_version) == (
        date(2026, 12, 1),
        "Draft v3 with legal",
        2,
    )
    assert audit_actions(db)[-1] == "readiness_item_changed"


async def test_an_evidenced_item_is_not_typed_in_and_the_baseline_is_set(
    db: Database, tmp_path: Path
) -> None:
    force = _seed(db)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot, "qa")
        await pilot.press("j", "j", "j")  # training: evidenced
        assert "Where: rcrp-tui training share --phase 2" in _text(screen, "readiness-detail")
        await pilot.press("e")
        await settle(pilot)
        assert app.screen is screen  # no dialog: a notice says where the figure lives
        await pilot.press("b")
        await settle(pilot)
        await type_text(pilot, "2026-09-01", paste=True)
        await pilot.press("tab")
        await type_text(pilot, "2026-10-01", paste=True)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
    report = readiness(force.qa, PHASE)
    assert report.baseline is not None and report.baseline.first_day == date(2026, 9, 1)


async def test_a_floorwalker_cannot_open_it_and_home_counts_down(
    db: Database, tmp_path: Path
) -> None:
    _seed(db)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "fw", PASSWORD)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert not isinstance(app.screen, ReadinessScreen)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "sup", PASSWORD)
        panel = panel_text(pilot, "golive")
        assert "Phase 2 goes live tomorrow (Wed 25 Nov 2026)" in panel
        assert "Readiness 0% · ✗ 27 items blocking go-live" in panel
        coverage = panel_text(pilot, "coverage")
        assert "within 24 h with no go-live briefing planned" in coverage
        await focus_panel(pilot, "golive")  # keys only, as a person would
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReadinessScreen) and app.screen.phase == PHASE


async def test_homes_readiness_key_follows_the_keymap(db: Database, tmp_path: Path) -> None:
    """Home names the readiness screen's key as the user's keymap has it, not "ctrl+y"."""
    _seed(db)
    (tmp_path / "keymap.toml").write_text('"go.readiness" = "ctrl+b"\n', encoding="utf-8")
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "sup", PASSWORD)
        panel = panel_text(pilot, "golive")
        assert "Readiness 0% · ✗ 27 items blocking go-live · ^b" in panel
        assert "ctrl+y" not in panel
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert isinstance(app.screen, ReadinessScreen)


def test_snapshots(snapshot: SnapshotAssertion, db: Database, tmp_path: Path) -> None:
    """Phase 2 at 100x30, then the item dialog; the same screen at 80x24."""
    _seed(db)

    async def screen(pilot: Any) -> None:
        await _open(pilot, "qa")
        await pilot.press("j")
        await settle(pilot)

    async def dialog(pilot: Any) -> None:
        await pilot.press("e")
        await settle(pilot)

    assert_snapshots(
        snapshot, make_app(db, tmp_config=tmp_path), (100, 30),
        [("phase-2", screen), ("item-dialog", dialog)],
    )  # fmt: skip
    assert_snapshots(
        snapshot, make_app(db, tmp_config=tmp_path / "narrow"), (80, 24),
        [("phase-2-80x24", screen)],
    )  # fmt: skip


async def test_a_briefing_is_recorded_from_the_rotas_coverage_view(
    db: Database, tmp_path: Path
) -> None:
    force = build_force(db)
    due = first_shifts(force.sup, PHASE)[0]
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "sup", PASSWORD)
        await pilot.press("f8")
        await settle(pilot)
        rota = app.screen
        assert "within 24 h with no briefing" in rendered_text(
            rota.query_one("#rota-title"), width=200
        )
        await pilot.press("c")  # coverage: one row per team and shift type
        table = rota.query_one("#coverage-table", DataTable)
        row = table.get_row_index(f"{due.team_id}:{due.shift_code}")
        table.move_cursor(row=row)
        await pilot.press("b")
        await settle(pilot)
        dialog = app.screen
        # Offered as the supervisor's own, half an hour before the shift.
        assert dialog.query_one("#briefing-by", Input).value == "Sup"
        when = dialog.query_one("#briefing-at", Input)
        assert (
            when.value == f"{(due.start - timedelta(minutes=30)).astimezone(LONDON):%Y-%m-%d %H:%M}"
        )
        when.value = "tomorrow"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and when.value == "tomorrow"
        assert "is not a time like" in rendered_text(dialog.query_one("#briefing-error"), 120)
        when.value = f"{(due.start - timedelta(minutes=45)).astimezone(LONDON):%Y-%m-%d %H:%M}"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is rota
        cell = table.get_row_at(table.get_row_index(f"{due.team_id}:{due.shift_code}"))[5]
        assert cell.plain == "… planned"
    (stored,) = [s for s in first_shifts(force.sup, PHASE) if s.team_id == due.team_id
                 and s.shift_code == due.shift_code]  # fmt: skip
    assert stored.briefing is not None
    assert stored.briefing.delivered_at == due.start - timedelta(minutes=45)
    assert audit_actions(db)[-1] == "briefing_recorded"


async def test_x_exports_the_report_to_the_folder_given(db: Database, tmp_path: Path) -> None:
    _seed(db)
    out = tmp_path / "board"
    out.mkdir()
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, "sup")
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        path = dialog.query_one("#export-path", Input)
        path.value = str(tmp_path / "missing") + "/"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog  # refused, the path kept as typed
        assert "no such folder" in rendered_text(dialog.query_one("#export-error"), 120)
        path.value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
    (written,) = out.iterdir()
    assert written.name == "rcrp-readiness-phase2-20261124.xlsx"
    assert audit_actions(db)[-1] == "readiness_report_exported"
