"""The question asked on Escape while a dry run or import runs (y stops it, n goes on).

It runs no workers itself, so it lives apart from the Import screen, which does.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from rcrp_tui.ui.common.keys import KeyHints
from rcrp_tui.ui.common.literal import literal


class StopQuestion(ModalScreen[bool]):
    """Asked on Escape while a dry run or import runs: y stops it, n or Esc goes on."""

    DEFAULT_CSS = """
    StopQuestion { align: center middle; }
    StopQuestion > Vertical {
        width: 64; max-width: 95%; height: auto;
        border: thick $warning; background: $panel; padding: 1 2;
    }
    StopQuestion .dialog-title { text-style: bold; margin-bottom: 1; }
    StopQuestion .dialog-help { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Stop it", id="import.stop.yes"),
        Binding("n,escape", "answer(False)", "Carry on", id="import.stop.no"),
    ]

    def __init__(self, what: str) -> None:
        super().__init__()
        self._what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(f"Stop the {self._what}?"), classes="dialog-title")
            yield Static(
                "Nothing has been written: stopping leaves the database exactly as it was."
            )
            yield KeyHints()

    def action_answer(self, stop: bool) -> None:
        self.dismiss(stop)
