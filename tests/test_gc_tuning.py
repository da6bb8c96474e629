"""The collector skips what the app holds once it has settled, and still frees cycles."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from rcrp_tui import gc_tuning


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cycle collector can free it


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def _tracked(obj: object) -> bool:
    """True when a collection of some generation would walk ``obj``."""
    return any(o is obj for o in gc.get_objects())


def test_start_raises_the_young_threshold_and_freezes_the_imports() -> None:
    held = Node()
    gc_tuning.start()
    assert gc.get_threshold() == gc_tuning.THRESHOLDS
    assert not _tracked(held)
    assert gc_tuning.frozen() > 0


def test_settle_freezes_what_the_app_holds_now() -> None:
    gc_tuning.start()
    held = Node()
    assert _tracked(held)
    gc_tuning.settle()
    assert not _tracked(held)


def test_settle_sweeps_in_full_once_the_frozen_set_has_grown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gc_tuning.start()
    dropped = Node()
    gone = weakref.ref(dropped)
    gc_tuning.settle()  # frozen: no collection frees it now
    del dropped
    gc.collect()
    assert gone() is not None
    monkeypatch.setattr(gc_tuning, "SWEEP_AFTER_GROWTH", -1)  # any growth is enough
    gc_tuning.settle()
    assert gone() is None
    held = Node()
    gc_tuning.settle()
    assert not _tracked(held)
