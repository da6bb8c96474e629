"""Agreement statistics for grader calibration, each with a 95% interval and its counts.

A table is ``table[unit][rater]``: one row per decision scored in the session, one
rating per grader, ``None`` where the grader gave none (skipped it, or answered N/A,
which calibration treats as missing). Rows may differ in length.

Which code computes what, and why:

- **Krippendorff's alpha** comes from the maintained ``krippendorff`` package (numpy),
  imported inside :func:`krippendorff_alpha` only. The package gives no interval, so the
  95% interval is a percentile bootstrap over decisions: 1,000 resamples drawn with
  Python's ``random.Random`` from a fixed seed, so the same table always gives the same
  interval. A resample in which every answer is the same has no alpha; it is left out
  (and counted in the note), and with fewer than half the resamples usable no interval
  is given.
- **Cohen's kappa, Fleiss' kappa and Gwet's AC1** are computed here, in plain Python,
  from the published formulas, with the standard errors of K. L. Gwet, *Handbook of
  Inter-Rater Reliability*, 4th ed. (2014), chapters 2-5 (the formulas of his R package
  irrCAC). The Python port of that package (``irrcac`` 0.4.4) was not used: it requires
  pandas, scipy pinned to 1.12.0 and, at run time, ``coverage`` < 7, which is far more to
  install and load than about a hundred lines of arithmetic. statsmodels was removed
  from the project for its import time. The tests reproduce the published figures of
  irrCAC's own examples (value, standard error and interval), Fleiss (1971) and a
  textbook Cohen's kappa to three decimals.
- Their intervals are Gwet's: value ± t(0.975, n-1) · standard error, where n is the
  number of decisions with at least one answer (Gwet's n), and the upper end is capped
  at 1. The t quantile is computed exactly here (Abramowitz & Stegun 26.7.3-4) rather
  than by loading scipy.
- **No interval from fewer than** :data:`MIN_UNITS` **units** (decisions with two or more
  answers; for the overall figures, decision-criterion pairs), for every statistic: the
  figure is given, its interval is "too few to judge (n=…)" (:func:`too_few_words`).
- **Raw agreement** and **agreement with the reference** use the Wilson score interval
  (:func:`rcrp_tui.domain.statistics.wilson_bounds`). For raw agreement with more than two
  graders each decision counts as one trial, which gives a cautious (wider) interval.

Nothing here rounds: the screens round for display.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rcrp_tui.domain.scoring import Answer
from rcrp_tui.domain.statistics import wilson_bounds

Rating = str | None
Table = Sequence[Sequence[Rating]]
Level = Literal["nominal", "ordinal", "interval"]

#: The criterion answers that calibration compares, best first (Met > Partially met >
#: Not met). N/A is not among them: it is treated as missing.
ORDER: tuple[str, ...] = (Answer.MET.value, Answer.PARTIAL.value, Answer.NOT_MET.value)

#: Below this many decisions an interval is wide; the note says so.
FEW_UNITS = 10
#: Below this many units (decisions, or decision-criterion pairs overall) with two or more
#: answers a figure gets no interval: it is "too few to judge (n=…)". A Wilson or t
#: interval from one or two units is arithmetic, not evidence.
MIN_UNITS = 3
#: Bootstrap resamples and seed for Krippendorff's alpha.
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 16
#: The prevalence paradox is named when kappa is below KAPPA_LOW and AC1 at least AC1_HIGH.
KAPPA_LOW = 0.4
AC1_HIGH = 0.7

_CONFIDENCE = 0.95


#: Decimal places every figure is settled to: far below what any screen or export shows,
#: far above floating-point noise.
PRECISION = 10


@dataclass(frozen=True)
class Estimate:
    """One agreement figure with its 95% interval and what lies behind it."""

    value: float | None
    low: float | None
    high: float | None
    n_units: int
    n_ratings: int
    note: str = ""

    def __post_init__(self) -> None:
        # Floating-point noise settles here, once: the same answers reached by another
        # order of sums (-0.12499999999999997 and -0.12500000000000003) must print the
        # same figure (-.12 twice, never -.13 beside -.12) on screen and in every export.
        for name in ("value", "low", "high"):
            x = getattr(self, name)
            if x is not None and math.isfinite(x):
                object.__setattr__(self, name, round(x, PRECISION))

    @property
    def too_few(self) -> bool:
        """A figure from fewer than :data:`MIN_UNITS` units: shown, but with no interval."""
        return self.value is not None and self.n_units < MIN_UNITS


def too_few_words(e: Estimate) -> str:
    """``too few to judge (n=1)``: what stands in for the interval of a figure that rests
    on fewer than :data:`MIN_UNITS` units."""
    return f"too few to judge (n={e.n_units})"


def rating_of(answer: str | None) -> Rating:
    """A stored criterion answer as a calibration rating: N/A and no answer are missing."""
    if answer is None or answer == Answer.NA.value:
        return None
    return answer


# ---------------------------------------------------------------------------- raw agreement


def raw_agreement(table: Table) -> Estimate:
    """The share of agreeing pairs of graders within each decision, averaged over decisions.

    Only decisions with at least two ratings count. The interval is Wilson's with each
    decision counted as one trial.
    """
    shares: list[float] = []
    n_ratings = 0
    for row in table:
        present = [r for r in row if r is not None]
        m = len(present)
        if m < 2:
            continue
        pairs = m * (m - 1) / 2
        agreeing = sum(c * (c - 1) / 2 for c in _counts(present).values())
        shares.append(agreeing / pairs)
        n_ratings += m
    if not shares:
        return _none(0, 0, "No decision has answers from two or more graders.")
    value = sum(shares) / len(shares)
    return _proportion(value, len(shares), n_ratings, _left_out_note(table))


def agreement_with_reference(ratings: Sequence[Rating], reference: Sequence[Rating]) -> Estimate:
    """The share of decisions where a grader's rating equals the reference answer.

    Decisions where either is missing are left out. Wilson interval.
    """
    _same_length(ratings, reference)
    pairs = [
        (r, s) for r, s in zip(ratings, reference, strict=True) if r is not None and s is not None
    ]
    if not pairs:
        return _none(0, 0, "No decision has both a grader's answer and a reference answer.")
    agreeing = sum(1 for r, s in pairs if r == s)
    note = ""
    skipped = len(ratings) - len(pairs)
    if skipped:
        note = f"{_decisions(skipped)} without both answers left out."
    return _proportion(agreeing / len(pairs), len(pairs), 2 * len(pairs), note, "with both answers")


# ------------------------------------------------------------------------------ Cohen's kappa


def cohen_kappa(a: Sequence[Rating], b: Sequence[Rating]) -> Estimate:
    """Cohen's kappa for two graders over the decisions both rated.

    kappa = (pa - pe) / (1 - pe), pa the share of decisions where they agree, pe the
    agreement expected from each grader's own spread of answers, Σ_k p_k. · p_.k
    (J. Cohen, Educational and Psychological Measurement 20 (1960) 37-46). Standard error:
    Gwet (2014) §2.4 (irrCAC ``kappa2.table``), equal to Fleiss, Cohen & Everitt (1969).
    """
    _same_length(a, b)
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    n = len(pairs)
    skipped = len(a) - n
    left_out = f"{_decisions(skipped)} not rated by both left out." if skipped else ""
    if n == 0:
        return _none(0, 0, "The two graders have no decision in common.")
    cats = sorted({x for x, _ in pairs} | {y for _, y in pairs})
    row = {k: sum(1 for x, _ in pairs if x == k) / n for k in cats}
    col = {k: sum(1 for _, y in pairs if y == k) / n for k in cats}
    pa = sum(1 for x, y in pairs if x == y) / n
    pe = sum(row[k] * col[k] for k in cats)
    if pe >= 1 - 1e-12:
        return _none(n, 2 * n, _join(_one_category(cats), left_out))
    kappa = (pa - pe) / (1 - pe)
    # Gwet (2014) eq. for the variance of Cohen's kappa from a contingency table (f = 0).
    total = 0.0
    for x, y in pairs:
        w = 1.0 if x == y else 0.0
        total += (w - (1 - kappa) * (col[x] + row[y])) ** 2 / n
    variance = (total - (pa - 2 * (1 - kappa) * pe) ** 2) / (n * (1 - pe) ** 2)
    return _with_t_interval(kappa, variance, n, n, 2 * n, left_out, "rated by both")


# ---------------------------------------------------------------------- Fleiss' kappa, AC1


def fleiss_kappa(table: Table, categories: Sequence[str]) -> Estimate:
    """Fleiss' kappa for any number of graders, coping with missing ratings.

    pa: for each decision with r ≥ 2 ratings, Σ_k r_k(r_k - 1) / r(r - 1), averaged;
    pe = Σ_k π_k², π_k the share of category k averaged over decisions (J. L. Fleiss,
    Psychological Bulletin 76 (1971) 378-382). With missing ratings and its standard
    error as Gwet (2014) §5 (irrCAC ``fleiss.kappa.raw``): decisions with one rating
    count towards π but not towards pa.
    """
    return _multi_rater(table, categories, "fleiss")


def gwet_ac1(table: Table, categories: Sequence[str]) -> Estimate:
    """Gwet's AC1: agreement corrected for chance as the share of hard-to-score decisions.

    Same pa as Fleiss' kappa; pe = Σ_k π_k(1 - π_k) / (q - 1), q the number of
    categories (K. L. Gwet, British Journal of Mathematical and Statistical Psychology 61
    (2008) 29-48). When nearly every answer is in one category pe is small, so AC1 stays
    high where kappa collapses. Standard error as Gwet (2014) §5 (irrCAC ``gwet.ac1.raw``).
    """
    return _multi_rater(table, categories, "ac1")


def _multi_rater(table: Table, categories: Sequence[str], kind: str) -> Estimate:
    cats = list(dict.fromkeys(categories))
    q = len(cats)
    if q < 2:
        raise ValueError("agreement needs at least two categories to choose from")
    known = set(cats)
    rows: list[dict[str, int]] = []
    for row in table:
        present = [r for r in row if r is not None]
        for r in present:
            if r not in known:
                raise ValueError(f"rating {r!r} is not one of the categories {cats}")
        if present:
            rows.append(_counts(present))
    n = len(rows)
    sizes = [sum(c.values()) for c in rows]
    pairable = [i for i in range(n) if sizes[i] >= 2]
    n2 = len(pairable)
    n_ratings = sum(sizes[i] for i in pairable)
    left_out = _left_out_note(table)
    if n2 == 0:
        return _none(0, 0, "No decision has answers from two or more graders.")

    def pa_of(i: int) -> float:
        r = sizes[i]
        return sum(c * (c - 1) for c in rows[i].values()) / (r * (r - 1))

    pa = sum(pa_of(i) for i in pairable) / n2
    pi = {k: sum(rows[i].get(k, 0) / sizes[i] for i in range(n)) / n for k in cats}
    if kind == "fleiss":
        pe = sum(p * p for p in pi.values())
        weight = {k: pi[k] for k in cats}
    else:
        pe = sum(p * (1 - p) for p in pi.values()) / (q - 1)
        weight = {k: (1 - pi[k]) / (q - 1) for k in cats}
    if pe >= 1 - 1e-12:
        used = sorted(k for k in cats if pi[k] > 0)
        return _none(n2, n_ratings, _join(_one_category(used), left_out))
    coefficient = (pa - pe) / (1 - pe)
    # Gwet (2014): linearised per-decision contributions, then their sample variance.
    total = 0.0
    for i in range(n):
        pa_i = pa_of(i) if sizes[i] >= 2 else 0.0
        pe_r2 = pe if sizes[i] >= 2 else 0.0
        c_i = (n / n2) * (pa_i - pe_r2) / (1 - pe)
        pe_i = sum(count * weight[k] for k, count in rows[i].items()) / sizes[i]
        c_i_star = c_i - 2 * (1 - coefficient) * (pe_i - pe) / (1 - pe)
        total += (c_i_star - coefficient) ** 2
    # One pairable decision (however many single answers) gives no usable interval.
    variance = total / (n * (n - 1)) if n2 >= 2 else math.nan
    return _with_t_interval(coefficient, variance, n, n2, n_ratings, left_out)


# ------------------------------------------------------------------ Krippendorff's alpha


def krippendorff_alpha(table: Table, level: Level, order: Sequence[str] | None = None) -> Estimate:
    """Krippendorff's alpha at the nominal, ordinal or interval level.

    ``order`` lists the categories in their order (default :data:`ORDER`); for the
    ordinal and interval levels they are scored 1, 2, 3... in that order. Decisions with
    fewer than two ratings cannot be paired and drop out, as alpha prescribes.
    """
    if level not in ("nominal", "ordinal", "interval"):
        raise ValueError(f"level must be nominal, ordinal or interval, not {level!r}")
    cats = list(dict.fromkeys(ORDER if order is None else order))
    code = {k: float(i + 1) for i, k in enumerate(cats)}
    rows: list[list[float]] = []
    for row in table:
        values = []
        for r in row:
            if r is None:
                continue
            if r not in code:
                raise ValueError(f"rating {r!r} is not one of the categories {cats}")
            values.append(code[r])
        if len(values) >= 2:
            rows.append(values)
    n = len(rows)
    n_ratings = sum(len(v) for v in rows)
    left_out = _left_out_note(table)
    if n == 0:
        return _none(0, 0, "No decision has answers from two or more graders.")
    if len({v for values in rows for v in values}) < 2:
        used = sorted({k for k, c in code.items() if any(c in v for v in rows)})
        return _none(n, n_ratings, _join(_one_category(used), left_out))

    import krippendorff  # heavy (numpy): loaded only when a calibration result is computed
    import numpy as np

    domain = [code[k] for k in cats]
    # One row per decision, one column per category: how many graders gave it.
    counts = np.zeros((n, len(cats)))
    for j, values in enumerate(rows):
        for v in values:
            counts[j, int(v) - 1] += 1

    def alpha(units: Sequence[int]) -> float:
        return float(
            krippendorff.alpha(
                value_counts=counts[list(units)],
                value_domain=domain,
                level_of_measurement=level,
            )
        )

    value = alpha(range(n))
    if n < MIN_UNITS:
        return Estimate(value, None, None, n, n_ratings, _join(_too_few_for_interval(n), left_out))
    rng = random.Random(BOOTSTRAP_SEED)
    draws: list[float] = []
    undefined = 0
    for _ in range(BOOTSTRAP_RESAMPLES):
        sample = [rng.randrange(n) for _ in range(n)]
        if len({v for j in sample for v in rows[j]}) < 2:
            # Every answer in this resample is the same: alpha is undefined there. It is
            # left out rather than counted as perfect agreement, which would stretch the
            # interval up to 1 whatever the graders did; how many were left out is said.
            undefined += 1
            continue
        draw = alpha(sample)
        if math.isnan(draw):
            undefined += 1
        else:
            draws.append(draw)
    if len(draws) < BOOTSTRAP_RESAMPLES // 2:
        note = _join(
            f"Fewer than half the {BOOTSTRAP_RESAMPLES:,} resamples had more than one answer: "
            "no interval can be given.",
            left_out,
        )
        return Estimate(value, None, None, n, n_ratings, note)
    draws.sort()
    low = draws[int(0.025 * (len(draws) - 1))]
    high = draws[math.ceil(0.975 * (len(draws) - 1))]
    skipped = (
        f"{undefined:,} of {BOOTSTRAP_RESAMPLES:,} resamples had one answer only and were "
        "left out of the interval."
        if undefined
        else ""
    )
    note = _join(_join(_few_note(n), skipped), left_out)
    return Estimate(value, low, high, n, n_ratings, note)


# ---------------------------------------------------------------------------- the paradox


def divergence_note(kappa: Estimate, ac1: Estimate) -> str | None:
    """One line for the screen when kappa and AC1 tell different stories, else None.

    Kappa is low (below 0.4) but AC1 high (0.7 or more) when nearly every answer is the
    same category: kappa then expects most agreement by chance and collapses, although
    the graders do agree (the prevalence paradox). Kappa cannot be computed at all when
    every answer is the same.
    """
    if ac1.value is None or ac1.value < AC1_HIGH:
        return None
    if kappa.value is None and kappa.n_units > 0:
        return (
            f"Kappa cannot be computed because every answer was the same; AC1 is "
            f"{ac1.value:.2f}: the graders agree."
        )
    if kappa.value is not None and kappa.value < KAPPA_LOW:
        return (
            f"Kappa {kappa.value:.2f} is low but AC1 {ac1.value:.2f} is high: nearly every "
            "answer is the same, which drags kappa down although the graders mostly agree."
        )
    return None


# -------------------------------------------------------------------------------- helpers


def _counts(ratings: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in ratings:
        counts[r] = counts.get(r, 0) + 1
    return counts


def _same_length(a: Sequence[Rating], b: Sequence[Rating]) -> None:
    if len(a) != len(b):
        raise ValueError(f"the two lists of ratings differ in length: {len(a)} and {len(b)}")


def _decisions(n: int) -> str:
    return f"{n} decision" if n == 1 else f"{n} decisions"


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _none(n_units: int, n_ratings: int, note: str) -> Estimate:
    return Estimate(None, None, None, n_units, n_ratings, note)


def _one_category(cats: Sequence[str]) -> str:
    which = f" ({cats[0]})" if len(cats) == 1 else ""
    return (
        f"Cannot be computed: every answer is in the same category{which}, so there is no "
        "variation to measure agreement against."
    )


def _left_out_note(table: Table) -> str:
    short = sum(1 for row in table if sum(1 for r in row if r is not None) < 2)
    if not short:
        return ""
    return f"{_decisions(short)} with fewer than two answers left out of the agreement."


def _few_note(n: int) -> str:
    if n >= FEW_UNITS:
        return ""
    return f"Only {_decisions(n)}: the interval is wide; read the figure with care."


def _too_few_for_interval(n: int, what: str = "with two or more answers") -> str:
    return (
        f"Too few to judge (n={n}): only {_decisions(n)} {what}; an interval needs at "
        f"least {MIN_UNITS}."
    )


def _proportion(
    value: float, n_units: int, n_ratings: int, note: str, what: str = "with two or more answers"
) -> Estimate:
    if n_units < MIN_UNITS:
        return Estimate(
            value, None, None, n_units, n_ratings, _join(_too_few_for_interval(n_units, what), note)
        )
    low, high = wilson_bounds(value * n_units, n_units, confidence=_CONFIDENCE)
    low, high = max(0.0, min(low, value)), min(1.0, max(high, value))
    return Estimate(value, low, high, n_units, n_ratings, _join(_few_note(n_units), note))


def _with_t_interval(
    value: float,
    variance: float,
    n: int,
    n_units: int,
    n_ratings: int,
    note: str,
    what: str = "with two or more answers",
) -> Estimate:
    if n < 2 or n_units < MIN_UNITS or math.isnan(variance):
        return Estimate(
            value, None, None, n_units, n_ratings, _join(_too_few_for_interval(n_units, what), note)
        )
    half = t_quantile(1 - (1 - _CONFIDENCE) / 2, n - 1) * math.sqrt(max(variance, 0.0))
    # Kappa and AC1 lie between -1 and 1; an interval reaching past either is cut there.
    return Estimate(
        value,
        max(-1.0, value - half),
        min(1.0, value + half),
        n_units,
        n_ratings,
        _join(_few_note(n_units), note),
    )


def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile (p > 0.5) of Student's t with ``df`` degrees of freedom.

    Bisection on the exact distribution function for whole degrees of freedom
    (Abramowitz & Stegun 26.7.3 and 26.7.4); accurate to about 1e-12.
    """
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, not {df}")
    if not 0.5 < p < 1:
        raise ValueError(f"p must be between 0.5 and 1 exclusive, not {p}")
    target = 2 * p - 1  # P(|T| < t)
    low, high = 0.0, 1.0
    while _t_central(high, df) < target:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if _t_central(mid, df) < target:
            low = mid
        else:
            high = mid
        if high - low < 1e-13:
            break
    return (low + high) / 2


def _t_central(t: float, df: int) -> float:
    """P(|T| < t) for Student's t with whole ``df`` (Abramowitz & Stegun 26.7.3-4)."""
    theta = math.atan(t / math.sqrt(df))
    s, c = math.sin(theta), math.cos(theta)
    if df % 2 == 1:
        if df == 1:
            return 2 * theta / math.pi
        term, total = c, c
        for k in range(3, df - 1, 2):
            term *= (k - 1) / k * c * c
            total += term
        return 2 / math.pi * (theta + s * total)
    term, total = 1.0, 1.0
    for k in range(2, df - 1, 2):
        term *= (k - 1) / k * c * c
        total += term
    return s * total
