"""Import mapping profiles: how one force's CAD export becomes RCRP decisions.

A profile is a TOML file (documented key by key in ``docs/import-profiles.md``). Every
CAD system exports a different layout, so nothing about a layout is hard-coded: the
profile names the columns, maps code values onto the fixed vocabularies in
``domain.enums``, says how dates are written and in which time zone, and which call
types are RCRP calls at all. It is checked completely when it is loaded, so a mistake
is reported with the file and the key before any row is read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rcrp_tui.domain.enums import CallerType, Category, Outcome, Shift, ThresholdBasis
from rcrp_tui.domain.phases import FIRST_PHASE, LAST_PHASE
from rcrp_tui.domain.zones import parse_zone

#: Every decision field a profile may fill, and the vocabulary its values must belong to
#: (``None`` means free text, copied as it is after trimming).
FIELD_VOCABULARY: dict[str, type[StrEnum] | None] = {
    "cad_ref": None,
    "received_at": None,
    "category": Category,
    "outcome": Outcome,
    "caller_type": CallerType,
    "threshold_basis": ThresholdBasis,
    "shift": Shift,
    "staff_id": None,
    "team": None,
    "grade": None,
    "qualifier_codes": None,
    "rationale": None,
    "phase": None,
}
#: Fields every profile must fill, by a column or a constant.
REQUIRED_FIELDS = ("cad_ref", "received_at", "category", "outcome", "caller_type")
#: Fields that only make sense read from the file.
COLUMN_ONLY_FIELDS = ("cad_ref", "received_at")
#: Fields with a default when the profile does not mention them.
FIELD_DEFAULTS: dict[str, str] = {"threshold_basis": ThresholdBasis.NONE.value}
BLANK_ACTIONS = ("reject", "skip", "default", "empty")
FIELD_KEYS = {"column", "constant", "map", "skip", "blank", "default", "derive"}
SECTIONS = {"profile", "csv", "excel", "dates", "fields"}
#: The default plausible window for a received time: from 2000-01-01 to a day after
#: the import.
DEFAULT_EARLIEST = date(2000, 1, 1)
DEFAULT_DAYS_AHEAD = 1
SHIPPED_PACKAGE = "rcrp_tui.importing.profiles"


class ProfileError(ValueError):
    """A profile is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class ShiftWindow:
    """Calls received (local time) from ``start`` up to ``end`` belong to ``shift``."""

    shift: str
    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True)
class FieldSpec:
    """How one decision field is filled: from a column (maybe through a code map) or a
    constant, or (shift only) derived from the local time the call was received."""

    name: str
    column: str | None = None
    constant: str | None = None
    #: Upper-cased code -> vocabulary value; empty means the column is copied as it is.
    codes: dict[str, str] = field(default_factory=dict)
    #: Upper-cased codes whose rows are skipped (counted, not rejected).
    skip: frozenset[str] = frozenset()
    blank: str = "reject"
    default: str | None = None
    derive: tuple[ShiftWindow, ...] = ()


@dataclass(frozen=True)
class ImportProfile:
    """A loaded, fully checked mapping profile."""

    name: str
    source_system: str
    path: Path
    description: str
    encoding: str
    delimiter: str
    quotechar: str
    date_formats: tuple[str, ...]
    timezone: ZoneInfo
    fields: dict[str, FieldSpec]
    #: The worksheet of an .xlsx workbook to read (``[excel] sheet``); None: the first.
    sheet: str | None = None
    #: The plausible window for a received time: from this day (local midnight) ...
    earliest: date = DEFAULT_EARLIEST
    #: ... to this many days after the import.
    days_ahead: int = DEFAULT_DAYS_AHEAD

    @property
    def columns(self) -> tuple[str, ...]:
        """The file's columns this profile reads, in a stable order (no others are read)."""
        seen: list[str] = []
        for spec in self.fields.values():
            if spec.column and spec.column not in seen:
                seen.append(spec.column)
        return tuple(seen)


