"""The reveal (QA lead): every grader's answer beside the reference, per decision and
criterion. ``f`` sets the reference for the highlighted criterion (a grader's answer, or a
consensus answer with a note); ``a`` adopts one grader's answers wherever no reference is
set yet. Before the reveal the service refuses (StillBlind) and this screen says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Header, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.widgets.select import NoSelection

from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services.calibration import reveal
from rcrp_tui.services.calibration.records import Person
from rcrp_tui.services.calibration.reveal import (
    REFERENCE_NOTE_FIELD,
    CriterionSideBySide,
    DecisionSideBySide,
    Revealed,
)
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError, ValidationFailed
from rcrp_tui.ui.base import FeatureScreen, ReportsWorkerErrors
from rcrp_tui.ui.calibration.common import (
    DIALOG_CSS,
    SHORT_LEGEND,
    UNANSWERED,
    answer_text,
    grader_labels,
    short_answer,
)
from rcrp_tui.ui.common.form import FormBehaviour, FormInput
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import KeyHints, list_keys, refresh_key, row_end_keys
from rcrp_tui.ui.common.literal import literal
from rcrp_tui.ui.common.table_fit import fit_columns

#: A reference choice: ("grader", username) or ("consensus", answer value).
Choice = tuple[str, str]

#: The columns that never scroll sideways: the reference is never cut off.
FIXED = ("#", "Code", "Agree", "Reference")


def _reference_cell(
    c: CriterionSideBySide, labels: dict[int, str], words: Callable[[Answer | None], str]
) -> str:
    """``✓ Met (consensus)`` or ``◐ Part (QL2)`` (the grader's column heading), in the
    same words as the grader columns; ``none`` when not set."""
    ref = c.reference
    if ref is None:
        return "none"
    if ref.source_grader is None:
        return f"{words(ref.answer)} (consensus)"
    origin = labels.get(ref.source_grader.user_id, ref.source_grader.display_name)
    return f"{words(ref.answer)} ({origin})"


def _cells(
    rows: list[tuple[DecisionSideBySide, CriterionSideBySide]],
    labels: dict[int, str],
    words: Callable[[Answer | None], str],
) -> list[list[str]]:
    """Every row's cells, answers in ``words`` (full or short labels)."""
    return [
        [
            str(d.decision.position),
            c.code + (" !" if c.critical else ""),
            "same" if c.agreed else "DIFFER",
            _reference_cell(c, labels, words),
            *(words(a.answer) for a in c.answers),
        ]
        for d, c in rows
    ]


def _width_needed(headings: list[str], cells: list[list[str]], pad: int) -> int:
    """How many cells wide the table is with these headings and cells."""
    return sum(
        max([len(h), *(len(row[i]) for row in cells)]) + 2 * pad for i, h in enumerate(headings)
    )


def reference_words(c: CriterionSideBySide) -> str:
    """``Reference: Met, from QA lead 2`` as the detail line and the audit name it."""
    ref = c.reference
    if ref is None:
        return "Reference: not set yet"
    origin = f"from {ref.source_grader.display_name}" if ref.source_grader else "by consensus"
    text = f"Reference: {ref.answer.label}, {origin} (set by {ref.set_by})"
    return text + (f" · note: {ref.note}" if ref.note else "")


class RevealScreen(FeatureScreen[None]):
    """Each grader's answer and the reference, a row per decision and criterion.

    A QA lead sets references here; a grader of the session sees the same table read
    only (the services refuse them a reference, whatever the screen offers)."""

    CSS_PATH = "calibration.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "set_reference", "Set reference", id="calibration.reveal.reference"),
        Binding("a", "adopt", "Adopt grader", id="calibration.reveal.adopt"),
        Binding(
            "f,a", "read_only", "Read only", show=False, id="calibration.reveal.read-only"
        ),
        Binding("R", "results", "Results", id="calibration.reveal.results"),
        Binding("escape", "back", "Back", id="calibration.reveal.back"),
        refresh_key("reload", "Read the answers again"),
        *list_keys("cursor('down')", "cursor('up')", "cursor('first')", "cursor('last')"),
        *row_end_keys("calibration.reveal"),
    ]  # fmt: skip

    def __init__(self, ctx: Ctx, session_id: int, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.session_id = session_id
        self.revealed: Revealed | None = None
        self.rows: list[tuple[DecisionSideBySide, CriterionSideBySide]] = []
        self.labels: dict[int, str] = {}  # grader user id -> column heading
        self.short = False  # the answers in their short set (the table is too narrow)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="reveal-head", classes="cal-line")
        yield Static("", id="reveal-legend", classes="cal-line")
        yield DataTable(id="reveal-table", classes="cal-table", cursor_type="row")
        yield Static("", id="reveal-detail", classes="cal-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Calibration session {self.session_id} · answers side by side"
        table = self.query_one(DataTable)
        table.fixed_columns = len(FIXED)
        table.focus()
        self.action_reload()

    @property
    def lead(self) -> bool:
        return self.ctx.actor.role is Role.QA_LEAD

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("set_reference", "adopt"):
            # Only a QA lead sets references (the service refuses anyone else too).
            return self.lead and self.revealed is not None
        if action == "read_only":
            # For anyone else the same keys say why nothing opens.
            return not self.lead
        return True

    def action_read_only(self) -> None:
        self.notify("Read only: only a QA lead sets references.", severity="warning", markup=False)

    def action_results(self) -> None:
        from rcrp_tui.ui.calibration.results import ResultsScreen

        if self.revealed is None:
            self.notify(
                "The answers are not revealed yet, so there are no results to show.",
                severity="warning",
                markup=False,
            )
            return
        self.app.push_screen(ResultsScreen(self.ctx, self.session_id))

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-reveal")
    def _load(self) -> None:
        try:
            found = reveal.revealed_answers(self.ctx, self.session_id)
        except ServiceError as exc:
            self.app.call_from_thread(
                self.query_one("#reveal-head", Static).update, literal(exc.message)
            )
            return
        self.app.call_from_thread(self._show, found)

    def _show(self, found: Revealed) -> None:
        self.revealed = found
        names = [g.display_name for g in found.graders]
        short = grader_labels(names)
        self.labels = {g.user_id: label for g, label in zip(found.graders, short, strict=True)}
        table = self.query_one(DataTable)
        keep = table.cursor_row
        columns = [*FIXED, *short]
        if [str(c.label) for c in table.ordered_columns] != columns:
            table.clear(columns=True)
            for key in FIXED:
                table.add_column(key, key=key)
            for i, label in enumerate(short):
                table.add_column(label, key=f"g{i}")
        else:
            table.clear()  # the same columns: only the rows change
        self.rows = [(d, c) for d in found.decisions for c in d.criteria]
        # Full answers when every column fits them; otherwise one short set throughout
        # (the reference too), which the head line spells out.
        cells = _cells(self.rows, self.labels, answer_text)
        room = table.size.width - table.scrollbar_size_vertical
        self.short = _width_needed(columns, cells, table.cell_padding) > room
        if self.short:
            cells = _cells(self.rows, self.labels, short_answer)
        for row in cells:
            table.add_row(*row[:3], literal(row[3], single_line=True), *row[4:])
        # Measured now, not when the table is next idle: the first frame after a fill
        # (after adopting, say) is never drawn with columns cut to their headings.
        fit_columns(table)
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1), scroll=True)
        mode = "" if self.lead else " · read only"
        words = SHORT_LEGEND if self.short else f"{UNANSWERED}: not answered"
        self.query_one("#reveal-head", Static).update(
            literal(
                f"{found.session.title} · references set {found.references_set}/"
                f"{found.references_needed} · # decision · ! critical{mode} · {words}"
            )
        )
        self._legend()
        self._detail()
        self.refresh_bindings()

    def _legend(self) -> None:
        """Who each grader column is, and, when they do not all fit, that more are to
        the right (the reference never scrolls away)."""
        if self.revealed is None:
            return
        text = "Graders: " + " · ".join(
            f"{self.labels[g.user_id]} {g.display_name}" for g in self.revealed.graders
        )
        table = self.query_one(DataTable)
        wanted = sum(c.get_render_width(table) for c in table.ordered_columns)
        room = table.scrollable_content_region.width
        if room and wanted > room:
            text += " · more graders to the right: → scrolls, ← back"
        self.query_one("#reveal-legend", Static).update(literal(text))

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        """Full or short answers for the new width, then the legend."""
        if self.revealed is not None:
            self._show(self.revealed)
        else:
            self._legend()

    def _current(self) -> tuple[DecisionSideBySide, CriterionSideBySide] | None:
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(DataTable.RowHighlighted)
    def _detail(self) -> None:
        current = self._current()
        text = ""
        if current is not None:
            d, c = current
            critical = " (critical)" if c.critical else ""
            text = (
                f"Decision {d.decision.position} {d.decision.cad_ref} · {c.code}{critical}: "
                f"{c.question}\n{reference_words(c)}"
            )
        self.query_one("#reveal-detail", Static).update(literal(text))

    def action_cursor(self, direction: str) -> None:
        table = self.query_one(DataTable)
        if not self.rows:
            return
        if direction == "first":
            table.move_cursor(row=0, scroll=True)
        elif direction == "last":
            table.move_cursor(row=len(self.rows) - 1, scroll=True)
        else:
            (table.action_cursor_down if direction == "down" else table.action_cursor_up)()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_set_reference(self) -> None:
        current = self._current()
        if current is None:
            return
        d, c = current

        def done(changed: bool | None) -> None:
            if changed:
                self.notify(f"Reference set for {d.decision.cad_ref} {c.code}.", markup=False)
                self._load()

        self.app.push_screen(ReferenceDialog(self.ctx, self.session_id, d, c), done)

    def action_adopt(self) -> None:
        if self.revealed is None:
            return
        graders = self.revealed.graders

        def picked(username: str | None) -> None:
            person = next((g for g in graders if g.username == username), None)
            if person is not None:
                self._adopt(person)

        self.app.push_screen(PickGraderDialog(graders), picked)

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-adopt")
    def _adopt(self, person: Person) -> None:
        try:
            n = reveal.adopt_grader_answers(self.ctx, self.session_id, person.username)
        except ServiceError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error", markup=False)
            return
        # The display name, as the side-by-side and the reference's detail name them.
        self.app.call_from_thread(
            self.notify,
            f"{n} reference answer{'' if n == 1 else 's'} taken from {person.display_name} "
            "(only where none was set).",
            markup=False,
        )
        self.app.call_from_thread(self._load)


