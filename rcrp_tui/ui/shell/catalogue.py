"""Every action of the app, collected from the bindings of every screen, dialog and widget
class: the catalogue the user's keymap is checked against (``rcrp_tui.keymap``), that
``rcrp-tui keys list`` prints and that the key tests read.

It sits in the shell, above every feature's screens, and loads them by name; the App class
is passed in, so this module and ``ui.shell.app`` do not import each other.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

from textual.app import App
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

from rcrp_tui.keymap import Action
from rcrp_tui.ui.common.keys import class_bindings, scope_name


def _load_ui_modules() -> None:
    import rcrp_tui.ui

    for module in pkgutil.walk_packages(rcrp_tui.ui.__path__, "rcrp_tui.ui."):
        importlib.import_module(module.name)


def _subclasses(cls: type[DOMNode]) -> Iterator[type[DOMNode]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def ui_classes(app_class: type[App[Any]]) -> list[type[DOMNode]]:
    """Every screen, dialog and widget class of the app that has bindings of its own."""
    _load_ui_modules()
    found: dict[str, type[DOMNode]] = {}
    candidates: list[type[DOMNode]] = [*_subclasses(Screen), *_subclasses(Widget), app_class]
    for cls in candidates:
        if cls.__module__.startswith("rcrp_tui") and class_bindings(cls):
            found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


def catalogue(app_class: type[App[Any]]) -> dict[str, Action]:
    """Every action id of the app -> its keys, description and the scopes it applies in."""
    actions: dict[str, Action] = {}
    for cls in ui_classes(app_class):
        scope = "Global" if cls is app_class else scope_name(cls)
        for binding in class_bindings(cls):
            if binding.id is None:
                continue
            prior = actions.get(binding.id)
            keys = (*prior.keys, binding.key) if prior else (binding.key,)
            scopes = prior.scopes if prior else ()
            if scope not in scopes:
                scopes = (*scopes, scope)
            actions[binding.id] = Action(
                binding.id, tuple(dict.fromkeys(keys)), binding.description, scopes
            )
    return actions
