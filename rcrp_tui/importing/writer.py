"""Writing converted rows to the decisions table in batches, as an upsert.

One statement per batch, ``INSERT ... ON CONFLICT (cad_ref, source_system) DO UPDATE``,
built with SQLAlchemy Core for SQLite and PostgreSQL alike, so importing the same file
twice updates the decisions instead of duplicating them. Before each batch the keys that
already exist are looked up once, with the values the profile fills, which is what lets
the summary tell inserted rows from updated and unchanged ones (an unchanged decision is
not written at all, so its row version stays). Only the columns the profile fills are
overwritten on update: a field the export does not carry keeps whatever the database
already holds.

A reference met again later in the same file counts as an update, however the rows fall
into batches: the references already written by this import are kept in a temporary
table (constant memory), not in a Python set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from rcrp_tui.importing.profile import ImportProfile
from rcrp_tui.storage.models import contact_officers_table, decisions_table, teams_table

#: Decision columns an import can fill, each with its value when the profile leaves it out.
IMPORTED_COLUMNS: dict[str, Any] = {
    "category": None,
    "phase": None,
    "caller_type": None,
    "contact_officer_id": None,
    "team_id": None,
    "shift": None,
    "grade": None,
    "outcome": None,
    "threshold_basis": None,
    "qualifier_codes": "",
    "rationale": "",
}
#: Profile field -> the decisions columns it sets.
_FIELD_COLUMNS = {
    "staff_id": ("contact_officer_id", "team_id"),
    "team": ("team_id",),
}


def officer_lookup(conn: Connection) -> dict[str, tuple[int, int | None]]:
    """Staff id -> (contact officer id, their team id): a few hundred rows at most."""
    rows = conn.execute(
        select(
            contact_officers_table.c.staff_id,
            contact_officers_table.c.id,
            contact_officers_table.c.team_id,
        )
    )
    return {staff_id: (officer_id, team_id) for staff_id, officer_id, team_id in rows}


def team_lookup(conn: Connection) -> dict[str, int]:
    """Team name -> team id."""
    return {
        name: team_id
        for name, team_id in conn.execute(select(teams_table.c.name, teams_table.c.id))
    }


def sqlite_timestamp(moment: datetime) -> str:
    """The text SQLite stores for ``moment`` in a ``UTCDateTime`` column."""
    # Exactly the text SQLAlchemy's SQLite DateTime stores for UTCDateTime (UTC wall time),
    # produced here once per value instead of through three layers of bind processors.
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


#: The temporary table of references this import has written (one per connection).
WRITTEN_TABLE = "rcrp_import_written"
#: The temporary table a batch passes through on SQLite.
BATCH_TABLE = "rcrp_import_batch"


def sqlite_upsert(compared: Sequence[str]) -> str:
    """The ``ON CONFLICT`` clause an import's upsert ends with on SQLite.

    An existing decision takes the ``compared`` columns of the new row, its
    ``updated_at``, and one more ``row_version``.
    """
    sets = ", ".join(f"{c} = excluded.{c}" for c in compared)
    return (
        " ON CONFLICT (cad_ref, source_system) DO UPDATE "
        f"SET {sets}, updated_at = excluded.updated_at, "
        "row_version = decisions.row_version + 1"
    )


def updated_columns(names: Sequence[str]) -> list[str]:
    """The decisions columns an import by these profile fields fills (and so compares
    and overwrites on a re-import), sorted."""
    updated = {"received_at"}
    for name in names:
        updated.update(_FIELD_COLUMNS.get(name, (name,)))
    return sorted(updated & (set(IMPORTED_COLUMNS) | {"received_at"}))


class BatchWriter:
    """Upserts converted rows into ``decisions`` on one connection, in batches.

    Rows become positional parameter lists in ``columns`` order. On SQLite these go
    straight to the driver's ``executemany`` (timestamps already in their stored text
    form) into a temporary batch table, and from there into ``decisions`` with one
    statement per batch; on PostgreSQL they go through Core, whose "insert many values"
    mode batches them into multi-row INSERTs. Call ``add`` for every converted row in file
    order, then ``close`` once.
    """

    def __init__(
        self,
        conn: Connection,
        profile: ImportProfile,
        names: Sequence[str],
        now: datetime,
        officers: Mapping[str, tuple[int, int | None]],
        teams: Mapping[str, int],
        *,
        batch_size: int,
    ) -> None:
        self.conn = conn
        self.source_system = profile.source_system
        self.officers = officers
        self.teams = teams
        self.batch_size = batch_size
        self.is_sqlite = conn.dialect.name == "sqlite"
        self.compared = updated_columns(names)
        dialect = sqlite if self.is_sqlite else postgresql
        insert = dialect.insert(decisions_table)
        table = decisions_table.c
        set_: dict[str, Any] = {name: insert.excluded[name] for name in self.compared}
        set_["updated_at"] = insert.excluded.updated_at
        set_["row_version"] = table.row_version + literal_column("1")
        self.statement = insert.on_conflict_do_update(
            index_elements=[table.cad_ref, table.source_system], set_=set_
        )
        keys = ["cad_ref", "source_system", "received_at", "created_at", "updated_at"]
        keys += ["row_version", *IMPORTED_COLUMNS]
        self.columns: list[str] = keys
        at = {name: i for i, name in enumerate(self.columns)}
        stamp: Any = sqlite_timestamp(now) if self.is_sqlite else now
        values: dict[str, Any] = dict(IMPORTED_COLUMNS)
        values.update(source_system=self.source_system, created_at=stamp, updated_at=stamp)
        values.update(row_version=1, cad_ref=None, received_at=None)
        self.template = [values[name] for name in self.columns]
        self.ref_at = at["cad_ref"]
        self.compare_at = [at[name] for name in self.compared]
        self.received = (at["received_at"], list(names).index("received_at"))
        skip = {"cad_ref", "received_at", "staff_id", "team"}
        self.slots = [(at[n], i) for i, n in enumerate(names) if n not in skip]
        self.staff = names.index("staff_id") if "staff_id" in names else None
        self.team = names.index("team") if "team" in names else None
        self.officer_at, self.team_at = at["contact_officer_id"], at["team_id"]
        # Only text fields the profile fills can arrive blank (the template holds "").
        self.blank_text = [at[n] for n in ("qualifier_codes", "rationale") if n in names]
        self.inserted = 0
        self.updated = 0
        self.unchanged = 0
        #: Reference -> [its first row in this batch, its last row, how many rows].
        self._batch: dict[str, list[Any]] = {}
        self._any_written = False
        if self.is_sqlite:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{WRITTEN_TABLE}")
            conn.exec_driver_sql(
                f"CREATE TEMP TABLE {WRITTEN_TABLE} (ref TEXT PRIMARY KEY) WITHOUT ROWID"
            )
            names = ", ".join(self.columns)
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{BATCH_TABLE}")
            conn.exec_driver_sql(f"CREATE TEMP TABLE {BATCH_TABLE} ({names})")
            self.marks = ", ".join("?" * len(self.columns))
            select = f"SELECT {names} FROM temp.{BATCH_TABLE} WHERE true ORDER BY rowid"
            self.insert_from_batch = f"INSERT INTO decisions ({names}) {select}"
            # "WHERE true" above keeps SQLite from reading ON CONFLICT as a join's ON.
            self.upsert_from_batch = self.insert_from_batch + sqlite_upsert(self.compared)
        else:
            conn.exec_driver_sql(
                f"CREATE TEMP TABLE IF NOT EXISTS {WRITTEN_TABLE} "
                "(ref VARCHAR(64) PRIMARY KEY) ON COMMIT DROP"
            )
            conn.exec_driver_sql(f"TRUNCATE {WRITTEN_TABLE}")

    def add(self, ref: str, row: Sequence[Any]) -> None:
        """One converted row (the later of two rows with one reference wins)."""
        entry = self._batch.get(ref)
        if entry is None:
            self._batch[ref] = [row, row, 1]
            if len(self._batch) >= self.batch_size:
                self.flush()
        else:
            entry[1] = row
            entry[2] += 1

    def close(self) -> None:
        """Write what is left and drop the temporary table."""
        self.flush()
        if self.is_sqlite:
            self.conn.exec_driver_sql(f"DROP TABLE temp.{WRITTEN_TABLE}")
            self.conn.exec_driver_sql(f"DROP TABLE temp.{BATCH_TABLE}")

    def _in_sql(self, sql: str, refs: list[str], *first: Any) -> list[Any]:
        # Plain driver SQL: compiling an expanding IN of thousands of parameters through
        # Core for every batch costs more than the look-up itself. Chunks stay under
        # SQLite's limit of 32,766 parameters per statement.
        mark = "?" if self.is_sqlite else "%s"
        found: list[Any] = []
        for start in range(0, len(refs), 30_000):
            chunk = refs[start : start + 30_000]
            marks = ", ".join([mark] * len(chunk))
            found.extend(
                self.conn.exec_driver_sql(sql.format(marks=marks, mark=mark), (*first, *chunk))
            )
        return found

    def _existing(self, refs: list[str]) -> dict[str, tuple[Any, ...]]:
        """Reference -> the compared column values, for the references already stored."""
        columns = ", ".join(self.compared)
        rows = self._in_sql(
            f"SELECT cad_ref, {columns} FROM decisions WHERE source_system = {{mark}} "
            "AND cad_ref IN ({marks})",
            refs,
            self.source_system,
        )
        return {row[0]: tuple(row[1:]) for row in rows}

    def _written_before(self, refs: list[str]) -> set[str]:
        if not self._any_written:
            return set()
        rows = self._in_sql(f"SELECT ref FROM {WRITTEN_TABLE} WHERE ref IN ({{marks}})", refs)
        return {ref for (ref,) in rows}

    def _parameters(self, ref: str, row: Sequence[Any]) -> tuple[Any, ...]:
        params = self.template.copy()
        params[self.ref_at] = ref
        for at, i in self.slots:
            params[at] = row[i]
        at, i = self.received
        params[at] = sqlite_timestamp(row[i]) if self.is_sqlite else row[i]
        if self.staff is not None and row[self.staff] is not None:
            params[self.officer_at], params[self.team_at] = self.officers[row[self.staff]]
        if self.team is not None and row[self.team] is not None:
            params[self.team_at] = self.teams[row[self.team]]
        for at in self.blank_text:
            if params[at] is None:
                params[at] = ""
        return tuple(params)

    def _through_batch_table(self, rows: list[tuple[Any, ...]], sql: str) -> None:
        # One INSERT ... SELECT per batch rather than one INSERT per row: the decisions
        # table has triggers, and SQLite opens a statement journal (a temporary file) for
        # every statement that runs them, which per row costs several times the insert.
        self.conn.exec_driver_sql(f"INSERT INTO temp.{BATCH_TABLE} VALUES ({self.marks})", rows)
        self.conn.exec_driver_sql(sql)
        self.conn.exec_driver_sql(f"DELETE FROM temp.{BATCH_TABLE}")

    def _compared(self, params: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(params[at] for at in self.compare_at)

    def flush(self) -> None:
        """Upsert the rows added since the last flush."""
        batch, self._batch = self._batch, {}
        if not batch:
            return
        refs = list(batch)
        existing = self._existing(refs)
        before = self._written_before(refs)
        fresh: list[tuple[Any, ...]] = []
        known: list[tuple[Any, ...]] = []
        for ref, (first, last, n) in batch.items():
            params = self._parameters(ref, last)
            stored = existing.get(ref)
            if ref in before:
                self.updated += n  # met earlier in the file: each row is an update
            else:
                # The first row is judged against the database as it was; any later
                # rows with the same reference are updates.
                self.updated += n - 1
                if stored is None:
                    self.inserted += 1
                elif self._compared(self._parameters(ref, first) if n > 1 else params) == stored:
                    self.unchanged += 1
                else:
                    self.updated += 1
            if stored is None:
                fresh.append(params)
            elif self._compared(params) != stored:
                known.append(params)
        self._any_written = True
        if self.is_sqlite:
            self.conn.exec_driver_sql(
                f"INSERT OR IGNORE INTO {WRITTEN_TABLE} (ref) VALUES (?)", [(r,) for r in refs]
            )
            # The write transaction began IMMEDIATE, so no other writer can add a key
            # between the look-up and here: new keys take the plain INSERT, known ones
            # the upsert.
            if fresh:
                self._through_batch_table(fresh, self.insert_from_batch)
            if known:
                self._through_batch_table(known, self.upsert_from_batch)
        else:
            self.conn.exec_driver_sql(
                f"INSERT INTO {WRITTEN_TABLE} (ref) VALUES (%s) ON CONFLICT DO NOTHING",
                [(r,) for r in refs],
            )
            rows = fresh + known
            if rows:
                self.conn.execute(
                    self.statement, [dict(zip(self.columns, r, strict=True)) for r in rows]
                )
