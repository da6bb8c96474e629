"""The personal-data dialog: what the guard found in a piece of free text, and a choice.

Any screen that saves free text pushes this when the service refuses it with
``PersonalDataFound``. It dismisses with ``None`` when the user goes back to edit the
text (key ``e``, or ``escape``), or with the reason they typed to save it anyway (key
``o``, then the reason and ``enter``); the screen then calls the service again with
that reason, which audits the override.

The text is shown exactly as typed: it is built as a ``rich.text.Text``, never parsed
as markup, and each finding is marked by a numbered label as well as a style, so it
can be found without colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from rcrp_tui.domain.personal_data import Finding, PersonalDataKind, kinds_found, scan
from rcrp_tui.services.core.free_text import PersonalDataFound
from rcrp_tui.ui.common.form import FormInput
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.literal import literal, visible

#: Style of a flagged span. Reverse video reads on monochrome terminals too.
FINDING_STYLE = "bold reverse"
LABEL_STYLE = "bold"


def highlighted_text(text: str, findings: Sequence[Finding]) -> Text:
    """``text`` with each finding styled and followed by its number, e.g. ``⟦1⟧``."""
    out = Text()
    position = 0
    for number, finding in enumerate(sorted(findings, key=lambda f: f.start), start=1):
        out.append_text(literal(text[position : finding.start]))
        out.append_text(literal(text[finding.start : finding.end], style=FINDING_STYLE))
        out.append(f"\u27e6{number}\u27e7", style=LABEL_STYLE)
        position = finding.end
    out.append_text(literal(text[position:]))
    return out


def findings_list(findings: Sequence[Finding]) -> Text:
    """One line per finding: its number, kind, the matched text and why it was flagged."""
    out = Text()
    for number, finding in enumerate(sorted(findings, key=lambda f: f.start), start=1):
        if number > 1:
            out.append("\n")
        out.append(f"\u27e6{number}\u27e7 {finding.kind.label}: ", style=LABEL_STYLE)
        out.append(visible(finding.text, single_line=True), style=FINDING_STYLE)
        out.append(f" \u2014 {finding.explanation}")
    return out


class PersonalDataDialog(ModalScreen[str | None]):
    """Show personal data found in ``text``; dismiss with ``None`` (edit) or a reason."""

    DEFAULT_CSS = """
    PersonalDataDialog {
        align: center middle;
    }
    PersonalDataDialog > #pd-dialog {
        width: 90%;
        max-width: 96;
        height: auto;
        max-height: 90%;
        border: thick $error;
        background: $panel;
        padding: 0 1;
    }
    PersonalDataDialog #pd-title {
        text-style: bold;
        margin-bottom: 1;
    }
    PersonalDataDialog #pd-text-box {
        height: auto;
        max-height: 8;
        border: round $foreground 50%;
        padding: 0 1;
    }
    PersonalDataDialog #pd-findings {
        margin: 1 0;
    }
    PersonalDataDialog #pd-reason {
        display: none;
    }
    PersonalDataDialog.asking-reason #pd-reason {
        display: block;
    }
    PersonalDataDialog.asking-reason #pd-names-help {
        display: none;
    }
    PersonalDataDialog #pd-message {
        color: $error;
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "e",
            "edit",
            "Edit the text",
            id="personal_data.edit",
            tooltip="Go back and remove the personal data",
        ),
        Binding(
            "o",
            "override",
            "Save anyway",
            id="personal_data.override",
            tooltip="Save the text as it is, giving a reason (audited)",
        ),
        Binding("escape", "back", "Back", id="personal_data.back"),
    ]

    def __init__(self, text: str, findings: Sequence[Finding], *, field: str) -> None:
        super().__init__()
        self.text = text
        self.findings = tuple(findings)
        self.field = field

    @classmethod
    def for_refusal(cls, text: str, refusal: PersonalDataFound) -> PersonalDataDialog:
        """The dialog for a save the guard refused: ``text`` is what the user typed."""
        return cls(text, refusal.findings, field=refusal.field)

    def compose(self) -> ComposeResult:
        kinds = ", ".join(kind.label.lower() for kind in kinds_found(list(self.findings)))
        with Vertical(id="pd-dialog"):
            yield Static(
                Text(f"Personal data in {visible(self.field, single_line=True)}: {kinds}"),
                id="pd-title",
            )
            with VerticalScroll(id="pd-text-box"):
                yield Static(highlighted_text(self.text, self.findings), id="pd-text")
            yield Static(findings_list(self.findings), id="pd-findings")
            if any(f.kind is PersonalDataKind.NAME for f in self.findings):
                yield Static(
                    Text(
                        "A place or team read as a name? An administrator can add it to "
                        "the allow-list."
                    ),
                    id="pd-names-help",
                )
            yield Static(
                Text(
                    "QA records keep the CAD reference, not who the call was about. "
                    "Press e to edit the text, or o to save it anyway with a reason "
                    "(the reason is audited)."
                ),
                id="pd-help",
            )
            yield FormInput(placeholder="Why must this be saved as it is?", id="pd-reason")
            yield Static("", id="pd-message")
        yield KeyFooter()

    def _say(self, message: str) -> None:
        self.query_one("#pd-message", Static).update(Text(message))

    def action_edit(self) -> None:
        """Go back to the text to edit it: nothing is saved."""
        self.dismiss(None)

    def action_override(self) -> None:
        """Ask for the reason to save the text as it is."""
        self.add_class("asking-reason")
        self._say("Type the reason and press enter (escape to go back).")
        self.query_one("#pd-reason", Input).focus()

    def action_back(self) -> None:
        """Leave the reason box, or the dialog when no reason is being typed."""
        if self.has_class("asking-reason"):
            self.remove_class("asking-reason")
            self.query_one("#pd-reason", Input).value = ""
            self._say("")
            self.set_focus(None)
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if not reason:
            self._say("A reason is needed to save personal data. Type one, or escape to go back.")
            return
        found = kinds_found(scan(reason))
        if found:
            kinds = ", ".join(kind.label.lower() for kind in found)
            self._say(f"The reason itself contains personal data ({kinds}); reword it.")
            return
        self.dismiss(reason)
