"""The plan dialog's rules (text typed → population and method) and the paged sample list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.sampling import (
    Allocation,
    SamplingMethod,
    SamplingSpec,
    StratumDimension,
)
from rcrp_tui.services.core.errors import PermissionDenied, ValidationFailed
from rcrp_tui.services.sampling import lists as sample_lists
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.sampling.plan_form import PlanForm, read_plan, size_advice
from tests.test_sampling_service import build_floor

TEAMS = {"Red": 1, "Blue": 2}


def test_a_stratified_plan_with_a_population() -> None:
    form = PlanForm(
        name="  November welfare ",
        date_from="2026-11-01",
        date_to="2026-11-30",
        categories="concern_for_welfare, Walk-out from healthcare",
        outcomes="not deployed",
        caller_types="public, ambulance",
        teams="red, Blue",
        method="stratified",
        allocation="equal",
        size="40",
        strata="category, Shift",
        oversample_partner="2",
        seed="17",
    )
    plan = read_plan(form, TEAMS)
    assert plan.name == "November welfare" and plan.seed == 17 and plan.cad_refs == ()
    p = plan.population
    # London days, the last one inclusive: midnight GMT in November.
    assert p.received_from == datetime(2026, 11, 1, tzinfo=UTC)
    assert p.received_to == datetime(2026, 12, 1, tzinfo=UTC)
    assert p.categories == ("concern_for_welfare", "walk_out")
    assert p.not_deployed_only and p.outcomes == ()
    assert p.caller_types == ("public", "ambulance") and p.team_ids == (1, 2)
    spec = plan.spec
    assert spec.method is SamplingMethod.STRATIFIED and spec.allocation is Allocation.EQUAL
    assert spec.size == 40 and spec.strata == (StratumDimension.CATEGORY, StratumDimension.SHIFT)
    assert spec.oversampling.partner_caller == 2.0 and spec.problems() == []


def test_summer_days_start_at_london_midnight() -> None:
    plan = read_plan(PlanForm(name="July", date_from="2026-07-01", size="5"), TEAMS)
    assert plan.population.received_from == datetime(2026, 6, 30, 23, tzinfo=UTC)


def test_targeted_census_and_quota_plans() -> None:
    targeted = read_plan(PlanForm(name="T", method="targeted", cad_refs="cad1, CAD2"), {})
    assert targeted.cad_refs == ("CAD1", "CAD2") and targeted.spec.size == 0
    census = read_plan(PlanForm(name="C", method="census", census_shift="Night"), {})
    assert census.spec.census_shift == "night"
    quota = read_plan(PlanForm(name="Q", method="officer_quota", quota="4"), {})
    assert quota.spec.quota_per_officer == 4


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        (PlanForm(size="5"), "Name", "give the plan a name"),
        (PlanForm(name="x", size=""), "Size", "type a whole number"),
        (PlanForm(name="x", size="ten"), "Size", "'ten' is not a whole number"),
        (PlanForm(name="x", size="5", date_from="1/11/2026"), "From", "not a date"),
        (
            PlanForm(name="x", size="5", date_from="2026-02-31"),
            "From",
            "there is no day 31 in February 2026",
        ),
        (
            PlanForm(name="x", size="5", date_to="2026-04-31"),
            "To",
            "there is no day 31 in April 2026",
        ),
        (
            PlanForm(name="x", size="5", date_from="2026-11-05", date_to="2026-11-01"),
            "To",
            "before the 'from' day",
        ),
        (PlanForm(name="x", size="5", categories="welfare"), "Categories", "expected one of"),
        (PlanForm(name="x", size="5", teams="Green"), "Teams", "no team is called 'Green'"),
        (PlanForm(name="x", method="stratified", size="5", strata="month"), "Strata", "any of"),
        (PlanForm(name="x", method="targeted"), "CAD refs", "list the CAD references"),
        (PlanForm(name="x", size="5", oversample_partner="0.5"), "Oversample partner", "from 1"),
        (PlanForm(name="x", size="5", seed="-3"), "Seed", "-3 is too small: it must be 0 or more"),
        (PlanForm(name="x", size="-5"), "Size", "-5 is too small: it must be 1 or more"),
        (PlanForm(name="x", size="five"), "Size", "'five' is not a whole number"),
    ],
)
def test_refusals_name_the_box(form: PlanForm, field: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        read_plan(form, TEAMS)
    assert refused.value.field == field and words in refused.value.reason


def test_size_advice() -> None:
    assert size_advice("95", "5", "").startswith("For ±5.0% at 95% confidence: 385 reviews")
    assert "a sample of 96 gives ±10.0%" in size_advice("95%", "10", "96")
    with_n = size_advice("95", "5", "200", "1000")
    assert with_n.startswith("For ±5.0% at 95% confidence: 385 reviews; 278 from a population")
    assert "a sample of 200 gives ±6.2%" in with_n and "large population" not in with_n
    assert size_advice("95", "0", "").startswith("Sample size: type a confidence")
    assert size_advice("abc", "5", "").startswith("Sample size: type a confidence")


def test_samples_page_newest_first_with_progress_both_ways(
    any_db: Database, clock: FixedClock
) -> None:
    floor = build_floor(any_db, clock, decisions=30)
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=2)
    plan = sampling.save_plan(floor.qa, "Pairs", PopulationFilter(), spec, seed=1)
    ids = [sampling.draw_sample(floor.qa, plan.id).id for _ in range(5)]
    sampling.close_sample(floor.qa, ids[1])
    first = sample_lists.samples_page(floor.fw1, limit=2)
    assert [r.sample.id for r in first.rows] == [ids[4], ids[3]]
    assert first.has_older and not first.has_newer
    assert first.rows[0].progress == "0/2" and first.rows[0].sample.plan_name == "Pairs"
    older = sample_lists.samples_page(floor.fw1, older_than=ids[3], limit=2)
    assert [r.sample.id for r in older.rows] == [ids[2], ids[1]]
    assert older.has_older and older.has_newer
    back = sample_lists.samples_page(floor.fw1, newer_than=ids[2], limit=2)
    assert [r.sample.id for r in back.rows] == [ids[4], ids[3]]
    assert back.has_older and not back.has_newer
    open_only = sample_lists.samples_page(floor.qa, status="open", limit=10)
    assert [r.sample.id for r in open_only.rows] == [ids[4], ids[3], ids[2], ids[0]]
    with pytest.raises(ValidationFailed, match="open or closed"):
        sample_lists.samples_page(floor.qa, status="finished")
    with pytest.raises(PermissionDenied):
        sample_lists.samples_page(floor.supervisor)


def test_sample_workers_are_the_people_who_work_samples(db: Database, clock: FixedClock) -> None:
    floor = build_floor(db, clock, decisions=1)
    workers = sample_lists.sample_workers(floor.qa)
    assert [w.username for w in workers] == ["fw.one", "fw.two", "qa.lead"]  # by display name
    with pytest.raises(PermissionDenied):
        sample_lists.sample_workers(floor.fw1)
