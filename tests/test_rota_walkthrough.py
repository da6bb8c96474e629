"""Rota screen fixes: the auto-fill proposal lists its shifts, the export dialog starts in
the user's folders and keeps a refused folder on screen, a swap of past shifts asks first,
and an override reason may not carry personal data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from rcrp_tui.domain.rota import SlotKey
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.rota import planning as rota_service
from rcrp_tui.settings import default_export_folder
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.rota.dialogs import AutofillReviewDialog, OverrideReasonDialog, PastShiftsDialog
from rcrp_tui.ui.rota.export_dialog import ExportDialog
from tests.apphelpers import make_app, settle, type_text
from tests.test_rota_screen import _open_rota, _seed, _sup, _view, _walker

SIZE = (140, 40)


async def test_autofill_proposal_lists_each_proposed_shift(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    rota_id = _seed(admin_ctx)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_rota(pilot)
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AutofillReviewDialog)
        proposed = dialog.query_one("#proposed", DataTable)
        rows = dialog.proposed_rows()
        assert proposed.row_count == len(rows) > 100
        assert proposed.has_focus  # arrows scroll through the shifts at once
        # In time order: the window's first shift is Rota A's first early (its briefing, *).
        assert rows[0] == ("Mon 16 Nov", "Rota A", "early", "06:00-14:00", rows[0][4], "*")
        assert all(row[4] in {"Ash", "Bea", "Cal"} for row in rows)
        assert any("*" in row[5] for row in rows) and any("N" in row[5] for row in rows)
        await pilot.press(*["down"] * 30)
        await pilot.pause()
        assert proposed.cursor_row == 30 and proposed.scroll_offset.y > 0  # it scrolls
        await pilot.press("escape")
        await settle(pilot)
    assert _view(admin_ctx, rota_id).coverage.covered == 0  # discarded: nothing saved


def test_default_export_folder_is_the_users_not_the_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RCRP_EXPORT_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    elsewhere = tmp_path / "where-the-program-started"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert default_export_folder() == tmp_path
    (tmp_path / "Documents").mkdir()
    assert default_export_folder() == tmp_path / "Documents"
    monkeypatch.setenv("RCRP_EXPORT_DIR", str(tmp_path / "rota-out"))
    assert default_export_folder() == tmp_path / "rota-out"


async def test_a_refused_export_folder_keeps_the_dialog_and_what_was_typed(
    admin_ctx: Ctx, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(admin_ctx)
    monkeypatch.delenv("RCRP_EXPORT_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    good = tmp_path / "Documents"
    good.mkdir()
    missing = str(tmp_path / "no-such-folder")
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_rota(pilot)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        folder = dialog.query_one("#folder", Input)
        assert folder.value == str(good)
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, missing)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog and folder.value == missing
        error = str(dialog.query_one("#export-error", Static).render())
        assert "does not exist" in error and "no-such-folder" in error
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, str(good))
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is not dialog
    assert {p.suffix for p in good.iterdir()} == {".csv", ".md"}


async def test_swapping_past_shifts_warns_and_can_be_refused(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    rota_id = _seed(admin_ctx)
    sup = _sup(admin_ctx)
    view = _view(admin_ctx, rota_id)
    mon, tue = (
        next(s.key for s in view.slots if s.key.day == day and s.key.code == "early")
        for day in (date(2026, 11, 23), date(2026, 11, 24))
    )
    ash, bea = _walker(admin_ctx, "Ash"), _walker(admin_ctx, "Bea")
    rota_service.assign(sup, rota_id, mon, ash)
    rota_service.assign(sup, rota_id, tue, bea)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_rota(pilot)
        await pilot.press("s", "j", "s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PastShiftsDialog)
        text = str(dialog.query_one(".violations", Static).render())
        assert "early on Mon 23 Nov" in text and "has already started" in text
        await pilot.press("n")
        await settle(pilot)
    after = _view(admin_ctx, rota_id)
    assert after.slot(mon).floorwalker_id == ash  # type: ignore[union-attr]
    assert after.slot(tue).floorwalker_id == bea  # type: ignore[union-attr]


async def test_swapping_future_shifts_asks_nothing(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    rota_id = _seed(admin_ctx)
    sup = _sup(admin_ctx)
    view = _view(admin_ctx, rota_id)
    wed, thu = (
        next(s.key for s in view.slots if s.key.day == day and s.key.code == "early")
        for day in (date(2026, 11, 25), date(2026, 11, 26))
    )
    ash, bea = _walker(admin_ctx, "Ash"), _walker(admin_ctx, "Bea")
    rota_service.assign(sup, rota_id, wed, ash)
    rota_service.assign(sup, rota_id, thu, bea)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_rota(pilot)
        await pilot.press("j", "j", "s", "j", "s")
        await settle(pilot)
        assert not isinstance(app.screen, PastShiftsDialog)
    after = _view(admin_ctx, rota_id)
    assert after.slot(wed).floorwalker_id == bea  # type: ignore[union-attr]
    assert after.slot(thu).floorwalker_id == ash  # type: ignore[union-attr]


def _rest_clash(admin_ctx: Ctx, rota_id: int) -> tuple[Ctx, SlotKey, int]:
    """Ash on Sunday's late, so Monday's early breaks the rest rule for Ash."""
    sup = _sup(admin_ctx)
    view = _view(admin_ctx, rota_id)
    late, early = (
        next(s.key for s in view.slots if s.key.day == day and s.key.code == code)
        for day, code in ((date(2026, 11, 22), "late"), (date(2026, 11, 23), "early"))
    )
    ash = _walker(admin_ctx, "Ash")
    rota_service.assign(sup, rota_id, late, ash)
    return sup, early, ash


def test_an_override_reason_with_personal_data_is_refused(admin_ctx: Ctx) -> None:
    rota_id = _seed(admin_ctx)
    sup, early, ash = _rest_clash(admin_ctx, rota_id)
    with pytest.raises(ValidationFailed, match="without personal data"):
        rota_service.assign(sup, rota_id, early, ash, override_reason="covering for Mrs Jones")
    assert _view(admin_ctx, rota_id).slot(early).floorwalker_id is None  # type: ignore[union-attr]
    rota_service.assign(sup, rota_id, early, ash, override_reason="covering sickness")
    assert _view(admin_ctx, rota_id).slot(early).floorwalker_id == ash  # type: ignore[union-attr]


async def test_override_dialog_keeps_a_reason_with_personal_data_for_rewording(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    rota_id = _seed(admin_ctx)
    _sup_ctx, early, ash = _rest_clash(admin_ctx, rota_id)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_rota(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")  # yes: the shift (23 Nov) has already started
        await settle(pilot)
        await pilot.press("enter")  # Ash, who would break the rest rule
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, OverrideReasonDialog)
        await type_text(pilot, "covering for Mrs Jones")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        assert dialog.query_one("#reason", Input).value == "covering for Mrs Jones"
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "covering sickness")
        await pilot.press("enter")
        await settle(pilot)
    saved = _view(admin_ctx, rota_id).slot(early)
    assert saved is not None and saved.floorwalker_id == ash
    assert saved.override_reason == "covering sickness"
