"""Dialogs for the KPI screen: choose the period and baseline; export the report.

The period dialog checks the dates itself (``domain.kpis``) and stays open, saying what is
wrong, until they make sense. The export dialog writes the file in a worker through the
reports service; a path that cannot be written keeps it open with the reason shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from rcrp_tui.domain.kpis import Period, make_period, parse_day
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.services.kpis import report as reports
from rcrp_tui.services.kpis.figures import KpiReport
from rcrp_tui.services.kpis.report import ReportFormat
from rcrp_tui.settings import default_export_folder
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.common.form import FormBehaviour, FormInput, plain_reason
from rcrp_tui.ui.common.keys import KeyHints

_CSS = """
PeriodDialog, ExportReportDialog { align: center middle; }
.kpi-dialog {
    width: 72;
    max-width: 100%;
    max-height: 100%;
    background: $panel;
    padding: 0 1;
}
.kpi-dialog .dialog-error { height: auto; }
.kpi-dialog .pair { height: auto; }
.kpi-dialog .pair Input { width: 1fr; }
.kpi-dialog Button { margin-right: 1; }
"""

FORMAT_LABELS = {
    ReportFormat.XLSX: "Excel workbook (.xlsx), a sheet per section",
    ReportFormat.PDF: "PDF document",
    ReportFormat.HTML: "Web page (.html)",
    ReportFormat.MARKDOWN: "Markdown (.md)",
    ReportFormat.CSV: "CSV, one figure a row",
}


class PeriodDialog(FormBehaviour, ReportsWorkerErrors, ModalScreen[tuple[Period, Period] | None]):
    """Four dates: the period and its baseline (each end date not included)."""

    FORM_ERROR_ID = "period-error"

    DEFAULT_CSS = _CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="kpis.period.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="kpis.period.apply"),
    ]

    def __init__(self, period: Period, baseline: Period) -> None:
        super().__init__()
        self._period, self._baseline = period, baseline

    def compose(self) -> ComposeResult:
        with Vertical(classes="kpi-dialog"):
            yield Label(
                "Period and baseline (YYYY-MM-DD; the end date is not included)",
                classes="dialog-title",
            )
            yield Label("Period: from / to")
            with Horizontal(classes="pair"):
                yield FormInput(self._period.first_day.isoformat(), id="period-from")
                yield FormInput(self._period.end_day.isoformat(), id="period-to")
            yield Label("Baseline: from / to")
            with Horizontal(classes="pair"):
                yield FormInput(self._baseline.first_day.isoformat(), id="baseline-from")
                yield FormInput(self._baseline.end_day.isoformat(), id="baseline-to")
            yield Static("", id="period-error", classes="dialog-error")
            yield KeyHints(before=[("Enter", "apply")])

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def action_apply(self) -> None:
        days = {}
        for widget_id, label in (
            ("period-from", "Period from"),
            ("period-to", "Period to"),
            ("baseline-from", "Baseline from"),
            ("baseline-to", "Baseline to"),
        ):
            try:
                days[widget_id] = parse_day(self._value(widget_id), label)
            except ValueError as exc:
                self.show_field_error(widget_id, plain_reason(str(exc)))
                return
        periods = []
        for name in ("period", "baseline"):
            try:
                periods.append(make_period(days[f"{name}-from"], days[f"{name}-to"], name))
            except ValueError as exc:
                message = plain_reason(str(exc))
                self.show_field_error(f"{name}-to", message[:1].upper() + message[1:])
                return
        self.dismiss((periods[0], periods[1]))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def action_cancel(self) -> None:
        self.leave_form()


class ExportReportDialog(FormBehaviour, ReportsWorkerErrors, ModalScreen[Path | None]):
    """Choose a format and a file or folder; the report is written before it closes."""

    DEFAULT_CSS = _CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="kpis.export.cancel"),
        Binding("ctrl+s", "export", "Export", id="kpis.export.go"),
    ]

    class Refused(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    class Written(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    FORM_ERROR_ID = "export-error"

    def __init__(self, ctx: Ctx, report: KpiReport, folder: Path | None = None) -> None:
        super().__init__()
        self.ctx, self.report = ctx, report
        self._folder = folder or default_export_folder()

    def compose(self) -> ComposeResult:
        with Vertical(classes="kpi-dialog"):
            yield Label("Export the KPI report (OFFICIAL-SENSITIVE)", classes="dialog-title")
            yield Select(
                [(label, fmt) for fmt, label in FORMAT_LABELS.items()],
                value=ReportFormat.XLSX,
                allow_blank=False,
                id="export-format",
            )
            yield Label("Save to (a file, or a folder for the usual name)")
            yield FormInput(str(self._folder), id="export-path")
            yield Static("", id="export-error", classes="dialog-error")
            yield KeyHints(before=[("Enter", "export")])

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    def action_export(self) -> None:
        fmt = self.query_one("#export-format", Select).value
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self.show_field_error("export-path", "Give a file or folder to save to.")
            return
        self.query_one("#export-error", Static).update("Writing…")
        self._write(ReportFormat(str(fmt)), text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="kpi-export")
    def _write(self, fmt: ReportFormat, path: str) -> None:
        try:
            written = reports.write_report(self.ctx, self.report, fmt, path)
        except ServiceError as exc:
            self.post_message(self.Refused(exc.message))
            return
        self.post_message(self.Written(written))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.show_field_error("export-path", message.message)

    @on(Written)
    def _written(self, message: Written) -> None:
        self.dismiss(message.path)

    def action_cancel(self) -> None:
        self.leave_form()
