"""Weekly trend charts for the KPI screen, drawn in the terminal with textual-plotext.

Each line has its own marker as well as its own colour, and the legend names it, so the
charts read on a monochrome terminal too.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual_plotext import PlotextPlot

from rcrp_tui.services.kpis import KpiReport


def _percent(value: float | None) -> float:
    return 0.0 if value is None else round(value * 100, 1)


class KpiTrendCharts(Vertical):
    """Weekly deployment rate against the baseline rate; weekly QA compliance."""

    DEFAULT_CSS = """
    KpiTrendCharts { height: 1fr; }
    KpiTrendCharts PlotextPlot { height: 1fr; min-height: 8; }
    """

    def compose(self) -> ComposeResult:
        yield PlotextPlot(id="chart-deployment")
        yield PlotextPlot(id="chart-compliance")

    def show(self, report: KpiReport) -> None:
        """Redraw both charts from ``report``."""
        labels = [w.week.split("-")[-1] for w in report.weeks]  # "W47": short enough for 80
        xs: list[float] = [float(n) for n in range(1, len(labels) + 1)]
        deployment = self.query_one("#chart-deployment", PlotextPlot)
        plt = deployment.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Deployed % by week (* this period, + baseline)")
        if xs:
            plt.plot(xs, [_percent(w.rate) for w in report.weeks], marker="*", label="period")
            base = _percent(report.deployment.baseline_rate)
            plt.plot(xs, [base] * len(xs), marker="+", label="baseline")
            plt.xticks(xs, labels)
        plt.ylim(0, 100)
        deployment.refresh()

        compliance = self.query_one("#chart-compliance", PlotextPlot)
        plt = compliance.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("QA compliance % by week (o estimate, . 95% CI low and high)")
        weeks = [(x, w) for x, w in zip(xs, report.weeks, strict=True) if w.compliance.total]
        if weeks:
            wx = [x for x, _ in weeks]
            plt.plot(
                wx,
                [_percent(w.compliance.estimate) for _, w in weeks],
                marker="o",
                label="compliance",
            )
            plt.scatter(wx, [_percent(w.compliance.low) for _, w in weeks], marker=".")
            plt.scatter(wx, [_percent(w.compliance.high) for _, w in weeks], marker=".")
            plt.xticks(xs, labels)
        plt.ylim(0, 100)
        compliance.refresh()
