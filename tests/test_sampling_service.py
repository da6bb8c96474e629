"""Sampling through the services: plans, reproducible draws, exclusions, the queue."""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from rcrp_tui.domain.appeals import AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role, Shift
from rcrp_tui.domain.sampling import (
    Allocation,
    Oversampling,
    SamplingMethod,
    SamplingSpec,
    StratumDimension,
)
from rcrp_tui.domain.sampling import draw_sample as draw_in_memory
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.domain.statistics import weighted_proportion, wilson_interval
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.core import audit, people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import Conflict, PermissionDenied, ValidationFailed
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.services.sampling import results as sampling_results
from rcrp_tui.services.sampling.population import PopulationFilter, load_candidates
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.sampling_models import sample_items_table
from tests.conftest import FIXED_NOW, TEST_ADMIN

PASSWORD = "correct horse battery"
CATEGORIES = (Category.CONCERN_FOR_WELFARE, Category.WALK_OUT, Category.MEDICAL)
OUTCOMES = (Outcome.DEPLOYED, Outcome.SIGNPOSTED, Outcome.DEPLOYED, Outcome.REFERRED_HEALTH)


@dataclass(frozen=True)
class Floor:
    db: Database
    admin: Ctx
    qa: Ctx
    fw1: Ctx
    fw2: Ctx
    supervisor: Ctx


def build_floor(db: Database, clock: FixedClock, decisions: int = 90) -> Floor:
    admin = Ctx(db, TEST_ADMIN, clock)
    for team in ("Red", "Blue"):
        people.add_team(admin, team, "2d2n4off")
    for i in range(1, 5):
        people.add_contact_officer(admin, f"CO-{i}", "Red" if i % 2 else "Blue")

    def user(name: str, role: Role) -> Ctx:
        info = people.add_user(
            admin, username=name, display_name=name.title(), role=role, password=PASSWORD
        )
        return Ctx(db, Actor(info.id, info.username, info.display_name, role), clock)

    for i in range(decisions):
        record_decision(
            admin,
            DecisionInput(
                cad_ref=f"CAD-{i:04d}",
                source_system="STORM",
                received_at=FIXED_NOW - timedelta(hours=7 * i + 1),
                category=CATEGORIES[i % 3],
                caller_type=CallerType.PUBLIC if i % 5 else CallerType.AMBULANCE,
                outcome=OUTCOMES[i % 4],
                staff_id=f"CO-{1 + i % 4}",
                team="Red" if i % 2 else "Blue",
                shift=Shift.DAY if i % 3 else Shift.NIGHT,
            ),
        )
    return Floor(
        db,
        admin,
        user("qa.lead", Role.QA_LEAD),
        user("fw.one", Role.FLOORWALKER),
        user("fw.two", Role.FLOORWALKER),
        user("sup.red", Role.SUPERVISOR),
    )


STRATIFIED = SamplingSpec(
    SamplingMethod.STRATIFIED,
    size=20,
    strata=(StratumDimension.CATEGORY, StratumDimension.SHIFT),
    oversampling=Oversampling(not_deployed=2.0),
)


def _ids(ctx: Ctx, sample_id: int) -> list[int]:
    return [item.decision_id for item in sample_queue.queue_page(ctx, sample_id, limit=500)]


def test_same_plan_and_seed_give_the_same_sample(any_db: Database, clock: FixedClock) -> None:
    floor = build_floor(any_db, clock)
    plan = sampling.save_plan(
        floor.qa, "Monthly", PopulationFilter(include_in_open_samples=True), STRATIFIED, seed=5
    )
    first = sampling.draw_sample(floor.qa, plan.id)
    second = sampling.draw_sample(floor.qa, plan.id)
    assert _ids(floor.qa, first.id) == _ids(floor.qa, second.id)
    assert len(set(_ids(floor.qa, first.id))) == first.size == 20
    assert first.seed == 5 and first.population_size == 90 and first.drawn_by == "qa.lead"
    assert first.margin == pytest.approx(0.1945, abs=1e-3)  # 20 of 90, finite population
    other = sampling.draw_sample(floor.qa, plan.id, seed=6)
    assert _ids(floor.qa, other.id) != _ids(floor.qa, first.id)


def test_sql_draw_matches_the_pure_draw_on_the_same_rows(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock)
    population = PopulationFilter(categories=("walk_out", "medical"))
    plan = sampling.save_plan(floor.qa, "Check", population, STRATIFIED, seed=77)
    drawn = sampling.draw_sample(floor.qa, plan.id)
    with db.read() as session:
        # The drawn sample is open now: read the population as it was before the draw.
        before = PopulationFilter(categories=("walk_out", "medical"), include_in_open_samples=True)
        rows = load_candidates(session, before)
    expected = draw_in_memory(rows, STRATIFIED, 77)
    assert _ids(floor.qa, drawn.id) == [i.decision_id for i in expected.items]


