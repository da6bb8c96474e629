"""A DataTable that says which of its columns are out of view.

At 80 columns a list's table is often wider than the terminal: the columns past the
right edge are hidden, and the one on the edge is cut. Nothing may be hidden without a
word, so ``ColumnsTable`` works out, on every resize, horizontal scroll and change of
column widths, which columns are not wholly in view (a cut one counts) and posts
``ColumnsHidden`` when that, or its width, changes. ``out_of_view_note`` words it for
the screen's position line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from textual.message import Message
from textual.widgets import DataTable

CellT = TypeVar("CellT")

#: The keys that scroll a plain DataTable sideways.
SCROLL_KEYS = "← →"


class ColumnsTable(DataTable[CellT]):
    """A DataTable that keeps ``hidden_titles``, the columns not wholly in view."""

    class ColumnsHidden(Message):
        """The columns not wholly in view, or the table's width, changed (a resize, a
        pane beside the table, ← →)."""

        def __init__(self, titles: tuple[str, ...]) -> None:
            super().__init__()
            self.titles = titles

    #: The titles of the columns not wholly in view when last checked.
    hidden_titles: tuple[str, ...] = ()
    _checked_width = 0

    def columns_out_of_view(self) -> tuple[str, ...]:
        """The titles of the columns not wholly in view at this width and scroll. Only
        the cell padding beyond an edge does not count: the text is all there to read."""
        left = round(self.scroll_x)
        right = left + self.scrollable_content_region.width
        pad = self.cell_padding
        hidden: list[str] = []
        x = 0
        for column in self.ordered_columns:
            width = column.get_render_width(self)
            if x + pad < left or x + width - pad > right:
                hidden.append(str(column.label))
            x += width
        return tuple(hidden)

    def _check_columns(self) -> None:
        width = self.scrollable_content_region.width
        if not self.is_mounted or not width:
            return
        hidden = self.columns_out_of_view()
        if (hidden, width) != (self.hidden_titles, self._checked_width):
            self.hidden_titles, self._checked_width = hidden, width
            self.post_message(self.ColumnsHidden(hidden))

    def check_columns_later(self) -> None:
        """Look again once the table has laid out (after new rows widen columns)."""
        self.call_after_refresh(self._check_columns)

    def on_resize(self) -> None:
        self.check_columns_later()

    def watch_virtual_size(self) -> None:
        """Auto-width columns widen as rows arrive, which can push one out of view."""
        self.check_columns_later()

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_x(old_value, new_value)
        self.check_columns_later()


def out_of_view_note(
    shown: str, hidden: Sequence[str], *, of: int, room: int, keys: str = SCROLL_KEYS
) -> str:
    """The words after ``shown`` on a position line ``room`` cells wide: the columns out
    of view by name when they fit, else how many of ``of``; "" when none are."""
    if not hidden:
        return ""
    named = f" · out of view ({keys} scroll): {', '.join(hidden)}"
    if len(shown) + len(named) <= room:
        return named
    return f" · {len(hidden)} of {of} columns out of view ({keys} scroll)"
