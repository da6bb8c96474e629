"""Go-live readiness for one phase: each checklist item, its status and figure, the
readiness %, and what blocks go-live.

``[`` and ``]`` move between phases, ``o`` shows only what blocks go-live, Enter (or ``e``)
edits the highlighted manual item, ``b`` sets the phase's KPI baseline and ``x`` exports
the report. Every status is a word and a symbol (✓ done/met, ✗ not met, … in progress,
○ not started, - not applicable, OVERDUE): nothing is shown by colour alone. The figures
load in a thread worker and come back as one message.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.services.readiness import checklist as readiness_service
from rcrp_tui.services.readiness.checklist import ItemView, ReadinessReport
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import list_keys, refresh_key
from rcrp_tui.ui.common.literal import literal

_EDITS = {"edit_item", "baseline"}
_COLUMNS = (("Status", 22), ("Item", 40), ("Figure or evidence", 44), ("Owner", 18), ("Due", 11))


def status_cell(item: ItemView) -> Text:
    """The item's status as a symbol and a word; not done in capitals, overdue said."""
    word = item.status if item.done or not item.applicable else item.status.upper()
    text = Text(f"{item.symbol} {word}", style="" if item.done else "bold")
    if item.overdue:
        text.append(" OVERDUE", style="bold reverse")
    return text


