"""Time building the demo database with a million decisions into a fresh SQLite file.
Prints the figures (seconds, decisions per second, file size, peak memory); asserts
nothing.

    python bench/bench_demo.py [DECISIONS]

The accounts step is timed apart: it hashes each demo password with argon2 on purpose,
which costs the same whatever the number of decisions.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from rcrp_tui.sample_data.demo import build_demo
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database

DEFAULT = 1_000_000


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-demo.db"
        db = Database(f"sqlite:///{path}")
        schema.upgrade(db)
        marks: dict[str, float] = {}

        def progress(line: str) -> None:
            if line.startswith("Generating"):
                marks["decisions"] = time.perf_counter()

        started = time.perf_counter()
        build_demo(db, decisions=total, progress=progress)
        finished = time.perf_counter()
        db.dispose()
        accounts = marks["decisions"] - started
        decisions = finished - marks["decisions"]
        print(f"demo build, {total:,} decisions, SQLite file")
        print(f"  total             {finished - started:8.1f} s")
        print(f"  accounts          {accounts:8.1f} s  (argon2 hashing of the demo accounts)")
        print(f"  decisions         {decisions:8.1f} s  ({total / decisions:,.0f} decisions/s)")
        print(f"  database size     {_size(path) / 1e6:8.1f} MB")
        usage = resource.getrusage(resource.RUSAGE_SELF)
        # CPU seconds do not depend on how busy a shared machine is; wall seconds do.
        print(f"  CPU time          {usage.ru_utime + usage.ru_stime:8.1f} s  (user + system)")
        print(f"  peak memory       {usage.ru_maxrss / 1024:8.1f} MB")  # ru_maxrss is KiB


if __name__ == "__main__":
    main()
