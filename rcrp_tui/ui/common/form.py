"""One behaviour for every dialog and form that takes typed input.

The rules (README "Forms"):

- A refusal never closes the dialog and never loses or selects what was typed: the
  message appears on the line under the field at fault, in the form's own words for that
  field (never a service's internal field name), the focus moves to that field with the
  cursor at the end of its text, and the message is scrolled into view.
- Text over a limit is refused with its count ("1,204 of 1,000 characters"), never cut:
  no input box has a ``max_length`` that would silently stop typing or drop a paste.
- Escape on a form whose fields were changed asks before discarding them.

``FormInput`` is the input box every form uses: it never selects its whole text when it
gets the focus (the next key would wipe it), and it takes a burst of typed keys in order
(see ``FormInput.TabInBurst``). ``FormBehaviour`` is mixed into a ``Screen`` or
``ModalScreen``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, TextArea
from textual.widgets.input import Selection

from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.ui.common.keys import KeyHints
from rcrp_tui.ui.common.literal import literal

#: Seconds to wait before scrolling a message into view (one layout pass).
REVEAL_DELAY = 0.05


def over_limit(text: str, limit: int) -> str | None:
    """``None`` when ``text`` fits ``limit``, else the count, e.g. "1,204 of 1,000 characters"."""
    if len(text) <= limit:
        return None
    return f"{len(text):,} of {limit:,} characters: shorten it (nothing was cut)"


def plain_reason(reason: str) -> str:
    """A service's reason as the end of a sentence (after "Label: "), with a full stop."""
    reason = reason.strip()
    if not reason:
        return reason
    return reason if reason.endswith((".", "?", "!")) else reason + "."


class FormInput(Input):
    """An ``Input`` that keeps what was typed when it gets the focus.

    Textual's ``Input`` selects all its text on focus, so after a message (or after a
    dialog closes and the focus comes back) the next key replaced everything typed. Here
    the cursor goes to the end of the text instead and nothing is selected.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)

    def _on_paste(self, event: events.Paste) -> None:
        # Textual's Input keeps only the first line of a paste and drops the rest without
        # a word; a one-line box takes every line, joined by spaces.
        if event.text:
            text = " ".join(line for line in event.text.splitlines())
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *selection)
        event.stop()
        event.prevent_default()

    def cursor_to_end(self) -> None:
        """Put the cursor after the last character, with nothing selected."""
        self.selection = Selection.cursor(len(self.value))


class DiscardQuestion(ModalScreen[bool]):
    """Asked when Escape would throw away changed fields: y discards, n or Esc stays."""

    DEFAULT_CSS = """
    DiscardQuestion { align: center middle; }
    DiscardQuestion > Vertical {
        width: 60; max-width: 95%; height: auto;
        border: thick $warning; background: $panel; padding: 1 2;
    }
    DiscardQuestion .dialog-title { text-style: bold; margin-bottom: 1; }
    DiscardQuestion .discard-help { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Discard", id="form.discard.yes"),
        Binding("n,escape", "answer(False)", "Keep editing", id="form.discard.no"),
    ]

    def __init__(self, what: str = "what you typed") -> None:
        super().__init__()
        self._what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(f"Discard {self._what}?"), classes="dialog-title")
            yield Static("Nothing has been saved yet.")
            yield KeyHints(classes="discard-help")

    def action_answer(self, discard: bool) -> None:
        self.dismiss(discard)


def _value_of(widget: Widget) -> object:
    if isinstance(widget, Input):
        return widget.value
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, Select):
        return widget.value
    return getattr(widget, "value", None)


