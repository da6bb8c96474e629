"""The SQL of the import fast path: one expression per decision column, and the
conditions under which it gives exactly what ``RowConverter`` would.

Every condition is deliberately narrow. A cell that is not plainly one of the shapes
below (surrounding or odd white space, non-ASCII text where Python's ``strip`` and
``upper`` differ from SQLite's, an impossible date, an hour the clocks change in, a code
not in the map, a non-empty rationale that must pass the personal-data scanner) makes the
row "odd", and odd rows take the Python path, which is the authority. An empty cell gets
whatever the Python converter gives an empty cell: that value is worked out once, by
running the converter on a blank record, when the plan is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rcrp_tui.importing.profile import FieldSpec, ImportProfile
from rcrp_tui.importing.rows import (
    _ISO_EQUIVALENT,
    MAX_LENGTH,
    RowConverter,
    RowRejected,
    RowSkipped,
)

HOURS = "rcrp_import_hours"
MAP_PREFIX = "rcrp_import_map_"
#: Characters a normalised CAD reference is made of (``CAD_REF_RE``).
REF_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/_.-"
#: Fields whose codes must come from a vocabulary map.
_VOCABULARY = {"category", "outcome", "caller_type", "threshold_basis", "shift"}
_SHAPES = {"cad_ref", "received_at", "staff_id", "team", "phase", "grade"}
_SHAPES |= {"qualifier_codes", "rationale"}


class Unplannable(Exception):
    """The profile uses something the fast path does not express; use the Python path."""


def literal(value: Any) -> str:
    """An SQL literal for a value taken from the profile or the converter."""
    if value is None:
        return "NULL"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Unplannable(f"no literal for {value!r}")
    if isinstance(value, int):
        return str(value)
    if "\x00" in value:
        raise Unplannable("a NUL character in a profile value")
    return "'" + value.replace("'", "''") + "'"


def ends_printable(x: str) -> str:
    """True when the text starts and ends with printable ASCII: no ``strip`` can change it."""
    return f"(unicode({x}) BETWEEN 33 AND 126 AND unicode(substr({x}, -1)) BETWEEN 33 AND 126)"


def clean_ascii(x: str) -> str:
    """Printable-ended ASCII text (a NUL makes ``length`` short, so it is refused too)."""
    return f"({ends_printable(x)} AND length({x}) = length(CAST({x} AS BLOB)))"


def _clean_code(code: str) -> bool:
    return bool(code) and all(33 <= ord(c) <= 126 for c in (code[0], code[-1])) and code.isascii()


@dataclass
class Plan:
    """What the fast path's classifying SELECT is made of."""

    #: Decisions column -> SQL value (over the staging alias ``s`` and the joins).
    values: dict[str, str] = field(default_factory=dict)
    #: Conditions that must all hold for a row to be plain.
    conditions: list[str] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    #: Temporary code tables to create: table -> [(code, value)].
    maps: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: The received-time column and the length of its ISO format (for the hour table).
    received: str = ""
    date_length: int = 19


def hour_offsets(keys: list[str], zone: ZoneInfo) -> list[tuple[str, str]]:
    """(``YYYY-MM-DD HH`` as in the file, SQLite modifier to UTC) for each local hour whose
    UTC offset is the same at both ends (exactly the hours ``_iso_in_zone`` caches) and
    whose wall time survives the round trip (so a derived shift reads the same time)."""
    found = []
    for key in keys:
        if not isinstance(key, str) or len(key) != 13 or key[10] not in " T":
            continue
        try:
            naive = datetime.fromisoformat(f"{key[:10]} {key[11:13]}:00")
        except ValueError:
            continue
        start = naive.replace(tzinfo=zone).utcoffset()
        end = naive.replace(minute=59, second=59, tzinfo=zone).utcoffset()
        if start is None or start != end:
            continue
        try:
            back = [
                (moment - start).replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
                for moment in (naive, naive.replace(minute=59, second=59))
            ]
        except OverflowError:
            continue
        if back != [naive, naive.replace(minute=59, second=59)]:
            continue
        seconds = -int(start / timedelta(seconds=1))
        found.append((key, f"{seconds:+d} seconds"))
    return found


