"""Turning one CSV record into decision column values, by a profile.

The converter is built once per import: for every field it prepares a small function
that reads only that field's column, so the per-row work is a handful of dictionary
look-ups and (for the received time) one fast date parse. A row is either converted,
skipped (not an RCRP call: counted by its code) or rejected (with a reason a person can
act on). Which of these happens never depends on a column the profile does not map.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rcrp_tui.domain import personal_data
from rcrp_tui.importing.profile import FieldSpec, ImportProfile
from rcrp_tui.importing.profile_rules import cached_normaliser, extractor, normalise
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.decisions.writes import normalise_cad_ref
from rcrp_tui.storage.models import RATIONALE_MAX

#: Column widths of the decisions table, so an over-long value is rejected here with
#: its line number rather than failing the whole batch in the database.
MAX_LENGTH = {"grade": 16, "qualifier_codes": 255, "rationale": RATIONALE_MAX, "staff_id": 32}
#: strptime formats that ``datetime.fromisoformat`` reads identically, with the exact
#: length of a matching value (fromisoformat is some fifty times faster than strptime,
#: and the length check keeps it from accepting what the format would refuse).
_ISO_EQUIVALENT = {
    "%Y-%m-%d %H:%M:%S": 19,
    "%Y-%m-%dT%H:%M:%S": 19,
    "%Y-%m-%d %H:%M": 16,
    "%Y-%m-%dT%H:%M": 16,
}


class RowRejected(Exception):
    """The row cannot become a decision; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BrokenRecord(list[str]):
    """A record the row rules (field count, line breaks) reject before conversion: it
    carries no cells, only the reason, and is rejected in its place in line order by
    whichever path (SQL or Python) handles it."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class RowSkipped(Exception):
    """The row is not an RCRP call (or its code is listed to skip); ``key`` counts it."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class NoSuchLocalTime(ValueError):
    """A wall-clock time the clocks skipped (the hour they go forward)."""


def _to_utc(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        utc = moment.replace(tzinfo=zone).astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) != moment:
            raise NoSuchLocalTime(str(moment))
        return utc
    return moment.astimezone(UTC)


def _exists(naive: datetime, zone: ZoneInfo) -> bool:
    try:
        _to_utc(naive, zone)
    except NoSuchLocalTime:
        return False
    return True


def _iso_in_zone(length: int, zone: ZoneInfo) -> Callable[[str], datetime]:
    """The ISO fast path, with each local hour's UTC offset worked out once.

    An offset is cached only when it is the same at both ends of the hour, so the hour a
    zone's clocks change in (or any odd transition) always takes the exact path.
    """
    offsets: dict[str, timedelta | None] = {}

    def parse(text: str) -> datetime:
        if len(text) != length:
            raise ValueError(text)
        naive = datetime.fromisoformat(text)
        hour = text[:13]
        if hour in offsets:
            offset = offsets[hour]
        else:
            start = naive.replace(minute=0, second=0, tzinfo=zone).utcoffset()
            end = naive.replace(minute=59, second=59, tzinfo=zone).utcoffset()
            ends = (naive.replace(minute=0, second=0), naive.replace(minute=59, second=59))
            same = start == end and all(_exists(moment, zone) for moment in ends)
            offset = start if same else None
            if len(offsets) > 100_000:  # a bound, so memory stays constant on any file
                offsets.clear()
            offsets[hour] = offset
        if offset is None:
            return _to_utc(naive, zone)
        return (naive - offset).replace(tzinfo=UTC)

    return parse


def _one_format(fmt: str, zone: ZoneInfo) -> Callable[[str], datetime]:
    if fmt == "iso":
        return lambda text: _to_utc(datetime.fromisoformat(text), zone)
    length = _ISO_EQUIVALENT.get(fmt)
    if length is not None:
        return _iso_in_zone(length, zone)
    return lambda text: _to_utc(datetime.strptime(text, fmt), zone)


