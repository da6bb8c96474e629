"""Time the KPI computation (and the QA lead's home screen) over a million decisions and a
hundred thousand reviews, against the same SQL run by the ``sqlite3`` command-line tool.

    python bench/bench_kpis.py [--runs N] [--rebuild] [--quick]

The database is built once and kept under /tmp/rcrp-kpi-bench: the demo with 1,000,000
decisions (``sample_data.demo``), then 100,000 submitted reviews with their answers added
by bulk Core inserts (one decision in ten, spread over the whole range). Every statement
the service sends is captured with its parameters, written into one SQL file, and that
file is timed through ``sqlite3 FILE < queries.sql``: the floor any Python code over the
same queries can reach. Then the 400-day period (issue 20: <= 300 ms) is timed with the
service's statements, with the service counting decisions and reviews directly instead of
from the day counts (``use_counts=False``) and with the plain statements (``compute(plain=True)``),
alternating in the same run. ``RCRP_KPI_BENCH_DIR`` moves the database's folder. Prints
the median wall-clock and CPU times and their ratios; asserts nothing. ``--quick`` times
only the 400-day period (for ``bench/run_all.py``).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select

from rcrp_tui.domain.enums import Category, Role
from rcrp_tui.domain.kpis import Period, previous_period
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.domain.toolkit import load_shipped
from rcrp_tui.services.core.context import DEMO_BUILDER, Actor, Ctx
from rcrp_tui.services.kpis import figures as kpis
from rcrp_tui.services.reviews import toolkits
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import decisions_table, users_table
from rcrp_tui.storage.review_models import review_answers_table, reviews_table, toolkits_table

FOLDER = Path(os.environ.get("RCRP_KPI_BENCH_DIR", "/tmp/rcrp-kpi-bench"))
BASE = FOLDER / "base-demo.db"
DATABASE = FOLDER / "kpis-1m.db"
DECISIONS = 1_000_000
REVIEW_EVERY = 10  # one decision in ten is reviewed: 100,000 reviews
ID_OFFSET = 1_000_000  # clear of the demo's own reviews
PERIOD = Period(date(2028, 1, 1), date(2028, 4, 1))  # a quarter in the middle of the data
LONG = Period(date(2027, 6, 10), date(2028, 7, 14))  # 400 days, part months at both ends
LONG_TARGET_MS = 300.0


def _build_base() -> None:
    from rcrp_tui.sample_data.demo import build_demo

    FOLDER.mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{BASE}")
    schema.upgrade(db)
    print("building the demo database with 1,000,000 decisions (once)…", flush=True)
    build_demo(db, decisions=DECISIONS)
    db.dispose()


def _add_reviews(db: Database) -> None:
    """100,000 submitted reviews (one decision in ten) with an answer per criterion."""
    admin = Ctx(db, DEMO_BUILDER)
    toolkits.ensure_shipped(admin)
    toolkit = load_shipped()
    rng = random.Random(8)
    now = datetime(2030, 1, 1, tzinfo=UTC)
    judgements = [j.value for j in Judgement]
    with db.read() as session:
        row_id = session.execute(select(func.max(toolkits_table.c.id))).scalar_one()
        reviewer = session.execute(
            select(func.min(users_table.c.id)).where(users_table.c.role == Role.FLOORWALKER.value)
        ).scalar_one()
    with db.write_connection() as conn:
        rows = conn.execute(
            select(decisions_table.c.id, decisions_table.c.category).where(
                decisions_table.c.id % REVIEW_EVERY == 0
            )
        ).all()
        print(f"adding {len(rows):,} reviews with their answers (once)…", flush=True)
        for start in range(0, len(rows), 5000):
            chunk = rows[start : start + 5000]
            review_rows, answer_rows = [], []
            for decision_id, category in chunk:
                passed = rng.random() < 0.8
                review_rows.append(
                    {
                        "id": ID_OFFSET + decision_id // REVIEW_EVERY,
                        "decision_id": decision_id,
                        "toolkit_row_id": row_id,
                        "toolkit_id": toolkit.key,
                        "toolkit_version": toolkit.version,
                        "reviewer_user_id": reviewer,
                        "status": "submitted",
                        "judgement": rng.choice(judgements),
                        "score": 90.0 if passed else 40.0,
                        "passed": passed,
                        "band": None,
                        "failed_critical": "",
                        "row_version": 1,
                        "created_at": now,
                        "updated_at": now,
                        "updated_by": "bench",
                        "submitted_at": now,
                    }
                )
                for c in toolkit.criteria_for(Category(category)):
                    answer = Answer.MET if rng.random() < 0.85 else rng.choice(list(Answer))
                    answer_rows.append(
                        {
                            "review_id": ID_OFFSET + decision_id // REVIEW_EVERY,
                            "criterion_code": c.code,
                            "answer": answer.value,
                            "note": "",
                        }
                    )
            conn.execute(insert(reviews_table), review_rows)
            conn.execute(insert(review_answers_table), answer_rows)


def prepare(rebuild: bool) -> Database:
    if rebuild or not BASE.exists():
        for path in FOLDER.glob("*.db*"):
            path.unlink()
        _build_base()
    if not DATABASE.exists():
        shutil.copy(BASE, DATABASE)
        db = Database(f"sqlite:///{DATABASE}")
        schema.upgrade(db)
        _add_reviews(db)
        db.dispose()
    db = Database(f"sqlite:///{DATABASE}")
    schema.upgrade(db)  # a newer migration (e.g. an index) reaches the cached copy too
    return db


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _render(statement: str, params: Any) -> str:
    if not params:
        return statement
    parts = statement.split("?")
    if len(parts) - 1 != len(params):
        raise ValueError("cannot place the parameters in: " + statement[:80])
    out = [parts[0]]
    for value, rest in zip(params, parts[1:], strict=True):
        out += [_literal(value), rest]
    return "".join(out)


def capture(db: Database, fn: Callable[[], Any]) -> list[str]:
    """Run ``fn`` once and return every SELECT it sent, parameters in place."""
    sent: list[str] = []

    def listen(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append(_render(statement, params) + ";")

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    return sent


def _cpu_seconds() -> float:
    # This process (every thread) plus every finished child (the sqlite3 runs).
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def medians_ms(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of ``fn`` (after one warm-up run).

    CPU time barely moves when other work shares the machine; wall time does.
    """
    fn()  # warm the page cache and the parsers
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), _cpu_seconds()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((_cpu_seconds() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def cli_ms(queries: list[str], name: str, runs: int) -> tuple[float, float]:
    sql = FOLDER / f"{name.replace(' ', '-')}.sql"
    sql.write_text("\n".join(queries) + "\n", encoding="utf-8")

    def run() -> None:
        with sql.open("rb") as stdin:
            subprocess.run(
                ["sqlite3", str(DATABASE)], stdin=stdin, stdout=subprocess.DEVNULL, check=True
            )

    return medians_ms(run, runs)


def compare(name: str, db: Database, fn: Callable[[], Any], runs: int) -> None:
    queries = capture(db, fn)
    app, app_cpu = medians_ms(fn, runs)
    cli, cli_cpu = cli_ms(queries, name, runs)
    print(f"{name}: {len(queries)} SQL statements")
    print(f"  wall  service {app:8.1f} ms   sqlite3 CLI {cli:8.1f} ms   ratio {app / cli:5.2f}x")
    print(
        f"  CPU   service {app_cpu:8.1f} ms   sqlite3 CLI {cli_cpu:8.1f} ms   "
        f"ratio {app_cpu / cli_cpu:5.2f}x"
    )


def long_period(qa: Ctx, runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU ms of the 400-day KPIs, three ways alternating: the service
    (decisions, reviews and answers from the day counts), the service counting them
    directly (``use_counts=False``, the statements before the day counts) and the plain
    ones."""
    baseline = previous_period(LONG)
    ways: dict[str, Callable[[], Any]] = {
        "service": lambda: kpis.compute(qa, LONG, baseline),
        "without counts": lambda: kpis.compute(qa, LONG, baseline, use_counts=False),
        "plain statements": lambda: kpis.compute(qa, LONG, baseline, plain=True),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    kpis.compute(qa, LONG, baseline)  # warm the page cache
    for _ in range(runs):
        for name, fn in ways.items():
            start, start_cpu = time.perf_counter(), _cpu_seconds()
            fn()
            times[name].append(
                ((time.perf_counter() - start) * 1000, (_cpu_seconds() - start_cpu) * 1000)
            )
    return {
        name: (statistics.median(t[0] for t in ts), statistics.median(t[1] for t in ts))
        for name, ts in times.items()
    }


def _actor(db: Database, role: Role) -> Actor:
    with db.read() as session:
        row = session.execute(
            select(users_table.c.id, users_table.c.username, users_table.c.display_name).where(
                users_table.c.role == role.value, users_table.c.active.is_(True)
            )
        ).first()
    if row is None:
        sys.exit(f"the demo database has no {role.value} account")
    return Actor(row.id, row.username, row.display_name, role)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--quick", action="store_true", help="only the 400-day period")
    args = parser.parse_args()
    if shutil.which("sqlite3") is None:
        sys.exit("the sqlite3 command-line tool is not installed")
    db = prepare(args.rebuild)
    with db.read() as session:
        decisions = session.execute(select(func.count()).select_from(decisions_table))
        n_decisions = decisions.scalar_one()
        n_reviews = session.execute(select(func.count()).select_from(reviews_table)).scalar_one()
    print(f"database {DATABASE}: {n_decisions:,} decisions, {n_reviews:,} reviews")
    print(f"period {PERIOD.describe()}, baseline the {PERIOD.days} days before; {args.runs} runs")
    qa = Ctx(db, _actor(db, Role.QA_LEAD))
    with db.read() as session:
        in_range = session.execute(
            select(func.count()).where(
                decisions_table.c.received_at >= LONG.start,
                decisions_table.c.received_at < LONG.end,
            )
        ).scalar_one()
    figures = long_period(qa, args.runs)
    ours, old = figures["service"][0], figures["plain statements"][0]
    print(f"KPIs over 400 days ({LONG.describe()}, {in_range:,} decisions), baseline before:")
    for name, (wall, cpu) in figures.items():
        print(f"  {name:<20} wall {wall:8.1f} ms   CPU {cpu:8.1f} ms")
    print(f"  service / plain statements {ours / old:5.2f}x   target <= {LONG_TARGET_MS:.0f} ms")
    print(f"RESULT kpis_400_days ms={ours:.1f} anchor_ms={old:.1f} target_ms={LONG_TARGET_MS:.0f}")
    if args.quick:
        db.dispose()
        return
    baseline = previous_period(PERIOD)
    compare("KPIs (quarter)", db, lambda: kpis.compute(qa, PERIOD, baseline), args.runs)
    try:
        from rcrp_tui.services.home import summary as home
    except ImportError:
        print("QA lead home: rcrp_tui.services.home.summary is not there; skipped")
    else:
        compare("QA lead home", db, lambda: home.qa_lead_home(qa), args.runs)
    db.dispose()


if __name__ == "__main__":
    main()
