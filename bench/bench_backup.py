"""Time ``db backup``, ``db restore`` and ``db check`` on a SQLite database of many
decisions, against an anchor measured in the same run: copying the file with
``shutil.copyfile`` and hashing the copy with SHA-256 (what a careful ``cp`` and
``sha256sum`` would cost, without the consistency the backup API gives).

    python bench/bench_backup.py [--decisions N] [--rebuild]

Builds (once, under /tmp/rcrp-backup-bench) a database with ``--decisions`` decisions
(their month counts kept by the triggers). Prints each time, the anchor's and the ratio.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from rcrp_tui.private_files import make_private_folder
from rcrp_tui.services.core.context import DEMO_BUILDER, Ctx
from rcrp_tui.services.ops import db_ops
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import decisions_table

FOLDER = Path("/tmp/rcrp-backup-bench")
START = datetime(2026, 1, 5, tzinfo=UTC)
CATEGORIES = ["concern_for_welfare", "walk_out", "awol", "medical"]


def _build(path: Path, n: int) -> None:
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db)
    for first in range(0, n, 20_000):
        rows = [
            {
                "cad_ref": f"BK-{i:07d}",
                "source_system": "BENCH",
                "received_at": START + timedelta(minutes=i % 400_000),
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


def _timed(label: str, anchor: float, action: object) -> None:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    took = time.perf_counter() - start
    print(f"{label:<34} {took:7.2f} s   {took / anchor:5.1f}x the anchor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=300_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    make_private_folder(FOLDER)
    source = FOLDER / f"source-{args.decisions}.db"
    if args.rebuild or not source.exists():
        for old in FOLDER.glob("source-*"):
            old.unlink()
        _build(source, args.decisions)
    for old in FOLDER.glob("copy*"):
        old.unlink()
    for old in FOLDER.glob("restored*"):
        old.unlink()
    db = Database(f"sqlite:///{source}")
    schema.upgrade(db)  # a copy kept from an older version gets this version's tables
    size = source.stat().st_size
    start = time.perf_counter()
    shutil.copyfile(source, FOLDER / "copy-anchor.db")
    hashlib.sha256((FOLDER / "copy-anchor.db").read_bytes()).hexdigest()
    anchor = time.perf_counter() - start
    print(f"{args.decisions:,} decisions, {size / 1e6:.0f} MB")
    print(f"{'anchor: copyfile + sha256':<34} {anchor:7.2f} s")
    ctx = Ctx(db, DEMO_BUILDER)
    copy = FOLDER / "copy.db"
    _timed("db backup (with manifest)", anchor, lambda: db_ops.backup(ctx, copy))
    target = f"sqlite:///{FOLDER / 'restored.db'}"
    _timed(
        "db restore (checked, new file)",
        anchor,
        lambda: db_ops.restore(copy, target, force=False, sign_in=lambda d: Ctx(d, DEMO_BUILDER)),
    )
    _timed("db check", anchor, lambda: db_ops.check(db))
    db.dispose()


if __name__ == "__main__":
    main()
