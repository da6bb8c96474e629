"""What an import (or a dry run) found in a file beyond its counts.

For every field the profile maps through a code map, ``ValueTally`` counts each distinct
cell of each of its columns (normalised exactly as the converter compares it with the
map's keys: the ``extract``ed code, trimmed, runs of white space as one, in capitals
unless case-sensitive) over every record the row rules let through, whatever then
happened to the row. From that tally come the *unmapped values* (cells that are neither
a map key nor a ``skip`` code: for the category the rows skipped as not RCRP calls, for
other fields rows rejected when they are RCRP calls) and the *keys that never matched*
(map and skip keys no cell equalled, such as a key typed without the slash the file
writes). Blank cells follow the field's ``blank`` rule and are not listed. The
converter counts the rows each ``skip_when`` and ``cases`` condition held on; those that
held on none are reported too.

The tally is taken in the one place both the SQL and the Python path read records from,
so a dry run and a real import of the same file report the same values.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from rcrp_tui.importing.profile import FieldSpec, ImportProfile
from rcrp_tui.importing.profile_rules import extractor, normalise
from rcrp_tui.private_files import open_private_text

#: Distinct combinations of mapped cells counted at most, so memory stays bounded on any
#: file; records beyond it are not listed one by one, and the report says so.
MAX_DISTINCT = 100_000
#: Unmapped values shown on screen per field (all of them are in the CSV file).
SHOWN_VALUES = 20
#: Rejected rows shown on screen (all of them are in the rejects file).
SHOWN_REJECTS = 10


def _many(n: int, what: str) -> str:
    return f"{n:,} {what}" if n == 1 else f"{n:,} {what}s"


def unmapped_path_for(rejects: Path) -> Path:
    """The unmapped-values CSV beside the rejects file: ``X.rejects.csv`` -> ``X.unmapped.csv``."""
    name = rejects.name
    if name.endswith(".rejects.csv"):
        return rejects.with_name(name[: -len(".rejects.csv")] + ".unmapped.csv")
    return rejects.with_name(name + ".unmapped.csv")


class ValueTally:
    """Counts the distinct cells of every mapped field, record by record.

    Per record it is one dictionary step: the mapped cells, as they are in the file, are
    counted together as one key (a file has few distinct combinations of codes); they
    are trimmed, put in capitals and counted per field only when the report is made.
    """

    def __init__(self, profile: ImportProfile, indexes: Mapping[str, int]) -> None:
        self.fields = [
            spec
            for spec in profile.fields.values()
            if (spec.column or spec.columns) and (spec.codes or spec.skip) and not spec.derive
        ]
        #: Every column of every tallied field, by the field's place in ``fields``.
        self._owners: list[int] = []
        positions: list[int] = []
        for i, spec in enumerate(self.fields):
            for column in spec.columns or (spec.column or "",):
                self._owners.append(i)
                positions.append(indexes[column])
        self._single = len(positions) == 1
        #: A record (its header's number of fields) -> its mapped cells, one or a tuple.
        self.key: Callable[[Sequence[str]], Any] = (
            itemgetter(*positions) if positions else lambda _values: ()
        )
        #: The mapped cells of a record -> how many records had them. The import's
        #: record loop (``cad._stage``) counts into it: one dictionary step a row.
        self.seen: dict[Any, int] = {}
        #: Records not counted one by one because MAX_DISTINCT combinations were seen.
        self.overflow = 0
        #: Conditions of the profile (``skip_when``, ``cases``), for those never held.
        self.conditions = [c.path for c in profile.skip_when] + [
            case.when.path for spec in profile.fields.values() for case in spec.cases
        ]
        #: Path -> rows it held on (filled from the converter when the file is read).
        self.condition_hits: Mapping[str, int] = {}

    def _normaliser(self, spec: FieldSpec) -> Callable[[str], str]:
        """A cell as the converter compares it with the map's keys."""
        sensitive = spec.case_sensitive
        extract = extractor(spec.extract) if spec.extract is not None else None

        def normal(cell: str) -> str:
            cell = cell.strip()
            if extract is not None and cell:
                cell = extract(cell)
            return normalise(cell, case_sensitive=sensitive)

        return normal

    def _per_field(self) -> list[Counter[str]]:
        """Each field's cells (of all its columns) and how many times each was seen."""
        counters: list[Counter[str]] = [Counter() for _ in self.fields]
        normals = [self._normaliser(spec) for spec in self.fields]
        owners = self._owners
        for key, n in self.seen.items():
            cells = (key,) if self._single else key
            for owner, cell in zip(owners, cells, strict=True):
                cell = normals[owner](cell)
                if cell:
                    counters[owner][cell] += n
        return counters

    def unmapped(self) -> dict[str, tuple[tuple[str, int], ...]]:
        """Field -> its cells that no map or skip key matches, commonest first."""
        found: dict[str, tuple[tuple[str, int], ...]] = {}
        for spec, counter in zip(self.fields, self._per_field(), strict=True):
            known = spec.codes.keys() | spec.skip
            rows = [(v, n) for v, n in counter.items() if v not in known]
            if rows:
                found[spec.name] = tuple(sorted(rows, key=lambda item: (-item[1], item[0])))
        return found

    def never_matched(self) -> dict[str, tuple[str, ...]]:
        """Field -> the map and skip keys no cell matched."""
        found: dict[str, tuple[str, ...]] = {}
        for spec, counter in zip(self.fields, self._per_field(), strict=True):
            keys = sorted(k for k in (*spec.codes, *spec.skip) if k not in counter)
            if keys:
                found[spec.name] = tuple(keys)
        return found

    def never_held(self) -> tuple[str, ...]:
        """The profile's conditions that held on no row (their places in the profile)."""
        return tuple(path for path in self.conditions if not self.condition_hits.get(path))

    def columns(self) -> dict[str, str]:
        return {spec.name: spec.column or ", ".join(spec.columns) for spec in self.fields}

    def overflowed(self) -> int:
        return self.overflow


