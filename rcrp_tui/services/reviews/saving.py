"""Scoring a decision: drafts, submission, moderation, release and acknowledgement.

Every save carries the ``row_version`` the user started from. When another terminal has
saved in between, the save is refused with a ``ReviewConflict`` that says what the other
person changed; nothing is written, and the screen keeps what its user typed so they can
look at the other changes and save again.

Criterion notes pass the personal-data guard: a note that is new or changed and looks like
personal data is refused with ``PersonalDataFound`` (naming the note, e.g. "C05 note")
unless ``override_reasons`` gives a reason for it, which is audited with the save. A note
saved earlier, with or without a reason, is not asked about again while it is unchanged.
The reason for amending or adjusting a review and the officer's acknowledgement comment
are guarded the same way (``CHANGE_REASON_FIELD``, ``ACK_COMMENT_FIELD``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rcrp_tui.domain.enums import Category, Role
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.review_workflow import Action, ReviewStatus, WorkflowRefused, next_status
from rcrp_tui.domain.scoring import Judgement, ScoreResult, missing_for_submit, score
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.blindness import is_blind
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import NotFound, PermissionDenied, ValidationFailed
from rcrp_tui.services.decisions import queries as decisions
from rcrp_tui.services.decisions.queries import decision_row_from, decision_row_query
from rcrp_tui.services.reviews import toolkits
from rcrp_tui.services.reviews.checks import guard_notes, guard_reason, validated_answers
from rcrp_tui.services.reviews.records import (
    NOTE_MAX,
    AnswerEntry,
    ReviewChangeView,
    ReviewConflict,
    ReviewView,
    ReviewWork,
    Snapshot,
    add_change,
    decision_owner,
    describe_diff,
    diff,
    load_view,
    may_see,
    snapshot_of,
    who,
)
from rcrp_tui.storage import change_feed
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.review_models import (
    Review,
    ReviewAnswer,
    review_answers_table,
    review_changes_table,
)
from rcrp_tui.storage.review_models import reviews_table as R
from rcrp_tui.storage.versioning import touch

_D = decisions_table.c


def open_for_decision(ctx: Ctx, decision_id: int) -> ReviewWork:
    """Resume the actor's own review of a decision, or start a draft on the current toolkit."""
    ctx.require(Permission.SCORE_REVIEWS)
    with ctx.db.read() as session:
        existing = session.execute(
            select(R.c.id)
            .where(R.c.decision_id == decision_id, R.c.reviewer_user_id == ctx.actor.user_id)
            .order_by(R.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    if existing is not None:
        return open_review(ctx, existing)
    decision = decisions.get(ctx, decision_id)
    row_id, toolkit = toolkits.current_for(ctx, decision.category)
    if ctx.actor.user_id is None:
        raise PermissionDenied("reviews are scored by a signed-in user")
    now = ctx.clock.now()
    with ctx.writing(Permission.SCORE_REVIEWS) as session:
        review = Review(
            decision_id=decision_id,
            toolkit_row_id=row_id,
            toolkit_id=toolkit.key,
            toolkit_version=toolkit.version,
            reviewer_user_id=ctx.actor.user_id,
            status=ReviewStatus.DRAFT.value,
            created_at=now,
            updated_at=now,
            updated_by=ctx.actor.display_name,
        )
        session.add(review)
        session.flush()
        rid = review.id or 0
        after = {"decision_id": decision_id, "toolkit": f"{toolkit.key} {toolkit.version}"}
        add_change(session, rid, now, ctx.actor, "started", None, None, after)
        audit.record(session, ctx, "review_started", "review", rid, after=after)
    return open_review(ctx, rid)


def open_review(ctx: Ctx, review_id: int) -> ReviewWork:
    """A review with its decision and toolkit, if the actor may see it."""
    with ctx.db.read() as session:
        view = _visible_view(ctx, session, review_id)
        r = session.execute(decision_row_query().where(_D.id == view.decision_id)).one()
    decision = decision_row_from(r)
    toolkit = toolkits.load(ctx, view.toolkit_row_id)
    return ReviewWork(view, decision, toolkit, toolkit.criteria_for(decision.category))


def save(
    ctx: Ctx,
    base: ReviewView,
    answers: Mapping[str, AnswerEntry],
    judgement: Judgement | None,
    *,
    reason: str | None = None,
    override_reasons: Mapping[str, str] | None = None,
) -> ReviewView:
    """Save a draft, or amend a submitted review (which needs ``reason``).

    ``override_reasons`` maps a note's field name (``note_field(code)``) to the reason
    for keeping personal data the guard found in it.
    """
    action = Action.EDIT_DRAFT if base.status is ReviewStatus.DRAFT else Action.AMEND
    return _write(
        ctx, base, answers, judgement, action, reason=reason, override_reasons=override_reasons
    )


def submit(
    ctx: Ctx,
    base: ReviewView,
    answers: Mapping[str, AnswerEntry],
    judgement: Judgement | None,
    *,
    override_reasons: Mapping[str, str] | None = None,
) -> ReviewView:
    """Save and submit; refused, naming what is missing, until everything is answered."""
    return _write(ctx, base, answers, judgement, Action.SUBMIT, override_reasons=override_reasons)


def moderate(
    ctx: Ctx,
    base: ReviewView,
    *,
    answers: Mapping[str, AnswerEntry] | None = None,
    judgement: Judgement | None = None,
    reason: str | None = None,
    override_reasons: Mapping[str, str] | None = None,
) -> ReviewView:
    """A QA lead agrees with a submitted review, or adjusts answers/judgement with a reason."""
    return _write(
        ctx,
        base,
        base.answers if answers is None else answers,
        judgement or base.judgement,
        Action.MODERATE,
        reason=reason,
        override_reasons=override_reasons,
    )


def release(ctx: Ctx, base: ReviewView) -> ReviewView:
    """Release a moderated review to the contact officer whose decision it is."""
    return _write(ctx, base, base.answers, base.judgement, Action.RELEASE)


def acknowledge(
    ctx: Ctx,
    base: ReviewView,
    comment: str = "",
    *,
    override_reasons: Mapping[str, str] | None = None,
) -> ReviewView:
    """The contact officer confirms they have read their released review.

    A comment that looks like personal data needs a reason under ``ACK_COMMENT_FIELD`` in
    ``override_reasons``.
    """
    if len(comment) > NOTE_MAX:
        raise ValidationFailed("comment", f"at most {NOTE_MAX} characters")
    return _write(
        ctx,
        base,
        base.answers,
        base.judgement,
        Action.ACKNOWLEDGE,
        reason=comment,
        override_reasons=override_reasons,
    )


_PERMISSION = {
    Action.EDIT_DRAFT: Permission.SCORE_REVIEWS,
    Action.SUBMIT: Permission.SCORE_REVIEWS,
    Action.AMEND: Permission.SCORE_REVIEWS,
    Action.MODERATE: Permission.MODERATE_REVIEWS,
    Action.RELEASE: Permission.RELEASE_REVIEWS,
    Action.ACKNOWLEDGE: Permission.ACKNOWLEDGE_OWN,
}


def _write(
    ctx: Ctx,
    base: ReviewView,
    answers: Mapping[str, AnswerEntry],
    judgement: Judgement | None,
    action: Action,
    *,
    reason: str | None = None,
    override_reasons: Mapping[str, str] | None = None,
) -> ReviewView:
    toolkit = toolkits.load(ctx, base.toolkit_row_id)
    reason = (reason or "").strip() or None
    now = ctx.clock.now()
    if action is Action.SUBMIT:
        # Imported here, outside the write lock: the sampling modules load the statistics
        # stack, which opening a review should not wait for.
        from rcrp_tui.services.sampling import queue as sample_queue
    with ctx.writing(_PERMISSION[action]) as session:
        # Lock the review row first (PostgreSQL; SQLite's write transaction already holds
        # the database lock), so a second save waits and then sees the first one's version
        # here, with the message that says what changed. The compare-and-set on
        # row_version at flush (storage/versioning.py) guarantees it either way.
        session.execute(select(R.c.id).where(R.c.id == base.id).with_for_update())
        current = _visible_view(ctx, session, base.id)
        officer_id, _team = decision_owner(session, base.decision_id)
        if current.row_version != base.row_version:
            changes = describe_diff(snapshot_of(base), snapshot_of(current))
            raise ReviewConflict(
                f"{current.updated_by} saved this review at "
                f"{current.updated_at:%H:%M:%S} UTC after you opened it. They changed: "
                + ("; ".join(changes) or "nothing you can see")
                + ". Nothing of yours was saved; what you typed is still on screen.",
                current,
            )
        try:
            status = next_status(action, current.status, who(ctx.actor, current, officer_id))
        except WorkflowRefused as exc:
            raise PermissionDenied(str(exc).capitalize() + ".") from None
        category = Category(
            session.execute(select(_D.category).where(_D.id == base.decision_id)).scalar_one()
        )
        applicable = toolkit.criteria_for(category)
        clean = validated_answers(toolkit, applicable, answers, judgement)
        guard_notes(session, ctx, base.id, current, clean, override_reasons or {})
        result = score(
            applicable,
            {c: e.answer for c, e in clean.items() if e.answer is not None},
            toolkit.bands,
        )
        if action is Action.SUBMIT:
            missing = missing_for_submit(result, judgement)
            if missing:
                raise ValidationFailed("review", "cannot submit yet: " + "; ".join(missing))
        before = snapshot_of(current)
        after = Snapshot(
            status.value,
            judgement.value if judgement else None,
            {k: (e.answer.value if e.answer else None, e.note) for k, e in clean.items()},
        )
        changed_before, changed_after = diff(before, after)
        if action in (Action.EDIT_DRAFT, Action.AMEND) and not changed_after:
            # A save that changes nothing changes nothing: no new version, no new
            # updated_at, no history or audit row (ARCHITECTURE.md, Concurrency).
            return current
        edits = {k for k in changed_after if k != "status"}
        if action is Action.AMEND and edits and not reason:
            raise ValidationFailed("reason", "changing a submitted review needs a reason")
        if action is Action.MODERATE and edits and not reason:
            raise ValidationFailed("reason", "adjusting a review in moderation needs a reason")
        if reason:
            guard_reason(
                session, ctx, base.id, reason, Action.ACKNOWLEDGE is action, override_reasons or {}
            )
        row = session.get(Review, base.id)
        assert row is not None
        if action is Action.MODERATE:
            row.moderated_at, row.moderator_user_id = now, ctx.actor.user_id
            row.moderation_outcome = "adjusted" if edits else "agreed"
            row.moderation_reason = reason
        elif action is Action.SUBMIT:
            row.submitted_at = now
        elif action is Action.RELEASE:
            row.released_at = now
        elif action is Action.ACKNOWLEDGE:
            row.acknowledged_at, row.acknowledgement_comment = now, reason
        _apply(session, row, clean, judgement, result, status, now, ctx.actor.display_name)
        if action is Action.SUBMIT:
            # The reviewer's claimed sample item for this decision is done, in this transaction.
            sample_queue.finish_for_review(session, ctx, base.decision_id)
        if changed_after or action is not Action.EDIT_DRAFT:
            add_change(
                session,
                base.id,
                now,
                ctx.actor,
                action.value,
                reason,
                changed_before,
                changed_after,
            )
            audit.record(
                session,
                ctx,
                f"review_{action.value}",
                "review",
                base.id,
                before=changed_before,
                after={**changed_after, "reason": reason},
            )
        if action is not Action.EDIT_DRAFT:  # a draft is the reviewer's own until submitted
            change_feed.announce(session, change_feed.REVIEWS, [base.id])
        session.flush()
        view = load_view(session, base.id)
        assert view is not None
        return view


def _apply(
    session: Session,
    row: Review,
    answers: dict[str, AnswerEntry],
    judgement: Judgement | None,
    result: ScoreResult,
    status: ReviewStatus,
    now: datetime,
    by: str,
) -> None:
    row.judgement = judgement.value if judgement else None
    row.score = None if result.percent is None else round(result.percent, 2)
    row.passed = result.passed
    row.band = result.band
    row.failed_critical = ",".join(result.failed_critical)
    row.status = status.value
    row.updated_at = now
    row.updated_by = by
    # The answers are child rows: the review row is saved first, so its compare-and-set
    # on row_version (storage/versioning.py) decides a race before any answer is touched,
    # and its version moves on even when only a note changed.
    touch(row)
    session.add(row)
    session.flush()
    session.execute(delete(review_answers_table).where(review_answers_table.c.review_id == row.id))
    for code, entry in answers.items():
        session.add(
            ReviewAnswer(
                review_id=row.id or 0,
                criterion_code=code,
                answer=entry.answer.value if entry.answer else None,
                note=entry.note,
            )
        )


def _visible_view(ctx: Ctx, session: Session, review_id: int) -> ReviewView:
    view = load_view(session, review_id)
    if view is None:
        raise NotFound(f"no review with id {review_id}")
    officer_id, team_id = decision_owner(session, view.decision_id)
    blind = view.reviewer_user_id != ctx.actor.user_id and is_blind(
        session, ctx.actor.user_id, view.decision_id
    )
    if blind or not may_see(ctx.actor, view, officer_id, team_id):
        # Said the same way as a missing review: need-to-know (or calibration blindness,
        # services/core/blindness.py), no hint it exists.
        raise NotFound(f"no review with id {review_id}")
    return view


def history(ctx: Ctx, review_id: int) -> list[ReviewChangeView]:
    """Every change to a review, oldest first (not for contact officers: it holds moderation)."""
    if ctx.actor.role is Role.CONTACT_OFFICER:
        raise PermissionDenied("A contact officer sees the released review, not its history.")
    c = review_changes_table.c
    with ctx.db.read() as session:
        _visible_view(ctx, session, review_id)
        rows = session.execute(
            select(c.at, c.actor, c.action, c.reason, c.before_json, c.after_json)
            .where(c.review_id == review_id)
            .order_by(c.id)
            .limit(1000)
        ).all()
    return [
        ReviewChangeView(
            at=r.at,
            actor=r.actor,
            action=r.action,
            reason=r.reason,
            before=json.loads(r.before_json) if r.before_json else None,
            after=json.loads(r.after_json) if r.after_json else None,
        )
        for r in rows
    ]
