"""Load with the real app: many floorwalkers, each in a headless RcrpApp, working one sample
queue on PostgreSQL through the keys, each screen hearing the others through the feed.

What runs: ``--apps`` OS processes (default 20), each one ``RcrpApp`` (``run_test``:
Textual's headless driver, the whole app, screens drawn off-screen) driven by a Pilot as
a person would: it types its own floorwalker's name and password into the sign-in screen,
F3, Enter on the sample, then until the time is up: n (take next: the claim, and the review
opens), 1 for half the criteria, ctrl+s (save draft), 1 for the rest, o 1 (judgement), F10
(submit: the item is done), escape (back to the queue), with ``--think-ms`` after each save.

Pace: by default each app works as a quick person does: ``--key-ms`` (300) between key
presses and about ``--read-ms`` (8,000; each item 0.5 to 1.5 times it, and each app
starting at its own moment, as people are not in step) reading the decision when its
review opens, about 15 s an item, where a real floorwalker takes minutes.
``--key-ms 0 --read-ms 0`` drives every app as fast as the machine allows: then the apps'
own drawing needs far more CPU than a 2-core machine has for 20 of them, and the save
times measure the queue for the CPU.

Measured in each app process (one machine, one clock):

- save time: from the key press (n, ctrl+s, F10) to the commit of the write it started
  (the service call, wrapped in the process); "start review" is the draft the review screen
  creates on opening, timed from the claim's commit;
- notification delay: from the commit of a claim or a completion in one app to (a) the
  moment each other app's change feed hands it to its front screen and (b) the moment an
  app whose queue screen was in front redrew that screen for it;
- conflicts (a save refused because someone else changed the record, shown to the user),
  errors (any exception in a save, a failed background job, an error or warning message,
  or a screen that did not come within 30 s) and lost saves (what an app believes it saved
  and the database does not hold, checked by the parent at the end).

Anchor: one app alone, the same loop, in the same run. Targets (issue 21): 0 errors,
0 lost, p95 save < 200 ms, notification p95 < 2 s.

Run: ``python bench/bench_live_apps.py [--apps 20] [--seconds 120] [--think-ms 500]
[--postgres URL] [--profile]``; without ``--postgres`` (or RCRP_TEST_POSTGRES_URL) a
throw-away server is started as .ci/postgres.sh does. ``--profile`` profiles the UI thread
of one of the apps (cProfile, CPU time) and prints where its time went.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _live_app_probe import Result, instrument
from _live_setup import PASSWORD, check_claims_and_completions, pct, seed, server
from _live_setup import throwaway_database as database

#: How long apps keep running after the last save, so late notifications count.
DRAIN_SECONDS = 3.0
#: A screen that has not come within this long is an error ("unexpected screen").
SCREEN_WAIT_SECONDS = 30.0
TARGET_SAVE_MS, TARGET_NOTIFY_MS = 200.0, 2000.0


async def _drive(app: Any, pilot: Any, result: Result, pressed: dict[str, float],
                 args: tuple[Any, ...]) -> None:  # fmt: skip
    from rcrp_tui.domain.review_workflow import ReviewStatus
    from rcrp_tui.ui.reviews.dialogs import JudgementDialog
    from rcrp_tui.ui.reviews.review import ReviewScreen
    from rcrp_tui.ui.sampling.queue import SampleQueueScreen
    from rcrp_tui.ui.sampling.samples import SamplesScreen

    seconds, think_ms, key_ms, read_ms, ready, go, finished = args

    async def until(what: str, check: Any) -> bool:
        deadline = time.monotonic() + SCREEN_WAIT_SECONDS
        while not check():
            if time.monotonic() > deadline:
                result.errors.append(f"unexpected screen: {type(app.screen).__name__}, not {what}")
                return False
            await pilot.pause(0.01)
        return True

    async def press(*keys: str) -> None:
        for key in keys:
            if key_ms:
                await pilot.pause(key_ms / 1000)
            pressed[key] = time.perf_counter()
            await pilot.press(key)

    async def think() -> None:
        await pilot.pause(think_ms / 1000)

    await until("sign-in", lambda: type(app.screen).__name__ == "SignInScreen")
    await pilot.pause(0.2)
    await pilot.press(*result.username, "enter", *PASSWORD, "enter")
    await until("home", lambda: app.actor is not None and type(app.screen).__name__ == "HomeScreen")
    await press("f3")
    await until("samples", lambda: isinstance(app.screen, SamplesScreen) and app.screen.page)
    await press("enter")
    await until("queue", lambda: isinstance(app.screen, SampleQueueScreen) and app.screen.state)
    queue = app.screen
    ready.put(result.username)
    result.signed_in = True
    await asyncio.to_thread(go.wait)
    began = time.process_time()
    deadline = time.monotonic() + seconds
    # People are not in step: each starts at its own moment and reads for its own time.
    # Without this every app would claim, and draw its review, at the same instant.
    rng = random.Random(result.username)
    await pilot.pause(rng.uniform(0, read_ms) / 1000)
    while time.monotonic() < deadline:
        await press("n")
        if not await until("review", lambda: isinstance(app.screen, ReviewScreen)
                           and app.screen.base is not None):  # fmt: skip
            break
        review: ReviewScreen = app.screen
        assert review.work is not None and review.base is not None
        count = len(review.work.criteria)
        await pilot.pause(rng.uniform(0.5, 1.5) * read_ms / 1000)  # reading the decision
        await think()
        version = review.base.row_version
        await press(*["1"] * (count // 2), "ctrl+s")
        saved = lambda r=review, v=version: not r.dirty and r.base.row_version > v  # noqa: E731
        await until("draft saved", saved)
        await think()
        await press(*["1"] * (count - count // 2), "o")
        await until("judgement", lambda: isinstance(app.screen, JudgementDialog))
        await press("1", "f10")
        submitted = lambda r=review: r.base.status is ReviewStatus.SUBMITTED  # noqa: E731
        if not await until("submitted", submitted):
            break
        await press("escape")
        await until("queue", lambda: app.screen is queue)
        await think()
    result.cpu = time.process_time() - began
    await asyncio.to_thread(finished.wait, seconds + 300)
    await pilot.pause(DRAIN_SECONDS)  # late notifications still count


def work(url: str, username: str, seconds: float, pace: tuple[int, int, int], profile: bool,
         ready: Any, go: Any, finished: Any, out: Any) -> None:  # fmt: skip
    """One floorwalker's terminal: the real app, headless, driven by keys."""
    from _live_setup import cheap_hashing

    from rcrp_tui import gc_tuning
    from rcrp_tui.domain.clock import SystemClock
    from rcrp_tui.storage.db import Database
    from rcrp_tui.ui.shell.app import RcrpApp

    cheap_hashing()
    result = Result(username)
    pressed = instrument(result)
    gc_tuning.start()  # as run_app does
    config = Path(tempfile.mkdtemp(prefix="rcrp-bench-app."))
    app = RcrpApp(Database(url), clock=SystemClock(), settings_path=config / "settings.json",
                  keymap_path=config / "keymap.toml", idle_minutes=0)  # fmt: skip

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await _drive(app, pilot, result, pressed, (seconds, *pace, ready, go, finished))

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.thread_time)  # the UI thread's own CPU time
        profiler.enable()
    try:
        asyncio.run(main())
    except Exception as exc:  # counted, never hidden
        result.errors.append(f"app: {exc!r}")
        if not result.signed_in:
            ready.put(username)  # the parent is not kept waiting for an app that failed
        with suppress(Exception):
            finished.abort()  # nor are the others, at the end
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
        result.profile = text.getvalue()
    out.put(result)


