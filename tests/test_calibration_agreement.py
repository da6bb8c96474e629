"""Agreement statistics for calibration, against published worked examples (issue 16)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rcrp_tui.domain.calibration.agreement import (
    ORDER,
    Estimate,
    agreement_with_reference,
    cohen_kappa,
    divergence_note,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    rating_of,
    raw_agreement,
    t_quantile,
    too_few_words,
)
from rcrp_tui.domain.scoring import Answer

# Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C: reliability
# data of 4 observers (rows) coding 12 units (columns) on values 1-5, "*" = missing.
# The same data are Gwet's (Handbook of Inter-Rater Reliability, 4th ed., 2014) and the
# irrCAC packages' ``raw_4raters`` / ``cac.raw4raters``.
_ = None
KRIPPENDORFF_OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]
FIVE = ["1", "2", "3", "4", "5"]


def _units(observers: list[list[int | None]]) -> list[list[str | None]]:
    """Observers-by-units as table[unit][rater] of labels."""
    return [[None if v is None else str(v) for v in unit] for unit in zip(*observers, strict=True)]


KRIPPENDORFF_TABLE = _units(KRIPPENDORFF_OBSERVERS)


def _from_counts(counts: list[list[int]], labels: list[str]) -> list[list[str | None]]:
    """A table whose unit i has counts[i][k] ratings of labels[k]."""
    return [
        [label for label, c in zip(labels, row, strict=True) for _ in range(c)] for row in counts
    ]


def _pairs(cells: dict[tuple[str, str], int]) -> tuple[list[str | None], list[str | None]]:
    """Two raters' ratings from a contingency table {(rater A, rater B): count}."""
    a: list[str | None] = []
    b: list[str | None] = []
    for (x, y), count in cells.items():
        a += [x] * count
        b += [y] * count
    return a, b


# ------------------------------------------------------------------ Krippendorff's alpha


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_krippendorff_alpha_reproduces_krippendorffs_reliability_data_example(
    level: str, published: float
) -> None:
    # Krippendorff (2011), section C: alpha nominal 0.743, ordinal 0.815, interval 0.849.
    result = krippendorff_alpha(KRIPPENDORFF_TABLE, level, order=FIVE)  # type: ignore[arg-type]
    assert result.value == pytest.approx(published, abs=5e-4)
    # Unit 12 has one value only and cannot be paired; 40 pairable values remain.
    assert (result.n_units, result.n_ratings) == (11, 40)
    assert "1 decision with fewer than two answers" in result.note
    assert result.low is not None and result.high is not None
    assert result.low < result.value <= result.high <= 1.0


def test_krippendorff_alpha_interval_is_the_same_every_time() -> None:
    first = krippendorff_alpha(KRIPPENDORFF_TABLE, "ordinal", order=FIVE)
    second = krippendorff_alpha(KRIPPENDORFF_TABLE, "ordinal", order=FIVE)
    assert first == second
    assert first.low is not None and first.low < 0.7


def test_krippendorff_alpha_ordinal_uses_the_order_given() -> None:
    # Swapping the order of two categories changes ordinal distances, so the figure.
    shuffled = ["1", "2", "5", "4", "3"]
    ordinal = krippendorff_alpha(KRIPPENDORFF_TABLE, "ordinal", order=shuffled)
    nominal = krippendorff_alpha(KRIPPENDORFF_TABLE, "nominal", order=shuffled)
    assert ordinal.value != pytest.approx(0.815, abs=5e-4)
    assert nominal.value == pytest.approx(0.743, abs=5e-4)  # nominal ignores order


def test_krippendorff_alpha_default_order_is_the_criterion_answers() -> None:
    assert (Answer.MET.value, Answer.PARTIAL.value, Answer.NOT_MET.value) == ORDER
    table = [["met", "met"], ["partial", "partial"], ["not_met", "not_met"], ["met", "partial"]]
    result = krippendorff_alpha(table, "ordinal")
    assert result == krippendorff_alpha(table, "ordinal", order=ORDER)
    assert result.value != krippendorff_alpha(table, "ordinal", order=("met", "not_met", "partial"))


