"""Scoring one decision against the toolkit, keys only.

The decision is on the left, the criteria that apply to its category on the right, the
guidance for the highlighted criterion below. 1/2/3/0 answer and move on, so a whole
review is a minute of key presses. What the reviewer types lives on this screen until a
save succeeds: a save refused because someone else saved first keeps every answer here.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.worker import Worker

from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Answer, Judgement, ScoreResult, score
from rcrp_tui.domain.toolkit import Criterion
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.services.core.free_text import PersonalDataFound
from rcrp_tui.services.reviews import lists as review_lists
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.actions import perform
from rcrp_tui.services.reviews.records import (
    AnswerEntry,
    ReviewConflict,
    ReviewView,
    ReviewWork,
    merge_concurrent,
)
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import key_for, list_keys, shown_key
from rcrp_tui.ui.common.literal import literal, visible
from rcrp_tui.ui.common.worker_errors import report_failure
from rcrp_tui.ui.reviews.dialogs import JudgementDialog, TextPromptDialog
from rcrp_tui.ui.reviews.notes import CriterionNotes
from rcrp_tui.ui.reviews.panels import (
    allowed_keys,
    criterion_line,
    decision_summary,
    guidance_text,
    score_bar,
)
from rcrp_tui.ui.reviews.raise_live_risk import RaiseLiveRisk


class ReviewScreen(CriterionNotes, RaiseLiveRisk, Screen[None]):
    """Score a decision (``decision_id``) or open an existing review (``review_id``)."""

    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "answer('met')", "Met", id="review.met"),
        Binding("2", "answer('partial')", "Partly", id="review.partial"),
        Binding("3", "answer('not_met')", "Not met", id="review.not-met"),
        Binding("0", "answer('na')", "N/A", id="review.na"),
        *list_keys("move(1)", "move(-1)"),
        Binding("n", "note", "Note", id="review.note"),
        Binding("o", "judgement", "Judgement", id="review.judgement"),
        Binding("ctrl+s", "save", "Save", id="review.save"),
        Binding("ctrl+enter", "submit", "Submit", show=False, id="review.submit"),
        Binding("f10", "submit", "Submit", id="review.submit-f10"),
        Binding("m", "moderate", "Moderate", id="review.moderate"),
        Binding("u", "release", "Release", id="review.release"),
        Binding("a", "acknowledge", "Acknowledge", id="review.acknowledge"),
        Binding("l", "live_risk", "Live risk", id="review.live-risk"),
        Binding("h", "history", "History", id="review.history"),
        Binding("escape", "leave", "Back", id="review.back"),
        Binding("c", "coaching_note", "Coaching note", id="review.coaching-note"),
    ]

    class WorkLoaded(Message):
        def __init__(self, work: ReviewWork) -> None:
            super().__init__()
            self.work = work

    class ReviewSaved(Message):
        def __init__(self, view: ReviewView, what: str) -> None:
            super().__init__()
            self.view = view
            self.what = what

    class ConflictFound(Message):
        def __init__(self, error: ReviewConflict) -> None:
            super().__init__()
            self.error = error

    def __init__(
        self, ctx: Ctx, decision_id: int | None = None, review_id: int | None = None, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.ctx = ctx
        self.decision_id = decision_id
        self.review_id = review_id
        self.work: ReviewWork | None = None
        self.base: ReviewView | None = None
        self.answers: dict[str, AnswerEntry] = {}
        self.judgement: Judgement | None = None
        #: Reasons for keeping criterion notes the personal-data guard flagged, by field.
        self.note_reasons: dict[str, str] = {}
        self.dirty = False
        self._leave_warned = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="score-bar")
        yield Static("", id="conflict", classes="hidden")
        with Horizontal(id="review-body"):
            yield VerticalScroll(Static("", id="decision-summary"), id="decision-pane")
            yield OptionList(id="criteria")
        yield VerticalScroll(Static("", id="guidance-text"), id="guidance")
        yield KeyFooter()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        text = report_failure(self, event)
        if text is not None and event.worker.group == "review-load":
            self.query_one("#score-bar", Static).update(literal(f"✗ {text}"))

    def on_mount(self) -> None:
        self.sub_title = "Review"
        self.query_one("#criteria", OptionList).focus()
        self._load()

    # ----- loading and saving (workers) ----------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-load")
    def _load(self) -> None:
        if self.review_id is not None:
            loaded = reviews.open_review(self.ctx, self.review_id)
        elif self.decision_id is not None:
            loaded = reviews.open_for_decision(self.ctx, self.decision_id)
        else:
            # Opened by its key with nothing chosen: resume the actor's latest draft.
            drafts = review_lists.list_reviews(self.ctx, statuses=(ReviewStatus.DRAFT,), limit=1)
            if not drafts:
                self.app.call_from_thread(self._nothing_to_resume)
                return
            loaded = reviews.open_review(self.ctx, drafts[0].id)
        self.post_message(self.WorkLoaded(loaded))

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-save")
    def _write(self, what: str, reason: str | None = None) -> None:
        assert self.base is not None
        base, answers, judgement = self.base, dict(self.answers), self.judgement
        try:
            view = perform(
                self.ctx, what, base, answers, judgement, reason, dict(self.note_reasons)
            )
        except ReviewConflict as exc:
            self.post_message(self.ConflictFound(exc))
            return
        except PersonalDataFound as exc:
            self.app.call_from_thread(self._note_refused, what, reason, exc)
            return
        except ServiceError as exc:
            self.app.call_from_thread(
                self.notify,
                visible(exc.message),
                title="Not done",
                severity="warning",
                markup=False,
            )
            return
        self.post_message(self.ReviewSaved(view, what))

    def _nothing_to_resume(self) -> None:
        decisions = shown_key(self.app, "go.decisions", "F2")
        review = shown_key(self.app, "decisions.review", "r")
        self.query_one("#score-bar", Static).update(
            f"No draft to resume. Open a decision ({decisions}), highlight it and press "
            f"{review} to review it."
        )

    def on_review_screen_work_loaded(self, message: WorkLoaded) -> None:
        self.work = message.work
        self._adopt(message.work.review)
        d = message.work.decision
        self.sub_title = f"Review · {d.cad_ref} · {d.category.label}"
        self.query_one("#decision-summary", Static).update(
            decision_summary(message.work.decision, message.work.review)
        )
        criteria = self.query_one("#criteria", OptionList)
        criteria.set_options(self._line(c) for c in message.work.criteria)
        criteria.highlighted = 0
        self._refresh()

    def on_review_screen_review_saved(self, message: ReviewSaved) -> None:
        self._adopt(message.view)
        self.note_reasons.clear()  # audited with this save; the notes are stored now
        self.query_one("#conflict", Static).add_class("hidden")
        words = {
            "save": "Draft saved",
            "submit": "Review submitted",
            "moderate": "Moderation recorded",
            "release": "Released to the contact officer",
            "acknowledge": "Acknowledged",
        }
        self.notify(f"{words.get(message.what, 'Saved')} (version {message.view.row_version}).")
        self._refresh_all_lines()

    def on_review_screen_conflict_found(self, message: ConflictFound) -> None:
        assert self.base is not None
        current = message.error.current
        self.answers, self.judgement = merge_concurrent(
            self.base, current, self.answers, self.judgement
        )
        self.base = current
        banner = self.query_one("#conflict", Static)
        banner.update(
            literal(
                "⚠ CONFLICT: "
                + message.error.message
                + " Their changes are merged in where you had not changed the same thing."
                f" Press {key_for(self, 'review.save', '^s')} to save the result, or "
                f"{key_for(self, 'review.history', 'h')} to see the history."
            )
        )
        banner.remove_class("hidden")
        self.notify(visible(message.error.message), title="Not saved", severity="warning")
        self._refresh_all_lines()

    def _adopt(self, view: ReviewView) -> None:
        self.base = view
        self.answers = dict(view.answers)
        self.judgement = view.judgement
        self.dirty = False

    # ----- drawing -------------------------------------------------------------

    def _line(self, c: Criterion) -> Text:
        return criterion_line(c, self.answers.get(c.code, AnswerEntry()))

    def _refresh_line(self) -> None:
        criteria = self.query_one("#criteria", OptionList)
        index = criteria.highlighted
        if self.work is not None and index is not None:
            criteria.replace_option_prompt_at_index(index, self._line(self.work.criteria[index]))

    def _refresh_all_lines(self) -> None:
        if self.work is None:
            return
        criteria = self.query_one("#criteria", OptionList)
        for index, c in enumerate(self.work.criteria):
            criteria.replace_option_prompt_at_index(index, self._line(c))
        self._refresh()

    def result(self) -> ScoreResult | None:
        if self.work is None:
            return None
        given = {k: e.answer for k, e in self.answers.items() if e.answer is not None}
        return score(self.work.criteria, given, self.work.toolkit.bands)

    def _refresh(self) -> None:
        result, work_ = self.result(), self.work
        if result is None or work_ is None or self.base is None:
            return
        widget = self.query_one("#score-bar", Static)
        widget.update(score_bar(result, work_, self.judgement, self.base.status, self.dirty))
        widget.set_class(bool(result.failed_critical), "-critical-failed")
        self._show_guidance()
        self.refresh_bindings()

    def _show_guidance(self) -> None:
        criteria = self.query_one("#criteria", OptionList)
        if self.work is None or criteria.highlighted is None:
            return
        c = self.work.criteria[criteria.highlighted]
        note = self.answers.get(c.code, AnswerEntry()).note
        text = guidance_text(c, self.work.toolkit, note)
        self.query_one("#guidance-text", Static).update(text)

    def on_option_list_option_highlighted(self, _event: OptionList.OptionHighlighted) -> None:
        self._show_guidance()

    # ----- what the actor may do ------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.base is None:
            return action in ("move", "leave")
        return allowed_keys(self.ctx.actor, self.base).get(action, True)

    # ----- actions ---------------------------------------------------------------

    def _current(self) -> Criterion | None:
        index = self.query_one("#criteria", OptionList).highlighted
        return None if self.work is None or index is None else self.work.criteria[index]

    def action_move(self, step: int) -> None:
        criteria = self.query_one("#criteria", OptionList)
        if step > 0:
            criteria.action_cursor_down()
        else:
            criteria.action_cursor_up()

    def action_answer(self, raw: str) -> None:
        c = self._current()
        if c is None:
            return
        answer = Answer(raw)
        if answer is Answer.NA and not c.na_allowed:
            self.notify(f"{c.code}: N/A is not allowed for this criterion.", severity="warning")
            return
        self.answers[c.code] = AnswerEntry(answer, self.answers.get(c.code, AnswerEntry()).note)
        self._changed()
        # Move on to the next criterion, but never wrap round to the first.
        criteria = self.query_one("#criteria", OptionList)
        if criteria.highlighted is not None and criteria.highlighted < criteria.option_count - 1:
            criteria.highlighted += 1

    def _changed(self) -> None:
        self.dirty = True
        self._leave_warned = False
        self._refresh_line()
        self._refresh()

    def action_judgement(self) -> None:
        if self.work is None:
            return

        def done(choice: Judgement | None) -> None:
            if choice is not None:
                self.judgement = choice
                self._changed()

        self.app.push_screen(JudgementDialog(self.work.toolkit.judgements, self.judgement), done)

    def _with_reason(self, title: str, then: str) -> None:
        def done(reason: str | None) -> None:
            if reason:
                self._write(then, reason)

        self.app.push_screen(TextPromptDialog(title, "Why? (recorded in the history)"), done)

    def action_save(self) -> None:
        if self.base is None:
            return
        if self.base.status is ReviewStatus.DRAFT:
            self._write("save")
        else:
            self._with_reason("Change a submitted review", "save")

    def action_submit(self) -> None:
        if self.check_action("submit", ()):
            self._write("submit")

    def action_moderate(self) -> None:
        if self.base is None:
            return
        if not self.dirty:
            self._write("moderate")  # agree
        else:
            self._with_reason("Adjust in moderation", "moderate")

    def action_release(self) -> None:
        self._write("release")

    def action_acknowledge(self) -> None:
        def done(comment: str | None) -> None:
            if comment is not None:
                self._write("acknowledge", comment)

        self.app.push_screen(
            TextPromptDialog("Acknowledge this review", "Comment (optional)", required=False),
            done,
        )

    def action_history(self) -> None:
        if self.base is not None:
            from rcrp_tui.ui.reviews.history import ReviewHistoryScreen

            self.app.push_screen(ReviewHistoryScreen(self.ctx, self.base.id))

    def action_leave(self) -> None:
        if self.dirty and not self._leave_warned:
            self._leave_warned = True
            self.notify(
                f"Unsaved answers: {key_for(self, 'review.save', '^s')} saves them; "
                f"{key_for(self, 'review.back', 'esc')} again leaves without saving.",
                severity="warning",
            )
            return
        self.dismiss(None)

    def action_coaching_note(self) -> None:
        """Write a coaching note about this decision's officer, linked to this review."""
        work_ = self.work
        if work_ is None or not work_.decision.staff_id:
            self.notify("This decision has no contact officer to coach.", severity="warning")
            return
        open_destination: Any = getattr(self.app, "open_destination", None)
        if open_destination is not None:
            open_destination(
                "coaching_note", staff_id=work_.decision.staff_id, review_id=work_.review.id
            )
