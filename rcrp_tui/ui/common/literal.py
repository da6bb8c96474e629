"""Show free text exactly as typed.

Rationale excerpts and notes come from people and from imported files. Text such as
``[bold]`` or ``[@click=app.quit]`` must not become markup or an action, and control
characters (an ANSI escape, a bell) must not reach the terminal, so they are drawn as
the Unicode "control picture" symbols instead; C1 controls (U+009B is a one-character
CSI) and the bidirectional overrides that reorder text are shown as ``<U+009B>``-style
codes. The rule itself is ``domain.safe_text.neutralise`` (the CLI uses it too); every
screen that shows typed or imported text goes through ``visible`` or ``literal``.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text

from rcrp_tui.domain.safe_text import neutralise


def visible(value: str, *, single_line: bool = False) -> str:
    """``value`` with control and bidirectional characters replaced by visible symbols."""
    return neutralise(value, single_line=single_line)


def literal(value: str | None, *, single_line: bool = False, style: str = "") -> Text:
    """A Rich ``Text`` that displays ``value`` literally (never parsed as markup)."""
    return Text(visible(value or "", single_line=single_line), style=style)


def markup_safe(value: str) -> str:
    """``value`` for a place that parses markup (``notify``): escaped and neutralised."""
    return escape(visible(value))
