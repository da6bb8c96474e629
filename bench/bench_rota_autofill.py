"""Time the rota auto-fill: a 42-day window, 5 teams on 8-hour earlies/lates/nights,
10 floorwalkers (two of them on a week's leave); then a short-staffed case with 3.
Prints the figures; asserts nothing.

    python bench/bench_rota_autofill.py
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

from rcrp_tui.domain.rota import Leave, RuleBook, TeamSpec, expand_window
from rcrp_tui.domain.rota_autofill import propose
from rcrp_tui.domain.shift_patterns import load_patterns

RUNS = 20


def main() -> None:
    patterns = load_patterns()
    go_live = date(2026, 10, 19)  # spans the October clock change
    cases = (("eln-8h", 5, 10), ("6on4off-10h", 5, 10), ("2d2n4off-12h", 4, 10), ("eln-8h", 5, 3))
    for name, team_count, people in cases:
        pattern = patterns[name]
        step = pattern.cycle_length // team_count
        teams = [TeamSpec(i + 1, f"Team {i + 1}", pattern, i * step) for i in range(team_count)]
        # Three floorwalkers cannot cover everything: the repair passes do the most work.
        staff = list(range(1, people + 1))
        leave = [
            Leave(1, go_live + timedelta(days=3), go_live + timedelta(days=9)),
            Leave(2, go_live + timedelta(days=20), go_live + timedelta(days=26)),
        ]
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            shifts = expand_window(teams, go_live, 42)
            book = RuleBook({s.key: s for s in shifts}, leave)
            proposal = propose(shifts, [], staff, book)
            timings.append(time.perf_counter() - started)
        print(
            f"{name}: {len(shifts)} team-shifts, {len(staff)} floorwalkers, "
            f"filled {len(proposal.assignments)}, open {len(proposal.unfilled)}; "
            f"median {statistics.median(timings) * 1000:.1f} ms, "
            f"worst {max(timings) * 1000:.1f} ms over {RUNS} runs"
        )


if __name__ == "__main__":
    main()
