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


class _ManyKeys(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key, f"noop({key!r})", f"Action {key}") for key in "abcdefg"
    ]

    def __init__(self, *, whole_keys: bool) -> None:
        super().__init__()
        self.whole_keys = whole_keys

    def compose(self) -> ComposeResult:
        yield KeyFooter(whole_keys=self.whole_keys)

    def action_noop(self, key: str) -> None: ...


def _footer_line(app: App[None]) -> str:
    (strip,) = app.screen._compositor.render_strips()[-1:]
    return "".join(segment.text for segment in strip)


def _keys(app: App[None]) -> tuple[list[FooterKey], int]:
    """The footer's own keys, and the column where the palette key starts."""
    keys = list(app.screen.query(FooterKey))
    (palette,) = [k for k in keys if k.has_class("-command-palette")]
    return [k for k in keys if k is not palette], palette.region.x


async def test_a_whole_keys_footer_shows_only_whole_keys_and_says_more_exist() -> None:
    # Seven keys of eleven cells do not fit in 50 columns beside the palette key.
    app = _ManyKeys(whole_keys=True)
    async with app.run_test(size=(50, 5)) as pilot:
        await pilot.pause()
        await pilot.pause()
        keys, edge = _keys(app)
        shown = [k for k in keys if k.display]
        assert shown and len(shown) < len(keys)
        assert all(k.region.right <= edge for k in shown)
        assert keys[: len(shown)] == shown  # the first keys, in order
        line = _footer_line(app)
        assert "…" in line, line
        for key in keys[len(shown) :]:
            assert f"Action {key.key}" not in line
        await pilot.resize_terminal(140, 5)
        await pilot.pause()
        await pilot.pause()
        keys, edge = _keys(app)
        assert all(k.display and k.region.right <= edge for k in keys)
        line = _footer_line(app)
        assert "Action g" in line and "…" not in line, line


async def test_a_plain_footer_runs_its_last_key_under_the_edge() -> None:
    # What whole_keys is for: Textual's footer lets a key run under the palette key.
    app = _ManyKeys(whole_keys=False)
    async with app.run_test(size=(50, 5)) as pilot:
        await pilot.pause()
        keys, edge = _keys(app)
        assert any(k.region.x < edge < k.region.right for k in keys)
