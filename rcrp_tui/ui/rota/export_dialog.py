"""Export the rota: choose a folder and which files; a refused folder keeps the dialog open.

The folder starts at ``RCRP_EXPORT_DIR`` when set, else the user's Documents folder when
it exists, else their home folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static
from textual.worker import get_current_worker

from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.common.form import FormBehaviour, FormInput
from rcrp_tui.ui.common.keys import KeyHints
from rcrp_tui.ui.rota.dialogs import DIALOG_CSS


@dataclass(frozen=True)
class ExportChoice:
    folder: Path
    calendars: bool
    table: bool
    print_view: bool


class ExportDialog(FormBehaviour, ReportsWorkerErrors, ModalScreen[str | None]):
    """Where to write the exports and which ones; Enter in the folder box exports.

    ``run`` does the export (in a worker) and returns what to tell the user. When it is
    refused (a folder that does not exist, or cannot be written), the dialog stays open
    with the folder as typed and says why; it dismisses with the message on success.
    """

    DEFAULT_CSS = DIALOG_CSS + "\nExportDialog { align: center middle; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="rota.dialog.cancel")]
    FORM_ERROR_ID = "export-error"

    def __init__(self, default_folder: Path, run: Callable[[ExportChoice], str]) -> None:
        super().__init__()
        self._default = default_folder
        self._run = run

    def compose(self) -> ComposeResult:
        with Vertical(classes="rota-dialog"):
            yield Label("Export the rota", classes="dialog-title")
            yield FormInput(value=str(self._default), id="folder")
            yield Checkbox("iCalendar (.ics) per floorwalker", True, id="ics")
            yield Checkbox("Whole rota as CSV", True, id="csv")
            yield Checkbox("Printable view (Markdown)", True, id="md")
            yield Static("", id="export-error", classes="violations")
            yield KeyHints(before=[("Enter in the folder box", "export"), ("Tab", "move")])

    def _error(self, message: str) -> None:
        self.show_field_error("folder", message)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        folder = event.value.strip()
        if not folder:
            self._error("Type a folder to export to.")
            return
        self.query_one("#export-error", Static).update("Exporting…")
        self._export(
            ExportChoice(
                Path(folder),
                self.query_one("#ics", Checkbox).value,
                self.query_one("#csv", Checkbox).value,
                self.query_one("#md", Checkbox).value,
            )
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="rota-export")
    def _export(self, choice: ExportChoice) -> None:
        try:
            note = self._run(choice)
        except ServiceError as exc:
            self.app.call_from_thread(self._error, exc.message)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.dismiss, note)

    def action_cancel(self) -> None:
        self.leave_form()
