"""Time drawing a stratified sample of 200 from a million decisions, with exclusions.

    python bench/bench_sampling.py [--database PATH] [--decisions N] [--runs N]

Builds (or reuses) a SQLite file of N synthetic decisions, 2,000 of them already reviewed
and 5,000 already in an open sample, then draws a stratified sample of 200 (category x
shift x team, proportional; then again with oversampling) several times and prints the
median. Target: at most 150 ms for a million decisions.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from rcrp_tui.domain.clock import SystemClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role, Shift
from rcrp_tui.domain.sampling import Oversampling, SamplingMethod, SamplingSpec, StratumDimension
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import (
    contact_officers_table,
    decisions_table,
    teams_table,
    users_table,
)
from rcrp_tui.storage.review_models import reviews_table, toolkits_table

START = datetime(2025, 1, 1, tzinfo=UTC)
BATCH = 50_000


def build(db: Database, decisions: int) -> None:
    """Synthetic decisions loaded with Core executemany, plus reviews to exclude."""
    rng = random.Random(2026)
    categories = [c.value for c in Category]
    callers = [c.value for c in CallerType]
    outcomes = [o.value for o in Outcome]
    shifts = [Shift.DAY.value, Shift.NIGHT.value]
    with db.write_connection() as conn:
        conn.execute(
            insert(teams_table),
            [{"id": t, "name": f"Team {t}", "shift_pattern": "2d2n4off"} for t in range(1, 11)],
        )
        conn.execute(
            insert(contact_officers_table),
            [{"id": o, "staff_id": f"CO-{o}", "team_id": 1 + o % 10} for o in range(1, 301)],
        )
        conn.execute(
            insert(users_table).values(
                id=1,
                username="bench",
                display_name="Bench",
                role="qa_lead",
                password_hash="-",
                created_at=START,
            )
        )
        rows = []
        for i in range(1, decisions + 1):
            officer = rng.randrange(1, 301)
            at = START + timedelta(seconds=30 * i)
            rows.append(
                {
                    "id": i,
                    "cad_ref": f"CAD-{i:07d}",
                    "source_system": "BENCH",
                    "received_at": at,
                    "category": rng.choice(categories),
                    "caller_type": callers[0] if rng.random() < 0.7 else rng.choice(callers),
                    "contact_officer_id": officer,
                    "team_id": 1 + officer % 10,
                    "shift": rng.choice(shifts),
                    "outcome": outcomes[0] if rng.random() < 0.6 else rng.choice(outcomes),
                    "threshold_basis": "none",
                    "created_at": at,
                    "updated_at": at,
                }
            )
            if len(rows) == BATCH:
                conn.execute(insert(decisions_table), rows)
                rows = []
        if rows:
            conn.execute(insert(decisions_table), rows)
        conn.execute(
            insert(toolkits_table).values(
                id=1,
                toolkit_id="bench",
                version="1",
                title="Bench",
                source="",
                sha256="-",
                added_at=START,
                added_by="bench",
            )
        )
        reviewed = rng.sample(range(1, decisions + 1), 2_000)
        conn.execute(
            insert(reviews_table),
            [
                {
                    "decision_id": d,
                    "toolkit_row_id": 1,
                    "toolkit_id": "bench",
                    "toolkit_version": "1",
                    "reviewer_user_id": 1,
                    "status": "submitted",
                    "passed": True,
                    "created_at": START,
                    "updated_at": START,
                    "updated_by": "bench",
                }
                for d in reviewed
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=Path("/tmp/rcrp-bench-sampling.db"))
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    db = Database(f"sqlite:///{args.database.resolve()}")
    schema.upgrade(db)
    with db.read() as session:
        existing = session.execute(select(func.count()).select_from(decisions_table)).scalar_one()
    if existing == 0:
        started = time.perf_counter()
        build(db, args.decisions)
        print(f"built {args.decisions:,} decisions in {time.perf_counter() - started:.1f} s")
    elif existing != args.decisions:
        raise SystemExit(f"{args.database} holds {existing:,} decisions; delete it to rebuild")

    ctx = Ctx(db, Actor(1, "bench", "Bench", Role.QA_LEAD), SystemClock())
    stamp = datetime.now(UTC).strftime("%H%M%S%f")
    if existing == 0:
        exclusions = sampling.save_plan(
            ctx,
            "bench-exclusions",
            PopulationFilter(),
            SamplingSpec(SamplingMethod.SIMPLE, size=5_000),
            seed=1,
        )
        sampling.draw_sample(ctx, exclusions.id)  # 5,000 decisions now in an open sample

    dims = (StratumDimension.CATEGORY, StratumDimension.SHIFT, StratumDimension.TEAM)
    plain = SamplingSpec(SamplingMethod.STRATIFIED, size=200, strata=dims)
    oversampled = SamplingSpec(
        SamplingMethod.STRATIFIED, size=200, strata=dims, oversampling=Oversampling(2.0, 1.5)
    )
    print(f"{args.decisions:,} decisions; 2,000 reviewed and 5,000 in an open sample excluded")
    for label, spec in (("category x shift x team", plain), ("... with oversampling", oversampled)):
        plan = sampling.save_plan(ctx, f"bench-{label[:20]}-{stamp}", PopulationFilter(), spec)
        timings, cpu = [], []
        for run in range(args.runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            drawn = sampling.draw_sample(ctx, plan.id, seed=100 + run)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            # Close it so every run sees the same exclusions.
            sampling.close_sample(ctx, drawn.id)
        print(
            f"stratified sample of {drawn.size} by {label} from {drawn.population_size:,}: "
            f"median {statistics.median(timings):.0f} ms "
            f"(min {min(timings):.0f}, max {max(timings):.0f}, {args.runs} runs; "
            f"CPU time median {statistics.median(cpu):.0f} ms; "
            "counts, choice, fetch, insert and audit)"
        )
    # Shared machines make wall-clock timings noisy: say how busy this one was, and time the
    # floor any exact draw pays: one grouped pass over a million index entries.
    floor = []
    with db.read() as session:
        for _ in range(args.runs):
            started = time.perf_counter()
            session.execute(
                select(decisions_table.c.category, func.count()).group_by(
                    decisions_table.c.category,
                    decisions_table.c.shift,
                    decisions_table.c.team_id,
                )
            ).all()
            floor.append((time.perf_counter() - started) * 1000)
    print(f"floor, one grouped count over the index: median {statistics.median(floor):.0f} ms")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    db.dispose()


if __name__ == "__main__":
    main()
