"""Small dialogs for the rota screen: pick a floorwalker, give an override reason, review an
auto-fill proposal, confirm a change to past shifts, record leave. Each returns its answer
through ``dismiss``. The export dialog is in ``export_dialog``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from rcrp_tui.domain.kpis import parse_day
from rcrp_tui.domain.personal_data import kinds_found, scan
from rcrp_tui.domain.rota_autofill import Proposal
from rcrp_tui.services.rota.planning import OVERRIDE_MAX, Candidate, FloorwalkerInfo, RotaView
from rcrp_tui.ui.common.form import FormBehaviour, FormInput
from rcrp_tui.ui.common.keys import KeyHints, shown_key
from rcrp_tui.ui.common.literal import literal

#: The longest leave taken in one record (the rota service refuses more than this).
LEAVE_MAX_DAYS = 366

DIALOG_CSS = """
FloorwalkerPicker, OverrideReasonDialog, AutofillReviewDialog, LeaveDialog, PastShiftsDialog {
    align: center middle;
}
.rota-dialog {
    width: 80;
    max-width: 95%;
    max-height: 90%;
    background: $panel;
    padding: 1 2;
}
.rota-dialog .dialog-title { margin-bottom: 1; }
.rota-dialog .dialog-help { margin-top: 1; }
.rota-dialog .violations { color: $error; margin-bottom: 1; }
.rota-dialog OptionList { height: auto; max-height: 16; }
.rota-dialog DataTable { height: auto; max-height: 16; }
.rota-dialog #proposed { max-height: 14; }
.rota-dialog #loads { max-height: 8; }
"""


class FloorwalkerPicker(ModalScreen[int | None]):
    """Choose the floorwalker for a slot; each line says whether they fit the rules."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="rota.dialog.cancel")]

    def __init__(self, slot_label: str, offered: list[Candidate]) -> None:
        super().__init__()
        self._label = slot_label
        self._offered = offered

    def compose(self) -> ComposeResult:
        with Vertical(classes="rota-dialog"):
            yield Label(literal(f"Floorwalker for {self._label}"), classes="dialog-title")
            yield OptionList(
                *[Option(self._line(c), id=str(c.floorwalker.id)) for c in self._offered],
                id="floorwalkers",
            )
            yield Static(
                "✓ fits the rules · ✗ would break one (a supervisor may override)",
                classes="dialog-help",
            )
            yield KeyHints(before=[("Enter", "choose")])

    @staticmethod
    def _line(c: Candidate) -> Text:
        text = Text("✓ " if c.fits else "✗ ", style="bold")
        w = c.floorwalker
        text.append_text(literal(f"{w.display_name} ({w.username})", single_line=True))
        text.append(f" · {c.shifts} shift{'' if c.shifts == 1 else 's'}")
        if c.problems:
            text.append("\n    ")
            text.append_text(literal(c.problems[0], single_line=True, style="italic"))
        return text

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)


class OverrideReasonDialog(FormBehaviour, ModalScreen[str | None]):
    """Show the broken rules; a supervisor may type a reason to accept the change anyway."""

    FORM_WHAT = "the reason you typed"

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="rota.dialog.cancel")]

    def __init__(self, messages: list[str], may_override: bool) -> None:
        super().__init__()
        self._messages = messages
        self._may_override = may_override

    def compose(self) -> ComposeResult:
        with Vertical(classes="rota-dialog"):
            yield Label("✗ This change breaks the rota rules", classes="dialog-title")
            text = Text()
            for message in self._messages:
                text.append("✗ ")
                text.append_text(literal(message, single_line=True))
                text.append("\n")
            yield Static(text, classes="violations")
            if self._may_override:
                yield FormInput(
                    placeholder="Reason for overriding (kept in the audit log)", id="reason"
                )
                yield Static("", id="error", classes="violations")
                yield KeyHints(before=[("Enter", "accept with this reason")])
            else:
                yield Static("Only a supervisor may override.", classes="dialog-help")
                yield KeyHints()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if not reason:
            self.show_field_error(
                "reason",
                f"Type a reason, or press {shown_key(self.app, 'rota.dialog.cancel', 'Esc')} "
                "to leave the rota unchanged.",
            )
            return
        if self.refuse_if_too_long("reason", "Reason", reason, OVERRIDE_MAX):
            return
        found = kinds_found(scan(reason))
        if found:
            # The reason is kept on the rota and in the audit log: no one's details in it.
            kinds = ", ".join(kind.label.lower() for kind in found)
            self.show_field_error(
                "reason", f"The reason looks like it holds personal data ({kinds}); reword it."
            )
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.leave_form()


