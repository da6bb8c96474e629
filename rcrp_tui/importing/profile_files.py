"""Where import profiles are found: the ones shipped with the app and the force's own.

The force's own profiles are the ``.toml`` files in one folder: ``RCRP_IMPORT_PROFILES``
when it is set, else ``import-profiles`` in the user's configuration folder (beside
``settings.json`` and ``keymap.toml``). The app's import screen lists both; the command
line takes a profile file's path, or a shipped profile's name, as before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rcrp_tui import settings
from rcrp_tui.importing.profile import (
    ImportProfile,
    load_profile,
    shipped_profile,
    shipped_profile_names,
)

FOLDER_VARIABLE = "RCRP_IMPORT_PROFILES"
FOLDER_NAME = "import-profiles"
#: Profiles listed from the force's folder at most (a folder of thousands is a mistake).
MAX_LISTED = 500


def force_profile_folder() -> Path:
    """The folder of the force's own profiles (it may not exist)."""
    configured = os.environ.get(FOLDER_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    return settings.config_dir() / FOLDER_NAME


@dataclass(frozen=True)
class ProfileChoice:
    """One profile a person may pick: shipped (by name) or the force's (by file)."""

    name: str
    shipped: bool
    path: Path | None = None

    @property
    def key(self) -> str:
        """A stable id: ``shipped:NAME`` or ``file:PATH``."""
        return f"shipped:{self.name}" if self.shipped else f"file:{self.path}"

    @property
    def label(self) -> str:
        return f"{self.name} (shipped)" if self.shipped else f"{self.name} (force profile)"

    def load(self) -> ImportProfile:
        """Load and check the profile (``ProfileError`` names the file and the key)."""
        if self.shipped:
            return shipped_profile(self.name)
        assert self.path is not None
        return load_profile(self.path)


@dataclass(frozen=True)
class ProfileList:
    """The profiles to pick from, and what a person should know about the folder."""

    choices: tuple[ProfileChoice, ...]
    folder: Path
    note: str | None = None


def available_profiles(folder: Path | None = None) -> ProfileList:
    """The force's profiles (by file name) then the shipped ones (by name)."""
    folder = folder if folder is not None else force_profile_folder()
    force: list[ProfileChoice] = []
    note = None
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".toml" and p.is_file())
    except FileNotFoundError:
        files = []
        note = f"No force profiles: the folder {folder} does not exist."
    except OSError as exc:
        files = []
        note = f"The force profiles in {folder} cannot be listed: {exc.strerror}."
    if len(files) > MAX_LISTED:
        note = f"Only the first {MAX_LISTED} of {len(files):,} profiles in {folder} are listed."
        files = files[:MAX_LISTED]
    force = [ProfileChoice(p.stem, shipped=False, path=p) for p in files]
    shipped = [ProfileChoice(name, shipped=True) for name in shipped_profile_names()]
    return ProfileList((*force, *shipped), folder, note)
