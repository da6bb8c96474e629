"""Pure sampling rules: allocation, reproducibility, quotas across month edges, weights."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rcrp_tui.domain.sampling import (
    Allocation,
    Candidate,
    Oversampling,
    SamplingMethod,
    SamplingSpec,
    StratumDimension,
    allocate,
    draw_sample,
    key_of,
    month_bounds,
    month_key,
    pick_replacement,
    stratum_fields,
)

CATEGORIES = ("concern_for_welfare", "walk_out", "awol", "medical")
SHIFTS = ("day", "night")
START = datetime(2026, 10, 1, tzinfo=UTC)


def population(size: int = 600) -> list[Candidate]:
    """A fixed, uneven population: categories and shifts in different proportions."""
    people = []
    for i in range(1, size + 1):
        people.append(
            Candidate(
                id=(i * 7919) % 100_003,  # unique, but not in insertion order
                category=CATEGORIES[(i * i) % 7 % 4],
                shift=SHIFTS[i % 5 == 0],
                team_id=1 + i % 3,
                contact_officer_id=1 + i % 10,
                outcome="deployed" if i % 4 else "signposted",
                caller_type="public" if i % 6 else "ambulance",
                received_at=START + timedelta(hours=i * 3),
            )
        )
    return people


STRATIFIED = SamplingSpec(
    SamplingMethod.STRATIFIED, size=60, strata=(StratumDimension.CATEGORY, StratumDimension.SHIFT)
)


def test_same_seed_gives_the_same_sample_in_any_input_order() -> None:
    people = population()
    first = draw_sample(people, STRATIFIED, seed=42)
    again = draw_sample(list(reversed(people)), STRATIFIED, seed=42)
    assert first == again
    assert draw_sample(people, STRATIFIED, seed=43).items != first.items


@given(st.integers(min_value=0, max_value=2**32))
@settings(max_examples=60, deadline=None)
def test_stratified_sizes_follow_proportional_allocation(seed: int) -> None:
    people = population()
    draw = draw_sample(people, STRATIFIED, seed=seed)
    ids = [item.decision_id for item in draw.items]
    assert len(ids) == len(set(ids)) == 60
    sizes = Counter(key_of(STRATIFIED, c) for c in people)
    drawn = Counter(item.stratum for item in draw.items)
    for key, size in sizes.items():
        exact = 60 * size / len(people)
        assert int(exact) <= drawn[key] <= int(exact) + 1
    by_id = {c.id: c for c in people}
    for item in draw.items:
        assert key_of(STRATIFIED, by_id[item.decision_id]) == item.stratum


def test_equal_allocation_is_capped_by_small_strata_and_redistributes() -> None:
    caps = {"a": 2, "b": 100, "c": 100}
    assert allocate(dict.fromkeys(caps, 1.0), caps, 30) == {"a": 2, "b": 14, "c": 14}


def test_allocation_never_exceeds_the_population() -> None:
    assert allocate({"a": 1.0, "b": 1.0}, {"a": 3, "b": 4}, 50) == {"a": 3, "b": 4}


@given(
    st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.integers(0, 50), min_size=1),
    st.integers(0, 200),
)
def test_allocation_total_is_exact_and_within_caps(caps: dict[str, int], n: int) -> None:
    shares = allocate({k: float(v) for k, v in caps.items()}, caps, n)
    assert sum(shares.values()) == min(n, sum(caps.values()))
    assert all(0 <= shares[k] <= caps[k] for k in caps)


def test_equal_allocation_draw_over_many_seeds() -> None:
    spec = SamplingSpec(
        SamplingMethod.STRATIFIED,
        size=40,
        strata=(StratumDimension.TEAM,),
        allocation=Allocation.EQUAL,
    )
    for seed in range(25):
        drawn = Counter(item.stratum for item in draw_sample(population(), spec, seed).items)
        assert sorted(drawn.values()) == [13, 13, 14]


def test_oversampling_reports_design_weights_that_sum_to_the_population() -> None:
    spec = SamplingSpec(
        SamplingMethod.SIMPLE, size=100, oversampling=Oversampling(not_deployed=3.0)
    )
    people = population()
    draw = draw_sample(people, spec, seed=7)
    assert sum(item.design_weight for item in draw.items) == pytest.approx(len(people))
    not_deployed = sum(1 for c in people if c.outcome != "deployed") / len(people)
    share = sum(1 for i in draw.items if "not_deployed" in i.stratum) / len(draw.items)
    assert share > 1.5 * not_deployed  # over-represented, and the weights say by how much


def test_quota_tops_up_officers_by_london_calendar_month() -> None:
    # 23:30 UTC on 30 September is 00:30 BST on 1 October: an October decision.
    edge = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)
    assert month_key(edge) == "2026-10"
    people = [
        Candidate(
            i, "walk_out", "day", 1, 1 + i % 2, "deployed", "public", edge + timedelta(days=i)
        )
        for i in range(1, 61)
    ]
    spec = SamplingSpec(SamplingMethod.OFFICER_QUOTA, quota_per_officer=3)
    draw = draw_sample(
        people, spec, seed=1, existing_reviews={(1, "2026-10"): 2, (2, "2026-11"): 5}
    )
    counts = Counter(item.stratum for item in draw.items)
    assert counts == {
        "officer=1|month=2026-10": 1,
        "officer=2|month=2026-10": 3,
        "officer=1|month=2026-11": 3,
    }
    by_id = {c.id: c for c in people}
    for item in draw.items:
        fields = stratum_fields(item.stratum)
        start, end = month_bounds(str(fields["month"]))
        assert start <= by_id[item.decision_id].received_at < end


def test_month_bounds_follow_the_clocks_changing() -> None:
    assert month_bounds("2026-10") == (
        datetime(2026, 9, 30, 23, tzinfo=UTC),
        datetime(2026, 11, 1, 0, tzinfo=UTC),
    )
    assert month_bounds("2026-12")[1] == datetime(2027, 1, 1, tzinfo=UTC)


def test_census_takes_every_not_deployed_decision_on_the_shift() -> None:
    spec = SamplingSpec(SamplingMethod.CENSUS, census_shift="night")
    people = population()
    draw = draw_sample(people, spec, seed=0)
    expected = {c.id for c in people if c.shift == "night" and c.outcome != "deployed"}
    assert {i.decision_id for i in draw.items} == expected
    assert all(i.design_weight == 1.0 for i in draw.items)


def test_targeted_takes_exactly_the_named_decisions_that_exist() -> None:
    people = population()
    wanted = (people[0].id, people[5].id, 999_999)
    draw = draw_sample(people, SamplingSpec(SamplingMethod.TARGETED, target_ids=wanted), seed=3)
    assert {i.decision_id for i in draw.items} == {people[0].id, people[5].id}


def test_replacement_comes_from_the_same_stratum_and_is_reproducible() -> None:
    people = population()
    draw = draw_sample(people, STRATIFIED, seed=11)
    first = draw.items[0]
    members = [c for c in people if key_of(STRATIFIED, c) == first.stratum]
    used = [i.decision_id for i in draw.items]
    chosen = pick_replacement(members, used, seed=11, item_id=1)
    assert chosen is not None and chosen.id not in used
    assert key_of(STRATIFIED, chosen) == first.stratum
    assert pick_replacement(reversed(members), used, seed=11, item_id=1) == chosen
    assert pick_replacement(members, [c.id for c in members], seed=11, item_id=1) is None


def test_spec_round_trips_through_json_and_explains_problems() -> None:
    spec = SamplingSpec(
        SamplingMethod.STRATIFIED,
        size=200,
        strata=(StratumDimension.CATEGORY, StratumDimension.TEAM),
        allocation=Allocation.EQUAL,
        oversampling=Oversampling(2.0, 1.5),
    )
    assert SamplingSpec.from_json(spec.to_json()) == spec
    assert "by category x team, equal allocation" in spec.describe()
    bad = SamplingSpec(SamplingMethod.STRATIFIED, size=0)
    assert {f for f, _ in bad.problems()} == {"size", "strata"}
