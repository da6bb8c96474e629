"""Benchmark: partner appeals on a large database.

Builds (once, then reuses) a demo database of ``--decisions`` decisions, then bulk-loads
``--appeals`` appeals spread over the same days (a tenth of them waiting for their
decision, so ``link_pending`` has work to do). Times what the appeals screens and the
import command do:

- the newest page of the appeals list and the next older pages, unfiltered and with the
  open / theme / category filters (``appeals.queries.page``);
- the figures for the whole period, month by month (``appeals.reports.figures``);
- linking the waiting appeals after an import (``appeals.link_pending``).

The appeals are bulk-inserted through Core for speed; the timed calls are the real
service functions. Run:
``python bench/bench_appeals.py [--decisions N] [--appeals M] [--folder DIR]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, update

from rcrp_tui.domain.appeals import AppealOutcome, AppealRoute, PartnerType, Theme
from rcrp_tui.domain.enums import Category, Role
from rcrp_tui.sample_data.demo import build_demo
from rcrp_tui.services.appeals import queries as appeal_queries
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals import reports as appeal_reports
from rcrp_tui.services.appeals.queries import AppealFilter, AppealStatus
from rcrp_tui.services.core.context import DEMO_BUILDER, Actor, Ctx
from rcrp_tui.storage import schema
from rcrp_tui.storage.appeal_models import appeal_themes_table, appeals_table
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import decisions_table


def _database(folder: Path, count: int) -> Database:
    folder.mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{folder / f'bench-appeals-{count}.db'}")
    schema.upgrade(db)
    started = time.perf_counter()
    if build_demo(db, decisions=count, seed=2023):
        print(f"built {count:,} decisions in {time.perf_counter() - started:.1f} s")
    return db


def _load_appeals(db: Database, count: int) -> None:
    with db.read() as session:
        # The demo holds a dozen appeals of its own: load ours once, numbered after them.
        bench_rows = select(func.count()).where(appeals_table.c.partner_org == "Bench partner")
        if session.execute(bench_rows).scalar_one():
            return
        offset = session.execute(select(func.max(appeals_table.c.id))).scalar() or 0
        ids = list(
            session.execute(
                select(
                    decisions_table.c.id, decisions_table.c.cad_ref, decisions_table.c.received_at
                )
                .where(decisions_table.c.outcome != "deployed")
                .order_by(decisions_table.c.id)
            )
        )
    rng = random.Random(7)
    picks = rng.sample(ids, min(count, len(ids)))
    rows, themes = [], []
    for n, (decision_id, cad_ref, received) in enumerate(picks, start=1):
        at = received + timedelta(minutes=rng.randint(1, 30))
        decided = n % 5 != 0
        rows.append(
            {
                "id": offset + n,
                "cad_ref": cad_ref,
                "source_system": None,
                # One in ten arrives before its decision is imported: left unlinked here.
                "decision_id": None if n % 10 == 0 else decision_id,
                "route": rng.choice(list(AppealRoute)).value,
                "partner_type": rng.choice(list(PartnerType)).value,
                "partner_org": "Bench partner",
                "original_decision": "signposted",
                "received_at": at,
                "recorded_by_role": "supervisor",
                "outcome": rng.choice(list(AppealOutcome)).value if decided else None,
                "decided_at": at + timedelta(minutes=rng.randint(2, 90)) if decided else None,
                "reviewed_by_role": "supervisor" if decided else None,
                "rationale": "Reviewed." if decided else "",
                "adverse_outcome_reported": n % 50 == 0,
                "created_at": at,
                "updated_at": at,
                "row_version": 1,
            }
        )
        themes.append({"appeal_id": offset + n, "theme": rng.choice(list(Theme)).value})
    with db.write_connection() as conn:
        conn.execute(insert(appeals_table), rows)
        conn.execute(insert(appeal_themes_table), themes)
    print(f"loaded {len(rows):,} appeals")


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _walk(ctx: Ctx, flt: AppealFilter, pages: int) -> list[float]:
    page = appeal_queries.page(ctx, flt)
    timings = []
    for _ in range(pages):
        if not page.has_older:
            break
        started = time.perf_counter()
        page = appeal_queries.page(ctx, flt, older_than=page.rows[-1].cursor)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _report(label: str, ms: list[float]) -> None:
    if not ms:
        print(f"{label:<44} no pages")
        return
    p95 = sorted(ms)[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{label:<44} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   n={len(ms)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=200_000)
    parser.add_argument("--appeals", type=int, default=20_000)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--folder", default=str(Path(tempfile.gettempdir()) / "rcrp-bench"))
    args = parser.parse_args(argv)
    db = _database(Path(args.folder), args.decisions)
    _load_appeals(db, args.appeals)
    qa = Ctx(db, Actor(None, "bench-qa", "Bench", Role.QA_LEAD))
    for label, flt in [
        ("next page, no filter", AppealFilter()),
        ("next page, open only", AppealFilter(status=AppealStatus.OPEN)),
        ("next page, theme Resources", AppealFilter(theme="resources")),
        (
            "next page, category Concern for welfare",
            AppealFilter(categories=(Category.CONCERN_FOR_WELFARE,)),
        ),
    ]:
        _report(label, _walk(qa, flt, args.pages))
    with db.read() as session:
        first, last = session.execute(
            select(func.min(appeals_table.c.received_at), func.max(appeals_table.c.received_at))
        ).one()
    _report(
        "figures, whole period by month",
        _time(lambda: appeal_reports.figures(qa, first, last + timedelta(seconds=1)), 5),
    )
    with db.write_connection() as conn:  # undo a previous run's links so there is work
        conn.execute(
            update(appeals_table).where(appeals_table.c.id % 10 == 0).values(decision_id=None)
        )
    started = time.perf_counter()
    linked = appeals.link_pending(Ctx(db, DEMO_BUILDER))
    print(
        f"{'link_pending after import':<44} {linked:,} linked in "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