def test_open_samples_and_reviewed_decisions_are_excluded(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock, decisions=30)
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=20)
    plan = sampling.save_plan(floor.qa, "Twenty", PopulationFilter(), spec, seed=1)
    first = set(_ids(floor.qa, sampling.draw_sample(floor.qa, plan.id).id))
    with pytest.raises(sampling.LargerThanPopulation):  # 20 asked, 10 left: warned first
        sampling.draw_sample(floor.qa, plan.id)
    second = sampling.draw_sample(floor.qa, plan.id, whole_population=True)
    assert second.population_size == 10
    assert not first & set(_ids(floor.qa, second.id))
    with pytest.raises(Conflict, match="population is empty"):
        sampling.draw_sample(floor.qa, plan.id)


def test_quota_tops_up_each_officer(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock, decisions=60)
    spec = SamplingSpec(SamplingMethod.OFFICER_QUOTA, quota_per_officer=2)
    population = PopulationFilter(received_from=FIXED_NOW - timedelta(days=10))
    plan = sampling.save_plan(floor.qa, "Quota", population, spec, seed=3)
    first = sampling.draw_sample(floor.qa, plan.id)
    progress = sample_queue.progress(floor.qa, first.id)
    assert {s.stratum.split("|")[0] for s in progress.strata} == {
        f"officer={i}" for i in range(1, 5)
    }
    assert all(s.total == 2 for s in progress.strata)
    # Everyone is at quota now, so a second draw has nothing to add.
    with pytest.raises(Conflict):
        sampling.draw_sample(floor.qa, plan.id)


def test_only_qa_leads_plan_and_the_plan_is_audited(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock, decisions=3)
    with pytest.raises(PermissionDenied):
        sampling.save_plan(floor.fw1, "Mine", PopulationFilter(), STRATIFIED)
    with pytest.raises(ValidationFailed, match="strata"):
        sampling.save_plan(
            floor.qa, "Bad", PopulationFilter(), SamplingSpec(SamplingMethod.STRATIFIED, size=5)
        )
    plan = sampling.save_plan(floor.qa, "Good", PopulationFilter(), STRATIFIED)
    with pytest.raises(ValidationFailed, match="already exists"):
        sampling.save_plan(floor.qa, "Good", PopulationFilter(), STRATIFIED)
    assert [p.name for p in sampling.list_plans(floor.qa)] == ["Good"]
    (entry,) = audit.entries(floor.qa, entity="sampling_plan")
    assert entry.entity_id == str(plan.id) and entry.actor == "qa.lead"


def test_take_next_skip_and_replace(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock)
    plan = sampling.save_plan(floor.qa, "Queue", PopulationFilter(), STRATIFIED, seed=9)
    sample = sampling.draw_sample(floor.qa, plan.id)
    first = sample_queue.take_next(floor.fw1, sample.id)
    second = sample_queue.take_next(floor.fw2, sample.id)
    assert first is not None and second is not None and first.id != second.id
    assert sample_queue.take_next(floor.fw1, sample.id) == first  # still holding it
    with pytest.raises(Conflict, match="claimed by someone else"):
        sample_queue.complete(floor.fw2, first.id)
    sample_queue.complete(floor.fw1, first.id)
    with pytest.raises(ValidationFailed, match="reason"):
        sample_queue.skip(floor.fw2, second.id, "  ")
    sample_queue.skip(floor.fw2, second.id, "CAD record restricted")
    third = sample_queue.take_next(floor.fw2, sample.id)
    assert third is not None
    new = sample_queue.replace(floor.fw2, third.id, "Duplicate of an earlier call")
    assert new.stratum == third.stratum and new.replacement_of_item_id == third.id
    assert new.decision_id not in _ids(floor.qa, sample.id)[:-1]
    progress = sample_queue.progress(floor.qa, sample.id)
    assert (progress.done, progress.total, progress.skipped, progress.replaced) == (1, 19, 1, 1)
    actions = [e.action for e in audit.entries(floor.qa, entity="sample_item")]
    assert actions.count("sample_item.claim") == 3 and "sample_item.replaced" in actions


def test_assigned_items_go_to_their_person_first(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock, decisions=20)
    plan = sampling.save_plan(
        floor.qa,
        "Assigned",
        PopulationFilter(),
        SamplingSpec(SamplingMethod.SIMPLE, size=5),
        seed=2,
    )
    sample = sampling.draw_sample(floor.qa, plan.id)
    last = sample_queue.queue_page(floor.qa, sample.id)[-1]
    assert floor.fw2.actor.user_id is not None
    with pytest.raises(ValidationFailed, match="does not work samples"):
        sample_queue.assign(floor.qa, last.id, floor.supervisor.actor.user_id)
    sample_queue.assign(floor.qa, last.id, floor.fw2.actor.user_id)
    taken = sample_queue.take_next(floor.fw2, sample.id)
    assert taken is not None and taken.id == last.id
    other = sample_queue.take_next(floor.fw1, sample.id)
    assert other is not None and other.id != last.id


