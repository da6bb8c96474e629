"""Sample sizes, margins and intervals against published, hand-checkable values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcrp_tui.domain.statistics import (
    margin_of_error,
    sample_size,
    weighted_proportion,
    wilson_bounds,
    wilson_interval,
    z_for,
)


def test_z_for_95_percent_is_1_96() -> None:
    assert z_for(0.95) == pytest.approx(1.959964, abs=1e-6)


def test_sample_size_for_five_percent_margin_is_385() -> None:
    assert sample_size(0.05) == 385


def test_sample_size_for_ten_percent_margin_is_97() -> None:
    # docs/domain-rules.md §5 quotes "about 96": 1.96² x 0.25 / 0.01 = 96.04, rounded up.
    assert sample_size(0.10) == 97


def test_finite_population_correction_for_a_thousand_is_278() -> None:
    assert sample_size(0.05, population=1000) == 278


def test_sample_size_never_exceeds_the_population() -> None:
    assert sample_size(0.01, population=50) == 50


@pytest.mark.parametrize("margin", [0, 1, -0.1])
def test_sample_size_refuses_a_nonsense_margin(margin: float) -> None:
    with pytest.raises(ValueError, match="margin of error"):
        sample_size(margin)


def test_margin_of_error_of_385_is_about_five_percent() -> None:
    assert margin_of_error(385) == pytest.approx(0.04994, abs=1e-4)


def test_margin_of_error_of_a_census_is_zero() -> None:
    assert margin_of_error(200, population=200) == 0.0


def test_wilson_interval_matches_the_published_example() -> None:
    interval = wilson_interval(81, 263)
    assert interval.low == pytest.approx(0.2553, abs=1e-4)
    assert interval.high == pytest.approx(0.3662, abs=1e-4)
    assert interval.describe() == "30.8% (95% CI 25.5-36.6%, 81/263)"


# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics
# in Medicine 17:857-872, table II, method 3 (Wilson score, no continuity correction).
@pytest.mark.parametrize(
    ("successes", "total", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_reproduces_newcombe_to_four_decimals(
    successes: int, total: int, low: float, high: float
) -> None:
    interval = wilson_interval(successes, total)
    assert round(interval.low, 4) == low
    assert round(interval.high, 4) == high


def test_wilson_bounds_follow_the_confidence_level() -> None:
    # 81/263 at 99% (z = 2.5758) is wider on both sides than at 95%; the figures are the
    # ones statsmodels 0.15's proportion_confint(method="wilson") gave before it was dropped.
    low, high = wilson_bounds(81, 263, confidence=0.99)
    assert round(low, 4) == 0.2401
    assert round(high, 4) == 0.3853


def test_wilson_bounds_take_a_fractional_effective_sample() -> None:
    # Kish's effective sample size is rarely whole; 40.5 of 130.25 is about 31.1%.
    low, high = wilson_bounds(40.5, 130.25)
    assert low < 40.5 / 130.25 < high
    assert wilson_bounds(40.5, 130.25) != wilson_bounds(40, 130)


@pytest.mark.parametrize(("successes", "total"), [(1, 0), (-1, 5), (6, 5)])
def test_wilson_bounds_refuse_impossible_counts(successes: float, total: float) -> None:
    with pytest.raises(ValueError, match="total"):
        wilson_bounds(successes, total)


def test_wilson_interval_at_zero_and_all_successes() -> None:
    # Newcombe (1998) table I: 0/10 → (0, 0.2775), 10/10 → (0.7225, 1).
    none = wilson_interval(0, 10)
    assert none.low == pytest.approx(0.0, abs=1e-9)
    assert none.high == pytest.approx(0.2775, abs=1e-4)
    every = wilson_interval(10, 10)
    assert every.low == pytest.approx(0.7225, abs=1e-4)


def test_wilson_interval_of_nothing_says_so() -> None:
    assert wilson_interval(0, 0).describe() == "no reviews"


def test_wilson_interval_refuses_more_successes_than_trials() -> None:
    with pytest.raises(ValueError, match="between 0 and total"):
        wilson_interval(5, 4)


@given(st.integers(min_value=1, max_value=2000), st.data())
def test_wilson_interval_contains_the_estimate(total: int, data: st.DataObject) -> None:
    successes = data.draw(st.integers(min_value=0, max_value=total))
    interval = wilson_interval(successes, total)
    assert 0.0 <= interval.low <= interval.estimate <= interval.high <= 1.0


def test_equal_weights_give_the_plain_wilson_interval() -> None:
    outcomes = [True] * 81 + [False] * 182
    weighted = weighted_proportion(outcomes, [2.5] * len(outcomes))
    plain = wilson_interval(81, 263)
    assert weighted.estimate == pytest.approx(plain.estimate)
    assert weighted.low == pytest.approx(plain.low)
    assert weighted.high == pytest.approx(plain.high)


def test_weights_undo_oversampling() -> None:
    # 50 oversampled not-deployed decisions (weight 1) all compliant; 50 others (weight 9)
    # of which half compliant: the population rate is (50 + 225) / 500 = 0.55.
    outcomes = [True] * 50 + [True] * 25 + [False] * 25
    weights = [1.0] * 50 + [9.0] * 50
    estimate = weighted_proportion(outcomes, weights)
    assert estimate.estimate == pytest.approx(0.55)
    assert estimate.total < 100  # unequal weights shrink the effective sample


def test_weighted_proportion_refuses_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        weighted_proportion([True], [1.0, 2.0])
