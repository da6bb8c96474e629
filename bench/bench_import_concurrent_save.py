"""Benchmark: a review saved in one terminal while another imports a 1,000,000-row file.

Generates the CSV of ``bench_import.py`` (San Diego layout, every row an RCRP call: the
worst case) in a temporary directory and a fresh migrated SQLite database with one
floorwalker and one decision to review. Then, each in a process of its own:

* the anchor: the same review saved ``--anchor-saves`` times on the idle database;
* ``import_file`` with the shipped ``san-diego`` profile, while a second process saves
  the review in a loop until the import has finished.

Prints the median and longest time a save took during the import against the anchor, how
many saves failed (the target is none), the import's time, and how long the import held
the write lock (its merge transaction, from BEGIN IMMEDIATE to the end of COMMIT), against
the busy timeout a waiting save has (``storage.db.BUSY_TIMEOUT_MS``).

``--update`` first imports (untimed) a file with the same CAD references and other
values, so the measured import updates nearly every decision instead of inserting it.

Run: ``python bench/bench_import_concurrent_save.py [--rows N] [--anchor-saves N]
[--update] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_import import generate  # type: ignore[import-not-found]


def setup(db_path: Path) -> tuple[int, int]:
    """A migrated database with a floorwalker and one decision; (user id, decision id)."""
    from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
    from rcrp_tui.services.core import people
    from rcrp_tui.services.core.context import DEMO_BUILDER, Ctx
    from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
    from rcrp_tui.storage import schema
    from rcrp_tui.storage.db import Database

    db = Database(f"sqlite:///{db_path}")
    schema.upgrade(db)
    admin = Ctx(db, DEMO_BUILDER)
    people.add_team(admin, "Red", "2d2n4off")
    people.add_contact_officer(admin, "CO-1", "Red")
    user = people.add_user(
        admin,
        username="fw",
        display_name="Floorwalker",
        role=Role.FLOORWALKER,
        password="bench-password",
        team="Red",
    )
    decision = record_decision(
        admin,
        DecisionInput(
            cad_ref="BENCH-1",
            source_system="BENCH",
            received_at=datetime(2026, 11, 1, tzinfo=UTC),
            category=Category.CONCERN_FOR_WELFARE,
            caller_type=CallerType.PUBLIC,
            outcome=Outcome.SIGNPOSTED,
            staff_id="CO-1",
        ),
    )
    db.dispose()
    return user.id, decision


def saver(db_path: Path, user_id: int, decision_id: int, stop: Path | None, count: int) -> None:
    """Child: save the review in a loop (``count`` times, or until ``stop`` exists);
    print one JSON list of [wall-clock start, seconds, failure message or null]."""
    from rcrp_tui.domain.enums import Role
    from rcrp_tui.domain.scoring import Answer
    from rcrp_tui.services.core.context import Actor, Ctx
    from rcrp_tui.services.core.errors import ServiceError
    from rcrp_tui.services.reviews import saving as reviews
    from rcrp_tui.services.reviews.records import AnswerEntry
    from rcrp_tui.storage.db import Database

    db = Database(f"sqlite:///{db_path}")
    fw = Ctx(db, Actor(user_id, "fw", "Floorwalker", Role.FLOORWALKER, team_id=1))
    work = reviews.open_for_decision(fw, decision_id)
    answers = {c.code: AnswerEntry(Answer.MET) for c in work.criteria}
    base = work.review
    saves: list[list[Any]] = []
    while (stop is None and len(saves) < count) or (stop is not None and not stop.exists()):
        began, wall = time.perf_counter(), time.time()
        failure = None
        try:
            base = reviews.save(fw, base, answers, None)
        except ServiceError as exc:
            failure = exc.message
        saves.append([wall, time.perf_counter() - began, failure])
        if stop is not None:
            time.sleep(0.05)  # a person saves now and then, not in a tight loop
    print(json.dumps(saves))


def importer(csv_path: Path, db_path: Path) -> None:
    """Child: import the file; print JSON with its times and its longest write transaction."""
    from sqlalchemy import event

    from rcrp_tui.importing.cad import import_file
    from rcrp_tui.importing.profile import shipped_profile
    from rcrp_tui.services.core.context import DEMO_BUILDER, Ctx
    from rcrp_tui.storage.db import Database

    db = Database(f"sqlite:///{db_path}")
    held: list[float] = []
    opened: dict[int, float] = {}

    # Registered after the database's own "begin" listener, which takes the write lock
    # (BEGIN IMMEDIATE): so this runs once the lock is held.
    @event.listens_for(db.engine, "begin")
    def _began(conn: Any) -> None:
        if conn.get_execution_options().get("rcrp_write"):
            opened[id(conn)] = time.perf_counter()

    merge_transaction = Database.write_on

    @contextmanager
    def timed(self: Database, conn: Any) -> Iterator[Any]:
        with merge_transaction(self, conn) as inside:
            yield inside
        held.append(time.perf_counter() - opened.pop(id(conn)))  # committed: lock released

    Database.write_on = timed  # type: ignore[method-assign]

    started, began = time.time(), time.perf_counter()
    summary = import_file(Ctx(db, DEMO_BUILDER), csv_path, shipped_profile("san-diego"))
    seconds = time.perf_counter() - began
    print(
        json.dumps(
            {
                "start": started,
                "end": time.time(),
                "seconds": seconds,
                "lock_seconds": max(held),
                "inserted": summary.inserted,
                "updated": summary.updated,
                "total": summary.total_rows,
            }
        )
    )


def _child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, text=True
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--anchor-saves", type=int, default=100)
    parser.add_argument(
        "--update", action="store_true", help="measure an import that updates the decisions"
    )
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "save":
            stop = Path(rest[3]) if rest[3] != "-" else None
            saver(Path(rest[0]), int(rest[1]), int(rest[2]), stop, int(rest[4]))
        else:
            importer(Path(rest[0]), Path(rest[1]))
        return
    from rcrp_tui.storage.db import BUSY_TIMEOUT_MS

    work = args.keep or Path(tempfile.mkdtemp(prefix="rcrp-bench-concurrent-"))
    work.mkdir(parents=True, exist_ok=True)
    for stale in work.glob("*.db*"):
        stale.unlink()
    try:
        csv_path, db_path, stop = work / "calls.csv", work / "rcrp.db", work / "stop"
        began = time.perf_counter()
        generate(csv_path, args.rows)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - began:.1f} s")
        user_id, decision_id = setup(db_path)
        if args.update:
            earlier = work / "earlier.csv"
            generate(earlier, args.rows, seed=2022)  # same references, other values
            _child("import", str(earlier), str(db_path)).communicate()
            earlier.unlink()
            print("imported an earlier file with the same references (untimed)")
        ids = [str(db_path), str(user_id), str(decision_id)]

        anchor = json.loads(_child("save", *ids, "-", str(args.anchor_saves)).communicate()[0])
        idle = [seconds for _, seconds, _ in anchor]
        idle_median, idle_longest = statistics.median(idle), max(idle)
        print(
            f"anchor: a review save on the idle database: median {_ms(idle_median)}, "
            f"longest {_ms(idle_longest)} ({len(idle)} saves)"
        )

        stop.unlink(missing_ok=True)
        saving = _child("save", *ids, str(stop), "0")
        time.sleep(1.0)  # the saver is saving before the import starts
        imported = json.loads(_child("import", str(csv_path), str(db_path)).communicate()[0])
        stop.touch()
        saves = json.loads(saving.communicate()[0])
        during = [s for s in saves if imported["start"] <= s[0] <= imported["end"]]
        failed = [s[2] for s in during if s[2] is not None]
        took = [s[1] for s in during if s[2] is None]
        print(
            f"import: {imported['total']:,} rows in {imported['seconds']:.1f} s "
            f"(inserted {imported['inserted']:,}, updated {imported['updated']:,})"
        )
        lock = imported["lock_seconds"]
        print(
            f"write lock held by the import's merge: {lock:.2f} s, commit included (before "
            "it, the import held no lock but a moment's for its marker row) = "
            f"{lock / (BUSY_TIMEOUT_MS / 1000):.0%} of the {BUSY_TIMEOUT_MS / 1000:.0f} s "
            "busy timeout"
        )
        print(f"saves during the import: {len(during)}, failed: {len(failed)} (target: none)")
        if took:
            median, longest = statistics.median(took), max(took)
            print(
                f"  median save {_ms(median)} = {median / idle_median:.1f}x the anchor; "
                f"longest {_ms(longest)} = {longest / idle_median:.0f}x the anchor median "
                f"(longest wait {_ms(longest - idle_median)})"
            )
        for message in sorted(set(failed)):
            print(f"  failure: {message}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
