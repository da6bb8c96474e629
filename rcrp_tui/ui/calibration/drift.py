"""Each grader's drift across revealed sessions, and one grader's criteria over time.

The drift list gives each grader's leaning and a trend of their agreement with the
reference per session; ``t`` (or Enter) opens the highlighted grader's chart of agreement
per criterion, one row per criterion and one column per session, oldest first. The
services decide who may be seen: a QA lead every grader, a floorwalker only themselves.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from rcrp_tui.domain.clock import ensure_utc
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.calibration import results
from rcrp_tui.services.calibration.records import Person
from rcrp_tui.services.calibration.results import GraderDrift, TrendCell
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.calibration import figures
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import list_keys, refresh_key, row_end_keys
from rcrp_tui.ui.common.literal import literal

SPARKS = "▁▂▃▄▅▆▇█"
ALL_MATCHED, SOME_MATCHED, NONE_MATCHED, NOT_SCORED = "✓", "~", "✗", "-"
TREND_LEGEND = (
    f"Each cell: the grader's answers that matched the reference / answers compared. "
    f"{ALL_MATCHED} all matched · {SOME_MATCHED} some did · {NONE_MATCHED} none did · "
    f"{NOT_SCORED} nothing judged (not in that session, or N/A from both)."
)


def spark(values: list[float | None]) -> str:
    """A text trend of agreement values from 0 to 1 (· where there was none)."""
    out = []
    for v in values:
        if v is None:
            out.append("·")
        else:
            out.append(SPARKS[min(len(SPARKS) - 1, max(0, int(v * len(SPARKS))))])
    return "".join(out)


def trend_cell(cell: TrendCell | None) -> str:
    """``✓ 5/5``, ``~ 3/5``, ``✗ 0/2`` or ``-``: a symbol and the count, never colour alone."""
    if cell is None or cell.compared == 0:
        return NOT_SCORED
    mark = (
        ALL_MATCHED
        if cell.agreed == cell.compared
        else NONE_MATCHED
        if cell.agreed == 0
        else SOME_MATCHED
    )
    return f"{mark} {cell.agreed}/{cell.compared}"


class DriftScreen(FeatureScreen[None]):
    """Each grader against the reference across revealed sessions: lenient or severe,
    and the trend of their agreement (oldest session first)."""

    CSS_PATH = "calibration.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "criteria", "Criteria over time", id="calibration.drift.criteria"),
        Binding("escape", "back", "Back", id="calibration.drift.back"),
        refresh_key("reload", "Work the drift out again"),
        *list_keys("cursor('down')", "cursor('up')"),
    ]

    def __init__(self, ctx: Ctx, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.drift: tuple[GraderDrift, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Working out each grader's drift…", id="drift-head", classes="cal-line")
        yield DataTable(id="drift-table", classes="cal-table", cursor_type="row")
        yield Static("", id="drift-detail", classes="cal-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "Calibration · grader drift"
        table = self.query_one(DataTable)
        for name in ("Grader", "Leaning", "Points", "Lenient", "Severe", "Decisions", "Trend"):
            table.add_column(name, key=name)
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-drift")
    def _load(self) -> None:
        username = None if self.ctx.actor.role is Role.QA_LEAD else self.ctx.actor.username
        found = results.grader_drift(self.ctx, username)
        self.app.call_from_thread(self._show, found)

    def _show(self, found: tuple[GraderDrift, ...]) -> None:
        self.drift = found
        table = self.query_one(DataTable)
        table.clear()
        for g in found:
            diff = g.mean_score_difference
            table.add_row(
                literal(g.grader.display_name, single_line=True),
                g.direction,
                "n/a" if diff is None else f"{diff:+.1f}",
                str(g.lenient_verdicts),
                str(g.severe_verdicts),
                str(g.decisions_compared),
                spark([s.agreement.value for s in g.sessions]),
            )
        self.query_one("#drift-head", Static).update(
            "No revealed session with references yet."
            if not found
            else "Points: the grader's score minus the reference's, on average. Lenient: "
            "passed where the reference failed; severe: the other way. Trend: agreement "
            "with the reference per session, oldest first (▁ low, █ high). t: the "
            "highlighted grader's criteria over time."
        )
        self._detail()

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

    def _highlighted(self) -> GraderDrift | None:
        row = self.query_one(DataTable).cursor_row
        return self.drift[row] if 0 <= row < len(self.drift) else None

    def _detail(self) -> None:
        g = self._highlighted()
        if g is None:
            return
        sessions = "; ".join(
            f"{s.title}: {figures.words(s.agreement, as_percent=True)}" for s in g.sessions
        )
        worst = ", ".join(f"{c.code} {c.disagreed}/{c.compared}" for c in g.most_disagreed[:3])
        self.query_one("#drift-detail", Static).update(
            literal(
                f"{g.grader.display_name}, agreement with the reference: {sessions}"
                + (f" · most disagreed: {worst}" if worst else "")
            )
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # Enter on a grader (the table takes Enter itself): the same as t.
        event.stop()
        self.action_criteria()

    def action_criteria(self) -> None:
        g = self._highlighted()
        if g is None:
            self.notify("No grader to show: no revealed session has references yet.")
            return
        self.app.push_screen(CriterionTrendScreen(self.ctx, g.grader))

    def action_cursor(self, direction: str) -> None:
        table = self.query_one(DataTable)
        (table.action_cursor_down if direction == "down" else table.action_cursor_up)()

    def action_back(self) -> None:
        self.dismiss(None)


class _TrendTable(DataTable[str]):
    """The chart's table: when the detail line below it grows and the table loses a row,
    the highlighted row is scrolled back into view."""

    def on_resize(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.cursor_row, scroll=True)


class CriterionTrendScreen(FeatureScreen[None]):
    """One grader's agreement with the reference per criterion, session by session: a row
    per criterion, a column per session (oldest first), a symbol and a count per cell."""

    CSS_PATH = "calibration.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="calibration.trend.back"),
        refresh_key("reload", "Work the chart out again"),
        *list_keys("cursor('down')", "cursor('up')", "cursor('first')", "cursor('last')"),
        *row_end_keys("calibration.trend"),
    ]  # fmt: skip

    def __init__(self, ctx: Ctx, grader: Person, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.grader = grader
        self.trend: GraderDrift | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            literal(f"Working out {self.grader.display_name}'s criteria over time…"),
            id="trend-head",
            classes="cal-line",
        )
        yield _TrendTable(id="trend-table", classes="cal-table", cursor_type="row")
        yield Static("", id="trend-detail", classes="cal-line")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Calibration · {self.grader.display_name} · criteria over time"
        self.query_one(DataTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration-trend")
    def _load(self) -> None:
        found = results.criterion_trend(self.ctx, self.grader.username)
        self.app.call_from_thread(self._show, found)

    def _show(self, found: GraderDrift | None) -> None:
        self.trend = found
        table = self.query_one(DataTable)
        table.clear(columns=True)
        head = self.query_one("#trend-head", Static)
        if found is None or not found.sessions:
            head.update(
                literal(f"{self.grader.display_name} has no revealed session with references.")
            )
            return
        table.add_column("Crit.", key="code")
        for i, s in enumerate(found.sessions):
            table.add_column(f"#{s.session_id} {ensure_utc(s.revealed_at):%d %b}", key=str(i))
        for t in found.criteria_over_time:
            table.add_row(t.code, *(trend_cell(c) for c in t.cells), key=t.code)
        count = len(found.sessions)
        head.update(
            literal(
                f"{self.grader.display_name}: agreement with the reference per criterion, "
                f"{count} session{'s' if count != 1 else ''}, oldest first. {TREND_LEGEND}"
            )
        )
        self._detail()
        self.call_after_refresh(self._say_if_wider)

    def _say_if_wider(self) -> None:
        table = self.query_one(DataTable)
        if table.virtual_size.width > table.scrollable_content_region.width:
            head = self.query_one("#trend-head", Static)
            head.update(
                literal(
                    f"{self.grader.display_name}: agreement with the reference per criterion, "
                    f"oldest first; ←/→ scroll across the sessions. {TREND_LEGEND}"
                )
            )

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        if self.trend is None:
            return
        row = self.query_one(DataTable).cursor_row
        rows = self.trend.criteria_over_time
        if not (0 <= row < len(rows)):
            return
        t = rows[row]
        per = "; ".join(
            f"#{s.session_id} {s.title}: "
            + ("not in it" if c is None else f"{c.agreed} of {c.compared} matched")
            for s, c in zip(self.trend.sessions, t.cells, strict=True)
        )
        self.query_one("#trend-detail", Static).update(literal(f"{t.code}: {t.question} · {per}"))

    def action_cursor(self, direction: str) -> None:
        table = self.query_one(DataTable)
        if direction == "first":
            table.move_cursor(row=0, scroll=True)
        elif direction == "last":
            table.move_cursor(row=max(0, table.row_count - 1), scroll=True)
        else:
            (table.action_cursor_down if direction == "down" else table.action_cursor_up)()

    def action_back(self) -> None:
        self.dismiss(None)
