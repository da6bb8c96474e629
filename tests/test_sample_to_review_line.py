"""The samples screen says why the number to review differs from the number drawn."""

from __future__ import annotations

import pytest

from rcrp_tui.ui.sampling.samples import to_review


@pytest.mark.parametrize(
    ("total", "drawn", "skipped", "replaced", "line"),
    [
        (30, 30, 0, 0, ""),
        (29, 30, 1, 1, "To review: 29 = 30 drawn + 1 replacement - 1 skipped - 1 replaced\n"),
        (28, 30, 2, 0, "To review: 28 = 30 drawn - 2 skipped\n"),
        (30, 30, 0, 2, "To review: 30 = 30 drawn + 2 replacements - 2 replaced\n"),
        # A replaced item whose stratum had nothing left to draw: no replacement came.
        (29, 30, 0, 1, "To review: 29 = 30 drawn - 1 replaced\n"),
    ],
)
def test_the_line_adds_up_to_the_number_to_review(
    total: int, drawn: int, skipped: int, replaced: int, line: str
) -> None:
    assert to_review(total, drawn, skipped, replaced) == line
