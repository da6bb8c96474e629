"""Asked before reviewing a decision that someone has already reviewed.

Lists the existing reviews (state, reviewer, score, last change) and offers to open one
or to start a second, independent review. Keys: arrows (or ``j``/``k``) and enter; ``n``
starts the new review at once; escape cancels. Dismisses with the id of the review to
open, :data:`NEW_REVIEW` for a new one, or ``None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from rcrp_tui.services.reviews.records import ReviewSummary
from rcrp_tui.ui.common.keys import KeyHints, list_keys
from rcrp_tui.ui.common.literal import literal, visible

LOCAL = ZoneInfo("Europe/London")
#: What the dialog answers when the user starts a second, independent review.
NEW_REVIEW = 0


def describe_review(review: ReviewSummary) -> str:
    """``Review 12 · SUBMITTED · by Fw One · 88% · changed 24 Nov 10:02`` on one line."""
    score = "" if review.score is None else f" · {review.score:.0f}%"
    return (
        f"Review {review.id} · {review.status.value.upper()} · by {review.reviewer}{score}"
        f" · changed {review.updated_at.astimezone(LOCAL):%d %b %H:%M}"
    )


def calibration_line(sessions: Sequence[int]) -> str:
    """``Also in calibration session 3.`` (calibration scores are not reviews)."""
    numbers = ", ".join(str(n) for n in sessions)
    return f"Also in calibration session{'s' if len(sessions) > 1 else ''} {numbers}."


class ExistingReviewDialog(ModalScreen[int | None]):
    """Open an existing review of a decision, or start a second independent one."""

    DEFAULT_CSS = """
    ExistingReviewDialog {
        align: center middle;
    }
    ExistingReviewDialog > #existing-dialog {
        width: 90;
        max-width: 95%;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    ExistingReviewDialog #existing-title {
        text-style: bold;
        margin-bottom: 1;
    }
    ExistingReviewDialog OptionList {
        height: auto;
        max-height: 12;
        margin: 1 0;
    }
    ExistingReviewDialog #existing-help {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_review", "Second review", id="existing-review.new"),
        *list_keys("cursor(1)", "cursor(-1)"),
        Binding("escape", "cancel", "Cancel", id="existing-review.cancel"),
    ]

    def __init__(
        self, cad_ref: str, reviews: Sequence[ReviewSummary], calibration: Sequence[int] = ()
    ) -> None:
        super().__init__()
        self.cad_ref = cad_ref
        self.reviews = tuple(reviews)
        #: Calibration sessions the decision is in: named, never listed as reviews.
        self.calibration = tuple(calibration)

    def compose(self) -> ComposeResult:
        count = len(self.reviews)
        title = f"⚠ {self.cad_ref} already has {'a review' if count == 1 else f'{count} reviews'}"
        options = [
            Option(Text("Open " + visible(describe_review(r), single_line=True)), id=str(r.id))
            for r in self.reviews
        ]
        options.append(
            Option("Start a second, independent review of this decision", id=str(NEW_REVIEW))
        )
        with Vertical(id="existing-dialog"):
            yield Label(literal(title, single_line=True), id="existing-title")
            yield Static(
                "Open the existing review to read, moderate or continue it, or start your "
                "own independent review (both are kept)."
            )
            if self.calibration:
                yield Static(calibration_line(self.calibration), id="existing-calibration")
            yield OptionList(*options, id="existing-options")
            yield KeyHints(before=[("Enter", "choose")], id="existing-help")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or NEW_REVIEW))

    def action_new_review(self) -> None:
        """Start a second, independent review."""
        self.dismiss(NEW_REVIEW)

    def action_cursor(self, step: int) -> None:
        options = self.query_one(OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
