"""Import mapping profiles: how one force's CAD export becomes RCRP decisions.

A profile is a TOML file (documented key by key in ``docs/import-profiles.md``). Every
CAD system exports a different layout, so nothing about a layout is hard-coded: the
profile names the columns, maps code values onto the fixed vocabularies in
``domain.enums``, says how dates are written and in which time zone, and which call
types are RCRP calls at all. It is checked completely when it is loaded, so a mistake
is reported with the file and the key before any row is read.
"""

from __future__ import annotations

import re
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
from rcrp_tui.importing.profile_checks import (
    ProfileError as ProfileError,
)
from rcrp_tui.importing.profile_checks import (
    Reader,
    parse_cases,
    parse_codes,
    parse_columns,
    parse_extract,
    parse_rows,
    vocabulary_value,
)
from rcrp_tui.importing.profile_rules import (
    DEFAULT_MERGE_RULE,
    PICK_RULES,
    Case,
    Condition,
    normalise,
)

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
#: Keys of the profile language beyond one column and one map (docs/import-profiles.md).
RULE_KEYS = {"columns", "pick", "extract", "case_sensitive", "cases"}
SECTIONS = {"profile", "csv", "excel", "dates", "fields", "rows"}
#: Fields whose value a ``cases`` entry may give (a vocabulary, so the value is checked).
CASE_FIELDS = ("category", "outcome", "caller_type", "threshold_basis", "shift")
#: The default plausible window for a received time: from 2000-01-01 to a day after
#: the import.
DEFAULT_EARLIEST = date(2000, 1, 1)
DEFAULT_DAYS_AHEAD = 1
SHIPPED_PACKAGE = "rcrp_tui.importing.profiles"


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
    #: Several columns, read in order by ``pick`` (``column`` is then None).
    columns: tuple[str, ...] = ()
    pick: str = "first_nonblank"
    #: A regular expression whose ``code`` group is taken out of the cell.
    extract: re.Pattern[str] | None = None
    #: Compare codes as written instead of in capitals.
    case_sensitive: bool = False
    #: Values given by conditions on the row, tried in order before the column.
    cases: tuple[Case, ...] = ()

    @property
    def read_columns(self) -> tuple[str, ...]:
        """Every column this field reads, its cases' conditions included."""
        own = self.columns or ((self.column,) if self.column else ())
        return (*own, *(c for case in self.cases for c in case.when.columns))

    @property
    def uses_rules(self) -> bool:
        """True if the field uses the language beyond one column and one map."""
        return bool(self.columns or self.extract or self.case_sensitive or self.cases)


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
    #: Rows for which any of these holds are skipped before anything else is read.
    skip_when: tuple[Condition, ...] = ()
    #: Rows sharing a CAD reference: None (the later row wins, counted by row) or one
    #: of DUPLICATE_MODES (counted by incident).
    duplicates: str | None = None
    #: With duplicates = "merge": field -> a MERGE_RULES rule or ("prefer", values).
    merge: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        """The file's columns this profile reads, in a stable order (no others are read)."""
        seen: list[str] = []
        for spec in self.fields.values():
            for column in spec.read_columns:
                if column not in seen:
                    seen.append(column)
        for condition in self.skip_when:
            for column in condition.columns:
                if column not in seen:
                    seen.append(column)
        return tuple(seen)

    @property
    def uses_rules(self) -> bool:
        """True if the profile uses the language beyond one column and one map per field
        (the SQL fast path then stands aside: see docs/import-profiles.md)."""
        return bool(
            self.skip_when
            or self.duplicates
            or any(spec.uses_rules for spec in self.fields.values())
        )

    def merge_rule(self, name: str) -> tuple[str, tuple[str, ...]]:
        """How a field is taken from an incident's rows (duplicates modes only)."""
        if self.duplicates in ("first", "last"):
            return self.duplicates, ()
        return self.merge.get(name, (DEFAULT_MERGE_RULE, ()))


def _clock_time(reader: Reader, raw: Any, key: str) -> time:
    try:
        return time.fromisoformat(str(raw))
    except ValueError:
        raise reader.fail(key, f"{raw!r} is not a time like 07:00") from None


