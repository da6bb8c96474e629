"""RCRP implementation phases: numbered 1 to 9, as a decision's phase is.

The College of Policing model (docs/domain-rules.md §3) has four: 1 concern for welfare;
2 walk-outs from healthcare and AWOL patients; 3 conveyance; 4 s136 handovers and
voluntary patients. Forces choose their own phasing, so any number a decision may carry
is a known phase; anything else is refused with the range it must be in.
"""

from __future__ import annotations

FIRST_PHASE = 1
LAST_PHASE = 9


def parse_phase(raw: str) -> int:
    """The phase number in ``raw``; ValueError in the user's words when it is not one."""
    text = raw.strip()
    if not (text.isdigit() and FIRST_PHASE <= int(text) <= LAST_PHASE):
        raise ValueError(f"phase {raw!r} is not a phase number from {FIRST_PHASE} to {LAST_PHASE}")
    return int(text)
