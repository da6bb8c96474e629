"""The development record (CPD): one officer's reviews, criterion trends and coaching
notes, or a supervisor's team table with overdue follow-ups.

Contact officers land on their own record. Supervisors and QA leads land on the team
table (``t`` moves a QA lead to the next team) and press enter to open an officer.
On a record: ``c`` writes a coaching note, ``a`` acknowledges the highlighted note (its
officer only), ``u`` marks its follow-up done, ``x`` closes it, ``e`` exports the record
(Markdown or PDF, chosen in a small dialog).
"""

from __future__ import annotations

import calendar
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from rcrp_tui.domain.coaching import LOCAL_ZONE, REVIEWS_PER_OFFICER_PER_MONTH, Transition
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.services.coaching import cpd, cpd_export
from rcrp_tui.services.coaching import notes as coaching
from rcrp_tui.services.coaching.cpd import OfficerRecord, TeamRow
from rcrp_tui.services.coaching.cpd_export import ExportFormat
from rcrp_tui.services.coaching.notes import CoachingNoteView
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.services.core.free_text import PersonalDataFound
from rcrp_tui.settings import default_export_folder
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.coaching.export_format_dialog import ExportFormatDialog
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import list_keys
from rcrp_tui.ui.common.literal import literal, markup_safe
from rcrp_tui.ui.common.personal_data_dialog import PersonalDataDialog
from rcrp_tui.ui.common.table_fit import fit_columns
from rcrp_tui.ui.reviews.dialogs import TextPromptDialog


def team_label(name: str | None) -> str:
    """A team as the record names it: "Team A" stays "Team A", "A" reads "Team A", and no
    team reads "Team —" (teams are often named "Team …" already)."""
    if not name:
        return "Team —"
    return name if name.lower().startswith("team ") else f"Team {name}"


def _when(value: Any) -> str:
    return "—" if value is None else f"{value.astimezone(LOCAL_ZONE):%d %b %Y}"


def record_summary(record: OfficerRecord) -> RenderableType:
    """Reviews and per-criterion trends as Rich tables (statuses in words, not colour)."""
    reviews = Table(title="Reviews (newest first)", expand=True, title_justify="left")
    for heading in ("Submitted", "CAD ref", "Status", "Score", "Result", "Judgement"):
        reviews.add_column(heading)
    for r in record.reviews:
        reviews.add_row(
            _when(r.submitted_at),
            r.cad_ref,
            r.status.label,
            "—" if r.score is None else f"{r.score:.0f}",
            r.verdict_words,
            r.judgement.label if r.judgement else "—",
        )
    trends = Table(title="Criteria met by month (met/answered)", title_justify="left")
    trends.add_column("Criterion")
    for month in record.months:
        trends.add_column(calendar.month_abbr[int(month[5:])], justify="right")
    trends.add_column("Overall", justify="right")
    for t in record.trends:
        overall = "—" if t.overall is None else f"{t.overall:.0%}"
        trends.add_row(t.code, *[f"{m}/{a}" if a else "·" for _k, m, a in t.months], overall)
    overdue = sum(1 for n in record.notes if n.overdue)
    head = Text(
        f"{team_label(record.team)} · {len(record.reviews)} review(s) · "
        f"{len(record.open_actions)} open action(s) · {overdue} overdue follow-up(s)"
    )
    parts: list[RenderableType] = [head, reviews if record.reviews else Text("No reviews yet.")]
    parts.append(trends if record.trends else Text("No scored criteria in the last six months."))
    return Group(*parts)


def note_detail(note: CoachingNoteView) -> Text:
    """Every field of a note, free text shown literally."""
    due = note.follow_up_on.isoformat() if note.follow_up_on else "none"
    out = Text(
        f"Note {note.id} · {note.theme.label} · {note.status.label} · follow-up {due}"
        f"{' ⚠ OVERDUE' if note.overdue else ''} · {note.visibility.label}\n",
        style="bold",
    )
    out.append(f"Criteria: {', '.join(note.criteria) or '—'}\n")
    for label, value in (
        ("What went well", note.went_well),
        ("What to develop", note.to_develop),
        ("Agreed actions", note.agreed_actions),
        ("Officer's comment", note.acknowledgement_comment or ""),
    ):
        if value:
            out.append(f"{label}: ", style="bold")
            out.append_text(literal(value))
            out.append("\n")
    return out