def _race_worker(url: str, user_id: int, sample_id: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    db = Database(url)
    ctx = Ctx(
        db, Actor(user_id, f"user{user_id}", "Racer", Role.FLOORWALKER), FixedClock(FIXED_NOW)
    )
    taken = []
    while (item := sample_queue.take_next(ctx, sample_id)) is not None:
        taken.append(item.id)
        sample_queue.complete(ctx, item.id)
    db.dispose()
    out.put(taken)


def test_two_processes_never_claim_the_same_item(any_db: Database, clock: FixedClock) -> None:
    floor = build_floor(any_db, clock, decisions=60)
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=40)
    plan = sampling.save_plan(floor.qa, "Race", PopulationFilter(), spec, seed=4)
    sample = sampling.draw_sample(floor.qa, plan.id)
    url = any_db.url.render_as_string(hide_password=False)
    spawn = multiprocessing.get_context("spawn")
    out = spawn.Queue()
    workers = [
        spawn.Process(target=_race_worker, args=(url, ctx.actor.user_id, sample.id, out))
        for ctx in (floor.fw1, floor.fw2)
    ]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    claimed = results[0] + results[1]
    assert len(claimed) == len(set(claimed)) == 40
    with any_db.read() as session:
        statuses = session.execute(
            select(sample_items_table.c.status).where(sample_items_table.c.sample_id == sample.id)
        ).scalars()
        assert set(statuses) == {"done"}


def test_equal_allocation_through_the_service(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock)
    spec = SamplingSpec(
        SamplingMethod.STRATIFIED,
        size=12,
        strata=(StratumDimension.TEAM,),
        allocation=Allocation.EQUAL,
    )
    plan = sampling.save_plan(floor.qa, "Equal", PopulationFilter(), spec, seed=8)
    progress = sample_queue.progress(floor.qa, sampling.draw_sample(floor.qa, plan.id).id)
    assert [s.total for s in progress.strata] == [6, 6]


def test_sql_draw_skips_excluded_decisions_exactly_as_the_pure_draw(
    db: Database, clock: FixedClock
) -> None:
    floor = build_floor(db, clock)
    plan = sampling.save_plan(floor.qa, "Twice", PopulationFilter(), STRATIFIED, seed=21)
    sampling.draw_sample(floor.qa, plan.id)
    with db.read() as session:
        remaining = load_candidates(session, PopulationFilter())
    assert len(remaining) == 70
    second = sampling.draw_sample(floor.qa, plan.id, seed=22)
    expected = draw_in_memory(remaining, STRATIFIED, 22)
    assert _ids(floor.qa, second.id) == [i.decision_id for i in expected.items]


def _review(ctx: Ctx, decision_id: int, *, good: bool) -> None:
    work = reviews.open_for_decision(ctx, decision_id)
    answer = Answer.MET if good else Answer.NOT_MET
    answers = {c.code: AnswerEntry(answer) for c in work.criteria}
    judgement = Judgement.APPROPRIATE if good else Judgement.SHOULD_HAVE_DEPLOYED
    reviews.submit(ctx, work.review, answers, judgement)


def test_results_give_wilson_intervals_weights_and_a_csv(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock, decisions=40)
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=8, oversampling=Oversampling(not_deployed=3.0))
    plan = sampling.save_plan(floor.qa, "Results", PopulationFilter(), spec, seed=12)
    sample = sampling.draw_sample(floor.qa, plan.id)
    worked = []
    for n in range(5):
        item = sample_queue.take_next(floor.fw1, sample.id)
        assert item is not None
        _review(floor.fw1, item.decision_id, good=n < 3)
        sample_queue.complete(floor.fw1, item.id)
        worked.append(item)
    skipped = sample_queue.take_next(floor.fw1, sample.id)
    assert skipped is not None
    sample_queue.skip(floor.fw1, skipped.id, "=HYPERLINK(evil)")
    found = sampling_results.results(floor.qa, sample.id)
    assert (found.in_sample, found.reviewed, found.skipped, found.replaced) == (7, 5, 1, 0)
    assert found.overall == wilson_interval(3, 5)
    assert dict(found.judgements) == {"APPROPRIATE": 3, "SHOULD_HAVE_DEPLOYED": 2}
    assert found.weighted is not None  # oversampling gave unequal design weights
    expected = weighted_proportion(
        [n < 3 for n in range(5)], [item.design_weight for item in worked]
    )
    assert found.weighted.estimate == pytest.approx(expected.estimate)
    # Criteria differ by category, so each criterion counts only the reviews it applies to.
    assert found.criteria and all(1 <= c.compliance.total <= 5 for c in found.criteria)
    assert max(c.compliance.total for c in found.criteria) == 5
    assert sum(s.reviewed for s in found.strata) == 5
    with pytest.raises(PermissionDenied):
        sampling_results.results(floor.fw1, sample.id)
    lines = sampling_results.export_csv(floor.qa, sample.id).splitlines()
    assert lines[0].startswith("position,cad_ref,stratum,design_weight,item_status")
    assert len(lines) == 1 + 8
    assert any(",skipped,'=HYPERLINK(evil)," in line for line in lines)
    assert sum(",done," in line and ",True," in line for line in lines) == 3


