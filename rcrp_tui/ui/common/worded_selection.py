"""A SelectionList that says which rows are ticked and which is highlighted without colour.

Textual's SelectionList draws the same ``X`` for a ticked and an unticked row and tells them
apart by colour only, as it does the highlighted row. Here a ticked row shows ``✓`` and an
unticked one a blank box, and the highlighted row has ``▶`` before its prompt.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual import events
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets._toggle_button import ToggleButton


class WordedSelectionList(SelectionList[Any]):
    """SelectionList whose tick and highlight read without colour."""

    def on_focus(self, _event: events.Focus) -> None:
        # Arriving by Tab, the first Space ticks the first row rather than nothing.
        if self.highlighted is None and self.option_count:
            self.highlighted = 0

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        segments = list(line)
        if (
            len(segments) < 4
            or segments[0].text != ToggleButton.BUTTON_LEFT
            or segments[1].text != ToggleButton.BUTTON_INNER
        ):
            return line  # a line with no option on it
        index = self.scroll_offset.y + y
        option = self.get_option_at_index(index)
        ticked = option.value in self.selected
        segments[1] = Segment("✓" if ticked else " ", segments[1].style)
        marker = "▶" if self.highlighted == index and self.has_focus else " "
        segments[3] = Segment(marker, segments[3].style)
        return Strip(segments, line.cell_length)
