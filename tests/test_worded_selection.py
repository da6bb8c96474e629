"""The grader list says which rows are ticked, and which is highlighted, without colour."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from rcrp_tui.ui.common.worded_selection import WordedSelectionList


class _Form(App[None]):
    def compose(self) -> ComposeResult:
        yield Input(id="before")
        yield WordedSelectionList(("Floorwalker 1", "fw1"), ("Floorwalker 2", "fw2"), id="pick")


async def test_ticks_and_highlight_read_without_colour() -> None:
    app = _Form()
    async with app.run_test() as pilot:
        await pilot.press("tab")  # into the list: the first Space must tick the first row
        await pilot.press("space")
        await pilot.pause()
        box = app.query_one("#pick", WordedSelectionList)
        assert box.selected == ["fw1"]
        first, second = box.render_line(0).text, box.render_line(1).text
        assert "✓" in first and "▶" in first
        assert "✓" not in second and "▶" not in second
        await pilot.press("down", "space", "up", "space")  # untick the first, tick the second
        await pilot.pause()
        assert box.selected == ["fw2"]
        first, second = box.render_line(0).text, box.render_line(1).text
        assert "✓" not in first and "▶" in first
        assert "✓" in second and "▶" not in second
