"""Dialogs for the readiness screen: a manual item, the KPI baseline, the export.

Each checks what it can itself, then saves through the service in a worker and stays open
until the save is done: a refusal (a bad date, personal data in the evidence, someone
else's save at the same moment) is shown under the field at fault and everything typed is
kept. Keyboard only: Tab between fields, Enter or ctrl+s saves, Escape asks before
discarding anything typed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from rcrp_tui.domain.kpis import parse_day
from rcrp_tui.domain.readiness import ItemStatus
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError, ValidationFailed
from rcrp_tui.services.readiness import checklist as readiness_service
from rcrp_tui.services.readiness import report as reports
from rcrp_tui.services.readiness.checklist import (
    EVIDENCE_LIMIT,
    OWNER_LIMIT,
    ItemUpdate,
    ItemView,
    ReadinessReport,
)
from rcrp_tui.services.readiness.report import ReadinessFormat
from rcrp_tui.settings import default_export_folder
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.common.form import FormBehaviour, FormInput, plain_reason
from rcrp_tui.ui.common.keys import KeyHints
from rcrp_tui.ui.common.literal import literal

DIALOG_CSS = """
ItemDialog, BaselineDialog, ExportReadinessDialog, BriefingDialog { align: center middle; }
.readiness-dialog {
    width: 76;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    background: $panel;
    padding: 0 1;
}
.readiness-dialog .dialog-error { height: auto; }
.readiness-dialog .pair { height: auto; }
.readiness-dialog .pair Input { width: 1fr; }
.readiness-dialog .item-text { height: auto; max-height: 4; }
"""


class SaveRefused(Message):
    """The service refused the save; the dialog stays open and says why."""

    def __init__(self, error: ServiceError) -> None:
        super().__init__()
        self.error = error


class SaveDone(Message):
    """The save went through; the dialog closes with ``result``."""

    def __init__(self, result: object) -> None:
        super().__init__()
        self.result = result


class _SavingDialog(FormBehaviour, ReportsWorkerErrors, ModalScreen[object]):
    """What the three dialogs share: save in a worker, stay open on a refusal."""

    DEFAULT_CSS = DIALOG_CSS

    def show_refusal(self, error: ServiceError) -> None:
        if isinstance(error, ValidationFailed):
            self.show_validation(error)
        else:
            self.show_field_error(None, plain_reason(error.message))

    @on(SaveRefused)
    def _refused(self, message: SaveRefused) -> None:
        self.show_refusal(message.error)

    @on(SaveDone)
    def _saved(self, message: SaveDone) -> None:
        self.dismiss(message.result)

    @on(Input.Submitted)
    async def _submitted(self, event: Input.Submitted) -> None:
        """Enter in a box saves, as ctrl+s does: each dialog has its own ``save``."""
        event.stop()
        await self.run_action("save")

    def action_cancel(self) -> None:
        self.leave_form()


class ItemDialog(_SavingDialog):
    """A manual item's status, owner, due date (YYYY-MM-DD, may be empty) and evidence."""

    FORM_ERROR_ID = "item-error"
    FORM_FIELDS: ClassVar[dict[str, tuple[str, str]]] = {
        "status": ("item-status", "Status"),
        "owner": ("item-owner", "Owner"),
        "due_on": ("item-due", "Due date"),
        "evidence": ("item-evidence", "Evidence"),
    }
    FORM_LIMITS: ClassVar[dict[str, tuple[str, int]]] = {
        "item-owner": ("Owner", OWNER_LIMIT),
        "item-evidence": ("Evidence", EVIDENCE_LIMIT),
    }
    FORM_WHAT = "the changes to this item"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="readiness.item.cancel"),
        Binding("ctrl+s", "save", "Save", id="readiness.item.save"),
    ]

    def __init__(self, ctx: Ctx, item: ItemView) -> None:
        super().__init__()
        self.ctx, self.item = ctx, item

    def compose(self) -> ComposeResult:
        item = self.item
        where = f"phase {item.phase}" if item.phase else "key milestones"
        with Vertical(classes="readiness-dialog"):
            yield Label(f"Checklist item ({where})", classes="dialog-title")
            yield Static(literal(item.text), classes="item-text")
            yield Label("Status")
            yield Select(
                [(s.label, s.value) for s in ItemStatus],
                value=(item.manual_status or ItemStatus.NOT_STARTED).value,
                allow_blank=False,
                id="item-status",
            )
            yield Label("Owner (a role or team is enough)")
            yield FormInput(item.owner, id="item-owner")
            yield Label("Due date (YYYY-MM-DD, or empty)")
            yield FormInput(item.due_on.isoformat() if item.due_on else "", id="item-due")
            yield Label("Evidence (where it is recorded; no personal data)")
            yield FormInput(item.evidence, id="item-evidence")
            yield Static("", id="item-error", classes="dialog-error")
            yield KeyHints(before=[("Enter", "save")])

    def on_mount(self) -> None:
        self.query_one("#item-status", Select).focus()

    def _text(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def action_save(self) -> None:
        if self.refuse_over_limits():
            return
        raw_due = self._text("item-due").strip()
        due: date | None = None
        if raw_due:
            try:
                due = parse_day(raw_due, "Due date")
            except ValueError as exc:
                self.show_field_error("item-due", plain_reason(str(exc)))
                return
        status = ItemStatus(str(self.query_one("#item-status", Select).value))
        update = ItemUpdate(status, self._text("item-owner"), due, self._text("item-evidence"))
        self.query_one("#item-error", Static).update("Saving…")
        self._save(update)

    @work(thread=True, exclusive=True, exit_on_error=False, group="readiness-item")
    def _save(self, update: ItemUpdate) -> None:
        item = self.item
        try:
            readiness_service.update_item(
                self.ctx, item.phase, item.key, update, expected_version=item.row_version
            )
        except ServiceError as exc:
            self.post_message(SaveRefused(exc))
            return
        self.post_message(SaveDone(True))


class BaselineDialog(_SavingDialog):
    """The phase's KPI baseline: first day and end day (not included)."""

    FORM_ERROR_ID = "baseline-error"
    FORM_FIELDS: ClassVar[dict[str, tuple[str, str]]] = {
        "baseline": ("baseline-to", "Baseline"),
    }
    FORM_WHAT = "the baseline dates"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="readiness.baseline.cancel"),
        Binding("ctrl+s", "save", "Save", id="readiness.baseline.save"),
    ]

    def __init__(self, ctx: Ctx, report: ReadinessReport) -> None:
        super().__init__()
        self.ctx, self.report = ctx, report

    def compose(self) -> ComposeResult:
        base = self.report.baseline
        with Vertical(classes="readiness-dialog"):
            yield Label(
                f"Phase {self.report.phase}'s KPI baseline (YYYY-MM-DD; the end is not included)",
                classes="dialog-title",
            )
            yield Label("From / to")
            with Horizontal(classes="pair"):
                yield FormInput(base.first_day.isoformat() if base else "", id="baseline-from")
                yield FormInput(base.end_day.isoformat() if base else "", id="baseline-to")
            yield Static("", id="baseline-error", classes="dialog-error")
            yield KeyHints(before=[("Enter", "save")])

    def on_mount(self) -> None:
        self.query_one("#baseline-from", Input).focus()

    def action_save(self) -> None:
        days: list[date] = []
        for widget_id, label in (("baseline-from", "From"), ("baseline-to", "To")):
            try:
                days.append(parse_day(self.query_one(f"#{widget_id}", Input).value, label))
            except ValueError as exc:
                self.show_field_error(widget_id, plain_reason(str(exc)))
                return
        self.query_one("#baseline-error", Static).update("Saving…")
        self._save(days[0], days[1])

    @work(thread=True, exclusive=True, exit_on_error=False, group="readiness-baseline")
    def _save(self, first: date, end: date) -> None:
        seen = None if self.report.baseline is None else self.report.baseline.row_version
        try:
            readiness_service.set_baseline(
                self.ctx, self.report.phase, first, end, expected_version=seen
            )
        except ServiceError as exc:
            self.post_message(SaveRefused(exc))
            return
        self.post_message(SaveDone(True))


