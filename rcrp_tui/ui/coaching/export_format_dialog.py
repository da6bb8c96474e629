"""Choose the format of a development-record export: Markdown or PDF.

Keys: the arrows (or ``j``/``k``) and enter, or ``m`` for Markdown and ``p`` for PDF
directly; escape cancels. Dismisses with the chosen ``ExportFormat`` or ``None``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from rcrp_tui.services.coaching.cpd_export import MARKING, ExportFormat
from rcrp_tui.ui.common.keys import KeyHints, list_keys
from rcrp_tui.ui.common.literal import literal, visible


class ExportFormatDialog(ModalScreen[ExportFormat | None]):
    """Ask which format to export a record in, saying where it goes and how it is marked."""

    DEFAULT_CSS = """
    ExportFormatDialog {
        align: center middle;
    }
    ExportFormatDialog > #export-dialog {
        width: 72;
        max-width: 95%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    ExportFormatDialog #export-title {
        text-style: bold;
        margin-bottom: 1;
    }
    ExportFormatDialog OptionList {
        height: auto;
        margin: 1 0;
    }
    ExportFormatDialog #export-help {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "pick('md')", "Markdown", id="export.markdown"),
        Binding("p", "pick('pdf')", "PDF", id="export.pdf"),
        *list_keys("cursor(1)", "cursor(-1)"),
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def __init__(self, what: str, folder: Path) -> None:
        super().__init__()
        self.what = what
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label(literal(f"Export {self.what}", single_line=True), id="export-title")
            yield Static(
                Text(f"Into {visible(str(self.folder), single_line=True)}, marked {MARKING}.")
            )
            yield OptionList(
                *[Option(f.label, id=f.value) for f in ExportFormat], id="export-formats"
            )
            yield KeyHints(before=[("Enter", "choose")], id="export-help")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_pick(event.option.id or ExportFormat.MARKDOWN.value)

    def action_pick(self, value: str) -> None:
        """Export in the format whose file suffix is ``value``."""
        self.dismiss(ExportFormat(value))

    def action_cursor(self, step: int) -> None:
        options = self.query_one(OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