class ReferenceDialog(FormBehaviour, ReportsWorkerErrors, ModalScreen[bool | None]):
    """The reference answer for one criterion: a grader's answer, or a consensus with a
    note saying what was agreed and why."""

    DEFAULT_CSS = DIALOG_CSS
    FORM_ERROR_ID = "ref-error"
    FORM_FIELDS: ClassVar[dict[str, tuple[str, str]]] = {
        REFERENCE_NOTE_FIELD: ("ref-note", "Note"),
        "Reference": ("ref-choice", "Reference"),
        "reference": ("ref-choice", "Reference"),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="calibration.reference.save"),
        Binding("escape", "cancel", "Cancel", id="calibration.reference.cancel"),
    ]

    def __init__(
        self, ctx: Ctx, session_id: int, d: DecisionSideBySide, c: CriterionSideBySide
    ) -> None:
        super().__init__()
        self.ctx, self.session_id, self.d, self.c = ctx, session_id, d, c

    def _choices(self) -> list[tuple[str, Choice]]:
        out: list[tuple[str, Choice]] = []
        for a in self.c.answers:
            if a.answer is not None:
                out.append(
                    (
                        f"{a.grader.display_name}'s answer: {answer_text(a.answer)}",
                        ("grader", a.grader.username),
                    )
                )
        for answer in Answer:
            out.append((f"Consensus: {answer.label} (needs a note)", ("consensus", answer.value)))
        return out

    def _current_choice(self, offered: list[Choice]) -> Choice | NoSelection:
        """The reference already set, as one of the choices (a blank when none is set)."""
        ref = self.c.reference
        if ref is None:
            return Select.NULL
        if ref.source_grader is not None:
            from_grader = ("grader", ref.source_grader.username)
            if from_grader in offered:
                return from_grader
        return ("consensus", ref.answer.value)

    def compose(self) -> ComposeResult:
        with Vertical(classes="cal-dialog"):
            yield Label(
                literal(f"Reference for {self.d.decision.cad_ref} {self.c.code}"),
                classes="dialog-title",
            )
            yield Static(literal(self.c.question))
            choices = self._choices()
            yield Select[Choice](
                [(literal(label, single_line=True), value) for label, value in choices],
                id="ref-choice",
                prompt="Choose the reference answer",
                value=self._current_choice([value for _label, value in choices]),
            )
            yield Label("Note (what was agreed and why; needed for a consensus)")
            yield FormInput(self.c.reference.note if self.c.reference else "", id="ref-note")
            yield Static("", id="ref-error", classes="dialog-error")
            yield KeyHints(before=[("Enter", "save")])

    def on_mount(self) -> None:
        self.query_one("#ref-choice", Select).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        self.clear_field_error()
        value = self.query_one("#ref-choice", Select).value
        if not isinstance(value, tuple):
            self.show_field_error("ref-choice", "Reference: choose an answer from the list.")
            return
        note = self.query_one("#ref-note", Input).value
        version = self.c.reference.row_version if self.c.reference else None
        self._save(value, note, version)

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-reference")
    def _save(self, choice: Choice, note: str, version: int | None) -> None:
        kind, value = choice
        try:
            if kind == "grader":
                reveal.set_reference(
                    self.ctx,
                    self.session_id,
                    self.d.decision.decision_id,
                    self.c.code,
                    from_grader=value,
                    note=note,
                    expected_version=version,
                )
            else:
                reveal.set_reference(
                    self.ctx,
                    self.session_id,
                    self.d.decision.decision_id,
                    self.c.code,
                    answer=Answer(value),
                    note=note,
                    expected_version=version,
                )
        except ValidationFailed as exc:
            self.app.call_from_thread(self.show_validation, exc)
            return
        except ServiceError as exc:
            self.app.call_from_thread(self.show_field_error, None, exc.message)
            return
        self.app.call_from_thread(self.dismiss, True)

    def action_cancel(self) -> None:
        self.leave_form()


