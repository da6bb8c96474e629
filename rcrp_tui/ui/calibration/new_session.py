"""A QA lead's new calibration session: title, deadline, graders, and the decisions as
CAD references or a draw from a saved sampling plan.

The service checks everything; its refusal appears under the field at fault and what was
typed stays.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, SelectionList, Static

from rcrp_tui.domain.kpis import parse_day
from rcrp_tui.services.calibration import sessions
from rcrp_tui.services.calibration.records import Person
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError, ValidationFailed
from rcrp_tui.services.sampling import plans
from rcrp_tui.services.sampling.plans import PlanView
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.calibration.common import DIALOG_CSS
from rcrp_tui.ui.common.form import FormBehaviour, FormInput
from rcrp_tui.ui.common.keys import KeyHints
from rcrp_tui.ui.common.literal import literal
from rcrp_tui.ui.common.worded_selection import WordedSelectionList

NO_PLAN = -1


def split_refs(text: str) -> list[str]:
    """CAD references separated by commas, spaces or new lines."""
    return [part for part in re.split(r"[,\s]+", text) if part]


class NewSessionDialog(FormBehaviour, ReportsWorkerErrors, ModalScreen[int | None]):
    """Title, deadline, graders, decisions: ctrl+s creates the session."""

    DEFAULT_CSS = DIALOG_CSS
    FORM_ERROR_ID = "new-error"
    FORM_WHAT = "this new session"
    FORM_FIELDS: ClassVar[dict[str, tuple[str, str]]] = {
        "Title": ("new-title", "Title"),
        "Deadline": ("new-deadline", "Deadline"),
        "Graders": ("new-graders", "Graders"),
        "Decisions": ("new-refs", "Decisions"),
        "Toolkit": ("new-refs", "Decisions"),
        "plan": ("new-plan", "Sampling plan"),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "create", "Create", id="calibration.new.create"),
        Binding("escape", "cancel", "Cancel", id="calibration.new.cancel"),
    ]

    def __init__(self, ctx: Ctx) -> None:
        super().__init__()
        self.ctx = ctx
        self.graders: tuple[Person, ...] = ()
        self.plans: list[PlanView] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="cal-dialog"):
            yield Label("New calibration session", classes="dialog-title")
            yield Label("Title")
            yield FormInput(id="new-title", placeholder="e.g. December calibration")
            yield Label("Deadline (YYYY-MM-DD)")
            yield FormInput(id="new-deadline")
            yield Label("Graders (space to tick; at least two)")
            yield WordedSelectionList(id="new-graders")
            yield Static("Chosen: none yet", id="new-chosen")
            yield Label("Decisions: CAD references (commas or spaces between them)")
            yield FormInput(id="new-refs")
            yield Label("…or a saved sampling plan and how many decisions to draw")
            yield Select[int]([], id="new-plan", prompt="No plan", allow_blank=True)
            yield FormInput(id="new-count", placeholder="how many")
            yield Static("", id="new-error", classes="dialog-error")
            yield KeyHints(before=[("Tab", "next field")])

    def on_mount(self) -> None:
        self.query_one("#new-title", Input).focus()
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-new-load")
    def _load(self) -> None:
        graders = sessions.eligible_graders(self.ctx)
        try:
            found = plans.list_plans(self.ctx)
        except ServiceError:
            found = []
        self.app.call_from_thread(self._loaded, graders, found)

    def _loaded(self, graders: tuple[Person, ...], found: list[PlanView]) -> None:
        self.graders, self.plans = graders, found
        box = self.query_one("#new-graders", SelectionList)
        box.clear_options()
        for p in graders:
            box.add_option(
                (literal(f"{p.display_name} ({p.username})", single_line=True), p.username)
            )
        self.query_one("#new-plan", Select).set_options(
            [(literal(p.name, single_line=True), p.id) for p in found]
        )
        self.remember_form()

    @on(SelectionList.SelectedChanged)
    def _chosen(self) -> None:
        # The ticks differ by colour only: say in words who is chosen.
        chosen = set(self.query_one("#new-graders", SelectionList).selected)
        names = [p.display_name for p in self.graders if p.username in chosen]
        self.query_one("#new-chosen", Static).update(
            literal(f"Chosen ({len(names)}): " + ", ".join(names) if names else "Chosen: none yet")
        )

    def _deadline(self) -> date | None:
        # The one day parser every date box uses: it names a day that does not exist
        # and never repeats a long paste in full.
        try:
            return parse_day(self.query_one("#new-deadline", Input).value, "Deadline")
        except ValueError as exc:
            self.show_field_error("new-deadline", f"{exc}.")
            return None

    def action_create(self) -> None:
        self.clear_field_error()
        if self.refuse_if_too_long(
            "new-title", "Title", self.query_one("#new-title", Input).value.strip(), 200
        ):
            return
        deadline = self._deadline()
        if deadline is None:
            return
        refs = split_refs(self.query_one("#new-refs", Input).value)
        plan_value = self.query_one("#new-plan", Select).value
        plan_id = plan_value if isinstance(plan_value, int) else None
        count_text = self.query_one("#new-count", Input).value.strip()
        count: int | None = None
        if plan_id is not None:
            if refs:
                self.show_field_error(
                    "new-refs", "Decisions: give CAD references or a plan, not both."
                )
                return
            if not count_text.isdigit() or int(count_text) < 1:
                self.show_field_error(
                    "new-count", "How many: a whole number of decisions to draw, e.g. 10."
                )
                return
            count = int(count_text)
        elif not refs:
            self.show_field_error(
                "new-refs", "Decisions: give CAD references, or choose a plan and a count."
            )
            return
        graders = list(self.query_one("#new-graders", SelectionList).selected)
        self._create(
            self.query_one("#new-title", Input).value, deadline, graders, refs, plan_id, count
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-new")
    def _create(
        self,
        title: str,
        deadline: date,
        graders: list[str],
        refs: list[str],
        plan_id: int | None,
        count: int | None,
    ) -> None:
        try:
            created = sessions.create_session(
                self.ctx,
                title=title,
                deadline=deadline,
                graders_usernames=graders,
                cad_refs=refs,
                plan_id=plan_id,
                plan_count=count,
            )
        except ValidationFailed as exc:
            self.app.call_from_thread(self.show_validation, exc)
            return
        except ServiceError as exc:
            self.app.call_from_thread(self.show_field_error, None, exc.message)
            return
        self.app.call_from_thread(self.dismiss, created.session.id)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_create()

    def action_cancel(self) -> None:
        self.leave_form()
