"""Benchmark: scoring and saving reviews.

Times, on a fresh SQLite file in a temporary folder:

- the pure scoring of a full review against the shipped toolkit (what the review screen
  recomputes on every key press);
- ``reviews.open_for_decision`` (start a draft), ``reviews.save`` and ``reviews.submit``
  for ``--reviews`` decisions, one after another, as a floorwalker would;
- ``reviews.lists.list_reviews`` (one page, newest first) for a QA lead once they exist.

Prints the median and 95th percentile of each. Run:
``python bench/bench_reviews.py [--reviews N]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
from rcrp_tui.domain.scoring import Answer, Judgement, score
from rcrp_tui.domain.toolkit import load_shipped
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import DEMO_BUILDER, Actor, Ctx
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.reviews import lists as review_lists
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def report(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    print(f"{name:<34} n={len(ms):<6} median {statistics.median(ms):8.3f} ms   p95 {p95:8.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=200)
    args = parser.parse_args()

    toolkit = load_shipped()
    criteria = toolkit.criteria_for(Category.CONCERN_FOR_WELFARE)
    answers = {c.code: Answer.MET for c in criteria}
    report(
        "score() full review (24 criteria)",
        [timed(lambda: score(criteria, answers, toolkit.bands))[0] for _ in range(5000)],
    )

    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        schema.upgrade(db)
        admin = Ctx(db, DEMO_BUILDER)
        people.add_team(admin, "Red", "2d2n4off")
        people.add_contact_officer(admin, "CO-1", "Red")
        fw_info = people.add_user(
            admin,
            username="fw",
            display_name="Floorwalker",
            role=Role.FLOORWALKER,
            password="bench-password",
            team="Red",
        )
        qa_info = people.add_user(
            admin,
            username="qa",
            display_name="QA lead",
            role=Role.QA_LEAD,
            password="bench-password",
        )
        fw = Ctx(db, Actor(fw_info.id, "fw", "Floorwalker", Role.FLOORWALKER))
        qa = Ctx(db, Actor(qa_info.id, "qa", "QA lead", Role.QA_LEAD))
        start = datetime(2026, 11, 1, tzinfo=UTC)
        ids = [
            record_decision(
                admin,
                DecisionInput(
                    cad_ref=f"B{n:06d}",
                    source_system="BENCH",
                    received_at=start + timedelta(minutes=n),
                    category=Category.CONCERN_FOR_WELFARE,
                    caller_type=CallerType.PUBLIC,
                    outcome=Outcome.SIGNPOSTED,
                    staff_id="CO-1",
                ),
            )
            for n in range(args.reviews)
        ]
        opened, saved, submitted = [], [], []
        for decision_id in ids:
            ms, work = timed(lambda d=decision_id: reviews.open_for_decision(fw, d))
            opened.append(ms)
            typed = {c.code: AnswerEntry(Answer.MET) for c in work.criteria}
            ms, draft = timed(lambda w=work, t=typed: reviews.save(fw, w.review, t, None))
            saved.append(ms)
            ms, _ = timed(lambda d=draft, t=typed: reviews.submit(fw, d, t, Judgement.APPROPRIATE))
            submitted.append(ms)
        report("open_for_decision (new draft)", opened)
        report("save draft (24 answers)", saved)
        report("submit", submitted)
        report(
            "list_reviews page (QA lead)",
            [timed(lambda: review_lists.list_reviews(qa))[0] for _ in range(50)],
        )
        db.dispose()


if __name__ == "__main__":
    main()
