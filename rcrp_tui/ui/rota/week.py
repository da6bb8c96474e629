"""The floorwalking rota: one week at a time (days by shifts), a coverage view, and the
supervisor's changes (assign, unassign, swap, auto-fill) with the rules checked on each.

A gap always says GAP and a team's first shift carries ``*``: nothing is shown by colour
alone. Every database call runs in a thread worker; results come back as messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Header, Static

from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.domain.rota import SlotKey
from rcrp_tui.services.core import changes
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, ServiceError, ValidationFailed
from rcrp_tui.services.readiness.briefings import DUE_WITHIN, FirstShift, first_shifts
from rcrp_tui.services.rota import planning as rota_service
from rcrp_tui.services.rota.planning import Candidate, RotaInfo, RotaView, RuleBroken, Slot
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.common.form import plain_reason
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import key_for, list_keys
from rcrp_tui.ui.common.literal import literal, markup_safe
from rcrp_tui.ui.common.live import DataChanged
from rcrp_tui.ui.rota.changes import RotaChanges
from rcrp_tui.ui.rota.dialogs import FloorwalkerPicker, OverrideReasonDialog, PastShiftsDialog
from rcrp_tui.ui.rota.grid import CoverageTable, WeekGrid, week_bounds

_CHANGES = {"assign", "unassign", "swap", "autofill", "leave"}


#: Rota service field name -> what the rota dialogs call it.
_FIELD_LABELS = {
    "override_reason": "Reason",
    "first_day": "First day",
    "last_day": "Last day",
    "kind": "Kind",
    "user": "Floorwalker",
    "floorwalker": "Floorwalker",
    "swap": "Swap",
}


class RotaScreen(RotaChanges, ReportsWorkerErrors, Screen[None]):
    """The floorwalking rota, a week at a time, with a coverage view."""

    CSS_PATH = "rota.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket", "week(-1)", "Prev week", key_display="[", id="rota.prev"),
        Binding("right_square_bracket", "week(1)", "Next week", key_display="]", id="rota.next"),
        Binding("t", "this_week", "This week", id="rota.today"),
        Binding("c", "toggle_coverage", "Coverage", id="rota.coverage"),
        Binding("a", "assign", "Assign", id="rota.assign", tooltip="Pick a floorwalker"),
        Binding("u,delete", "unassign", "Unassign", id="rota.unassign"),
        Binding("s", "swap", "Swap", id="rota.swap", tooltip="Mark one shift, then the other"),
        Binding("f", "autofill", "Auto-fill", id="rota.autofill"),
        Binding("e", "export", "Export", id="rota.export"),
        Binding("L", "leave", "Leave", id="rota.leave", tooltip="Record a floorwalker's leave"),
        Binding("o", "other_rota", "Other rota", id="rota.other"),
        Binding(
            "b",
            "briefing",
            "Briefing",
            id="rota.briefing",
            tooltip="Record the go-live briefing of a team's first shift of a type",
        ),
        Binding("escape", "clear_mark", "Clear swap", show=False, id="rota.clear"),
        *list_keys("cursor('down')", "cursor('up')"),
    ]

    class Loaded(Message):
        """The rota list and the chosen rota arrived from the database."""

        def __init__(
            self,
            rotas: list[RotaInfo],
            view: RotaView | None,
            briefings: tuple[FirstShift, ...] = (),
        ) -> None:
            super().__init__()
            self.rotas = rotas
            self.view = view
            self.briefings = briefings

    class ChangeFailed(Message):
        def __init__(self, error: ServiceError, retry: Callable[[str], None] | None) -> None:
            super().__init__()
            self.error = error
            self.retry = retry

    class CandidatesReady(Message):
        """The floorwalkers who could take a slot, with their fit, arrived."""

        def __init__(self, rota_id: int, slot: Slot, offered: list[Candidate]) -> None:
            super().__init__()
            self.rota_id = rota_id
            self.slot = slot
            self.offered = offered

    class Done(Message):
        """A change or export finished; ``note`` says what happened."""

        def __init__(self, note: str) -> None:
            super().__init__()
            self.note = note

    def __init__(self, ctx: Ctx, rota_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.rota_id = rota_id
        self.rotas: list[RotaInfo] = []
        self.view: RotaView | None = None
        #: The viewed rota's first shifts and their go-live briefings.
        self.briefings: tuple[FirstShift, ...] = ()
        self.week = 0
        self.marked: SlotKey | None = None
        self._first_load = True

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading the rota…", id="rota-title")
        with ContentSwitcher(initial="week", id="rota-views"):
            with Vertical(id="week"):
                yield WeekGrid(id="week-grid")
            with Vertical(id="coverage"):
                yield CoverageTable(id="coverage-table")
        yield Static("", id="rota-status")
        yield KeyFooter(whole_keys=True)

    def on_mount(self) -> None:
        self.sub_title = f"Rota · {self.ctx.actor.display_name} ({self.ctx.actor.role.label})"
        self.query_one(WeekGrid).focus()
        self._load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _CHANGES:
            return can(self.ctx.actor.role, Permission.MANAGE_ROTA)
        if action == "briefing":
            return can(self.ctx.actor.role, Permission.RECORD_BRIEFINGS)
        return True

    def _first_shift(self) -> FirstShift | None:
        """The first shift under the cursor: a coverage row, or a first shift in the week."""
        if self.view is None:
            return None
        if self._on_coverage():
            table = self.query_one(CoverageTable)
            if not table.row_count:
                return None
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            team, _, code = str(row_key.value).partition(":")
            return next(
                (f for f in self.briefings if str(f.team_id) == team and f.shift_code == code),
                None,
            )
        slot = self._selected()
        if slot is None:
            return None
        return next(
            (
                f
                for f in self.briefings
                if (f.day, f.team_id, f.shift_code)
                == (slot.key.day, slot.key.team_id, slot.key.code)
            ),
            None,
        )

    def action_briefing(self) -> None:
        from rcrp_tui.ui.readiness.briefing_dialog import BriefingDialog

        first = self._first_shift()
        if first is None:
            self.notify(
                "Highlight a team's first shift of a type (marked *), or its row in the "
                "coverage view (c).",
                severity="warning",
            )
            return

        def saved(done: object) -> None:
            if done:
                self.notify("Briefing saved.", markup=False)
                self._load()

        self.app.push_screen(BriefingDialog(self.ctx, first), saved)

    # ----- loading ---------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="rota-load")
    def _load(self) -> None:
        rotas = rota_service.list_rotas(self.ctx)
        chosen = self.rota_id if any(r.id == self.rota_id for r in rotas) else None
        if chosen is None and rotas:
            # The rota running today, else the newest (a phase's rota made ahead of its
            # go-live must not hide the one the control room is working to).
            now = self.ctx.clock.now()
            running = [
                r
                for r in rotas
                if r.go_live <= now.astimezone(rota_service.zone(r.time_zone)).date() <= r.last_day
            ]
            chosen = (running or rotas)[0].id
        view = rota_service.rota_view(self.ctx, chosen) if chosen is not None else None
        briefings: tuple[FirstShift, ...] = ()
        if view is not None:
            # The phase's briefings belong to its first rota; another rota's first shifts
            # fall on other days and are left out.
            firsts = {s.key for s in view.slots if s.shift.is_first}
            briefings = tuple(
                f
                for f in first_shifts(self.ctx, view.rota.phase)
                if SlotKey(f.day, f.team_id, f.shift_code) in firsts
            )
        self.post_message(self.Loaded(rotas, view, briefings))

    def on_rota_screen_loaded(self, message: Loaded) -> None:
        self.rotas, self.view = message.rotas, message.view
        self.briefings = message.briefings
        if self.view is not None:
            self.rota_id = self.view.rota.id
            if self._first_load:
                self._first_load = False
                self.week = self._week_of_today()
            self.week = max(0, min(self.week, self._week_count() - 1))
        self._redraw()

    def on_data_changed(self, message: DataChanged) -> None:
        """A shift or leave changed somewhere: read the rota again (week and cursor kept)."""
        if message.touches(changes.ROTA) and self.view is not None:
            self._load()

    def _week_count(self) -> int:
        return 0 if self.view is None else (self.view.rota.window_days + 6) // 7

    def _week_of_today(self) -> int:
        assert self.view is not None
        today = self.ctx.clock.now().astimezone(rota_service.zone(self.view.rota.time_zone)).date()
        weeks = (today - self.view.rota.go_live).days // 7
        return max(0, min(weeks, self._week_count() - 1))

    def _redraw(self) -> None:
        title = self.query_one("#rota-title", Static)
        grid = self.query_one(WeekGrid)
        if self.view is None:
            title.update(
                "No rota yet. A supervisor creates one with: "
                "rcrp-tui rota create --name NAME --phase N --go-live YYYY-MM-DD --pattern PATTERN"
            )
            grid.show(None, 0, None)
            return
        v, cov = self.view, self.view.coverage
        first_gaps = len(cov.first_gaps)
        start, end = week_bounds(v.rota, self.week)
        header = Text()
        header.append_text(literal(v.rota.name, single_line=True, style="bold"))
        header.append(
            f" · phase {v.rota.phase} · week {self.week + 1} of {self._week_count()}: "
            f"{start:%a %d %b} to {end:%a %d %b %Y} · coverage {cov.percent:.1f}% "
            f"({cov.covered}/{cov.total})"
        )
        if first_gaps:
            header.append(f" · ✗ {first_gaps} first-shift GAP{'s' if first_gaps > 1 else ''}")
        due = self._briefings_due()
        if due:
            header.append(
                f" · ⚠ {due} first shift{'s' if due > 1 else ''} within 24 h with no briefing",
                style="bold",
            )
        title.update(header)
        grid.show(v, self.week, self.marked)
        self.query_one(CoverageTable).show(v, self.briefings, self.ctx.clock.now())
        self._status()

    def _briefings_due(self) -> int:
        now = self.ctx.clock.now()
        return sum(1 for f in self.briefings if now < f.start <= now + DUE_WITHIN and not f.briefed)

    def _status(self) -> None:
        text = "* first shift of that type for the team · N night · W weekend · GAP no floorwalker"
        if self.marked is not None:
            when = f"{self.marked.day:%a %d %b} {self.marked.code}"
            swap, clear = key_for(self, "rota.swap", "s"), key_for(self, "rota.clear", "esc")
            text = f"⇄ Swap: marked {when}; press {swap} on the other shift ({clear} clears)"
        self.query_one("#rota-status", Static).update(markup_safe(text))

    # ----- navigation ------------------------------------------------------------

    def action_week(self, step: int) -> None:
        if self.view is None:
            return
        self.week = max(0, min(self.week + step, self._week_count() - 1))
        self._redraw()

    def action_this_week(self) -> None:
        if self.view is not None:
            self.week = self._week_of_today()
            self._redraw()

    def action_toggle_coverage(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "coverage" if switcher.current == "week" else "week"
        target = CoverageTable if switcher.current == "coverage" else WeekGrid
        self.query_one(target).focus()

    def action_cursor(self, direction: str) -> None:
        table = self.query_one(CoverageTable if self._on_coverage() else WeekGrid)
        getattr(table, f"action_cursor_{direction}")()

    def action_other_rota(self) -> None:
        if len(self.rotas) < 2 or self.view is None:
            self.notify("There is no other rota.")
            return
        ids = [r.id for r in self.rotas]
        self.rota_id = ids[(ids.index(self.view.rota.id) + 1) % len(ids)]
        self._first_load = True
        self._load()

    def _on_coverage(self) -> bool:
        return self.query_one(ContentSwitcher).current == "coverage"

    def _selected(self) -> Slot | None:
        if self.view is None or self._on_coverage():
            return None
        return self.query_one(WeekGrid).selected_slot()

    # ----- changes -----------------------------------------------------------------

    def action_assign(self) -> None:
        slot = self._selected()
        if slot is None or self.view is None:
            self.notify("Highlight a shift in the week view first.", severity="warning")
            return
        if slot.floorwalker_id is not None:
            self.notify("That shift has a floorwalker: unassign (u) or swap (s).")
            return
        rota_id = self.view.rota.id

        def offer() -> None:
            self._offer(rota_id, slot)

        self._unless_past("This assignment", [slot.key], offer)

    @work(thread=True, exclusive=True, exit_on_error=False, group="rota-offer")
    def _offer(self, rota_id: int, slot: Slot) -> None:
        try:
            offered = rota_service.candidates(self.ctx, rota_id, slot.key)
        except ServiceError as exc:
            self.post_message(self.ChangeFailed(exc, None))
            return
        self.post_message(self.CandidatesReady(rota_id, slot, offered))

    def on_rota_screen_candidates_ready(self, message: CandidatesReady) -> None:
        rota_id, slot = message.rota_id, message.slot
        label = f"{slot.shift.team_name} {slot.key.code} on {slot.key.day:%a %d %b}"

        def picked(person: int | None) -> None:
            if person is not None:
                self._change(
                    lambda reason: rota_service.assign(self.ctx, rota_id, slot.key, person, reason),
                    "Assigned.",
                )

        self.app.push_screen(FloorwalkerPicker(label, message.offered), picked)

    def action_unassign(self) -> None:
        slot = self._selected()
        if slot is None or slot.floorwalker_id is None or self.view is None:
            self.notify("Highlight an assigned shift first.", severity="warning")
            return
        rota_id = self.view.rota.id

        def unassign() -> None:
            self._change(
                lambda _r: rota_service.unassign(
                    self.ctx, rota_id, slot.key, expected_version=slot.row_version
                ),
                "Unassigned.",
            )

        self._unless_past("Unassigning", [slot.key], unassign)

    def action_swap(self) -> None:
        slot = self._selected()
        if slot is None or self.view is None:
            self.notify("Highlight a shift in the week view first.", severity="warning")
            return
        if self.marked is None:
            self.marked = slot.key
            self._redraw()
            return
        first, second, rota_id = self.marked, slot.key, self.view.rota.id
        marked = self.view.slot(first)
        # Both shifts as this screen shows them: a swap is refused if either changed since.
        seen = (marked.row_version if marked else None, slot.row_version)
        self.marked = None
        self._redraw()
        if first == second:
            return

        def swap() -> None:
            self._change(
                lambda reason: rota_service.swap(
                    self.ctx, rota_id, first, second, reason, seen=seen
                ),
                "Swapped.",
            )

        self._unless_past("This swap", [first, second], swap)

    def _unless_past(self, what: str, keys: list[SlotKey], then: Callable[[], None]) -> None:
        """Run ``then`` at once, or after a confirmation when a shift has already started."""
        now = self.ctx.clock.now()
        slots = [self.view.slot(k) for k in keys] if self.view is not None else []
        started = [
            f"{s.shift.team_name} {s.key.code} on {s.shift.start:%a %d %b %H:%M}"
            for s in slots
            if s is not None and s.shift.start <= now
        ]
        if not started:
            then()
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                then()
            else:
                self.notify("Nothing changed.")

        self.app.push_screen(PastShiftsDialog(what, started), answered)

    def action_clear_mark(self) -> None:
        if self.marked is not None:
            self.marked = None
            self._redraw()

    def _change(self, call: Callable[[str | None], None], note: str) -> None:
        self._run_change(call, note, None)

    @work(thread=True, exit_on_error=False, group="rota-change")
    def _run_change(
        self, call: Callable[[str | None], None], note: str, reason: str | None
    ) -> None:
        try:
            call(reason)
        except RuleBroken as exc:

            def retry(r: str) -> None:
                self._run_change(call, note, r)

            self.post_message(self.ChangeFailed(exc, retry))
            return
        except ServiceError as exc:
            self.post_message(self.ChangeFailed(exc, None))
            return
        self.post_message(self.Done(note))

    def on_rota_screen_change_failed(self, message: ChangeFailed) -> None:
        if isinstance(message.error, RuleBroken) and message.retry is not None:
            retry = message.retry
            messages = [v.message for v in message.error.violations]
            may = can(self.ctx.actor.role, Permission.OVERRIDE_ROTA_RULES)

            def answered(reason: str | None) -> None:
                if reason:
                    retry(reason)
                else:
                    self.notify("Nothing changed.")

            self.app.push_screen(OverrideReasonDialog(messages, may), answered)
            return
        error = message.error
        if isinstance(error, ValidationFailed):
            # In the words of the dialogs, never the service's field name.
            label = _FIELD_LABELS.get(error.field, error.field.replace("_", " ").capitalize())
            self.notify(f"{label}: {plain_reason(error.reason)}", severity="error", markup=False)
            return
        self.notify(markup_safe(error.message), severity="error")
        if isinstance(error, Conflict):
            self._load()  # show what the other terminal did

    def on_rota_screen_done(self, message: Done) -> None:
        self.notify(markup_safe(message.note))
        self._load()
