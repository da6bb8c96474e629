"""Scoring a review: pure arithmetic over the answers, no storage, no screens.

The score is the weighted percentage of the applicable criteria: Met earns the whole
weight, Partially met half of it, Not met nothing, and N/A drops the criterion out of
both the top and the bottom of the fraction. A Not met on any critical criterion fails
the review whatever the percentage. The grading band comes from the toolkit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from rcrp_tui.domain.verdict import Verdict, verdict


class Answer(StrEnum):
    MET = "met"
    PARTIAL = "partial"
    NOT_MET = "not_met"
    NA = "na"

    @property
    def label(self) -> str:
        return _ANSWER_LABELS[self]

    @property
    def symbol(self) -> str:
        """A mark that reads without colour."""
        return _ANSWER_SYMBOLS[self]

    @property
    def credit(self) -> float:
        """The share of a criterion's weight this answer earns (N/A earns nothing and counts
        for nothing: the caller leaves it out of the denominator)."""
        return _CREDIT[self]


_ANSWER_LABELS = {
    Answer.MET: "Met",
    Answer.PARTIAL: "Partially met",
    Answer.NOT_MET: "Not met",
    Answer.NA: "N/A",
}
_ANSWER_SYMBOLS = {Answer.MET: "✓", Answer.PARTIAL: "◐", Answer.NOT_MET: "✗", Answer.NA: "-"}
_CREDIT = {Answer.MET: 1.0, Answer.PARTIAL: 0.5, Answer.NOT_MET: 0.0, Answer.NA: 0.0}


class Judgement(StrEnum):
    """The reviewer's overall judgement of the decision, separate from the score."""

    APPROPRIATE = "APPROPRIATE"
    APPROPRIATE_RATIONALE_WEAK = "APPROPRIATE_RATIONALE_WEAK"
    SHOULD_HAVE_DEPLOYED = "SHOULD_HAVE_DEPLOYED"
    DEPLOYED_UNNECESSARILY = "DEPLOYED_UNNECESSARILY"
    WRONG_AGENCY_OR_ROUTE = "WRONG_AGENCY_OR_ROUTE"

    @property
    def label(self) -> str:
        return _JUDGEMENT_LABELS[self]

    @property
    def safety_critical(self) -> bool:
        """A missed deployment is the error that can cost a life."""
        return self is Judgement.SHOULD_HAVE_DEPLOYED


_JUDGEMENT_LABELS = {
    Judgement.APPROPRIATE: "Appropriate",
    Judgement.APPROPRIATE_RATIONALE_WEAK: "Appropriate, rationale weak",
    Judgement.SHOULD_HAVE_DEPLOYED: "Should have deployed",
    Judgement.DEPLOYED_UNNECESSARILY: "Deployed unnecessarily",
    Judgement.WRONG_AGENCY_OR_ROUTE: "Wrong agency or route",
}


class ScoredCriterion(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def weight(self) -> float: ...
    @property
    def critical(self) -> bool: ...


class GradingBand(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def min_percent(self) -> float: ...
    @property
    def passes(self) -> bool: ...


@dataclass(frozen=True)
class ScoreResult:
    """Where a review stands: percentage, band, pass/fail and what is still missing."""

    percent: float | None  # None while nothing applicable has been answered
    band: str | None
    passed: bool
    failed_critical: tuple[str, ...]
    unanswered: tuple[str, ...]
    # Criteria that apply, answered or not (N/A ones too: not part of the result's value).
    applicable: int = field(default=0, compare=False)

    @property
    def complete(self) -> bool:
        return not self.unanswered

    def verdict(self, *, draft: bool) -> Verdict:
        """The review's verdict (domain/verdict.py): never PASS while a draft or incomplete."""
        return verdict(
            draft=draft,
            answered=self.applicable - len(self.unanswered),
            applicable=self.applicable,
            band_passes=self.passed,
            failed_critical=self.failed_critical,
        )

    def describe(self, *, with_verdict: bool = True) -> str:
        """One line that reads without colour, e.g. ``62.5% Adequate FAIL ✗ CRITICAL FAILED:
        C05``; ``with_verdict=False`` leaves PASS/FAIL out (a draft has no verdict yet)."""
        parts = ["no score" if self.percent is None else f"{self.percent:.1f}%"]
        if self.unanswered and self.percent is not None:
            # A half-scored review must not read as a verdict: no band, no PASS, until every
            # criterion is answered. A failed critical criterion is final, so it still shows.
            parts.append(f"so far ({len(self.unanswered)} unanswered)")
        elif self.band:
            parts.append(self.band)
        if with_verdict and self.percent is not None and not self.unanswered:
            parts.append("PASS" if self.passed else "FAIL")
        if self.failed_critical:
            parts.append("✗ CRITICAL FAILED: " + ", ".join(self.failed_critical))
        return " ".join(parts)


def score(
    criteria: Sequence[ScoredCriterion],
    answers: Mapping[str, Answer],
    bands: Sequence[GradingBand],
) -> ScoreResult:
    """Score ``answers`` against the ``criteria`` that apply (others in ``answers`` are ignored).

    Unanswered criteria count neither way: the running score is over what has been answered,
    and ``unanswered`` lists the rest so a submission can be refused.
    """
    earned = 0.0
    possible = 0.0
    failed: list[str] = []
    unanswered: list[str] = []
    for c in criteria:
        answer = answers.get(c.code)
        if answer is None:
            unanswered.append(c.code)
            continue
        if answer is Answer.NA:
            continue
        possible += c.weight
        earned += c.weight * answer.credit
        if c.critical and answer is Answer.NOT_MET:
            failed.append(c.code)
    percent = None if possible == 0 else min(100.0, max(0.0, 100.0 * earned / possible))
    band = band_for(bands, percent) if percent is not None else None
    # A pass needs every applicable criterion answered: a half-answered draft never passes.
    passed = (
        percent is not None and not failed and not unanswered and band is not None and band.passes
    )
    return ScoreResult(
        percent=percent,
        band=band.name if band else None,
        passed=passed,
        failed_critical=tuple(failed),
        unanswered=tuple(unanswered),
        applicable=len(criteria),
    )


def band_for(bands: Sequence[GradingBand], percent: float) -> GradingBand | None:
    """The highest band whose minimum ``percent`` reaches."""
    best: GradingBand | None = None
    for b in bands:
        if percent >= b.min_percent and (best is None or b.min_percent > best.min_percent):
            best = b
    return best


def missing_for_submit(result: ScoreResult, judgement: Judgement | None) -> list[str]:
    """Why a review cannot be submitted yet (empty when it can)."""
    reasons: list[str] = []
    if result.unanswered:
        reasons.append("unanswered criteria: " + ", ".join(result.unanswered))
    if judgement is None:
        reasons.append("no overall judgement (press o)")
    return reasons
