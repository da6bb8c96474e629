"""Columns sized to their rows as soon as a screen fills the table."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from rcrp_tui.ui.common.table_fit import fit_columns


class _TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


async def test_columns_fit_their_widest_cell_before_the_table_is_idle() -> None:
    app = _TableApp()
    async with app.run_test(size=(80, 10)):
        table = app.query_one(DataTable)
        table.add_columns("Staff ID", "This month")
        table.add_row("CO-1", Text("3/4 ▼ below quota"))
        table.add_row("CO-20001", "1/4")
        # Measured now, not when the table is next idle.
        fit_columns(table)
        first, second = table.ordered_columns
        assert (first.content_width, second.content_width) == (8, len("3/4 ▼ below quota"))