def test_large_stratum_scan_matches_the_pure_draw(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock)
    small = SamplingSpec(SamplingMethod.SIMPLE, size=10)
    sampling.draw_sample(
        floor.qa, sampling.save_plan(floor.qa, "Few", PopulationFilter(), small).id
    )
    with db.read() as session:
        remaining = load_candidates(session, PopulationFilter())
    many = SamplingSpec(SamplingMethod.SIMPLE, size=50)  # above SCAN_ABOVE: one ordered pass
    plan = sampling.save_plan(floor.qa, "Many", PopulationFilter(), many, seed=31)
    drawn = sampling.draw_sample(floor.qa, plan.id)
    expected = draw_in_memory(remaining, many, 31)
    assert _ids(floor.qa, drawn.id) == [i.decision_id for i in expected.items]


def test_targeting_decisions_under_partner_appeal(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock, decisions=12)
    appeals.record_appeal(
        floor.supervisor,
        AppealInput(
            cad_ref="CAD-0003",
            route=AppealRoute.LIVE_999,
            partner_type=PartnerType.AMBULANCE,
            partner_org="Ambulance service",
        ),
    )
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=5)
    plan = sampling.save_plan(floor.qa, "Appealed", PopulationFilter(under_appeal_only=True), spec)
    sample = sampling.draw_sample(floor.qa, plan.id, whole_population=True)
    (item,) = sample_queue.queue_page(floor.qa, sample.id)
    assert item.cad_ref == "CAD-0003" and sample.population_size == 1
    targeted = SamplingSpec(
        SamplingMethod.TARGETED,
        target_ids=sampling.resolve_cad_refs(floor.qa, ["cad-0005", "CAD-0007"]),
    )
    plan = sampling.save_plan(floor.qa, "Named", PopulationFilter(), targeted)
    named = sampling.draw_sample(floor.qa, plan.id)
    assert sorted(i.cad_ref for i in sample_queue.queue_page(floor.qa, named.id)) == [
        "CAD-0005",
        "CAD-0007",
    ]
    with pytest.raises(ValidationFailed, match="CAD-9999"):
        sampling.resolve_cad_refs(floor.qa, ["CAD-9999"])


def test_closing_a_sample_frees_its_decisions(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock, decisions=10)
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=10)
    plan = sampling.save_plan(floor.qa, "All ten", PopulationFilter(), spec, seed=1)
    sample = sampling.draw_sample(floor.qa, plan.id)
    assert [(s.id, s.size) for s in sampling.list_samples(floor.fw1)] == [(sample.id, 10)]
    with pytest.raises(PermissionDenied):
        sampling.close_sample(floor.fw1, sample.id)
    sampling.close_sample(floor.qa, sample.id)
    assert sampling.list_samples(floor.qa) == []
    with pytest.raises(Conflict, match="closed"):
        sample_queue.take_next(floor.fw1, sample.id)
    again = sampling.draw_sample(floor.qa, plan.id)
    assert _ids(floor.qa, again.id) == _ids(floor.qa, sample.id)  # same seed, same data


def test_a_skip_or_replace_reason_with_personal_data_is_refused(
    db: Database, clock: FixedClock
) -> None:
    floor = build_floor(db, clock)
    plan = sampling.save_plan(floor.qa, "Guarded", PopulationFilter(), STRATIFIED, seed=3)
    sample = sampling.draw_sample(floor.qa, plan.id)
    item = sample_queue.take_next(floor.fw1, sample.id)
    assert item is not None
    for act in (sample_queue.skip, sample_queue.replace):
        with pytest.raises(ValidationFailed, match=r"without personal data.*phone number"):
            act(floor.fw1, item.id, "duplicate, caller Mr Jones on 07700 900123")
    still = sample_queue.take_next(floor.fw1, sample.id)
    assert still is not None and still.id == item.id and still.status == "claimed"
    assert sample_queue.progress(floor.qa, sample.id).skipped == 0
