"""An agreement figure as the results and drift screens write it: the value with its 95%
interval, or, for a figure from too few units, the words that stand in for the interval.

A figure from fewer than ``agreement.MIN_UNITS`` units has no interval. In a narrow table
cell it reads ``1.00 too few``; in a sentence ``100%, too few to judge (n=1)``.
"""

from __future__ import annotations

from rcrp_tui.domain.calibration.agreement import Estimate, too_few_words
from rcrp_tui.ui.calibration.common import percent

#: What a table cell says in place of an interval for a figure from too few units.
TOO_FEW_CELL = "too few"


def _bare(x: float) -> str:
    """``.42``, ``-.05``; the ends of the scale as ``1`` and ``-1`` (keeps 80 columns)."""
    text = f"{x:.2f}"
    if text in ("1.00", "-1.00"):
        return text[:-3]
    if text == "-0.00":  # a tiny negative rounds to zero: no stray minus sign
        text = "0.00"
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def compact(e: Estimate) -> str:
    """``.42 [.35,.50]``, ``.90 [.59,1]``: a figure and its interval narrow enough for a
    table of four of them in 80 columns."""
    if e.value is None:
        return "n/a"
    if e.low is None or e.high is None:
        return _bare(e.value)
    return f"{_bare(e.value)} [{_bare(e.low)},{_bare(e.high)}]"


def cell(e: Estimate, *, as_percent: bool = False) -> str:
    """``.42 [.35,.50]`` / ``79% [70-85]``; ``1.00 too few`` when too few units stand behind it."""
    shown = percent(e) if as_percent else compact(e)
    return f"{shown} {TOO_FEW_CELL}" if e.too_few else shown


def words(e: Estimate, *, as_percent: bool = False) -> str:
    """``91% [85-95] (n=116)``, or ``100%, too few to judge (n=1)``."""
    shown = percent(e) if as_percent else compact(e)
    if e.too_few:
        return f"{shown}, {too_few_words(e)}"
    return f"{shown} (n={e.n_units})"
