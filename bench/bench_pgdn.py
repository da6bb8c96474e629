"""Benchmark: PgDn end to end in tmux, the decision browser on a million decisions against a
bare Textual DataTable.

Both apps run in a real terminal (a detached tmux session, 100x30) as a person runs
them. For each of ``--presses`` PgDn presses the script notes the pane, sends the key
and polls ``tmux capture-pane`` until the table part of the pane has changed: the time
from the key to the first changed frame. The two apps alternate in blocks of 25
presses, so load on the (shared) machine falls on both alike.

* ``bare``: a Textual app with one DataTable of 20,000 rows of seven columns;
* ``rcrp``: ``rcrp-tui`` on a copy of the 1M demo database kept under
  /tmp/rcrp-pgdn-bench (built once from bench/bench_kpis.py's demo database, or with
  ``sample_data.demo`` when that is missing), signed in as floorwalker1, F2, then PgDn.

With ``--default-gc`` a third session runs rcrp-tui with ``rcrp_tui.gc_tuning`` switched
off (Python's own collector settings), to show what the tuning does in the same run.

Prints p50/p95/p99 of each and the ratio of the p95s (target, issue 20: at most 1.5x).
Asserts nothing. Run: ``python bench/bench_pgdn.py [--presses N] [--default-gc]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FOLDER = Path("/tmp/rcrp-pgdn-bench")
DATABASE = FOLDER / "pgdn-1m.db"
KPI_BASE = Path("/tmp/rcrp-kpi-bench/base-demo.db")
TARGET_RATIO = 1.5
BLOCK = 25
SIZE = ("100", "30")

DEFAULT_GC = """
import sys

from rcrp_tui import gc_tuning
from rcrp_tui.cli import main as cli

gc_tuning.start = gc_tuning.settle = lambda: None  # Python's own collector settings
sys.exit(cli.main())
"""

BARE_APP = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header


class Bare(App[None]):
    def compose(self):
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("received", "CAD", "category", "caller", "outcome", "team", "officer")
        for n in range(20_000):
            table.add_row(
                f"2026-10-{n % 28 + 1:02d} {n % 24:02d}:{n % 60:02d}",
                f"CAD-{n:07d}",
                "medical",
                "public",
                "deployed" if n % 3 else "signposted",
                f"Team {n % 7}",
                f"CO-{n % 300:03d}",
            )
        table.focus()


Bare().run()
"""


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def pane(session: str) -> str:
    # The header (clock, subtitle) and the footer are left out: only the table counts.
    return "\n".join(tmux("capture-pane", "-p", "-t", session).splitlines()[1:-1])


def wait_for(session: str, text: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in tmux("capture-pane", "-p", "-t", session):
        if time.monotonic() > deadline:
            print(tmux("capture-pane", "-p", "-t", session))
            sys.exit(f"{session}: {text!r} did not appear within {timeout:.0f} s")
        time.sleep(0.05)


def settle(session: str) -> None:
    """Wait until the pane has stopped changing for 0.3 s."""
    last, quiet = pane(session), time.monotonic()
    while time.monotonic() - quiet < 0.3:
        time.sleep(0.05)
        now = pane(session)
        if now != last:
            last, quiet = now, time.monotonic()


def press(session: str, key: str = "PageDown", timeout: float = 10.0) -> float:
    """Milliseconds from sending ``key`` to the first changed frame."""
    before = pane(session)
    started = time.perf_counter()
    tmux("send-keys", "-t", session, key)
    while pane(session) == before:
        if time.perf_counter() - started > timeout:
            sys.exit(f"{session}: PgDn changed nothing within {timeout:.0f} s")
    elapsed = (time.perf_counter() - started) * 1000
    time.sleep(0.08)  # a person's key repeat is slower than this
    return elapsed


def start(session: str, command: str) -> None:
    tmux("new-session", "-d", "-s", session, "-x", SIZE[0], "-y", SIZE[1], command)


def prepare_database() -> Path:
    FOLDER.mkdir(parents=True, exist_ok=True)
    if not DATABASE.exists():
        if KPI_BASE.exists():
            shutil.copyfile(KPI_BASE, DATABASE)
        else:
            from rcrp_tui.sample_data.demo import build_demo
            from rcrp_tui.storage import schema
            from rcrp_tui.storage.db import Database

            print("building the demo database with 1,000,000 decisions (once)…", flush=True)
            db = Database(f"sqlite:///{DATABASE}")
            schema.upgrade(db)
            build_demo(db, decisions=1_000_000)
            db.dispose()
    return DATABASE


def percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values), cuts[94], cuts[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--default-gc", action="store_true", help="also rcrp-tui, untuned GC")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("tmux is not installed")
    from rcrp_tui.sample_data.demo import DEMO_PASSWORD

    database = prepare_database()
    rcrp_tui = Path(sys.executable).with_name("rcrp-tui")
    with tempfile.TemporaryDirectory(prefix="rcrp-pgdn-") as tmp:
        bare_script = Path(tmp) / "bare.py"
        bare_script.write_text(BARE_APP, encoding="utf-8")
        env = f"env XDG_CONFIG_HOME={tmp} XDG_DATA_HOME={tmp}"
        default_script = Path(tmp) / "default_gc.py"
        default_script.write_text(DEFAULT_GC, encoding="utf-8")
        bare, rcrp, untuned = "pgdn-bare", "pgdn-rcrp", "pgdn-rcrp-default-gc"
        apps = {rcrp: str(rcrp_tui)}
        if args.default_gc:
            apps[untuned] = f"{sys.executable} {default_script}"
        sessions = [bare, *apps]
        try:
            start(bare, f"{env} {sys.executable} {bare_script}")
            wait_for(bare, "CAD-0000000")
            for session, command in apps.items():
                start(session, f"{env} {command} --database {database}")
                wait_for(session, "Username")
                tmux("send-keys", "-t", session, "floorwalker1", "Tab")
                time.sleep(0.3)
                tmux("send-keys", "-t", session, DEMO_PASSWORD, "Enter")
                wait_for(session, "Home")
                settle(session)
                tmux("send-keys", "-t", session, "F2")
                wait_for(session, "of 1,000,000")
                settle(session)
            settle(bare)
            times: dict[str, list[float]] = {s: [] for s in sessions}
            while len(times[rcrp]) < args.presses:
                for session in sessions:
                    for _ in range(min(BLOCK, args.presses - len(times[session]))):
                        times[session].append(press(session))
        finally:
            for session in sessions:
                subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    b50, b95, b99 = percentiles(times[bare])
    r50, r95, r99 = percentiles(times[rcrp])
    print(f"PgDn end to end in tmux, {args.presses} presses each (ms):")
    print(f"  bare DataTable  p50 {b50:6.1f}  p95 {b95:6.1f}  p99 {b99:6.1f}")
    print(f"  rcrp-tui (1M)   p50 {r50:6.1f}  p95 {r95:6.1f}  p99 {r99:6.1f}")
    if args.default_gc:
        d50, d95, d99 = percentiles(times[untuned])
        print(f"  same, default GC p50 {d50:6.1f}  p95 {d95:6.1f}  p99 {d99:6.1f}")
        print(f"  ratio of p95s with the default GC {d95 / b95:5.2f}x")
    print(f"  ratio of p95s {r95 / b95:5.2f}x   target <= {TARGET_RATIO}x")
    print(f"RESULT pgdn_p95 ms={r95:.1f} anchor_ms={b95:.1f} target_ratio={TARGET_RATIO}")


if __name__ == "__main__":
    main()
