"""Sample sizes, margins of error and confidence intervals for dip-sampling results.

Domain brief §5: a compliance rate is reported with its confidence interval (Wilson), not
as a bare percentage, and the number of reviews needed for a force-level estimate is
n = z²·p(1-p)/e², reduced by the finite-population correction when the population is small.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist


def z_for(confidence: float) -> float:
    """The two-sided standard-normal quantile for ``confidence`` (0.95 → 1.96)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 exclusive, not {confidence}")
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def sample_size(
    margin: float, *, confidence: float = 0.95, p: float = 0.5, population: int | None = None
) -> int:
    """Reviews needed to estimate a proportion to ± ``margin`` at ``confidence``.

    ``p`` is the expected proportion (0.5 is the cautious choice). With ``population`` the
    finite-population correction n/(1 + (n - 1)/N) is applied; the answer never exceeds N.
    """
    if not 0 < margin < 1:
        raise ValueError(f"margin of error must be between 0 and 1 exclusive, not {margin}")
    if not 0 <= p <= 1:
        raise ValueError(f"expected proportion must be between 0 and 1, not {p}")
    z = z_for(confidence)
    n0 = z * z * p * (1 - p) / (margin * margin)
    if population is None:
        return max(1, math.ceil(n0))
    if population < 1:
        raise ValueError(f"population must be at least 1, not {population}")
    n = n0 / (1 + (n0 - 1) / population)
    return max(1, min(population, math.ceil(n)))


def margin_of_error(
    n: int, *, confidence: float = 0.95, p: float = 0.5, population: int | None = None
) -> float:
    """The ± margin a sample of ``n`` gives (with the finite-population correction)."""
    if n < 1:
        raise ValueError(f"sample size must be at least 1, not {n}")
    z = z_for(confidence)
    variance = p * (1 - p) / n
    if population is not None:
        if population < n:
            raise ValueError(f"sample of {n} is larger than the population of {population}")
        variance *= (population - n) / (population - 1) if population > 1 else 0.0
    return z * math.sqrt(variance)


@dataclass(frozen=True)
class Proportion:
    """An estimated proportion with its confidence interval."""

    successes: float
    total: float
    estimate: float
    low: float
    high: float
    confidence: float = 0.95

    def describe(self) -> str:
        """E.g. ``"30.8% (95% CI 25.5-36.6%, 81/263)"``."""
        if self.total == 0:
            return "no reviews"
        level = f"{self.confidence:.0%}"
        return (
            f"{self.estimate:.1%} ({level} CI {self.low * 100:.1f}-{self.high * 100:.1f}%, "
            f"{_count(self.successes)}/{_count(self.total)})"
        )


def _count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def wilson_interval(successes: int, total: int, *, confidence: float = 0.95) -> Proportion:
    """The Wilson score interval for ``successes`` out of ``total`` (see :func:`wilson_bounds`)."""
    if total < 0 or successes < 0 or successes > total:
        raise ValueError(f"successes must be between 0 and total: got {successes}/{total}")
    if total == 0:
        return Proportion(0, 0, 0.0, 0.0, 1.0, confidence)
    estimate = successes / total
    low, high = wilson_bounds(successes, total, confidence=confidence)
    return Proportion(successes, total, estimate, *_clamp(low, high, estimate), confidence)


def wilson_bounds(
    successes: float, total: float, *, confidence: float = 0.95
) -> tuple[float, float]:
    """The Wilson score interval, in closed form (no continuity correction).

    With p̂ = successes/total, n = total and z the two-sided normal quantile for
    ``confidence``:

        centre    = (p̂ + z²/2n) / (1 + z²/n)
        half-width = z / (1 + z²/n) · √(p̂(1 - p̂)/n + z²/4n²)

    the interval is centre ± half-width. Source: E. B. Wilson, "Probable inference, the
    law of succession, and statistical inference", JASA 22 (1927) 209-212; R. G. Newcombe,
    "Two-sided confidence intervals for the single proportion: comparison of seven
    methods", Statistics in Medicine 17 (1998) 857-872, method 3 (the tests reproduce its
    worked examples, e.g. 81/263 → 0.2553-0.3662). It is the ``method="wilson"`` of
    statsmodels' ``proportion_confint``, which this project used before. ``successes``
    and ``total`` may be fractional (an effective sample size).
    """
    if not total > 0:
        raise ValueError(f"total must be positive, not {total}")
    if not 0 <= successes <= total:
        raise ValueError(f"successes must be between 0 and total: got {successes}/{total}")
    z = z_for(confidence)
    z2 = z * z
    p = successes / total
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return centre - half, centre + half


def _clamp(low: float, high: float, estimate: float) -> tuple[float, float]:
    # Floating-point noise can put a bound a hair outside [0, 1] or past the estimate.
    return max(0.0, min(float(low), estimate)), min(1.0, max(float(high), estimate))


def weighted_proportion(
    outcomes: Sequence[bool], weights: Sequence[float], *, confidence: float = 0.95
) -> Proportion:
    """A design-weighted proportion: Σw·y / Σw, for samples drawn with oversampling.

    The interval is a Wilson interval on Kish's effective sample size (Σw)²/Σw², which
    widens it to account for unequal weights. ``successes`` and ``total`` are reported on
    the effective-sample scale.
    """
    if len(outcomes) != len(weights):
        raise ValueError("outcomes and weights must be the same length")
    if any(w <= 0 for w in weights):
        raise ValueError("design weights must be positive")
    if not outcomes:
        return Proportion(0, 0, 0.0, 0.0, 1.0, confidence)
    total_w = float(sum(weights))
    estimate = sum(w for y, w in zip(outcomes, weights, strict=True) if y) / total_w
    n_eff = total_w * total_w / sum(w * w for w in weights)
    # estimate·n_eff can come out a hair above n_eff in floating point.
    low, high = wilson_bounds(min(estimate * n_eff, n_eff), n_eff, confidence=confidence)
    return Proportion(
        round(estimate * n_eff, 6),
        round(n_eff, 6),
        estimate,
        *_clamp(low, high, estimate),
        confidence,
    )
