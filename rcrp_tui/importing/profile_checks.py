"""Checking a profile's TOML, key by key: every complaint names the file, the key and
the line it is written on. ``importing.profile`` uses these to load a profile; the
parsers here read the parts of the language beyond one column and one map (several
columns, ``extract``, ``cases``, ``[rows]``)."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any

from rcrp_tui.importing.profile_rules import (
    DUPLICATE_MODES,
    MERGE_RULES,
    Case,
    Clause,
    Condition,
    KeyLines,
    normalise,
)


class ProfileError(ValueError):
    """A profile is wrong; the message names the file and the key."""


class Reader:
    """Pulls typed values out of the parsed TOML, naming the key in every complaint."""

    def __init__(self, path: Path, text: str = "") -> None:
        self.path = path
        self.key_lines = KeyLines(text)

    def fail(self, key: str, message: str, *, locate: bool = True) -> ProfileError:
        """The error for ``key``, with the line it is written on (``locate`` is false for
        a key that is missing: there is no line to point at)."""
        line = self.key_lines.line_of(key) if locate else None
        where = f" (line {line})" if line is not None else ""
        return ProfileError(f"{self.path.name}: {key}: {message}{where}")

    def table(self, data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"{where}{key}", "must be a table")
        return value

    def text(
        self, data: dict[str, Any], key: str, where: str, *, default: str | None = None
    ) -> str:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "is required", locate=False)
        if not isinstance(value, str):
            raise self.fail(f"{where}{key}", f"must be a string, not {value!r}")
        return value

    def unknown_keys(self, data: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(
                    f"{where}{key}", f"unknown key; expected one of {', '.join(sorted(allowed))}"
                )


def vocabulary_value(reader: Reader, vocab: type[StrEnum], raw: Any, key: str) -> str:
    values = [member.value for member in vocab]
    if not isinstance(raw, str) or raw not in values:
        raise reader.fail(key, f"{raw!r} is not one of: {', '.join(values)}")
    return raw


def parse_columns(reader: Reader, raw: Any, key: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(c, str) and c.strip() for c in raw)
    ):
        raise reader.fail(key, "must be a list of column names")
    columns = tuple(c.strip() for c in raw)
    if len(set(columns)) != len(columns):
        raise reader.fail(key, "names a column twice")
    return columns


def parse_codes(
    reader: Reader, code_map: Any, where: str, vocab: type[StrEnum] | None, case_sensitive: bool
) -> dict[str, str]:
    """The map, its keys normalised as cells are (runs of spaces collapsed, trimmed, in
    capitals unless case-sensitive); two keys that become one must agree."""
    if not isinstance(code_map, dict):
        raise reader.fail(f"{where}.map", "must be a table of code = value")
    codes: dict[str, str] = {}
    written: dict[str, str] = {}
    for code, value in code_map.items():
        key = f"{where}.map.{code}"
        checked = vocabulary_value(reader, vocab, value, key) if vocab else str(value)
        normal = normalise(code, case_sensitive=case_sensitive)
        if normal in codes and codes[normal] != checked:
            raise reader.fail(
                key,
                f"is the same code as {written[normal]!r} once spaces and case are "
                f"normalised ({normal!r}), with a different value",
            )
        codes[normal] = checked
        written.setdefault(normal, code)
    return codes


def parse_extract(reader: Reader, raw: Any, key: str) -> re.Pattern[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw:
        raise reader.fail(key, "must be a regular expression in quotes")
    try:
        pattern = re.compile(raw)
    except re.error as exc:
        raise reader.fail(key, f"is not a regular expression: {exc}") from None
    if "code" not in pattern.groupindex:
        raise reader.fail(key, "needs a named group (?P<code>...) to say which part is the code")
    return pattern


def parse_condition(reader: Reader, raw: Any, key: str) -> Condition:
    """``{ "Column" = "value" | ["a", "b"] | { not = ... } }``: every column must hold."""
    if not isinstance(raw, dict) or not raw:
        raise reader.fail(key, 'must be a table of "Column" = value, e.g. { "Arrived" = "" }')
    clauses = []
    for column, wanted in raw.items():
        here = f"{key}.{column}"
        negate = False
        if isinstance(wanted, dict):
            reader.unknown_keys(wanted, {"not"}, f"{here}.")
            negate, wanted = True, wanted.get("not")
        values = [wanted] if isinstance(wanted, str) else wanted
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise reader.fail(
                here, 'must be a value, a list of values or { not = ... } ("" is blank)'
            )
        if not column.strip():
            raise reader.fail(here, "must name a column")
        clauses.append(Clause(column.strip(), frozenset(normalise(v) for v in values), negate))
    return Condition(key, tuple(clauses))


def parse_conditions(reader: Reader, raw: Any, key: str) -> tuple[Condition, ...]:
    """One condition table, or a list of them (any one holding is enough)."""
    if raw is None:
        return ()
    if isinstance(raw, dict):
        return (parse_condition(reader, raw, key),)
    if not isinstance(raw, list) or not raw:
        raise reader.fail(key, "must be a condition table or a list of them")
    return tuple(parse_condition(reader, item, f"{key}[{i}]") for i, item in enumerate(raw))


def parse_cases(
    reader: Reader, raw: Any, name: str, where: str, vocab: type[StrEnum] | None
) -> tuple[Case, ...]:
    if raw is None:
        return ()
    key = f"{where}.cases"
    if vocab is None:
        raise reader.fail(key, f"{name} has no fixed vocabulary: only coded fields take cases")
    if not isinstance(raw, list) or not raw:
        raise reader.fail(key, "must be a list of { when = {...}, value = ... } tables")
    assert vocab is not None
    cases = []
    for i, item in enumerate(raw):
        here = f"{key}[{i}]"
        if not isinstance(item, dict):
            raise reader.fail(here, "must be a table with when and value")
        reader.unknown_keys(item, {"when", "value"}, f"{here}.")
        if "when" not in item or "value" not in item:
            raise reader.fail(here, "needs both when and value")
        value = vocabulary_value(reader, vocab, item["value"], f"{here}.value")
        cases.append(Case(parse_condition(reader, item["when"], f"{here}.when"), value))
    return tuple(cases)


def parse_rows(
    reader: Reader, raw: dict[str, Any], columned: dict[str, type[StrEnum] | None]
) -> tuple[tuple[Condition, ...], str | None, dict[str, tuple[str, tuple[str, ...]]]]:
    """The ``[rows]`` section: skip_when, duplicates and merge."""
    reader.unknown_keys(raw, {"skip_when", "duplicates", "merge"}, "rows.")
    skip_when = parse_conditions(reader, raw.get("skip_when"), "rows.skip_when")
    duplicates = raw.get("duplicates")
    if duplicates is not None and duplicates not in DUPLICATE_MODES:
        raise reader.fail(
            "rows.duplicates", f"{duplicates!r} is not one of: {', '.join(DUPLICATE_MODES)}"
        )
    merge_raw = raw.get("merge")
    merge: dict[str, tuple[str, tuple[str, ...]]] = {}
    if merge_raw is None:
        return skip_when, duplicates, merge
    if duplicates != "merge":
        raise reader.fail("rows.merge", 'is only read with duplicates = "merge"')
    if not isinstance(merge_raw, dict):
        raise reader.fail("rows.merge", "must be a table of field = rule")
    for name, rule in merge_raw.items():
        key = f"rows.merge.{name}"
        if name == "cad_ref":
            raise reader.fail(key, "the CAD reference is what the merged rows share")
        if name not in columned:
            raise reader.fail(key, "is not a field this profile reads from a column")
        if isinstance(rule, dict):
            reader.unknown_keys(rule, {"prefer"}, f"{key}.")
            merge[name] = (
                "prefer",
                parse_preferred(reader, rule.get("prefer"), name, f"{key}.prefer", columned[name]),
            )
            continue
        if rule not in MERGE_RULES:
            raise reader.fail(
                key, f"{rule!r} is not one of: {', '.join(MERGE_RULES)}, or {{ prefer = [...] }}"
            )
        if rule in ("earliest", "latest") and name != "received_at":
            raise reader.fail(key, f"{rule!r} is for the received time only")
        merge[name] = (rule, ())
    return skip_when, duplicates, merge


def parse_preferred(
    reader: Reader, raw: Any, name: str, key: str, vocab: type[StrEnum] | None
) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
        raise reader.fail(key, "must be a list of values, the most preferred first")
    if vocab is None:
        raise reader.fail(key, f"{name} has no fixed vocabulary to prefer from")
    return tuple(vocabulary_value(reader, vocab, v, key) for v in raw)
