"""Appeal figures, month by month, for supervisors and QA leads; exports for partners."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from rcrp_tui.domain.appeals import LONDON, PartnerType, format_rate, theme_label
from rcrp_tui.services.appeals import reports as appeal_reports
from rcrp_tui.services.appeals.reports import AppealFiguresReport
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.settings import default_export_folder
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.literal import markup_safe

MONTHS_SHOWN = 12
COLUMNS = (
    "Month",
    "Not deployed",
    "Appeals",
    "Per 100",
    "Decided",
    "% overturned",
    "Partly",
    "Median min (live)",
    "P90 min (live)",
)


def _month_start(year: int, month: int) -> datetime:
    """The first instant of a London calendar month, in UTC."""
    while month < 1:
        year, month = year - 1, month + 12
    while month > 12:
        year, month = year + 1, month - 12
    return datetime(year, month, 1, tzinfo=LONDON).astimezone(UTC)


class AppealFiguresScreen(ReportsWorkerErrors, Screen[None]):
    """Twelve London months of appeal figures ending with the current month."""

    CSS_PATH = "appeals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="appeal-figures.back"),
        Binding("left_square_bracket", "shift(-1)", "Earlier", id="appeal-figures.earlier"),
        Binding("right_square_bracket", "shift(1)", "Later", id="appeal-figures.later"),
        Binding("e", "export", "Export CSV + Markdown", id="appeal-figures.export"),
    ]

    class Loaded(Message):
        def __init__(self, report: AppealFiguresReport) -> None:
            super().__init__()
            self.report = report

    class Exported(Message):
        def __init__(self, paths: tuple[Path, Path]) -> None:
            super().__init__()
            self.paths = paths

    def __init__(self, ctx: Ctx, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.months_back = 0  # months before the current one the window ends on

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="figures-headline")
        yield DataTable(id="figures-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="figures-breakdown")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "Appeal figures"
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        table.focus()
        self._load()

    def period(self) -> tuple[datetime, datetime]:
        """The window: MONTHS_SHOWN London months ending with (current month - months_back)."""
        now = self.ctx.clock.now().astimezone(LONDON)
        end = _month_start(now.year, now.month + 1 - self.months_back)
        start = _month_start(now.year, now.month + 1 - self.months_back - MONTHS_SHOWN)
        return start, end

    @work(thread=True, exclusive=True, exit_on_error=False, group="appeal-figures")
    def _load(self) -> None:
        start, end = self.period()
        self.post_message(self.Loaded(appeal_reports.figures(self.ctx, start, end)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        report, t = message.report, message.report.total
        table = self.query_one(DataTable)
        table.clear()
        for f in (*report.months, t):
            table.add_row(
                Text(f.label, style="bold" if f is t else ""),
                str(f.not_deployed),
                str(f.appeals),
                format_rate(f.appeals_per_100),
                str(f.decided),
                format_rate(f.pct_overturned, "%"),
                str(f.partly_upheld),
                format_rate(f.median_minutes),
                format_rate(f.p90_minutes),
            )
        first, last = report.months[0].label, report.months[-1].label
        self.query_one("#figures-headline", Static).update(
            Text(
                f"{first} to {last}: {t.appeals} appeals, {format_rate(t.appeals_per_100)} per "
                f"100 not-deployed decisions, {format_rate(t.pct_overturned, '%')} overturned, "
                f"live appeals decided in a median {format_rate(t.median_minutes)} min "
                f"(90th percentile {format_rate(t.p90_minutes)} min)."
            )
        )
        partners = ", ".join(f"{PartnerType(p).label} {n}" for p, n in t.by_partner) or "none"
        themes = ", ".join(f"{theme_label(k)} {n}" for k, n in t.by_theme) or "none"
        self.query_one("#figures-breakdown", Static).update(
            Text(
                f"By partner type: {partners}\nBy theme: {themes}\n"
                "[ and ] move the period · e exports"
            )
        )

    def action_shift(self, months: int) -> None:
        self.months_back = max(0, self.months_back - months)
        self._load()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_export(self) -> None:
        self._export()

    @work(thread=True, exclusive=True, exit_on_error=False, group="appeal-figures-export")
    def _export(self) -> None:
        start, end = self.period()
        paths = appeal_reports.export_figures(self.ctx, start, end, default_export_folder())
        self.post_message(self.Exported(paths))

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        csv_path, md_path = message.paths
        self.notify(
            f"Exported (OFFICIAL-SENSITIVE): {markup_safe(str(csv_path))} and "
            f"{markup_safe(md_path.name)}"
        )
