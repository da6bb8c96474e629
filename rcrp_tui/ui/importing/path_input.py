"""Path completion for the import screen's file box.

As a path is typed, the box suggests (greyed after the cursor) the first folder or
.csv/.xlsx file in that folder whose name goes on from what was typed; the right arrow
at the end of the text takes it. Hidden files are offered only once a dot is typed.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual.suggester import Suggester

from rcrp_tui.importing.sources import SOURCE_SUFFIXES

#: Entries of one folder looked at, at most (a huge folder must not stall typing).
MAX_ENTRIES = 5_000


class PathSuggester(Suggester):
    """Suggests the rest of a folder or a .csv/.xlsx file name."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_path(value)


def complete_path(value: str) -> str | None:
    """``value`` completed to the first matching entry (a folder gets a separator)."""
    if not value:
        return None
    typed = Path(value).expanduser()
    if value.endswith(os.sep):
        folder, prefix = typed, ""
    else:
        folder, prefix = typed.parent, typed.name
    try:
        with os.scandir(folder) as entries:
            names = []
            for n, entry in enumerate(entries):
                if n >= MAX_ENTRIES:
                    break
                if not entry.name.startswith(prefix) or entry.name == prefix:
                    continue
                if entry.name.startswith(".") and not prefix.startswith("."):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    continue
                if is_dir or entry.name.lower().endswith(SOURCE_SUFFIXES):
                    names.append((entry.name, is_dir))
    except OSError:
        return None
    if not names:
        return None
    name, is_dir = min(names)
    return value + name[len(prefix) :] + (os.sep if is_dir else "")
