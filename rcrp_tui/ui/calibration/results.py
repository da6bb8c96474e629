"""Agreement results of a revealed session.

``session_results`` takes about a second and a half on a full session, so it runs in a
thread worker and the screen says "Working…" meanwhile. Every figure is a number with its
95% interval and the number of units behind it; words, not colour, carry the meaning.

Three tabs keep the per-criterion table as tall as the terminal allows (at 80x24 it shows
a dozen criteria at once): 1 the criteria, 2 each grader against the reference and each
pair of graders, 3 the critical criteria the graders split on. Each tab's label says how
many rows it holds, so nothing is out of sight without a word.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane

from rcrp_tui.domain.calibration.agreement import MIN_UNITS, too_few_words
from rcrp_tui.services.calibration import results
from rcrp_tui.services.calibration.results import AgreementFigures, SessionResults
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.calibration import figures
from rcrp_tui.ui.calibration.common import answer_text
from rcrp_tui.ui.calibration.drift import DriftScreen, spark
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import list_keys, refresh_key, row_end_keys
from rcrp_tui.ui.common.literal import literal

__all__ = ["RESULT_COLUMNS", "DriftScreen", "ResultsScreen", "spark"]

# n second: at 80 columns the last column may need scrolling to, never the count.
RESULT_COLUMNS = ("Crit.", "n", "Raw agree", "Fleiss kappa", "Kripp. alpha", "AC1")
CRITICAL_MARK = "!"
DIVERGES_MARK = "≠"
LEGEND = (
    f"[95% interval] · n units · {CRITICAL_MARK} critical · {DIVERGES_MARK} kappa, AC1 "
    f"differ · too few: n<{MIN_UNITS}"
)
TABS = ("tab-criteria", "tab-graders", "tab-critical")


def _cells(name: str, f: AgreementFigures) -> tuple[Any, ...]:
    return (
        name,
        str(f.raw.n_units),
        figures.cell(f.raw, as_percent=True),
        figures.cell(f.fleiss),
        figures.cell(f.alpha),
        figures.cell(f.ac1),
    )


def _diverges(f: AgreementFigures) -> bool:
    # Only where kappa was computed: a criterion everyone answered alike has no kappa (its
    # row says why when highlighted); marking it would read as a disagreement.
    return f.divergence is not None and f.fleiss.value is not None


def _mark(code: str, critical: bool, f: AgreementFigures) -> str:
    marks = (CRITICAL_MARK if critical else "") + (DIVERGES_MARK if _diverges(f) else "")
    return f"{code} {marks}" if marks else code


def _counts(f: AgreementFigures, unit: str) -> str:
    n = f.raw.n_units
    return f"n = {n} {unit if n != 1 else unit[:-1]}, {f.raw.n_ratings} ratings"


def _too_few(f: AgreementFigures) -> str:
    if not any(e.too_few for e in (f.raw, f.fleiss, f.alpha, f.ac1)):
        return ""
    return (
        f" · {too_few_words(f.raw)}: no interval from fewer than {MIN_UNITS} decisions "
        "with two or more answers"
    )


class ResultsScreen(FeatureScreen[None]):
    """Per-criterion and overall agreement of one session."""

    CSS_PATH = "calibration.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "tab('tab-criteria')", "Criteria", id="calibration.results.criteria"),
        Binding("2", "tab('tab-graders')", "Graders", id="calibration.results.graders"),
        Binding("3", "tab('tab-critical')", "Critical", id="calibration.results.critical"),
        Binding("d", "drift", "Drift", id="calibration.results.drift"),
        Binding("escape", "back", "Back", id="calibration.results.back"),
        refresh_key("reload", "Work the figures out again"),
        *list_keys("cursor('down')", "cursor('up')", "cursor('first')", "cursor('last')"),
        *row_end_keys("calibration.results"),
    ]  # fmt: skip

    def __init__(self, ctx: Ctx, session_id: int, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.session_id = session_id
        self.results: SessionResults | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Working out the agreement figures…", id="results-head", classes="cal-line")
        with TabbedContent(id="results-tabs"):
            with TabPane("1 Criteria", id="tab-criteria"):
                yield Static(literal(LEGEND), id="results-legend", classes="cal-line")
                yield DataTable(id="results-criteria", cursor_type="row")
                yield Static("", id="results-row", classes="cal-line")
            with (
                TabPane("2 Graders", id="tab-graders"),
                VerticalScroll(id="results-graders-pane", classes="cal-pane"),
            ):
                yield Static("", id="results-text")
            with (
                TabPane("3 Critical", id="tab-critical"),
                VerticalScroll(id="results-critical-pane", classes="cal-pane"),
            ):
                yield Static("", id="results-critical")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Calibration session {self.session_id} · agreement"
        table = self.query_one(DataTable)
        for name in RESULT_COLUMNS:
            table.add_column(name, key=name)
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-results")
    def _load(self) -> None:
        found = results.session_results(self.ctx, self.session_id)
        self.app.call_from_thread(self._show, found)

    def _show(self, found: SessionResults) -> None:
        self.results = found
        s = found.session
        self.query_one("#results-head", Static).update(
            literal(
                f"{s.title} · {len(found.graders)} graders · references "
                f"{found.references_set}/{found.references_needed}"
            )
        )
        table = self.query_one(DataTable)
        table.clear()
        table.add_row(*_cells(_mark("ALL", False, found.overall), found.overall), key="overall")
        for c in found.criteria:
            table.add_row(*_cells(_mark(c.code, c.critical, c.figures), c.figures), key=c.code)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("tab-criteria").label = f"1 Criteria ({len(found.criteria)})"
        tabs.get_tab("tab-graders").label = f"2 Graders ({len(found.graders)})"
        tabs.get_tab("tab-critical").label = f"3 Critical ({len(found.critical_disagreements)})"
        self.query_one("#results-text", Static).update(literal("\n".join(self._grader_lines())))
        self.query_one("#results-critical", Static).update(
            literal("\n".join(self._critical_lines()))
        )
        self._row()
        self.call_after_refresh(self._say_if_wider)

    def _grader_lines(self) -> list[str]:
        assert self.results is not None
        overall = self.results.overall
        lines = [
            "Agreement with the reference answers, per grader (95% interval; n = decision "
            "x criterion answers compared):"
        ]
        if self.results.references_set == 0:
            lines.append("  none yet: set references on the answers screen (v)")
        else:
            lines += [
                f"  {g.grader.display_name}: {figures.words(g.estimate, as_percent=True)}"
                for g in overall.with_reference
            ]
        lines.append("")
        lines.append("Cohen's kappa for each pair of graders (n = answers both gave):")
        lines += [
            f"  {p.a.display_name} / {p.b.display_name}: {figures.words(p.estimate)}"
            for p in overall.cohen
        ]
        return lines

    def _critical_lines(self) -> list[str]:
        assert self.results is not None
        found = self.results.critical_disagreements
        if not found:
            return ["No disagreement on a critical criterion."]
        lines = [f"Critical criteria the graders disagreed on ({len(found)}):"]
        for d in found:
            given = ", ".join(f"{p.display_name} {answer_text(a)}" for p, a in d.answers)
            ref = d.reference.described if d.reference else "no reference"
            lines.append(f"  {d.cad_ref} {d.code}: {given}; reference {ref}")
        return lines

    def _say_if_wider(self) -> None:
        """At 80 columns a wide interval can push the last column past the edge: say so."""
        table = self.query_one(DataTable)
        legend = LEGEND
        if table.virtual_size.width > table.scrollable_content_region.width:
            legend += " · ←/→ scroll for more columns"
        self.query_one("#results-legend", Static).update(literal(legend))

    def on_data_table_row_highlighted(self) -> None:
        self._row()

    def _row(self) -> None:
        if self.results is None:
            return
        row = self.query_one(DataTable).cursor_row
        if row <= 0 or row > len(self.results.criteria):
            f = self.results.overall
            text = "ALL: every criterion together, each decision and criterion one unit; "
            text += _counts(f, "units")
        else:
            c = self.results.criteria[row - 1]
            f = c.figures
            critical = " (critical)" if c.critical else ""
            text = f"{c.code}{critical}: {c.question} · {_counts(f, 'decisions')}"
        text += _too_few(f)
        if f.divergence:
            text += f" · {f.divergence}"
        self.query_one("#results-row", Static).update(literal(text))

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        if tab == "tab-criteria":
            self.query_one(DataTable).focus()
        else:
            self.query_one(f"#{tab} VerticalScroll", VerticalScroll).focus()

    def action_cursor(self, direction: str) -> None:
        if self.query_one(TabbedContent).active == "tab-criteria":
            table = self.query_one(DataTable)
            if direction == "first":
                table.move_cursor(row=0, scroll=True)
            elif direction == "last":
                table.move_cursor(row=max(0, table.row_count - 1), scroll=True)
            else:
                (table.action_cursor_down if direction == "down" else table.action_cursor_up)()
            return
        pane = self.query_one(f"#{self.query_one(TabbedContent).active} VerticalScroll")
        assert isinstance(pane, VerticalScroll)
        move = {
            "down": pane.scroll_down,
            "up": pane.scroll_up,
            "first": pane.scroll_home,
            "last": pane.scroll_end,
        }
        move[direction]()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_drift(self) -> None:
        self.app.push_screen(DriftScreen(self.ctx))