class PickGraderDialog(ReportsWorkerErrors, ModalScreen[str | None]):
    """Choose the grader whose answers become the reference wherever none is set.

    The highlighted grader has ``▶`` before their name: the list's highlight alone is a
    colour."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="calibration.adopt.cancel"),
    ]

    def __init__(self, graders: tuple[Person, ...]) -> None:
        super().__init__()
        self.graders = graders

    def _prompt(self, g: Person, highlighted: bool) -> Text:
        marker = "▶ " if highlighted else "  "
        return literal(f"{marker}{g.display_name} ({g.username})", single_line=True)

    def compose(self) -> ComposeResult:
        with Vertical(classes="cal-dialog"):
            yield Label("Adopt a grader's answers as the reference", classes="dialog-title")
            yield Static("Only criteria with no reference yet are set; none is replaced.")
            yield OptionList(
                *(Option(self._prompt(g, i == 0), g.username) for i, g in enumerate(self.graders)),
                id="adopt-list",
            )
            yield KeyHints(before=[("↑↓", "choose"), ("Enter", "adopt")])

    def on_mount(self) -> None:
        box = self.query_one(OptionList)
        box.focus()
        if self.graders:
            box.highlighted = 0

    @on(OptionList.OptionHighlighted)
    def _marked(self, event: OptionList.OptionHighlighted) -> None:
        box = self.query_one(OptionList)
        for i, g in enumerate(self.graders):
            box.replace_option_prompt_at_index(i, self._prompt(g, i == event.option_index))

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
