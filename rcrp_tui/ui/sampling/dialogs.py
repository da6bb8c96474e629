"""Small keyboard dialogs for the sample screens: a reason, a yes/no, an export path,
the saved-plan picker and assigning an item.

Each dialog that writes runs the service call in a thread worker and stays open when it
is refused, showing the message where the person is typing, so nothing typed is lost.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from rcrp_tui.domain.stratum_labels import stratum_label
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, ServiceError, ValidationFailed
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling.lists import SampleWorker
from rcrp_tui.services.sampling.plans import PlanView
from rcrp_tui.services.sampling.queue import REASON_MAX, QueueItem
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.common.form import FormBehaviour, FormInput
from rcrp_tui.ui.common.keys import KeyHints, shown_key
from rcrp_tui.ui.common.literal import literal

DIALOG_CSS = """
SampleDialog {
    align: center middle;
}
.sample-dialog {
    width: 76;
    max-width: 95%;
    max-height: 95%;
    background: $surface;
    padding: 1 2;
}
.sample-dialog .dialog-title {
    margin-bottom: 1;
}
.sample-dialog .dialog-help {
    margin-top: 1;
}
.sample-dialog .dialog-error {
    text-style: bold;
    height: auto;
}
.sample-dialog OptionList {
    height: auto;
    max-height: 12;
}
"""


class SampleDialog(FormBehaviour, ReportsWorkerErrors, ModalScreen[Any]):
    """Shared behaviour (``ui.common.form``): Esc cancels, asking first when a field was
    changed; a refusal is shown under its field and the dialog stays."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="sample-dialog.cancel")
    ]

    class Refused(Message):
        def __init__(self, message: str, field: str | None = None) -> None:
            super().__init__()
            self.message = message
            self.field = field

    class Done(Message):
        def __init__(self, result: Any) -> None:
            super().__init__()
            self.result = result

    def action_cancel(self) -> None:
        self.leave_form()

    def show_error(self, message: str, field: str | None = None) -> None:
        """Show ``message`` literally (it may quote what the person typed) under the field
        the service names (``field``), or under the dialog's only text box."""
        self.show_field_error(self.field_widget(field), message)

    def run_call(self, call: Callable[[], Any]) -> None:
        """Run ``call`` in a worker thread; answer with ``Done`` or ``Refused``."""
        self.query_one("#error", Static).update("Working…")
        self._run(call)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sample-dialog")
    def _run(self, call: Callable[[], Any]) -> None:
        try:
            result = call()
        except ValidationFailed as exc:
            self.post_message(self.Refused(self.describe_refusal(exc), exc.field))
        except ServiceError as exc:
            self.post_message(self.Refused(exc.message))
        except OSError as exc:  # an export path that cannot be written
            self.post_message(self.Refused(f"Cannot write there: {exc.strerror or exc}."))
        else:
            self.post_message(self.Done(result))

    def describe_refusal(self, exc: ValidationFailed) -> str:
        """How a refusal reads in this dialog (the reason alone: there is one field)."""
        return exc.reason[:1].upper() + exc.reason[1:] + "."

    def field_widget(self, field: str | None) -> str | None:
        """The widget id of the field a refusal names: here the dialog's only text box
        (dialogs with several fields override this)."""
        boxes = [w for w in self.query(FormInput).results() if w.id]
        return boxes[0].id if len(boxes) == 1 else None

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.show_error(message.message, message.field)

    @on(Done)
    def _done(self, message: Done) -> None:
        self.dismiss(message.result)


class ReasonDialog(SampleDialog):
    """Ask why an item is skipped or replaced, then do it; the reason is required."""

    def __init__(self, title: str, detail: str, act: Callable[[str], Any]) -> None:
        super().__init__()
        self._title = title
        self._detail = detail
        self._act = act

    def compose(self) -> ComposeResult:
        with Vertical(classes="sample-dialog"):
            yield Label(literal(self._title), classes="dialog-title")
            yield Static(literal(self._detail))
            yield Label("Reason (required, recorded in the sample's report)")
            yield FormInput(id="reason")
            yield Static("", classes="dialog-error", id="error")
            yield KeyHints(before=[("Enter", "confirm")])

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.show_error("Give a reason: it is recorded, so the sample can be defended.")
            return
        if self.refuse_if_too_long("reason", "Reason", reason, REASON_MAX):
            return
        self.run_call(lambda: self._act(reason))


class ConfirmDialog(ReportsWorkerErrors, ModalScreen[bool | None]):
    """A yes/no question: y or Enter confirms, n or Esc cancels."""

    DEFAULT_CSS = DIALOG_CSS.replace("SampleDialog {", "ConfirmDialog {")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self._title = title
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="sample-dialog"):
            yield Label(literal(self._title), classes="dialog-title")
            yield Static(literal(self._question))
            yield KeyHints()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes or None)


