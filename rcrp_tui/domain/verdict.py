"""The one verdict on a review that every screen, export and report shows.

A review has a verdict only when it has been submitted with every applicable criterion
answered: then a Not met on a critical criterion is FAIL whatever the score, otherwise the
score's band decides PASS or FAIL. A draft, or a review with criteria still unanswered, has
no verdict: it reads ``draft 7/23`` (answered of applicable), never PASS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    answered: int
    applicable: int
    failed_critical: tuple[str, ...]
    draft: bool

    @property
    def words(self) -> str:
        """``PASS``, ``FAIL``, ``FAIL (critical C05 not met)`` or ``draft 7/23``."""
        if self.outcome is Outcome.INCOMPLETE:
            state = "draft" if self.draft else "incomplete"
            text = f"{state} {self.answered}/{self.applicable}"
            if self.failed_critical:
                text += f" (critical {', '.join(self.failed_critical)} not met)"
            return text
        if self.failed_critical:
            return f"FAIL (critical {', '.join(self.failed_critical)} not met)"
        return self.outcome.value

    @property
    def short(self) -> str:
        """``PASS``, ``FAIL`` or ``draft 7/23`` for narrow columns."""
        if self.outcome is Outcome.INCOMPLETE:
            return f"{'draft' if self.draft else 'incomplete'} {self.answered}/{self.applicable}"
        return self.outcome.value


def verdict(
    *,
    draft: bool,
    answered: int,
    applicable: int,
    band_passes: bool,
    failed_critical: Sequence[str] = (),
) -> Verdict:
    """Decide PASS / FAIL / incomplete.

    ``draft`` is True while the review has not been submitted; ``answered`` counts the
    applicable criteria with an answer (N/A counts as an answer); ``band_passes`` is whether
    the score's band is a passing one (False when there is no score).
    """
    failed = tuple(failed_critical)
    if draft or answered < applicable or applicable == 0:
        outcome = Outcome.INCOMPLETE
    elif failed or not band_passes:
        outcome = Outcome.FAIL
    else:
        outcome = Outcome.PASS
    return Verdict(outcome, answered, applicable, failed, draft)


def submitted_verdict(*, band_passes: bool, failed_critical: Sequence[str] = ()) -> Verdict:
    """The verdict of a submitted review: submission is refused until every applicable
    criterion is answered (``scoring.missing_for_submit``), so it is PASS or FAIL."""
    return verdict(
        draft=False,
        answered=1,
        applicable=1,
        band_passes=band_passes,
        failed_critical=failed_critical,
    )
