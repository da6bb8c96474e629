"""Load: many floorwalkers working one sample queue at once on PostgreSQL, each terminal
hearing the others' changes through the change feed.

What runs (honestly): ``--workers`` OS processes (default 20), each one terminal's work
WITHOUT Textual. A worker signs in through ``services.core.auth.sign_in`` as its own
floorwalker (as the sign-in screen does), starts the change watcher the app starts at
sign-in (``storage.change_feed.PgListener``: LISTEN on a connection of its own), and a
refresher thread doing what an open queue screen does when told of a change (reads its
page of the queue and the sample's progress, a burst gathered into one read as
``ui.common.live`` does). Its main thread works the queue through the same services the
queue and review screens call: take next (claim), start the review, save a draft, submit
(which finishes the item), with ``--think-ms`` between saves. Twenty Textual apps would
add screen drawing to two cores; what is measured here is the database, the services and
the feed.

It prints, against an anchor (one worker alone, the same loop, in the same run):

- saves per second, and the median and p95 save time (every save: claim, start, draft,
  submit), under load and alone;
- notification delay: from the moment a claim's or a completion's transaction was sent
  COMMIT (PostgreSQL sends the notification at commit) to the moment each worker's
  listener thread received it (median, p95, max), across processes on one machine;
- conflicts (a save refused because someone else changed the record), errors (anything
  else), lost notifications (a claim or completion some listener never heard), and lost
  or doubled updates (claims and completions the workers reported against the audit log
  and the items' final states).

Targets (issue 21): 0 errors, 0 lost, p95 save < 200 ms, notification p95 < 2 s.

PostgreSQL: ``--postgres URL`` (or RCRP_TEST_POSTGRES_URL) names a server, where a
throw-away database is created and dropped; without one a throw-away server is started
in a temporary folder as .ci/postgres.sh does (fsync off, like CI) and stopped afterwards.
Run: ``python bench/bench_live_load.py [--workers 20] [--seconds 120] [--think-ms 500]
[--without-feed] [--listen-only]``; ``--without-feed`` runs the same load again with no
listener and no screen reads, to show what the feed costs; ``--listen-only`` runs it
listening but never reading the page, to show which part of that cost is the reads.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _live_setup import (
    PASSWORD,
    cheap_hashing,
    check_claims_and_completions,
    pct,
    seed,
    server,
    throwaway_database,
)
from sqlalchemy import event

#: How long a refresher gathers a burst of changes before reading, and how often at most
#: it reads, are the app's (ui.common.live, imported in the worker).
#: How long listeners keep listening after the last save, so late notifications count.
DRAIN_SECONDS = 3.0


# ----- one terminal ----------------------------------------------------------------------


@dataclass
class Result:
    username: str
    saves: list[tuple[str, float]] = field(default_factory=list)  # (kind, ms)
    events: list[tuple[int, str, float]] = field(default_factory=list)  # (item, kind, done at)
    heard: dict[int, list[float]] = field(default_factory=dict)  # item -> receive times
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    refreshes: int = 0
    progress_only: int = 0  # refreshes that read only the progress line
    claims: int = 0
    completions: int = 0
    reconnects: int = 0
    cpu_saving: float = 0.0  # CPU seconds of the thread that saves
    cpu_screen: float = 0.0  # CPU seconds of the thread reading the page when told
    cpu_process: float = 0.0  # CPU seconds of the whole process (listener included)


def work(
    url: str,
    username: str,
    sample_id: int,
    seconds: float,
    think_ms: int,
    mode: str,
    ready: Any,
    go: Any,
    finished: Any,
    out: Any,
) -> None:
    """One floorwalker's terminal: sign in, listen, work the queue for ``seconds``."""
    from rcrp_tui.domain.clock import SystemClock
    from rcrp_tui.domain.scoring import Answer, Judgement
    from rcrp_tui.services.core import auth
    from rcrp_tui.services.core.context import Ctx
    from rcrp_tui.services.core.errors import Conflict, ServiceError
    from rcrp_tui.services.reviews import saving as reviews
    from rcrp_tui.services.reviews.records import AnswerEntry
    from rcrp_tui.services.sampling import queue as sample_queue
    from rcrp_tui.storage.change_feed import QUEUE, Change, PgListener
    from rcrp_tui.storage.db import Database
    from rcrp_tui.ui.common import live

    cheap_hashing()  # the accounts' hashes are cheap: sign-in must not rehash them
    result = Result(username)
    db = Database(url)
    clock = SystemClock()
    ctx = Ctx(db, auth.sign_in(db, clock, username, PASSWORD), clock)
    dirty = threading.Event()
    stop = threading.Event()
    lock = threading.Lock()

    named: set[int] = set()  # items named since the screen last read
    unnamed = threading.Event()  # a change that named no items

    def heard(change: Change) -> None:
        now = time.time()
        if change.topic != QUEUE:
            return
        with lock:
            for item_id in change.ids:
                result.heard.setdefault(item_id, []).append(now)
            named.update(change.ids)
        if not change.ids:
            unnamed.set()
        dirty.set()

    def refresher() -> None:
        """What the open queue screen does when told (ui/sampling/queue.py): its page and
        the progress again, or only the progress when none of the items named is on its
        page and the page is not the last."""
        last = 0.0
        page: set[int] = set()
        more = False
        while not stop.is_set():
            if not dirty.wait(0.2):
                continue
            time.sleep(max(live.GATHER_SECONDS, last + live.MIN_GAP_SECONDS - time.monotonic()))
            last = time.monotonic()
            dirty.clear()
            with lock:
                told = set(named)
                named.clear()
            vague = unnamed.is_set()
            unnamed.clear()
            try:
                began = time.thread_time()
                if told and not vague and more and not told & page:
                    result.progress_only += 1
                else:
                    items = sample_queue.queue_page(ctx, sample_id, after_position=0, limit=51)
                    page, more = {i.id for i in items[:50]}, len(items) > 50
                sample_queue.progress(ctx, sample_id)
                result.cpu_screen += time.thread_time() - began
                result.refreshes += 1
            except Exception as exc:  # counted, never hidden
                result.errors.append(f"refresh: {exc!r}")

    # When this thread's last transaction was sent COMMIT: a notification is sent at
    # commit, so its delay is counted from here (at most the COMMIT's round trip early).
    committed = threading.local()

    def on_commit(_conn: Any) -> None:
        committed.at = time.time()

    event.listen(db.engine, "commit", on_commit)
    listener = PgListener(db, heard)
    screen = threading.Thread(target=refresher, daemon=True)
    if mode != "none":
        listener.start()
        listener.ready.wait(30)
    if mode == "feed":
        screen.start()
    ready.put(username)
    go.wait()

    def timed(kind: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            value = call(*args, **kwargs)
        except Conflict:
            result.conflicts += 1
            raise
        except ServiceError as exc:
            result.errors.append(f"{kind}: {exc.message}")
            raise
        except Exception as exc:
            result.errors.append(f"{kind}: {exc!r}")
            raise
        result.saves.append((kind, (time.perf_counter() - began) * 1000))
        return value

    def think() -> None:
        if think_ms:
            time.sleep(think_ms / 1000)

    cpu_began, process_began = time.thread_time(), time.process_time()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            item = timed("claim", sample_queue.take_next, ctx, sample_id)
            if item is None:
                break  # the queue is empty
            result.events.append((item.id, "claim", committed.at))
            result.claims += 1
            think()
            job = timed("start review", reviews.open_for_decision, ctx, item.decision_id)
            codes = [c.code for c in job.criteria]
            half = {c: AnswerEntry(Answer.MET) for c in codes[: len(codes) // 2]}
            draft = timed("save draft", reviews.save, ctx, job.review, half, None)
            think()
            answers = {c: AnswerEntry(Answer.MET) for c in codes}
            timed("submit", reviews.submit, ctx, draft, answers, Judgement.APPROPRIATE)
            result.events.append((item.id, "done", committed.at))
            result.completions += 1
            think()
        except Exception:
            time.sleep(0.1)  # counted in timed(); go on with the next item
    result.cpu_saving = time.thread_time() - cpu_began
    finished.wait()  # every terminal has finished working: listen a moment longer
    time.sleep(DRAIN_SECONDS)
    stop.set()
    if mode != "none":
        listener.stop()
    if mode == "feed":
        screen.join(2)
    result.reconnects = max(0, listener.connections - 1)
    result.cpu_process = time.process_time() - process_began
    db.dispose()
    out.put(result)


# ----- running and reporting ---------------------------------------------------------------


def run(
    url: str, sample_id: int, names: list[str], seconds: float, think_ms: int, mode: str = "feed"
) -> tuple[list[Result], float]:
    """Run ``names`` at once; ``mode``: "feed" (listen and read the page when told, as the
    app does), "listen" (listen only) or "none" (neither)."""
    spawn = mp.get_context("spawn")
    ready, out = spawn.Queue(), spawn.Queue()
    go = spawn.Event()
    finished = spawn.Barrier(len(names))
    procs = [
        spawn.Process(
            target=work,
            args=(url, n, sample_id, seconds, think_ms, mode, ready, go, finished, out),
        )
        for n in names
    ]
    for p in procs:
        p.start()
    for _ in names:
        ready.get(timeout=300)  # every terminal signed in and listening
    began = time.monotonic()
    go.set()
    results = [out.get(timeout=seconds + 300) for _ in names]
    elapsed = time.monotonic() - began - DRAIN_SECONDS
    for p in procs:
        p.join(30)
    return results, elapsed


def delays(results: list[Result]) -> tuple[list[float], int, int]:
    """Each claim's and completion's delay to every listener; how many never arrived."""
    events: dict[int, list[float]] = {}
    for r in results:
        for item_id, _kind, at in r.events:
            events.setdefault(item_id, []).append(at)
    for times in events.values():
        times.sort()
    found: list[float] = []
    lost = expected = 0
    for listener in results:
        for item_id, times in events.items():
            got = sorted(listener.heard.get(item_id, []))
            for n, at in enumerate(times):
                expected += 1
                if n < len(got):
                    found.append((got[n] - at) * 1000)
                else:
                    lost += 1
    return found, lost, expected


def check_database(url: str, results: list[Result]) -> list[str]:
    """Claims and completions the workers reported, against the audit log and the items."""
    claims = sum(r.claims for r in results)
    completions = sum(r.completions for r in results)
    return check_claims_and_completions(url, claims, completions)


def report(
    label: str, results: list[Result], elapsed: float, feed: bool = True
) -> dict[str, float]:
    saves = [ms for r in results for _k, ms in r.saves]
    notify, lost, expected = delays(results)
    errors = [e for r in results for e in r.errors]
    print(f"{label}: {len(results)} terminal(s), {elapsed:.0f} s")
    print(
        f"  saves {len(saves)} = {len(saves) / elapsed:.1f}/s · median "
        f"{statistics.median(saves) if saves else float('nan'):.1f} ms · p95 "
        f"{pct(saves, 0.95):.1f} ms · max {max(saves, default=float('nan')):.1f} ms"
    )
    for kind in ("claim", "start review", "save draft", "submit"):
        these = [ms for r in results for k, ms in r.saves if k == kind]
        print(f"    {kind:<12} n={len(these):<5} p95 {pct(these, 0.95):6.1f} ms")
    print(
        f"  items claimed {sum(r.claims for r in results)}, completed "
        f"{sum(r.completions for r in results)}; screen refreshes "
        f"{sum(r.refreshes for r in results)} ({sum(r.progress_only for r in results)} "
        "of them the progress line only)"
    )
    if not feed:
        notify, lost = [], 0
    print(
        f"  notification delay: median {statistics.median(notify) if notify else float('nan'):.0f}"
        f" ms · p95 {pct(notify, 0.95):.0f} ms · max {max(notify, default=float('nan')):.0f} ms "
        f"({len(notify)} of {expected} heard; lost {lost})"
        if feed
        else "  notification delay: (no listener in this run)"
    )
    print(
        f"  conflicts {sum(r.conflicts for r in results)} · errors {len(errors)} · listener "
        f"reconnects {sum(r.reconnects for r in results)}"
    )
    print(
        f"  client CPU: saving {sum(r.cpu_saving for r in results):.1f} s, screen reads "
        f"{sum(r.cpu_screen for r in results):.1f} s, whole processes "
        f"{sum(r.cpu_process for r in results):.1f} s (listeners and the rest: the difference)"
    )
    for e in errors[:10]:
        print(f"    error: {e}")
    return {
        "p95": pct(saves, 0.95),
        "notify_p95": pct(notify, 0.95) if notify else 0.0,
        "errors": float(len(errors)),
        "lost": float(lost),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--anchor-seconds", type=float, default=15.0)
    think = "pause between one terminal's saves (0: as fast as it can)"
    parser.add_argument("--think-ms", type=int, default=500, help=think)
    sized = "sample size (default: enough for the run)"
    parser.add_argument("--items", type=int, default=0, help=sized)
    parser.add_argument("--postgres", default=os.environ.get("RCRP_TEST_POSTGRES_URL"))
    quiet = "also run the same load with no listener and no screen reads (the feed's cost)"
    parser.add_argument("--without-feed", action="store_true", help=quiet)
    listen = "also run it listening but never reading the page (the reads' share of the cost)"
    parser.add_argument("--listen-only", action="store_true", help=listen)
    args = parser.parse_args()
    per_item = max(0.05, 4 * 0.03 + 3 * args.think_ms / 1000)
    runs = 1 + int(args.without_feed) + int(args.listen_only)
    items = args.items or int(
        (args.workers * args.seconds * runs + args.anchor_seconds) / per_item * 1.5 + 50
    )
    with (
        suppress(KeyboardInterrupt),
        server(args.postgres) as started,
        throwaway_database(started) as url,
    ):
        began = time.monotonic()
        sample_id = seed(url, args.workers + 1, items)
        print(
            f"PostgreSQL {url.rsplit('@', 1)[-1]} · sample of {items} decisions, "
            f"{args.workers + 1} floorwalkers (seeded in {time.monotonic() - began:.0f} s) "
            f"· think {args.think_ms} ms · {os.cpu_count()} CPU(s)"
        )
        anchor, anchor_s = run(url, sample_id, ["fw01"], args.anchor_seconds, args.think_ms)
        alone = report("anchor (one terminal alone)", anchor, anchor_s)
        names = [f"fw{n:02d}" for n in range(2, args.workers + 2)]
        loaded, loaded_s = run(url, sample_id, names, args.seconds, args.think_ms)
        under = report(f"load ({args.workers} terminals at once)", loaded, loaded_s)
        quiet: list[Result] = []
        if args.listen_only:
            heard, heard_s = run(url, sample_id, names, args.seconds, args.think_ms, "listen")
            label = f"the same load listening, no page reads ({args.workers} terminals)"
            listening = report(label, heard, heard_s)
            quiet += heard
            cost = listening["p95"] / under["p95"] if under["p95"] else float("nan")
            print(f"p95 save listening only is {cost:.2f}x with the page reads")
        if args.without_feed:
            none, none_s = run(url, sample_id, names, args.seconds, args.think_ms, "none")
            label = f"the same load without the feed ({args.workers} terminals)"
            without = report(label, none, none_s, feed=False)
            quiet += none
            cost = under["p95"] / without["p95"] if without["p95"] else float("nan")
            print(f"p95 save with the feed is {cost:.2f}x without it")
        problems = check_database(url, anchor + loaded + quiet)
        print(f"  lost or doubled updates: {len(problems)}")
        for p in problems:
            print(f"    {p}")
        ratio = under["p95"] / alone["p95"] if alone["p95"] else float("nan")
        print(f"p95 save under load is {ratio:.1f}x the anchor's")
        met = (
            under["errors"] == 0
            and under["lost"] == 0
            and not problems
            and under["p95"] < 200
            and under["notify_p95"] < 2000
        )
        print(
            "targets (0 errors, 0 lost, p95 save < 200 ms, notification p95 < 2 s): "
            + ("met" if met else "NOT met")
        )
        print(
            f"RESULT live_load_p95_save ms={under['p95']:.1f} "
            f"anchor_ms={alone['p95']:.1f} target_ms=200"
        )
        print(f"RESULT live_load_notify_p95 ms={under['notify_p95']:.1f} target_ms=2000")
        print(f"RESULT live_load_errors n={under['errors']:.0f} target_n=0")
        print(f"RESULT live_load_lost n={under['lost'] + len(problems):.0f} target_n=0")


if __name__ == "__main__":
    main()
