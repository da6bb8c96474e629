"""One entry point for the review screen's writes, named by the key the user pressed."""

from __future__ import annotations

from collections.abc import Mapping

from rcrp_tui.domain.scoring import Judgement
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry, ReviewView


def perform(
    ctx: Ctx,
    what: str,
    base: ReviewView,
    answers: Mapping[str, AnswerEntry],
    judgement: Judgement | None,
    reason: str | None = None,
    override_reasons: Mapping[str, str] | None = None,
) -> ReviewView:
    """``what`` is save, submit, moderate, release or acknowledge (``reason`` doubles as the
    acknowledgement comment). ``override_reasons`` keeps criterion notes the personal-data
    guard flagged (see ``reviews.save``)."""
    if what == "submit":
        return reviews.submit(ctx, base, answers, judgement, override_reasons=override_reasons)
    if what == "moderate":
        return reviews.moderate(
            ctx,
            base,
            answers=answers,
            judgement=judgement,
            reason=reason,
            override_reasons=override_reasons,
        )
    if what == "release":
        return reviews.release(ctx, base)
    if what == "acknowledge":
        return reviews.acknowledge(ctx, base, reason or "", override_reasons=override_reasons)
    if what == "save":
        return reviews.save(
            ctx, base, answers, judgement, reason=reason, override_reasons=override_reasons
        )
    raise ValueError(f"unknown review action {what!r}")
