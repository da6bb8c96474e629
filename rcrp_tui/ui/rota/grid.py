"""The rota's two tables: a week of days by shift types, and coverage per team and shift type.

Every mark is a word or symbol as well as a style: ``GAP``, ``*`` (a team's first shift of
that type), ``N`` (night), ``W`` (weekend), ``!`` (accepted with an override reason),
``⇄`` (marked for a swap).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from rich.text import Text
from textual.widgets import DataTable

from rcrp_tui.domain.rota import SlotKey
from rcrp_tui.services.readiness.briefings import DUE_WITHIN, BriefingStatus, FirstShift
from rcrp_tui.services.rota.planning import RotaInfo, RotaView, Slot
from rcrp_tui.ui.common.literal import literal


def week_bounds(rota: RotaInfo, week: int) -> tuple[date, date]:
    """First and last day of week ``week`` (0-based) of the rota window."""
    start = rota.go_live + timedelta(days=7 * week)
    return start, min(start + timedelta(days=6), rota.last_day)


def _flags(slot: Slot) -> str:
    s = slot.shift
    return "".join(f for f, on in (("*", s.is_first), ("N", s.is_night), ("W", s.is_weekend)) if on)


def slot_cell(slot: Slot | None, marked: bool = False) -> Text:
    """Two lines: the team and its flags, then the floorwalker or GAP."""
    if slot is None:
        return Text("—", style="dim")
    text = Text()
    if marked:
        text.append("⇄ ", style="bold reverse")
    text.append_text(literal(slot.shift.team_name, single_line=True))
    flags = _flags(slot)
    if flags:
        text.append(f" {flags}", style="bold")
    text.append("\n")
    if slot.floorwalker_name is None:
        text.append("GAP", style="bold reverse" if slot.shift.is_first else "bold")
    else:
        text.append_text(literal(slot.floorwalker_name, single_line=True))
        if slot.override_reason:
            text.append(" !", style="bold")
    return text


class WeekGrid(DataTable[Text]):
    """Days down, shift types across; each cell one team's shift and its floorwalker."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="cell", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._cells: dict[tuple[int, int], Slot] = {}

    def show(self, view: RotaView | None, week: int, marked: SlotKey | None) -> None:
        """Draw ``week`` of ``view``, keeping the cursor where it was."""
        cursor = self.cursor_coordinate
        self.clear(columns=True)
        self._cells = {}
        if view is None:
            return
        start, end = week_bounds(view.rota, week)
        in_week = [s for s in view.slots if start <= s.key.day <= end]
        # Shift types in the order of their start time, as a control room reads them.
        codes: list[str] = []
        for slot in sorted(view.slots, key=lambda s: (s.shift.start.time(), s.key.code)):
            if slot.key.code not in codes:
                codes.append(slot.key.code)
        # Not "day": a shift pattern may name a shift "day" too, and column keys must differ.
        self.add_column("Day", key="#date")
        for code in codes:
            sample = next(s for s in view.slots if s.key.code == code).shift
            label = f"{code} {sample.start:%H:%M}-{sample.end:%H:%M}"
            self.add_column(label, key=code, width=max(22, len(label)))
        row = 0
        for offset in range((end - start).days + 1):
            day = start + timedelta(days=offset)
            by_code: dict[str, list[Slot]] = {}
            for slot in in_week:
                if slot.key.day == day:
                    by_code.setdefault(slot.key.code, []).append(slot)
            # Usually one team per shift type a day; more teams get more lines.
            lanes = max((len(v) for v in by_code.values()), default=1)
            for lane in range(lanes):
                cells: list[Text] = [Text(f"{day:%a %d %b}" if lane == 0 else "")]
                for column, code in enumerate(codes, start=1):
                    slots = by_code.get(code, [])
                    here = slots[lane] if lane < len(slots) else None
                    if here is not None:
                        self._cells[(row, column)] = here
                    cells.append(slot_cell(here, here is not None and here.key == marked))
                self.add_row(*cells, height=2, key=f"{day.isoformat()}#{lane}")
                row += 1
        if self.row_count:
            self.move_cursor(
                row=min(cursor.row, self.row_count - 1),
                column=max(1, min(cursor.column, len(codes))),
            )

    def selected_slot(self) -> Slot | None:
        """The slot under the cursor (None on a day label or a rest day)."""
        c = self.cursor_coordinate
        return self._cells.get((c.row, c.column))


class CoverageTable(DataTable[Text]):
    """Team and shift type: covered of total, gaps, the first shift, nights and weekends."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]

    def show(
        self,
        view: RotaView,
        briefings: Sequence[FirstShift] = (),
        now: datetime | None = None,
    ) -> None:
        self.clear(columns=True)
        labels = ("Team", "Shift", "Covered", "Gaps", "* First shift", "Briefing", "Nights")
        for label in (*labels, "Weekends"):
            self.add_column(label, key=label.lower())
        by_cell = {(f.team_id, f.shift_code): f for f in briefings}
        for c in view.coverage.cells:
            first = Text(f"{c.first_day:%a %d %b} " if c.first_day else "")
            first.append(
                "✓ covered" if c.first_covered else "✗ GAP",
                style="" if c.first_covered else "bold reverse",
            )
            gaps = Text(f"{c.gaps} GAP" if c.gaps else "0", style="bold" if c.gaps else "")
            self.add_row(
                literal(c.team_name, single_line=True),
                Text(c.code),
                Text(f"{c.covered}/{c.total}"),
                gaps,
                first,
                briefing_cell(by_cell.get((c.team_id, c.code)), now),
                Text(f"{c.nights_covered}/{c.nights}" if c.nights else "-"),
                Text(f"{c.weekends_covered}/{c.weekends}" if c.weekends else "-"),
                key=f"{c.team_id}:{c.code}",
            )
        cov = view.coverage
        self.add_row(
            Text("All teams", style="bold"),
            Text(""),
            Text(f"{cov.covered}/{cov.total} ({cov.percent:.1f}%)", style="bold"),
            Text(f"{cov.total - cov.covered} GAP" if cov.gaps else "0", style="bold"),
            Text(f"{len(cov.first_gaps)} first-shift GAP" if cov.first_gaps else "all covered"),
            Text(f"{sum(1 for f in briefings if f.briefed)}/{len(briefings)} briefed"),
            Text(""),
            Text(""),
            key="total",
        )


def briefing_cell(first: FirstShift | None, now: datetime | None) -> Text:
    """The go-live briefing of a team's first shift of a type: a word, never colour alone;
    one starting within 24 hours with none planned says so in capitals."""
    if first is None:
        return Text("-")
    b = first.briefing
    if b is not None and b.status is BriefingStatus.DELIVERED:
        return Text(f"✓ delivered ({b.attendees})")
    if b is not None and b.status is BriefingStatus.PLANNED:
        return Text("… planned")
    text = Text("✗ not delivered" if b is not None else "✗ none")
    if now is not None and now < first.start <= now + DUE_WITHIN:
        text = Text("⚠ NONE, starts in 24 h", style="bold reverse")
    return text
