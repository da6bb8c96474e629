"""Results of one sample: compliance with Wilson 95% intervals, judgements, strata, CSV.

Every rate is shown with its interval and its counts, never as a bare percentage, and the
report says how many items were skipped or replaced so the figures can be defended.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Header, Label, Static
from textual.worker import Worker, WorkerState

from rcrp_tui.domain.scoring import Judgement
from rcrp_tui.domain.stratum_labels import stratum_label
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import results as sampling_results
from rcrp_tui.services.sampling.plans import SampleView
from rcrp_tui.services.sampling.results import SampleResults, judgement_label
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.literal import literal, markup_safe, visible

CRITERIA_COLUMNS = ("Criterion", "Met", "Partly", "Not met", "N/A", "Compliance (95% CI)")
STRATA_COLUMNS = ("Stratum", "Reviewed", "In sample", "Passed (95% CI)")


def headline(sample: SampleView, r: SampleResults) -> Text:
    """The lines above the tables: what was reviewed, and the overall rates."""
    text = Text()
    text.append(f"Sample #{sample.id} ", style="bold")
    text.append(visible(sample.plan_name, single_line=True))
    text.append(f" · {sample.method_description}\n")
    text.append(
        f"Reviewed {r.reviewed} of {r.in_sample} in the sample · skipped {r.skipped} · "
        f"replaced {r.replaced}\n"
    )
    text.append("Overall compliance (reviews passed): ", style="bold")
    text.append(r.overall.describe())
    if r.weighted is not None:
        text.append("\nWeighted back to the population: ", style="bold")
        text.append(r.weighted.describe())
        text.append(" · design weights differ by stratum; counts on the effective-sample scale")
    if r.reviewed and r.reviewed < r.in_sample:
        text.append("\nPartly finished: the figures cover the reviews submitted so far.")
    return text


class SampleResultsScreen(FeatureScreen[None]):
    """The results of one sample; e writes every item to a CSV file."""

    CSS_PATH = "samples.tcss"
    HELP_TITLE = "Sample results"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "export", "Export CSV", id="sample-results.export"),
        Binding("escape", "back", "Back", id="sample-results.back"),
    ]

    class Loaded(Message):
        def __init__(self, sample: SampleView, results: SampleResults) -> None:
            super().__init__()
            self.sample = sample
            self.results = results

    def __init__(self, ctx: Ctx, sample_id: int, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.sample_id = sample_id
        self.results: SampleResults | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="results-body"):
            yield Static("Loading…", id="results-headline")
            with Horizontal(id="results-pair"):
                with Vertical():
                    yield Label("Overall judgements of the decisions", classes="results-heading")
                    yield DataTable(id="judgements-table", cursor_type="none")
                with Vertical():
                    yield Label("Per stratum", classes="results-heading")
                    yield DataTable(id="strata-results", cursor_type="none", zebra_stripes=True)
            yield Label(
                "Per criterion (met out of met + partly + not met)", classes="results-heading"
            )
            yield DataTable(id="criteria-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Sample #{self.sample_id} results"
        for table_id, columns in (
            ("#criteria-table", CRITERIA_COLUMNS),
            ("#judgements-table", ("Judgement", "Reviews", "Share")),
            ("#strata-results", STRATA_COLUMNS),
        ):
            table = self.query_one(table_id, DataTable)
            for name in columns:
                table.add_column(name, key=name)
        self.query_one("#criteria-table", DataTable).focus()
        self._load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        error = event.worker.error
        if event.state is WorkerState.ERROR and event.worker.group == "results-load":
            # Say it where the figures should be, too: a toast can be missed.
            text = error.message if isinstance(error, ServiceError) else str(error)
            self.query_one("#results-headline", Static).update(literal(f"✗ Could not load: {text}"))

    @work(thread=True, exclusive=True, exit_on_error=False, group="results-load")
    def _load(self) -> None:
        sample = sampling.get_sample(self.ctx, self.sample_id)
        self.post_message(self.Loaded(sample, sampling_results.results(self.ctx, self.sample_id)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        r = self.results = message.results
        self.query_one("#results-headline", Static).update(headline(message.sample, r))
        criteria = self.query_one("#criteria-table", DataTable)
        criteria.clear()
        for c in r.criteria:
            criteria.add_row(
                literal(c.code, single_line=True),
                str(c.met),
                str(c.partial),
                str(c.not_met),
                str(c.not_applicable),
                c.compliance.describe(),
            )
        judgements = self.query_one("#judgements-table", DataTable)
        judgements.clear()
        for code, n in r.judgements:
            share = f"{n / r.reviewed:.0%}" if r.reviewed else ""
            label = judgement_label(code)
            if code == Judgement.SHOULD_HAVE_DEPLOYED.value:
                label += "  ⚠ safety-critical"
            judgements.add_row(literal(label, single_line=True), str(n), share)
        strata = self.query_one("#strata-results", DataTable)
        strata.clear()
        for s in r.strata:
            strata.add_row(
                literal(stratum_label(s.stratum), single_line=True),
                str(s.reviewed),
                str(s.in_sample),
                s.compliance.describe(),
            )

    def action_back(self) -> None:
        self.dismiss(None)

    def action_export(self) -> None:
        from rcrp_tui.settings import default_export_folder
        from rcrp_tui.ui.sampling.dialogs import ExportDialog

        default = default_export_folder() / f"sample-{self.sample_id}.csv"

        def write(path: Path) -> int:
            return sampling_results.write_csv(self.ctx, self.sample_id, path)

        def done(result: Any) -> None:
            if result is not None:
                path, rows = result
                self.notify(markup_safe(f"Wrote {rows} item(s) to {path} (OFFICIAL-SENSITIVE)."))

        self.app.push_screen(ExportDialog(f"Export sample #{self.sample_id}", default, write), done)
