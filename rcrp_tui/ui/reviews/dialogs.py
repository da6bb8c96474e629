"""Small keyboard dialogs used while reviewing: a note, a reason, the overall judgement,
and recording a live-risk escalation."""

from __future__ import annotations

from datetime import datetime, time
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from rcrp_tui.domain.scoring import Judgement
from rcrp_tui.domain.toolkit import JudgementOption
from rcrp_tui.ui.common.form import FormBehaviour, FormInput
from rcrp_tui.ui.common.keys import KeyHints
from rcrp_tui.ui.common.literal import literal

#: The longest note or reason a text prompt takes (the services' limit for notes).
TEXT_MAX = 1000

LOCAL = ZoneInfo("Europe/London")

_DIALOG_CSS = """
ModalScreen {
    align: center middle;
}
.review-dialog {
    width: 72;
    max-width: 95%;
    background: $surface;
    padding: 1 2;
}
.review-dialog .dialog-title {
    margin-bottom: 1;
}
.review-dialog .dialog-help {
    margin-top: 1;
}
.review-dialog .dialog-error {
    text-style: bold;
}
.review-dialog OptionList {
    height: auto;
    max-height: 10;
}
"""


class TextPromptDialog(FormBehaviour, ModalScreen[str | None]):
    """Ask for one line of text (a note, a reason); Enter accepts, Esc cancels (asking
    first when the text was changed). Text over ``limit`` is refused with its count."""

    DEFAULT_CSS = _DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel")
    ]

    def __init__(
        self,
        title: str,
        prompt: str,
        *,
        value: str = "",
        required: bool = True,
        limit: int = TEXT_MAX,
    ) -> None:
        super().__init__()
        self._title = title
        self._prompt = prompt
        self._value = value
        self._required = required
        self._limit = limit

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-dialog"):
            yield Label(literal(self._title), classes="dialog-title")
            yield Static(literal(self._prompt))
            yield FormInput(value=self._value, id="text")
            yield Static("", classes="dialog-error", id="error")
            yield KeyHints(before=[("Enter", "accept")])

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self._required and not text:
            self.show_field_error("text", "This cannot be empty.")
            return
        if self.refuse_if_too_long("text", "Too long", text, self._limit):
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.leave_form()


class JudgementDialog(ModalScreen[Judgement | None]):
    """Choose the overall judgement of the decision with the arrow keys (or 1-5)."""

    DEFAULT_CSS = _DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        *[
            Binding(str(n), f"pick({n - 1})", f"Choose {n}", show=False, id=f"dialog.pick{n}")
            for n in range(1, 6)
        ],
    ]

    def __init__(self, options: tuple[JudgementOption, ...], current: Judgement | None) -> None:
        super().__init__()
        self._options = options or tuple(JudgementOption(j, j.label, "") for j in Judgement)
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-dialog"):
            yield Label("Overall judgement of the decision", classes="dialog-title")
            yield OptionList(
                *[
                    Option(
                        literal(
                            f"{n}  {o.label}"
                            + ("  ⚠ safety-critical" if o.judgement.safety_critical else "")
                        ),
                        id=o.judgement.value,
                    )
                    for n, o in enumerate(self._options, start=1)
                ],
                id="judgements",
            )
            yield Static("", id="judgement-guidance")
            yield KeyHints(before=[("Enter or 1-5", "choose")])

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        codes = [o.judgement for o in self._options]
        options.highlighted = codes.index(self._current) if self._current in codes else 0

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        guidance = self._options[event.option_index].guidance
        self.query_one("#judgement-guidance", Static).update(literal(guidance))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._options[event.option_index].judgement)

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self._options):
            self.dismiss(self._options[index].judgement)

    def action_cancel(self) -> None:
        self.dismiss(None)


class LiveRiskDialog(FormBehaviour, ModalScreen[tuple[str, datetime] | None]):
    """Record a live risk: who it was escalated to (a role or desk) and when (local time)."""

    FORM_FIELDS = {
        "escalated_to": ("to", "Escalated to"),
        "escalated_at": ("at", "At"),
    }
    #: The longest "escalated to" the service takes.
    TO_MAX = 120

    DEFAULT_CSS = _DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel")
    ]

    def __init__(
        self,
        now: datetime,
        *,
        escalated_to: str = "",
        at: str | None = None,
        error: str = "",
        error_field: str = "",
    ) -> None:
        """``escalated_to``, ``at`` and ``error`` refill the dialog after a refusal, so
        nothing typed in a live-risk moment is lost; ``error_field`` (a service field name)
        says which box the message is about."""
        super().__init__()
        self._now_local = now.astimezone(LOCAL)
        self._to = escalated_to
        self._at = at if at is not None else f"{self._now_local:%H:%M}"
        self._error = error
        self._error_field = error_field

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-dialog"):
            yield Label("⚠ LIVE RISK NOW: record the escalation", classes="dialog-title")
            yield Static(
                "Someone may still be at risk. Escalate it first, then record here who it "
                "went to (a role or desk, not a person's name) and when."
            )
            yield Label("Escalated to")
            yield FormInput(value=self._to, placeholder="e.g. Force Incident Manager", id="to")
            yield Label("At (HH:MM today, UK time)")
            yield FormInput(value=self._at, id="at")
            yield Static("", classes="dialog-error", id="error")
            yield KeyHints(before=[("Enter", "next / record")])

    def on_mount(self) -> None:
        if self._error:
            entry = self.FORM_FIELDS.get(self._error_field)
            self.show_field_error(entry[0] if entry else "to", self._error)
        else:
            self.query_one("#to", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "to":
            self.query_one("#at", Input).focus()
            return
        to = self.query_one("#to", Input).value.strip()
        if not to:
            self.show_field_error("to", "Escalated to: say who it was escalated to.")
            return
        if self.refuse_if_too_long("to", "Escalated to", to, self.TO_MAX):
            return
        try:
            hh, mm = self.query_one("#at", Input).value.strip().split(":")
            at = time(int(hh), int(mm))
        except ValueError:
            self.show_field_error("at", "At: give the time as HH:MM, e.g. 10:26.")
            return
        local = datetime.combine(self._now_local.date(), at, tzinfo=LOCAL)
        self.dismiss((to, local.astimezone(ZoneInfo("UTC"))))

    def action_cancel(self) -> None:
        self.leave_form()