FORMAT_LABELS = {
    ReadinessFormat.XLSX: "Excel workbook (.xlsx)",
    ReadinessFormat.PDF: "PDF document",
    ReadinessFormat.MARKDOWN: "Markdown (.md)",
}


class ExportReadinessDialog(_SavingDialog):
    """Choose a format and a file or folder; the report is written before it closes."""

    FORM_ERROR_ID = "export-error"
    FORM_FIELDS: ClassVar[dict[str, tuple[str, str]]] = {
        "output": ("export-path", "Save to"),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="readiness.export.cancel"),
        Binding("ctrl+s", "save", "Export", id="readiness.export.go"),
    ]

    def __init__(self, ctx: Ctx, report: ReadinessReport, folder: Path | None = None) -> None:
        super().__init__()
        self.ctx, self.report = ctx, report
        self._folder = folder or default_export_folder()

    def compose(self) -> ComposeResult:
        with Vertical(classes="readiness-dialog"):
            yield Label(
                f"Export phase {self.report.phase}'s readiness (OFFICIAL-SENSITIVE)",
                classes="dialog-title",
            )
            yield Select(
                [(label, fmt.value) for fmt, label in FORMAT_LABELS.items()],
                value=ReadinessFormat.XLSX.value,
                allow_blank=False,
                id="export-format",
            )
            yield Label("Save to (a file, or a folder for the usual name)")
            yield FormInput(str(self._folder), id="export-path")
            yield Static("", id="export-error", classes="dialog-error")
            yield KeyHints(before=[("Enter", "export")])

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def action_save(self) -> None:
        fmt = ReadinessFormat(str(self.query_one("#export-format", Select).value))
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self.show_field_error("export-path", "Give a file or folder to save to.")
            return
        self.query_one("#export-error", Static).update("Writing…")
        self._write(fmt, text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="readiness-export")
    def _write(self, fmt: ReadinessFormat, path: str) -> None:
        try:
            written = reports.write_report(self.ctx, self.report, fmt, path)
        except ServiceError as exc:
            self.post_message(SaveRefused(exc))
            return
        self.post_message(SaveDone(written))