def date_parser(formats: Sequence[str], zone: ZoneInfo) -> Callable[[str], datetime]:
    """A function from the file's text to an aware UTC datetime (ValueError if none fits).

    A time without an offset is wall-clock time in ``zone``; an hour repeated when the
    clocks go back is read as its first occurrence (``fold=0``); a time in the hour the
    clocks go forward does not exist and raises ``NoSuchLocalTime`` (whichever format
    read it).
    """
    parsers = [_one_format(f, zone) for f in formats]
    if len(parsers) == 1:
        return parsers[0]

    def parse(text: str) -> datetime:
        for parser in parsers:
            try:
                return parser(text)
            except NoSuchLocalTime:
                raise
            except ValueError:
                continue
        raise ValueError(text)

    return parse


Getter = Callable[[Sequence[str]], Any]


class RowConverter:
    """Converts records of one file (whose header gave ``indexes``) by ``profile``."""

    def __init__(
        self,
        profile: ImportProfile,
        indexes: Mapping[str, int],
        *,
        officers: Mapping[str, tuple[int, int | None]] | None = None,
        teams: Mapping[str, int] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.profile = profile
        # The plausible window for a received time: from the profile's earliest day
        # (local midnight) to ``days_ahead`` days after the import.
        now = now or datetime.now(UTC)
        self.earliest = datetime.combine(profile.earliest, time(0), tzinfo=profile.timezone)
        self.latest = now + timedelta(days=profile.days_ahead)
        #: Local date texts strictly inside the window whatever the zone's offset: a
        #: received time between them needs no window check (the SQL fast path's test).
        self.surely_plausible = (
            (profile.earliest + timedelta(days=2)).isoformat(),
            (now.date() + timedelta(days=profile.days_ahead - 2)).isoformat(),
        )
        self.indexes = indexes
        self.officers = officers or {}
        self.teams = teams or {}
        self._parse_date = date_parser(profile.date_formats, profile.timezone)
        #: How many rows each condition of the profile (``rows.skip_when[i]``,
        #: ``fields.F.cases[i].when``) held on, for the report of those that never did.
        self.condition_hits: Counter[str] = Counter()
        # Category first: a row that is not an RCRP call is skipped before anything
        # else about it is judged.
        #: The fields ``convert`` returns, in order.
        self.names: tuple[str, ...] = tuple(
            sorted(profile.fields, key=lambda name: name != "category")
        )
        self._getters = [self._getter(profile.fields[name]) for name in self.names]
        if profile.skip_when:
            # Before anything else, the category included: wrap the first getter.
            self._getters[0] = self._skipping(self._getters[0])

    def _skipping(self, first: Getter) -> Getter:
        """``first``, after the profile's ``skip_when`` conditions (any one skips)."""
        indexes, hits = self.indexes, self.condition_hits
        tests = [(c, c.test(indexes)) for c in self.profile.skip_when]

        def skip_then(values: Sequence[str]) -> Any:
            for condition, holds in tests:
                if holds(values):
                    hits[condition.path] += 1
                    raise RowSkipped(condition.key(values, indexes))
            return first(values)

        return skip_then

    def _raw(self, spec: FieldSpec) -> Callable[[Sequence[str]], str | None]:
        """The stripped text of the field's column, or None (after the blank rule)."""
        if spec.columns or spec.extract is not None:
            read_several = self._chosen(spec)
            return lambda values: read_several(values)[0]
        assert spec.column is not None
        index = self.indexes[spec.column]
        column, blank, default = spec.column, spec.blank, spec.default

        def read(values: Sequence[str]) -> str | None:
            try:
                text = values[index].strip()
            except IndexError:
                raise RowRejected(
                    f"the row has {len(values)} fields; {column!r} is field {index + 1}"
                ) from None
            if text:
                return text
            if blank == "reject":
                raise RowRejected(f"{column} is blank")
            if blank == "skip":
                raise RowSkipped(f"{column}=(blank)")
            return default  # "default", or None for "empty"

        return read

    def _chosen(self, spec: FieldSpec) -> Callable[[Sequence[str]], tuple[str | None, str]]:
        """(text, the column it came from) for a field with several columns or an
        ``extract``: each cell trimmed and its code extracted; ``pick`` says which cell
        wins (the first non-blank, or the first whose code is in the map, else the first
        non-blank); when every cell is blank, the field's blank rule."""
        columns = spec.columns or ((spec.column,) if spec.column else ())
        at = [(column, self.indexes[column]) for column in columns]
        extract = extractor(spec.extract) if spec.extract is not None else None
        first_mapped = spec.pick == "first_mapped"
        codes = spec.codes
        normal = cached_normaliser(case_sensitive=spec.case_sensitive)
        blank, default = spec.blank, spec.default
        label = " / ".join(columns)

        def chosen(values: Sequence[str]) -> tuple[str | None, str]:
            found: tuple[str, str] | None = None
            for column, index in at:
                try:
                    text = values[index].strip()
                except IndexError:
                    raise RowRejected(
                        f"the row has {len(values)} fields; {column!r} is field {index + 1}"
                    ) from None
                if text and extract is not None:
                    text = extract(text).strip()
                if not text:
                    continue
                if not first_mapped:
                    return text, column
                if normal(text) in codes:
                    return text, column
                if found is None:
                    found = (text, column)
            if found is not None:
                return found
            if "" in codes:
                return "", label  # a map key for blank cells comes before the blank rule
            if blank == "reject":
                raise RowRejected(f"{label} is blank")
            if blank == "skip":
                raise RowSkipped(f"{label}=(blank)")
            return default, label  # "default", or None for "empty"

        return chosen

    def _rich_mapped(self, spec: FieldSpec) -> Getter:
        """A coded field with several columns, an ``extract`` or case-sensitive codes."""
        chosen = self._chosen(spec)
        codes, skip = spec.codes, spec.skip
        normal = cached_normaliser(case_sensitive=spec.case_sensitive)
        name, default = spec.name, spec.default
        not_rcrp = name == "category"

        def mapped(values: Sequence[str]) -> Any:
            text, column = chosen(values)
            if text is None:
                return None
            code = normal(text)
            value = codes.get(code)
            if value is not None:
                return value
            if text == default:
                return text  # a blank cell given the field's default
            if code in skip or not_rcrp:
                raise RowSkipped(f"{column}={code}")
            raise RowRejected(f"{column} code {text!r} is not in the profile's {name} map")

        return mapped

    def _getter(self, spec: FieldSpec) -> Getter:
        getter = self._base_getter(spec)
        if not spec.cases:
            return getter
        hits = self.condition_hits
        tests = [(c.when.path, c.when.test(self.indexes), c.value) for c in spec.cases]

        def case_or_column(values: Sequence[str]) -> Any:
            for path, holds, value in tests:
                if holds(values):
                    hits[path] += 1
                    return value
            return getter(values)

        return case_or_column

    def _base_getter(self, spec: FieldSpec) -> Getter:
        if spec.constant is not None:
            constant: Any = int(spec.constant) if spec.name == "phase" else spec.constant
            return lambda _values: constant
        if spec.derive:
            return self._derived_shift(spec)
        read = self._raw(spec)
        name, column = spec.name, spec.column or " / ".join(spec.columns)
        several = spec.columns or spec.extract is not None or spec.case_sensitive
        if (spec.codes or spec.skip) and several:
            return self._typed(spec, self._rich_mapped(spec))
        if spec.codes or spec.skip:
            codes, skip = spec.codes, spec.skip
            not_rcrp = name == "category"
            index = self.indexes[column] if column else 0

            def mapped(values: Sequence[str]) -> Any:
                # The common case first, in one step: a known code.
                try:
                    value = codes.get(values[index].strip().upper())
                except IndexError:
                    value = None
                if value is not None:
                    return value
                text = read(values)
                if text is None:
                    return None
                if text == spec.default:
                    return text  # a blank cell given the field's default
                code = normalise(text)
                value = codes.get(code)
                if value is not None:
                    return value  # a code written with other spacing
                if code in skip or not_rcrp:
                    raise RowSkipped(f"{column}={code}")
                raise RowRejected(f"{column} code {text!r} is not in the profile's {name} map")

            return self._typed(spec, mapped)
        if name == "cad_ref":

            def cad_ref(values: Sequence[str]) -> str:
                try:
                    return normalise_cad_ref(read(values) or "")
                except ValidationFailed as exc:
                    raise RowRejected(f"{column}: {exc.reason}") from None

            return cad_ref
        if name == "received_at":
            parse = self._parse_date
            formats = " or ".join(self.profile.date_formats)

            zone, earliest, latest = self.profile.timezone, self.earliest, self.latest
            window = (
                f"from {earliest.date().isoformat()} to "
                f"{latest.astimezone(zone).strftime('%Y-%m-%d %H:%M')} ([dates] earliest, "
                "days_ahead)"
            )

            def received(values: Sequence[str]) -> datetime:
                text = read(values) or ""
                try:
                    moment = parse(text)
                except NoSuchLocalTime:
                    raise RowRejected(
                        f"{column} {text!r} is a local time that does not exist in {zone.key} "
                        "(the clocks went forward past it)"
                    ) from None
                except (ValueError, OverflowError):
                    raise RowRejected(f"{column} {text!r} is not a date like {formats}") from None
                if not earliest <= moment < latest:
                    raise RowRejected(
                        f"{column} {text!r} is outside the plausible window, {window}"
                    )
                return moment

            return received
        return self._typed(spec, read)

    def _typed(self, spec: FieldSpec, read: Getter) -> Getter:
        """Add the checks a field's column type needs (lengths, look-ups, phase number)."""
        name, column = spec.name, spec.column or " / ".join(spec.columns)
        limit = MAX_LENGTH.get(name)
        if name == "staff_id":
            officers = self.officers

            def staff(values: Sequence[str]) -> Any:
                text = read(values)
                if text is None:
                    return None
                if text not in officers:
                    raise RowRejected(f"{column}: no contact officer with staff id {text!r}")
                return text

            return staff
        if name == "team":
            teams = self.teams

            def team(values: Sequence[str]) -> Any:
                text = read(values)
                if text is not None and text not in teams:
                    raise RowRejected(f"{column}: no team called {text!r}")
                return text

            return team
        if name == "phase":

            def phase(values: Sequence[str]) -> Any:
                text = read(values)
                if text is None:
                    return None
                if not (text.isdigit() and 1 <= int(text) <= 9):
                    raise RowRejected(f"{column}: phase {text!r} is not a number from 1 to 9")
                return int(text)

            return phase
        if name == "rationale":

            def rationale(values: Sequence[str]) -> Any:
                text = read(values)
                if text is None:
                    return None
                if len(text) > RATIONALE_MAX:
                    raise RowRejected(f"{column} is longer than {RATIONALE_MAX} characters")
                # The same guard as typed notes (domain brief section 9): an export's
                # free text must not carry an identity into the QA records.
                findings = personal_data.scan(text)
                if findings:
                    kinds = ", ".join(k.label.lower() for k in personal_data.kinds_found(findings))
                    raise RowRejected(f"{column} looks like it holds personal data ({kinds})")
                return text

            return rationale
        if limit is not None:

            def limited(values: Sequence[str]) -> Any:
                text = read(values)
                if text is not None and len(text) > limit:
                    raise RowRejected(f"{column} is longer than {limit} characters")
                return text

            return limited
        return read

    def _derived_shift(self, spec: FieldSpec) -> Getter:
        assert self.profile.fields["received_at"].column is not None
        received = self._getter(self.profile.fields["received_at"])
        zone, windows = self.profile.timezone, spec.derive

        def shift(values: Sequence[str]) -> str | None:
            local = received(values).astimezone(zone).time()
            for window in windows:
                if window.contains(local):
                    return window.shift
            return None

        return shift

    def field_value(self, name: str, values: Sequence[str]) -> Any:
        """One field of one record, exactly as ``convert`` would give it (or raise)."""
        return self._getters[self.names.index(name)](values)

    def convert(self, values: Sequence[str]) -> list[Any]:
        """The field values of one record, in ``names`` order; raises RowSkipped or
        RowRejected."""
        return [get(values) for get in self._getters]
