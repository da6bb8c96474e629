"""Which files the app's import screen accepts, checked before anything is read."""

from __future__ import annotations

import os
from pathlib import Path

from rcrp_tui.domain.safe_text import quoted
from rcrp_tui.importing.errors import ImportFailed

#: The kinds of file the import screen offers: a CSV export, or an Excel workbook.
SOURCE_SUFFIXES = (".csv", ".xlsx")


def check_source_path(text: str) -> Path:
    """The file a person typed, once it exists, is a readable .csv or .xlsx file; else
    ``ImportFailed`` saying what is wrong in their words."""
    text = text.strip()
    if not text:
        raise ImportFailed("Type the path of the CSV or .xlsx file to import.")
    path = Path(text).expanduser()  # a relative path is from the app's working folder
    try:
        return _checked(path)
    except OSError as exc:
        # The system refused to look at the path at all (a name too long, a loop of links):
        # say so in words, quoting no more than the start of what was typed.
        reason = exc.strerror or "it cannot be read"
        raise ImportFailed(f"Cannot use the path {quoted(text)}: {reason.lower()}.") from None


def _checked(path: Path) -> Path:
    if path.is_dir():
        raise ImportFailed(f"{path} is a folder: type the file's name after it.")
    if not path.exists():
        where = path.parent
        if not where.is_dir():
            raise ImportFailed(f"There is no folder {where}.")
        raise ImportFailed(f"There is no file {path.name} in {where}.")
    if path.suffix.lower() not in SOURCE_SUFFIXES:
        raise ImportFailed(
            f"{path.name} is not a .csv or .xlsx file: choose a CSV export or an Excel workbook."
        )
    if not path.is_file():
        raise ImportFailed(f"{path} is not a regular file.")
    if not os.access(path, os.R_OK):
        raise ImportFailed(f"You may not read {path} (permission denied).")
    return path
