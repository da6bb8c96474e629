"""The parts of the profile language beyond "one column, one map": how a cell is
normalised before it is compared, conditions on other columns (``when``, ``skip_when``),
the per-field rules for rows that share a CAD reference, and where a key sits in the
profile's text (so a mistake is reported with its line).

Everything here works on a record's cells as strings, whatever file format they came
from; ``importing.profile`` reads the TOML into these objects and ``importing.rows``
applies them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

#: How rows that share a CAD reference in one file become one decision.
DUPLICATE_MODES = ("first", "last", "merge")
#: Which of a field's several columns gives its value.
PICK_RULES = ("first_nonblank", "first_mapped")
#: How ``duplicates = "merge"`` combines one field over an incident's rows.
MERGE_RULES = ("first", "last", "first_nonblank", "last_nonblank", "earliest", "latest")
#: The merge rule of a field the profile's ``[rows.merge]`` does not name.
DEFAULT_MERGE_RULE = "first_nonblank"


def normalise(text: str, *, case_sensitive: bool = False) -> str:
    """A cell or a key as it is compared: trimmed, every run of white space (spaces,
    tabs, non-breaking spaces) one space, and in capitals unless ``case_sensitive``."""
    collapsed = " ".join(text.split())
    return collapsed if case_sensitive else collapsed.upper()


#: Distinct cells a cached normaliser remembers before it starts afresh (a bound, so
#: memory stays constant on any file).
CACHE_CELLS = 100_000


def cached_normaliser(*, case_sensitive: bool = False) -> Callable[[str], str]:
    """``normalise``, remembering the answer per distinct cell (a column of codes holds
    few distinct cells, and this runs once a row)."""
    seen: dict[str, str] = {}

    def normal(text: str) -> str:
        try:
            return seen[text]
        except KeyError:
            pass
        if len(seen) >= CACHE_CELLS:
            seen.clear()
        found = seen[text] = normalise(text, case_sensitive=case_sensitive)
        return found

    return normal


def extractor(pattern: re.Pattern[str]) -> Callable[[str], str]:
    """The ``code`` group of the pattern's first match in a cell, or the whole cell when
    the pattern does not match (so it is listed as an unmapped value, never guessed)."""
    search = pattern.search

    def extract(text: str) -> str:
        found = search(text)
        if found is None:
            return text
        code = found.group("code")
        return text if code is None else code

    return extract


@dataclass(frozen=True)
class Clause:
    """One column's test: its normalised cell is (or, with ``negate``, is not) one of
    ``values``; the empty string stands for a blank cell."""

    column: str
    values: frozenset[str]
    negate: bool = False


@dataclass(frozen=True)
class Condition:
    """Every clause holds (an empty condition never holds: the loader refuses one).

    ``path`` is the condition's place in the profile (``rows.skip_when[0]``), for the
    report of conditions that held on no row.
    """

    path: str
    clauses: tuple[Clause, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(clause.column for clause in self.clauses)

    def test(self, indexes: Mapping[str, int]) -> Callable[[Sequence[str]], bool]:
        """A function of a record that says whether the condition holds on it."""
        checks = [(indexes[c.column], c.values, c.negate) for c in self.clauses]
        normal = cached_normaliser()

        def holds(values: Sequence[str]) -> bool:
            for index, wanted, negate in checks:
                cell = values[index] if index < len(values) else ""
                if (normal(cell) in wanted) == negate:
                    return False
            return True

        return holds

    def key(self, values: Sequence[str], indexes: Mapping[str, int]) -> str:
        """What a row skipped by this condition is counted under: ``column=VALUE``."""
        column = self.clauses[0].column
        index = indexes[column]
        cell = normalise(values[index]) if index < len(values) else ""
        return f"{column}={cell or '(blank)'}"


@dataclass(frozen=True)
class Case:
    """``value`` is the field's value on every row where ``when`` holds (tried in order,
    before the field's column and map)."""

    when: Condition
    value: str


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_HEADER = re.compile(r"^\s*(\[\[?)\s*(.*?)\s*\]\]?\s*(#.*)?$")


def _split_key(text: str) -> tuple[list[str], str]:
    """The parts of a (dotted, maybe quoted) TOML key at the start of ``text``, and
    what follows it. A line that does not start with a key gives no parts."""
    parts: list[str] = []
    rest = text.lstrip()
    while rest:
        if rest[0] in "\"'":
            quote = rest[0]
            end = rest.find(quote, 1)
            while quote == '"' and end > 0 and rest[end - 1] == "\\":
                end = rest.find(quote, end + 1)
            if end < 0:
                return [], text
            parts.append(rest[1:end])
            rest = rest[end + 1 :].lstrip()
        else:
            bare = _BARE_KEY.match(rest)
            if bare is None:
                return [], text
            parts.append(bare.group())
            rest = rest[bare.end() :].lstrip()
        if rest.startswith("."):
            rest = rest[1:].lstrip()
            continue
        break
    return parts, rest


class KeyLines:
    """Where each key of a profile's TOML text is written: ``fields.category.map.CW`` ->
    its line. Keys are spelt as the loader names them in messages (parts joined by dots,
    an array of tables' entries as ``[i]``). Lines inside a multi-line value are not
    taken for keys; keys inside an inline table are found by their table's line."""

    def __init__(self, text: str) -> None:
        self.lines: dict[str, int] = {}
        arrays: dict[str, int] = {}
        table = ""
        in_multiline = ""
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline:
                if line.count(in_multiline) % 2:
                    in_multiline = ""
                continue
            header = _HEADER.match(line)
            if header and not line.lstrip().startswith(("[=", "[ =")):
                parts, rest = _split_key(header.group(2))
                if parts and not rest:
                    name = ".".join(parts)
                    if header.group(1) == "[[":
                        index = arrays.get(name, -1) + 1
                        arrays[name] = index
                        name = f"{name}[{index}]"
                    table = name
                    self.lines.setdefault(table, number)
                    continue
            parts, rest = _split_key(line)
            if not parts or not rest.startswith("="):
                continue
            key = ".".join([table, *parts] if table else parts)
            self.lines.setdefault(key, number)
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    in_multiline = quote

    def line_of(self, key: str) -> int | None:
        """The line of ``key``, or of the nearest enclosing key or table written."""
        probe = key
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            if cut <= 0:
                return None
            probe = probe[:cut]
        return None
