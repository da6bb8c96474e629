"""A submitted review finishes its reviewer's claimed sample item, in the same transaction."""

from __future__ import annotations

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage.db import Database
from tests.test_sampling_service import build_floor


def _submit(ctx: Ctx, decision_id: int, *, complete: bool = True) -> None:
    work = reviews.open_for_decision(ctx, decision_id)
    criteria = work.criteria if complete else work.criteria[:1]
    answers = {c.code: AnswerEntry(Answer.MET) for c in criteria}
    reviews.submit(ctx, work.review, answers, Judgement.APPROPRIATE)


def _sample(floor_qa: Ctx, size: int = 5) -> int:
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=size)
    plan = sampling.save_plan(floor_qa, "Link", PopulationFilter(), spec, seed=8)
    return sampling.draw_sample(floor_qa, plan.id).id


def _statuses(ctx: Ctx, sample_id: int) -> dict[int, str]:
    return {i.id: i.status for i in sample_queue.queue_page(ctx, sample_id)}


def test_claim_then_submit_marks_the_item_done(any_db: Database, clock: FixedClock) -> None:
    floor = build_floor(any_db, clock, decisions=20)
    sample_id = _sample(floor.qa)
    item = sample_queue.take_next(floor.fw1, sample_id)
    assert item is not None
    _submit(floor.fw1, item.decision_id)
    statuses = _statuses(floor.qa, sample_id)
    assert statuses[item.id] == "done"
    assert sum(s == "done" for s in statuses.values()) == 1
    progress = sample_queue.progress(floor.qa, sample_id)
    assert (progress.done, progress.total) == (1, 5)
    (entry,) = [
        e for e in audit.entries(floor.qa, entity="sample_item") if e.action == "sample_item.done"
    ]
    assert entry.entity_id == str(item.id) and entry.actor == "fw.one"
    # Completing it afterwards, as before reviews finished items, changes nothing.
    assert sample_queue.complete(floor.fw1, item.id).status == "done"
    assert len(audit.entries(floor.qa, entity="sample_item")) == 2  # the claim and the done


def test_a_refused_submit_leaves_the_item_claimed(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock, decisions=20)
    sample_id = _sample(floor.qa)
    item = sample_queue.take_next(floor.fw1, sample_id)
    assert item is not None
    with pytest.raises(ValidationFailed, match="cannot submit yet"):
        _submit(floor.fw1, item.decision_id, complete=False)
    assert _statuses(floor.qa, sample_id)[item.id] == "claimed"


def test_reviews_outside_a_claim_change_nothing(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock, decisions=20)
    sample_id = _sample(floor.qa)
    in_sample = {i.decision_id for i in sample_queue.queue_page(floor.qa, sample_id)}
    outside = next(d for d in range(1, 21) if d not in in_sample)
    _submit(floor.fw1, outside)  # a decision in no sample
    item = sample_queue.take_next(floor.fw1, sample_id)
    assert item is not None
    _submit(floor.fw2, item.decision_id)  # someone else reviews the decision fw1 holds
    waiting = next(i for i in sample_queue.queue_page(floor.qa, sample_id) if i.status == "open")
    _submit(floor.fw2, waiting.decision_id)  # an open item nobody claimed stays open
    statuses = _statuses(floor.qa, sample_id)
    assert statuses[item.id] == "claimed"
    assert "done" not in statuses.values()
    done = [e for e in audit.entries(floor.qa, entity="sample_item") if "done" in e.action]
    assert done == []
