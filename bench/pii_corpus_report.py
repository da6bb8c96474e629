"""Precision and recall of the personal-data scanner over the test corpus, per kind and
overall, followed by every false alarm and miss. Prints the figures; asserts nothing.

    python bench/pii_corpus_report.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# The corpus and its scorer live with the tests; run from anywhere in the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.personal_data_corpus import load_corpus, report_lines, score_corpus


def main() -> None:
    for line in report_lines(score_corpus(load_corpus())):
        print(line)


if __name__ == "__main__":
    main()
