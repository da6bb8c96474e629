"""Plain records the review services hand out, and the storage-side helpers they share.

Everything here that leaves the service layer is a frozen dataclass, never an ORM object,
so it can cross from a worker thread to the screen safely.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.review_workflow import ReviewStatus, Who
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.domain.toolkit import Criterion, Toolkit
from rcrp_tui.domain.verdict import Verdict, verdict
from rcrp_tui.services.core.context import Actor
from rcrp_tui.services.core.errors import Conflict
from rcrp_tui.services.decisions.queries import DecisionRow
from rcrp_tui.storage.models import decisions_table, users_table
from rcrp_tui.storage.review_models import Review, ReviewChange, review_answers_table

NOTE_MAX = 1000
_NOTE_SUFFIX = " note"
#: How the personal-data guard names the reason for amending or adjusting a review.
CHANGE_REASON_FIELD = "Reason for the change"
#: How the personal-data guard names a contact officer's acknowledgement comment.
ACK_COMMENT_FIELD = "Acknowledgement comment"


def note_field(code: str) -> str:
    """How criterion ``code``'s note is named in messages and by the personal-data guard."""
    return f"{code}{_NOTE_SUFFIX}"


def criterion_of_note_field(field_name: str) -> str | None:
    """The criterion code a :func:`note_field` name stands for (None for any other field)."""
    return field_name.removesuffix(_NOTE_SUFFIX) if field_name.endswith(_NOTE_SUFFIX) else None


@dataclass(frozen=True)
class AnswerEntry:
    """One criterion's answer (None while unanswered) and the reviewer's note on it."""

    answer: Answer | None = None
    note: str = ""


@dataclass(frozen=True)
class ReviewView:
    id: int
    decision_id: int
    toolkit_row_id: int
    toolkit_key: str
    toolkit_version: str
    reviewer_user_id: int
    reviewer: str
    status: ReviewStatus
    judgement: Judgement | None
    answers: Mapping[str, AnswerEntry]
    score: float | None
    passed: bool
    band: str | None
    failed_critical: tuple[str, ...]
    row_version: int
    created_at: datetime
    updated_at: datetime
    updated_by: str
    submitted_at: datetime | None = None
    moderated_at: datetime | None = None
    moderation_outcome: str | None = None
    moderation_reason: str | None = None
    released_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledgement_comment: str | None = None


@dataclass(frozen=True)
class ReviewWork:
    """Everything the review screen needs in one fetch."""

    review: ReviewView
    decision: DecisionRow
    toolkit: Toolkit
    criteria: tuple[Criterion, ...]  # the ones that apply to the decision's category


