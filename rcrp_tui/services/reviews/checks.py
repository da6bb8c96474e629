"""What a review save checks before it writes: the answers against the toolkit, and the
review's free text (criterion notes, the reason for a change, the officer's comment)
against the personal-data guard. Called inside the save's own write transaction, so an
override's audit row commits or rolls back with the save.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.domain.toolkit import Criterion, Toolkit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.core.free_text import guard_free_text
from rcrp_tui.services.reviews.records import (
    ACK_COMMENT_FIELD,
    CHANGE_REASON_FIELD,
    NOTE_MAX,
    AnswerEntry,
    ReviewView,
    note_field,
)


def validated_answers(
    toolkit: Toolkit,
    applicable: tuple[Criterion, ...],
    answers: Mapping[str, AnswerEntry],
    judgement: Judgement | None,
) -> dict[str, AnswerEntry]:
    """The answers worth storing, once each is known to the toolkit and allowed.

    Answers to criteria that do not apply to the decision's category are dropped; an
    unknown criterion, a refused N/A, an over-long note or a judgement the toolkit does
    not offer raises ``ValidationFailed`` naming it.
    """
    codes = {c.code for c in toolkit.criteria}
    applicable_codes = {c.code for c in applicable}
    clean: dict[str, AnswerEntry] = {}
    for code, entry in answers.items():
        if code not in codes:
            raise ValidationFailed(code, f"is not a criterion of {toolkit.key} {toolkit.version}")
        if code not in applicable_codes:
            continue  # ignore answers to criteria that do not apply
        if entry.answer is Answer.NA and not toolkit.criterion(code).na_allowed:
            raise ValidationFailed(code, "N/A is not allowed for this criterion")
        if len(entry.note) > NOTE_MAX:
            raise ValidationFailed(f"{code} note", f"at most {NOTE_MAX} characters")
        if entry.answer is not None or entry.note:
            clean[code] = entry
    if (
        judgement is not None
        and toolkit.judgements
        and judgement not in {o.judgement for o in toolkit.judgements}
    ):
        raise ValidationFailed("judgement", f"{judgement.label} is not offered by this toolkit")
    return clean


def guard_notes(
    session: Session,
    ctx: Ctx,
    review_id: int,
    current: ReviewView,
    answers: Mapping[str, AnswerEntry],
    reasons: Mapping[str, str],
) -> None:
    """Guard each criterion note that is new or changed since ``current`` was stored.

    ``reasons`` maps ``note_field(code)`` to the reason for keeping flagged text.
    """
    # A note kept earlier was scanned, and any override audited, when it was saved.
    for code in sorted(answers):
        note = answers[code].note
        stored = current.answers.get(code, AnswerEntry()).note
        if not note or note == stored:
            continue
        label = note_field(code)
        guard_free_text(
            session,
            ctx,
            field=label,
            text=note,
            override_reason=reasons.get(label),
            entity="review",
            entity_id=review_id,
        )


def guard_reason(
    session: Session,
    ctx: Ctx,
    review_id: int,
    reason: str,
    acknowledgement: bool,
    reasons: Mapping[str, str],
) -> None:
    """Guard the reason for a change, or the officer's acknowledgement comment."""
    label = ACK_COMMENT_FIELD if acknowledgement else CHANGE_REASON_FIELD
    guard_free_text(
        session,
        ctx,
        field=label,
        text=reason,
        override_reason=reasons.get(label),
        entity="review",
        entity_id=review_id,
    )