def _derive(reader: Reader, raw: Any, where: str) -> tuple[ShiftWindow, ...]:
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
                shift=vocabulary_value(reader, Shift, item.get("shift"), f"{key}.shift"),
                start=_clock_time(reader, item.get("from"), f"{key}.from"),
                end=_clock_time(reader, item.get("to"), f"{key}.to"),
            )
        )
    return tuple(windows)


def _field(reader: Reader, name: str, raw: Any) -> FieldSpec:
    where = f"fields.{name}"
    if not isinstance(raw, dict):
        raise reader.fail(where, "must be a table")
    reader.unknown_keys(raw, FIELD_KEYS | RULE_KEYS, f"{where}.")
    vocab = FIELD_VOCABULARY[name]
    column = raw.get("column")
    columns = parse_columns(reader, raw.get("columns"), f"{where}.columns")
    constant = raw.get("constant")
    derive = raw.get("derive")
    given = [
        k
        for k, v in (
            ("column", column),
            ("columns", columns),
            ("constant", constant),
            ("derive", derive),
        )
        if v
    ]
    if len(given) != 1:
        raise reader.fail(
            where, "give exactly one of column, columns, constant (or derive, for shift)"
        )
    if column is not None and (not isinstance(column, str) or not column.strip()):
        raise reader.fail(f"{where}.column", "must be a column name")
    if derive is not None and name != "shift":
        raise reader.fail(f"{where}.derive", "only the shift can be derived")
    if constant is not None and name in COLUMN_ONLY_FIELDS:
        raise reader.fail(f"{where}.constant", f"{name} must come from a column")
    if constant is not None:
        constant = str(constant)
        if vocab is not None:
            vocabulary_value(reader, vocab, constant, f"{where}.constant")
        phases = {str(n) for n in range(FIRST_PHASE, LAST_PHASE + 1)}
        if name == "phase" and constant not in phases:
            why = f"{constant!r} is not a phase from {FIRST_PHASE} to {LAST_PHASE}"
            raise reader.fail(f"{where}.constant", why)
    case_sensitive = raw.get("case_sensitive", False)
    if not isinstance(case_sensitive, bool):
        raise reader.fail(f"{where}.case_sensitive", "must be true or false")
    codes = parse_codes(reader, raw.get("map", {}), where, vocab, case_sensitive)
    if (column is not None or columns) and vocab is not None and not codes:
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
            vocabulary_value(reader, vocab, default, f"{where}.default")
    pick = raw.get("pick", "first_nonblank")
    if pick not in PICK_RULES:
        raise reader.fail(f"{where}.pick", f"{pick!r} is not one of: {', '.join(PICK_RULES)}")
    if "pick" in raw and not columns:
        raise reader.fail(f"{where}.pick", "only a field with columns = [...] picks one")
    if pick == "first_mapped" and not codes:
        raise reader.fail(f"{where}.pick", "'first_mapped' needs a map to say which maps")
    extract = parse_extract(reader, raw.get("extract"), f"{where}.extract")
    if extract is not None and (constant is not None or derive is not None):
        raise reader.fail(f"{where}.extract", "only a value read from a column can be extracted")
    if extract is not None and name == "received_at":
        raise reader.fail(f"{where}.extract", "the received time is read by [dates] formats")
    cases = parse_cases(reader, raw.get("cases"), name, where, vocab)
    return FieldSpec(
        name=name,
        column=column.strip() if column else None,
        constant=constant,
        codes=codes,
        skip=frozenset(normalise(s, case_sensitive=case_sensitive) for s in skip),
        blank=blank,
        default=default,
        derive=_derive(reader, derive, f"{where}.derive") if derive else (),
        columns=columns,
        pick=pick,
        extract=extract,
        case_sensitive=case_sensitive,
        cases=cases,
    )


def parse_profile(text: str, path: Path) -> ImportProfile:
    """Check a profile's TOML text; ``path`` is only used to name it in messages."""
    reader = Reader(path, text)
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
            raise reader.fail(f"fields.{name}", "is required", locate=False)
    for name, value in FIELD_DEFAULTS.items():
        fields.setdefault(name, FieldSpec(name=name, constant=value))
    columned = {n: FIELD_VOCABULARY[n] for n, spec in fields.items() if spec.read_columns}
    skip_when, duplicates, merge = parse_rows(reader, reader.table(data, "rows", ""), columned)
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
        skip_when=skip_when,
        duplicates=duplicates,
        merge=merge,
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
