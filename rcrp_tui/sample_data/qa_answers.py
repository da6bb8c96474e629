"""Realistic answers for the demo's reviews, composed from a seeded random source.

A reviewer's answers follow their overall judgement: an appropriate decision is mostly Met,
a weak rationale shows as Partially met on the rationale criterion, a missed deployment
fails the critical real-and-immediate criterion (C05). N/A appears only where the toolkit
allows it, and mostly where it fits (partner's steps for a member of the public).

Notes are short fixed phrases about the record, never about a person: no names, places,
numbers or dates, so the personal-data guard has nothing to find.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from rcrp_tui.domain.enums import CallerType, Outcome, ThresholdBasis
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.domain.toolkit import Criterion
from rcrp_tui.services.decisions.queries import DecisionRow
from rcrp_tui.services.reviews.records import AnswerEntry

CRITICAL = "C05"
RATIONALE = "C12"
AGENCY = "C09"

#: (Met, Partially met, Not met) weights for an ordinary criterion under each judgement.
_MIX: dict[Judgement, tuple[int, int, int]] = {
    Judgement.APPROPRIATE: (90, 8, 2),
    Judgement.APPROPRIATE_RATIONALE_WEAK: (66, 25, 9),
    Judgement.SHOULD_HAVE_DEPLOYED: (58, 27, 15),
    Judgement.DEPLOYED_UNNECESSARILY: (70, 22, 8),
    Judgement.WRONG_AGENCY_OR_ROUTE: (68, 22, 10),
}
#: Chance of N/A, where the toolkit allows it, by criterion (others: the default).
_NA_CHANCE = {"C04": 0.45, "C06": 0.3, "C07": 0.35, "C11": 0.1}
_NA_DEFAULT = 0.08

#: Notes for a particular criterion, by the answer they explain.
_SPECIFIC: dict[tuple[str, Answer], tuple[str, ...]] = {
    (CRITICAL, Answer.NOT_MET): (
        "Risk was present and ongoing; the real and immediate test was not applied.",
        "Threshold met on the facts recorded, but police did not attend.",
    ),
    (CRITICAL, Answer.PARTIAL): (
        "Test named but not applied to the facts given.",
        "Risk described as possible later, not real and immediate.",
    ),
    (RATIONALE, Answer.PARTIAL): (
        "Rationale is boilerplate; THRIVE not reasoned.",
        "Qualifier code missing from the closing code.",
    ),
    (RATIONALE, Answer.NOT_MET): (
        "No rationale beyond a closing phrase.",
        "Rationale does not support the outcome.",
    ),
    (AGENCY, Answer.NOT_MET): (
        "Referred to the wrong service for this need.",
        "Advice only; a warm transfer was needed.",
    ),
    (AGENCY, Answer.PARTIAL): ("Referral made but not confirmed as accepted.",),
    ("C10", Answer.PARTIAL): ("Caller not told clearly that police would not attend.",),
    ("C02", Answer.PARTIAL): ("Checks done but the result was not used.",),
}
_GENERIC: dict[Answer, tuple[str, ...]] = {
    Answer.PARTIAL: (
        "Partly covered in the rationale.",
        "Asked, but the answer was not recorded.",
        "Considered briefly; reasoning thin.",
    ),
    Answer.NOT_MET: (
        "Not recorded.",
        "Not considered on the call.",
        "No evidence this was asked.",
    ),
}
_NOTE_CHANCE = 0.7

ADJUSTMENT_REASON = (
    "Adjusted in moderation: {code} lowered to Partially met; not shown in the rationale."
)
ACK_COMMENTS = ("", "", "Read and understood.", "Thank you, noted for future calls.")


def judgement_for(rng: random.Random, decision: DecisionRow) -> Judgement:
    """The overall judgement a reviewer reaches on ``decision``.

    Deployed decisions with no threshold found are the "deployed unnecessarily" candidates;
    not-deployed ones where a threshold was found are the missed deployments. Thin
    boilerplate rationales are marked weak.
    """
    roll = rng.random()
    if decision.outcome is Outcome.DEPLOYED:
        if decision.threshold_basis is ThresholdBasis.NONE or roll < 0.55:
            return Judgement.DEPLOYED_UNNECESSARILY
        return Judgement.APPROPRIATE
    if decision.threshold_basis is not ThresholdBasis.NONE and roll < 0.4:
        return Judgement.SHOULD_HAVE_DEPLOYED
    if len(decision.rationale) < 40 or roll < 0.14:
        return Judgement.APPROPRIATE_RATIONALE_WEAK
    if roll < 0.2:
        return Judgement.WRONG_AGENCY_OR_ROUTE
    return Judgement.APPROPRIATE


def _forced(judgement: Judgement, rng: random.Random) -> dict[str, Answer]:
    """The answers a judgement implies, whatever the ordinary mix would give."""
    if judgement is Judgement.SHOULD_HAVE_DEPLOYED:
        return {CRITICAL: Answer.NOT_MET, "TH-R": rng.choice((Answer.NOT_MET, Answer.PARTIAL))}
    if judgement is Judgement.APPROPRIATE_RATIONALE_WEAK:
        return {
            RATIONALE: rng.choice((Answer.PARTIAL, Answer.PARTIAL, Answer.NOT_MET)),
            CRITICAL: Answer.PARTIAL if rng.random() < 0.3 else Answer.MET,
        }
    if judgement is Judgement.WRONG_AGENCY_OR_ROUTE:
        return {AGENCY: Answer.NOT_MET, CRITICAL: Answer.MET}
    if judgement is Judgement.DEPLOYED_UNNECESSARILY:
        return {CRITICAL: Answer.PARTIAL}
    # Only a missed deployment fails the critical criterion.
    return {CRITICAL: Answer.PARTIAL if rng.random() < 0.04 else Answer.MET}


def compose(
    rng: random.Random,
    criteria: Sequence[Criterion],
    decision: DecisionRow,
    judgement: Judgement,
) -> dict[str, AnswerEntry]:
    """An answer, with a note where one would be written, for every applicable criterion."""
    forced = _forced(judgement, rng)
    weights = _MIX[judgement]
    out: dict[str, AnswerEntry] = {}
    for criterion in criteria:
        code = criterion.code
        if code in forced:
            answer = forced[code]
        elif criterion.na_allowed and _na_fits(rng, code, decision):
            answer = Answer.NA
        else:
            answer = rng.choices((Answer.MET, Answer.PARTIAL, Answer.NOT_MET), weights)[0]
        out[code] = AnswerEntry(answer, note_for(rng, code, answer, always=code in forced))
    return out


def _na_fits(rng: random.Random, code: str, decision: DecisionRow) -> bool:
    if code == "C08":  # partner's reasonable steps: N/A for a member of the public
        return decision.caller_type is CallerType.PUBLIC
    return rng.random() < _NA_CHANCE.get(code, _NA_DEFAULT)


def note_for(rng: random.Random, code: str, answer: Answer, *, always: bool = False) -> str:
    """A short note explaining a Partially met or Not met answer (often none)."""
    if answer in (Answer.MET, Answer.NA):
        return ""
    if not always and rng.random() >= _NOTE_CHANCE:
        return ""
    return rng.choice(_SPECIFIC.get((code, answer)) or _GENERIC[answer])


def draft_part(rng: random.Random, answers: dict[str, AnswerEntry]) -> dict[str, AnswerEntry]:
    """The first part of a set of answers: what a reviewer has done before saving a draft."""
    codes = list(answers)
    keep = rng.randint(len(codes) // 3, max(len(codes) // 3, len(codes) - 3))
    return {code: answers[code] for code in codes[:keep]}


def adjustment(
    rng: random.Random, answers: dict[str, AnswerEntry]
) -> tuple[dict[str, AnswerEntry], str] | None:
    """A moderator's change: one Met, non-critical criterion lowered, with the reason."""
    met = [c for c, e in answers.items() if e.answer is Answer.MET and c != CRITICAL]
    if not met:
        return None
    code = rng.choice(met)
    changed = dict(answers)
    changed[code] = AnswerEntry(Answer.PARTIAL, "Lowered in moderation.")
    return changed, ADJUSTMENT_REASON.format(code=code)
