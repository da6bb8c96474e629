"""KeyFooter shows what Textual's Footer shows, and rebuilds only when the keys change."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey

from rcrp_tui.ui.common.key_footer import KeyFooter


class _Keys(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "review", "Review"),
        Binding("f6", "filter", "Filter"),
        Binding("f7", "hidden", "Hidden", show=False),
    ]

    def __init__(self, footer: type[Footer]) -> None:
        super().__init__()
        self.footer = footer
        self.review_allowed = False

    def compose(self) -> ComposeResult:
        yield Input(id="one")
        yield Input(id="two")
        yield self.footer(compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "review":
            return self.review_allowed or None  # shown dimmed until allowed
        return True

    def action_review(self) -> None: ...
    def action_filter(self) -> None: ...
    def action_hidden(self) -> None: ...


def _shown(app: App[None]) -> list[tuple[str, str, bool]]:
    return [(k.key, k.description, k.has_class("-disabled")) for k in app.screen.query(FooterKey)]


async def test_the_footer_shows_the_same_keys_as_textuals_and_follows_a_change() -> None:
    ours, textuals = _Keys(KeyFooter), _Keys(Footer)
    async with ours.run_test() as our_pilot, textuals.run_test() as their_pilot:
        for pilot in (our_pilot, their_pilot):
            await pilot.pause()
        assert _shown(ours) == _shown(textuals)
        assert ("f5", "Review", True) in _shown(ours)
        assert not any(key == "f7" for key, _, _ in _shown(ours))
        for app, pilot in ((ours, our_pilot), (textuals, their_pilot)):
            app.review_allowed = True
            app.refresh_bindings()
            await pilot.pause()
            await pilot.pause()
        assert ("f5", "Review", False) in _shown(ours)
        assert _shown(ours) == _shown(textuals)


async def test_a_focus_change_that_shows_the_same_keys_keeps_the_footer_as_it_is() -> None:
    app = _Keys(KeyFooter)
    async with app.run_test() as pilot:
        await pilot.pause()
        before = list(app.screen.query(FooterKey))
        assert before
        app.screen.query_one("#two", Input).focus()
        await pilot.pause()
        await pilot.pause()
        after = list(app.screen.query(FooterKey))
        # The same widgets: nothing was rebuilt.
        assert [id(k) for k in after] == [id(k) for k in before]
        # Textual's own footer rebuilds on the same focus change (why KeyFooter exists).
    plain = _Keys(Footer)
    async with plain.run_test() as pilot:
        await pilot.pause()
        before = list(plain.screen.query(FooterKey))
        plain.screen.query_one("#two", Input).focus()
        await pilot.pause()
        await pilot.pause()
        assert [id(k) for k in plain.screen.query(FooterKey)] != [id(k) for k in before]
