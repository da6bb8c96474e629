"""Reviews and notes for coaching and CPD tests, built through the public services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.coaching import NoteText, Theme, Transition, Visibility
from rcrp_tui.domain.enums import CallerType, Category, Outcome, ThresholdBasis
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.coaching import notes as coaching
from rcrp_tui.services.coaching.notes import CoachingNoteView, NoteInput
from rcrp_tui.services.core import people
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from tests.review_helpers import Cast, all_met


def add_decision(cast: Cast, cad_ref: str, staff_id: str, received: datetime) -> int:
    return record_decision(
        cast.admin,
        DecisionInput(
            cad_ref=cad_ref,
            source_system="STORM",
            received_at=received,
            category=Category.MEDICAL,
            caller_type=CallerType.PUBLIC,
            outcome=Outcome.TRANSFERRED_AMBULANCE,
            threshold_basis=ThresholdBasis.NONE,
            staff_id=staff_id,
            rationale="Conscious and breathing; warm transfer to ambulance.",
        ),
    )


def submit_review(
    cast: Cast, decision_id: int, *, c05: Answer = Answer.MET, release: bool = False
) -> int:
    """A floorwalker scores and submits a review; a QA lead may moderate and release it."""
    work = reviews.open_for_decision(cast.floorwalker, decision_id)
    answers = all_met(work) | {"C05": AnswerEntry(c05), "C13": AnswerEntry(Answer.NA)}
    view = reviews.submit(cast.floorwalker, work.review, answers, Judgement.APPROPRIATE)
    if release:
        view = reviews.release(cast.qa, reviews.moderate(cast.qa, view))
    return view.id


def note_for(
    cast_ctx: object,
    staff_id: str = "CO-101",
    *,
    follow_up_on: date | None = None,
    visibility: Visibility = Visibility.NORMAL,
    to_develop: str = "Ask the Article 2 questions before deciding.",
    actions: str = "",
    review_id: int | None = None,
) -> CoachingNoteView:
    return coaching.write_note(
        cast_ctx,  # type: ignore[arg-type]
        NoteInput(
            staff_id=staff_id,
            theme=Theme.GUIDELINES,
            text=NoteText("Calm, clear call handling.", to_develop, actions),
            follow_up_on=follow_up_on,
            visibility=visibility,
            review_id=review_id,
        ),
    )


@dataclass(frozen=True)
class TeamScene:
    """What ``build_team_scene`` made, for checks against hand-counted figures."""

    october_review: int
    november_reviews: tuple[int, int]
    draft_decision: int
    overdue_note: int
    closed_note: int
    later_note: int


def build_team_scene(cast: Cast, clock: FixedClock) -> TeamScene:
    """Team Red: CO-101 with one October and two November reviews (one released, one with
    C05 not met), a draft, an overdue note and a closed one; CO-103 with one note due in
    December and no reviews. The clock ends at 26 November 2026, 09:00 UTC."""
    people.add_contact_officer(cast.admin, "CO-103", "Red")
    start = clock.instant
    clock.instant = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    october = submit_review(cast, add_decision(cast, "CAD-OCT", "CO-101", clock.instant))
    clock.instant = start
    first = submit_review(cast, cast.decision_id, release=True)
    second = submit_review(
        cast,
        add_decision(cast, "CAD-NOV", "CO-101", start - timedelta(hours=1)),
        c05=Answer.NOT_MET,
    )
    draft_decision = add_decision(cast, "CAD-DRAFT", "CO-101", start - timedelta(hours=2))
    reviews.open_for_decision(cast.floorwalker, draft_decision)
    overdue = note_for(
        cast.floorwalker, follow_up_on=date(2026, 11, 24), actions="Re-read toolkit C05."
    )
    closed = note_for(cast.qa, visibility=Visibility.RESTRICTED)
    acked = coaching.move(
        cast.officer, closed.id, Transition.ACKNOWLEDGE, row_version=closed.row_version
    )
    done = coaching.move(
        cast.qa, closed.id, Transition.FOLLOW_UP_DONE, row_version=acked.row_version
    )
    coaching.move(cast.qa, closed.id, Transition.CLOSE, row_version=done.row_version)
    later = note_for(cast.supervisor, "CO-103", follow_up_on=date(2026, 12, 10), actions="Shadow")
    clock.instant = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    return TeamScene(october, (first, second), draft_decision, overdue.id, closed.id, later.id)
