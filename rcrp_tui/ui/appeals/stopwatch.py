"""The stopwatch an open live 999 appeal carries, shared by the list and the detail screen.

Minutes since the appeal was received, counted from the app's clock and redrawn every
``STOPWATCH_SECONDS`` without touching the database, until a supervisor records the decision.
"""

from __future__ import annotations

from rich.text import Text

from rcrp_tui.domain.appeals import format_minutes
from rcrp_tui.domain.clock import Clock
from rcrp_tui.services.appeals.queries import AppealRow

STOPWATCH_SECONDS = 5.0


def time_cell(row: AppealRow, clock: Clock) -> Text:
    """The stopwatch for an open live appeal; time to decision once decided."""
    minutes = row.waiting_minutes(clock)
    if row.is_open and row.route.is_live:
        return Text(f"⏱ {format_minutes(minutes)} waiting", style="bold")
    if row.is_open:
        return Text("open")
    return Text(f"decided in {format_minutes(minutes)}")
