"""Time ``audit verify`` over a million audit rows, against a bare walk that reads the same
rows with the ``sqlite3`` module and hashes each one once, and measure its peak memory.

    python bench/bench_audit_verify.py [--rows N] [--rebuild]

Builds (once, under /tmp/rcrp-audit-bench) a SQLite database whose audit log holds
``--rows`` chained rows, written through ``storage.audit_chain``'s hashing with every
trigger in place. Prints the verify time, the anchor's time, their ratio, and how far the
process's peak resident memory rose during the walk (it should not grow with the number
of rows; tracemalloc is not used, as it slows the walk several times over). Asserts
nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.services.core.audit_verify import verify_chain
from rcrp_tui.services.core.context import DEMO_BUILDER, Ctx
from rcrp_tui.storage import audit_chain, schema
from rcrp_tui.storage.audit_chain import AuditContent
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import audit_table

FOLDER = Path("/tmp/rcrp-audit-bench")
START = datetime(2026, 10, 5, tzinfo=UTC)
BATCH = 10_000


def _build(path: Path, rows: int) -> None:
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db)
    prev: str | None = None
    n = 0
    while n < rows:
        batch = []
        for i in range(n + 1, min(rows, n + BATCH) + 1):
            content = AuditContent(
                i,
                START + timedelta(seconds=i),
                i % 40 + 1,
                f"user{i % 40}",
                "floorwalker",
                "review_saved",
                "review",
                str(i // 3),
                json.dumps({"status": "draft", "score": i % 100}),
                json.dumps({"status": "submitted", "score": (i + 7) % 100}),
            )
            digest = audit_chain.row_hash(content, prev, None)
            batch.append(
                {
                    "id": i,
                    "at": content.at,
                    "actor_user_id": content.actor_user_id,
                    "actor": content.actor,
                    "actor_role": content.actor_role,
                    "action": content.action,
                    "entity": content.entity,
                    "entity_id": content.entity_id,
                    "before_json": content.before_json,
                    "after_json": content.after_json,
                    "prev_hash": prev,
                    "row_hash": digest,
                    "hash_kind": audit_chain.PLAIN,
                    "key_id": None,
                }
            )
            prev = digest
        with db.write_connection() as conn:
            conn.execute(audit_table.insert(), batch)  # each row through the chain triggers
        n += len(batch)
        print(f"  {n:,} rows", end="\r", flush=True)
    print()
    db.dispose()


def _bare_walk(path: Path) -> int:
    """Read every row in id order, a page at a time, and SHA-256 its text once."""
    conn = sqlite3.connect(path)
    last, count = 0, 0
    while True:
        page = conn.execute(
            "SELECT id, at, actor_user_id, actor, actor_role, action, entity, entity_id, "
            "before_json, after_json, prev_hash, row_hash FROM audit_log WHERE id > ? "
            "ORDER BY id LIMIT 5000",
            (last,),
        ).fetchall()
        if not page:
            break
        for row in page:
            hashlib.sha256(json.dumps(row[:11]).encode()).hexdigest()
        last, count = page[-1][0], count + len(page)
    conn.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    path = FOLDER / f"audit-{args.rows}.db"
    if args.rebuild and FOLDER.exists():
        shutil.rmtree(FOLDER)
    if not path.exists():
        FOLDER.mkdir(parents=True, exist_ok=True)
        print(f"building {args.rows:,} chained audit rows in {path} …")
        _build(path, args.rows)

    started = time.perf_counter()
    walked = _bare_walk(path)
    anchor = time.perf_counter() - started

    db = Database(f"sqlite:///{path}")
    ctx = Ctx(db, DEMO_BUILDER, FixedClock(START))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    state = verify_chain(ctx)
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    db.dispose()
    if not state.intact or state.rows != walked:
        sys.exit(f"unexpected: {state.describe()}")
    print(state.describe())
    print(f"audit verify:        {took:7.2f} s  ({state.rows / took:,.0f} rows/s)")
    print(f"bare read + sha256:  {anchor:7.2f} s  (anchor, same rows)")
    print(f"ratio:               {took / anchor:7.2f}x")
    print(f"peak memory rose by {(peak - before) / 1024:.1f} MB during verify (max RSS)")


if __name__ == "__main__":
    main()
