"""One form behaviour in every dialog (``ui.common.form``), proved per dialog type at 80x24.

For each dialog: a refusal keeps the dialog open and the text as typed, puts the focus in
the field at fault with the cursor at the end and nothing selected, shows the message in
the user's words on screen right under that field (or its row), refuses text over a limit
with its count instead of cutting it, and Escape on a changed form asks before
discarding (n keeps editing, y closes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.kpis import Period
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.decisions.queries import DecisionFilter
from rcrp_tui.services.rota.state import FloorwalkerInfo
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.appeals.dialogs import LearningActionDialog
from rcrp_tui.ui.appeals.forms import RecordAppealDialog
from rcrp_tui.ui.coaching.note_editor import NoteEditorScreen
from rcrp_tui.ui.common.form import DiscardQuestion, FormBehaviour
from rcrp_tui.ui.decisions.filter_dialog import FilterDialog
from rcrp_tui.ui.kpis.dialogs import PeriodDialog
from rcrp_tui.ui.reviews.dialogs import LiveRiskDialog, TextPromptDialog
from rcrp_tui.ui.rota.dialogs import LeaveDialog, OverrideReasonDialog
from rcrp_tui.ui.rota.export_dialog import ExportDialog
from rcrp_tui.ui.sampling.dialogs import ReasonDialog
from tests.conftest import TEST_ADMIN

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
SIZE = (80, 24)


class Host(App[None]):
    """An empty app that opens one dialog, as the feature screens do."""

    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Ctx:
    folder = tmp_path_factory.mktemp("forms")
    db = Database(f"sqlite:///{folder / 'forms.db'}")
    schema.upgrade(db)
    return Ctx(db, TEST_ADMIN, FixedClock(NOW))


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(3):
        await pilot.pause()


async def paste(pilot: Pilot[None], text: str) -> None:
    """Paste ``text`` into the focused box, as a terminal's bracketed paste arrives."""
    assert pilot.app.focused is not None
    pilot.app.post_message(events.Paste(text))  # the app hands it to the focused box
    await settle(pilot)


async def fill(pilot: Pilot[None], widget_id: str, text: str) -> None:
    field = pilot.app.screen.query_one(f"#{widget_id}")
    field.focus()
    await settle(pilot)
    if isinstance(field, Input):
        field.value = ""
    await paste(pilot, text)


@dataclass
class Case:
    """One dialog type: how to open it, what to type where, how to submit, what it says."""

    name: str
    make: Callable[[Ctx], Screen[Any]]
    entries: list[tuple[str, str]]  # (widget id, text) typed in this order
    submit: str  # the key that submits
    field: str  # the field the refusal is about
    says: str  # a phrase of the message
    error_id: str = "error"


LONG_NOTE = "x" * 1204
CASES = [
    Case(
        "criterion note (text prompt)",
        lambda ctx: TextPromptDialog("Note on C05", "Note"),
        [("text", LONG_NOTE)],
        "enter",
        "text",
        "1,204 of 1,000 characters",
    ),
    Case(
        "live risk",
        lambda ctx: LiveRiskDialog(NOW),
        [("to", "Force Incident Manager"), ("at", "25:99")],
        "enter",
        "at",
        "HH:MM",
    ),
    Case(
        "rota override reason",
        lambda ctx: OverrideReasonDialog(["Over the weekly limit"], True),
        [("reason", "r" * 301)],
        "enter",
        "reason",
        "301 of 300 characters",
    ),
    Case(
        "rota leave",
        lambda ctx: LeaveDialog(
            [FloorwalkerInfo(7, "fw1", "Floorwalker One")], ("annual_leave", "training")
        ),
        [("first", "2026-11-20"), ("last", "2026-11-10")],
        "enter",
        "last",
        "before the first day",
        "leave-error",
    ),
    Case(
        "sample skip reason",
        lambda ctx: ReasonDialog("Skip item 3", "CAD1", lambda reason: None),
        [("reason", "s" * 301)],
        "enter",
        "reason",
        "301 of 300 characters",
    ),
    Case(
        "KPI period",
        lambda ctx: PeriodDialog(
            Period(date(2026, 10, 1), date(2026, 11, 1)),
            Period(date(2026, 9, 1), date(2026, 10, 1)),
        ),
        [("baseline-to", "2026-13-01")],
        "enter",
        "baseline-to",
        "not a date",
        "period-error",
    ),
    Case(
        "decision filter",
        lambda ctx: FilterDialog(DecisionFilter(), ["Team A"]),
        [("date-to", "someday")],
        "ctrl+s",
        "date-to",
        "Date to",
        "filter-error",
    ),
    Case(
        "rota export folder",
        lambda ctx: ExportDialog(Path("/tmp"), lambda choice: "done"),
        [("folder", "   ")],
        "enter",
        "folder",
        "Type a folder",
        "export-error",
    ),
    Case(
        "appeal record form",
        lambda ctx: RecordAppealDialog(ctx),
        [("cad-ref", "CAD260120"), ("themes", "Resources"), ("received-at", "yesterday-ish")],
        "ctrl+s",
        "received-at",
        "Time received",
        "form-error",
    ),
    Case(
        "appeal record form, refused by the service, field at the bottom",
        lambda ctx: RecordAppealDialog(ctx),
        [
            ("cad-ref", "CAD-20261112-0137"),
            ("partner-org", "London Ambulance Service"),
            ("themes", "Resources, " + "t" * 60),
        ],
        "ctrl+s",
        "themes",
        "at most 40 characters",
        "form-error",
    ),
    Case(
        "appeal learning action",
        lambda ctx: LearningActionDialog(ctx, 1),
        [("action", "a" * 501), ("owner", "Team C supervisors"), ("due-date", "2026-12-01")],
        "ctrl+s",
        "action",
        "501 of 500 characters",
        "form-error",
    ),
    Case(
        "coaching note",
        lambda ctx: NoteEditorScreen(ctx, staff_id="CO-101"),
        [("went-well", "w" * 5000)],
        "ctrl+s",
        "went-well",
        "5,000 of 2,000 characters",
        "form-error",
    ),
]


