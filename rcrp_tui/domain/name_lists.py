"""The name lists and the allow-list behind the personal-data scanner's name rules.

Forenames and surnames come from the ``faker`` package's person data for English-speaking
locales (a maintained source, read from the installed package, never copied here); faker's
list of common English words marks the names that are also everyday words. The allow-list
of places, teams, ranks and everyday words ships in ``data/personal_data_allow.toml``; a
force adds its own in :func:`force_allow_list_path`.

Reading the lists costs a tenth to a quarter of a second, so it happens once per process,
on first use or in the background (:func:`preload_in_background`); importing this module
loads nothing.
"""

from __future__ import annotations

import importlib
import os
import re
import threading
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

#: The force's allow-list, in the user configuration folder unless the variable says where.
FORCE_FILE_NAME = "personal-data-allow.toml"
FORCE_FILE_VARIABLE = "RCRP_PERSONAL_DATA_ALLOW"
#: The faker locales whose forenames and surnames are read.
NAME_LOCALES = ("en_GB", "en_IE", "en_US", "en_NZ", "en_IN", "en_PK", "en_NG", "en_KE", "en")
#: faker's list of common English words: a name that is also one of these ("Will", "May",
#: "Young") is treated as an everyday word.
WORD_LOCALE = "en_US"


class AllowListError(ValueError):
    """An allow-list file that cannot be read or has the wrong shape."""


@dataclass(frozen=True)
class AllowList:
    """Capitalised words and phrases that are not people here."""

    words: frozenset[str] = frozenset()
    phrases: tuple[str, ...] = ()
    organisation: frozenset[str] = frozenset()
    everyday: frozenset[str] = frozenset()

    def merged(self, other: AllowList) -> AllowList:
        return AllowList(
            self.words | other.words,
            tuple(dict.fromkeys((*self.phrases, *other.phrases))),
            self.organisation | other.organisation,
            self.everyday | other.everyday,
        )


def _strings(raw: dict[str, object], table: str, key: str, where: str) -> list[str]:
    section = raw.get(table, {})
    if not isinstance(section, dict):
        raise AllowListError(f"{where}: [{table}] must be a table")
    values = section.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise AllowListError(f"{where}: [{table}] {key} must be a list of strings")
    return [v.strip() for v in values if v.strip()]


def parse_allow_list(text: str, where: str = "allow-list") -> AllowList:
    """The allow-list in TOML ``text``; :class:`AllowListError` names what is wrong."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AllowListError(f"{where}: not valid TOML ({exc})") from None
    unknown = set(raw) - {"allow", "organisation", "everyday"}
    if unknown:
        raise AllowListError(
            f"{where}: unknown table(s) {', '.join(sorted(unknown))}; "
            "expected [allow], [organisation] and [everyday]"
        )
    return AllowList(
        frozenset(_strings(raw, "allow", "words", where)),
        tuple(_strings(raw, "allow", "phrases", where)),
        frozenset(_strings(raw, "organisation", "words", where)),
        frozenset(_strings(raw, "everyday", "words", where)),
    )


def default_allow_list() -> AllowList:
    """The allow-list shipped with the app."""
    text = (
        resources.files("rcrp_tui.domain")
        .joinpath("data", "personal_data_allow.toml")
        .read_text(encoding="utf-8")
    )
    return parse_allow_list(text, "shipped allow-list")


def force_allow_list_path() -> Path:
    """Where a force's own allow-list is read from (it need not exist)."""
    configured = os.environ.get(FORCE_FILE_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    from rcrp_tui.settings import config_dir

    return config_dir() / FORCE_FILE_NAME


def read_allow_list(path: Path) -> AllowList:
    """The allow-list in the file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AllowListError(f"{path}: cannot be read ({exc})") from None
    return parse_allow_list(text, str(path))


@dataclass(frozen=True)
class NameGazetteer:
    """Forenames, surnames and the allow-list, ready for :func:`find_names`."""

    forenames: frozenset[str]
    surnames: frozenset[str]
    allow: AllowList
    #: Where the names came from, for the docs and ``privacy scan``.
    source: str
    #: Why the force allow-list was not used (it is then ignored: more is flagged, not less).
    warning: str | None = None

    def __post_init__(self) -> None:
        phrases = sorted(self.allow.phrases, key=len, reverse=True)
        pattern = "|".join(re.escape(p) for p in phrases) or r"(?!x)x"
        object.__setattr__(self, "_phrases", re.compile(rf"(?<!\w)(?=[A-Z])(?:{pattern})(?!\w)"))

    def allowed_spans(self, text: str) -> list[tuple[int, int]]:
        pattern: re.Pattern[str] = self._phrases  # type: ignore[attr-defined]
        return [m.span() for m in pattern.finditer(text)]


def _faker_names() -> tuple[set[str], set[str], set[str], str]:
    forenames: set[str] = set()
    surnames: set[str] = set()
    for locale in NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        forenames.update(provider.first_names)
        surnames.update(provider.last_names)
    lorem = importlib.import_module(f"faker.providers.lorem.{WORD_LOCALE}").Provider
    words = {word.title() for word in lorem.word_list}
    from importlib.metadata import version

    source = f"faker {version('faker')} (names: {', '.join(NAME_LOCALES)})"
    return forenames, surnames, words, source


def load_gazetteer(force_file: Path | None = None) -> NameGazetteer:
    """Read the names and the allow-lists; a broken force file is reported, not fatal."""
    forenames, surnames, words, source = _faker_names()
    allow = default_allow_list()
    warning = None
    if force_file is not None and force_file.exists():
        try:
            allow = allow.merged(read_allow_list(force_file))
        except AllowListError as exc:
            warning = f"the force allow-list was not used: {exc}"
    single = {w for w in forenames | surnames if len(w) < 2}
    everyday = words & (forenames | surnames)
    allow = allow.merged(AllowList(everyday=frozenset(everyday)))
    return NameGazetteer(
        frozenset(forenames - single), frozenset(surnames - single), allow, source, warning
    )


_shared: NameGazetteer | None = None
_lock = threading.Lock()


def shared_gazetteer() -> NameGazetteer:
    """The process's gazetteer, loaded on first use (a caller during loading waits)."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                _shared = load_gazetteer(force_allow_list_path())
    return _shared


def is_loaded() -> bool:
    return _shared is not None


def preload_in_background() -> threading.Thread:
    """Start loading the shared gazetteer in a daemon thread, so no save waits for it."""
    thread = threading.Thread(target=shared_gazetteer, name="name-gazetteer", daemon=True)
    thread.start()
    return thread
