"""CALIBRATION grading: one decision scored against the session's toolkit, blind.

A compact screen rather than the review screen: the criteria that apply, answered with
1 met / 2 partially met / 3 not met / 0 N/A as on the review screen, a judgement (``J``
steps through the toolkit's options), ctrl+s to save a draft and ``S`` to submit: it names
every unanswered criterion at once, and asks only when nothing is missing. The line under
the table shows the highlighted criterion's whole question. Only the grader's own answers
are shown: the service gives nothing else.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from rcrp_tui.domain.appeals import LONDON
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.domain.toolkit import Criterion
from rcrp_tui.services.calibration import grading
from rcrp_tui.services.calibration.grading import CalibrationWork
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError, ValidationFailed
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.calibration.common import (
    ANSWER_WIDTH,
    CalConfirmDialog,
    answer_text,
    shorten,
    status_text,
)
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import list_keys
from rcrp_tui.ui.common.literal import literal, visible

#: How many unanswered criteria a refused submission names by row, code and question.
SUBMIT_NAMED = 4


class GradingScreen(FeatureScreen[None]):
    """Score one decision of a calibration session (marked CALIBRATION)."""

    CSS_PATH = "calibration.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        # The answer keys are named on the status line (and in F1 help and the palette):
        # in the footer too, the footer ran out of room at 80 columns ("S S").
        Binding("1", "answer('met')", "Met", show=False, id="calibration.grade.met"),
        Binding("2", "answer('partial')", "Partial", show=False, id="calibration.grade.partial"),
        Binding("3", "answer('not_met')", "Not met", show=False, id="calibration.grade.not-met"),
        Binding("0", "answer('na')", "N/A", show=False, id="calibration.grade.na"),
        Binding("J", "judgement", "Judgement", id="calibration.grade.judgement"),
        Binding("ctrl+s", "save", "Save draft", id="calibration.grade.save"),
        Binding("S", "submit", "Submit", id="calibration.grade.submit"),
        Binding("escape", "back", "Back", id="calibration.grade.back"),
        *list_keys("cursor('down')", "cursor('up')"),
    ]

    def __init__(self, ctx: Ctx, session_id: int, decision_id: int, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.session_id, self.decision_id = session_id, decision_id
        self.work: CalibrationWork | None = None
        self.answers: dict[str, AnswerEntry] = {}
        self.judgement: Judgement | None = None
        self.dirty = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="grading-head", classes="cal-line")
        yield DataTable(id="grading-criteria", cursor_type="row")
        yield Static("", id="grading-detail", classes="cal-line")
        yield Static("", id="grading-status", classes="cal-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "CALIBRATION"
        self.sub_title = f"session {self.session_id} · blind grading"
        table = self.query_one(DataTable)
        for name in ("Code", "Answer", "Crit.", "Question"):
            # The answer column fits the longest answer from the start: answering never
            # shows a label cut short.
            width = ANSWER_WIDTH if name == "Answer" else None
            table.add_column(name, key=name, width=width)
        table.focus()
        self._load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("answer", "judgement", "save", "submit"):
            return self.work is not None and self.work.editable
        return True

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-grade")
    def _load(self) -> None:
        found = grading.open_decision(self.ctx, self.session_id, self.decision_id)
        self.app.call_from_thread(self._show, found)

    def _show(self, found: CalibrationWork) -> None:
        self.work = found
        self.answers = dict(found.answers)
        self.judgement = found.judgement
        self.dirty = False
        d = found.decision
        self.query_one("#grading-head", Static).update(
            literal(
                f"CALIBRATION · {d.cad_ref} · {d.category.label} · {d.outcome.label} · "
                f"{d.received_at.astimezone(LONDON):%d %b %Y %H:%M}\nRationale: {d.rationale}"
            )
        )
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for c in found.criteria:
            table.add_row(
                c.code,
                answer_text(self.answers.get(c.code, AnswerEntry()).answer),
                "CRITICAL" if c.critical else "",
                literal(c.question, single_line=True),
                key=c.code,
            )
        if found.criteria:
            table.move_cursor(row=min(keep, len(found.criteria) - 1))
        self._status()
        self._detail()
        self.refresh_bindings()

    def _criterion(self) -> Criterion | None:
        if self.work is None or not self.work.criteria:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.work.criteria[min(max(row, 0), len(self.work.criteria) - 1)]

    @on(DataTable.RowHighlighted)
    def _detail(self) -> None:
        """The highlighted criterion's whole question, wrapped: the table cuts it."""
        c = self._criterion()
        if c is None:
            self.query_one("#grading-detail", Static).update("")
            return
        flags = ["CRITICAL: Not met fails the review"] if c.critical else []
        if not c.na_allowed:
            flags.append("N/A not allowed")
        head = f"{c.code}" + (f" ({', '.join(flags)})" if flags else "")
        self.query_one("#grading-detail", Static).update(literal(f"{head}: {c.question}"))

    def _status(self) -> None:
        if self.work is None:
            return
        answered = sum(
            1 for c in self.work.criteria if self.answers.get(c.code, AnswerEntry()).answer
        )
        judgement = self.judgement.label if self.judgement else "not given (J)"
        state = status_text(self.work.status)
        keys = " · 1 met, 2 partial, 3 not met, 0 N/A"
        if not self.work.editable:
            state, keys = state + " · read only", ""
        elif self.dirty:
            state += " · UNSAVED changes"
        self.query_one("#grading-status", Static).update(
            literal(
                f"{answered}/{len(self.work.criteria)} answered · judgement: {judgement} · "
                f"{state}{keys}"
            )
        )

    def action_cursor(self, direction: str) -> None:
        table = self.query_one(DataTable)
        (table.action_cursor_down if direction == "down" else table.action_cursor_up)()

    def action_answer(self, value: str) -> None:
        if self.work is None or not self.work.criteria:
            return
        answer = Answer(value)
        table = self.query_one(DataTable)
        criterion = self.work.criteria[table.cursor_row]
        if answer is Answer.NA and not criterion.na_allowed:
            self.notify(f"N/A is not allowed for {criterion.code}.", severity="warning")
            return
        note = self.answers.get(criterion.code, AnswerEntry()).note
        self.answers[criterion.code] = AnswerEntry(answer, note)
        self.dirty = True
        table.update_cell(criterion.code, "Answer", answer_text(answer))
        if table.cursor_row < len(self.work.criteria) - 1:
            table.action_cursor_down()
        self._status()

    def action_judgement(self) -> None:
        if self.work is None:
            return
        options = [o.judgement for o in self.work.toolkit.judgements] or list(Judgement)
        if self.judgement in options:
            index = options.index(self.judgement) + 1
            self.judgement = options[index] if index < len(options) else None
        else:
            self.judgement = options[0]
        self.dirty = True
        self._status()

    def action_save(self) -> None:
        self._save(submit=False)

    def _not_ready(self) -> str | None:
        """What stops a submission, naming each unanswered criterion; None when ready."""
        if self.work is None:
            return None
        missing = [
            (row, c)
            for row, c in enumerate(self.work.criteria, start=1)
            if not self.answers.get(c.code, AnswerEntry()).answer
        ]
        problems = []
        if missing:
            named = "; ".join(
                f"row {row} {c.code} {visible(shorten(c.question, 32), single_line=True)}"
                for row, c in missing[:SUBMIT_NAMED]
            )
            more = len(missing) - SUBMIT_NAMED
            if more > 0:
                named += f"; and {more} more"
            count = f"{len(missing)} criteri{'on' if len(missing) == 1 else 'a'}"
            problems.append(f"{count} not answered: {named}")
        if self.judgement is None:
            problems.append("no overall judgement (J)")
        if not problems:
            return None
        return "Not submitted yet: " + " · ".join(problems) + "."

    def action_submit(self) -> None:
        problem = self._not_ready()
        if problem is not None:
            # Said at once, without a question first; the cursor goes to the first gap.
            assert self.work is not None
            first = next(
                (
                    i
                    for i, c in enumerate(self.work.criteria)
                    if not self.answers.get(c.code, AnswerEntry()).answer
                ),
                None,
            )
            if first is not None:
                self.query_one(DataTable).move_cursor(row=first, scroll=True)
            self.notify(problem, severity="warning", markup=False, timeout=12)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._save(submit=True)

        self.app.push_screen(
            CalConfirmDialog(
                "Submit this score?",
                "A submitted calibration score cannot change. Submit it?",
            ),
            answered,
        )

    def _save(self, *, submit: bool) -> None:
        if self.work is None:
            return
        self._write(dict(self.answers), self.judgement, self.work.row_version, submit)

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-save")
    def _write(
        self,
        answers: dict[str, AnswerEntry],
        judgement: Judgement | None,
        version: int | None,
        submit: bool,
    ) -> None:
        try:
            saved = grading.save_score(
                self.ctx,
                self.session_id,
                self.decision_id,
                answers,
                judgement,
                expected_version=version,
                submit=submit,
            )
        except ValidationFailed as exc:
            reason = exc.reason[:1].upper() + exc.reason[1:]
            self.app.call_from_thread(self.notify, reason, severity="error", markup=False)
            return
        except ServiceError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error", markup=False)
            return
        self.app.call_from_thread(self._show, saved)
        self.app.call_from_thread(self.notify, "Submitted." if submit else "Draft saved.")

    def action_back(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(
            CalConfirmDialog("Leave without saving?", "Your changes are not saved. Leave?"),
            answered,
        )
