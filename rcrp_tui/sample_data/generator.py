"""Generating demo decision rows, fast and reproducibly.

Everything random comes from one ``random.Random(seed)`` consumed in a fixed order, so the
same seed gives the same rows. The expensive choices are made in bulk: the hour of every
decision in one weighted draw over the hour slots, and the codes of every decision
(category, caller, basis, outcome, grade) in weighted draws over the joint table from
:mod:`profile`, one for the go-live mix and one for the settled mix. The per-row loop
only picks a team, an officer and phrases by index, and writes timestamps as text built
from precomputed pieces.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import accumulate
from typing import Any

from rcrp_tui.domain.enums import Outcome
from rcrp_tui.sample_data import profile, rationales
from rcrp_tui.sample_data.schedule import HourSlot
from rcrp_tui.services.core.demo_info import DEMO_SOURCE_SYSTEM

SOURCE_SYSTEM = DEMO_SOURCE_SYSTEM

#: The columns of each generated row, in order.
COLUMNS: tuple[str, ...] = (
    "cad_ref",
    "source_system",
    "received_at",
    "category",
    "phase",
    "caller_type",
    "contact_officer_id",
    "team_id",
    "shift",
    "grade",
    "outcome",
    "threshold_basis",
    "qualifier_codes",
    "rationale",
    "created_at",
    "updated_at",
    "row_version",
)
#: Columns holding UTC timestamps, generated as text "YYYY-MM-DD HH:MM:SS.ffffff": the
#: exact form SQLAlchemy stores in SQLite, so the SQLite load needs no per-row conversion.
TIMESTAMP_COLUMNS = ("received_at", "created_at", "updated_at")
#: Handling time from receipt to the record being closed, in seconds.
_HANDLING = range(120, 1800)
_SECOND_TEXT = [f"{s // 60:02d}:{s % 60:02d}.000000" for s in range(3600)]


@dataclass(frozen=True)
class Roster:
    """Database ids of the demo teams and, per team, of its contact officers."""

    team_ids: tuple[int, ...]
    officer_ids: tuple[tuple[int, ...], ...]


def decision_rows(
    seed: int, total: int, slots: list[HourSlot], roster: Roster, batch_size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Yield ``total`` decision rows (tuples in ``COLUMNS`` order) in batches, oldest first."""
    rng = random.Random(seed)
    rand = rng.random
    slot_weights = [
        profile.HOUR_WEIGHTS[s.local_hour] * profile.WEEKDAY_WEIGHTS[s.local_weekday] for s in slots
    ]
    hours = rng.choices(range(len(slots)), cum_weights=list(accumulate(slot_weights)), k=total)
    # One sortable key per decision: its second counted from the first slot.
    keys = sorted(h * 3600 + int(rand() * 3600) for h in hours)
    del hours

    # The same kinds at go-live and once settled: only their probabilities differ.
    kinds = profile.decision_kinds(profile.DEPLOY_WITHOUT_THRESHOLD_AT_GO_LIVE)
    settled_kinds = profile.decision_kinds(profile.DEPLOY_WITHOUT_THRESHOLD_SETTLED)
    # Everything about a kind that the row loop needs, worked out once per kind.
    values = [
        (
            k.category.value,
            k.phase,
            k.caller_type.value,
            k.threshold_basis.value,
            k.outcome.value,
            k.grade,
            _qualifiers(k),
            rationales.pieces(k.category, k.caller_type.is_partner, k.threshold_basis, k.outcome),
        )
        for k in kinds
    ]
    go_live_picks = rng.choices(
        range(len(kinds)), cum_weights=list(accumulate(k.probability for k in kinds)), k=total
    )
    settled_picks = rng.choices(
        range(len(kinds)),
        cum_weights=list(accumulate(k.probability for k in settled_kinds)),
        k=total,
    )
    # Per slot, the chance a decision follows the go-live mix: 1 at go-live, falling
    # linearly to 0 after SETTLING_DAYS.
    settling_hours = profile.SETTLING_DAYS * 24
    go_live_weight = [max(0.0, 1 - index / settling_hours) for index in range(len(slots))]
    # "YYYY-MM-DD HH:" for each UTC hour, plus one more for records closed after the end.
    hour_text = [s.start.strftime("%Y-%m-%d %H:") for s in slots]
    hour_text.append((slots[-1].start + timedelta(hours=1)).strftime("%Y-%m-%d %H:"))
    slot_dates = [s.local_date.strftime("%Y%m%d") for s in slots]
    # Locals, not attribute lookups, in a loop that runs once per decision.
    duties = [s.on_duty for s in slots]
    officer_ids, team_ids = _weighted_officers(rand, roster), roster.team_ids
    supervisor_word = rationales.SUPERVISOR_WORD
    missing = profile.MISSING_QUALIFIER_SHARE
    supervisor = f" {profile.QUALIFIER_SUPERVISOR}"
    compose = rationales.compose
    handling_first, handling_span = _HANDLING.start, len(_HANDLING)
    serial_date = ""
    serial = 0
    batch: list[tuple[Any, ...]] = []
    for key, go_live_pick, settled_pick in zip(keys, go_live_picks, settled_picks, strict=True):
        slot_index, second = divmod(key, 3600)
        pick = go_live_pick if rand() < go_live_weight[slot_index] else settled_pick
        duty = duties[slot_index]
        team, shift = duty[0] if len(duty) == 1 else duty[int(rand() * len(duty))]
        officers = officer_ids[team]
        officer = officers[int(rand() * len(officers))]
        day = slot_dates[slot_index]
        if day != serial_date:
            serial_date, serial = day, 0
        serial += 1
        cat, phase, caller, basis, outcome, grade, codes, parts = values[pick]
        rationale = compose(rand, parts)
        if rand() < missing:
            codes = ""
        elif supervisor_word in rationale:
            codes += supervisor
        closed_hour, closed_second = divmod(
            key + handling_first + int(rand() * handling_span), 3600
        )
        closed = hour_text[closed_hour] + _SECOND_TEXT[closed_second]
        batch.append(
            (
                f"CAD-{day}-{serial:04d}",
                SOURCE_SYSTEM,
                hour_text[slot_index] + _SECOND_TEXT[second],
                cat,
                phase,
                caller,
                officer,
                team_ids[team],
                shift,
                grade,
                outcome,
                basis,
                codes,
                rationale,
                closed,
                closed,
                1,
            )
        )
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _weighted_officers(rand: Callable[[], float], roster: Roster) -> tuple[tuple[int, ...], ...]:
    """Each team's officers, each repeated one to three times.

    Real call handlers do not take equal shares of the calls (part-time hours, new
    starters, call-taking versus dispatch roles), and a per-handler sample must cope.
    """
    return tuple(
        tuple(officer for officer in officers for _ in range(1 + int(rand() * 3)))
        for officers in roster.officer_ids
    )


def _qualifiers(kind: profile.DecisionKind) -> str:
    codes = [profile.CATEGORY_QUALIFIER[kind.category]]
    codes.append(
        profile.QUALIFIER_DEPLOYED
        if kind.outcome is Outcome.DEPLOYED
        else profile.QUALIFIER_NOT_DEPLOYED
    )
    if kind.caller_type.is_partner:
        codes.append(profile.QUALIFIER_PARTNER)
    return " ".join(codes)
