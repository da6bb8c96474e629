"""Benchmark: four OS processes saving the same record at the same instant, many times.

For a few versioned records (deciding an appeal, acknowledging a coaching note, skipping
a sample item, deactivating/activating a user account) it runs ``--rounds`` rounds in
which four worker processes, released together by a barrier, make the same change from
the same seen version through the real service (tests/concurrency_harness.py). It prints:

- successes and conflicts (each round must have exactly one success);
- lost updates: rounds with more than one success, plus any round whose audit rows do
  not match its successes (must be 0);
- the sample queue's take-next raced by the four processes: double claims (must be 0);
- the median and p95 time of a save under contention (the winner's, and every attempt's)
  against the anchor: the same save made by one process alone, in the same run.

SQLite always; PostgreSQL too when ``--postgres URL`` is given or RCRP_TEST_POSTGRES_URL is
set (a throw-away database is created on that server and dropped afterwards). Run:
``python bench/bench_concurrency.py [--rounds 200] [--postgres URL]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

# The race harness is shared with the test suite.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from rcrp_tui.domain.appeals import AppealOutcome, AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.coaching import Transition
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry
from tests.coaching_helpers import note_for
from tests.concurrency_harness import WORKERS, RacePool
from tests.concurrency_harness import Outcome as Answer
from tests.concurrency_ops import NOW
from tests.review_helpers import Cast, build_cast

ANCHOR_SAVES = 50
Payload = dict[str, Any]


def report(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    if not ms:
        return f"{name}: none"
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{name} median {statistics.median(ms):6.1f} ms  p95 {p95:6.1f} ms (n={len(ms)})"


def audit_rows(db: Database, actions: tuple[str, ...]) -> int:
    with db.read() as session:
        stmt = select(func.count()).where(AuditEntry.action.in_(actions))  # type: ignore[attr-defined]
        return int(session.execute(stmt).scalar_one())


def decision(cast: Cast, ref: str) -> int:
    return record_decision(
        cast.admin,
        DecisionInput(
            cad_ref=ref,
            source_system="STORM",
            received_at=NOW - timedelta(hours=2),
            category=Category.MEDICAL,
            caller_type=CallerType.AMBULANCE,
            outcome=Outcome.TRANSFERRED_AMBULANCE,
            staff_id="CO-101",
        ),
    )


def appeal_payloads(cast: Cast, n: int, tag: str) -> list[Payload]:
    sup = cast.supervisor
    out = []
    for i in range(n):
        appeal_id = appeals.record_appeal(
            sup,
            AppealInput(
                cad_ref=f"CAD-{tag}{i}",
                route=AppealRoute.LIVE_999,
                partner_type=PartnerType.AMBULANCE,
                partner_org="London Ambulance Service",
                original_decision="signposted",
                received_at=NOW - timedelta(minutes=20),
            ),
        )
        out.append(
            {
                "actor": sup.actor,
                "id": appeal_id,
                "seen": 1,
                "outcome": AppealOutcome.UPHELD.value,
                "rationale": "No risk to life; ambulance attending.",
            }
        )
    return out


def note_payloads(cast: Cast, n: int, _tag: str) -> list[Payload]:
    return [
        {
            "actor": cast.officer.actor,
            "id": note_for(cast.supervisor).id,
            "seen": 1,
            "transition": Transition.ACKNOWLEDGE.value,
        }
        for _ in range(n)
    ]


def item_payloads(cast: Cast, n: int, tag: str) -> list[Payload]:
    for i in range(n):
        decision(cast, f"CAD-{tag}{i}")
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=n)
    plan = sampling.save_plan(cast.qa, f"Bench {tag}", PopulationFilter(), spec, seed=3)
    sample_id = sampling.draw_sample(cast.qa, plan.id).id
    items = []
    after = 0
    while len(items) < n:
        page = sample_queue.queue_page(cast.qa, sample_id, after_position=after, limit=200)
        items += page
        after = page[-1].position
    return [
        {"actor": cast.floorwalker.actor, "id": it.id, "seen": 1, "reason": "Duplicate call"}
        for it in items
    ]


def user_payload(db: Database, cast: Cast, username: str) -> Callable[[int], Payload]:
    people.add_user(
        cast.admin,
        username=username,
        display_name="Target",
        role=Role.QA_LEAD,
        password="long-enough-password",
    )

    def next_round(n: int) -> Payload:
        with db.read() as session:
            seen = session.execute(
                text("SELECT row_version FROM users WHERE username = :u"), {"u": username}
            ).scalar_one()
        return {"actor": cast.admin.actor, "username": username, "active": n % 2 == 1, "seen": seen}

    return next_round


def run_entity(
    pool: RacePool,
    db: Database,
    label: str,
    op: str,
    audit: tuple[str, ...],
    contended: list[Payload] | Callable[[int], Payload],
    solo: list[Payload] | Callable[[int], Payload],
    rounds: int,
) -> None:
    url = db.url.render_as_string(hide_password=False)

    def payload(source: list[Payload] | Callable[[int], Payload], n: int) -> Payload:
        return source(n) if callable(source) else source[n]

    anchor = [pool.solo(url, op, payload(solo, n)) for n in range(ANCHOR_SAVES)]
    assert all(a.kind == "ok" for a in anchor), [a.detail for a in anchor if a.kind != "ok"]
    ok = conflicts = lost = faults = 0
    winners: list[float] = []
    attempts: list[float] = []
    for n in range(rounds):
        before = audit_rows(db, audit)
        answers: list[Answer] = pool.race(url, op, [payload(contended, n)] * WORKERS)
        kinds = [a.kind for a in answers]
        wins = kinds.count("ok")
        ok += wins
        conflicts += kinds.count("conflict")
        faults += len(kinds) - wins - kinds.count("conflict")
        added = audit_rows(db, audit) - before
        lost += (wins > 1) + (added != wins)
        winners += [a.ms for a in answers if a.kind == "ok"]
        attempts += [a.ms for a in answers]
    print(
        f"  {label:<26} {rounds} rounds x {WORKERS}: successes {ok}, conflicts {conflicts}, "
        f"other refusals/faults {faults}, lost updates {lost}"
    )
    print("    " + report("alone (anchor)        ", [a.ms for a in anchor]))
    print("    " + report("contended, the winner ", winners))
    print("    " + report("contended, any attempt", attempts))


def take_next_race(pool: RacePool, db: Database, cast: Cast, size: int) -> None:
    for i in range(size + 10):
        decision(cast, f"CAD-Q{i}")
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=size)
    plan = sampling.save_plan(cast.qa, "Bench queue", PopulationFilter(), spec, seed=5)
    sample_id = sampling.draw_sample(cast.qa, plan.id).id
    racers = [
        people.add_user(
            cast.admin,
            username=f"racer{w}",
            display_name=f"Racer {w}",
            role=Role.FLOORWALKER,
            password="long-enough-password",
        )
        for w in range(WORKERS)
    ]
    payloads = [
        {"actor": Actor(r.id, r.username, r.display_name, Role.FLOORWALKER), "sample": sample_id}
        for r in racers
    ]
    start = time.perf_counter()
    answers = pool.race(db.url.render_as_string(hide_password=False), "take_all", payloads)
    seconds = time.perf_counter() - start
    taken = [item for a in answers if a.kind == "ok" for item in a.result]
    double = len(taken) - len(set(taken))
    print(
        f"  take-next, {WORKERS} processes emptying a {size}-item queue: "
        f"claimed {len(set(taken))}, "
        f"double claims {double}, per worker {[len(a.result or []) for a in answers]}, "
        f"{seconds:.1f} s"
    )


def bench(pool: RacePool, db: Database, rounds: int) -> None:
    schema.upgrade(db)
    cast = build_cast(db, FixedClock(NOW))
    run_entity(
        pool,
        db,
        "decide an appeal",
        "decide_appeal",
        ("appeal_decided",),
        appeal_payloads(cast, rounds, "R"),
        appeal_payloads(cast, ANCHOR_SAVES, "A"),
        rounds,
    )
    run_entity(
        pool,
        db,
        "acknowledge a note",
        "move_note",
        ("coaching_note_acknowledge",),
        note_payloads(cast, rounds, "R"),
        note_payloads(cast, ANCHOR_SAVES, "A"),
        rounds,
    )
    items = item_payloads(cast, rounds + ANCHOR_SAVES, "S")
    run_entity(
        pool,
        db,
        "skip a sample item",
        "skip_item",
        ("sample_item.skipped",),
        items[:rounds],
        items[rounds:],
        rounds,
    )
    run_entity(
        pool,
        db,
        "(de)activate a user",
        "set_active",
        ("user_activated", "user_deactivated"),
        user_payload(db, cast, "target"),
        user_payload(db, cast, "anchor"),
        rounds,
    )
    take_next_race(pool, db, cast, min(rounds, 200))


@contextmanager
def postgres_database(url: str) -> Iterator[Database]:
    name = f"rcrp_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(make_url(url).set(database=name).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--postgres", default=os.environ.get("RCRP_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    pool = RacePool()
    try:
        with tempfile.TemporaryDirectory() as folder:
            print("SQLite (one file, WAL, BEGIN IMMEDIATE writes):")
            db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
            bench(pool, db, args.rounds)
            db.dispose()
        if args.postgres:
            print("PostgreSQL (READ COMMITTED):")
            with postgres_database(args.postgres) as pg:
                bench(pool, pg, args.rounds)
        else:
            print("PostgreSQL: skipped (give --postgres URL or set RCRP_TEST_POSTGRES_URL)")
    finally:
        pool.close()


if __name__ == "__main__":
    main()
