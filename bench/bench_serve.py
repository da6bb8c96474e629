"""Benchmark: ``rcrp-tui serve`` in headless Chromium, against the page's own load.

Serves a fixed-window demo database (built once into ``--folder``) and, ``--runs`` times,
opens the app in a fresh browser context (nothing cached from the run before, as a new
person's browser) of Debian's Chromium driven by Playwright, and times from ``page.goto``:

* ``page load`` (the anchor): the browser has the page, its script and its styles
  (the ``load`` event): what any page of this server costs before the app is involved;
* ``sign-in painted``: the sign-in screen is drawn in the browser's terminal (the
  session's app process started, opened the database and painted);

then, from the key press: ``home painted`` after signing in as floorwalker1 (includes the
deliberately slow password check) and ``decisions painted`` after F2 (the first page of
decisions shown). The screen is read as the browser shows it (``BrowserScreen``: the
WebSocket stream through a terminal emulator, polled every 10 ms). It also prints the
memory (RSS) of one session's app process after F2, so a server can be sized.

Prints medians and ``RESULT`` lines (sign-in painted, with the page load as its anchor).
Needs /usr/bin/chromium. Run: ``python bench/bench_serve.py [--runs N] [--folder DIR]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.serve_helpers import (
    CHROMIUM,
    FLAGS,
    VIEWPORT,
    BrowserScreen,
    served,
    session_pids,
)

PASSWORD = "rcrp-demo-2026"


def _demo(folder: Path) -> Path:
    from rcrp_tui.cli.main import main

    path = folder / "bench-serve-demo.db"
    if not path.exists():
        started = time.perf_counter()
        main(["demo", "--database", str(path), "--fixed-window", "--no-open"])
        print(f"built the demo in {time.perf_counter() - started:.1f} s")
    return path


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _app_pid(server_pid: int) -> int | None:
    for pid in session_pids(server_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"rcrp_tui" in command and b"serve" not in command:
            return pid
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print("no /usr/bin/chromium: apt-get install chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    database = _demo(args.folder)
    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    figures: dict[str, list[float]] = {
        "page load": [],
        "sign-in painted": [],
        "home painted": [],
        "decisions painted": [],
    }
    memory: list[float] = []
    with served(database, work) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS
        )
        for run in range(args.runs):
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            screen = BrowserScreen(page, server, work, poll_ms=10)
            started = time.perf_counter()
            page.goto(server.url, wait_until="load")
            figures["page load"].append(time.perf_counter() - started)
            screen.wait_for(r"Username", "the sign-in screen")
            figures["sign-in painted"].append(time.perf_counter() - started)
            screen.wait_for(r"Sign in · ", "the database opened")
            page.focus(".xterm-helper-textarea")
            page.keyboard.type("floorwalker1")
            page.keyboard.press("Tab")
            page.keyboard.type(PASSWORD)
            started = time.perf_counter()
            page.keyboard.press("Enter")
            screen.wait_for(r"Floorwalker 1 \(Floorwalker\)", "home")
            figures["home painted"].append(time.perf_counter() - started)
            started = time.perf_counter()
            page.keyboard.press("F2")
            screen.wait_for(r"showing 1\u201350 of", "the decisions")
            figures["decisions painted"].append(time.perf_counter() - started)
            pid = _app_pid(server.process.pid)
            if pid is not None:
                memory.append(_rss_mib(pid))
            context.close()
            print(
                f"run {run + 1}: "
                + ", ".join(f"{k} {v[-1] * 1000:.0f} ms" for k, v in figures.items())
            )
            time.sleep(1)  # the closed tab's process ends
        browser.close()
    print(f"\nmedians of {args.runs} runs (Chromium {CHROMIUM}, viewport 1280x800):")
    for name, values in figures.items():
        print(f"  {name:<18} {statistics.median(values) * 1000:7.0f} ms")
    if memory:
        print(f"  one session's app process after F2: {statistics.median(memory):.0f} MiB RSS")
    load = statistics.median(figures["page load"]) * 1000
    paint = statistics.median(figures["sign-in painted"]) * 1000
    print(f"RESULT serve_first_paint ms={paint:.0f} anchor_ms={load:.0f}")
    home = statistics.median(figures["home painted"]) * 1000
    f2 = statistics.median(figures["decisions painted"]) * 1000
    print(f"RESULT serve_home ms={home:.0f}")
    print(f"RESULT serve_f2 ms={f2:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