def _anchor(field: Widget, line: Widget) -> Widget:
    """The field, or the row or grid holding it that sits beside the message line."""
    anchor: Widget = field
    while anchor.parent is not line.parent:
        assert isinstance(anchor.parent, Widget)
        anchor = anchor.parent
    return anchor


def _typed(screen: Screen[Any]) -> dict[str, object]:
    assert isinstance(screen, FormBehaviour)
    return screen.form_values()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_a_refusal_keeps_the_dialog_the_text_and_the_place(ctx: Ctx, case: Case) -> None:
    dialog = case.make(ctx)
    app = Host(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for widget_id, text in case.entries:
            await fill(pilot, widget_id, text)
        field = dialog.query_one(f"#{case.field}")
        field.focus()
        await settle(pilot)
        before = _typed(dialog)
        await pilot.press(case.submit)
        await app.workers.wait_for_complete()  # a service's refusal comes from a worker
        await settle(pilot)
        await pilot.pause(0.3)  # the message is scrolled to once it is laid out

        # The dialog stays, with everything as typed (nothing cut, nothing cleared).
        assert app.screen is dialog
        assert app.results == []
        assert _typed(dialog) == before
        # The focus is in the field at fault, the cursor at its end, nothing selected.
        assert dialog.focused is field
        if isinstance(field, Input):
            assert field.selection.is_empty
            assert field.cursor_position == len(field.value)
        else:
            assert isinstance(field, TextArea)
            assert field.selection.is_empty
            assert field.cursor_location == field.document.end
        # The message says it in words, and sits on screen right under the field's line.
        line = dialog.query_one(f"#{case.error_id}", Static)
        message = str(line.render())
        assert case.says in message
        assert "_" not in message.split(":")[0]  # never an internal field name
        height = SIZE[1]
        assert line.region.height > 0 and line.region.bottom <= height
        assert field.region.height > 0 and field.region.bottom <= height
        anchor = _anchor(field, line)
        assert 0 <= line.region.y - anchor.region.bottom <= 1, (line.region, anchor.region)

        # The next key adds to the text: it does not replace it.
        if isinstance(field, Input):
            await pilot.press("backspace")
            await settle(pilot)
            assert field.value == str(before[case.field])[:-1]
            await pilot.press("z")
            await settle(pilot)
            assert field.value == str(before[case.field])[:-1] + "z"

        # Escape on the changed form asks; n goes back to it as it was, y discards.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DiscardQuestion)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is dialog
        assert dialog.focused is not None
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DiscardQuestion)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is not dialog
        assert app.results == [None]


@pytest.mark.parametrize(
    "make",
    [
        lambda ctx: TextPromptDialog("Note", "Note"),
        lambda ctx: OverrideReasonDialog(["Over the limit"], True),
        lambda ctx: NoteEditorScreen(ctx, staff_id="CO-101"),
    ],
    ids=["text prompt", "override reason", "coaching note"],
)
async def test_escape_on_an_unchanged_form_closes_at_once(
    ctx: Ctx, make: Callable[[Ctx], Screen[Any]]
) -> None:
    dialog = make(ctx)
    app = Host(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not dialog
        assert not isinstance(app.screen, DiscardQuestion)
        assert app.results == [None]


async def test_focus_coming_back_to_a_box_selects_nothing() -> None:
    """The personal-data dialog's ``e`` returns to the note: one Backspace must take one
    character, not the whole note (Textual's Input selects all on focus)."""
    note = "Called the mental health team at 10:20"
    dialog = TextPromptDialog("Note on C05", "Note", value=note)
    app = Host(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        box = dialog.query_one("#text", Input)
        assert dialog.focused is box

        class Other(ModalScreen[None]):
            BINDINGS = [("e", "dismiss", "Edit")]

        await app.push_screen(Other())
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert app.screen is dialog and dialog.focused is box
        assert box.selection.is_empty
        await pilot.press("backspace")
        await settle(pilot)
        assert box.value == note[:-1]


async def test_a_multi_line_paste_keeps_every_line(ctx: Ctx) -> None:
    dialog = TextPromptDialog("Note", "Note")
    app = Host(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await paste(pilot, "first line\r\nsecond line\nthird")
        assert dialog.query_one("#text", Input).value == "first line second line third"


async def test_a_service_refusal_names_the_field_in_the_forms_words(ctx: Ctx) -> None:
    dialog = RecordAppealDialog(ctx)
    app = Host(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill(pilot, "partner-org", "London Ambulance Service")
        dialog.show_error("partner_org", "at most 120 characters")
        await settle(pilot)
        line = dialog.query_one("#form-error", Static)
        assert str(line.render()) == "✗ Partner organisation: at most 120 characters."
        assert dialog.focused is dialog.query_one("#partner-org")

    # A form with no mapping for a field still never shows the internal name.
    leave = LeaveDialog([FloorwalkerInfo(7, "fw1", "Floorwalker One")], ("training",))
    app = Host(leave)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        leave.show_validation(ValidationFailed("last_day", "the last day is before the first"))
        await settle(pilot)
        text = str(leave.query_one("#leave-error", Static).render())
        assert text == "✗ Last day: the last day is before the first."
        assert leave.focused is leave.query_one("#last")
