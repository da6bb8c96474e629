"""Smaller appeal dialogs: the list filter (category, theme, dates), themes, and a
learning action. Keys only; refusals are shown next to the field they name."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from rcrp_tui.domain.appeals import ACTION_MAX, LONDON, OWNER_MAX, normalise_theme, theme_label
from rcrp_tui.domain.enums import Category
from rcrp_tui.domain.kpis import parse_day
from rcrp_tui.services.appeals import learning as appeal_learning
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.queries import AppealFilter
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.ui.appeals.forms import (
    OVERRIDE_REASON_MAX,
    AppealForm,
    PersonalDataShown,
    override_box,
)
from rcrp_tui.ui.common.form import FormInput
from rcrp_tui.ui.common.keys import KeyHints


def _local_day(text: str, label: str) -> date | None:
    """A day typed as YYYY-MM-DD, or None when blank; ValueError naming ``label``."""
    return parse_day(text, label) if text.strip() else None


def _day_start(day: date) -> datetime:
    """Local (London) midnight of ``day``, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)


class AppealFilterDialog(AppealForm):
    """Narrow the list by the linked decision's category, a theme and a date range."""

    FIELDS = {
        "category": ("category", "Category"),
        "theme": ("theme", "Theme"),
        "date_from": ("date-from", "From"),
        "date_to": ("date-to", "To"),
    }

    def __init__(self, flt: AppealFilter, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flt = flt

    def compose(self) -> ComposeResult:
        f = self.flt
        first = _local(f.date_from)
        last = _local(f.date_to - timedelta(days=1)) if f.date_to else ""
        with Vertical(id="filter-form", classes="form"):
            yield Label("Filter appeals", classes="form-title")
            yield Label("Category of the linked decision")
            yield Select(
                [(c.label, c) for c in Category],
                value=f.categories[0] if f.categories else Select.NULL,
                prompt="any category",
                id="category",
            )
            yield Label("Theme (one of the six, or a free tag)")
            yield FormInput(value=f.theme or "", placeholder="any theme", id="theme")
            yield Label("Received from (YYYY-MM-DD, UK time)")
            yield FormInput(value=first, placeholder="any", id="date-from")
            yield Label("Received up to and including (YYYY-MM-DD, UK time)")
            yield FormInput(value=last, placeholder="any", id="date-to")
            yield Static("", id="form-error", classes="form-error")
            yield KeyHints(classes="form-hint")

    def on_mount(self) -> None:
        self.query_one("#category", Select).focus()

    def action_save(self) -> None:
        try:
            first = _local_day(self.query_one("#date-from", Input).value, "From")
        except ValueError as exc:
            self.show_error("date_from", str(exc).removeprefix("From: "))
            return
        try:
            last = _local_day(self.query_one("#date-to", Input).value, "To")
        except ValueError as exc:
            self.show_error("date_to", str(exc).removeprefix("To: "))
            return
        if first and last and last < first:
            self.show_error("date_to", "is before the start date")
            return
        category = self.query_one("#category", Select).value
        theme = self.query_one("#theme", Input).value.strip() or None
        if theme is not None:
            try:
                theme = normalise_theme(theme)
            except ValueError as exc:
                self.show_error("theme", str(exc))
                return
        self.dismiss(
            replace(
                self.flt,
                categories=(category,) if isinstance(category, Category) else (),
                theme=theme,
                date_from=_day_start(first) if first else None,
                date_to=_day_start(last + timedelta(days=1)) if last else None,
            )
        )


def _local(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(LONDON).date().isoformat()


class ThemesDialog(AppealForm):
    """Set an appeal's themes: the six standard ones or free tags, comma separated."""

    FIELDS = {"themes": ("themes", "Themes")}

    def __init__(
        self, ctx: Ctx, appeal_id: int, themes: tuple[str, ...], version: int, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.appeal_id = appeal_id
        self.themes = themes
        self.version = version  # the appeal as this screen saw it

    def compose(self) -> ComposeResult:
        with Vertical(id="themes-form", classes="form"):
            yield Label("Themes", classes="form-title")
            yield Static(
                "Governance, Guidelines, Compliance, Resources, Human error, Better practice;"
                " or your own short tag",
                classes="form-context",
            )
            yield FormInput(value=", ".join(theme_label(t) for t in self.themes), id="themes")
            yield Static("", id="form-error", classes="form-error")
            yield KeyHints(classes="form-hint")

    def on_mount(self) -> None:
        self.query_one("#themes", Input).focus()

    def action_save(self) -> None:
        raw = self.query_one("#themes", Input).value
        self._save([t for t in raw.split(",") if t.strip()])

    @work(thread=True, exclusive=True, exit_on_error=False, group="appeal-form")
    def _save(self, themes: list[str]) -> None:
        self.post_outcome(
            lambda: appeals.set_themes(
                self.ctx, self.appeal_id, themes, expected_version=self.version
            )
        )


class LearningActionDialog(AppealForm):
    """Add a learning action owned by a role or team, with a due date."""

    FIELDS = {
        "action": ("action", "Action"),
        "owner": ("owner", "Owner"),
        "due_date": ("due-date", "Due"),
    }
    FORM_LIMITS = {
        "action": ("Action", ACTION_MAX),
        "owner": ("Owner", OWNER_MAX),
        "override-reason": ("Reason for saving it as it is", OVERRIDE_REASON_MAX),
    }

    def __init__(self, ctx: Ctx, appeal_id: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.appeal_id = appeal_id

    def compose(self) -> ComposeResult:
        with Vertical(id="action-form", classes="form"):
            yield Label("Add a learning action", classes="form-title")
            yield Label("Action (no personal details)")
            yield FormInput(id="action")
            yield Label("Owner: a role or team, never a person's name")
            yield FormInput(placeholder="e.g. Team C supervisors", id="owner")
            yield Label("Due (YYYY-MM-DD)")
            yield FormInput(id="due-date")
            yield override_box()
            yield Static("", id="form-error", classes="form-error")
            yield KeyHints(classes="form-hint")

    def on_mount(self) -> None:
        self.query_one("#action", Input).focus()

    def action_save(self) -> None:
        if self.refuse_over_limits():
            return
        try:
            due = parse_day(self.query_one("#due-date", Input).value, "Due")
        except ValueError as exc:
            self.show_error("due_date", str(exc).removeprefix("Due: "))
            return
        self._save(
            self.query_one("#action", Input).value,
            self.query_one("#owner", Input).value,
            due,
            self.override_reason(),
        )

    @on(PersonalDataShown)
    def _personal_data(self, message: PersonalDataShown) -> None:
        self.offer_override("action", message.message)

    @work(thread=True, exclusive=True, exit_on_error=False, group="appeal-form")
    def _save(self, action: str, owner: str, due: date, reason: str | None) -> None:
        self.post_outcome(
            lambda: appeal_learning.add_learning_action(
                self.ctx, self.appeal_id, action=action, owner=owner, due_date=due,
                override_reason=reason,
            ),
            personal_data=True,
        )  # fmt: skip


class CompleteActionDialog(AppealForm):
    """Mark one of the appeal's learning actions done, by its number in the detail."""

    FIELDS = {"number": ("number", "Number")}

    def __init__(
        self, ctx: Ctx, action_ids: tuple[int, ...], versions: tuple[int, ...], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.action_ids = action_ids
        self.versions = dict(zip(action_ids, versions, strict=True))  # as listed on screen

    def compose(self) -> ComposeResult:
        with Vertical(id="complete-form", classes="form"):
            yield Label("Mark a learning action done", classes="form-title")
            yield Label(f"Number (1 to {len(self.action_ids)}, as listed)")
            yield FormInput(id="number")
            yield Static("", id="form-error", classes="form-error")
            yield KeyHints(classes="form-hint")

    def on_mount(self) -> None:
        self.query_one("#number", Input).focus()

    def action_save(self) -> None:
        raw = self.query_one("#number", Input).value.strip()
        if not raw.isdigit() or not 1 <= int(raw) <= len(self.action_ids):
            self.show_error("number", f"type a number from 1 to {len(self.action_ids)}")
            return
        self._save(self.action_ids[int(raw) - 1])

    @work(thread=True, exclusive=True, exit_on_error=False, group="appeal-form")
    def _save(self, action_id: int) -> None:
        try:
            appeal_learning.complete_learning_action(
                self.ctx, action_id, expected_version=self.versions[action_id]
            )
        except ServiceError as exc:
            self.post_message(self.Refused(None, exc.message))
        else:
            self.post_message(self.Saved(action_id))


class SourceSystemDialog(AppealForm):
    """Name the CAD system of the appeal's reference, so a shared reference can link."""

    FIELDS = {"source_system": ("source-system", "Source system")}

    def __init__(
        self, ctx: Ctx, appeal_id: int, current: str | None, version: int, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.appeal_id = appeal_id
        self.version = version  # the appeal as this screen saw it
        self.current = current or ""

    def compose(self) -> ComposeResult:
        with Vertical(id="source-form", classes="form"):
            yield Label("Source system of the CAD reference", classes="form-title")
            yield FormInput(value=self.current, placeholder="e.g. STORM", id="source-system")
            yield Static("", id="form-error", classes="form-error")
            yield KeyHints(classes="form-hint")

    def on_mount(self) -> None:
        self.query_one("#source-system", Input).focus()

    def action_save(self) -> None:
        self._save(self.query_one("#source-system", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="appeal-form")
    def _save(self, source: str) -> None:
        def link() -> int:
            linked = appeals.set_source_system(
                self.ctx, self.appeal_id, source, expected_version=self.version
            )
            return linked if linked is not None else 0

        self.post_outcome(link)
