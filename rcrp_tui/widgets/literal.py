"""Show free text exactly as typed.

Rationale excerpts and notes come from people and from imported files. Text such as
``[bold]`` or ``[@click=app.quit]`` must not become markup or an action, and control
characters (an ANSI escape, a bell) must not reach the terminal, so they are drawn as
the Unicode "control picture" symbols instead.
"""

from __future__ import annotations

from rich.text import Text

_CONTROL_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_CONTROL_PICTURES[0x7F] = "\u2421"
_KEEP_NEWLINES = {k: v for k, v in _CONTROL_PICTURES.items() if k != 0x0A}


def visible(value: str, *, single_line: bool = False) -> str:
    """``value`` with control characters replaced by visible symbols."""
    if single_line:
        value = value.replace("\r\n", " ").replace("\n", " ")
        return value.translate(_CONTROL_PICTURES)
    return value.translate(_KEEP_NEWLINES)


def literal(value: str | None, *, single_line: bool = False, style: str = "") -> Text:
    """A Rich ``Text`` that displays ``value`` literally (never parsed as markup)."""
    return Text(visible(value or "", single_line=single_line), style=style)
