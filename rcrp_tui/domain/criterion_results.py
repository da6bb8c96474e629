"""A criterion's answers in a set of reviews, and its compliance (docs/domain-rules.md).

The one rule the sample results and the KPIs both count by: compliance is met out of met,
partially met and not met, with its Wilson 95% interval; not applicable is counted apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rcrp_tui.domain.statistics import Proportion, wilson_interval


@dataclass(frozen=True)
class CriterionResult:
    code: str
    met: int
    partial: int
    not_met: int
    not_applicable: int
    compliance: Proportion  # met out of met + partial + not met

    @classmethod
    def tally(cls, code: str, answers: Mapping[str, int]) -> CriterionResult:
        """The result for ``code`` from its answer counts (met, partial, not_met, na)."""
        met, partial, not_met = (answers.get(k, 0) for k in ("met", "partial", "not_met"))
        return cls(
            code=code,
            met=met,
            partial=partial,
            not_met=not_met,
            not_applicable=answers.get("na", 0),
            compliance=wilson_interval(met, met + partial + not_met),
        )
