"""A QA lead's new calibration session: title, deadline, graders, and the decisions as
CAD references or a draw from a saved sampling plan.

Create checks every field at once, in the form and then in the service, and shows every
problem under its own field; what was typed stays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, SelectionList, Static

from rcrp_tui.domain.kpis import parse_day
from rcrp_tui.services.calibration import sessions
from rcrp_tui.services.calibration.records import Person
from rcrp_tui.services.calibration.sessions import SessionProblems
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError, ValidationFailed
from rcrp_tui.services.sampling import plans
from rcrp_tui.services.sampling.plans import PlanView
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.calibration.common import DIALOG_CSS
from rcrp_tui.ui.common.form import FormBehaviour, FormInput, over_limit, plain_reason
from rcrp_tui.ui.common.keys import KeyHints
from rcrp_tui.ui.common.literal import literal
from rcrp_tui.ui.common.worded_selection import WordedSelectionList

NO_PLAN = -1
#: The fields with a line of their own for problems, in the form's order.
ERROR_LINES = ("new-title", "new-deadline", "new-graders", "new-refs", "new-count")
#: The longest title the form takes before asking the service (which allows fewer).
TITLE_LIMIT = 200


def split_refs(text: str) -> list[str]:
    """CAD references separated by commas, spaces or new lines."""
    return [part for part in re.split(r"[,\s]+", text) if part]


class NewSessionDialog(FormBehaviour, ReportsWorkerErrors, ModalScreen[int | None]):
    """Title, deadline, graders, decisions: ctrl+s creates the session."""

    # The fields scroll; the key line stays below them, always in view, and the screen's
    # padding keeps the app's header and footer lines uncovered.
    DEFAULT_CSS = (
        DIALOG_CSS
        + """
    NewSessionDialog { padding: 1 0; }
    NewSessionDialog #new-dialog { height: 100%; }
    NewSessionDialog #new-form { height: 1fr; }
    NewSessionDialog #new-keys { height: auto; }
    """
    )
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
        with Vertical(classes="cal-dialog", id="new-dialog"):
            yield from self._fields()
            yield KeyHints(before=[("Tab", "next field")], id="new-keys")

    def _fields(self) -> ComposeResult:
        with VerticalScroll(id="new-form"):
            yield Label("New calibration session", classes="dialog-title")
            yield Label("Title")
            yield FormInput(id="new-title", placeholder="e.g. December calibration")
            yield Static("", id="new-title-error", classes="dialog-error")
            yield Label("Deadline (YYYY-MM-DD)")
            yield FormInput(id="new-deadline")
            yield Static("", id="new-deadline-error", classes="dialog-error")
            yield Label("Graders (space to tick; at least two)")
            yield WordedSelectionList(id="new-graders")
            yield Static("Chosen: none yet", id="new-chosen")
            yield Static("", id="new-graders-error", classes="dialog-error")
            yield Label("Decisions: CAD references (commas or spaces between them)")
            yield FormInput(id="new-refs")
            yield Static("", id="new-refs-error", classes="dialog-error")
            yield Label("…or a saved sampling plan and how many decisions to draw")
            yield Select[int]([], id="new-plan", prompt="No plan", allow_blank=True)
            yield FormInput(id="new-count", placeholder="how many")
            yield Static("", id="new-count-error", classes="dialog-error")
            yield Static("", id="new-error", classes="dialog-error")

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

    def _clear_problems(self) -> None:
        self.clear_field_error()
        for field_id in ERROR_LINES:
            self.query_one(f"#{field_id}-error", Static).update("")

    def _field_for(self, service_field: str, plan_chosen: bool, refs: bool) -> str:
        """The field a service's problem belongs under ("" for the form's own line)."""
        if service_field in ("Decisions", "Toolkit", "plan"):
            return "new-count" if plan_chosen and not refs else "new-refs"
        fields = {"Title": "new-title", "Deadline": "new-deadline", "Graders": "new-graders"}
        return fields.get(service_field, "")

    def show_problems(self, problems: Sequence[tuple[str, str]]) -> None:
        """Every problem at once, each under its own field (what was typed stays); the
        focus goes to the first field at fault with the cursor at the end of its text."""
        self._clear_problems()
        shown: dict[str, list[str]] = {}
        for field_id, message in problems:
            shown.setdefault(field_id if field_id in ERROR_LINES else "", []).append(message)
        for field_id, messages in shown.items():
            line_id = f"#{field_id}-error" if field_id else "#new-error"
            self.query_one(line_id, Static).update(
                literal("\n".join(f"✗ {m.removeprefix('✗ ')}" for m in messages), style="bold")
            )
        first = next((f for f, _m in problems if f in ERROR_LINES), None)
        if first is None:
            return
        field = self.query_one(f"#{first}")
        field.focus()
        if isinstance(field, FormInput):
            field.cursor_to_end()
        self.call_after_refresh(field.scroll_visible, animate=False)

    def action_create(self) -> None:
        # What the form can tell by itself, then (in the background) what the service
        # finds; every problem is shown at once.
        problems: list[tuple[str, str]] = []
        title = self.query_one("#new-title", Input).value
        too_long = over_limit(title.strip(), TITLE_LIMIT)
        if too_long:
            problems.append(("new-title", f"Title: {too_long}."))
        deadline: date | None = None
        try:
            # The one day parser every date box uses: it names a day that does not exist
            # and never repeats a long paste in full.
            deadline = parse_day(self.query_one("#new-deadline", Input).value, "Deadline")
        except ValueError as exc:
            problems.append(("new-deadline", f"{exc}."))
        refs = split_refs(self.query_one("#new-refs", Input).value)
        plan_value = self.query_one("#new-plan", Select).value
        plan_id = plan_value if isinstance(plan_value, int) else None
        count_text = self.query_one("#new-count", Input).value.strip()
        count: int | None = None
        if plan_id is not None:
            if refs:
                problems.append(("new-refs", "Decisions: give CAD references or a plan, not both."))
            if not count_text.isdigit() or int(count_text) < 1:
                problems.append(
                    ("new-count", "How many: a whole number of decisions to draw, e.g. 10.")
                )
            else:
                count = int(count_text)
        elif not refs:
            problems.append(
                ("new-refs", "Decisions: give CAD references, or choose a plan and a count.")
            )
        graders = list(self.query_one("#new-graders", SelectionList).selected)
        self._check_and_create(title, deadline, graders, refs, plan_id, count, tuple(problems))

    def _worded(
        self, problems: Sequence[ValidationFailed], plan: bool, refs: bool
    ) -> list[tuple[str, str]]:
        return [
            (
                self._field_for(p.field, plan, refs),
                f"{self.field_label(p.field)}: {plain_reason(p.reason)}",
            )
            for p in problems
        ]

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-new")
    def _check_and_create(
        self,
        title: str,
        deadline: date | None,
        graders: list[str],
        refs: list[str],
        plan_id: int | None,
        count: int | None,
        found: tuple[tuple[str, str], ...],
    ) -> None:
        plan = plan_id is not None
        try:
            checked = sessions.new_session_problems(
                self.ctx,
                title=title,
                deadline=deadline,
                graders_usernames=graders,
                cad_refs=refs,
                plan_id=plan_id,
                plan_count=count,
            )
            flagged = {field_id for field_id, _m in found}
            # The form's own words for a field stand; the service adds the rest.
            problems = list(found) + [
                p for p in self._worded(checked, plan, bool(refs)) if p[0] not in flagged
            ]
            if problems:
                order = {f: i for i, f in enumerate(ERROR_LINES)}
                problems.sort(key=lambda p: order.get(p[0], len(order)))
                self.app.call_from_thread(self.show_problems, problems)
                return
            assert deadline is not None
            created = sessions.create_session(
                self.ctx,
                title=title,
                deadline=deadline,
                graders_usernames=graders,
                cad_refs=refs,
                plan_id=plan_id,
                plan_count=count,
            )
        except SessionProblems as exc:  # changed between the check and the save
            self.app.call_from_thread(
                self.show_problems, self._worded(exc.problems, plan, bool(refs))
            )
            return
        except ServiceError as exc:
            self.app.call_from_thread(self.show_problems, [("", exc.message)])
            return
        self.app.call_from_thread(self.dismiss, created.session.id)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_create()

    def action_cancel(self) -> None:
        self.leave_form()
