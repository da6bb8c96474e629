"""Weekly trend charts for the KPI screen, drawn in the terminal with textual-plotext.

Each line has its own marker as well as its own colour, and the legend names it, so the
charts read on a monochrome terminal too.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual_plotext import PlotextPlot

from rcrp_tui.services.kpis.figures import KpiReport, WeekPoint


def _percent(value: float | None) -> float:
    return 0.0 if value is None else round(value * 100, 1)


def _y_range(values: list[float]) -> tuple[float, float]:
    """A y-axis that fits the values with a margin, so a few points' change shows as a
    slope instead of disappearing in seven rows of 0-100%."""
    if not values:
        return 0.0, 100.0
    low, high = min(values), max(values)
    margin = max(5.0, (high - low) * 0.25)
    return max(0.0, low - margin), min(100.0, high + margin)


def weekly_rates(weeks: Sequence[WeekPoint]) -> tuple[list[float], list[float]]:
    """The (x, %) points of the weeks that had decisions: a week without any has no rate
    and is left out, never drawn as 0%."""
    points = [(float(x), _percent(w.rate)) for x, w in enumerate(weeks, 1) if w.rate is not None]
    return [x for x, _ in points], [y for _, y in points]


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
        known_x, known_y = weekly_rates(report.weeks)
        shown: list[float] = list(known_y)
        if xs:
            if known_x:
                plt.plot(known_x, known_y, marker="*", label="period")
            if report.deployment.baseline_rate is not None:
                base = _percent(report.deployment.baseline_rate)
                plt.plot(xs, [base] * len(xs), marker="+", label="baseline")
                shown.append(base)
            plt.xticks(xs, labels)
        plt.ylim(*_y_range(shown))
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
        bounds = [_percent(w.compliance.low) for _, w in weeks]
        bounds += [_percent(w.compliance.high) for _, w in weeks]
        plt.ylim(*_y_range(bounds))
        compliance.refresh()
