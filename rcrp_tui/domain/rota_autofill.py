"""Propose floorwalkers for the gaps in a rota, most important gaps first, load shared fairly.

A greedy fill with priorities: each team's first shift of each type (its go-live briefing)
first, then nights and weekends, then the rest, each in time order. Each gap goes to the
floorwalker who can take it without breaking any rule and has the lightest load so far
(fewest nights for a night, fewest weekends for a weekend, then fewest shifts).

Because the rules only ever get stricter as assignments are added, a gap the fill leaves
open is one that no floorwalker could take without breaking a rule, given the rest of the
rota: the proposal is maximal. It is not a search for the largest possible fill, which a
supervisor can still improve by hand (and see at once on the coverage view).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rcrp_tui.domain.rota import Assignment, RuleBook, SlotKey, TeamShift


@dataclass(frozen=True)
class Load:
    """One floorwalker's share of the rota, after the proposal."""

    floorwalker_id: int
    name: str
    shifts: int
    nights: int
    weekends: int
    proposed: int


@dataclass(frozen=True)
class Proposal:
    """Assignments to add, the gaps that stay open, and each person's load."""

    assignments: tuple[Assignment, ...]
    unfilled: tuple[TeamShift, ...]
    loads: tuple[Load, ...]


def priority(shift: TeamShift) -> int:
    """0 for a team's first shift of a type, 1 for nights and weekends, 2 for the rest."""
    if shift.is_first:
        return 0
    if shift.is_night or shift.is_weekend:
        return 1
    return 2


@dataclass
class _Tally:
    shifts: int = 0
    nights: int = 0
    weekends: int = 0
    proposed: int = 0


def propose(
    shifts: Sequence[TeamShift],
    existing: Iterable[Assignment],
    floorwalkers: Sequence[int],
    rules: RuleBook,
) -> Proposal:
    """Fill as many gaps as the rules allow; nothing in ``existing`` is moved."""
    by_key = {s.key: s for s in shifts}
    held: dict[int, list[SlotKey]] = {p: [] for p in floorwalkers}
    filled: set[SlotKey] = set()
    tally: dict[int, _Tally] = {p: _Tally() for p in floorwalkers}
    for a in existing:
        filled.add(a.key)
        held.setdefault(a.floorwalker_id, []).append(a.key)
        shift = by_key.get(a.key)
        t = tally.get(a.floorwalker_id)
        if t is not None and shift is not None:
            t.shifts += 1
            t.nights += shift.is_night
            t.weekends += shift.is_weekend

    gaps = sorted(
        (s for s in shifts if s.key not in filled),
        key=lambda s: (priority(s), s.start_utc, s.team_name, s.key),
    )
    added: list[Assignment] = []
    unfilled: list[TeamShift] = []
    for gap in gaps:
        candidates = [p for p in floorwalkers if not rules.check(p, gap.key, held[p])]
        if not candidates:
            unfilled.append(gap)
            continue

        def fairness(person: int, gap: TeamShift = gap) -> tuple[int, int, int, int]:
            t = tally[person]
            return (
                t.nights if gap.is_night else 0,
                t.weekends if gap.is_weekend else 0,
                t.shifts,
                person,
            )

        chosen = min(candidates, key=fairness)
        held[chosen].append(gap.key)
        t = tally[chosen]
        t.shifts += 1
        t.nights += gap.is_night
        t.weekends += gap.is_weekend
        t.proposed += 1
        added.append(Assignment(chosen, gap.key))

    loads = tuple(
        Load(
            p,
            rules.names.get(p, f"floorwalker #{p}"),
            tally[p].shifts,
            tally[p].nights,
            tally[p].weekends,
            tally[p].proposed,
        )
        for p in floorwalkers
    )
    unfilled.sort(key=lambda s: (s.start_utc, s.team_name))
    return Proposal(tuple(added), tuple(unfilled), loads)