def run(url: str, names: list[str], seconds: float, pace: tuple[int, int, int],
        profile: bool = False) -> tuple[list[Result], float]:  # fmt: skip
    spawn = mp.get_context("spawn")
    ready, out = spawn.Queue(), spawn.Queue()
    go = spawn.Event()
    finished = spawn.Barrier(len(names))
    procs = [
        spawn.Process(
            target=work,
            args=(url, n, seconds, pace, profile and i == 0, ready, go, finished, out),
        )
        for i, n in enumerate(names)
    ]
    for p in procs:
        p.start()
    for _ in names:
        ready.get(timeout=600)  # every app signed in, its queue on screen
    began = time.monotonic()
    go.set()
    results = [out.get(timeout=seconds + 600) for _ in names]
    elapsed = time.monotonic() - began - DRAIN_SECONDS
    for p in procs:
        p.join(30)
    return results, elapsed


def delays(results: list[Result]) -> tuple[list[float], list[float], int, int]:
    """For each claim and completion and each other app: commit -> told, commit -> queue
    screen redrawn (when it was in front); how many were never told; how many expected."""
    told_ms: list[float] = []
    drawn_ms: list[float] = []
    lost = expected = 0
    for maker in results:
        for item_id, at in maker.events:
            for other in results:
                if other is maker:
                    continue
                expected += 1
                told = next((t for t, ids in other.told if t >= at and item_id in ids), None)
                if told is None:
                    lost += 1
                    continue
                told_ms.append((told - at) * 1000)
                drawn = next((t for t, ids in other.redrawn if t >= told and item_id in ids), None)
                if drawn is not None and drawn - told < 1.0:  # the queue was in front
                    drawn_ms.append((drawn - at) * 1000)
    return told_ms, drawn_ms, lost, expected


