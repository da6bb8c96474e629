"""What exported files share: the protective marking, safe CSV cells and Markdown table cells."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")

MARKING = "OFFICIAL-SENSITIVE"

_FORMULA_STARTS = ("=", "+", "-", "@")


def csv_safe(value: T) -> T | str:
    """Text a spreadsheet would run as a formula (it begins = + - @), made plain text.

    Anything that is not such text is returned unchanged.
    """
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        return "'" + value
    return value


def md_cell(text: str) -> str:
    """Text for a Markdown table cell: a pipe, backslash or line break must not break the table."""
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")