# ------------------------------------------------------------------------- Fleiss' kappa


def test_fleiss_kappa_reproduces_fleiss_1971_example() -> None:
    # Fleiss, Psychological Bulletin 76 (1971) 378-382; the worked example of Wikipedia's
    # "Fleiss' kappa" article: 10 subjects, 14 raters, 5 categories, P = 0.378,
    # Pe = 0.213, kappa = 0.210.
    counts = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    result = fleiss_kappa(_from_counts(counts, FIVE), FIVE)
    assert result.value == pytest.approx(0.210, abs=5e-4)
    assert (result.n_units, result.n_ratings) == (10, 140)


def test_fleiss_kappa_with_missing_ratings_reproduces_gwets_published_figures() -> None:
    # Gwet (2014) data as above; irrCAC documentation (R vignette "Calculating
    # Chance-corrected Agreement Coefficients" and the Python irrCAC.raw docstring):
    # Fleiss' kappa 0.76117, standard error 0.15302, 95% interval (0.42438, 1).
    result = fleiss_kappa(KRIPPENDORFF_TABLE, FIVE)
    assert result.value == pytest.approx(0.76117, abs=5e-5)
    assert result.low == pytest.approx(0.42438, abs=5e-5)
    assert result.high == 1.0


# ---------------------------------------------------------------------------- Gwet's AC1


def test_gwet_ac1_reproduces_gwets_published_example() -> None:
    # Gwet (2014) 4 raters x 12 subjects; irrCAC documentation (R ``gwet.ac1.raw`` on
    # cac.raw4raters, Python ``CAC(raw_4raters).gwet()``): AC1 0.77544, pa 0.81818,
    # pe 0.19032, standard error 0.14295, 95% interval (0.46081, 1).
    result = gwet_ac1(KRIPPENDORFF_TABLE, FIVE)
    assert result.value == pytest.approx(0.77544, abs=5e-5)
    assert result.low == pytest.approx(0.46081, abs=5e-5)
    assert result.high == 1.0
    # The standard error behind the interval: half-width / t(0.975, 11).
    se = (result.value - result.low) / t_quantile(0.975, 11)
    assert se == pytest.approx(0.14295, abs=5e-5)
    assert (result.n_units, result.n_ratings) == (11, 40)


def test_raw_agreement_is_gwets_pa_on_the_same_data() -> None:
    # Same source: percent agreement pa = 0.81818 (9/11).
    result = raw_agreement(KRIPPENDORFF_TABLE)
    assert result.value == pytest.approx(0.81818, abs=5e-5)
    assert result.n_units == 11
    assert result.low is not None and result.high is not None
    assert result.low < result.value < result.high < 1


# ------------------------------------------------------------------------- Cohen's kappa


