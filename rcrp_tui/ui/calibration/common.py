"""What the calibration screens share: short labels that read without colour, a yes/no
question, and a figure with its interval."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from rcrp_tui.domain.calibration.agreement import Estimate
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services.calibration.records import ScoreStatus, SessionStatus, SessionSummary
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.common.keys import KeyHints
from rcrp_tui.ui.common.literal import literal

DIALOG_CSS = """
CalConfirmDialog, NewSessionDialog, ReferenceDialog, PickGraderDialog { align: center middle; }
.cal-dialog {
    width: 76;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    background: $panel;
    padding: 0 1;
}
.cal-dialog .dialog-error { height: auto; }
.cal-dialog SelectionList { height: auto; max-height: 8; }
.cal-dialog OptionList { height: auto; max-height: 10; }
"""


def shorten(text: str, width: int) -> str:
    """``text`` up to ``width`` characters, ending in … when it was longer."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)].rstrip() + "…"


#: An unanswered criterion: never the same mark as N/A.
UNANSWERED = "—"


def answer_text(answer: Answer | None) -> str:
    """``✓ Met``, ``◐ Partially met``, ``✗ Not met``, ``N/A``; ``—`` for no answer (never
    colour alone)."""
    if answer is None:
        return UNANSWERED
    if answer is Answer.NA:
        return "N/A"
    return f"{answer.symbol} {answer.label}"


#: The widest answer_text: a column sized to it never cuts an answer.
ANSWER_WIDTH = max(len(answer_text(a)) for a in Answer)

#: One short set for a table too narrow for the full labels (with SHORT_LEGEND beside it).
SHORT = {Answer.MET: "Met", Answer.PARTIAL: "Part", Answer.NOT_MET: "Not", Answer.NA: "N/A"}
SHORT_LEGEND = "Part: partially met · Not: not met · N/A: not applicable · —: not answered"


def short_answer(answer: Answer | None) -> str:
    """``◐ Part``, ``✗ Not``: six cells at most, for a column per grader."""
    if answer is None:
        return UNANSWERED
    if answer is Answer.NA:
        return "N/A"
    return f"{answer.symbol} {SHORT[answer]}"


def grader_labels(names: Sequence[str]) -> tuple[str, ...]:
    """A short column heading per grader: the initials of their display name, numbers kept
    whole ("Floorwalker 1" is F1, "QA lead 2" QL2). When two would be the same (or a name
    gives none) every grader is G1, G2, ... instead, so a heading never names two people."""
    labels = []
    for name in names:
        parts = []
        for word in name.split():
            if word.isdigit():
                parts.append(word)
                continue
            first = next((ch for ch in word if ch.isalnum()), "")
            parts.append(first.upper())
        labels.append("".join(parts)[:5])
    if any(not label for label in labels) or len(set(labels)) != len(labels):
        return tuple(f"G{i}" for i in range(1, len(names) + 1))
    return tuple(labels)


def blind_reason(s: SessionSummary, *, lead: bool) -> str:
    """Why a session's answers cannot be shown yet, with what would show them."""
    closer = "you close the session (c)" if lead else "a QA lead closes the session"
    return (
        f"Answers are hidden until all {s.graders} graders submit or {closer}: "
        f"{s.submitted} of {s.expected} scores submitted."
    )


def status_label(s: SessionSummary, overdue: bool) -> str:
    if s.status is SessionStatus.CLOSED:
        return "CLOSED"
    if s.revealed:
        return "REVEALED"
    return "OPEN, OVERDUE" if overdue else "OPEN (blind)"


def status_text(status: ScoreStatus | None) -> str:
    if status is None:
        return "not started"
    return "SUBMITTED" if status is ScoreStatus.SUBMITTED else "draft"


def _bare(x: float) -> str:
    """``.42``, ``-.05``, ``1.00``: two decimals without the leading zero."""
    text = f"{x:.2f}"
    if text == "-0.00":  # a tiny negative rounds to zero: no stray minus sign
        text = "0.00"
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def compact(e: Estimate) -> str:
    """``.42 [.35,.50]``: a figure and its interval narrow enough for 80 columns."""
    if e.value is None:
        return "n/a"
    if e.low is None or e.high is None:
        return _bare(e.value)
    return f"{_bare(e.value)} [{_bare(e.low)},{_bare(e.high)}]"


def percent(e: Estimate) -> str:
    if e.value is None:
        return "n/a"
    if e.low is None or e.high is None:
        return f"{e.value:.0%}"
    return f"{e.value:.0%} [{e.low * 100:.0f}-{e.high * 100:.0f}]"


class CalConfirmDialog(ReportsWorkerErrors, ModalScreen[bool | None]):
    """A yes/no question: y or Enter confirms, n or Esc cancels."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="calibration.confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="calibration.confirm.no"),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self._title = title
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="cal-dialog"):
            yield Label(literal(self._title), classes="dialog-title")
            yield Static(literal(self._question))
            yield KeyHints()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes or None)