@dataclass(frozen=True)
class ImportReport:
    """The report beside an import's counts (also a dry run's)."""

    #: (category, outcome) -> decisions the file makes (one per CAD reference).
    by_category_outcome: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Field -> ((cell, rows), ...) of cells no key matched, commonest first.
    unmapped: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    #: Field -> map and skip keys that matched no cell.
    never_matched: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Field -> the column it reads.
    columns: dict[str, str] = field(default_factory=dict)
    #: The first rejected rows: (line, reason).
    first_rejects: tuple[tuple[int, str], ...] = ()
    #: Rows left out of the tally (over MAX_DISTINCT distinct combinations of cells).
    overflow: int = 0
    #: Where the full list of unmapped values was written (None if it could not be).
    unmapped_path: Path | None = None
    #: The profile's conditions (``rows.skip_when[i]``, ``fields.F.cases[i].when``)
    #: that held on no row.
    never_held: tuple[str, ...] = ()

    def lines(self, rejected: int, rejects_path: Path | None) -> list[str]:
        lines: list[str] = []
        if self.by_category_outcome:
            lines.append("  decisions by category and outcome:")
            for (category, outcome), n in sorted(self.by_category_outcome.items()):
                lines.append(f"    {category} / {outcome}: {n:,}")
        where = f" — full list in {self.unmapped_path}" if self.unmapped_path else ""
        if not self.unmapped:
            lines.append("  unmapped values: none")
        for name, values in self.unmapped.items():
            rows = sum(n for _v, n in values)
            lines.append(
                f"  unmapped values of {name} (column {self.columns.get(name, '')!r}): "
                f"{_many(len(values), 'value')} on {_many(rows, 'row')}"
            )
            lines.extend(f"    {value!r}: {n:,}" for value, n in values[:SHOWN_VALUES])
            if len(values) > SHOWN_VALUES:
                lines.append(f"    and {len(values) - SHOWN_VALUES:,} more{where}")
        if self.overflow:
            lines.append(
                f"  note: {self.overflow:,} rows were left out of the unmapped values and "
                f"keys: the mapped columns held over {MAX_DISTINCT:,} distinct combinations"
            )
        if self.unmapped_path is not None:
            lines.append(f"  unmapped values, every one with its count: {self.unmapped_path}")
        for name, keys in self.never_matched.items():
            shown = ", ".join(repr(k) for k in keys)
            lines.append(f"  map keys of {name} that matched no row: {shown}")
        if self.never_held:
            lines.append(f"  conditions that held on no row: {', '.join(self.never_held)}")
        if self.first_rejects:
            first = len(self.first_rejects)
            lines.append(f"  rejected rows (the first {first:,} of {rejected:,}), with reasons:")
            lines.extend(f"    line {line:,}: {reason}" for line, reason in self.first_rejects)
        return lines

    def audit_record(self) -> dict[str, Any]:
        """Counts and the profile's own keys, never a cell's value (a mapped column may
        hold anything)."""
        return {
            "by_category_outcome": {
                f"{c}/{o}": n for (c, o), n in sorted(self.by_category_outcome.items())
            },
            "unmapped": {
                name: {"values": len(values), "rows": sum(n for _v, n in values)}
                for name, values in self.unmapped.items()
            },
            "never_matched_keys": {name: list(keys) for name, keys in self.never_matched.items()},
            **({"conditions_never_held": list(self.never_held)} if self.never_held else {}),
        }

    def write_unmapped(self, path: Path) -> None:
        """Every unmapped value with its count, as CSV (owner-only)."""
        with open_private_text(path) as out:
            writer = csv.writer(out)
            writer.writerow(["field", "column", "value", "rows"])
            for name, values in self.unmapped.items():
                column = self.columns.get(name, "")
                for value, n in values:
                    writer.writerow([name, column, value, n])
