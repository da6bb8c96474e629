"""The decision filter dialog: date range, category, outcome, caller, team, staff id.

``read_filter`` turns what was typed into a ``DecisionFilter`` or raises
``ValidationFailed`` naming the field, so the dialog can say exactly what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from rcrp_tui.domain.enums import CallerType, Category, Outcome
from rcrp_tui.domain.kpis import parse_day
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.core.people import STAFF_ID_RE
from rcrp_tui.services.decisions.queries import DecisionFilter
from rcrp_tui.ui.common.form import FormBehaviour, FormInput, plain_reason
from rcrp_tui.ui.common.keys import key_for
from rcrp_tui.ui.common.literal import markup_safe

#: The outcome choice that means "any not-deployed route".
NOT_DEPLOYED_ANY = "not_deployed_any"


@dataclass(frozen=True)
class FilterForm:
    """The dialog's raw values, before validation."""

    date_from: str = ""
    date_to: str = ""
    category: str = ""
    outcome: str = ""
    caller_type: str = ""
    team: str = ""
    staff_id: str = ""


def _parse_day(field: str, raw: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return parse_day(raw, field)
    except ValueError as exc:
        raise ValidationFailed(field, str(exc).removeprefix(f"{field}: ")) from None


def read_filter(form: FilterForm, *, keep: DecisionFilter | None = None) -> DecisionFilter:
    """Validate ``form``; ``keep`` supplies the fields the dialog does not edit (the search)."""
    day_from = _parse_day("Date from", form.date_from)
    day_to = _parse_day("Date to", form.date_to)
    if day_from and day_to and day_from > day_to:
        raise ValidationFailed("Date to", f"{day_to} is before the 'from' date {day_from}")
    staff = form.staff_id.strip()
    if staff and not STAFF_ID_RE.match(staff):
        raise ValidationFailed("Contact officer", "a staff id is letters, digits and '-'")
    not_deployed = form.outcome == NOT_DEPLOYED_ANY
    return DecisionFilter(
        received_from=datetime.combine(day_from, datetime.min.time(), UTC) if day_from else None,
        # The "to" day is inclusive for people; the service's bound is exclusive.
        received_to=(
            datetime.combine(day_to + timedelta(days=1), datetime.min.time(), UTC)
            if day_to
            else None
        ),
        categories=(Category(form.category),) if form.category else (),
        outcomes=(Outcome(form.outcome),) if form.outcome and not not_deployed else (),
        not_deployed_only=not_deployed,
        caller_types=(CallerType(form.caller_type),) if form.caller_type else (),
        team=form.team or None,
        staff_id=staff or None,
        cad_ref_prefix=keep.cad_ref_prefix if keep else None,
    )


def form_of(flt: DecisionFilter) -> FilterForm:
    """The form showing ``flt`` (the inverse of ``read_filter`` for one-choice filters)."""
    last_day = (flt.received_to - timedelta(days=1)).date().isoformat() if flt.received_to else ""
    outcome = NOT_DEPLOYED_ANY if flt.not_deployed_only else ""
    if flt.outcomes:
        outcome = flt.outcomes[0]
    return FilterForm(
        date_from=flt.received_from.date().isoformat() if flt.received_from else "",
        date_to=last_day,
        category=flt.categories[0] if flt.categories else "",
        outcome=outcome,
        caller_type=flt.caller_types[0] if flt.caller_types else "",
        team=flt.team or "",
        staff_id=flt.staff_id or "",
    )


class FilterDialog(FormBehaviour, ModalScreen[DecisionFilter | None]):
    """Ask for a filter; dismiss with the new filter, or None when cancelled."""

    FORM_ERROR_ID = "filter-error"
    FORM_WHAT = "the changed filter"

    DEFAULT_CSS = """
    FilterDialog {
        align: center middle;
    }
    #filter-box {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $panel;
        padding: 0 1;
    }
    #filter-title {
        text-style: bold;
        margin-bottom: 1;
    }
    #filter-grid {
        grid-size: 2;
        grid-columns: 17 1fr;
        grid-rows: 1;
        grid-gutter: 1 0;
        height: auto;
    }
    #filter-error {
        height: auto;
        margin-top: 1;
        color: $error;
        text-style: bold;
    }
    #filter-buttons {
        height: 1;
        margin-top: 1;
        align-horizontal: right;
    }
    #filter-buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filter.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="filter.apply"),
    ]

    def __init__(self, current: DecisionFilter, teams: Sequence[str]) -> None:
        super().__init__()
        self.current = current
        self.teams = list(teams)

    def compose(self) -> ComposeResult:
        form = form_of(self.current)
        outcomes = [(o.label, o.value) for o in Outcome]
        outcomes.insert(1, ("Not deployed, any route", NOT_DEPLOYED_ANY))
        with Vertical(id="filter-box"):
            yield Static("Filter decisions", id="filter-title")
            with Grid(id="filter-grid"):
                yield Label("Date from (UTC)")
                yield FormInput(
                    form.date_from, placeholder="YYYY-MM-DD", id="date-from", compact=True
                )
                yield Label("Date to (UTC)")
                yield FormInput(form.date_to, placeholder="YYYY-MM-DD", id="date-to", compact=True)
                yield Label("Category")
                yield Select(
                    [(c.label, c.value) for c in Category],
                    value=form.category or Select.NULL,
                    prompt="Any category",
                    id="category",
                    compact=True,
                )
                yield Label("Outcome")
                yield Select(
                    outcomes,
                    value=form.outcome or Select.NULL,
                    prompt="Any outcome",
                    id="outcome",
                    compact=True,
                )
                yield Label("Caller type")
                yield Select(
                    [(c.label, c.value) for c in CallerType],
                    value=form.caller_type or Select.NULL,
                    prompt="Any caller",
                    id="caller-type",
                    compact=True,
                )
                yield Label("Team")
                yield Select(
                    [(markup_safe(t), t) for t in self.teams],
                    value=form.team if form.team in self.teams else Select.NULL,
                    prompt="Any team",
                    id="team",
                    compact=True,
                )
                yield Label("Contact officer")
                yield FormInput(form.staff_id, placeholder="staff id", id="staff-id", compact=True)
            yield Static("", id="filter-error")
            with Horizontal(id="filter-buttons"):
                yield Button("Apply", variant="primary", id="apply", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        # The buttons name the keys that do the same, as bound now (a keymap may move them).
        apply, cancel = key_for(self, "filter.apply", "^s"), key_for(self, "filter.cancel", "esc")
        self.query_one("#apply", Button).label = f"Apply ({apply})"
        self.query_one("#cancel", Button).label = f"Cancel ({cancel})"

    def _select(self, selector: str) -> str:
        value = self.query_one(selector, Select).value
        return "" if value is Select.NULL else str(value)

    def _form(self) -> FilterForm:
        return FilterForm(
            date_from=self.query_one("#date-from", Input).value,
            date_to=self.query_one("#date-to", Input).value,
            category=self._select("#category"),
            outcome=self._select("#outcome"),
            caller_type=self._select("#caller-type"),
            team=self._select("#team"),
            staff_id=self.query_one("#staff-id", Input).value,
        )

    def action_apply(self) -> None:
        try:
            flt = read_filter(self._form(), keep=self.current)
        except ValidationFailed as exc:
            focus = {"Date from": "date-from", "Date to": "date-to"}.get(exc.field)
            self.show_field_error(focus or "staff-id", plain_reason(exc.message))
            return
        self.dismiss(flt)

    def action_cancel(self) -> None:
        self.leave_form()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        else:
            self.action_cancel()
