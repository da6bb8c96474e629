"""Property tests of the scoring rules (pure domain)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from rcrp_tui.domain.scoring import Answer, Judgement, missing_for_submit, score
from rcrp_tui.domain.toolkit import load_shipped


@dataclass(frozen=True)
class C:
    code: str
    weight: float
    critical: bool


@dataclass(frozen=True)
class B:
    name: str
    min_percent: float
    passes: bool


BANDS = (B("Good", 75, True), B("Adequate", 50, True), B("Poor", 0, False))

criteria_lists = st.lists(
    st.builds(
        C,
        code=st.just(""),
        weight=st.floats(min_value=0.1, max_value=10, allow_nan=False),
        critical=st.booleans(),
    ),
    min_size=1,
    max_size=12,
).map(lambda cs: [C(f"K{i}", c.weight, c.critical) for i, c in enumerate(cs)])


@st.composite
def scored(draw: st.DrawFn) -> tuple[list[C], dict[str, Answer]]:
    cs = draw(criteria_lists)
    answers = {c.code: draw(st.sampled_from(list(Answer))) for c in cs}
    return cs, answers


@given(scored(), st.floats(min_value=0.1, max_value=10), st.booleans())
def test_adding_an_na_criterion_never_changes_the_result(
    case: tuple[list[C], dict[str, Answer]], weight: float, critical: bool
) -> None:
    cs, answers = case
    before = score(cs, answers, BANDS)
    extra = C("EXTRA", weight, critical)
    after = score([*cs, extra], {**answers, "EXTRA": Answer.NA}, BANDS)
    assert after == before


@given(scored())
def test_percentage_is_between_0_and_100(case: tuple[list[C], dict[str, Answer]]) -> None:
    cs, answers = case
    result = score(cs, answers, BANDS)
    if all(a is Answer.NA for a in answers.values()):
        assert result.percent is None
    else:
        assert result.percent is not None
        assert 0.0 <= result.percent <= 100.0


@given(scored())
def test_any_critical_not_met_fails(case: tuple[list[C], dict[str, Answer]]) -> None:
    cs, answers = case
    result = score(cs, answers, BANDS)
    critical_failures = [c.code for c in cs if c.critical and answers[c.code] is Answer.NOT_MET]
    assert result.failed_critical == tuple(critical_failures)
    if critical_failures:
        assert not result.passed
        assert "CRITICAL FAILED" in result.describe()


@given(scored(), st.data())
def test_not_met_to_met_never_lowers_the_score(
    case: tuple[list[C], dict[str, Answer]], data: st.DataObject
) -> None:
    cs, answers = case
    not_met = [code for code, a in answers.items() if a is Answer.NOT_MET]
    if not not_met:
        answers[cs[0].code] = Answer.NOT_MET
        not_met = [cs[0].code]
    code = data.draw(st.sampled_from(not_met))
    before = score(cs, answers, BANDS)
    after = score(cs, {**answers, code: Answer.MET}, BANDS)
    assert before.percent is not None and after.percent is not None
    assert after.percent >= before.percent
    assert after.passed or not before.passed


def test_weighted_percentage_and_band() -> None:
    cs = [C("A", 3, False), C("B", 1, False), C("N", 5, False)]
    answers = {"A": Answer.MET, "B": Answer.PARTIAL, "N": Answer.NA}
    result = score(cs, answers, BANDS)
    assert result.percent == 87.5
    assert result.band == "Good" and result.passed
    assert result.describe() == "87.5% Good PASS"


def test_a_critical_not_met_fails_even_at_a_high_percentage() -> None:
    cs = [C(f"X{i}", 1, False) for i in range(20)] + [C("C05", 1, True)]
    answers = {c.code: Answer.MET for c in cs} | {"C05": Answer.NOT_MET}
    result = score(cs, answers, BANDS)
    assert result.percent is not None and result.percent > 95
    assert not result.passed
    assert result.describe().endswith("✗ CRITICAL FAILED: C05")


def test_unanswered_and_missing_judgement_are_listed() -> None:
    cs = [C("A", 1, False), C("B", 1, False), C("C", 1, False)]
    result = score(cs, {"B": Answer.MET}, BANDS)
    assert result.unanswered == ("A", "C")
    assert missing_for_submit(result, None) == [
        "unanswered criteria: A, C",
        "no overall judgement (press o)",
    ]
    full = score(cs, dict.fromkeys(("A", "B", "C"), Answer.MET), BANDS)
    assert missing_for_submit(full, Judgement.APPROPRIATE) == []


def test_shipped_toolkit_scores_a_full_review() -> None:
    toolkit = load_shipped()
    from rcrp_tui.domain.enums import Category

    applicable = toolkit.criteria_for(Category.MEDICAL)
    answers = {c.code: Answer.MET for c in applicable}
    result = score(applicable, answers, toolkit.bands)
    assert result.percent == 100.0 and result.band == "Outstanding" and result.complete


def test_a_half_scored_review_shows_no_verdict() -> None:
    """Until every criterion is answered the score is provisional: no band, no PASS."""
    criteria = [C("A", 1.0, critical=False), C("B", 1.0, critical=False)]
    partial = score(criteria, {"A": Answer.MET}, BANDS)
    assert partial.describe() == "100.0% so far (1 unanswered)"
    done = score(criteria, {"A": Answer.MET, "B": Answer.MET}, BANDS)
    assert "PASS" in done.describe() and "so far" not in done.describe()