def test_cohen_kappa_reproduces_the_textbook_yes_no_example() -> None:
    # Wikipedia "Cohen's kappa", simple example: 50 grant proposals, both Yes 20,
    # A Yes B No 5, A No B Yes 10, both No 15; po = 0.7, pe = 0.5, kappa = 0.4.
    a, b = _pairs({("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15})
    result = cohen_kappa(a, b)
    assert result.value == pytest.approx(0.4, abs=5e-4)
    assert (result.n_units, result.n_ratings) == (50, 100)


def test_cohen_kappa_reproduces_gwets_abstractors_example_with_its_interval() -> None:
    # Gwet (2014) cont3x3abstractors; irrCAC R vignette, kappa2.table: kappa 0.7964094,
    # standard error 0.05891072, 95% interval (0.68, 0.913).
    a, b = _pairs(
        {
            ("ectopic", "ectopic"): 13,
            ("aiu", "aiu"): 20,
            ("aiu", "niu"): 7,
            ("niu", "aiu"): 4,
            ("niu", "niu"): 56,
        }
    )
    result = cohen_kappa(a, b)
    assert result.value == pytest.approx(0.7964094, abs=5e-7)
    assert result.low == pytest.approx(0.680, abs=5e-4)
    assert result.high == pytest.approx(0.913, abs=5e-4)
    assert result.high is not None
    se = (result.high - result.value) / t_quantile(0.975, 99)
    assert se == pytest.approx(0.05891072, abs=5e-7)


def test_cohen_kappa_leaves_out_decisions_a_grader_skipped() -> None:
    a, b = _pairs({("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15})
    result = cohen_kappa([*a, "yes", None], [*b, None, "no"])
    assert result.value == pytest.approx(0.4, abs=5e-4)
    assert result.n_units == 50
    assert "2 decisions not rated by both left out" in result.note


def test_t_quantile_matches_published_tables() -> None:
    # Student's t table, two-sided 95%: df 1 12.706, df 2 4.303, df 11 2.201, df 99 1.984.
    assert t_quantile(0.975, 1) == pytest.approx(12.706, abs=5e-4)
    assert t_quantile(0.975, 2) == pytest.approx(4.303, abs=5e-4)
    assert t_quantile(0.975, 11) == pytest.approx(2.201, abs=5e-4)
    assert t_quantile(0.975, 99) == pytest.approx(1.984, abs=5e-4)


# ----------------------------------------------------------------------------- edge cases


def test_everyone_answering_met_everywhere_leaves_kappa_undefined_and_ac1_at_one() -> None:
    table = [["met", "met", "met"] for _ in range(12)]
    fleiss = fleiss_kappa(table, ORDER)
    assert fleiss.value is None and fleiss.low is None and fleiss.high is None
    assert "every answer is in the same category (met)" in fleiss.note
    assert fleiss.n_units == 12
    cohen = cohen_kappa([row[0] for row in table], [row[1] for row in table])
    assert cohen.value is None and "same category" in cohen.note
    alpha = krippendorff_alpha(table, "ordinal")
    assert alpha.value is None and "same category" in alpha.note
    ac1 = gwet_ac1(table, ORDER)
    assert ac1.value == 1.0 and ac1.low == 1.0 and ac1.high == 1.0
    assert raw_agreement(table).value == 1.0
    note = divergence_note(fleiss, ac1)
    assert note is not None and "cannot be computed" in note


def test_a_grader_who_skipped_decisions_is_left_out_of_those_decisions_only() -> None:
    # Grader 3 skipped decisions 4 and 5; the other two still pair there.
    table = [
        ["met", "met", "met"],
        ["met", "partial", "met"],
        ["not_met", "not_met", "not_met"],
        ["partial", "partial", None],
        ["met", "not_met", None],
        ["partial", "partial", "partial"],
    ]
    for estimate in (fleiss_kappa(table, ORDER), gwet_ac1(table, ORDER), raw_agreement(table)):
        assert (estimate.n_units, estimate.n_ratings) == (6, 16)
        assert estimate.value is not None
    # One agreeing pair of three in decision 2 (met, partial, met), none in 5: (4 + 1/3) / 6.
    assert raw_agreement(table).value == pytest.approx((4 + 1 / 3) / 6)
    alpha = krippendorff_alpha(table, "ordinal")
    assert alpha.n_ratings == 16 and alpha.value is not None
    assert "Only 6 decisions: the interval is wide" in alpha.note


def test_decisions_with_fewer_than_two_answers_are_left_out_and_said_so() -> None:
    table = [["met", "met"], ["partial", "partial"], ["met", None], [None, None], ["not_met"]]
    result = raw_agreement(table)
    assert result.value == 1.0 and result.n_units == 2
    assert "3 decisions with fewer than two answers left out" in result.note
    alone = raw_agreement([["met", None], [None, "partial"]])
    assert alone.value is None and alone.n_units == 0
    assert "two or more graders" in alone.note
    for estimate in (
        fleiss_kappa([["met"], ["partial"]], ORDER),
        gwet_ac1([["met"], ["partial"]], ORDER),
        krippendorff_alpha([["met"], ["partial"]], "nominal"),
    ):
        assert estimate == Estimate(
            None, None, None, 0, 0, "No decision has answers from two or more graders."
        )


def test_a_single_pairable_decision_gives_a_figure_but_no_interval() -> None:
    for table in ([["met", "partial", "met"]], [["met", "partial", "met"], ["met"], ["not_met"]]):
        for estimate in (
            fleiss_kappa(table, ORDER),
            gwet_ac1(table, ORDER),
            raw_agreement(table),
            krippendorff_alpha(table, "ordinal"),
        ):
            assert estimate.value is not None and estimate.n_units == 1
            assert estimate.low is None and estimate.high is None
            assert estimate.too_few and too_few_words(estimate) == "too few to judge (n=1)"
            assert "Too few to judge (n=1): only 1 decision with two or more answers" in (
                estimate.note
            )


def test_no_statistic_gives_an_interval_from_fewer_than_three_units() -> None:
    # Raw agreement once gave a Wilson interval from one decision (100% [21-100]); every
    # figure from one or two units now says it is too few to judge instead.
    one = [["met", "met", "met", "met"]]
    two = [["met", "met", "partial"], ["partial", "partial", "not_met"]]
    for table in (one, two):
        n = len(table)
        for estimate in (
            raw_agreement(table),
            fleiss_kappa(table, ORDER),
            gwet_ac1(table, ORDER),
            krippendorff_alpha(table, "ordinal"),
            cohen_kappa([r[0] for r in table], [r[2] for r in table]),
            agreement_with_reference([r[0] for r in table], [r[1] for r in table]),
        ):
            assert estimate.n_units == n
            assert (estimate.low, estimate.high) == (None, None), estimate
            if estimate.value is not None:
                assert estimate.too_few and f"Too few to judge (n={n})" in estimate.note
    three = [*two, ["met", "met", "met"]]
    for estimate in (
        raw_agreement(three),
        gwet_ac1(three, ORDER),
        agreement_with_reference([r[0] for r in three], [r[1] for r in three]),
    ):
        assert not estimate.too_few and estimate.low is not None and estimate.high is not None


def test_the_prevalence_paradox_gets_a_sentence_and_ordinary_figures_do_not() -> None:
    # 3 graders, 20 decisions: nearly all Met, three with one grader saying Partially met.
    table = [["met", "met", "met"] for _ in range(17)]
    table += [["met", "met", "partial"], ["partial", "met", "met"], ["met", "partial", "met"]]
    kappa = fleiss_kappa(table, ORDER)
    ac1 = gwet_ac1(table, ORDER)
    # By hand: pa = 0.85 + 0.15 x 1/3 = 0.9; pi(met) = 0.95, pi(partial) = 0.05.
    # Fleiss pe = 0.95² + 0.05² = 0.905, kappa = (0.9 - 0.905) / 0.095 = -0.053;
    # AC1 pe = (0.95 x 0.05 + 0.05 x 0.95) / 2 = 0.0475, AC1 = 0.8525 / 0.9525 = 0.895.
    assert kappa.value == pytest.approx(-0.005 / 0.095)
    assert ac1.value == pytest.approx(0.8525 / 0.9525)
    note = divergence_note(kappa, ac1)
    assert note is not None
    assert f"Kappa {kappa.value:.2f} is low but AC1 {ac1.value:.2f} is high" in note
    # When both are high (Krippendorff's example) there is nothing to explain.
    assert (
        divergence_note(fleiss_kappa(KRIPPENDORFF_TABLE, FIVE), gwet_ac1(KRIPPENDORFF_TABLE, FIVE))
        is None
    )
    # Nor when both are low.
    low = Estimate(0.1, 0.0, 0.3, 20, 60)
    assert divergence_note(low, low) is None


def test_agreement_with_the_reference_uses_wilson_and_skips_missing() -> None:
    grader = ["met", "met", "partial", "not_met", "met", "met", "met", "partial", "met", "met"]
    grader += [None, "met"]
    reference = ["met", "met", "partial", "not_met", "met", "met", "met", "met", "met", "partial"]
    reference += ["met", None]
    result = agreement_with_reference(grader, reference)
    assert result.value == pytest.approx(0.8)
    # Wilson 95% interval for 8/10: 0.490 to 0.943 (Newcombe 1998, method 3).
    assert result.low == pytest.approx(0.4902, abs=5e-4)
    assert result.high == pytest.approx(0.9433, abs=5e-4)
    assert result.n_units == 10
    assert "2 decisions without both answers left out" in result.note


def test_wrong_input_is_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="'maybe' is not one of the categories"):
        fleiss_kappa([["met", "maybe"]], ORDER)
    with pytest.raises(ValueError, match="'maybe' is not one of the categories"):
        krippendorff_alpha([["met", "maybe"]], "ordinal")
    with pytest.raises(ValueError, match="differ in length"):
        cohen_kappa(["met"], ["met", "met"])
    with pytest.raises(ValueError, match="at least two categories"):
        gwet_ac1([["met", "met"]], ["met"])


def test_na_counts_as_missing() -> None:
    assert rating_of(Answer.NA.value) is None
    assert rating_of(None) is None
    assert rating_of(Answer.PARTIAL.value) == "partial"


def test_importing_the_module_loads_no_numerical_library() -> None:
    code = (
        "import sys\n"
        "import rcrp_tui.domain.calibration.agreement\n"
        "heavy = sorted(m for m in ('numpy', 'krippendorff', 'scipy', 'pandas') "
        "if m in sys.modules)\n"
        "print(','.join(heavy) or 'none')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "none"
    # and computing alpha does load them (the check above would notice a renamed import)
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from rcrp_tui.domain.calibration.agreement import krippendorff_alpha\n"
            "krippendorff_alpha([['met', 'partial'], ['met', 'met']], 'nominal')\n"
            "print('numpy' in sys.modules)\n",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "True"


def test_alpha_interval_leaves_out_resamples_with_one_answer_only() -> None:
    # Five decisions, four graders; all agree on four of them, the fifth splits two and
    # two. Many resamples draw only the unanimous decisions: alpha is undefined there.
    # Counting those as 1.0 would put the interval's top at 1 for a negative alpha.
    table = [["met"] * 4] * 4 + [["met", "met", "not_met", "not_met"]]
    est = krippendorff_alpha(table, "ordinal")
    assert est.value == pytest.approx(0.296, abs=1e-3)
    assert est.high is not None and est.high < 1.0
    assert "resamples had one answer only and were left out" in est.note


def test_kappa_and_ac1_intervals_stay_between_minus_one_and_one() -> None:
    # Three decisions, three graders, answers all over the place: the t interval's
    # half-width is wider than the room below the estimate.
    table = [
        ["met", "met", "met"],
        ["met", "met", "partial"],
        ["met", "partial", "met"],
    ]
    cats = ["met", "partial", "not_met"]
    kappa = fleiss_kappa(table, cats)
    assert kappa.value == pytest.approx(-0.286, abs=1e-3)
    assert kappa.low == -1.0  # value - t x SE is below -1 here: cut at -1
    for est in (kappa, gwet_ac1(table, cats)):
        assert est.low is not None and est.high is not None and est.value is not None
        assert -1.0 <= est.low <= est.value <= est.high <= 1.0


def test_the_same_figure_reached_two_ways_prints_the_same() -> None:
    """-0.125 reached by sums in another order (one ulp either side) once printed as -.13
    on one row and -.12 on the next for criteria with identical answers."""
    from rcrp_tui.domain.calibration.agreement import Estimate
    from rcrp_tui.ui.calibration.figures import compact

    below = Estimate(-0.12499999999999997, -0.6000000000000001, 0.35, 3, 9)
    above = Estimate(-0.12500000000000003, -0.5999999999999999, 0.35, 3, 9)
    assert below == above
    assert compact(below) == compact(above)
    assert Estimate(None, None, None, 0, 0).value is None
