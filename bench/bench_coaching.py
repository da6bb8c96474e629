"""Benchmark: the development record and the team table on a large database.

Builds the demo database (five teams, sixty contact officers, ``--decisions``
decisions), then bulk-loads ``--reviews`` submitted reviews spread over six months (every
applicable criterion answered, one in five with C05 not met) and ``--notes`` coaching
notes with follow-up dates around today. Times the real service functions:

- ``cpd.team_table`` for each team, as that team's supervisor;
- ``cpd.officer_record`` for twenty officers, as a QA lead (reviews, six monthly
  criterion trends, notes);
- ``coaching.list_notes`` (one page) and ``coaching.overdue_for_team``.

Reviews and notes are inserted through Core for speed. Run:
``python bench/bench_coaching.py [--decisions N] [--reviews M] [--notes K]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.coaching import NoteStatus, Theme, Visibility
from rcrp_tui.domain.enums import Category, Role
from rcrp_tui.sample_data.demo import build_demo
from rcrp_tui.services.coaching import cpd
from rcrp_tui.services.coaching import notes as coaching
from rcrp_tui.services.core.context import DEMO_BUILDER, Actor, Ctx
from rcrp_tui.services.reviews import toolkits
from rcrp_tui.storage import schema
from rcrp_tui.storage.coaching_models import coaching_notes_table
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import contact_officers_table, decisions_table, users_table
from rcrp_tui.storage.review_models import review_answers_table, reviews_table

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def report(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{name:<44} n={len(ms):<4} median {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms")


def load(db: Database, reviews: int, notes: int, rng: random.Random) -> None:
    admin = Ctx(db, DEMO_BUILDER, FixedClock(NOW))
    toolkits.ensure_shipped(admin)
    row_id, toolkit = toolkits.current_for(admin, Category.MEDICAL)
    codes = [c.code for c in toolkit.criteria_for(Category.MEDICAL)]
    d, u = decisions_table.c, users_table.c
    with db.write_connection() as conn:
        reviewer = conn.execute(select(u.id).where(u.role == Role.FLOORWALKER.value)).scalar()
        author = reviewer
        pairs = conn.execute(select(d.id, d.contact_officer_id)).all()
        picked = rng.sample(pairs, min(reviews, len(pairs)))
        review_rows = []
        # The demo may hold reviews of its own: number ours after them.
        first_id = (conn.execute(select(func.max(reviews_table.c.id))).scalar() or 0) + 1
        for n, (decision_id, _officer) in enumerate(picked, start=first_id):
            at = NOW - timedelta(days=rng.uniform(0, 180))
            review_rows.append(
                {
                    "id": n,
                    "decision_id": decision_id,
                    "toolkit_row_id": row_id,
                    "toolkit_id": toolkit.key,
                    "toolkit_version": toolkit.version,
                    "reviewer_user_id": reviewer,
                    "status": rng.choice(["submitted", "moderated", "released"]),
                    "judgement": "APPROPRIATE",
                    "score": 90.0,
                    "passed": True,
                    "failed_critical": "",
                    "row_version": 2,
                    "created_at": at,
                    "updated_at": at,
                    "updated_by": "bench",
                    "submitted_at": at,
                }
            )
        conn.execute(insert(reviews_table), review_rows)
        answers = [
            {
                "review_id": r["id"],
                "criterion_code": code,
                "answer": "not_met" if code == "C05" and rng.random() < 0.2 else "met",
                "note": "",
            }
            for r in review_rows
            for code in codes
        ]
        for start in range(0, len(answers), 20_000):
            conn.execute(insert(review_answers_table), answers[start : start + 20_000])
        officers = [o for (o,) in conn.execute(select(contact_officers_table.c.id))]
        conn.execute(
            insert(coaching_notes_table),
            [
                {
                    "contact_officer_id": rng.choice(officers),
                    "review_id": None,
                    "criteria_codes": "C05",
                    "theme": rng.choice(list(Theme)).value,
                    "went_well": "Clear questions.",
                    "to_develop": "Record the Article 2 test.",
                    "agreed_actions": "Re-read toolkit section 3.",
                    "follow_up_on": (NOW + timedelta(days=rng.randint(-30, 30))).date(),
                    "visibility": rng.choice(list(Visibility)).value,
                    "status": rng.choice(list(NoteStatus)).value,
                    "author_user_id": author,
                    "created_at": NOW - timedelta(days=rng.uniform(0, 60)),
                    "row_version": 1,
                }
                for _ in range(notes)
            ],
        )
    print(f"loaded {len(review_rows):,} reviews, {len(answers):,} answers, {notes:,} notes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=8400)
    parser.add_argument("--reviews", type=int, default=3000)
    parser.add_argument("--notes", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench-coaching.db'}")
        schema.upgrade(db)
        build_demo(db, decisions=args.decisions, seed=2023, clock=FixedClock(NOW))
        load(db, args.reviews, args.notes, rng)
        clock = FixedClock(NOW)
        co = contact_officers_table.c
        with db.read() as session:
            teams = [r[0] for r in session.execute(select(co.team_id).distinct()) if r[0]]
            staff = [r[0] for r in session.execute(select(co.staff_id).order_by(co.staff_id))]
        qa = Ctx(db, Actor(None, "bench-qa", "Bench QA", Role.QA_LEAD), clock)
        team_ms: list[float] = []
        overdue_ms: list[float] = []
        for team_id in teams:
            sup = Ctx(db, Actor(None, "sup", "Sup", Role.SUPERVISOR, team_id), clock)
            for _ in range(5):
                team_ms.append(timed(partial(cpd.team_table, sup)))
                overdue_ms.append(timed(partial(coaching.overdue_for_team, sup)))
        report(f"team_table ({len(staff) // max(1, len(teams))} officers a team)", team_ms)
        report("overdue_for_team", overdue_ms)
        record_ms = [timed(partial(cpd.officer_record, qa, s)) for s in staff[:20]]
        report("officer_record (6-month trends)", record_ms)
        report(
            "list_notes (one page, QA lead)",
            [timed(lambda: coaching.list_notes(qa)) for _ in range(10)],
        )
        db.dispose()


if __name__ == "__main__":
    main()
