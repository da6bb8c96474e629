"""Benchmark: a calibration session's results (every statistic per criterion and
overall) for the largest session, 30 decisions by 4 graders, against reading its
revealed answers alone (the database work behind the results), measured in the same run.

Builds a fresh SQLite database in a temporary folder through the services. Each timed
results call starts with an empty alpha cache, so it pays every Krippendorff bootstrap
(one per criterion and one overall, 1,000 draws each), as the first opening of a results
screen does; the KPI report's calibration figures (overall only, as a report computes
them) are timed the same way. The medians of ``--runs`` are printed with the ratio.
Asserts nothing.

Run: ``python bench/bench_calibration.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role, ThresholdBasis
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.calibration import grading, results, reveal, sessions
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import DEMO_BUILDER, Actor, Ctx
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
DECISIONS = 30
GRADERS = 4


def _user(admin: Ctx, name: str, role: Role) -> Ctx:
    info = people.add_user(
        admin, username=name, display_name=name, role=role, password="bench password 1"
    )
    return Ctx(admin.db, Actor(info.id, name, name, role), admin.clock)


def build(folder: Path) -> tuple[Ctx, int]:
    db = Database(f"sqlite:///{folder / 'bench.db'}")
    schema.upgrade(db)
    admin = Ctx(db, DEMO_BUILDER, FixedClock(NOW))
    people.add_team(admin, "Red", "2d2n4off")
    people.add_contact_officer(admin, "CO-1", "Red")
    lead = _user(admin, "lead", Role.QA_LEAD)
    graders = [_user(admin, f"fw{n}", Role.FLOORWALKER) for n in range(GRADERS)]
    refs = []
    for n in range(DECISIONS):
        refs.append(f"CAD-{n:04d}")
        record_decision(admin, DecisionInput(
            cad_ref=refs[-1], source_system="STORM", received_at=NOW - timedelta(days=1, minutes=n),
            category=Category.MEDICAL, caller_type=CallerType.PUBLIC,
            outcome=Outcome.TRANSFERRED_AMBULANCE, threshold_basis=ThresholdBasis.NONE,
            staff_id="CO-1",
        ))  # fmt: skip
    sid = sessions.create_session(
        lead, title="Bench", deadline=date(2026, 12, 31),
        graders_usernames=[g.actor.username for g in graders], cad_refs=refs,
    ).session.id  # fmt: skip
    rng = random.Random(16)
    for g in graders:
        for decision_id in [d.decision_id for d in sessions.session_detail(lead, sid).decisions]:
            work = grading.open_decision(g, sid, decision_id)
            answers = {
                c.code: AnswerEntry(rng.choice([Answer.MET] * 6 + [Answer.PARTIAL, Answer.NOT_MET]))
                for c in work.criteria
            }
            grading.save_score(g, sid, decision_id, answers, Judgement.APPROPRIATE,
                               expected_version=None, submit=True)  # fmt: skip
    sessions.close_session(lead, sid)
    reveal.adopt_grader_answers(lead, sid, "fw0")
    return lead, sid


def _median(runs: int, call: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        results._ALPHA_CACHE.clear()
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rcrp-bench-calibration-") as folder:
        lead, sid = build(Path(folder))
        results.session_results(lead, sid)  # load numpy and krippendorff once
        anchor = _median(args.runs, lambda: reveal.revealed_answers(lead, sid))
        full = _median(args.runs, lambda: results.session_results(lead, sid))
        kpi = _median(args.runs, lambda: results.latest_closed_summary(lead))
        lead.db.dispose()
    print(f"{DECISIONS} decisions x {GRADERS} graders, medians of {args.runs} runs:")
    print(f"  revealed answers (anchor)        {anchor:.3f} s")
    print(f"  session results, every statistic {full:.3f} s  ({full / anchor:.1f}x the anchor)")
    print(f"  KPI report's calibration figures {kpi:.3f} s  ({kpi / anchor:.1f}x the anchor)")
    print(f"RESULT calibration_results s={full:.3f} anchor_s={anchor:.3f}")
    print(f"RESULT calibration_kpi_figures s={kpi:.3f} anchor_s={anchor:.3f}")


if __name__ == "__main__":
    main()
