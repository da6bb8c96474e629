"""Files and folders only their owner can read: the one place the app creates either.

The database holds password hashes, reviews and coaching notes; every export is marked
OFFICIAL-SENSITIVE; the settings file says who uses this terminal. So every file the app
or the command line writes is created owner-only (``0600``) and every folder it creates
``0700``, whatever the umask: the mode is given to ``os.open``/``os.mkdir`` when the file
or folder is made, never loosened and tightened afterwards, and then set exactly on the
open descriptor, because a umask can only take permissions away (a umask of 0400 would
otherwise leave a file its owner cannot read).

A file that already exists is overwritten in place and made ``0600`` too. SQLite gives
its ``-wal`` and ``-shm`` files the main file's permissions, so creating the database
file here (:func:`create_private_file`) is enough for all three.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
FOLDER_MODE = 0o700
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def make_private_folder(folder: Path) -> None:
    """Create ``folder`` and any missing parents, each ``0700``; existing ones are left."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, FOLDER_MODE)
        except FileExistsError:
            if not path.is_dir():
                raise
            continue  # made by another terminal a moment ago: theirs, not ours to change
        os.chmod(path, FOLDER_MODE)


def _open(path: Path, flags: int) -> int:
    fd = os.open(path, flags | os.O_WRONLY | os.O_CREAT | _NOFOLLOW, FILE_MODE)
    try:
        _exact_mode(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _exact_mode(fd: int) -> None:
    if hasattr(os, "fchmod"):  # not on Windows, where these modes do not apply
        os.fchmod(fd, FILE_MODE)


def write_private(path: Path, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path``, replacing it; the file is ``0600``."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with os.fdopen(_open(path, os.O_TRUNC), "wb") as out:
        out.write(raw)


def open_private_text(path: Path) -> IO[str]:
    """``path`` opened for writing text (UTF-8, no newline translation), ``0600``."""
    raw = os.fdopen(_open(path, os.O_TRUNC), "wb")
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and ``0600`` if it does not exist; an existing file is left."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, FILE_MODE)
    except FileExistsError:
        return
    try:
        _exact_mode(fd)
    finally:
        os.close(fd)
