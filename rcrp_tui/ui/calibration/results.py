"""Agreement results of a revealed session, and each grader's drift across sessions.

``session_results`` takes about a second and a half on a full session, so it runs in a
thread worker and the screen says "Working…" meanwhile. Every figure is a number with its
95% interval and the number of units behind it; words, not colour, carry the meaning.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static

from rcrp_tui.domain.calibration.agreement import Estimate
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.calibration import results
from rcrp_tui.services.calibration.results import (
    AgreementFigures,
    GraderDrift,
    SessionResults,
)
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.calibration.common import answer_text, compact, percent
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import list_keys, refresh_key
from rcrp_tui.ui.common.literal import literal

RESULT_COLUMNS = ("Crit.", "Raw agree", "Fleiss kappa", "Kripp. alpha", "AC1", "n")
SPARKS = "▁▂▃▄▅▆▇█"


def spark(values: list[float | None]) -> str:
    """A text trend of agreement values from 0 to 1 (· where there was none)."""
    out = []
    for v in values:
        if v is None:
            out.append("·")
        else:
            out.append(SPARKS[min(len(SPARKS) - 1, max(0, int(v * len(SPARKS))))])
    return "".join(out)


def _cells(name: str, f: AgreementFigures) -> tuple[Any, ...]:
    return (
        name,
        percent(f.raw),
        compact(f.fleiss),
        compact(f.alpha),
        compact(f.ac1),
        str(f.fleiss.n_units or f.raw.n_units),
    )


def _estimate_words(e: Estimate) -> str:
    return f"{percent(e)} (n={e.n_units})"


class ResultsScreen(FeatureScreen[None]):
    """Per-criterion and overall agreement of one session."""

    CSS_PATH = "calibration.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "drift", "Drift", id="calibration.results.drift"),
        Binding("escape", "back", "Back", id="calibration.results.back"),
        refresh_key("reload", "Work the figures out again"),
        *list_keys("cursor('down')", "cursor('up')"),
    ]

    def __init__(self, ctx: Ctx, session_id: int, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.session_id = session_id
        self.results: SessionResults | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Working out the agreement figures…", id="results-head", classes="cal-line")
        yield DataTable(id="results-criteria", cursor_type="row")
        yield Static("", id="results-row", classes="cal-line")
        with VerticalScroll(id="results-notes"):
            yield Static("", id="results-text")
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
                f"{found.references_set}/{found.references_needed} · "
                "95% intervals; n = units (decision x criterion); ! critical"
            )
        )
        table = self.query_one(DataTable)
        table.clear()
        table.add_row(*_cells("OVERALL", found.overall), key="overall")
        for c in found.criteria:
            name = c.code + (" !" if c.critical else "")
            table.add_row(*_cells(name, c.figures), key=c.code)
        lines: list[str] = []
        if found.overall.divergence:
            lines.append(f"Overall: {found.overall.divergence}")
        # Only where kappa was computed: a criterion everyone answered alike has no kappa,
        # and its row note says so; listing it here would read as a disagreement.
        diverging = [
            c.code
            for c in found.criteria
            if c.figures.divergence and c.figures.fleiss.value is not None
        ]
        if diverging:
            lines.append(
                "Kappa and AC1 tell different stories on "
                + ", ".join(diverging)
                + " (highlight the row to read why)."
            )
        lines.append("Agreement with the reference, per grader:")
        if not found.overall.with_reference:
            lines.append("  none yet: set references on the reveal screen (v)")
        for g in found.overall.with_reference:
            lines.append(f"  {g.grader.display_name}: {_estimate_words(g.estimate)}")
        if found.critical_disagreements:
            lines.append(
                f"Critical criteria the graders disagreed on ({len(found.critical_disagreements)}):"
            )
            for d in found.critical_disagreements:
                given = ", ".join(f"{p.display_name} {answer_text(a)}" for p, a in d.answers)
                ref = d.reference.described if d.reference else "no reference"
                lines.append(f"  {d.cad_ref} {d.code}: {given}; reference {ref}")
        else:
            lines.append("No disagreement on a critical criterion.")
        self.query_one("#results-text", Static).update(literal("\n".join(lines)))
        self._row()

    def on_data_table_row_highlighted(self) -> None:
        self._row()

    def _row(self) -> None:
        if self.results is None:
            return
        row = self.query_one(DataTable).cursor_row
        if row <= 0 or row > len(self.results.criteria):
            text = "All criteria together: every decision and criterion is one unit."
            if self.results.overall.divergence:
                text += " " + self.results.overall.divergence
        else:
            c = self.results.criteria[row - 1]
            text = f"{c.code}: {c.question}"
            if c.figures.divergence:
                text += f" · {c.figures.divergence}"
        self.query_one("#results-row", Static).update(literal(text))

    def action_cursor(self, direction: str) -> None:
        table = self.query_one(DataTable)
        (table.action_cursor_down if direction == "down" else table.action_cursor_up)()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_drift(self) -> None:
        self.app.push_screen(DriftScreen(self.ctx))


class DriftScreen(FeatureScreen[None]):
    """Each grader against the reference across revealed sessions: lenient or severe,
    and the trend of their agreement (oldest session first)."""

    CSS_PATH = "calibration.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="calibration.drift.back"),
        refresh_key("reload", "Work the drift out again"),
        *list_keys("cursor('down')", "cursor('up')"),
    ]

    def __init__(self, ctx: Ctx, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.drift: tuple[GraderDrift, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Working out each grader's drift…", id="drift-head", classes="cal-line")
        yield DataTable(id="drift-table", classes="cal-table", cursor_type="row")
        yield Static("", id="drift-detail", classes="cal-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "Calibration · grader drift"
        table = self.query_one(DataTable)
        for name in ("Grader", "Leaning", "Points", "Lenient", "Severe", "Decisions", "Trend"):
            table.add_column(name, key=name)
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-drift")
    def _load(self) -> None:
        username = None if self.ctx.actor.role is Role.QA_LEAD else self.ctx.actor.username
        found = results.grader_drift(self.ctx, username)
        self.app.call_from_thread(self._show, found)

    def _show(self, found: tuple[GraderDrift, ...]) -> None:
        self.drift = found
        table = self.query_one(DataTable)
        table.clear()
        for g in found:
            diff = g.mean_score_difference
            table.add_row(
                literal(g.grader.display_name, single_line=True),
                g.direction,
                "n/a" if diff is None else f"{diff:+.1f}",
                str(g.lenient_verdicts),
                str(g.severe_verdicts),
                str(g.decisions_compared),
                spark([s.agreement.value for s in g.sessions]),
            )
        self.query_one("#drift-head", Static).update(
            "No revealed session with references yet."
            if not found
            else "Points: the grader's score minus the reference's, on average. Lenient: "
            "passed where the reference failed; severe: the other way. Trend: agreement "
            "with the reference per session, oldest first (▁ low, █ high)."
        )
        self._detail()

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if not (0 <= row < len(self.drift)):
            return
        g = self.drift[row]
        sessions = "; ".join(f"{s.title}: {percent(s.agreement)}" for s in g.sessions)
        worst = ", ".join(f"{c.code} {c.disagreed}/{c.compared}" for c in g.most_disagreed[:3])
        self.query_one("#drift-detail", Static).update(
            literal(f"{sessions}" + (f" · most disagreed: {worst}" if worst else ""))
        )

    def action_cursor(self, direction: str) -> None:
        table = self.query_one(DataTable)
        (table.action_cursor_down if direction == "down" else table.action_cursor_up)()

    def action_back(self) -> None:
        self.dismiss(None)
