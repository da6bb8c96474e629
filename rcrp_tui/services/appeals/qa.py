"""Asking for a full QA review of a disputed decision (docs/domain-rules.md §6).

A disputed decision is a natural candidate for a targeted QA review. Anyone who records
appeals may ask; the request is stamped on the appeal and audited. A QA lead's request
(``PLAN_SAMPLES``) also puts the linked decision into a targeted sample of its own, through
the sampling service, so it joins the review queue at once. Once a review of the
decision exists, ``link_review`` records it as the one that answered the appeal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
from rcrp_tui.services.appeals.recording import load_appeal, snapshot
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.concurrency import check_seen
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, ValidationFailed
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage import change_feed
from rcrp_tui.storage.review_models import reviews_table


@dataclass(frozen=True)
class QaReviewRequest:
    """What "ask for QA review" did: queued in a targeted sample, or noted on the appeal."""

    appeal_id: int
    requested_at: datetime
    in_sample: bool
    message: str
    sample_id: int | None = None


def request_qa_review(
    ctx: Ctx, appeal_id: int, *, expected_version: int | None = None
) -> QaReviewRequest:
    """Ask for a full QA review of the disputed decision (docs/domain-rules.md §6).

    The request is stamped on the appeal (audited) whoever asks. When the person asking
    may plan samples (a QA lead) and the decision is linked, the decision is also put into
    a targeted sample of its own at once, through the sampling service, so it joins the
    review queue; otherwise the stamp shows in the appeals list ("QA asked") until a QA
    lead presses the same key. Asking again never duplicates anything.
    """
    now = ctx.clock.now()
    with ctx.writing(Permission.RECORD_APPEALS) as session:
        appeal = load_appeal(session, appeal_id)
        check_seen("appeals", appeal.row_version, expected_version)
        decision_id, cad_ref = appeal.decision_id, appeal.cad_ref
        requested_at = appeal.qa_review_requested_at or now
        if appeal.qa_review_requested_at is None:
            before = snapshot(appeal)
            appeal.qa_review_requested_at = now
            appeal.updated_at = now
            session.add(appeal)
            session.flush()  # the compare-and-set; the audit shows the new version
            audit.record(
                session,
                ctx,
                "appeal_qa_review_requested",
                "appeal",
                appeal_id,
                before=before,
                after=snapshot(appeal),
            )
            change_feed.announce(session, change_feed.APPEALS, [appeal_id])
    if not can(ctx.actor.role, Permission.PLAN_SAMPLES):
        return QaReviewRequest(
            appeal_id, requested_at, False, "QA review asked for; a QA lead will sample it"
        )
    if decision_id is None:
        return QaReviewRequest(
            appeal_id,
            requested_at,
            False,
            "QA review asked for; the decision is not imported yet, so it cannot be sampled",
        )
    return _targeted_sample(ctx, appeal_id, cad_ref, decision_id, requested_at)


def _targeted_sample(
    ctx: Ctx, appeal_id: int, cad_ref: str, decision_id: int, requested_at: datetime
) -> QaReviewRequest:
    name = f"Appeal {appeal_id}: {cad_ref}"[: sampling.NAME_MAX]
    # A disputed decision deserves a fresh full review even if it was reviewed before.
    population = PopulationFilter(include_reviewed=True)
    spec = SamplingSpec(method=SamplingMethod.TARGETED, target_ids=(decision_id,))
    try:
        plan = sampling.save_plan(ctx, name, population, spec, seed=appeal_id)
    except ValidationFailed as exc:
        if exc.field == "name":
            return QaReviewRequest(
                appeal_id, requested_at, True, f"already in the targeted sample {name!r}"
            )
        raise
    try:
        sample = sampling.draw_sample(ctx, plan.id)
    except Conflict as exc:
        return QaReviewRequest(appeal_id, requested_at, False, f"not sampled: {exc.message}")
    return QaReviewRequest(
        appeal_id, requested_at, True, f"put into targeted sample {sample.id} ({name})", sample.id
    )


def link_review(
    ctx: Ctx, appeal_id: int, review_id: int, *, expected_version: int | None = None
) -> None:
    """Record which QA review answered the appeal: a review of the appeal's own decision."""
    with ctx.writing(Permission.RECORD_APPEALS) as session:
        appeal = load_appeal(session, appeal_id)
        check_seen("appeals", appeal.row_version, expected_version)
        if appeal.review_id == review_id:
            return  # already recorded: nothing changes
        reviewed = session.execute(
            select(reviews_table.c.decision_id).where(reviews_table.c.id == review_id)
        ).scalar_one_or_none()
        if reviewed is None:
            raise ValidationFailed("review_id", f"there is no review {review_id}")
        if appeal.decision_id is None or reviewed != appeal.decision_id:
            raise ValidationFailed(
                "review_id", f"review {review_id} is not of this appeal's decision"
            )
        before = snapshot(appeal)
        appeal.review_id = review_id
        appeal.updated_at = ctx.clock.now()
        session.add(appeal)
        session.flush()  # the compare-and-set; the audit shows the new version
        audit.record(
            session,
            ctx,
            "appeal_review_linked",
            "appeal",
            appeal_id,
            before=before,
            after=snapshot(appeal),
        )
        change_feed.announce(session, change_feed.APPEALS, [appeal_id])