class PlanBuilder:
    """Builds the Plan for one profile and file header, or raises Unplannable."""

    def __init__(
        self,
        profile: ImportProfile,
        staged: Mapping[str, str],
        converter: RowConverter,
        officers: Mapping[str, tuple[int, int | None]],
        teams: Mapping[str, int],
        width: int,
    ) -> None:
        self.profile = profile
        self.staged = staged  # file column -> staging column expression
        self.converter = converter
        self.officers = officers
        self.teams = teams
        self.blank_row = [""] * width
        self.plan = Plan()

    def build(self) -> Plan:
        formats = self.profile.date_formats
        if len(formats) != 1 or formats[0] not in _ISO_EQUIVALENT:
            raise Unplannable("only one ISO-like date format is expressed in SQL")
        self.plan.date_length = _ISO_EQUIVALENT[formats[0]]
        for name, spec in self.profile.fields.items():
            self._field(name, spec)
        return self.plan

    def _blank(self, name: str) -> tuple[str, Any]:
        """What the converter makes of an empty cell: ("value", v), ("skip", key) or
        ("odd", None) when the row must take the Python path."""
        try:
            return "value", self.converter.field_value(name, self.blank_row)
        except RowSkipped as skip:
            return "skip", skip.key
        except RowRejected:
            return "odd", None

    def _column(self, name: str, spec: FieldSpec, value: str, when: str, blank_value: str) -> None:
        """Add one column: ``value`` when the cell is non-empty and ``when`` holds."""
        assert spec.column is not None
        x = self.staged[spec.column]
        kind, _ = self._blank(name)
        if kind == "value":
            self.plan.conditions.append(f"CASE WHEN {x} = '' THEN 1 ELSE {when} END")
            self.plan.values[name] = f"CASE WHEN {x} = '' THEN {blank_value} ELSE {value} END"
        else:
            self.plan.conditions.append(f"({x} <> '' AND {when})")
            self.plan.values[name] = value

    def _field(self, name: str, spec: FieldSpec) -> None:
        if spec.constant is not None:
            self._constant(name, spec)
        elif spec.derive:
            self._derived_shift(spec)
        elif name in _VOCABULARY:
            self._mapped(name, spec)
        elif spec.codes or spec.skip or name not in _SHAPES:
            raise Unplannable(f"{name}: codes for a free-text field")
        else:
            self._shaped(name, spec)

    def _constant(self, name: str, spec: FieldSpec) -> None:
        value = self.converter.field_value(name, self.blank_row)
        if name == "staff_id":
            if value not in self.officers:
                raise Unplannable("a constant staff id that is not an officer")
            officer, team = self.officers[value]
            self.plan.values["contact_officer_id"] = literal(officer)
            self.plan.values["staff_team_id"] = literal(team)
        elif name == "team":
            if value not in self.teams:
                raise Unplannable("a constant team that does not exist")
            self.plan.values["team_id"] = literal(self.teams[value])
        else:
            self.plan.values[name] = literal(value)

    def _mapped(self, name: str, spec: FieldSpec) -> None:
        assert spec.column is not None
        x = self.staged[spec.column]
        table = f"{MAP_PREFIX}{name}"
        alias = f"m_{name}"
        self.plan.maps[table] = [(c, v) for c, v in spec.codes.items() if _clean_code(c)]
        self.plan.joins.append(f"LEFT JOIN temp.{table} {alias} ON {alias}.code = upper({x})")
        default = spec.default if isinstance(spec.default, str) else None
        # A known code (only plain ASCII codes are in the table, so a match means the
        # cell is ASCII without surrounding space, where upper() agrees with Python's),
        # else the field's default written out in full.
        value = f"coalesce({alias}.value, {literal(default)})"
        when = f"({alias}.value IS NOT NULL OR {x} = {literal(default)})"
        kind, blank = self._blank(name)
        self._column(name, spec, value, when, literal(blank) if kind == "value" else "NULL")

    def _shaped(self, name: str, spec: FieldSpec) -> None:
        assert spec.column is not None
        x = self.staged[spec.column]
        kind, blank = self._blank(name)
        if name == "cad_ref":
            when = (
                f"({x} GLOB '[A-Z0-9]*' AND length({x}) <= 64 AND rtrim({x}, '{REF_CHARS}') = '')"
            )
            self._column(name, spec, x, when, literal(blank) if kind == "value" else "NULL")
        elif name == "received_at":
            self._received(x)
        elif name in ("staff_id", "team"):
            self._looked_up(name, x, kind, blank)
        elif name == "phase":
            blank_value = literal(blank) if kind == "value" else "NULL"
            self._column(name, spec, f"CAST({x} AS INTEGER)", f"{x} GLOB '[1-9]'", blank_value)
        elif name == "rationale":
            # Non-empty free text must pass the personal-data scanner: Python path.
            self._column(name, spec, x, "0", literal(blank) if kind == "value" else "NULL")
        else:
            limit = MAX_LENGTH[name]
            # Bytes bound characters from above, so a plain value is within the limit.
            when = f"({ends_printable(x)} AND length(CAST({x} AS BLOB)) <= {limit})"
            self._column(name, spec, x, when, literal(blank) if kind == "value" else "NULL")

    def _received(self, x: str) -> None:
        # datetime(x) is always 'YYYY-MM-DD HH:MM:SS', so equality pins the shape (a
        # 'T' or a space between date and time, both of which fromisoformat reads) and
        # refuses impossible dates such as 2023-02-30, which SQLite would roll over.
        shape = f"replace({x}, 'T', ' ')"
        if self.plan.date_length == 16:
            shape += " || ':00'"
        self.plan.received = x
        # Only a time surely inside the plausible window is plain: one near either end
        # is checked exactly by the Python path.
        low, high = self.converter.surely_plausible
        self.plan.joins.append(f"LEFT JOIN temp.{HOURS} h ON h.hour = substr({x}, 1, 13)")
        # An empty received time takes the Python path (a default date would also have
        # to feed a derived shift).
        self.plan.conditions.append(
            f"(datetime({x}) = {shape} AND {x} >= {literal(low)} AND {x} < {literal(high)} "
            "AND h.modifier IS NOT NULL)"
        )
        self.plan.values["received_at"] = f"datetime({x}, h.modifier) || '.000000'"

    def _looked_up(self, name: str, x: str, kind: str, blank: Any) -> None:
        if kind == "skip":
            kind = "odd"
        if name == "staff_id":
            self.plan.joins.append(f"LEFT JOIN contact_officers o ON o.staff_id = {x}")
            ids = self.officers.get(blank, (None, None)) if kind == "value" else (None, None)
            found = "o.id"
            columns = {
                "contact_officer_id": ("o.id", ids[0]),
                "staff_team_id": ("o.team_id", ids[1]),
            }
        else:
            self.plan.joins.append(f"LEFT JOIN teams t ON t.name = {x}")
            found = "t.id"
            team = self.teams.get(blank) if kind == "value" else None
            columns = {"team_id": ("t.id", team)}
        when = f"({ends_printable(x)} AND {found} IS NOT NULL)"
        if kind == "value":
            self.plan.conditions.append(f"CASE WHEN {x} = '' THEN 1 ELSE {when} END")
        else:
            self.plan.conditions.append(f"({x} <> '' AND {when})")
        for column, (value, blank_id) in columns.items():
            self.plan.values[column] = (
                f"CASE WHEN {x} = '' THEN {literal(blank_id)} ELSE {value} END"
            )

    def _derived_shift(self, spec: FieldSpec) -> None:
        received = self.profile.fields["received_at"]
        assert received.column is not None
        x = self.staged[received.column]
        # The local wall time of a plain row is the file's own text (hour_offsets keeps
        # only hours whose wall time survives the round trip through UTC).
        local = f"substr({x}, 12)" + (" || ':00'" if self.plan.date_length == 16 else "")
        cases = []
        for window in spec.derive:
            if window.start.tzinfo is not None or window.end.tzinfo is not None:
                raise Unplannable("a shift window with a time zone")
            start, end = literal(_clock(window.start)), literal(_clock(window.end))
            if window.start < window.end:
                cases.append(f"WHEN {local} >= {start} AND {local} < {end} THEN ")
            else:
                cases.append(f"WHEN {local} >= {start} OR {local} < {end} THEN ")
            cases[-1] += literal(window.shift)
        self.plan.values["shift"] = f"CASE {' '.join(cases)} ELSE NULL END"


def _clock(moment: time) -> str:
    # time.isoformat() sorts as text exactly as the times compare ('07:00:00' before
    # '07:00:00.500000'), and a file's time is always whole seconds.
    return moment.isoformat()
