"""The dialog in which a QA lead defines a sampling plan, saves it and (ctrl+r) draws from it.

Only the boxes the chosen method uses are shown. The sample-size helper under the form
updates as the confidence, margin or size is typed. A refusal names the box and moves the
focus there; what was typed stays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from rcrp_tui.domain.sampling import Allocation, SamplingMethod
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError, ValidationFailed
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling.plans import PlanView, SampleView
from rcrp_tui.ui.common.form import FormInput
from rcrp_tui.ui.common.keys import KeyHints
from rcrp_tui.ui.sampling.dialogs import DIALOG_CSS, SampleDialog
from rcrp_tui.ui.sampling.plan_form import SERVICE_FIELDS, PlanForm, read_plan, size_advice

# (label, widget id, placeholder, methods it applies to; empty = every method)
_M = SamplingMethod
FIELDS: tuple[tuple[str, str, str, tuple[SamplingMethod, ...]], ...] = (
    ("Name", "name", "e.g. November welfare, not deployed", ()),
    ("From", "date-from", "first day YYYY-MM-DD (London); blank: any", ()),
    ("To", "date-to", "last day YYYY-MM-DD, inclusive; blank: any", ()),
    ("Categories", "categories", "e.g. concern_for_welfare, walk_out; blank: all", ()),
    ("Outcomes", "outcomes", "e.g. not deployed, or signposted; blank: all", ()),
    ("Caller types", "caller-types", "e.g. public, ambulance; blank: all", ()),
    ("Teams", "teams", "team names, comma separated; blank: all", ()),
    ("Size", "size", "how many decisions", (_M.SIMPLE, _M.STRATIFIED)),
    ("Strata", "strata", "any of: category, shift, team", (_M.STRATIFIED,)),
    ("Quota", "quota", "reviews per officer per month", (_M.OFFICER_QUOTA,)),
    ("Census shift", "census-shift", "day, night, early, late; blank: any", (_M.CENSUS,)),
    ("CAD refs", "cad-refs", "CAD references, comma separated", (_M.TARGETED,)),
    ("Oversample not deployed", "over-nd", "factor, 1 = none", (_M.SIMPLE, _M.STRATIFIED)),
    ("Oversample partner", "over-partner", "factor, 1 = none", (_M.SIMPLE, _M.STRATIFIED)),
    ("Seed", "seed", "blank: chosen at random and stored", ()),
)
WIDGET_OF = {label: widget_id for label, widget_id, _, _ in FIELDS}
WIDGET_OF.update({"Method": "method", "Allocation": "allocation"})
METHOD_CHOICES = (
    ("Simple random sample", SamplingMethod.SIMPLE.value),
    ("Stratified random sample", SamplingMethod.STRATIFIED.value),
    ("Quota per contact officer per month", SamplingMethod.OFFICER_QUOTA.value),
    ("Go-live census of not-deployed decisions", SamplingMethod.CENSUS.value),
    ("Targeted CAD references", SamplingMethod.TARGETED.value),
)


@dataclass(frozen=True)
class PlanSaved:
    """What the dialog did: the plan saved, the sample drawn (if asked) or why not."""

    plan: PlanView
    sample: SampleView | None = None
    draw_refused: str | None = None


class PlanDialog(SampleDialog):
    """Define a plan: population, method, size, seed; the sample-size helper below."""

    DEFAULT_CSS = (
        DIALOG_CSS
        + """
    #plan-grid {
        grid-size: 2;
        grid-columns: 25 1fr;
        grid-rows: 1;
        grid-gutter: 0 1;
        height: auto;
    }
    #size-helper {
        margin-top: 1;
        height: auto;
    }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save(False)", "Save plan", id="plan-dialog.save"),
        Binding("f10", "save(True)", "Save and draw", id="plan-dialog.draw"),
    ]

    def __init__(self, ctx: Ctx) -> None:
        super().__init__()
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="sample-dialog"):
            yield Label("New sampling plan", classes="dialog-title")
            yield KeyHints(after=[("Tab", "next box")])
            yield Static("", classes="dialog-error", id="error")
            with Grid(id="plan-grid"):
                for label, widget_id, placeholder, methods in FIELDS[:7]:
                    yield from self._row(label, widget_id, placeholder, methods)
                yield Label("Method")
                yield Select(
                    METHOD_CHOICES,
                    value=SamplingMethod.SIMPLE.value,
                    allow_blank=False,
                    id="method",
                    compact=True,
                )
                yield Label("Allocation", classes="only-stratified")
                yield Select(
                    [(a.value.capitalize(), a.value) for a in Allocation],
                    value=Allocation.PROPORTIONAL.value,
                    allow_blank=False,
                    id="allocation",
                    compact=True,
                    classes="only-stratified",
                )
                for label, widget_id, placeholder, methods in FIELDS[7:]:
                    yield from self._row(label, widget_id, placeholder, methods)
                yield Label("Confidence %")
                yield FormInput("95", id="confidence", compact=True, restrict=r"[0-9.]*")
                yield Label("Margin of error ± %")
                yield FormInput("5", id="margin", compact=True, restrict=r"[0-9.]*")
                yield Label("Population N")
                yield FormInput(
                    placeholder="optional: decisions to sample from",
                    id="population",
                    compact=True,
                    restrict=r"[0-9]*",
                )
            yield Static(size_advice("95", "5", ""), id="size-helper")

    @staticmethod
    def _row(
        label: str, widget_id: str, placeholder: str, methods: tuple[SamplingMethod, ...]
    ) -> ComposeResult:
        classes = " ".join(f"only-{m.value}" for m in methods)
        value = {"quota": "3", "over-nd": "1", "over-partner": "1"}.get(widget_id, "")
        yield Label(label, classes=classes)
        yield FormInput(value, placeholder=placeholder, id=widget_id, compact=True, classes=classes)

    def on_mount(self) -> None:
        self._show_method_fields()
        self.query_one("#name", Input).focus()

    # ----- live form behaviour -------------------------------------------------

    @on(Select.Changed, "#method")
    def _method_changed(self) -> None:
        self._show_method_fields()

    def _show_method_fields(self) -> None:
        method = str(self.query_one("#method", Select).value)
        grid = self.query_one("#plan-grid")
        for widget in grid.children:
            only = [c[5:] for c in widget.classes if c.startswith("only-")]
            if only:
                widget.set_class(method not in only, "hidden")

    @on(Input.Changed, "#confidence, #margin, #size, #population")
    def _advice(self) -> None:
        self.query_one("#size-helper", Static).update(
            size_advice(
                self._text("confidence"),
                self._text("margin"),
                self._text("size"),
                self._text("population"),
            )
        )

    @on(Input.Submitted)
    def _next_box(self) -> None:
        self.focus_next()

    # ----- saving ----------------------------------------------------------------

    def _text(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def form(self) -> PlanForm:
        """What is typed in the dialog now."""
        return PlanForm(
            name=self._text("name"),
            date_from=self._text("date-from"),
            date_to=self._text("date-to"),
            categories=self._text("categories"),
            outcomes=self._text("outcomes"),
            caller_types=self._text("caller-types"),
            teams=self._text("teams"),
            method=str(self.query_one("#method", Select).value),
            allocation=str(self.query_one("#allocation", Select).value),
            size=self._text("size"),
            strata=self._text("strata"),
            quota=self._text("quota"),
            census_shift=self._text("census-shift"),
            cad_refs=self._text("cad-refs"),
            oversample_not_deployed=self._text("over-nd"),
            oversample_partner=self._text("over-partner"),
            seed=self._text("seed"),
        )

    def action_save(self, draw: bool) -> None:
        form = self.form()
        self.run_call(lambda: self._save(form, draw))

    def _save(self, form: PlanForm, draw: bool) -> PlanSaved:
        # Runs in the dialog's worker thread (see SampleDialog.run_call).
        teams = {t.name: t.id for t in people.list_teams(self.ctx)}
        request = read_plan(form, teams)
        spec = request.spec
        if request.cad_refs:
            spec = replace(
                spec, target_ids=sampling.resolve_cad_refs(self.ctx, [*request.cad_refs])
            )
        plan = sampling.save_plan(
            self.ctx, request.name, request.population, spec, seed=request.seed
        )
        if not draw:
            return PlanSaved(plan)
        try:
            return PlanSaved(plan, sample=sampling.draw_sample(self.ctx, plan.id))
        except sampling.LargerThanPopulation as exc:  # warn first: drawing all is a choice
            hint = " Press d and choose the plan to draw them all."
            return PlanSaved(plan, draw_refused=exc.message + hint)
        except ServiceError as exc:  # the plan is saved either way; say why nothing was drawn
            return PlanSaved(plan, draw_refused=exc.message)

    def describe_refusal(self, exc: ValidationFailed) -> str:
        label = SERVICE_FIELDS.get(exc.field, exc.field)
        return f"{label}: {exc.reason}"

    def field_widget(self, field: str | None) -> str | None:
        return WIDGET_OF.get(SERVICE_FIELDS.get(field or "", field or ""))


def plan_saved_note(result: Any) -> tuple[str, bool]:
    """The notification after the dialog closes: (text, is_warning)."""
    if not isinstance(result, PlanSaved):
        return "", False
    name = result.plan.name
    if result.sample is not None:
        s = result.sample
        return (f"Plan {name!r} saved; sample #{s.id} drawn: {s.size} decisions.", False)
    if result.draw_refused:
        return (f"Plan {name!r} saved, but no sample drawn: {result.draw_refused}", True)
    return (f"Plan {name!r} saved. Press d to draw a sample from it.", False)
