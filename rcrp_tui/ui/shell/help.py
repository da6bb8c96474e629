"""F1 help: every key of the screen underneath and every global key.

Generated from the live bindings (``ui.common.keys.keys_of``, public Textual API only), so it
can never disagree with the footer or the command palette.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import zip_longest
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rcrp_tui.ui.common.keys import KeyHelp, KeyHints, keys_of, list_keys

__all__ = ["HelpScreen", "KeyHelp", "keys_of"]


SCOPE_TITLES = {
    "Focused item": "Keys of the focused list or field",
    "This screen": "Keys of this screen",
    "Global": "Keys everywhere",
}


def _table(lines: Iterable[KeyHelp]) -> Group:
    # Compact grids under one heading per scope keep the list short on an 80x24 screen.
    parts: list[Text | Table] = []
    by_scope: dict[str, list[KeyHelp]] = {}
    for line in lines:
        by_scope.setdefault(line.scope, []).append(line)
    for scope, scoped in by_scope.items():
        parts.append(Text(SCOPE_TITLES[scope], style="bold underline"))
        # Two key/description pairs per row halve the height.
        grid = Table.grid(padding=(0, 1), expand=True)
        for _pair in range(2):
            grid.add_column(no_wrap=True, style="bold", min_width=10)
            grid.add_column(ratio=1)
        half = (len(scoped) + 1) // 2
        for left, right in zip_longest(scoped[:half], scoped[half:]):
            cells = [Text(left.keys), Text(left.description)]
            cells += [Text(right.keys), Text(right.description)] if right else [Text(""), Text("")]
            grid.add_row(*cells)
        parts.append(grid)
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    """A scrollable list of keys; escape, q or F1 closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1", "close", "Close help", id="help.close"),
        Binding("down", "scroll('down')", "Scroll down", show=False, id="help.down"),
        Binding("up", "scroll('up')", "Scroll up", show=False, id="help.up"),
        *list_keys("scroll('down')", "scroll('up')"),
    ]

    def __init__(self, title: str, lines: list[KeyHelp]) -> None:
        super().__init__()
        self.help_title = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text(f"Keys: {self.help_title}"), id="help-title")
            yield Static(_table(self.lines), id="help-keys")
            yield KeyHints(id="help-hint")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, direction: str) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        if direction == "down":
            box.scroll_down(animate=False)
        else:
            box.scroll_up(animate=False)