class AutofillReviewDialog(ModalScreen[bool]):
    """The auto-fill proposal: every proposed shift (date, team, shift, floorwalker) in a
    scrollable table, then each floorwalker's load; accept (a) or discard (Esc)."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [
        Binding("a", "accept", "Accept", id="rota.autofill.accept", tooltip="Save the proposal"),
        Binding("escape", "discard", "Discard", id="rota.autofill.discard"),
    ]

    def __init__(self, proposal: Proposal, view: RotaView) -> None:
        super().__init__()
        self._proposal = proposal
        self._view = view

    def compose(self) -> ComposeResult:
        p = self._proposal
        with Vertical(classes="rota-dialog"):
            yield Label("Auto-fill proposal (nothing saved yet)", classes="dialog-title")
            first_open = sum(1 for s in p.unfilled if s.is_first)
            summary = f"{len(p.assignments)} gaps filled, {len(p.unfilled)} left open"
            if first_open:
                summary += f" (✗ {first_open} first shifts still GAP)"
            yield Static(summary)
            yield DataTable(id="proposed", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="loads", cursor_type="row", zebra_stripes=True)
            yield KeyHints(before=[("↑↓", "scroll the shifts"), ("Tab", "the loads")])

    def proposed_rows(self) -> list[tuple[str, str, str, str, str, str]]:
        """One row per proposed shift, in time order: date, team, shift, times, who, marks."""
        names = {w.id: w.display_name for w in self._view.floorwalkers}
        names.update({load.floorwalker_id: load.name for load in self._proposal.loads})
        rows = []
        for a in self._proposal.assignments:
            slot = self._view.slot(a.key)
            team = slot.shift.team_name if slot else str(a.key.team_id)
            times = f"{slot.shift.start:%H:%M}-{slot.shift.end:%H:%M}" if slot else ""
            marks = ""
            if slot is not None:
                flags = (slot.shift.is_first, slot.shift.is_night, slot.shift.is_weekend)
                marks = "".join(m for m, on in zip("*NW", flags, strict=True) if on)
            start = slot.shift.start.isoformat() if slot else a.key.day.isoformat()
            rows.append(
                (
                    start,
                    f"{a.key.day:%a %d %b}",
                    team,
                    a.key.code,
                    times,
                    names.get(a.floorwalker_id, "?"),
                    marks,
                )
            )
        rows.sort()
        return [row[1:] for row in rows]

    def on_mount(self) -> None:
        proposed = self.query_one("#proposed", DataTable)
        for label in ("Date", "Team", "Shift", "Times", "Floorwalker", "Marks"):
            proposed.add_column(label)
        for day, team, code, times, who, marks in self.proposed_rows():
            proposed.add_row(
                day,
                literal(team, single_line=True),
                literal(code, single_line=True),
                times,
                literal(who, single_line=True),
                marks,
            )
        table = self.query_one("#loads", DataTable)
        for label in ("Floorwalker", "Shifts", "Nights", "Weekends", "New"):
            table.add_column(label, key=label.lower())
        for load in self._proposal.loads:
            table.add_row(
                literal(load.name, single_line=True),
                str(load.shifts),
                str(load.nights),
                str(load.weekends),
                f"+{load.proposed}",
            )
        proposed.focus()

    def action_accept(self) -> None:
        self.dismiss(True)

    def action_discard(self) -> None:
        self.dismiss(False)


class PastShiftsDialog(ModalScreen[bool]):
    """Warn that a change touches shifts that have already started; y goes ahead."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [
        Binding("y", "confirm", "Yes, change them", id="rota.past.confirm"),
        Binding("n,escape", "cancel", "No", id="rota.past.cancel"),
    ]

    def __init__(self, what: str, shifts: list[str]) -> None:
        super().__init__()
        self._what = what
        self._shifts = shifts

    def compose(self) -> ComposeResult:
        with Vertical(classes="rota-dialog"):
            yield Label(
                literal(f"⚠ {self._what} changes shifts in the past"), classes="dialog-title"
            )
            text = Text()
            for shift in self._shifts:
                text.append("⚠ ")
                text.append_text(literal(shift, single_line=True))
                text.append(" has already started\n")
            text.append(
                "The rota is the record of who walked the floor. Change it only to correct "
                "that record; the change is audited."
            )
            yield Static(text, classes="violations")
            yield KeyHints()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


