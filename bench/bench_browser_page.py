"""Benchmark: the decision browser's next page on a million decisions.

Builds (once, then reuses) a demo database of ``--decisions`` decisions in a temporary
folder with ``rcrp_tui.sample_data.demo.build_demo``, then times exactly what the
browser does when the cursor leaves the bottom of a page: ``services.decisions.queries.page``
with ``older_than`` the last row's cursor. Walks ``--pages`` consecutive pages from the
newest, with no filter and with each kind of filter the filter dialog can set, and
prints the median and 95th percentile. Target (issue 2): next page under 50 ms.

Run: ``python bench/bench_browser_page.py [--decisions N] [--pages P] [--folder DIR]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from rcrp_tui.domain.enums import CallerType, Category
from rcrp_tui.sample_data.demo import build_demo
from rcrp_tui.services.core.context import DEMO_BUILDER, Ctx
from rcrp_tui.services.decisions import queries as decisions
from rcrp_tui.services.decisions.queries import DecisionFilter
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database

TARGET_MS = 50.0


def bench_database(folder: Path, count: int, seed: int) -> Database:
    """The demo database of ``count`` decisions in ``folder``, built on first use."""
    folder.mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{folder / f'bench-{count}-{seed}.db'}")
    schema.upgrade(db)
    started = time.perf_counter()
    if build_demo(db, decisions=count, seed=seed):
        print(f"built {count:,} decisions in {time.perf_counter() - started:.1f} s")
    return db


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def walk(ctx: Ctx, flt: DecisionFilter, pages: int) -> tuple[list[float], int]:
    """Time ``pages`` consecutive older-page fetches; return (ms per page, rows seen)."""
    page = decisions.page(ctx, flt)
    timings: list[float] = []
    seen = len(page.rows)
    for _ in range(pages):
        if not page.has_older:
            break
        started = time.perf_counter()
        page = decisions.page(ctx, flt, older_than=page.rows[-1].cursor)
        timings.append((time.perf_counter() - started) * 1000)
        seen += len(page.rows)
    return timings, seen


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument(
        "--folder",
        type=Path,
        default=Path(tempfile.gettempdir()) / "rcrp-bench",
        help="where the benchmark database is built and kept for the next run",
    )
    args = parser.parse_args()
    db = bench_database(args.folder, args.decisions, args.seed)
    ctx = Ctx(db, DEMO_BUILDER)
    newest = decisions.page(ctx).rows[0].received_at
    officer = decisions.page(ctx).rows[0].staff_id
    week_ago = newest - timedelta(days=7)
    filters: dict[str, DecisionFilter] = {
        "no filter": DecisionFilter(),
        "category = concern for welfare": DecisionFilter(
            categories=(Category.CONCERN_FOR_WELFARE,)
        ),
        "not deployed, any route": DecisionFilter(not_deployed_only=True),
        "caller = ambulance service": DecisionFilter(caller_types=(CallerType.AMBULANCE,)),
        "team = Team C": DecisionFilter(team="Team C"),
        f"contact officer = {officer}": DecisionFilter(staff_id=officer),
        "last 7 days + not deployed + AWOL": DecisionFilter(
            received_from=week_ago, not_deployed_only=True, categories=(Category.AWOL,)
        ),
        # A search for one day's references, as a reviewer types them.
        "CAD ref prefix (one day)": DecisionFilter(
            cad_ref_prefix=decisions.page(ctx).rows[0].cad_ref[:12]
        ),
    }
    print(f"database: {db.display_name} ({decisions.count(ctx):,} decisions)")
    print(f"next page (older_than), {args.pages} consecutive pages of {decisions.PAGE_SIZE}")
    print(f"{'filter':<40} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'pages':>6}")
    worst_p95 = 0.0
    for name, flt in filters.items():
        decisions.page(ctx, flt)  # warm the cache the way the first page would
        timings, _seen = walk(ctx, flt, args.pages)
        if not timings:
            print(f"{name:<40} {'(one page only)':>26}")
            continue
        p95 = _percentile(timings, 0.95)
        worst_p95 = max(worst_p95, p95)
        print(
            f"{name:<40} {statistics.median(timings):>10.2f} {p95:>8.2f} "
            f"{max(timings):>8.2f} {len(timings):>6}"
        )
    first = decisions.page(ctx)
    oldest_ms = timed(lambda: decisions.page(ctx, oldest=True))
    newer_ms = timed(
        lambda: decisions.page(ctx, newer_than=decisions.page(ctx, oldest=True).rows[0].cursor)
    )
    count_ms = timed(lambda: decisions.count(ctx))
    count_filtered_ms = timed(
        lambda: decisions.count(ctx, replace(DecisionFilter(), not_deployed_only=True))
    )
    print(f"newest page (g): {timed(lambda: decisions.page(ctx)):.2f} ms; rows {len(first.rows)}")
    print(f"oldest page (G): {oldest_ms:.2f} ms; newer page from there: {newer_ms:.2f} ms")
    print(
        f"count (runs in its own worker, the page never waits): all {count_ms:.0f} ms, "
        f"not deployed {count_filtered_ms:.0f} ms"
    )
    verdict = "meets" if worst_p95 < TARGET_MS else "MISSES"
    print(f"worst p95 next page: {worst_p95:.2f} ms, {verdict} the {TARGET_MS:.0f} ms target")
    print(f"RESULT next_page_p95 ms={worst_p95:.2f} target_ms={TARGET_MS:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
