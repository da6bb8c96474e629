"""The demo's dip sampling: two saved plans and one part-worked sample.

``qalead2`` saved a go-live census plan for the night shift before go-live; ``qalead1``
saved the monthly plan (not-deployed decisions, stratified by category and shift) on the
Monday of the sixth week and drew thirty decisions from the month so far. Over that week
the floorwalkers worked the queue: several items are done (each with the review its
claimer submitted, which finishes the item), one skipped and one replaced with a reason,
three still held by whoever claimed them, and the rest waiting. Everything goes through
``services.sampling.plans``, ``services.sampling.queue`` and ``services.reviews.saving`` at fixed
times.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec, StratumDimension
from rcrp_tui.domain.shift_patterns import DEFAULT_TZ
from rcrp_tui.sample_data import qa_answers
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict
from rcrp_tui.services.decisions import queries as decisions
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews import toolkits
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.services.sampling.population import PopulationFilter

MONTHLY_PLAN = "Monthly not-deployed, stratified by category and shift"
CENSUS_PLAN = "Go-live census, night shift"
SAMPLE_SIZE = 30
SKIP_REASON = (
    "CAD log incomplete: the closing code and rationale were not saved. Raised with the "
    "CAD support team; nothing to score."
)
REPLACE_REASON = (
    "Duplicate call: the same incident was already reviewed under its linked log, so "
    "a fresh decision from the same stratum replaces it."
)

DUPLICATE_SKIP_REASON = (
    "Duplicate call: the same incident was already reviewed under its linked log, and no "
    "other decision is left in its stratum to replace it."
)


@dataclass(frozen=True)
class SampleSummary:
    plans: int
    sample_id: int | None
    items: dict[str, int]


@dataclass(frozen=True)
class _Step:
    """One piece of queue work: who, when (days and hours after the draw), what."""

    user: str
    after: timedelta
    action: str  # "review", "skip", "replace" or "hold"


_H = timedelta(hours=1)
_D = timedelta(days=1)
#: The week's work on the sample, in time order. Drawn Monday 09:00 UTC.
STEPS: tuple[_Step, ...] = (
    _Step("floorwalker2", 1 * _H, "review"),
    _Step("floorwalker2", 2.5 * _H, "review"),
    _Step("floorwalker3", _D + 6 * _H, "review"),
    _Step("floorwalker3", _D + 7 * _H, "replace"),
    _Step("floorwalker4", 2 * _D + 11 * _H, "review"),
    _Step("floorwalker4", 2 * _D + 12 * _H, "skip"),
    _Step("floorwalker2", 3 * _H + 3 * _D, "review"),
    _Step("floorwalker5", 4 * _D + 5.5 * _H, "review"),
    _Step("floorwalker3", 5 * _D + 0.5 * _H, "review"),
    _Step("floorwalker5", 6 * _D + 4 * _H, "hold"),
    _Step("floorwalker6", 6 * _D + 5 * _H, "hold"),
    _Step("floorwalker1", 6 * _D + 6 * _H, "hold"),
)
#: Items the QA lead set aside for floorwalker1 when drawing (from the end of the queue).
ASSIGNED_TO_FLOORWALKER1 = 2


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=DEFAULT_TZ).astimezone(UTC)


def add_samples(
    ctx_for: Callable[[str], Ctx],
    clock: FixedClock,
    *,
    seed: int,
    go_live: date,
    as_of: datetime,
    user_ids: dict[str, int],
    this_week: bool = False,
) -> SampleSummary:
    """Save the plans, draw the monthly sample and work part of it (once: a demo that
    already has the monthly plan is left as it is).

    ``this_week`` (a live demo): the sample is drawn at 09:00 on the Monday of
    ``as_of``'s week (earlier on a Monday morning) from the four weeks before, and only
    the queue work due by ``as_of`` is done."""
    lead1, lead2 = ctx_for("qalead1"), ctx_for("qalead2")
    saved = {p.name for p in sampling.list_plans(lead1)}
    if MONTHLY_PLAN in saved:
        return SampleSummary(len(saved), None, {})
    rng = random.Random(f"demo-samples-{seed}")
    census_seed = rng.randrange(2**31)

    clock.instant = _local_midnight(go_live - timedelta(days=3)) + timedelta(hours=10)
    if CENSUS_PLAN not in saved:  # a run interrupted after saving it keeps it
        sampling.save_plan(
            lead2,
            CENSUS_PLAN,
            PopulationFilter(
                received_from=_local_midnight(go_live),
                received_to=_local_midnight(go_live + timedelta(days=7)),
                not_deployed_only=True,
            ),
            SamplingSpec(SamplingMethod.CENSUS, census_shift="night"),
            seed=census_seed,
        )

    if this_week:
        today = as_of.astimezone(DEFAULT_TZ).date()
        monday = today - timedelta(days=today.weekday())
        drawn_at = min(_local_midnight(monday) + timedelta(hours=9), as_of - 2 * _H)
        population_from = max(_local_midnight(monday - 4 * 7 * _D), _local_midnight(go_live))
    else:
        # A Monday leaving the whole week's work (STEPS) before the demo's "as of" moment.
        latest = (as_of - STEPS[-1].after - timedelta(hours=2)).astimezone(DEFAULT_TZ).date()
        monday = latest - timedelta(days=latest.weekday())
        drawn_at = _local_midnight(monday) + timedelta(hours=9)
        population_from = _local_midnight(monday.replace(day=1))
    clock.instant = drawn_at - timedelta(minutes=20)
    plan = sampling.save_plan(
        lead1,
        MONTHLY_PLAN,
        PopulationFilter(
            received_from=population_from,
            received_to=min(_local_midnight(monday), drawn_at),
            not_deployed_only=True,
        ),
        SamplingSpec(
            SamplingMethod.STRATIFIED,
            size=SAMPLE_SIZE,
            strata=(StratumDimension.CATEGORY, StratumDimension.SHIFT),
        ),
        seed=rng.randrange(2**31),
    )
    clock.instant = drawn_at
    # A small demo (--decisions 300) has fewer decisions in the month than the plan's
    # size: the demo takes them all rather than stop.
    sample = sampling.draw_sample(lead1, plan.id, whole_population=True)
    clock.instant += timedelta(minutes=10)
    items = sample_queue.queue_page(lead1, sample.id, limit=SAMPLE_SIZE * 2)
    for item in items[-ASSIGNED_TO_FLOORWALKER1:]:
        sample_queue.assign(lead1, item.id, user_ids["floorwalker1"])
        clock.instant += timedelta(minutes=1)

    for step in STEPS:
        if this_week and drawn_at + step.after + _H > as_of:
            break
        clock.instant = drawn_at + step.after
        _work(ctx_for(step.user), clock, rng, sample.id, step.action)

    counts: dict[str, int] = {}
    for item in sample_queue.queue_page(lead1, sample.id, limit=SAMPLE_SIZE * 2):
        counts[item.status] = counts.get(item.status, 0) + 1
    return SampleSummary(2, sample.id, dict(sorted(counts.items())))


def _work(ctx: Ctx, clock: FixedClock, rng: random.Random, sample_id: int, action: str) -> None:
    """Claim the next item and do ``action`` with it."""
    item = sample_queue.take_next(ctx, sample_id)
    if item is None:
        return
    clock.instant += timedelta(minutes=rng.randint(3, 8))
    if action == "skip":
        sample_queue.skip(ctx, item.id, SKIP_REASON)
    elif action == "replace":
        try:
            sample_queue.replace(ctx, item.id, REPLACE_REASON)
        except Conflict:
            # A small build can have nothing left in the stratum: the duplicate is skipped.
            sample_queue.skip(ctx, item.id, DUPLICATE_SKIP_REASON)
    elif action == "review":
        decision = decisions.get(ctx, item.decision_id)
        _row_id, toolkit = toolkits.current_for(ctx, decision.category)
        judgement = qa_answers.judgement_for(rng, decision)
        answers = qa_answers.compose(
            rng, toolkit.criteria_for(decision.category), decision, judgement
        )
        view = reviews.open_for_decision(ctx, decision.id).review
        clock.instant += timedelta(minutes=rng.randint(20, 45))
        # Submitting finishes the claimer's sample item in the same transaction.
        reviews.submit(ctx, view, answers, judgement)
