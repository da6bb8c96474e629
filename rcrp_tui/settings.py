"""Per-user preferences remembered between runs (the colour theme, the idle sign-out).

Stored as JSON in the platform's user configuration folder; ``RCRP_CONFIG_DIR`` moves
the folder (tests point it at a temporary directory). A missing or damaged file simply
means defaults: preferences must never stop the app from starting.
"""

from __future__ import annotations

import json
import os
import reprlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from rcrp_tui.private_files import make_private_folder, write_private

SETTINGS_FILE = "settings.json"
DEFAULT_THEME = "textual-dark"
#: The longest idle sign-out time taken, in minutes (a day); 0 means never.
MAX_IDLE_MINUTES = 24 * 60


def config_dir() -> Path:
    """``RCRP_CONFIG_DIR`` if set, else the platform's user configuration folder."""
    override = os.environ.get("RCRP_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("rcrp-tui"))


def default_export_folder() -> Path:
    """Where exports go unless the person types another folder.

    ``RCRP_EXPORT_DIR`` when set; else the user's documents folder when it exists; else
    their home folder. Never the current folder: on a shared control-room terminal that is
    wherever the app happened to be started.
    """
    configured = os.environ.get("RCRP_EXPORT_DIR")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_documents_dir

    documents = Path(user_documents_dir())
    return documents if documents.is_dir() else Path.home()


def default_settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


@dataclass(frozen=True)
class Settings:
    """What the app remembers for this user of this terminal."""

    theme: str = DEFAULT_THEME
    #: Sign out after this many minutes without a key press, click or paste; 0: never.
    idle_minutes: int = 0

    def with_theme(self, theme: str) -> Settings:
        return replace(self, theme=theme)


def valid_idle_minutes(value: object) -> bool:
    """A whole number of minutes from 0 (never) to ``MAX_IDLE_MINUTES``."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_IDLE_MINUTES


def load(path: Path) -> Settings:
    """Read settings from ``path``; defaults when it is missing or unreadable."""
    return load_checked(path)[0]


def load_checked(path: Path) -> tuple[Settings, list[str]]:
    """Settings from ``path``, and what in the file was ignored and why (for the person)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings(), []
    if not isinstance(raw, dict):
        return Settings(), []
    theme = raw.get("theme")
    idle = raw.get("idle_minutes", 0)
    problems = []
    if not valid_idle_minutes(idle):
        problems.append(
            f"idle_minutes in {path} is {reprlib.repr(idle)}, not a whole number of minutes from 0 "
            f"(never) to {MAX_IDLE_MINUTES}; idle sign-out is off"
        )
        idle = 0
    settings = Settings(
        theme=theme if isinstance(theme, str) and theme else DEFAULT_THEME, idle_minutes=idle
    )
    return settings, problems


def save(path: Path, settings: Settings) -> None:
    """Write settings atomically (a half-written file would lose every preference)."""
    make_private_folder(path.parent)
    tmp = path.with_suffix(".tmp")
    write_private(tmp, json.dumps(asdict(settings), indent=2) + "\n")
    tmp.replace(path)
