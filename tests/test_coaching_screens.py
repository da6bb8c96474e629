"""The note editor and the development record driven with keys only, plus snapshots.

Update snapshots after an intended change with
``pytest tests/test_coaching_screens.py --snapshot-update`` and look at them first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.coaching import NoteStatus, Theme, Visibility
from rcrp_tui.services.coaching import notes as coaching
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.free_text import OVERRIDE_ACTION
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.coaching.cpd import CpdScreen
from rcrp_tui.ui.coaching.note_editor import NoteEditorScreen
from rcrp_tui.ui.common.personal_data_dialog import PersonalDataDialog
from tests.apphelpers import make_app, settle, sign_in, type_text
from tests.coaching_helpers import build_team_scene
from tests.review_helpers import PASSWORD, Cast, build_cast

Before = Callable[[Pilot[Any]], Awaitable[None]]


def _scene(db: Database, clock: FixedClock) -> Cast:
    cast = build_cast(db, clock)
    build_team_scene(cast, clock)
    return cast


async def _steady(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


async def _type(pilot: Pilot[Any], text: str) -> None:
    # A text area takes keys one by one (a posted paste reaches it twice).
    paste = not isinstance(pilot.app.screen.focused, TextArea)
    await type_text(pilot, text, paste=paste)


async def test_supervisor_writes_a_note_from_an_officers_record(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = _scene(db, clock)
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "sup.red", PASSWORD)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, CpdScreen) and not app.screen.showing_record
        await pilot.press("enter")  # CO-101, the first row
        await settle(pilot)
        assert isinstance(app.screen, CpdScreen) and app.screen.staff_id == "CO-101"
        await pilot.press("c")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, NoteEditorScreen) and editor.staff_id == "CO-101"
        await pilot.press("enter", "home", "down", "enter")  # theme: the second, Guidelines
        await pilot.press("tab")
        await _type(pilot, "c05")
        await pilot.press("tab")
        await _type(pilot, "Clear, calm questions.")
        await pilot.press("tab")
        await _type(pilot, "Record the [bold]Article 2[/bold] test.")
        await pilot.press("tab")
        await _type(pilot, "Re-read toolkit section 3.")
        await pilot.press("tab")
        await _type(pilot, "2026-11-01")  # in the past: refused, naming the field
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = editor.query_one("#form-error", Static)
        assert "Follow-up date: 2026-11-01 is in the past" in str(error.content)
        assert editor.query_one("#follow-up", Input).has_focus
        await pilot.press("ctrl+u")
        await _type(pilot, "2026-12-03")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CpdScreen)
    [note] = coaching.list_notes(cast.qa, staff_id="CO-101", statuses=(NoteStatus.OPEN,))[:1]
    assert note.theme is Theme.GUIDELINES and note.criteria == ("C05",)
    assert note.to_develop == "Record the [bold]Article 2[/bold] test."
    assert note.follow_up_on is not None and note.follow_up_on.isoformat() == "2026-12-03"
    assert note.author == "Sup Red" and note.visibility is Visibility.NORMAL


async def test_floorwalker_writes_a_note_from_the_review_screen_with_keys(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = build_cast(db, clock)
    assert cast.floorwalker.actor.username == "fw.one"  # accounts are made on first use
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "fw.one", PASSWORD)
        app.open_destination("review", decision_id=cast.decision_id)
        await settle(pilot)
        review = app.screen
        await pilot.press("c")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, NoteEditorScreen) and editor.staff_id == "CO-101"
        assert editor.review_id is not None
        await pilot.press("tab")
        await _type(pilot, "C05")
        await pilot.press("tab", "tab")
        await _type(pilot, "Ask about Article 2 first.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is review
    [note] = coaching.list_notes(cast.qa)
    assert note.review_id == editor.review_id and note.criteria == ("C05",)
    assert note.theme is Theme.BETTER_PRACTICE and note.went_well == ""


async def test_personal_data_opens_the_dialog_and_saves_with_a_reason(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = build_cast(db, clock)
    assert cast.floorwalker.actor.username == "fw.one"  # accounts are made on first use
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "fw.one", PASSWORD)
        app.open_destination("coaching_note", staff_id="CO-101")
        await settle(pilot)
        await pilot.press("tab", "tab", "tab")  # theme -> criteria -> went well -> develop
        await _type(pilot, "Caller Mrs Jones was not asked about risk.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonalDataDialog)
        await pilot.press("e")  # back to editing: nothing saved
        await settle(pilot)
        assert isinstance(app.screen, NoteEditorScreen)
        assert coaching.list_notes(cast.qa) == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("o", *"Name is the caller's role title", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, (NoteEditorScreen, PersonalDataDialog))
    [note] = coaching.list_notes(cast.qa)
    trail = audit.entries(cast.admin, entity="coaching_note", entity_id=note.id)
    assert OVERRIDE_ACTION in {e.action for e in trail}


async def test_officer_acknowledges_their_note_from_their_record(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = _scene(db, clock)
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "co.101", PASSWORD)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, CpdScreen) and app.screen.staff_id == "CO-101"
        await pilot.press("j")  # the closed note is newest; the open one is next
        await pilot.press("a")
        await settle(pilot)
        await _type(pilot, "Will re-read it this week.")
        await pilot.press("enter")
        await settle(pilot)
    acked = coaching.list_notes(cast.officer, statuses=(NoteStatus.ACKNOWLEDGED,))
    assert [n.acknowledgement_comment for n in acked] == ["Will re-read it this week."]


def _signed_in(user: str, *keys: str) -> Before:
    async def run_before(pilot: Pilot[Any]) -> None:
        await sign_in(pilot, user, PASSWORD)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await _steady(pilot)

    return run_before


def test_snapshot_team_table(
    snap_compare: Any, db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    _scene(db, clock)
    app = make_app(db, clock, tmp_config=tmp_path)
    assert snap_compare(app, terminal_size=(110, 30), run_before=_signed_in("sup.red", "f6"))


def test_snapshot_cpd_record(
    snap_compare: Any, db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    _scene(db, clock)
    app = make_app(db, clock, tmp_config=tmp_path)
    before = _signed_in("sup.red", "f6", "enter")
    assert snap_compare(app, terminal_size=(110, 44), run_before=before)


def test_snapshot_note_editor(
    snap_compare: Any, db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    _scene(db, clock)
    app = make_app(db, clock, tmp_config=tmp_path)
    before = _signed_in("sup.red", "f6", "enter", "c")
    assert snap_compare(app, terminal_size=(100, 40), run_before=before)


async def test_personal_data_in_an_acknowledgement_asks_for_a_reason(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = _scene(db, clock)
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "co.101", PASSWORD)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("j", "a")
        await settle(pilot)
        await _type(pilot, "Dr Patel went through it with me.")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonalDataDialog)
        await pilot.press("o", *"Names the trainer, not a caller", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CpdScreen)
    [note] = coaching.list_notes(cast.officer, statuses=(NoteStatus.ACKNOWLEDGED,))
    assert note.acknowledgement_comment == "Dr Patel went through it with me."
    trail = audit.entries(cast.admin, entity="coaching_note", entity_id=note.id)
    assert OVERRIDE_ACTION in {e.action for e in trail}


async def test_floorwalker_sees_their_overdue_follow_ups(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    _scene(db, clock)
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "fw.one", PASSWORD)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CpdScreen) and not screen.showing_record
        summary = str(screen.query_one("#cpd-summary", Static).content)
        assert "Overdue follow-ups: 1" in summary and "Re-read toolkit C05." in summary
        assert not screen.query_one("#cpd-table").display
        await pilot.press("c")  # no officer chosen: nothing to write about here
        await settle(pilot)
        assert app.screen is screen


@pytest.mark.parametrize(
    ("name", "shown"),
    [("Team A", "Team A"), ("team blue", "team blue"), ("A", "Team A"), (None, "Team —")],
)
def test_a_team_named_team_something_is_not_called_team_team(name: str | None, shown: str) -> None:
    from rcrp_tui.ui.coaching.cpd import team_label

    assert team_label(name) == shown
