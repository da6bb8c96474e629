"""One source for every key: the bindings, and what the palette, help and hints make of them.

An action is declared once, as a Textual ``Binding`` in its screen's ``BINDINGS`` (key,
action, description, whether the footer shows it, and an id). Everything else reads those
declarations through Textual's public ``Screen.active_bindings``:

- the footer (``key_footer.KeyFooter``: Textual's ``Footer``, rebuilt only when its keys change);
- the command palette: ``ScreenActions`` lists every action of the current screen;
- the help screen (F1): ``keys_of``;
- a dialog's key line: ``KeyHints``;
- the user's keymap file (``rcrp_tui.keymap``), which remaps an action by its id and is
  checked against ``ui.shell.catalogue.catalogue()``.

Keys with one meaning on every screen are made here, so every list gets the same set:
``list_keys`` (j/k down and up, g/G first and last), ``paging_keys`` (PgDn/PgUp older and
newer page) and ``refresh_key`` (ctrl+r). They share their ids across screens, so one
keymap line remaps them everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

#: Ids of the keys with one meaning on every screen.
LIST_DOWN, LIST_UP, LIST_FIRST, LIST_LAST = "list.down", "list.up", "list.first", "list.last"
PAGE_DOWN, PAGE_UP = "list.page-down", "list.page-up"
REFRESH = "screen.refresh"

#: A key may mean two things in one place only when listed here, with the reason.
ALLOWED_CLASHES: dict[tuple[str, str], str] = {
    ("help.close", "f1"): "F1 opens help everywhere and closes it again on the help screen",
    ("calibration.reveal.read-only", "f"): "f says why a grader cannot set a reference",
    ("calibration.reveal.read-only", "a"): "a says why a grader cannot adopt answers",
}


def list_keys(
    down: str, up: str, first: str | None = None, last: str | None = None
) -> list[BindingType]:
    """j/k (and the arrows, which the list itself handles) move; g/G go to the ends."""
    keys: list[BindingType] = [
        Binding("j", down, "Down", show=False, id=LIST_DOWN),
        Binding("k", up, "Up", show=False, id=LIST_UP),
    ]
    if first is not None:
        keys.append(Binding("g", first, "First", show=False, id=LIST_FIRST))
    if last is not None:
        keys.append(Binding("G", last, "Last", show=False, id=LIST_LAST))
    return keys


def row_end_keys(
    scope: str, first: str = "cursor('first')", last: str = "cursor('last')"
) -> list[BindingType]:
    """Home/End go to the first/last row (ids ``scope.first`` and ``scope.last``): a
    DataTable's own Home/End scroll sideways, which is not what a list's reader expects."""
    return [
        Binding("home", first, "First row", show=False, priority=True, id=f"{scope}.first"),
        Binding("end", last, "Last row", show=False, priority=True, id=f"{scope}.last"),
    ]


def paging_keys(older: str, newer: str) -> list[BindingType]:
    """PgDn/PgUp load the older/newer page; priority, so the table's own paging does not."""
    return [
        Binding("pagedown", older, "Older page", show=False, priority=True, id=PAGE_DOWN),
        Binding("pageup", newer, "Newer page", show=False, priority=True, id=PAGE_UP),
    ]


def refresh_key(action: str = "refresh", tooltip: str = "Load the figures again") -> Binding:
    """ctrl+r reads the screen's figures again, on every screen that can."""
    return Binding("ctrl+r", action, "Refresh", id=REFRESH, tooltip=tooltip)


def is_list(widget: Widget | None) -> bool:
    """True for a focused table, option list or scrolling pane (g/G apply to it)."""
    from textual.containers import ScrollableContainer
    from textual.widgets import DataTable, OptionList

    return isinstance(widget, DataTable | OptionList | ScrollableContainer)


def jump_to_end(widget: Widget | None, end: str) -> None:
    """Move ``widget``'s cursor (or scroll it) to its first or last row."""
    from textual.widgets import DataTable, OptionList

    first = end == "first"
    if isinstance(widget, DataTable):
        (widget.action_scroll_top if first else widget.action_scroll_bottom)()
    elif isinstance(widget, OptionList):
        (widget.action_first if first else widget.action_last)()
    elif widget is not None:
        (widget.scroll_home if first else widget.scroll_end)(animate=False)


# ----------------------------------------------------------------------------------------
# What is bound now (public Textual API only)


@dataclass(frozen=True)
class KeyHelp:
    """One action as the help screen shows it: its key(s), description, scope and id."""

    keys: str
    description: str
    scope: str
    id: str = ""


@dataclass(frozen=True)
class LiveAction:
    """An action bound on a screen now: where it runs, its keys as shown, its binding."""

    namespace: DOMNode
    binding: Binding
    keys: tuple[str, ...]
    enabled: bool


def live_actions(screen: Screen[Any]) -> list[LiveAction]:
    """Every described action active on ``screen`` now, one entry per action, in key order.

    ``Screen.active_bindings`` gives the key that wins in each place (the focused widget,
    the screen, the app), after the user's keymap, as the footer uses it.
    """
    app = screen.app
    grouped: dict[tuple[int, str], LiveAction] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description:
            continue
        ident = (id(active.node), binding.action)  # one entry for ↓ and j
        shown = app.get_key_display(binding)
        prior = grouped.get(ident)
        if prior is None:
            grouped[ident] = LiveAction(active.node, binding, (shown,), active.enabled)
        elif shown not in prior.keys:
            grouped[ident] = LiveAction(
                prior.namespace, prior.binding, (*prior.keys, shown), prior.enabled
            )
    return list(grouped.values())


