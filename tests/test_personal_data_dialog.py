"""The personal-data dialog, driven with keys inside a tiny host app, and its snapshot."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input, Static

from rcrp_tui.domain.personal_data import scan
from rcrp_tui.services.core.free_text import PersonalDataFound
from rcrp_tui.ui.common.personal_data_dialog import PersonalDataDialog, highlighted_text

TEXT = "[bold]Mr Jones[/bold] rang from 07700 900123 about CAD-20261005-0042 [@click=app.quit]"
NO_RESULT = "not dismissed"


class DialogHost(App[None]):
    """Pushes the dialog on start and keeps what it dismissed with."""

    def __init__(self, text: str = TEXT) -> None:
        super().__init__()
        self.text = text
        self.result: str | None = NO_RESULT

    def compose(self) -> ComposeResult:
        yield Static("Coaching note editor")

    def on_mount(self) -> None:
        findings = scan(self.text, today=date(2026, 11, 24))
        self.push_screen(
            PersonalDataDialog(self.text, findings, field="What went well"), self._keep
        )

    def _keep(self, result: str | None) -> None:
        self.result = result


async def test_e_goes_back_to_edit_with_nothing_saved() -> None:
    app = DialogHost()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert app.result is None
        assert not isinstance(app.screen, PersonalDataDialog)


async def test_o_then_a_reason_saves_anyway_with_that_reason() -> None:
    app = DialogHost()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.press(*"IOPC referral")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == "IOPC referral"


async def test_an_empty_reason_is_refused_with_a_message() -> None:
    app = DialogHost()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("o", "space", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PersonalDataDialog)
        message = str(dialog.query_one("#pd-message", Static).render())
        assert "A reason is needed" in message
        assert app.result == NO_RESULT
        # Escape leaves the reason box; a second escape leaves the dialog unsaved.
        await pilot.press("escape")
        assert isinstance(app.screen, PersonalDataDialog)
        assert not dialog.query_one("#pd-reason", Input).has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None


async def test_a_reason_holding_personal_data_is_refused() -> None:
    app = DialogHost()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("o", *"ring 07700 900123", "enter")
        await pilot.pause()
        assert app.result == NO_RESULT
        message = str(app.screen.query_one("#pd-message", Static).render())
        assert "phone number" in message


async def test_markup_in_the_text_is_shown_literally() -> None:
    app = DialogHost()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        shown = str(app.screen.query_one("#pd-text", Static).render())
        assert "[bold]" in shown and "[@click=app.quit]" in shown
        assert "⟦1⟧" in shown and "⟦2⟧" in shown
        findings = str(app.screen.query_one("#pd-findings", Static).render())
        assert "Phone number" in findings and "Title and name" in findings


async def test_the_dialog_opens_from_a_refusal() -> None:
    refusal = PersonalDataFound("Agreed actions", scan(TEXT))
    dialog = PersonalDataDialog.for_refusal(TEXT, refusal)
    assert (dialog.field, dialog.findings, dialog.text) == (
        "Agreed actions",
        refusal.findings,
        TEXT,
    )


async def test_names_addresses_plates_and_descriptions_are_each_explained() -> None:
    text = (
        "Handler spoke to John Smith, a 34-year-old man, at Flat 2, 27 Brook Street; "
        "his car AB12 CDE was outside."
    )
    app = DialogHost(text)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        dialog = app.screen
        title = str(dialog.query_one("#pd-title", Static).render())
        assert "name, street address, vehicle registration, age and sex" in title
        lines = str(dialog.query_one("#pd-findings", Static).render()).splitlines()
        assert lines == [
            "\u27e61\u27e7 Name: John Smith \u2014 the forename 'John' followed by the surname "
            "'Smith'",
            "\u27e62\u27e7 Age and sex: 34-year-old man \u2014 an age and sex which, with the "
            "name or address also given here, point to one person",
            "\u27e63\u27e7 Street address: Flat 2, 27 Brook Street \u2014 a house number or flat "
            "with a street name: where someone lives",
            "\u27e64\u27e7 Vehicle registration: AB12 CDE \u2014 UK number plate (two letters, "
            "two digits, three letters)",
        ]
        assert "allow-list" in str(dialog.query_one("#pd-names-help", Static).render())


async def test_the_allow_list_hint_shows_only_for_names() -> None:
    app = DialogHost()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not app.screen.query("#pd-names-help")


def test_each_finding_is_styled_and_numbered() -> None:
    text = "ring 07700 900123 or email a@b.co"
    shown = highlighted_text(text, scan(text))
    assert shown.plain == "ring 07700 900123⟦1⟧ or email a@b.co⟦2⟧"
    styled = [
        shown.plain[span.start : span.end] for span in shown.spans if "reverse" in str(span.style)
    ]
    assert styled == ["07700 900123", "a@b.co"]


def test_dialog_snapshot(snap_compare: Any) -> None:
    async def ready(pilot: Pilot[None]) -> None:
        await pilot.pause()

    assert snap_compare(DialogHost(), terminal_size=(100, 30), run_before=ready)


def test_dialog_asking_for_a_reason_snapshot(snap_compare: Any) -> None:
    async def ask_and_refuse_an_empty_reason(pilot: Pilot[None]) -> None:
        await pilot.pause()
        # A steady cursor keeps the picture the same from run to run.
        pilot.app.screen.query_one("#pd-reason", Input).cursor_blink = False
        await pilot.press("o", "enter")
        await pilot.pause()

    assert snap_compare(
        DialogHost(), terminal_size=(100, 30), run_before=ask_and_refuse_an_empty_reason
    )
