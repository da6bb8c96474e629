"""The SQL fast path of a CAD import, on SQLite.

Converting a row in Python costs some ten microseconds; a million rows is most of an
import. So on SQLite the file is streamed once into a temporary staging table (only the
mapped columns, with each record's line number and field count), and SQL decides which
rows are *plain*: every cell in a shape where the SQL conversion provably equals
``RowConverter.convert`` (see ``fastsql``). Rows that are not RCRP calls never reach
the staging table: the converter's own category rule is asked once per distinct call
type cell, and the answer is cached, so a skipped row costs a dictionary look-up. One
``INSERT ... SELECT`` then both tests every staged row and converts the plain ones into
the import's ready table; the staged rows it left out are the *odd* rows. The odd ones
go through the Python converter and ``BatchWriter`` in line order, into the same ready
table beside the plain ones, producing the same rejects and skips as an import without
the fast path; the merge (``importing.merge``) then writes both alike.

A CAD reference that appears on more than one row, or on an odd row at all, takes the
Python path for all its rows, so "the later row wins" is decided in one place, in file
order. All of this runs on the import's own connection, in temporary tables, before
the import takes the write lock: a failure leaves nothing in the database.
PostgreSQL imports take the Python path only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection

from rcrp_tui.importing.fastsql import (
    HOURS,
    Plan,
    PlanBuilder,
    Unplannable,
    hour_offsets,
    literal,
)
from rcrp_tui.importing.profile import ImportProfile
from rcrp_tui.importing.rows import BrokenRecord, RowConverter, RowRejected, RowSkipped
from rcrp_tui.importing.writer import IMPORTED_COLUMNS, sqlite_timestamp, updated_columns

STAGE = "rcrp_import_stage"
ODD = "rcrp_import_odd"
CLASH = "rcrp_import_clash"
#: Odd rows are read back in pages of this many, by line number.
PAGE = 2_000


class FastPath:
    """One import's fast path: ``stage``, ``classify``, ``odd_rows``, then ``finish``."""

    def __init__(
        self,
        conn: Connection,
        profile: ImportProfile,
        indexes: Mapping[str, int],
        converter: RowConverter,
        plan: Plan,
    ) -> None:
        self.conn = conn
        self.profile = profile
        self.columns = profile.columns
        self.positions = [indexes[c] for c in self.columns]
        self.need = max(self.positions) + 1
        self.plan = plan
        self.converter = converter
        self.compared = updated_columns(converter.names)
        self._plain = 0
        self._skips = 0
        self.width = max(indexes.values()) + 1
        category = profile.fields["category"].column
        self._category_index = indexes[category] if category else None
        self._tables: list[str] = []
        self._caches: list[tuple[str, int]] = []

    @classmethod
    def for_import(
        cls,
        conn: Connection,
        profile: ImportProfile,
        indexes: Mapping[str, int],
        converter: RowConverter,
        officers: Mapping[str, tuple[int, int | None]],
        teams: Mapping[str, int],
    ) -> FastPath | None:
        """The fast path for this profile and header, or None (Python path only)."""
        if profile.uses_rules:
            # Several columns, extracted codes, conditions and per-incident rows are
            # read by the Python converter alone (docs/import-profiles.md).
            return None
        staged = {column: f"s.c{i}" for i, column in enumerate(profile.columns)}
        width = max(indexes.values()) + 1
        try:
            plan = PlanBuilder(profile, staged, converter, officers, teams, width).build()
        except Unplannable:
            return None
        return cls(conn, profile, indexes, converter, plan)

    def _sql(self, sql: str, *params: Any) -> Any:
        return self.conn.exec_driver_sql(sql, params) if params else self.conn.exec_driver_sql(sql)

    def _create(self, name: str, definition: str) -> None:
        self._sql(f"DROP TABLE IF EXISTS temp.{name}")
        self._sql(f"CREATE TEMP TABLE {name} {definition}")
        self._tables.append(name)

    def stage(self, records: Iterable[tuple[int, Sequence[str]]], skipped: Counter[str]) -> None:
        """Load the mapped cells of every record (line number, fields) into staging,
        counting the rows that are not RCRP calls in ``skipped`` instead."""
        # A bounded page cache for the temporary tables: they spill to a temporary
        # file beyond it, so memory stays constant however long the file is.
        self._caches = [
            (schema, self._sql(f"PRAGMA {schema}.cache_size").scalar())
            for schema in ("main", "temp")
        ]
        self._sql("PRAGMA temp.cache_size = -8192")
        self._sql("PRAGMA main.cache_size = -16384")
        cells = ", ".join(f"c{i}" for i in range(len(self.columns)))
        # nf is -1 for a record the row rules broke (BrokenRecord), its reason in cells'
        # place in ``broken``: it is odd, and rejected in line order with the others.
        self._create(STAGE, f"(line INTEGER PRIMARY KEY, nf INTEGER, broken TEXT, {cells})")
        positions, need = self.positions, self.need
        get = itemgetter(*positions)
        single = len(positions) == 1
        judge = self._category_judge()
        category = self._category_index

        def rows() -> Iterator[tuple[Any, ...]]:
            nothing = [None] * len(positions)
            for line, values in records:
                if isinstance(values, BrokenRecord):
                    yield (line, -1, values.reason, *nothing)
                    continue
                n = len(values)
                if n < need:
                    yield (line, n, None, *[values[i] if i < n else None for i in positions])
                    continue
                if category is not None:
                    key = judge(values[category])
                    if key is not None:
                        skipped[key] += 1
                        self._skips += 1
                        continue
                yield (line, n, None, get(values)) if single else (line, n, None, *get(values))

        marks = ", ".join("?" * (len(positions) + 3))
        self.conn.connection.driver_connection.executemany(  # type: ignore[union-attr]
            f"INSERT INTO temp.{STAGE} VALUES ({marks})", rows()
        )

    def _category_judge(self) -> Callable[[str], str | None]:
        """Call type cell -> the ``column=CODE`` its row is skipped under, or None.

        The converter judges the category first and alone, so its answer for a cell is
        the row's fate whatever else the row holds; it is asked once per distinct cell.
        """
        blank = [""] * self.width
        index = self._category_index
        converter = self.converter
        seen: dict[str, str | None] = {}

        def judge(cell: str) -> str | None:
            try:
                return seen[cell]
            except KeyError:
                pass
            assert index is not None
            blank[index] = cell
            try:
                converter.field_value("category", blank)
                key = None
            except RowSkipped as skip:
                key = skip.key
            except RowRejected:
                key = None  # an odd row: the Python path rejects it with its line number
            if len(seen) < 100_000:  # a bound, so memory stays constant on any file
                seen[cell] = key
            return key

        return judge

    def classify(self, now: datetime, ready: str) -> None:
        """Decide, in SQL, which staged rows are plain, and convert those into the
        ``ready`` table in the same pass; list the others (the odd rows) for Python."""
        plan = self.plan
        for table, codes in plan.maps.items():
            self._create(table, "(code TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
            if codes:
                self._sql_many(f"INSERT INTO temp.{table} VALUES (?, ?)", codes)
        self._create(HOURS, "(hour TEXT PRIMARY KEY, modifier TEXT) WITHOUT ROWID")
        hours = self._sql(f"SELECT DISTINCT substr({plan.received}, 1, 13) FROM temp.{STAGE} s")
        # In pages: a file of garbage dates could have as many distinct "hours" as rows.
        while keys := hours.fetchmany(10_000):
            offsets = hour_offsets([k for (k,) in keys], self.profile.timezone)
            if offsets:
                self._sql_many(f"INSERT INTO temp.{HOURS} VALUES (?, ?)", offsets)
        # One pass over the staged rows both tests and converts: a row is plain when
        # every condition holds, and then its converted values are staged as they are.
        plain = " AND ".join(f"({c})" for c in plan.conditions)
        self._insert_plain(now, ready, f"coalesce(s.nf >= {self.need} AND {plain}, 0)")
        # The rest are odd: the staged lines the pass left out.
        self._create(ODD, "(line INTEGER PRIMARY KEY)")
        self._sql(
            f"INSERT INTO temp.{ODD} SELECT s.line FROM temp.{STAGE} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {ready} r WHERE r.seq = s.line)"
        )
        # A reference on more than one row, or on an odd row, takes the Python path for
        # all its rows. Odd rows' references are normalised by Python's own rules, so
        # "cad-1 " on an odd row catches CAD-1 on a plain one.
        self._create(CLASH, "(ref TEXT PRIMARY KEY) WITHOUT ROWID")
        ref = f"s.{self._ref_cell()}"
        self._sql(
            f"INSERT INTO temp.{CLASH} SELECT {ref} FROM temp.{STAGE} s "
            f"WHERE {ref} IS NOT NULL GROUP BY {ref} HAVING count(*) > 1"
        )
        last = 0
        while True:
            page = list(
                self._sql(
                    f"SELECT o.line, {ref} FROM temp.{ODD} o JOIN temp.{STAGE} s "
                    f"ON s.line = o.line WHERE o.line > ? ORDER BY o.line LIMIT {PAGE}",
                    last,
                )
            )
            if not page:
                break
            last = page[-1][0]
            refs = [(r.strip().upper(),) for _, r in page if isinstance(r, str)]
            self._sql_many(f"INSERT OR IGNORE INTO temp.{CLASH} VALUES (?)", refs)
        if self._sql(f"SELECT EXISTS (SELECT 1 FROM temp.{CLASH})").scalar():
            # Their plain rows leave the ready table for the Python path.
            self._sql(
                f"INSERT OR IGNORE INTO temp.{ODD} SELECT s.line FROM temp.{STAGE} s "
                f"WHERE {ref} IN (SELECT ref FROM temp.{CLASH})"
            )
            self._sql(f"DELETE FROM {ready} WHERE seq IN (SELECT line FROM temp.{ODD})")
        total = self._sql(f"SELECT count(*) FROM temp.{STAGE}").scalar()
        odd = self._sql(f"SELECT count(*) FROM temp.{ODD}").scalar()
        self._plain = total - odd

    def _insert_plain(self, now: datetime, ready: str, plain: str) -> None:
        """Convert the staged rows for which ``plain`` holds into the ``ready`` table."""
        values = self._decision_values()
        names = ["seq", "cad_ref", "source_system", "created_at", "updated_at"]
        chosen = ["s.line", values["cad_ref"], literal(self.profile.source_system), "?", "?"]
        names.append("row_version")
        chosen.append("1")
        for column, default in {"received_at": None, **IMPORTED_COLUMNS}.items():
            names.append(column)
            chosen.append(values[column] if column in values else literal(default))
        moment = sqlite_timestamp(now)
        self._sql(
            f"INSERT INTO {ready} ({', '.join(names)}) SELECT {', '.join(chosen)} "
            f"FROM {self._source} WHERE {plain}",
            moment,
            moment,
        )

    @property
    def _source(self) -> str:
        return f"temp.{STAGE} s {' '.join(self.plan.joins)}"

    def _ref_cell(self) -> str:
        column = self.profile.fields["cad_ref"].column
        return f"c{self.columns.index(column)}"

    def _sql_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.conn.connection.driver_connection.executemany(sql, rows)  # type: ignore[union-attr]

    def _decision_values(self) -> dict[str, str]:
        """Decisions column -> SQL value, for the columns this profile fills."""
        values = dict(self.plan.values)
        staff_team = values.pop("staff_team_id", None)
        if staff_team is not None:
            team = values.get("team_id")
            values["team_id"] = staff_team if team is None else f"coalesce({team}, {staff_team})"
        for text in ("qualifier_codes", "rationale"):
            if text in values:
                values[text] = f"coalesce({values[text]}, '')"
        ordered = {"cad_ref": values.pop("cad_ref")}
        ordered.update((name, values[name]) for name in self.compared)
        return ordered

    def odd_rows(self) -> Iterator[tuple[int, list[str]]]:
        """The odd records, in line order, rebuilt as the csv module gave them (only
        the mapped cells are filled; the converter reads no others)."""
        cells = ", ".join(f"s.c{i}" for i in range(len(self.columns)))
        last = 0
        while True:
            page = list(
                self._sql(
                    f"SELECT o.line, s.nf, s.broken, {cells} FROM temp.{ODD} o "
                    f"JOIN temp.{STAGE} s "
                    f"ON s.line = o.line WHERE o.line > ? ORDER BY o.line LIMIT {PAGE}",
                    last,
                )
            )
            if not page:
                return
            last = page[-1][0]
            for line, n, broken, *found in page:
                if broken is not None:
                    yield line, BrokenRecord(broken)
                    continue
                values = [""] * n
                for position, cell in zip(self.positions, found, strict=True):
                    if position < n:
                        values[position] = cell
                yield line, values

    def finish(self) -> int:
        """Drop the temporary tables; return how many rows the fast path handled
        (plain rows and skipped ones)."""
        for table in reversed(self._tables):
            self._sql(f"DROP TABLE temp.{table}")
        for schema, size in self._caches:
            self._sql(f"PRAGMA {schema}.cache_size = {int(size)}")
        return self._plain + self._skips
