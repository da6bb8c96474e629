"""One appeal in full: the linked decision, the stopwatch, themes and learning actions."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Static

from rcrp_tui.domain.appeals import LONDON, theme_label
from rcrp_tui.domain.enums import Outcome
from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.services.appeals import qa as appeal_qa
from rcrp_tui.services.appeals import queries as appeal_queries
from rcrp_tui.services.appeals.queries import AppealDetail
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.ui.appeals.stopwatch import STOPWATCH_SECONDS, time_cell
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.literal import literal


def _local(value: Any) -> str:
    return "—" if value is None else f"{value.astimezone(LONDON):%d %b %Y %H:%M}"


def render_detail(detail: AppealDetail, ctx: Ctx) -> Group:
    """The appeal as a Rich renderable; every free-text value is shown literally."""
    a = detail.appeal
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row(
        "CAD reference", literal(a.cad_ref + (f" ({a.source_system})" if a.source_system else ""))
    )
    facts.add_row("Route", a.route.label)
    facts.add_row("Partner", literal(f"{a.partner_type.label} · {a.partner_org}"))
    facts.add_row("Original decision", literal(Outcome.label_of(a.original_decision)))
    facts.add_row("Received", _local(a.received_at))
    facts.add_row("Time", time_cell(a, ctx.clock))
    facts.add_row("Outcome", "OPEN — awaiting decision" if a.outcome is None else a.outcome.label)
    facts.add_row(
        "Decided",
        _local(a.decided_at) + (f" by {a.reviewed_by_role}" if a.reviewed_by_role else ""),
    )
    facts.add_row("Rationale", literal(a.rationale or "—"))
    facts.add_row("Adverse outcome", "reported" if a.adverse_outcome_reported else "none reported")
    facts.add_row("Themes", literal(", ".join(theme_label(t) for t in a.themes) or "—"))
    asked = f"asked {_local(a.qa_review_requested_at)}" if a.qa_review_requested_at else ""
    done = ", ".join(f"review {rid} ({status})" for rid, status in detail.reviews)
    answered = f"answered by review {a.review_id}" if a.review_id else ""
    facts.add_row("QA review", "; ".join(p for p in (asked, done, answered) if p) or "not asked")
    parts: list[Any] = [facts, Text("")]
    d = detail.decision
    if d is not None:
        parts.append(Text("Linked decision", style="bold underline"))
        parts.append(
            literal(
                f"{d.cad_ref} · {_local(d.received_at)} · {d.category.label} · "
                f"{d.caller_type.label} · {d.outcome.label} · officer {d.staff_id or '—'}"
                f"\n{d.rationale}"
            )
        )
    elif detail.matching_decisions > 1:
        parts.append(
            Text(
                "Not linked: several decisions share this CAD reference; "
                "press s to name its source system."
            )
        )
    else:
        parts.append(
            Text(
                "Not linked yet: the decision has not been imported. "
                "It is linked automatically after the next import."
            )
        )
    parts.append(Text(""))
    parts.append(Text("Learning actions", style="bold underline"))
    if not detail.learning_actions:
        parts.append(Text("none"))
    for n, la in enumerate(detail.learning_actions, start=1):
        state = f"done {_local(la.done_at)}" if la.done_at else f"due {la.due_date:%d %b %Y}"
        parts.append(literal(f"{n}. {la.action} — {la.owner} ({state})"))
    return Group(*parts)


class AppealDetailScreen(ReportsWorkerErrors, Screen[None]):
    """A single appeal; the stopwatch runs while it is open."""

    CSS_PATH = "appeals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="appeal-detail.back"),
        Binding("d", "decide", "Decide", id="appeal-detail.decide"),
        Binding("q", "ask_qa", "Ask QA review", id="appeal-detail.qa"),
        Binding("h", "themes", "Themes", id="appeal-detail.themes"),
        Binding("l", "learning_action", "Learning action", id="appeal-detail.action"),
        Binding("x", "complete_action", "Action done", id="appeal-detail.done"),
        Binding("s", "source_system", "Source system", id="appeal-detail.source"),
    ]

    class Loaded(Message):
        def __init__(self, detail: AppealDetail) -> None:
            super().__init__()
            self.detail = detail

    def __init__(self, ctx: Ctx, appeal_id: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.appeal_id = appeal_id
        self.detail: AppealDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="appeal-detail"):
            yield Static("Loading…", id="appeal-detail-body")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Appeal {self.appeal_id}"
        self._load()
        self.set_interval(STOPWATCH_SECONDS, self._redraw)

    @work(thread=True, exclusive=True, exit_on_error=False, group="appeal-detail")
    def _load(self) -> None:
        self.post_message(self.Loaded(appeal_queries.get(self.ctx, self.appeal_id)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.detail = message.detail
        self._redraw()

    def _redraw(self) -> None:
        if self.detail is not None:
            self.query_one("#appeal-detail-body", Static).update(
                render_detail(self.detail, self.ctx)
            )

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_decide(self) -> None:
        from rcrp_tui.ui.appeals.forms import DecideAppealDialog

        if self.detail is None or not self.detail.appeal.is_open:
            self.notify("This appeal is already decided.", severity="warning")
            return

        def done(saved: bool | None) -> None:
            if saved:
                self.notify(f"Appeal {self.appeal_id} decided.")
                self._load()

        self.app.push_screen(DecideAppealDialog(self.ctx, self.detail.appeal), done)

    def action_themes(self) -> None:
        from rcrp_tui.ui.appeals.dialogs import ThemesDialog

        if self.detail is not None:
            themes = self.detail.appeal.themes
            version = self.detail.appeal.row_version
            self.app.push_screen(
                ThemesDialog(self.ctx, self.appeal_id, themes, version), self._changed
            )

    def action_learning_action(self) -> None:
        from rcrp_tui.ui.appeals.dialogs import LearningActionDialog

        self.app.push_screen(LearningActionDialog(self.ctx, self.appeal_id), self._changed)

    def action_source_system(self) -> None:
        from rcrp_tui.ui.appeals.dialogs import SourceSystemDialog

        if self.detail is not None:
            current = self.detail.appeal.source_system
            self.app.push_screen(
                SourceSystemDialog(
                    self.ctx, self.appeal_id, current, self.detail.appeal.row_version
                ),
                self._changed,
            )

    def action_complete_action(self) -> None:
        from rcrp_tui.ui.appeals.dialogs import CompleteActionDialog

        if self.detail is None or not self.detail.learning_actions:
            self.notify("This appeal has no learning actions yet.", severity="warning")
            return
        ids = tuple(a.id for a in self.detail.learning_actions)
        versions = tuple(a.row_version for a in self.detail.learning_actions)
        self.app.push_screen(CompleteActionDialog(self.ctx, ids, versions), self._changed)

    def _changed(self, result: object | None) -> None:
        if result is not None:
            self._load()

    def action_ask_qa(self) -> None:
        if self.detail is not None:
            self._ask_qa(self.detail.appeal.row_version)

    @work(thread=True, exclusive=True, exit_on_error=False, group="appeal-detail-write")
    def _ask_qa(self, version: int) -> None:
        result = appeal_qa.request_qa_review(self.ctx, self.appeal_id, expected_version=version)
        self.app.call_from_thread(self.notify, f"Appeal {self.appeal_id}: {result.message}.")
        self.post_message(self.Loaded(appeal_queries.get(self.ctx, self.appeal_id)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("decide", "learning_action", "complete_action"):
            return can(self.ctx.actor.role, Permission.DECIDE_APPEALS)
        return True
