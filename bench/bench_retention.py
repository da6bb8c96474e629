"""Time ``retention apply`` on a SQLite database of many decisions, against an anchor
measured in the same run: a bare ``DELETE FROM decisions WHERE received_at < :cutoff`` on
an identical copy (the month-count triggers fire in both), which is what purging the same
decisions by hand would cost without the hold checks, the id ranges, the dependents and
the audit row.

    python bench/bench_retention.py [--decisions N]

Builds a database under /tmp/rcrp-retention-bench with ``--decisions`` decisions spread
over a year (the rule makes about half of them due), copies it, runs the anchor on one
copy and ``retention.apply`` on the other, and prints both times, the ratio and the
rows deleted. Asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.retention import parse_rules
from rcrp_tui.private_files import make_private_folder
from rcrp_tui.services.core.context import DEMO_BUILDER, Ctx
from rcrp_tui.services.ops import retention
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import decisions_table

FOLDER = Path("/tmp/rcrp-retention-bench")
START = datetime(2025, 1, 1, tzinfo=UTC)
NOW = START + timedelta(days=365)
RULES = '[decisions]\nkeep = "6 months"\nfrom = "decision date"\n'
CATEGORIES = ["concern_for_welfare", "walk_out", "awol", "medical"]


def _build(path: Path, n: int) -> None:
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db)
    step = timedelta(days=365) / max(n, 1)
    for first in range(0, n, 20_000):
        rows = [
            {
                "cad_ref": f"RB-{i:07d}",
                "source_system": "BENCH",
                "received_at": START + step * i,
                "category": CATEGORIES[i % 4],
                "caller_type": "public" if i % 3 else "ambulance",
                "outcome": "deployed" if i % 2 else "signposted",
                "threshold_basis": "none",
                "created_at": START,
                "updated_at": START,
            }
            for i in range(first, min(n, first + 20_000))
        ]
        with db.write_connection() as conn:
            conn.execute(insert(decisions_table), rows)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=100_000)
    args = parser.parse_args()
    make_private_folder(FOLDER)
    for old in FOLDER.glob("*.db*"):
        old.unlink()
    source = FOLDER / "source.db"
    _build(source, args.decisions)
    anchor_path, apply_path = FOLDER / "anchor.db", FOLDER / "apply.db"
    shutil.copyfile(source, anchor_path)
    shutil.copyfile(source, apply_path)
    rules = parse_rules(RULES, "bench")
    rule = rules.rule(next(iter(rules.rules)))
    assert rule is not None
    cutoff = rule.cutoff(NOW)

    anchor_db = Database(f"sqlite:///{anchor_path}")
    start = time.perf_counter()
    with anchor_db.write_connection() as conn:
        bare = conn.execute(
            delete(decisions_table).where(decisions_table.c.received_at < cutoff)
        ).rowcount
    anchor = time.perf_counter() - start
    anchor_db.dispose()

    apply_db = Database(f"sqlite:///{apply_path}")
    ctx = Ctx(apply_db, DEMO_BUILDER, FixedClock(NOW))
    start = time.perf_counter()
    result = retention.apply(ctx, rules)
    took = time.perf_counter() - start
    apply_db.dispose()
    print(f"decisions in the database       {args.decisions:>10,}")
    print(f"anchor: bare DELETE             {anchor:7.2f} s   ({bare:,} rows)")
    print(
        f"retention apply                 {took:7.2f} s   {took / anchor:5.1f}x the anchor "
        f"({result.purged['decisions'].count:,} decisions)"
    )


if __name__ == "__main__":
    main()