def key_for(screen: Screen[Any], binding_id: str, default: str = "") -> str:
    """The key(s) that run ``binding_id`` on ``screen`` now, as the footer shows them.

    For text that names a key ("PgDn: next page"), so it follows a user's keymap.
    """
    for action in live_actions(screen):
        if action.binding.id == binding_id:
            return " / ".join(action.keys)
    return default


def shown_key(app: App[Any], binding_id: str, shipped: str) -> str:
    """How a message names the key of ``binding_id``: ``shipped`` unless the keymap moved it.

    For messages that name a key of another screen ("press r to review it"), where the
    screen's live bindings are not to hand.
    """
    user_keymap = getattr(app, "user_keymap", None)
    moved = user_keymap.keys.get(binding_id) if user_keymap is not None else None
    if not moved:
        return shipped
    return " / ".join(app.get_key_display(Binding(key, "")) for key in moved.split(","))


def _scope(app: App[Any], screen: Screen[Any], namespace: DOMNode) -> str:
    if namespace is app:
        return "Global"
    return "This screen" if namespace is screen else "Focused item"


def keys_of(app: App[Any], screen: Screen[Any]) -> list[KeyHelp]:
    """The help screen's lines: focused item first, then this screen, then global keys."""
    lines = [
        KeyHelp(
            " / ".join(a.keys),
            a.binding.description,
            _scope(app, screen, a.namespace),
            a.binding.id or "",
        )
        for a in live_actions(screen)
    ]
    order = {"Focused item": 0, "This screen": 1, "Global": 2}
    return sorted(lines, key=lambda k: order[k.scope])


class ScreenActions(Provider):
    """Command-palette entries for every action of the screen the palette was opened on.

    Global keys are left to the destination and system commands, which name them better
    ("Open Decisions", "Sign out"); the editing and cursor keys of Textual's own widgets
    (bindings without an id) are left to the help screen.
    """

    def _commands(self) -> Iterator[tuple[str, str, Any]]:
        app = self.app
        # The footer's actions first; moving keys (j/k, PgDn, ...) after them.
        ordered = sorted(live_actions(self.screen), key=lambda a: not a.binding.show)
        for action in ordered:
            if action.namespace is app or not action.enabled or action.binding.id is None:
                continue  # global keys have their own commands; Textual's own widget keys
            binding = action.binding
            keys = " / ".join(action.keys)
            help_text = f"{keys} · {binding.tooltip}" if binding.tooltip else keys
            run = partial(app.run_action, binding.action, action.namespace)
            yield binding.description, help_text, partial(app.call_later, run)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class KeyHints(Static):
    """A dialog's key line, made from the dialog's own bindings as they are bound now.

    ``before`` and ``after`` name keys that a Textual widget handles itself (Enter in a
    text box, Tab between boxes, the arrows in a list), which are not bindings of ours.
    """

    DEFAULT_CLASSES = "dialog-help"

    def __init__(
        self,
        *,
        before: Iterable[tuple[str, str]] = (),
        after: Iterable[tuple[str, str]] = (),
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__("", id=id, classes=classes)
        self._before = tuple(before)
        self._after = tuple(after)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._show()

    def _bindings_changed(self, _screen: Screen[Any]) -> None:
        self._show()

    def hints(self) -> list[tuple[str, str]]:
        """(key, what it does) for every binding this dialog shows, in order."""
        shown = [
            a for a in live_actions(self.screen) if a.namespace is self.screen and a.binding.show
        ]
        # Esc (cancel, back) last, as every dialog has it.
        shown.sort(key=lambda a: "escape" in a.binding.key.split(","))
        own = [(" / ".join(a.keys), a.binding.description) for a in shown]
        return [*self._before, *own, *self._after]

    def _show(self) -> None:
        self.update(
            Text(" · ".join(f"{key} {what[:1].upper()}{what[1:]}" for key, what in self.hints()))
        )


# ----------------------------------------------------------------------------------------
# Every action of the app, for the keymap checker and the tests


def class_bindings(cls: type[DOMNode]) -> list[Binding]:
    """The bindings ``cls`` declares or inherits from classes of this app, keys split."""
    out: list[Binding] = []
    for base in reversed(cls.__mro__):
        if not base.__module__.startswith("rcrp_tui") or "BINDINGS" not in base.__dict__:
            continue
        for item in base.__dict__["BINDINGS"]:
            if isinstance(item, Binding):
                out.extend(Binding.make_bindings([item]))
    return out


def scope_name(cls: type[DOMNode]) -> str:
    """Where a class's keys apply, as messages name it (a widget names its screen)."""
    declared = getattr(cls, "KEY_SCOPE", "")
    if declared:
        return str(declared)
    return f"{cls.__name__} ({cls.__module__.removeprefix('rcrp_tui.')})"
