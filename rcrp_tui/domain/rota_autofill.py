"""Propose floorwalkers for the gaps in a rota, most important gaps first, load shared fairly.

A greedy fill with priorities: each team's first shift of each type (its go-live briefing)
first, then nights and weekends, then the rest, each in time order. Each gap goes to the
floorwalker who can take it without breaking any rule and has the lightest load so far
(fewest nights for a night, fewest weekends for a weekend, then fewest shifts).

A gap nobody can take is then tried again with a one-step repair: a person who could take
it if they gave up one proposed shift nearby does so, when someone else can take that
shift. Passes repeat until nothing changes, so a gap the fill leaves open is one that no
floorwalker could take without breaking a rule, given the rest of the rota. It is not an
exhaustive search for the largest possible fill; a supervisor can still rearrange by hand
(and sees the effect at once on the coverage view).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from rcrp_tui.domain.rota import (
    MAX_NIGHTS_IN_A_ROW,
    Assignment,
    RuleBook,
    SlotKey,
    TeamShift,
)


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


#: A shift can only clash with a person's shifts a few days either side (rest, overlap,
#: a run of nights), so a repair looks no further than this for a shift to hand over.
_REACH = timedelta(days=MAX_NIGHTS_IN_A_ROW + 1)


@dataclass
class _Fill:
    """The working state of one auto-fill."""

    floorwalkers: Sequence[int]
    rules: RuleBook
    held: dict[int, list[SlotKey]]
    proposed: dict[SlotKey, int] = field(default_factory=dict)

    def fits(self, person: int, key: SlotKey, without: SlotKey | None = None) -> bool:
        mine = (
            self.held[person] if without is None else [k for k in self.held[person] if k != without]
        )
        return not self.rules.check(person, key, mine)

    def give(self, person: int, key: SlotKey) -> None:
        self.held[person].append(key)
        self.proposed[key] = person

    def take_back(self, person: int, key: SlotKey) -> None:
        self.held[person].remove(key)
        del self.proposed[key]

    def count(self, person: int, shifts: dict[SlotKey, TeamShift], what: str) -> int:
        mine = [shifts[k] for k in self.held[person] if k in shifts]
        if what == "nights":
            return sum(s.is_night for s in mine)
        if what == "weekends":
            return sum(s.is_weekend for s in mine)
        return len(mine)

    def repair(self, gap: TeamShift) -> bool:
        """Fill ``gap`` by handing one proposed shift of its taker to someone else."""
        for person in self.floorwalkers:
            for key in list(self.held[person]):
                if self.proposed.get(key) != person or abs(key.day - gap.key.day) > _REACH:
                    continue
                if not self.fits(person, gap.key, without=key):
                    continue
                for other in self.floorwalkers:
                    if other != person and self.fits(other, key):
                        self.take_back(person, key)
                        self.give(other, key)
                        self.give(person, gap.key)
                        return True
        return False


def propose(
    shifts: Sequence[TeamShift],
    existing: Iterable[Assignment],
    floorwalkers: Sequence[int],
    rules: RuleBook,
) -> Proposal:
    """Fill as many gaps as the rules allow; nothing in ``existing`` is moved.

    A gap nobody can take directly is tried once more by handing one of a person's proposed
    shifts nearby to someone else (a one-step repair), until no more gaps close.
    """
    by_key = {s.key: s for s in shifts}
    fill = _Fill(floorwalkers, rules, {p: [] for p in floorwalkers})
    filled: set[SlotKey] = set()
    for a in existing:
        filled.add(a.key)
        fill.held.setdefault(a.floorwalker_id, []).append(a.key)

    gaps = sorted(
        (s for s in shifts if s.key not in filled),
        key=lambda s: (priority(s), s.start_utc, s.team_name, s.key),
    )
    unfilled: list[TeamShift] = []
    for gap in gaps:
        candidates = [p for p in floorwalkers if fill.fits(p, gap.key)]
        if not candidates:
            unfilled.append(gap)
            continue

        def fairness(person: int, gap: TeamShift = gap) -> tuple[int, int, int, int]:
            return (
                fill.count(person, by_key, "nights") if gap.is_night else 0,
                fill.count(person, by_key, "weekends") if gap.is_weekend else 0,
                fill.count(person, by_key, "shifts"),
                person,
            )

        fill.give(min(candidates, key=fairness), gap.key)

    # Handing a shift over can free someone for an earlier gap: go round until nothing moves.
    progress = True
    while unfilled and progress:
        progress = False
        for gap in list(unfilled):
            direct = next((p for p in floorwalkers if fill.fits(p, gap.key)), None)
            if direct is not None:
                fill.give(direct, gap.key)
            elif not fill.repair(gap):
                continue
            unfilled.remove(gap)
            progress = True

    added = tuple(
        Assignment(person, key)
        for key, person in sorted(fill.proposed.items(), key=lambda kv: _order(by_key[kv[0]]))
    )
    loads = tuple(
        Load(
            p,
            rules.names.get(p, f"floorwalker #{p}"),
            fill.count(p, by_key, "shifts"),
            fill.count(p, by_key, "nights"),
            fill.count(p, by_key, "weekends"),
            sum(1 for owner in fill.proposed.values() if owner == p),
        )
        for p in floorwalkers
    )
    unfilled.sort(key=lambda s: (s.start_utc, s.team_name))
    return Proposal(added, tuple(unfilled), loads)


def _order(shift: TeamShift) -> tuple[int, object, str, SlotKey]:
    return (priority(shift), shift.start_utc, shift.team_name, shift.key)