class CpdScreen(FeatureScreen[None]):
    """An officer's development record, or the team table when no officer is chosen."""

    CSS_PATH = "cpd.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "write_note", "Coaching note", id="cpd.note", tooltip="Write a note"),
        Binding("a", "move('acknowledge')", "Acknowledge", id="cpd.acknowledge"),
        Binding("u", "move('follow_up_done')", "Follow-up done", id="cpd.follow-up-done"),
        Binding("x", "move('close')", "Close note", id="cpd.close"),
        Binding(
            "e", "export", "Export", id="cpd.export", tooltip="Markdown or PDF, OFFICIAL-SENSITIVE"
        ),
        Binding("t", "next_team", "Next team", id="cpd.next-team"),
        *list_keys("cursor(1)", "cursor(-1)"),
        Binding("escape", "leave", "Back", id="cpd.back"),
    ]

    class Loaded(Message):
        def __init__(
            self,
            record: OfficerRecord | None,
            team: tuple[str, list[TeamRow]] | None,
            overdue: list[CoachingNoteView],
        ) -> None:
            super().__init__()
            self.record = record
            self.team = team
            self.overdue = overdue

    class CommentRefused(Message):
        """The personal-data guard refused an acknowledgement comment."""

        def __init__(
            self, note: CoachingNoteView, comment: str, refusal: PersonalDataFound
        ) -> None:
            super().__init__()
            self.note = note
            self.comment = comment
            self.refusal = refusal

    def __init__(
        self, ctx: Ctx, staff_id: str | None = None, team_id: int | None = None, **kw: Any
    ) -> None:
        super().__init__(ctx, **kw)
        self.staff_id = staff_id
        self.team_id = team_id
        self.record: OfficerRecord | None = None
        self.team_rows: list[TeamRow] = []

    @property
    def showing_record(self) -> bool:
        return self.staff_id is not None or self.ctx.actor.role is Role.CONTACT_OFFICER

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="cpd-title")
        with VerticalScroll(id="cpd-body"):
            yield Static("", id="cpd-summary")
            yield DataTable(id="cpd-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="cpd-note-detail")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Development record"
        table = self.query_one(DataTable)
        if self.showing_record:
            table.add_columns("Note", "Written", "Theme", "Status", "Follow-up", "Vis.", "By")
        else:
            table.add_columns("Staff ID", "Last review", "Open notes", "Overdue", "This month")
        table.focus()
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="cpd-load")
    def _load(self) -> None:
        ctx = self.ctx
        if self.showing_record:
            staff_id = self.staff_id or cpd.own_staff_id(ctx)
            self.post_message(self.Loaded(cpd.officer_record(ctx, staff_id), None, []))
            return
        overdue = (
            coaching.overdue_for_author(ctx)
            if can(ctx.actor.role, Permission.WRITE_COACHING)
            else []
        )
        team = None
        if ctx.actor.role in (Role.SUPERVISOR, Role.QA_LEAD):
            teams = people.list_teams(ctx)
            team_id = ctx.actor.team_id if ctx.actor.role is Role.SUPERVISOR else self.team_id
            if team_id is None and teams:
                team_id = teams[0].id
            name = next((t.name for t in teams if t.id == team_id), "—")
            self.team_id = team_id
            if team_id is not None:
                team = (name, cpd.team_table(ctx, team_id))
                seen = {n.id for n in overdue}
                overdue += [n for n in coaching.overdue_for_team(ctx, team_id) if n.id not in seen]
        self.post_message(self.Loaded(None, team, overdue))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        table = self.query_one(DataTable)
        table.clear()
        if message.record is not None:
            self._show_record(message.record, table)
            return
        title = "Coaching follow-ups"
        table.display = message.team is not None
        if message.team is not None:
            name, rows = message.team
            self.team_rows = rows
            quota = REVIEWS_PER_OFFICER_PER_MONTH
            title = f"{team_label(name)}: reviews this month against {quota} per officer"
            for r in rows:
                mark = " ▼ below quota" if r.below_quota else " ✓"
                table.add_row(
                    r.staff_id,
                    _when(r.last_review_at),
                    str(r.open_notes),
                    f"⚠ {r.overdue_follow_ups}" if r.overdue_follow_ups else "0",
                    f"{r.reviews_this_month}/{r.quota}{mark}",
                    key=r.staff_id,
                )
            fit_columns(table)
        self.query_one("#cpd-title", Static).update(Text(title + " · enter opens an officer"))
        lines = Text(f"Overdue follow-ups: {len(message.overdue)}\n", style="bold")
        for n in message.overdue:
            due = n.follow_up_on.isoformat() if n.follow_up_on else ""
            lines.append(f"⚠ {n.staff_id} · note {n.id} · due {due} · ")
            lines.append_text(literal(n.agreed_actions or n.to_develop, single_line=True))
            lines.append("\n")
        self.query_one("#cpd-summary", Static).update(lines)

    def _show_record(self, record: OfficerRecord, table: DataTable[Any]) -> None:
        self.record = record
        self.staff_id = record.staff_id
        self.query_one("#cpd-title", Static).update(
            Text(f"Development record · {record.staff_id} · OFFICIAL-SENSITIVE")
        )
        self.query_one("#cpd-summary", Static).update(record_summary(record))
        for n in record.notes:
            due = n.follow_up_on.isoformat() if n.follow_up_on else "—"
            table.add_row(
                str(n.id),
                _when(n.created_at),
                n.theme.label,
                n.status.label,
                f"{due} ⚠ overdue" if n.overdue else due,
                "restricted" if n.visibility.value == "restricted" else "normal",
                literal(n.author, single_line=True),
                key=str(n.id),
            )
        fit_columns(table)
        self._show_note()
        self.refresh_bindings()

    def _highlighted_note(self) -> CoachingNoteView | None:
        table = self.query_one(DataTable)
        if self.record is None or not self.record.notes:
            return None
        return self.record.notes[min(table.cursor_row, len(self.record.notes) - 1)]

    def _show_note(self) -> None:
        note = self._highlighted_note()
        detail = self.query_one("#cpd-note-detail", Static)
        detail.update(note_detail(note) if note else Text("No coaching notes."))

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        if self.showing_record:
            self._show_note()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        if not self.showing_record and event.row_key.value:
            self.app.push_screen(CpdScreen(self.ctx, staff_id=str(event.row_key.value)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.ctx.actor.role
        if action in ("write_note", "export", "move"):
            if not self.showing_record:
                return False
            if action == "write_note":
                return can(role, Permission.WRITE_COACHING)
            if action == "move" and parameters:
                wanted = Transition(str(parameters[0]))
                return (wanted is Transition.ACKNOWLEDGE) is (role is Role.CONTACT_OFFICER)
        if action == "next_team":
            return not self.showing_record and role is Role.QA_LEAD
        return True

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_write_note(self) -> None:
        if self.staff_id is None:
            return
        open_destination: Any = getattr(self.app, "open_destination", None)
        if open_destination is not None:
            open_destination("coaching_note", staff_id=self.staff_id)

    def action_move(self, transition: str, comment: str = "") -> None:
        note = self._highlighted_note()
        if note is None:
            return
        wanted = Transition(transition)
        if wanted is Transition.ACKNOWLEDGE:

            def answered(comment: str | None) -> None:
                if comment is not None:
                    self._move(note, wanted, comment)

            self.app.push_screen(
                TextPromptDialog(
                    f"Acknowledge coaching note {note.id}",
                    "Your comment (optional; enter to acknowledge)",
                    value=comment,
                    required=False,
                ),
                answered,
            )
            return
        self._move(note, wanted, "")

    @work(thread=True, exit_on_error=False, group="cpd-write")
    def _move(
        self,
        note: CoachingNoteView,
        transition: Transition,
        comment: str,
        override_reason: str | None = None,
    ) -> None:
        try:
            moved = coaching.move(
                self.ctx,
                note.id,
                transition,
                row_version=note.row_version,
                comment=comment,
                override_reason=override_reason,
            )
        except PersonalDataFound as exc:
            self.post_message(self.CommentRefused(note, comment, exc))
            return
        self.app.call_from_thread(
            self.notify, f"Note {moved.id} is now {markup_safe(moved.status.label.lower())}."
        )
        self.app.call_from_thread(self._load)

    @on(CommentRefused)
    def _comment_refused(self, message: CommentRefused) -> None:
        # Personal data in the comment: edit it out (ask again) or keep it with a reason.
        def answered(reason: str | None) -> None:
            if reason is None:
                self.action_move(Transition.ACKNOWLEDGE.value, message.comment)
            else:
                self._move(message.note, Transition.ACKNOWLEDGE, message.comment, reason)

        self.app.push_screen(
            PersonalDataDialog.for_refusal(message.comment, message.refusal), answered
        )

    def action_export(self) -> None:
        staff_id = self.staff_id
        if staff_id is None:
            return

        def chosen(fmt: ExportFormat | None) -> None:
            if fmt is not None:
                self._export(staff_id, fmt)

        dialog = ExportFormatDialog(
            f"the development record of {staff_id}", default_export_folder()
        )
        self.app.push_screen(dialog, chosen)

    @work(thread=True, exit_on_error=False, group="cpd-export")
    def _export(self, staff_id: str, fmt: ExportFormat) -> None:
        try:
            path = cpd_export.export_record(self.ctx, staff_id, default_export_folder(), fmt)
        except ServiceError as exc:
            self.app.call_from_thread(
                self.notify, exc.message, title="Not exported", severity="error", markup=False
            )
            return
        self.app.call_from_thread(
            self.notify, f"Exported (OFFICIAL-SENSITIVE): {markup_safe(str(path))}"
        )

    def action_next_team(self) -> None:
        teams = people.list_teams(self.ctx)
        ids = [t.id for t in teams]
        if not ids:
            return
        at = ids.index(self.team_id) if self.team_id in ids else -1
        self.team_id = ids[(at + 1) % len(ids)]
        self._load()

    def on_screen_resume(self) -> None:
        # Back from the note editor or an officer's record: show what changed.
        self._load()

    def action_leave(self) -> None:
        self.dismiss(None)