@dataclass(frozen=True)
class LeaveChoice:
    floorwalker_id: int
    first_day: date
    last_day: date
    kind: str


class LeaveDialog(FormBehaviour, ModalScreen[LeaveChoice | None]):
    """Record a floorwalker as unavailable: who, from, to and a kind (never a reason)."""

    FORM_ERROR_ID = "leave-error"
    FORM_FIELDS = {
        "first_day": ("first", "First day"),
        "last_day": ("last", "Last day"),
        "kind": ("kind", "Kind"),
        "user": ("who", "Floorwalker"),
    }

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="rota.dialog.cancel")]

    def __init__(self, floorwalkers: list[FloorwalkerInfo], kinds: tuple[str, ...]) -> None:
        super().__init__()
        self._walkers = floorwalkers
        self._kinds = kinds

    def compose(self) -> ComposeResult:
        with Vertical(classes="rota-dialog"):
            yield Label("Floorwalker leave or unavailability", classes="dialog-title")
            yield Select(
                [(literal(w.display_name, single_line=True), w.id) for w in self._walkers],
                allow_blank=False,
                id="who",
            )
            yield FormInput(placeholder="first day, e.g. 2026-11-20", id="first")
            yield FormInput(placeholder="last day (same as first for one day)", id="last")
            yield Select(
                [(k.replace("_", " "), k) for k in self._kinds], allow_blank=False, id="kind"
            )
            yield Static("", id="leave-error", classes="violations")
            yield Static(
                "Dates and a kind only: no health or personal details.", classes="dialog-help"
            )
            yield KeyHints(before=[("Enter in a date box", "save"), ("Tab", "move")])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        days: list[date] = []
        for box, name in (("first", "First day"), ("last", "Last day")):
            raw = self.query_one(f"#{box}", Input).value.strip()
            if not raw and box == "last" and days:
                days.append(days[0])
                continue
            try:
                days.append(parse_day(raw, name))
            except ValueError as exc:
                self.show_field_error(box, f"{exc}.")
                return
        if days[1] < days[0]:
            self.show_field_error(
                "last", f"Last day: {days[1]:%d %b %Y} is before the first day, {days[0]:%d %b %Y}."
            )
            return
        if (days[1] - days[0]).days > LEAVE_MAX_DAYS:
            self.show_field_error(
                "last", "Last day: that is more than a year of leave; record it in parts."
            )
            return
        who = self.query_one("#who", Select).value
        kind = self.query_one("#kind", Select).value
        if not isinstance(who, int) or not isinstance(kind, str):
            self.show_field_error(None, "Choose a floorwalker and a kind.")
            return
        self.dismiss(LeaveChoice(who, days[0], days[1], kind))

    def action_cancel(self) -> None:
        self.leave_form()