class FormBehaviour:
    """Mixed into a ``Screen`` or ``ModalScreen`` that holds a form.

    ``FORM_FIELDS`` maps a service's field name (``ValidationFailed.field``) to the
    widget id and the label a person sees. ``FORM_ERROR_ID`` names the form's error line
    (a ``Static``); ``show_field_error`` moves it under the field at fault.
    """

    FORM_FIELDS: ClassVar[dict[str, tuple[str, str]]] = {}
    FORM_ERROR_ID: ClassVar[str] = "error"
    #: Widget id -> (label, longest text taken); see ``refuse_over_limits``.
    FORM_LIMITS: ClassVar[dict[str, tuple[str, int]]] = {}
    #: What Escape would discard, in the question it asks.
    FORM_WHAT: ClassVar[str] = "what you typed"

    _form_start: dict[str, object] | None = None

    # -- what the form holds ------------------------------------------------------------
    def _form_widgets(self) -> list[Widget]:
        screen: Screen[Any] = self  # type: ignore[assignment]
        return [
            w
            for w in screen.query("Input, TextArea, Select").results()
            if w.id and not w.id.startswith("search")
        ]

    def form_values(self) -> dict[str, object]:
        """Every field's current value, by widget id."""
        return {str(w.id): _value_of(w) for w in self._form_widgets()}

    def remember_form(self) -> None:
        """Take the fields as they are now as the unchanged form (called once mounted)."""
        self._form_start = self.form_values()

    def _on_mount(self, event: events.Mount) -> None:
        # Textual calls each class's own ``_on_mount`` in the MRO: this one runs as well
        # as the screen's and the dialog's.
        screen: Screen[Any] = self  # type: ignore[assignment]
        screen.call_after_refresh(self._remember_once)

    def _remember_once(self) -> None:
        if self._form_start is None:
            self.remember_form()

    def form_changed(self) -> bool:
        """True when any field differs from how the form opened."""
        if self._form_start is None:
            return False
        return self.form_values() != self._form_start

    # -- Escape ---------------------------------------------------------------------------
    def leave_form(self, close: Callable[[], None] | None = None) -> None:
        """Close the form (``close``, or dismiss with ``None``), asking first if changed."""
        screen: Screen[Any] = self  # type: ignore[assignment]

        def do_close() -> None:
            if close is not None:
                close()
            else:
                screen.dismiss(None)

        if not self.form_changed():
            do_close()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                do_close()

        screen.app.push_screen(DiscardQuestion(self.FORM_WHAT), answered)

    # -- refusals -------------------------------------------------------------------------
    def field_label(self, field: str) -> str:
        """What a person calls the service field ``field`` in this form."""
        entry = self.FORM_FIELDS.get(field)
        if entry is not None:
            return entry[1]
        return field.replace("_", " ").capitalize()

    def show_validation(self, exc: ValidationFailed) -> None:
        """Show a service's refusal under the field it names, in the form's words."""
        entry = self.FORM_FIELDS.get(exc.field)
        message = f"{self.field_label(exc.field)}: {plain_reason(exc.reason)}"
        self.show_field_error(entry[0] if entry else None, message)

    def refuse_if_too_long(self, widget_id: str, label: str, text: str, limit: int) -> bool:
        """Refuse ``text`` over ``limit`` with its count under the field; True if refused."""
        problem = over_limit(text, limit)
        if problem is None:
            return False
        self.show_field_error(widget_id, f"{label}: {problem}.")
        return True

    def refuse_over_limits(self) -> bool:
        """Check every field in ``FORM_LIMITS``; refuse the first one over its limit."""
        screen: Screen[Any] = self  # type: ignore[assignment]
        for widget_id, (label, limit) in self.FORM_LIMITS.items():
            found = list(screen.query(f"#{widget_id}").results())
            if not found:
                continue
            value = _value_of(found[0])
            if isinstance(value, str) and self.refuse_if_too_long(
                widget_id, label, value.strip(), limit
            ):
                return True
        return False

    def _error_line(self) -> Static | None:
        screen: Screen[Any] = self  # type: ignore[assignment]
        found = screen.query(f"#{self.FORM_ERROR_ID}").results(Static)
        return next(iter(found), None)

    def clear_field_error(self) -> None:
        line = self._error_line()
        if line is not None:
            line.update("")

    def show_field_error(self, widget_id: str | None, message: str) -> None:
        """Show ``message`` literally on the line under ``widget_id``, focus that field with
        the cursor at the end of its text (nothing selected), and scroll both into view.
        With no field, the message goes on the form's error line where it is."""
        screen: Screen[Any] = self  # type: ignore[assignment]
        line = self._error_line()
        text: Text = literal("✗ " + message.removeprefix("✗ "), style="bold")
        if line is None:
            screen.notify(text.plain, severity="error", markup=False)
            return
        line.update(text)
        field: Widget | None = None
        if widget_id:
            found = list(screen.query(f"#{widget_id}").results())
            field = found[0] if found else None
        if field is None:
            screen.call_after_refresh(line.scroll_visible, animate=False)
            return
        # The message goes on the line under the field, or, for a field inside a row or
        # a grid, under that row or grid: the ancestor that shares the error line's parent.
        anchor: Widget | None = field
        while anchor is not None and anchor.parent is not line.parent:
            parent_node = anchor.parent
            anchor = parent_node if isinstance(parent_node, Widget) else None
        holder = line.parent
        if anchor is not None and anchor is not line and isinstance(holder, Widget):
            holder.move_child(line, after=anchor)
        field.focus()
        if isinstance(field, FormInput):
            field.cursor_to_end()
        elif isinstance(field, Input):
            field.selection = Selection.cursor(len(field.value))
        elif isinstance(field, TextArea):
            field.move_cursor(field.document.end)

        def reveal() -> None:
            line.scroll_visible(animate=False)
            field.scroll_visible(animate=False)

        # After the moved line has been laid out: scrolling at once would use where it was.
        screen.set_timer(REVEAL_DELAY, reveal)


__all__ = [
    "DiscardQuestion",
    "FormBehaviour",
    "FormInput",
    "over_limit",
    "plain_reason",
]
