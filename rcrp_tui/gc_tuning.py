"""Garbage collection for a long-lived UI: no full collection over everything the app holds.

Python's cycle collector now and then walks every tracked object. After start-up that is
some 180,000 objects (modules, classes, SQLAlchemy and Textual internals) that never
become garbage, and each such walk held the UI for 100-250 ms: a PgDn that stutters.

Two things change that:

- ``gc.freeze()`` moves what the app holds at a quiet moment (after the first screen is
  drawn, and whenever the background loading of a screen has finished and nothing has
  happened for half a second) into the permanent generation, which collections skip;
- the young-generation threshold is raised, so a page of rows (a few thousand
  short-lived objects, nearly all freed by reference counting) does not set off a
  collection of its own.

Objects frozen and later dropped are still freed by reference counting; only garbage in
reference cycles (a closed screen's widgets) would stay. So when the frozen set has
grown well past its size after the last clean sweep, the next quiet moment sweeps once
more in full (unfreeze, collect, freeze): a single pause now and then, at a moment
nobody is pressing keys, in place of a pause every few pages.
"""

from __future__ import annotations

import gc

#: Collections of generation 0 after this many allocations (Python's default is 700);
#: generation 1 after 20 of those, generation 2 after 10 of those (and only when the
#: objects waiting for it are a quarter of those already there).
THRESHOLDS = (10_000, 20, 10)
#: A full sweep when the frozen objects have grown by this many since the last one.
SWEEP_AFTER_GROWTH = 150_000
#: Seconds without a finished load before the app settles.
QUIET_SECONDS = 0.5

_swept_at = 0


def start() -> None:
    """Set the thresholds and freeze what the imports so far have made (no collection:
    start-up is not kept waiting)."""
    global _swept_at
    gc.set_threshold(*THRESHOLDS)
    gc.freeze()
    _swept_at = gc.get_freeze_count()


def settle() -> None:
    """Freeze what the app holds now (after the young generations are collected), or
    sweep in full when the frozen set has grown by ``SWEEP_AFTER_GROWTH``."""
    global _swept_at
    if gc.get_freeze_count() - _swept_at > SWEEP_AFTER_GROWTH:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        _swept_at = gc.get_freeze_count()
        return
    gc.collect(1)
    gc.freeze()


def frozen() -> int:
    """How many objects the collector now skips."""
    return gc.get_freeze_count()
