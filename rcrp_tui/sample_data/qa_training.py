"""The demo's training records: phase 1 nearly done, phase 2 begun.

QA lead 1 imports them through the service, as a force would from its learning system:
phase 1's training the week before go-live, and phase 2's first courses a week or two
after it. Twelve officers a team: every officer of Team A and Team D is trained for
phase 1, 11 of 12 in Teams B and C (91.6%), and 10 of 12 in Team E (83.3%), the one team
below the guidance's 90% (with twelve officers, 10 is the nearest a team can be under
it). Which officers are left out is drawn from the seed, so a build is repeatable.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.shift_patterns import DEFAULT_TZ
from rcrp_tui.sample_data import qa_work
from rcrp_tui.sample_data.accounts import TEAMS, staff_ids
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.training.records import TrainingRow, import_training_rows
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.training_models import training_records_table

IMPORTER = "qalead1"
#: Phase 1 officers per team who are not trained (12 officers each).
UNTRAINED_PHASE_1 = {"Team A": 0, "Team B": 1, "Team C": 1, "Team D": 0, "Team E": 2}
#: Phase 2 officers per team trained so far.
TRAINED_PHASE_2 = {"Team A": 4, "Team B": 3, "Team C": 5, "Team D": 2, "Team E": 3}
COURSES = ("RCRP contact officer e-learning", "RCRP classroom input")
PHASE_2_COURSE = "RCRP phase 2: walk-outs and AWOL"


def is_added(db: Database) -> bool:
    """True when the demo's training records are in ``db``."""
    stmt = select(training_records_table.c.id).limit(1)
    with db.engine.connect() as conn:
        return conn.execute(stmt).first() is not None


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=DEFAULT_TZ)


def add_training(
    ctx: Ctx,
    *,
    seed: int,
    go_live: date,
    as_of: datetime,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Import the demo's training as QA lead 1; return the number of records. Phase 2's
    import is left out when the demo's "now" (``as_of``) is before it."""
    say = progress or (lambda _line: None)
    say("Importing training records…")
    rng = random.Random(f"{seed}-training")
    by_team: dict[str, list[str]] = {team: [] for team, _offset in TEAMS}
    for staff_id, team in staff_ids():
        by_team[team].append(staff_id)
    phase_1: list[TrainingRow] = []
    phase_2: list[TrainingRow] = []
    for team, officers in by_team.items():
        left_out = set(rng.sample(officers, UNTRAINED_PHASE_1[team]))
        for n, staff_id in enumerate(officers):
            if staff_id not in left_out:
                day = go_live - timedelta(days=rng.randint(3, 24))
                phase_1.append(TrainingRow(0, staff_id, 1, day, COURSES[n % 2]))
        for staff_id in rng.sample(officers, TRAINED_PHASE_2[team]):
            day = go_live + timedelta(days=rng.randint(7, 13))
            phase_2.append(TrainingRow(0, staff_id, 2, day, PHASE_2_COURSE))
    clock = FixedClock(_at(go_live - timedelta(days=2), 10))
    importer = qa_work.actors(ctx, clock)(IMPORTER)
    done = import_training_rows(importer, "demo-training-phase-1.csv", _numbered(phase_1)).added
    clock.instant = _at(go_live + timedelta(days=14), 10)
    if clock.instant <= as_of:
        done += import_training_rows(
            importer, "demo-training-phase-2.csv", _numbered(phase_2)
        ).added
    return done


def _numbered(rows: list[TrainingRow]) -> list[TrainingRow]:
    ordered = sorted(rows, key=lambda r: r.staff_id)
    return [
        TrainingRow(line, r.staff_id, r.phase, r.trained_on, r.course)
        for line, r in enumerate(ordered, start=2)
    ]