def lost_saves(url: str, results: list[Result]) -> list[str]:
    """Saves the apps believe they made that the database does not hold."""
    from sqlalchemy import select

    from rcrp_tui.storage.db import Database
    from rcrp_tui.storage.review_models import reviews_table
    from rcrp_tui.storage.sampling_models import sample_items_table

    db = Database(url)
    r, i = reviews_table.c, sample_items_table.c
    with db.read() as session:
        reviews = {row.id: row for row in session.execute(select(r.id, r.status, r.row_version))}
        items = {row.id: row for row in session.execute(select(i.id, i.status))}
    db.dispose()
    problems: list[str] = []
    for res in results:
        for review_id, version, what in res.saved:
            row = reviews.get(review_id)
            if (
                row is None
                or row.row_version < version
                or (what == "submit" and row.status == "draft")
            ):
                problems.append(f"{res.username}: {what} of review {review_id} v{version}")
        for item_id in res.completed:
            if items.get(item_id) is None or items[item_id].status != "done":
                problems.append(f"{res.username}: item {item_id} not done")
    claims = sum(len(set(res.claimed)) for res in results)
    completions = sum(len(res.completed) for res in results)
    return problems + check_claims_and_completions(url, claims, completions)


def report(
    label: str, results: list[Result], elapsed: float, url: str, before: list[Result]
) -> dict[str, float]:
    """Print one run's figures; ``before``: the runs before it on this database (the
    database check covers them all)."""
    saves = [ms for res in results for _k, ms in res.saves]
    told, drawn, not_told, expected = delays(results)
    errors = [e for res in results for e in res.errors]
    lost = lost_saves(url, before + results)
    nan = float("nan")
    print(f"{label}: {len(results)} app(s), {elapsed:.0f} s")
    print(
        f"  saves {len(saves)} = {len(saves) / elapsed:.2f}/s · median "
        f"{statistics.median(saves) if saves else nan:.0f} ms · p95 {pct(saves, 0.95):.0f} ms"
        f" · max {max(saves, default=nan):.0f} ms (key press to commit)"
    )
    keyed = [ms for res in results for k, ms in res.saves if k != "start review"]
    print(
        f"  the saves a key starts (claim, save draft, submit): median "
        f"{statistics.median(keyed) if keyed else nan:.0f} ms · p95 {pct(keyed, 0.95):.0f} ms"
    )
    for kind in ("claim", "start review", "save draft", "submit"):
        these = [ms for res in results for k, ms in res.saves if k == kind]
        print(f"    {kind:<12} n={len(these):<5} median "
              f"{statistics.median(these) if these else nan:6.0f} ms · p95 "
              f"{pct(these, 0.95):6.0f} ms")  # fmt: skip
    print(f"  items claimed {sum(len(res.claimed) for res in results)}, completed "
          f"{sum(len(res.completed) for res in results)}")  # fmt: skip
    if len(results) > 1:
        print(
            f"  notification, commit -> other app's screen told: median "
            f"{statistics.median(told) if told else nan:.0f} ms · p95 {pct(told, 0.95):.0f} ms"
            f" · max {max(told, default=nan):.0f} ms ({len(told)} of {expected}; "
            f"never told {not_told})"
        )
        print(
            f"  notification, commit -> queue screen redrawn (queue in front): median "
            f"{statistics.median(drawn) if drawn else nan:.0f} ms · p95 {pct(drawn, 0.95):.0f}"
            f" ms · max {max(drawn, default=nan):.0f} ms ({len(drawn)} redraws)"
        )
    cpu = sum(res.cpu for res in results)
    print(f"  conflicts {sum(res.conflicts for res in results)} · errors {len(errors)} · lost "
          f"{len(lost)} · app CPU {cpu:.0f} s in {elapsed:.0f} s "
          f"({cpu / elapsed:.2f} of {os.cpu_count()} cores)")  # fmt: skip
    for e in (errors + lost)[:10]:
        print(f"    {e}")
    for res in results:
        if res.profile:
            print(
                f"  profile of {res.username}'s UI thread (cProfile, CPU time, cumulative):\n"
                + res.profile
            )
    return {
        "p95": pct(saves, 0.95),
        "keyed_p95": pct(keyed, 0.95),
        "notify_p95": max(pct(told, 0.95), pct(drawn, 0.95)) if told else 0.0,
        "bad": float(len(errors) + len(lost) + not_told),
        "rate": len(saves) / elapsed,
        "errors": float(len(errors)),
        "lost": float(len(lost)),
        "never_told": float(not_told),
        "conflicts": float(sum(res.conflicts for res in results)),
    }


