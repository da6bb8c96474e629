"""A background job that fails must reach the person as a message, on every screen.

Textual does not bubble ``Worker.StateChanged`` past the node that owns the worker, so a
screen or dialog that runs workers must report failures itself (``ReportsWorkerErrors``)
or handle the event. A new screen that forgets would fail silently: this test catches it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from textual.screen import Screen

import rcrp_tui
from rcrp_tui.ui.base import ReportsWorkerErrors

# The App runs its own workers; the blank screen it shows while the database opens runs none.
NOT_SCREEN_MODULES = {"rcrp_tui.ui.shell.app"}


def _screens_that_run_workers() -> list[type[Screen]]:
    """Every Screen class, in whichever package it lives, whose module runs workers."""
    found: list[type[Screen]] = []
    for info in pkgutil.walk_packages(rcrp_tui.__path__, "rcrp_tui."):
        if info.ispkg or info.name in NOT_SCREEN_MODULES:
            continue
        if info.name.endswith("__main__") or ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        source = inspect.getsource(module)
        if "@work" not in source and "run_worker" not in source:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


SCREENS = _screens_that_run_workers()


def test_the_screens_were_found() -> None:
    names = {cls.__name__ for cls in SCREENS}
    assert {"DecisionBrowserScreen", "RotaScreen", "ReviewScreen", "AppealsScreen"} <= names


@pytest.mark.parametrize("screen", SCREENS, ids=lambda cls: cls.__name__)
def test_worker_failures_are_reported(screen: type[Screen]) -> None:
    handles = any("on_worker_state_changed" in vars(c) for c in screen.__mro__ if c is not Screen)
    assert issubclass(screen, ReportsWorkerErrors) or handles, (
        f"{screen.__name__} runs workers but never reports their failures"
    )
