"""Sizing a DataTable's columns to the rows just added, at once.

A DataTable measures new rows when it is next idle, so the first frame after a fill can
show cells cut to the width of their headings (and a screenshot taken then keeps it).
For the small tables a screen fills in one go, measuring now costs nothing.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable


def _width(value: object) -> int:
    if isinstance(value, Text):
        return value.cell_len
    return max((cell_len(line) for line in str(value).splitlines()), default=0)


def fit_columns(table: DataTable[Any]) -> None:
    """Widen every auto-width column of ``table`` to its widest cell and heading."""
    for column in table.ordered_columns:
        if not column.auto_width:
            continue
        widest = max((_width(cell) for cell in table.get_column(column.key)), default=0)
        column.content_width = max(column.content_width, _width(column.label), widest)
    table.refresh()