@dataclass(frozen=True)
class ReviewSummary:
    id: int
    decision_id: int
    cad_ref: str
    category: str
    reviewer: str
    status: ReviewStatus
    judgement: Judgement | None
    score: float | None
    passed: bool
    band: str | None
    updated_at: datetime
    reviewer_user_id: int | None = None
    answered: int = 0  # applicable criteria with an answer
    applicable: int = 0
    failed_critical: tuple[str, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """PASS / FAIL / draft n/m, decided in one place (domain/verdict.py)."""
        return verdict(
            draft=self.status is ReviewStatus.DRAFT,
            answered=self.answered,
            applicable=self.applicable,
            band_passes=self.passed,
            failed_critical=self.failed_critical,
        )


@dataclass(frozen=True)
class ReviewChangeView:
    at: datetime
    actor: str
    action: str
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ReviewConflict(Conflict):
    """Someone else saved the review since it was opened. ``current`` is what is stored now;
    the caller still holds what its user typed and can save again over ``current``."""

    def __init__(self, message: str, current: ReviewView) -> None:
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class Snapshot:
    """The changeable state of a review, for diffs, history and audit."""

    status: str
    judgement: str | None
    answers: dict[str, tuple[str | None, str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "judgement": self.judgement,
            "answers": {k: {"answer": a, "note": n} for k, (a, n) in sorted(self.answers.items())},
        }


def snapshot_of(view: ReviewView) -> Snapshot:
    return Snapshot(
        view.status.value,
        view.judgement.value if view.judgement else None,
        {k: (e.answer.value if e.answer else None, e.note) for k, e in view.answers.items()},
    )


def diff(before: Snapshot, after: Snapshot) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only what differs, as (before, after) dictionaries."""
    b: dict[str, Any] = {}
    a: dict[str, Any] = {}
    if before.status != after.status:
        b["status"], a["status"] = before.status, after.status
    if before.judgement != after.judgement:
        b["judgement"], a["judgement"] = before.judgement, after.judgement
    for code in sorted(set(before.answers) | set(after.answers)):
        old = before.answers.get(code, (None, ""))
        new = after.answers.get(code, (None, ""))
        if old != new:
            b[code] = {"answer": old[0], "note": old[1]}
            a[code] = {"answer": new[0], "note": new[1]}
    return b, a


def describe_diff(before: Snapshot, after: Snapshot) -> list[str]:
    """Human lines: ``C05: Met → Not met``, ``judgement: (none) → Appropriate``."""

    def answer_label(raw: str | None) -> str:
        return Answer(raw).label if raw else "(unanswered)"

    lines: list[str] = []
    if before.status != after.status:
        lines.append(f"status: {before.status} → {after.status}")
    if before.judgement != after.judgement:
        old = Judgement(before.judgement).label if before.judgement else "(none)"
        new = Judgement(after.judgement).label if after.judgement else "(none)"
        lines.append(f"judgement: {old} → {new}")
    for code in sorted(set(before.answers) | set(after.answers)):
        old_a, old_n = before.answers.get(code, (None, ""))
        new_a, new_n = after.answers.get(code, (None, ""))
        if old_a != new_a:
            lines.append(f"{code}: {answer_label(old_a)} → {answer_label(new_a)}")
        if old_n != new_n:
            lines.append(f"{code} note changed")
    return lines


def merge_concurrent(
    base: ReviewView,
    current: ReviewView,
    typed: Mapping[str, AnswerEntry],
    judgement: Judgement | None,
) -> tuple[dict[str, AnswerEntry], Judgement | None]:
    """After a conflict: take the other person's change wherever this user left the same
    criterion (or the judgement) as it was in ``base``; where both changed it, keep what
    this user typed. Nothing either of them entered is silently dropped."""
    merged = dict(typed)
    for code in set(base.answers) | set(current.answers):
        if merged.get(code, AnswerEntry()) == base.answers.get(code, AnswerEntry()):
            merged[code] = current.answers.get(code, AnswerEntry())
    chosen = current.judgement if judgement == base.judgement else judgement
    return merged, chosen


def load_view(session: Session, review_id: int) -> ReviewView | None:
    row = session.get(Review, review_id)
    if row is None:
        return None
    answers = {
        a.criterion_code: AnswerEntry(Answer(a.answer) if a.answer else None, a.note)
        for a in session.execute(
            select(review_answers_table).where(review_answers_table.c.review_id == review_id)
        )
    }
    reviewer = session.execute(
        select(users_table.c.display_name).where(users_table.c.id == row.reviewer_user_id)
    ).scalar_one_or_none()
    return ReviewView(
        id=row.id or 0,
        decision_id=row.decision_id,
        toolkit_row_id=row.toolkit_row_id,
        toolkit_key=row.toolkit_id,
        toolkit_version=row.toolkit_version,
        reviewer_user_id=row.reviewer_user_id,
        reviewer=reviewer or "?",
        status=ReviewStatus(row.status),
        judgement=Judgement(row.judgement) if row.judgement else None,
        answers=answers,
        score=row.score,
        passed=row.passed,
        band=row.band,
        failed_critical=tuple(c for c in row.failed_critical.split(",") if c),
        row_version=row.row_version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        submitted_at=row.submitted_at,
        moderated_at=row.moderated_at,
        moderation_outcome=row.moderation_outcome,
        moderation_reason=row.moderation_reason,
        released_at=row.released_at,
        acknowledged_at=row.acknowledged_at,
        acknowledgement_comment=row.acknowledgement_comment,
    )


def decision_owner(session: Session, decision_id: int) -> tuple[int | None, int | None]:
    """(contact_officer_id, team_id) of a decision."""
    d = decisions_table.c
    row = session.execute(
        select(d.contact_officer_id, d.team_id).where(d.id == decision_id)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def who(actor: Actor, view: ReviewView, officer_id: int | None) -> Who:
    return Who(
        actor.role,
        is_reviewer=actor.user_id is not None and actor.user_id == view.reviewer_user_id,
        is_subject=actor.contact_officer_id is not None and actor.contact_officer_id == officer_id,
    )


def may_see(actor: Actor, view: ReviewView, officer_id: int | None, team_id: int | None) -> bool:
    """Need-to-know: who may read this review at all."""
    if actor.role is Role.QA_LEAD:
        return True
    if actor.role is Role.FLOORWALKER:
        return actor.user_id == view.reviewer_user_id
    if actor.role is Role.SUPERVISOR:
        return (
            view.status is not ReviewStatus.DRAFT
            and team_id is not None
            and (team_id == actor.team_id)
        )
    if actor.role is Role.CONTACT_OFFICER:
        return (
            view.status in (ReviewStatus.RELEASED, ReviewStatus.ACKNOWLEDGED)
            and officer_id is not None
            and officer_id == actor.contact_officer_id
        )
    return False


def add_change(
    session: Session,
    review_id: int,
    at: datetime,
    actor: Actor,
    action: str,
    reason: str | None,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    session.add(
        ReviewChange(
            review_id=review_id,
            at=at,
            actor_user_id=actor.user_id,
            actor=actor.display_name,
            action=action,
            reason=reason,
            before_json=json.dumps(before, sort_keys=True) if before is not None else None,
            after_json=json.dumps(after, sort_keys=True) if after is not None else None,
        )
    )
