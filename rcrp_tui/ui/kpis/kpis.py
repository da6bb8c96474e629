"""KPIs and reports: the figures leaders take to the programme board, on screen.

A list of sections on the left (trend charts first), the chosen one on the right. ``p``
changes the period and baseline, ``e`` exports the report (md, html, xlsx, csv, pdf), ``r``
reloads. The figures are computed in a worker by ``services.kpis.figures``; nothing here touches
SQL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import ContentSwitcher, DataTable, Header, OptionList, Static
from textual.widgets.option_list import Option

from rcrp_tui.domain.kpis import LONDON, Period, format_percent, previous_period
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.kpis import figures as kpis
from rcrp_tui.services.kpis import report as reports
from rcrp_tui.services.kpis.figures import KpiReport
from rcrp_tui.services.kpis.report import Section, cell_text
from rcrp_tui.services.kpis.report_sections import Cell
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import list_keys, refresh_key
from rcrp_tui.ui.common.literal import literal, markup_safe
from rcrp_tui.ui.common.table_fit import fit_columns
from rcrp_tui.ui.kpis.charts import KpiTrendCharts
from rcrp_tui.ui.kpis.dialogs import ExportReportDialog, PeriodDialog

CHARTS = "charts"
DEFAULT_DAYS = 28


def default_period(ctx: Ctx) -> Period:
    """The last four weeks up to and including today (London)."""
    today = ctx.clock.now().astimezone(LONDON).date()
    return Period(today - timedelta(days=DEFAULT_DAYS - 1), today + timedelta(days=1))


class KpiScreen(FeatureScreen[None]):
    """KPIs for a period against a baseline, as tables and weekly trend charts."""

    CSS_PATH = "kpis.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "period", "Period", id="kpis.period", tooltip="Change period and baseline"),
        Binding("e", "export", "Export", id="kpis.export", tooltip="Export the report to a file"),
        refresh_key("reload", "Compute the figures again"),
        *list_keys("move(1)", "move(-1)"),
    ]

    class Loaded(Message):
        def __init__(self, report: KpiReport) -> None:
            super().__init__()
            self.report = report

    def __init__(
        self, ctx: Ctx, period: Period | None = None, baseline: Period | None = None, **kwargs: Any
    ) -> None:
        super().__init__(ctx, **kwargs)
        self.period = period or default_period(ctx)
        self.baseline = baseline or previous_period(self.period)
        self.report: KpiReport | None = None
        self._sections: dict[str, Section] = {}
        self._shown: Section | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading the figures…", id="kpi-headline")
        yield Static("", id="kpi-alert")
        with Horizontal(id="kpi-body"):
            yield OptionList(id="kpi-sections")
            with ContentSwitcher(initial="kpi-table-view", id="kpi-views"):
                with Vertical(id="kpi-table-view"):
                    yield DataTable(id="kpi-table", cursor_type="row", zebra_stripes=True)
                    yield Static("", id="kpi-note")
                yield KpiTrendCharts(id=CHARTS)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "KPIs and reports"
        self.query_one(OptionList).focus()
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="kpis")
    def _load(self) -> None:
        self.post_message(self.Loaded(kpis.compute(self.ctx, self.period, self.baseline)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        report = self.report = message.report
        self._sections = {s.key: s for s in reports.sections(report)}
        d, shd, qa = report.deployment, report.should_have_deployed, report.compliance
        qa_text = (
            f"{format_percent(qa.estimate)} (95% CI {format_percent(qa.low)}-"
            f"{format_percent(qa.high)})"
            if qa.total
            else "no reviews"
        )
        self.query_one("#kpi-headline", Static).update(
            literal(
                f"{report.period.short()} against {report.baseline.short()} · "
                f"{d.decisions:,} decisions, {int(qa.total):,} reviews\n"
                f"Deployed {format_percent(d.rate)} (baseline {format_percent(d.baseline_rate)})"
                f" · QA compliance {qa_text}"
            )
        )
        alert = self.query_one("#kpi-alert", Static)
        alert.set_class(bool(shd.successes), "danger")
        alert.update(
            Text(
                f"⚠ SHOULD HAVE DEPLOYED: {int(shd.successes)} of {int(shd.total)} reviewed "
                f"({format_percent(shd.estimate)}); baseline "
                f"{int(report.baseline_should_have_deployed.successes)}"
                if shd.successes
                else f"✓ Should have deployed: none in {int(shd.total)} reviewed decisions",
                style="bold",
            )
        )
        options = self.query_one("#kpi-sections", OptionList)
        chosen = options.highlighted
        options.clear_options()
        options.add_option(Option("Trend charts", id=CHARTS))
        options.add_options(Option(s.key, id=s.key) for s in self._sections.values())
        options.highlighted = chosen if chosen is not None else 1
        self.query_one(KpiTrendCharts).show(report)
        self._show(self._current())

    def _current(self) -> str:
        options = self.query_one("#kpi-sections", OptionList)
        index = options.highlighted
        if index is None:
            return "Summary"
        return options.get_option_at_index(index).id or "Summary"

    @on(OptionList.OptionHighlighted, "#kpi-sections")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option.id or "Summary")

    def _show(self, key: str) -> None:
        switcher = self.query_one(ContentSwitcher)
        if key == CHARTS:
            switcher.current = CHARTS
            return
        switcher.current = "kpi-table-view"
        section = self._sections.get(key)
        if section is None or section is self._shown:
            return
        self._shown = section
        table = self.query_one("#kpi-table", DataTable)
        table.clear(columns=True)
        for name in section.columns:
            table.add_column(literal(name, single_line=True))
        for row in section.rows:
            table.add_row(*(self._cell(v) for v in row))
        if not section.rows:
            table.add_row(*(["none"] + [""] * (len(section.columns) - 1)))
        fit_columns(table)
        note = section.note or ""
        self.query_one("#kpi-note", Static).update(literal(f"{section.title}. {note}".strip()))

    @staticmethod
    def _cell(value: Cell) -> Text:
        text = cell_text(value)
        styled = literal(text, single_line=True)
        if isinstance(value, int | float):
            styled.justify = "right"
        if "SAFETY-CRITICAL" in text or text.startswith("SHOULD HAVE"):
            styled.stylize("bold")
        return styled

    def action_move(self, step: int) -> None:
        options = self.query_one("#kpi-sections", OptionList)
        table = self.query_one("#kpi-table", DataTable)
        if options.has_focus and step > 0:
            options.action_cursor_down()
        elif options.has_focus:
            options.action_cursor_up()
        elif step > 0:
            table.action_cursor_down()
        else:
            table.action_cursor_up()

    def action_reload(self) -> None:
        self._load()

    def action_period(self) -> None:
        def chosen(answer: tuple[Period, Period] | None) -> None:
            if answer is not None:
                self.period, self.baseline = answer
                self.query_one("#kpi-headline", Static).update("Loading the figures…")
                self._load()

        self.app.push_screen(PeriodDialog(self.period, self.baseline), chosen)

    def action_export(self) -> None:
        if self.report is None:
            self.notify("The figures are still loading.", severity="warning")
            return

        def done(path: Path | None) -> None:
            if path is not None:
                self.notify(markup_safe(f"Exported (OFFICIAL-SENSITIVE): {path}"))

        self.app.push_screen(ExportReportDialog(self.ctx, self.report), done)
