"""The user's keymap file: remap any action of the app by its id.

``keymap.toml`` in the user configuration folder (``settings.config_dir()``, moved by
``RCRP_CONFIG_DIR``) holds one line per remapped action::

    # action id = key, or several keys separated by commas
    "review.release" = "ctrl+u"
    "list.down" = "j,n"

Dotted ids may also be written as TOML tables (``[review]`` then ``release = "ctrl+u"``).
``rcrp-tui keys list`` prints every action's id, keys and screens.

A bad entry never stops the app: an unknown id, a key name the terminal cannot send, a key
that another action of the same screen already uses, or a file that is not TOML is reported
with the file, the line and the entry, and that entry (or, for bad TOML, the whole file) is
ignored. The problems are shown on start-up and by ``rcrp-tui keys check``.

This module only reads and checks; which ids exist and where they apply comes from
``ui.shell.catalogue.catalogue()``, so it needs no Textual itself.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

KEYMAP_FILE = "keymap.toml"

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})

#: Names of keys that are not characters (Textual's names, lower case).
NAMED_KEYS = frozenset(
    {
        "escape",
        "enter",
        "tab",
        "backspace",
        "delete",
        "insert",
        "home",
        "end",
        "pageup",
        "pagedown",
        "up",
        "down",
        "left",
        "right",
        "space",
        *(f"f{n}" for n in range(1, 25)),
    }
)

#: Keys a person may not take over: they are how you get help, the palette and out.
RESERVED = {"ctrl+c": "copies text", "ctrl+q": "quits", "ctrl+p": "opens the command palette"}


def default_keymap_path() -> Path:
    from rcrp_tui import settings

    return settings.config_dir() / KEYMAP_FILE


@dataclass(frozen=True)
class Action:
    """What the keymap checker needs to know about one action (see ``ui.common.keys``)."""

    id: str
    keys: tuple[str, ...]
    description: str
    scopes: tuple[str, ...]  # the screens or dialogs it belongs to ("Global": all of them)


@dataclass(frozen=True)
class Problem:
    """One entry of the keymap file that was ignored, and why."""

    path: Path
    line: int | None
    entry: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}" + (f", line {self.line}" if self.line else "")
        entry = f" `{self.entry}`" if self.entry else ""
        return f"{where}:{entry} {self.reason}; ignored."


@dataclass
class UserKeymap:
    """The remappings that were accepted (id -> keys) and the entries that were not."""

    path: Path
    keys: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def valid_key(key: str) -> bool:
    """True when ``key`` is a key name Textual understands (``ctrl+r``, ``f5``, ``G``, ...)."""
    parts = key.split("+")
    if len(parts) > 1 and parts[-1] == "":  # "ctrl++": the plus key
        parts = [*parts[:-2], "plus"]
    *modifiers, base = parts
    if (
        not base
        or any(m not in MODIFIERS for m in modifiers)
        or len(set(modifiers)) < len(modifiers)
    ):
        return False
    if base in NAMED_KEYS:
        return True
    if len(base) == 1:
        return base.isprintable() and not base.isspace() and base not in ",+"
    # A character by its Unicode name, as Textual spells it: left_square_bracket, slash, ...
    try:
        unicodedata.lookup(base.replace("_", " "))
    except KeyError:
        return False
    return True


def normalise(keys: str) -> str:
    """Textual's spelling of a comma-separated key list (``[`` -> ``left_square_bracket``)."""
    out = []
    for raw in keys.split(","):
        key = raw.strip()
        *modifiers, base = key.split("+") if key != "+" else ["+"]
        if len(base) == 1 and not base.isalnum():
            base = unicodedata.name(base).lower().replace(" ", "_").replace("-", "_")
        out.append("+".join([*modifiers, base]))
    return ",".join(out)


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ASSIGN = re.compile(
    r"^\s*((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="
)


def _dotted(key: str) -> str:
    parts = re.findall(r"\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+", key)
    return ".".join(p.strip("\"'") for p in parts)


def _locate(text: str) -> dict[str, tuple[int, str]]:
    """Each entry's full id -> (line number, the line as written), for the messages."""
    found: dict[str, tuple[int, str]] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), 1):
        if header := _HEADER.match(line):
            table = _dotted(header.group(1))
            continue
        if assign := _ASSIGN.match(line):
            name = _dotted(assign.group(1))
            found.setdefault(f"{table}.{name}" if table else name, (number, line.strip()))
    return found


def _flatten(raw: Mapping[str, object], prefix: str = "") -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for name, value in raw.items():
        full = f"{prefix}.{name}" if prefix else name
        if isinstance(value, dict):
            out.extend(_flatten(value, full))
        else:
            out.append((full, value))
    return out


def load(path: Path, actions: Mapping[str, Action]) -> UserKeymap:
    """Read and check ``path`` against the app's ``actions``; a missing file is no keymap."""
    result = UserKeymap(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return result
    except (OSError, UnicodeDecodeError) as exc:
        result.problems.append(Problem(path, None, "", f"the file cannot be read ({exc})"))
        return result
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        written = (
            text.splitlines()[line - 1].strip() if line and line <= len(text.splitlines()) else ""
        )
        result.problems.append(
            Problem(path, line, written, f"the file is not valid TOML ({exc}), so none of it")
        )
        return result
    where = _locate(text)
    taken: dict[tuple[str, str], str] = {}  # (scope, key) -> action id, after remapping
    for action in actions.values():
        if action.id in _remapped_ids(raw):
            continue
        for scope in action.scopes:
            for key in action.keys:
                taken[(scope, key)] = action.id
    for action_id, value in _flatten(raw):
        line, written = where.get(action_id, (None, f"{action_id} = {value!r}"))
        problem = _check(action_id, value, actions, taken)
        if problem:
            result.problems.append(Problem(path, line, written, problem))
            continue
        keys = normalise(str(value))
        action = actions[action_id]
        for scope in action.scopes:
            for key in keys.split(","):
                taken[(scope, key)] = action_id
        result.keys[action_id] = keys
    return result


def _remapped_ids(raw: Mapping[str, object]) -> set[str]:
    return {action_id for action_id, _ in _flatten(raw)}


def _check(
    action_id: str,
    value: object,
    actions: Mapping[str, Action],
    taken: Mapping[tuple[str, str], str],
) -> str | None:
    action = actions.get(action_id)
    if action is None:
        return f"no action has the id {action_id!r} (`rcrp-tui keys list` prints every id)"
    if not isinstance(value, str) or not value.strip():
        return 'the key must be text in quotes, such as "ctrl+r"'
    keys = [k.strip() for k in value.split(",")]
    for key in keys:
        if not valid_key(key):
            return f"{key!r} is not a key name (examples: r, G, ctrl+r, f5, pagedown)"
    for key in normalise(value).split(","):
        if key in RESERVED:
            return f"{key} is kept for the app: it {RESERVED[key]}"
        for (scope, taken_key), other in taken.items():
            if taken_key != key or other == action_id:
                continue
            if scope in action.scopes or "Global" in action.scopes or scope == "Global":
                where = "every screen" if scope == "Global" else scope
                description = actions[other].description
                return f"{key} already means {description!r} ({other}) on {where}"
    return None
