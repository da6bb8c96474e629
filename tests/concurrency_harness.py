"""Four real OS processes that make the same change at the same instant.

A ``RacePool`` starts four worker processes once ('spawn' context: nothing is shared but
what is sent) and keeps them for every round. In a round each worker is handed one job
(an operation name from ``tests.concurrency_ops.OPERATIONS`` and its arguments), waits at
a shared ``multiprocessing.Barrier`` until all four are ready, then runs it through the
real service on its own connection. Each answers ``ok``, ``conflict`` (the service raised
``Conflict``), ``refused`` (another ``ServiceError``) or ``error`` (anything else, with its
repr), and how long the call took. Used by tests/test_concurrency_suite.py and
bench/bench_concurrency.py.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WORKERS = 4
_BARRIER_TIMEOUT_S = 60
_ANSWER_TIMEOUT_S = 120


@dataclass(frozen=True)
class Outcome:
    """What one worker's attempt came to."""

    kind: str  # ok, conflict, refused or error
    detail: str
    ms: float
    result: Any = None


def _worker_main(index: int, barrier: Any, inbox: Any, outbox: Any) -> None:
    # Imported in the child: the parent may be a test session with its own copies.
    from rcrp_tui.services.core.errors import Conflict, ServiceError
    from rcrp_tui.storage.db import Database
    from tests.concurrency_ops import OPERATIONS

    databases: dict[str, Database] = {}
    while True:
        job = inbox.get()
        if job is None:
            break
        url, name, payload = job
        db = databases.get(url)
        if db is None:
            for old in databases.values():
                old.dispose()
            databases = {url: Database(url)}
            db = databases[url]
        operation = OPERATIONS[name]
        try:
            barrier.wait(timeout=_BARRIER_TIMEOUT_S)
        except Exception as exc:
            outbox.put((index, Outcome("error", f"barrier: {exc!r}", 0.0)))
            continue
        start = time.perf_counter()
        if payload is None:  # sits this round out (a solo run for the uncontended figure)
            outbox.put((index, Outcome("idle", "", 0.0)))
            continue
        try:
            result = operation(db, payload)
            kind, detail = "ok", ""
        except Conflict as exc:
            result, kind, detail = None, "conflict", exc.message
        except ServiceError as exc:
            result, kind, detail = None, "refused", exc.message
        except Exception as exc:
            result, kind, detail = None, "error", repr(exc)
        ms = (time.perf_counter() - start) * 1000
        outbox.put((index, Outcome(kind, detail, ms, result)))
    for db in databases.values():
        db.dispose()


class RacePool:
    """Four persistent worker processes released together by a barrier each round."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._barrier = context.Barrier(WORKERS)
        self._inboxes = [context.Queue() for _ in range(WORKERS)]
        self._outbox = context.Queue()
        self._processes = [
            context.Process(
                target=_worker_main,
                args=(i, self._barrier, self._inboxes[i], self._outbox),
                daemon=True,
            )
            for i in range(WORKERS)
        ]
        for process in self._processes:
            process.start()

    def race(self, url: str, name: str, payloads: Sequence[Any]) -> list[Outcome]:
        """Run ``name`` once in every worker (``payloads[i]`` for worker i), all at once."""
        assert len(payloads) == WORKERS
        for inbox, payload in zip(self._inboxes, payloads, strict=True):
            inbox.put((url, name, payload))
        answers = dict(self._outbox.get(timeout=_ANSWER_TIMEOUT_S) for _ in range(WORKERS))
        if any(a.kind == "error" and a.detail.startswith("barrier") for a in answers.values()):
            self._barrier.reset()
        return [answers[i] for i in range(WORKERS)]

    def solo(self, url: str, name: str, payload: Any) -> Outcome:
        """Run ``name`` in one worker with no one else racing (a barrier of one)."""
        return self.race(url, name, [payload] + [None] * (WORKERS - 1))[0]

    def close(self) -> None:
        for inbox in self._inboxes:
            inbox.put(None)
        for process in self._processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