class _Reader:
    """Pulls typed values out of the parsed TOML, naming the key in every complaint."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> ProfileError:
        return ProfileError(f"{self.path.name}: {key}: {message}")

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
            raise self.fail(f"{where}{key}", "is required")
        if not isinstance(value, str):
            raise self.fail(f"{where}{key}", f"must be a string, not {value!r}")
        return value

    def unknown_keys(self, data: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(
                    f"{where}{key}", f"unknown key; expected one of {', '.join(sorted(allowed))}"
                )


def _vocabulary_value(reader: _Reader, vocab: type[StrEnum], raw: Any, key: str) -> str:
    values = [member.value for member in vocab]
    if not isinstance(raw, str) or raw not in values:
        raise reader.fail(key, f"{raw!r} is not one of: {', '.join(values)}")
    return raw


def _clock_time(reader: _Reader, raw: Any, key: str) -> time:
    try:
        return time.fromisoformat(str(raw))
    except ValueError:
        raise reader.fail(key, f"{raw!r} is not a time like 07:00") from None


def _derive(reader: _Reader, raw: Any, where: str) -> tuple[ShiftWindow, ...]:
    if not isinstance(raw, list) or not raw:
        raise reader.fail(where, "must be a list of {shift, from, to} tables")
    windows = []
    for i, item in enumerate(raw):
        key = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise reader.fail(key, "must be a table with shift, from and to")
        reader.unknown_keys(item, {"shift", "from", "to"}, f"{key}.")
        windows.append(
            ShiftWindow(
                shift=_vocabulary_value(reader, Shift, item.get("shift"), f"{key}.shift"),
                start=_clock_time(reader, item.get("from"), f"{key}.from"),
                end=_clock_time(reader, item.get("to"), f"{key}.to"),
            )
        )
    return tuple(windows)


def _field(reader: _Reader, name: str, raw: Any) -> FieldSpec:
    where = f"fields.{name}"
    if not isinstance(raw, dict):
        raise reader.fail(where, "must be a table")
    reader.unknown_keys(raw, FIELD_KEYS, f"{where}.")
    vocab = FIELD_VOCABULARY[name]
    column = raw.get("column")
    constant = raw.get("constant")
    derive = raw.get("derive")
    given = [k for k, v in (("column", column), ("constant", constant), ("derive", derive)) if v]
    if len(given) != 1:
        raise reader.fail(where, "give exactly one of column, constant (or derive, for shift)")
    if column is not None and (not isinstance(column, str) or not column.strip()):
        raise reader.fail(f"{where}.column", "must be a column name")
    if derive is not None and name != "shift":
        raise reader.fail(f"{where}.derive", "only the shift can be derived")
    if constant is not None and name in COLUMN_ONLY_FIELDS:
        raise reader.fail(f"{where}.constant", f"{name} must come from a column")
    if constant is not None:
        constant = str(constant)
        if vocab is not None:
            _vocabulary_value(reader, vocab, constant, f"{where}.constant")
        phases = {str(n) for n in range(FIRST_PHASE, LAST_PHASE + 1)}
        if name == "phase" and constant not in phases:
            why = f"{constant!r} is not a phase from {FIRST_PHASE} to {LAST_PHASE}"
            raise reader.fail(f"{where}.constant", why)
    codes: dict[str, str] = {}
    code_map = raw.get("map", {})
    if not isinstance(code_map, dict):
        raise reader.fail(f"{where}.map", "must be a table of code = value")
    for code, value in code_map.items():
        key = f"{where}.map.{code}"
        codes[code.strip().upper()] = (
            _vocabulary_value(reader, vocab, value, key) if vocab else str(value)
        )
    if column is not None and vocab is not None and not codes:
        raise reader.fail(f"{where}.map", f"a column for {name} needs a map of its codes")
    skip = raw.get("skip", [])
    if not isinstance(skip, list) or not all(isinstance(s, str) for s in skip):
        raise reader.fail(f"{where}.skip", "must be a list of codes")
    blank = raw.get("blank", "reject" if name in REQUIRED_FIELDS else "empty")
    if blank not in BLANK_ACTIONS:
        raise reader.fail(f"{where}.blank", f"{blank!r} is not one of: {', '.join(BLANK_ACTIONS)}")
    if blank == "empty" and name in REQUIRED_FIELDS:
        raise reader.fail(f"{where}.blank", f"{name} cannot be left empty; use reject or default")
    default = raw.get("default")
    if blank == "default":
        if default is None:
            raise reader.fail(f"{where}.default", "is required when blank = 'default'")
        default = str(default)
        if vocab is not None:
            _vocabulary_value(reader, vocab, default, f"{where}.default")
    return FieldSpec(
        name=name,
        column=column.strip() if column else None,
        constant=constant,
        codes=codes,
        skip=frozenset(s.strip().upper() for s in skip),
        blank=blank,
        default=default,
        derive=_derive(reader, derive, f"{where}.derive") if derive else (),
    )


def parse_profile(text: str, path: Path) -> ImportProfile:
    """Check a profile's TOML text; ``path`` is only used to name it in messages."""
    reader = _Reader(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path.name}: not valid TOML: {exc}") from None
    reader.unknown_keys(data, SECTIONS, "")
    head = reader.table(data, "profile", "")
    reader.unknown_keys(head, {"name", "source_system", "description"}, "profile.")
    source_system = reader.text(head, "source_system", "profile.").strip()
    if not source_system or len(source_system) > 64:
        raise reader.fail("profile.source_system", "must be 1 to 64 characters")
    csv_opts = reader.table(data, "csv", "")
    reader.unknown_keys(csv_opts, {"encoding", "delimiter", "quotechar"}, "csv.")
    encoding = reader.text(csv_opts, "encoding", "csv.", default="utf-8")
    try:
        "".encode(encoding)
    except LookupError:
        raise reader.fail("csv.encoding", f"{encoding!r} is not an encoding Python knows") from None
    delimiter = reader.text(csv_opts, "delimiter", "csv.", default=",")
    quotechar = reader.text(csv_opts, "quotechar", "csv.", default='"')
    for key, value in (("delimiter", delimiter), ("quotechar", quotechar)):
        if len(value) != 1:
            raise reader.fail(f"csv.{key}", "must be exactly one character")
    excel = reader.table(data, "excel", "")
    reader.unknown_keys(excel, {"sheet"}, "excel.")
    sheet = excel.get("sheet")
    if sheet is not None and (not isinstance(sheet, str) or not sheet.strip()):
        raise reader.fail("excel.sheet", "must be the name of a sheet, in quotes")
    dates = reader.table(data, "dates", "")
    reader.unknown_keys(dates, {"formats", "timezone", "earliest", "days_ahead"}, "dates.")
    earliest = dates.get("earliest", DEFAULT_EARLIEST)
    if isinstance(earliest, datetime) or not isinstance(earliest, date):
        raise reader.fail("dates.earliest", "must be a date written like 2000-01-01 (no quotes)")
    days_ahead = dates.get("days_ahead", DEFAULT_DAYS_AHEAD)
    if (
        isinstance(days_ahead, bool)
        or not isinstance(days_ahead, int)
        or not 0 <= days_ahead <= 366
    ):
        raise reader.fail("dates.days_ahead", "must be a whole number of days from 0 to 366")
    formats = dates.get("formats", ["iso"])
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) for f in formats):
        raise reader.fail("dates.formats", "must be a list of strptime formats (or 'iso')")
    zone_name = reader.text(dates, "timezone", "dates.")
    try:
        zone = parse_zone(zone_name)
    except ValueError as exc:
        raise reader.fail("dates.timezone", str(exc)) from None
    raw_fields = reader.table(data, "fields", "")
    reader.unknown_keys(raw_fields, set(FIELD_VOCABULARY), "fields.")
    fields = {name: _field(reader, name, raw) for name, raw in raw_fields.items()}
    for name in REQUIRED_FIELDS:
        if name not in fields:
            raise reader.fail(f"fields.{name}", "is required")
    for name, value in FIELD_DEFAULTS.items():
        fields.setdefault(name, FieldSpec(name=name, constant=value))
    return ImportProfile(
        name=reader.text(head, "name", "profile.", default=path.stem),
        source_system=source_system,
        path=path,
        description=reader.text(head, "description", "profile.", default=""),
        encoding=encoding,
        delimiter=delimiter,
        quotechar=quotechar,
        date_formats=tuple(formats),
        timezone=zone,
        fields=fields,
        sheet=sheet,
        earliest=earliest,
        days_ahead=days_ahead,
    )


def shipped_profile_names() -> list[str]:
    """The profiles that come with the application (``import --profile NAME``)."""
    folder = resources.files(SHIPPED_PACKAGE)
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def shipped_profile(name: str) -> ImportProfile:
    """Load a profile shipped with the application by its name, e.g. ``san-diego``."""
    if name not in shipped_profile_names():
        raise ProfileError(
            f"no shipped profile called {name!r}; shipped: {', '.join(shipped_profile_names())}"
        )
    resource = resources.files(SHIPPED_PACKAGE).joinpath(f"{name}.toml")
    return parse_profile(resource.read_text(encoding="utf-8"), Path(f"{name}.toml"))


def load_profile(path: Path) -> ImportProfile:
    """Load and check a profile file; a bare name like ``san-diego`` means a shipped one."""
    if not path.exists() and path.parent == Path(".") and not path.suffix:
        return shipped_profile(path.name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"{path.name}: cannot read the profile: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ProfileError(f"{path.name}: a profile must be UTF-8 text") from None
    return parse_profile(text, path)
