"""The demo's reviews: which decisions are reviewed, by whom, when, and how far each got.

Everything comes from one ``random.Random`` seeded from the demo's seed, and each review's
times come from its decision's time, so the same seed gives the same reviews. The plan is
then played through the review services in time order, each step with a fixed clock at
its own moment, acting as the reviewer, the moderating QA lead or the contact officer:
every review row, answer, change and audit entry is exactly what the app would write.

How far a review got follows from its age at the demo's "as of" moment: the oldest are
released (and acknowledged, when the decision is one of the demo officers'), younger ones
moderated or still awaiting moderation; floorwalker1's last few are drafts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Outcome
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Judgement
from rcrp_tui.sample_data import qa_answers
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.decisions import queries as decisions
from rcrp_tui.services.decisions.queries import DecisionFilter, DecisionRow
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews import toolkits
from rcrp_tui.services.reviews.records import AnswerEntry, ReviewView

#: Reviews of not-deployed decisions, of deployed ones, and of the demo officers' own
#: (any outcome: in a small build an officer may have few decisions).
NOT_DEPLOYED_REVIEWS = 175
DEPLOYED_REVIEWS = 10
OFFICER_REVIEWS = 4  # per demo officer account
DRAFTS = 3  # floorwalker1's last reviews, left as drafts
FLOORWALKERS = tuple(f"floorwalker{n}" for n in range(1, 9))
QA_LEADS = ("qalead1", "qalead2")
#: A floorwalker does most of the scoring; QA leads score some themselves.
_REVIEWER_WEIGHTS = (10,) * len(FLOORWALKERS) + (6,) * len(QA_LEADS)


@dataclass(frozen=True)
class PlannedReview:
    """One review to create: whose, what it says, how far it gets and when each step is."""

    decision: DecisionRow
    reviewer: str
    judgement: Judgement
    answers: dict[str, AnswerEntry]
    target: ReviewStatus
    started: datetime
    moderator: str
    moderated: datetime
    released: datetime
    acknowledged: datetime
    adjusted: tuple[dict[str, AnswerEntry], str] | None = None
    ack_comment: str = ""
    officer: str | None = None  # the demo account whose decision it is


def plan(
    ctx: Ctx,
    seed: int,
    first: datetime,
    as_of: datetime,
    officers: Mapping[str, str],
) -> list[PlannedReview]:
    """The reviews to create, oldest first. ``officers`` maps staff id → demo username."""
    rng = random.Random(f"demo-qa-{seed}")
    chosen: set[int] = set()
    latest = as_of - timedelta(hours=6)
    picks: list[DecisionRow] = []
    for flt, n, span_end in (
        (DecisionFilter(not_deployed_only=True), NOT_DEPLOYED_REVIEWS, latest),
        (DecisionFilter(outcomes=(Outcome.DEPLOYED,)), DEPLOYED_REVIEWS, latest),
        *(
            # Early enough to be released and acknowledged by the as-of moment.
            (
                DecisionFilter(staff_id=s),
                OFFICER_REVIEWS,
                as_of - timedelta(days=14),
            )
            for s in sorted(officers)
        ),
    ):
        for _ in range(n):
            at = first + (span_end - first) * rng.random()
            # From a random moment on; failing that (a small build), from the start.
            found = _pick(
                ctx, replace(flt, received_from=at, received_to=span_end), chosen
            ) or _pick(ctx, replace(flt, received_from=first, received_to=span_end), chosen)
            if found is not None:
                chosen.add(found.id)
                picks.append(found)
    picks.sort(key=lambda d: (d.received_at, d.id))
    planned = [_one(ctx, rng, d, as_of, officers) for d in picks]
    planned.sort(key=lambda p: (p.started, p.decision.id))
    planned = _finish(ctx, rng, planned)
    closed_index, _open_index = alert_reviews(planned, first)
    if (
        closed_index is not None
        and planned[closed_index].judgement is not Judgement.SHOULD_HAVE_DEPLOYED
    ):
        planned[closed_index] = _missed(ctx, rng, planned[closed_index])
    return planned


def _pick(ctx: Ctx, flt: DecisionFilter, chosen: set[int]) -> DecisionRow | None:
    page = decisions.page(ctx, flt, oldest=True, limit=10)
    return next((d for d in page.rows if d.id not in chosen), None)


def _one(
    ctx: Ctx, rng: random.Random, d: DecisionRow, as_of: datetime, officers: Mapping[str, str]
) -> PlannedReview:
    reviewer = rng.choices(FLOORWALKERS + QA_LEADS, _REVIEWER_WEIGHTS)[0]
    started = d.received_at + timedelta(minutes=rng.randint(90, 48 * 60))
    started = min(started, as_of - timedelta(minutes=rng.randint(30, 240)))
    moderated = started + timedelta(minutes=rng.randint(18 * 60, 5 * 24 * 60))
    released = moderated + timedelta(minutes=rng.randint(60, 4 * 24 * 60))
    acknowledged = released + timedelta(minutes=rng.randint(4 * 60, 3 * 24 * 60))
    officer = officers.get(d.staff_id or "")
    target = (
        ReviewStatus.SUBMITTED
        if moderated > as_of
        else ReviewStatus.MODERATED
        if released > as_of
        else ReviewStatus.ACKNOWLEDGED
        if officer is not None and acknowledged <= as_of
        else ReviewStatus.RELEASED
    )
    moderator = rng.choice([q for q in QA_LEADS if q != reviewer])
    judgement = qa_answers.judgement_for(rng, d)
    adjusted_roll = rng.random()
    p = PlannedReview(
        decision=d,
        reviewer=reviewer,
        judgement=judgement,
        answers=_answers(ctx, rng, d, judgement),
        target=target,
        started=started,
        moderator=moderator,
        moderated=moderated,
        released=released,
        acknowledged=acknowledged,
        ack_comment=rng.choice(qa_answers.ACK_COMMENTS),
        officer=officer,
    )
    if adjusted_roll < 0.12:
        p = replace(p, adjusted=qa_answers.adjustment(rng, p.answers))
    return p


def _answers(
    ctx: Ctx, rng: random.Random, d: DecisionRow, judgement: Judgement
) -> dict[str, AnswerEntry]:
    _row_id, toolkit = toolkits.current_for(ctx, d.category)
    return qa_answers.compose(rng, toolkit.criteria_for(d.category), d, judgement)


def _finish(ctx: Ctx, rng: random.Random, planned: list[PlannedReview]) -> list[PlannedReview]:
    """Floorwalker1's last reviews become drafts; the one before them is a missed
    deployment, so the open live-risk alert has a recent review to hang on.

    Floorwalker1 takes over a few of the most recent reviews so that these are the last
    days' work whatever the seed.
    """
    recent = range(max(0, len(planned) - 2 * (DRAFTS + 1)), len(planned))
    for i in sorted(rng.sample(recent, min(DRAFTS + 1, len(recent)))):
        planned[i] = replace(planned[i], reviewer="floorwalker1")
    mine = [i for i, p in enumerate(planned) if p.reviewer == "floorwalker1"]
    for i in mine[-DRAFTS:]:
        p = planned[i]
        planned[i] = replace(
            p, target=ReviewStatus.DRAFT, answers=qa_answers.draft_part(rng, p.answers)
        )
    if len(mine) > DRAFTS:
        i = mine[-DRAFTS - 1]
        planned[i] = _missed(ctx, rng, planned[i], ReviewStatus.SUBMITTED)
    # Each demo officer's latest acknowledged review is left waiting for them to read it.
    latest = {p.officer: i for i, p in enumerate(planned) if p.target is ReviewStatus.ACKNOWLEDGED}
    for i in latest.values():
        planned[i] = replace(planned[i], target=ReviewStatus.RELEASED)
    return planned


#: In a live demo floorwalker1's last reviews start this long before "now", 15 minutes
#: apart: the first is the open live-risk alert's, so it is raised within the hour.
THIS_SHIFT_START = timedelta(minutes=70)


def this_shift(planned: list[PlannedReview], as_of: datetime) -> list[PlannedReview]:
    """``planned`` with floorwalker1's last reviews (the open alert's and the drafts)
    moved into the last hour before ``as_of``, oldest first again."""
    mine = [i for i, p in enumerate(planned) if p.reviewer == "floorwalker1"]
    last = mine[-DRAFTS - 1 :]
    moved = list(planned)
    earliest = as_of - THIS_SHIFT_START
    for i in mine[: -DRAFTS - 1]:
        if moved[i].started >= earliest:
            moved[i] = replace(moved[i], started=earliest - timedelta(minutes=5))
    for n, i in enumerate(last):
        moved[i] = replace(moved[i], started=earliest + n * timedelta(minutes=15))
    moved.sort(key=lambda p: (p.started, p.decision.id))
    return moved


def _missed(
    ctx: Ctx, rng: random.Random, p: PlannedReview, target: ReviewStatus | None = None
) -> PlannedReview:
    """``p`` re-scored as a missed deployment (the alerts need one)."""
    judgement = Judgement.SHOULD_HAVE_DEPLOYED
    answers = _answers(ctx, rng, p.decision, judgement)
    return replace(p, judgement=judgement, answers=answers, target=target or p.target)


def alert_reviews(planned: list[PlannedReview], first: datetime) -> tuple[int | None, int | None]:
    """Indexes of the review the closed alert is on (a missed deployment in weeks two to
    four, not floorwalker1's) and of the open one's (floorwalker1's last submitted)."""
    mine = [i for i, p in enumerate(planned) if p.reviewer == "floorwalker1"]
    open_index = mine[-DRAFTS - 1] if len(mine) > DRAFTS else None
    window = [
        i
        for i, p in enumerate(planned)
        if p.reviewer.startswith("floorwalker")
        and p.reviewer != "floorwalker1"
        and timedelta(days=10) <= p.started - first <= timedelta(days=28)
    ]
    missed = [i for i in window if planned[i].judgement is Judgement.SHOULD_HAVE_DEPLOYED]
    candidates = missed or window
    return (candidates[0] if candidates else None), open_index


def play(
    planned: list[PlannedReview],
    clock: FixedClock,
    ctx_for: Callable[[str], Ctx],
) -> dict[int, ReviewView]:
    """Create the planned reviews through the services, every step at its own time.

    Returns the reviews by plan index. A step whose status shows it was already taken (a
    build interrupted part-way and run again) is skipped.
    """
    views: dict[int, ReviewView] = {}
    events: list[tuple[datetime, int, int]] = []
    for i, p in enumerate(planned):
        events.append((p.started, i, 0))
        later = (
            (ReviewStatus.MODERATED, p.moderated),
            (ReviewStatus.RELEASED, p.released),
            (ReviewStatus.ACKNOWLEDGED, p.acknowledged),
        )
        for step, (status, at) in enumerate(later, start=1):
            if _rank(p.target) >= _rank(status):
                events.append((at, i, step))
    events.sort()
    for at, i, step in events:
        clock.instant = at
        p = planned[i]
        if step == 0:
            ctx = ctx_for(p.reviewer)
            view = reviews.open_for_decision(ctx, p.decision.id).review
            if view.status is ReviewStatus.DRAFT:
                judgement = None if p.target is ReviewStatus.DRAFT else p.judgement
                if p.target is ReviewStatus.DRAFT:
                    view = reviews.save(ctx, view, p.answers, judgement)
                else:
                    view = reviews.submit(ctx, view, p.answers, judgement)
        else:
            view = views[i]
            if step == 1 and view.status is ReviewStatus.SUBMITTED:
                answers, reason = p.adjusted or (None, None)
                view = reviews.moderate(ctx_for(p.moderator), view, answers=answers, reason=reason)
            elif step == 2 and view.status is ReviewStatus.MODERATED:
                view = reviews.release(ctx_for(p.moderator), view)
            elif step == 3 and view.status is ReviewStatus.RELEASED and p.officer:
                view = reviews.acknowledge(ctx_for(p.officer), view, p.ack_comment)
        views[i] = view
    return views


_RANKS = {s: n for n, s in enumerate(ReviewStatus)}


def _rank(status: ReviewStatus) -> int:
    return _RANKS[status]