class ReadinessScreen(FeatureScreen[None]):
    """A phase's go-live readiness: the phase's checklist, then the key milestones."""

    CSS_PATH = "readiness.tcss"
    HELP_TITLE = "Go-live readiness"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left_square_bracket", "phase(-1)", "Prev phase", key_display="[",
            id="readiness.prev",
        ),
        Binding(
            "right_square_bracket", "phase(1)", "Next phase", key_display="]",
            id="readiness.next",
        ),
        Binding("e", "edit_item", "Edit item", id="readiness.edit",
                tooltip="Status, owner, due date and evidence of a manual item"),
        Binding("o", "blockers", "Blockers only", id="readiness.blockers",
                tooltip="Show only what blocks go-live, or every item"),
        Binding("b", "baseline", "Baseline", id="readiness.baseline",
                tooltip="Set the phase's KPI baseline period"),
        Binding("x", "export", "Export", id="readiness.export",
                tooltip="Export the report (md, xlsx, pdf), OFFICIAL-SENSITIVE"),
        refresh_key(),
        *list_keys("cursor(1)", "cursor(-1)"),
    ]  # fmt: skip

    class Loaded(Message):
        """A phase's readiness arrived (``error``: it could not be worked out)."""

        def __init__(
            self,
            report: ReadinessReport | None,
            phases: tuple[int, ...],
            error: str | None = None,
        ) -> None:
            super().__init__()
            self.report = report
            self.phases = phases
            self.error = error

    def __init__(self, ctx: Ctx, phase: int | None = None, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.phase = phase
        self.phases: tuple[int, ...] = ()
        self.report: ReadinessReport | None = None
        self.blockers_only = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading go-live readiness…", id="readiness-title")
        yield Static("", id="readiness-summary")
        yield DataTable(id="readiness-items", cursor_type="row", zebra_stripes=True)
        yield Static("", id="readiness-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Readiness · {self.ctx.actor.display_name} ({self.ctx.actor.role.label})"
        self.query_one(DataTable).focus()
        self._load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _EDITS:
            return can(self.ctx.actor.role, Permission.EDIT_READINESS)
        return True

    # ----- loading -------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="readiness-load")
    def _load(self) -> None:
        try:
            phases = readiness_service.checklists().phases
            phase = self.phase
            if phase is None or phase not in phases:
                soon = readiness_service.next_go_live(self.ctx)
                phase = soon.phase if soon is not None else (phases[0] if phases else 1)
            report = readiness_service.readiness(self.ctx, phase)
        except ServiceError as exc:
            self.post_message(self.Loaded(None, (), exc.message))
            return
        self.post_message(self.Loaded(report, phases))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.report is None:
            self.query_one("#readiness-title", Static).update(
                literal(message.error or "Readiness cannot be shown.", style="bold")
            )
            return
        self.report, self.phases = message.report, message.phases
        self.phase = message.report.phase
        self._redraw()

    def _redraw(self) -> None:
        report = self.report
        assert report is not None
        c = report.checklist
        title = Text(f"Phase {report.phase} · ", style="bold")
        title.append_text(literal(report.title, single_line=True, style="bold"))
        title.append(f" · {report.countdown}")
        self.query_one("#readiness-title", Static).update(title)
        summary = Text(f"Readiness {c.tally.percent_text} ({c.tally.done} of {c.tally.applicable})")
        if report.milestones is not None:
            summary.append(f" · key milestones {report.milestones.tally.percent_text}")
        blockers = len(report.blockers)
        summary.append(
            f" · ✗ {blockers} blocking go-live" if blockers else " · ✓ nothing blocks go-live",
            style="bold",
        )
        if self.blockers_only:
            summary.append(" · showing blockers only (o: every item)")
        self.query_one("#readiness-summary", Static).update(summary)
        table = self.query_one(DataTable)
        was = self._highlighted_key()
        table.clear(columns=True)
        # Fixed widths keep the status and the start of each item on an 80-column screen;
        # the highlighted item is written out whole underneath.
        for label, width in _COLUMNS:
            table.add_column(label, key=label.lower(), width=width)
        lists = [report.checklist] + ([report.milestones] if report.milestones else [])
        shown = {(i.phase, i.key) for i in report.blockers} if self.blockers_only else None
        for view in lists:
            items = [i for i in view.items if shown is None or (i.phase, i.key) in shown]
            if not items:
                continue
            name = f"Phase {view.phase}" if view.phase else "Key milestones"
            table.add_row(
                Text(f"── {name}", style="bold"),
                Text(f"{view.title} ({view.tally.percent_text})", style="bold"),
                Text(""),
                Text(""),
                Text(""),
                key=f"head:{view.phase}",
            )
            for item in items:
                table.add_row(
                    status_cell(item),
                    literal(item.text, single_line=True),
                    literal(item.figure if item.evidenced else item.evidence, single_line=True),
                    literal(item.owner, single_line=True),
                    Text(f"{item.due_on:%d %b %Y}" if item.due_on else ""),
                    key=f"{item.phase}:{item.key}",
                )
        if was is not None and was in table.rows:  # a row filtered out: stay at the top
            table.move_cursor(row=table.get_row_index(was))
        elif table.row_count > 1:
            table.move_cursor(row=1)  # the first item, under its heading
        self._show_detail()

    def _highlighted_key(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value) if row_key.value is not None else None

    def _item(self, key: str | None) -> ItemView | None:
        if self.report is None or key is None or key.startswith("head:"):
            return None
        phase, _, item_key = key.partition(":")
        lists = [self.report.checklist] + (
            [self.report.milestones] if self.report.milestones else []
        )
        for view in lists:
            if str(view.phase) == phase:
                return next((i for i in view.items if i.key == item_key), None)
        return None

    def selected(self) -> ItemView | None:
        """The highlighted item (None on a heading or an empty table)."""
        return self._item(self._highlighted_key())

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        item = self.selected()
        detail = self.query_one("#readiness-detail", Static)
        if item is None:
            detail.update("")
            return
        text = status_cell(item)
        text.append(" ")
        text.append_text(literal(item.text))
        if item.evidenced:
            text.append("\nFigure: ", style="bold")
            text.append_text(literal(item.figure))
            text.append("\nWhere: ", style="bold")
            text.append(item.where)
        else:
            text.append("\nOwner: ", style="bold")
            text.append_text(literal(item.owner or "none"))
            text.append(f" · due {item.due_on:%d %b %Y}" if item.due_on else " · no due date")
            if item.evidence:
                text.append(" · evidence: ")
                text.append_text(literal(item.evidence))
        if item.guidance and item.guidance != item.text:
            text.append("\nGuidance: ", style="bold")
            text.append_text(literal(item.guidance))
        detail.update(text)

    # ----- actions -------------------------------------------------------------------

    def action_phase(self, step: int) -> None:
        if not self.phases or self.phase is None:
            return
        index = self.phases.index(self.phase) if self.phase in self.phases else 0
        self.phase = self.phases[(index + step) % len(self.phases)]
        self.query_one("#readiness-title", Static).update(f"Loading phase {self.phase}…")
        self._load()

    def action_refresh(self) -> None:
        self._load()

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        if step > 0:
            table.action_cursor_down()
        else:
            table.action_cursor_up()

    def action_blockers(self) -> None:
        if self.report is None:
            return
        self.blockers_only = not self.blockers_only
        self._redraw()

    @on(DataTable.RowSelected)
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        if can(self.ctx.actor.role, Permission.EDIT_READINESS):
            self.action_edit_item()

    def action_edit_item(self) -> None:
        from rcrp_tui.ui.readiness.dialogs import ItemDialog

        item = self.selected()
        if item is None:
            self.notify("Highlight an item first.", severity="warning")
            return
        if item.evidenced:
            self.notify(
                f"Worked out from the data, not typed in: {item.where}.",
                severity="warning",
                markup=False,
            )
            return

        def saved(done: object) -> None:
            if done:
                self.notify("Saved.", markup=False)
                self._load()  # the highlighted item stays highlighted

        self.app.push_screen(ItemDialog(self.ctx, item), saved)

    def action_baseline(self) -> None:
        from rcrp_tui.ui.readiness.dialogs import BaselineDialog

        if self.report is None:
            return

        def saved(done: object) -> None:
            if done:
                self.notify(f"Phase {self.phase}'s KPI baseline saved.", markup=False)
                self._load()

        self.app.push_screen(BaselineDialog(self.ctx, self.report), saved)

    def action_export(self) -> None:
        from rcrp_tui.ui.readiness.dialogs import ExportReadinessDialog

        if self.report is None:
            return

        def written(path: object) -> None:
            if path is not None:
                self.notify(f"Wrote {path} (OFFICIAL-SENSITIVE).", markup=False)

        self.app.push_screen(ExportReadinessDialog(self.ctx, self.report), written)
