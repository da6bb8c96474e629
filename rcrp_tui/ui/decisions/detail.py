"""Every field of one decision, shown literally."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from rcrp_tui.services.decisions.queries import DecisionRow
from rcrp_tui.ui.common.literal import literal


def decision_fields(row: DecisionRow) -> list[tuple[str, Text]]:
    """(label, value) pairs for every field a reviewer may need."""
    return [
        ("CAD reference", literal(row.cad_ref)),
        ("Source system", literal(row.source_system)),
        ("Received (UTC)", literal(row.received_at.strftime("%Y-%m-%d %H:%M:%S"))),
        ("Category", literal(row.category.label)),
        ("Phase", literal(str(row.phase) if row.phase is not None else "-")),
        ("Caller type", literal(row.caller_type.label)),
        ("Contact officer", literal(row.staff_id or "-")),
        ("Team", literal(row.team or "-")),
        ("Shift", literal(row.shift or "-")),
        ("Grade", literal(row.grade or "-")),
        ("Outcome", literal(row.outcome.label)),
        ("Threshold basis", literal(row.threshold_basis.label)),
        ("Qualifier codes", literal(row.qualifier_codes or "-")),
        ("Rationale", literal(row.rationale or "-")),
        ("Record id", literal(str(row.id))),
    ]


class DecisionDetail(VerticalScroll, can_focus=True):
    """A scrollable pane with every field of the highlighted decision."""

    def compose(self):
        yield Static(id="detail-body")

    def show(self, row: DecisionRow | None) -> None:
        """Display ``row``, or a hint when there is nothing highlighted."""
        body = self.query_one("#detail-body", Static)
        if row is None:
            body.update(Text("No decision highlighted."))
            return
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in decision_fields(row):
            grid.add_row(Text(label), value)
        body.update(grid)