class ExportDialog(SampleDialog):
    """Ask where to write a CSV file, then write it; a bad folder keeps the dialog open."""

    def __init__(self, title: str, default: Path, write: Callable[[Path], Any]) -> None:
        super().__init__()
        self._title = title
        self._default = default
        self._write = write

    def compose(self) -> ComposeResult:
        with Vertical(classes="sample-dialog"):
            yield Label(literal(self._title), classes="dialog-title")
            yield Label("File (a new or existing .csv file in an existing folder)")
            yield FormInput(str(self._default), id="path")
            yield Static("", classes="dialog-error", id="error")
            yield KeyHints(before=[("Enter", "write")])
            yield Static(
                "The file is OFFICIAL-SENSITIVE: keep it on force systems.", classes="dialog-help"
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        raw = event.value.strip()
        if not raw:
            self.show_error("Type the path of the file to write.")
            return
        path = Path(raw).expanduser()
        if raw.endswith(("/", os.sep)) and not path.is_dir():
            self.show_error(f"The folder {path} does not exist.")
            return
        if path.is_dir():
            self.show_error(f"{path} is a folder: add a file name, e.g. {path / 'sample.csv'}")
            return
        if not path.parent.is_dir():
            self.show_error(f"The folder {path.parent} does not exist.")
            return
        self.run_call(lambda: (path, self._write(path)))


class PlanPickerDialog(SampleDialog):
    """Choose a saved plan and draw a sample from it (its stored seed, or one typed)."""

    def __init__(self, ctx: Ctx) -> None:
        super().__init__()
        self.ctx = ctx
        self.plans: list[PlanView] = []
        # The plan whose size over its population the person was told of: Enter again draws all.
        self.whole_population_for: int | None = None

    class PlansLoaded(Message):
        def __init__(self, plans: list[PlanView]) -> None:
            super().__init__()
            self.plans = plans

    def compose(self) -> ComposeResult:
        with Vertical(classes="sample-dialog"):
            yield Label("Draw a sample from a saved plan", classes="dialog-title")
            yield OptionList(id="plans")
            yield Static("", id="plan-detail")
            yield Label("Seed (blank: the plan's stored seed, so the draw can be repeated)")
            yield FormInput(placeholder="blank or a whole number", id="seed", restrict=r"[0-9]*")
            yield Static("", classes="dialog-error", id="error")
            yield KeyHints(before=[("↑↓", "choose"), ("Enter", "draw"), ("Tab", "seed")])

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.query_one("#error", Static).update("Loading plans…")
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="plans")
    def _load(self) -> None:
        self.post_message(self.PlansLoaded(sampling.list_plans(self.ctx)))

    @on(PlansLoaded)
    def _loaded(self, message: PlansLoaded) -> None:
        self.plans = message.plans
        options = self.query_one(OptionList)
        options.set_options(
            Option(literal(f"{p.name}  ·  {p.description}", single_line=True), id=str(p.id))
            for p in self.plans
        )
        if self.plans:
            options.highlighted = 0
            self.query_one("#error", Static).update("")
        else:
            plan = shown_key(self.app, "samples.plan", "p")
            self.show_error(f"No plans saved yet: press {plan} on the sample list to define one.")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        plan = self.plans[event.option_index]
        self.whole_population_for = None
        self.query_one("#plan-detail", Static).update(
            Text(f"Stored seed {plan.seed} · saved by ", style="dim")
            + literal(plan.created_by)
            + Text(f" on {plan.created_at:%d %b %Y}", style="dim")
        )

    def on_option_list_option_selected(self, _event: OptionList.OptionSelected) -> None:
        self._draw()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self._draw()

    def _draw(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is None or not self.plans:
            self.show_error("Choose a plan first.")
            return
        plan = self.plans[index]
        raw = self.query_one("#seed", Input).value.strip()
        seed = int(raw) if raw else None
        whole = self.whole_population_for == plan.id
        cancel = shown_key(self.app, "sample-dialog.cancel", "Esc")

        def draw() -> Any:
            try:
                return sampling.draw_sample(self.ctx, plan.id, seed=seed, whole_population=whole)
            except sampling.LargerThanPopulation as exc:
                self.whole_population_for = plan.id
                raise Conflict(
                    f"{exc.message} Press Enter again to draw all {exc.population:,}, "
                    f"or {cancel} to cancel."
                ) from None

        self.run_call(draw)


class AssignDialog(SampleDialog):
    """Assign an open item to a floorwalker or QA lead, or leave it for whoever is on shift."""

    class WorkersLoaded(Message):
        def __init__(self, workers: list[SampleWorker]) -> None:
            super().__init__()
            self.people = workers

    def __init__(self, ctx: Ctx, item: QueueItem) -> None:
        super().__init__()
        self.ctx = ctx
        self.item = item
        self.candidates: list[SampleWorker] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="sample-dialog"):
            yield Label(f"Assign item {self.item.position}", classes="dialog-title")
            yield Static(literal(f"{self.item.cad_ref} · {stratum_label(self.item.stratum)}"))
            yield OptionList(id="workers")
            yield Static("", classes="dialog-error", id="error")
            yield KeyHints(before=[("↑↓", "choose"), ("Enter", "assign")])

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.query_one("#error", Static).update("Loading people…")
        self._load_workers()

    @work(thread=True, exclusive=True, exit_on_error=False, group="workers")
    def _load_workers(self) -> None:
        from rcrp_tui.services.sampling import lists as sample_lists

        self.post_message(self.WorkersLoaded(sample_lists.sample_workers(self.ctx)))

    @on(WorkersLoaded)
    def _workers_loaded(self, message: WorkersLoaded) -> None:
        self.candidates = message.people
        options = self.query_one(OptionList)
        options.add_option(Option("Nobody: leave it for whoever is on shift", id="nobody"))
        for w in self.candidates:
            line = f"{w.display_name} ({w.username}) · {w.role.label}"
            options.add_option(Option(literal(line, single_line=True), id=str(w.id)))
        current = self.item.assigned_to_user_id
        ids = [w.id for w in self.candidates]
        options.highlighted = ids.index(current) + 1 if current in ids else 0
        self.query_one("#error", Static).update("")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        from rcrp_tui.services.sampling import queue as sample_queue

        index = event.option_index
        user_id = None if index == 0 else self.candidates[index - 1].id
        self.run_call(
            lambda: sample_queue.assign(
                self.ctx, self.item.id, user_id, expected_version=self.item.row_version
            )
        )
