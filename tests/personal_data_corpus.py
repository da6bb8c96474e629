"""Load the personal-data corpus and score the scanner against it.

Shared by the corpus test and ``bench/pii_corpus_report.py``. Scoring is per sentence
and kind: a kind found in a sentence that expects it is a true positive, found where
not expected a false positive, expected but not found a false negative.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rcrp_tui.domain.personal_data import PersonalDataKind, scan

CORPUS = Path(__file__).parent / "data" / "personal_data_corpus.toml"
#: Sentences about people, places and vehicles (names without titles, addresses, plates).
PEOPLE_CORPUS = Path(__file__).parent / "data" / "personal_data_corpus_people.toml"
#: Written after the first two had been scored once: scored on first sight, then kept.
HELD_OUT_CORPUS = Path(__file__).parent / "data" / "personal_data_corpus_heldout.toml"
CORPORA = (CORPUS, PEOPLE_CORPUS, HELD_OUT_CORPUS)
#: The date the corpus's dates of birth are judged against.
CORPUS_TODAY = date(2026, 11, 24)


@dataclass(frozen=True)
class Case:
    text: str
    kinds: frozenset[PersonalDataKind]


@dataclass(frozen=True)
class KindScore:
    kind: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0


@dataclass(frozen=True)
class CorpusScore:
    cases: int
    clean_cases: int
    per_kind: tuple[KindScore, ...]
    overall: KindScore
    misses: tuple[str, ...]


def load_corpus(paths: tuple[Path, ...] = CORPORA) -> list[Case]:
    """Every case in the corpus files."""
    cases: list[Case] = []
    for path in paths:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
        cases.extend(
            Case(item["text"], frozenset(PersonalDataKind(k) for k in item["kinds"]))
            for item in raw["case"]
        )
    return cases


def score_corpus(cases: list[Case], today: date = CORPUS_TODAY) -> CorpusScore:
    """Precision and recall of ``scan`` per kind and overall (micro-averaged)."""
    counts = {kind: [0, 0, 0] for kind in PersonalDataKind}
    misses: list[str] = []
    for case in cases:
        found = {f.kind for f in scan(case.text, today=today)}
        for kind in PersonalDataKind:
            if kind in found and kind in case.kinds:
                counts[kind][0] += 1
            elif kind in found:
                counts[kind][1] += 1
                misses.append(f"false {kind.value}: {case.text}")
            elif kind in case.kinds:
                counts[kind][2] += 1
                misses.append(f"missed {kind.value}: {case.text}")
    per_kind = tuple(KindScore(kind.value, *counts[kind]) for kind in PersonalDataKind)
    overall = KindScore(
        "overall",
        sum(k.true_positives for k in per_kind),
        sum(k.false_positives for k in per_kind),
        sum(k.false_negatives for k in per_kind),
    )
    clean = sum(1 for case in cases if not case.kinds)
    return CorpusScore(len(cases), clean, per_kind, overall, tuple(misses))


def report_lines(result: CorpusScore) -> list[str]:
    """The score as a small text table."""
    lines = [
        f"{result.cases} sentences ({result.cases - result.clean_cases} with personal data, "
        f"{result.clean_cases} without)",
        f"{'kind':<21} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}",
    ]
    for row in (*result.per_kind, result.overall):
        lines.append(
            f"{row.kind:<21} {row.true_positives:>4} {row.false_positives:>4} "
            f"{row.false_negatives:>4} {row.precision:>10.3f} {row.recall:>8.3f}"
        )
    lines.extend(result.misses)
    return lines