def summary(apps: int, under: dict[str, float], alone: dict[str, float]) -> None:
    """The figures, the anchor's and the targets in one table."""
    rows = [("figure", f"{apps} apps", "anchor (1 app)", "target", "met?")]

    def row(label: str, key: str, unit: str, limit: float | None, anchor: bool = True) -> None:
        value = under[key]
        shown = f"{value:.0f} {unit}".strip() if key != "rate" else f"{value:.2f}"
        base = alone[key] if anchor else None
        base_shown = (
            "—"
            if base is None
            else (f"{base:.0f} {unit}".strip() if key != "rate" else f"{base:.2f}")
        )
        if limit is None:
            rows.append((label, shown, base_shown, "—", "—"))
        elif limit == 0:
            rows.append((label, shown, base_shown, "0", "yes" if value == 0 else "NO"))
        else:
            rows.append((label, shown, base_shown, f"< {limit:.0f} {unit}",
                         "yes" if value < limit else "NO"))  # fmt: skip

    row("saves per second", "rate", "", None)
    row("p95 save, every write", "p95", "ms", TARGET_SAVE_MS)
    row("p95 save a key starts", "keyed_p95", "ms", TARGET_SAVE_MS)
    row("notification p95", "notify_p95", "ms", TARGET_NOTIFY_MS, anchor=False)
    row("errors", "errors", "", 0)
    row("lost saves", "lost", "", 0)
    row("notifications never told", "never_told", "", 0, anchor=False)
    row("conflicts (shown, not errors)", "conflicts", "", None)
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for n, r in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--apps", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--anchor-seconds", type=float, default=45.0)
    think = "pause after each save, as a person reading the screen"
    parser.add_argument("--think-ms", type=int, default=500, help=think)
    parser.add_argument("--key-ms", type=int, default=300, help="pause before each key press")
    read = "pause when a review opens, as a person reading the decision"
    parser.add_argument("--read-ms", type=int, default=8000, help=read)
    parser.add_argument("--postgres", default=os.environ.get("RCRP_TEST_POSTGRES_URL"))
    parser.add_argument("--profile", action="store_true", help="profile one app (cProfile)")
    args = parser.parse_args()
    pace = (args.think_ms, args.key_ms, args.read_ms)
    per_item = 1.0 + (3 * args.think_ms + 20 * args.key_ms + args.read_ms) / 1000
    items = int((args.apps * args.seconds + args.anchor_seconds) / per_item * 1.5 + 50)
    with server(args.postgres) as started, database(started) as url:
        began = time.monotonic()
        seed(url, args.apps + 1, items)
        print(
            f"PostgreSQL {url.rsplit('@', 1)[-1]} · sample of {items} decisions, "
            f"{args.apps + 1} floorwalkers (seeded in {time.monotonic() - began:.0f} s) · "
            f"think {args.think_ms} ms, key {args.key_ms} ms, read {args.read_ms} ms · "
            f"{os.cpu_count()} CPU(s) · load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        anchor, anchor_s = run(url, ["fw01"], args.anchor_seconds, pace)
        alone = report("anchor (one app alone)", anchor, anchor_s, url, [])
        names = [f"fw{n:02d}" for n in range(2, args.apps + 2)]
        loaded, loaded_s = run(url, names, args.seconds, pace, args.profile)
        under = report(f"load ({args.apps} apps at once)", loaded, loaded_s, url, anchor)
        print(f"  load average at the end {os.getloadavg()[0]:.1f}")
        summary(args.apps, under, alone)
        print(f"RESULT live_apps_save_p95 ms={under['p95']:.1f} anchor_ms={alone['p95']:.1f} "
              f"target_ms={TARGET_SAVE_MS:.0f}")  # fmt: skip
        print(f"RESULT live_apps_keyed_save_p95 ms={under['keyed_p95']:.1f} "
              f"anchor_ms={alone['keyed_p95']:.1f} target_ms={TARGET_SAVE_MS:.0f}")  # fmt: skip
        print(f"RESULT live_apps_notify_p95 ms={under['notify_p95']:.1f} "
              f"target_ms={TARGET_NOTIFY_MS:.0f}")  # fmt: skip
        met = (
            under["bad"] == 0
            and under["p95"] < TARGET_SAVE_MS
            and under["notify_p95"] < TARGET_NOTIFY_MS
        )
        print(
            "targets (0 errors, 0 lost, p95 save < 200 ms, notification p95 < 2 s): "
            + ("met" if met else "NOT met")
        )


if __name__ == "__main__":
    main()
