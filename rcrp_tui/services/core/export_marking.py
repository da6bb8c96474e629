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


#: Characters the PDF core fonts lack, written the plain way.
_PLAIN = str.maketrans(
    {
        "\u2014": "-",
        "\u2013": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u2022": "*",
        "\u2192": "->",
        "\u2265": ">=",
        "\u26a0": "!",
        "\u2713": "yes",
        "\u2717": "no",
        "\u00a0": " ",
    }
)


def latin1(text: str) -> str:
    """``text`` as a PDF core font can draw it: Latin-1, no control characters (anything
    else prints as a question mark)."""
    plain = text.translate(_PLAIN)
    cleaned = "".join(
        "?" if (ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0) and ch != "\n" else ch for ch in plain
    )
    return cleaned.encode("latin-1", "replace").decode("latin-1")
