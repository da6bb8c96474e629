"""Staging converted rows as decision column values, ready for the import's merge.

Every converted row of an import, from the Python converter or the SQL fast path, lands
in one temporary table on the import's own connection (``READY_TABLE``), keyed by its
line in the file. That takes no lock on the database: temporary tables live in the
connection's own temporary space. ``importing.merge`` then writes them all to
``decisions`` in one short transaction. Only the columns the profile fills are set; the
others hold their defaults, and on a re-import the merge overwrites only the filled ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from rcrp_tui.importing.profile import ImportProfile
from rcrp_tui.storage.models import contact_officers_table, teams_table

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


#: The temporary table every converted row is staged in, keyed by its line number.
READY_TABLE = "rcrp_import_ready"
#: The columns of a staged row after its line number, in order.
READY_COLUMNS: list[str] = [
    "cad_ref",
    "source_system",
    "received_at",
    "created_at",
    "updated_at",
    "row_version",
    *IMPORTED_COLUMNS,
]


def temp_name(conn: Connection, table: str) -> str:
    """A temporary table's qualified name on this connection's database."""
    return f"temp.{table}" if conn.dialect.name == "sqlite" else f"pg_temp.{table}"


def create_ready_table(conn: Connection) -> str:
    """Create (afresh) the staging table of converted rows; return its qualified name."""
    name = temp_name(conn, READY_TABLE)
    names = ", ".join(READY_COLUMNS)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"CREATE TEMP TABLE {READY_TABLE} (seq INTEGER PRIMARY KEY, {names})")
    else:
        # The decisions table's own column types, without its constraints.
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {READY_TABLE} AS SELECT CAST(NULL AS integer) AS seq, {names} "
            "FROM decisions WITH NO DATA"
        )
        conn.exec_driver_sql(f"ALTER TABLE {name} ADD PRIMARY KEY (seq)")
    return name


def sqlite_upsert(compared: Sequence[str]) -> str:
    """The ``ON CONFLICT`` clause an import's upsert ends with (SQLite and PostgreSQL).

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
    """Stages converted rows, as decision column values, in the import's ready table.

    Nothing here touches ``decisions``: the rows wait in a temporary table (on the
    import's own connection, needing no lock on the database) until ``merge`` writes them
    all in one short transaction. Rows become positional parameter lists in
    ``READY_COLUMNS`` order, after their line number; on SQLite they go straight to the
    driver's ``executemany`` (timestamps already in their stored text form). Call ``add``
    for every converted row, then ``close`` once.
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
        self.columns: list[str] = READY_COLUMNS
        at = {name: i for i, name in enumerate(self.columns)}
        stamp: Any = sqlite_timestamp(now) if self.is_sqlite else now
        values: dict[str, Any] = dict(IMPORTED_COLUMNS)
        values.update(source_system=self.source_system, created_at=stamp, updated_at=stamp)
        values.update(row_version=1, cad_ref=None, received_at=None)
        self.template = [values[name] for name in self.columns]
        self.ref_at = at["cad_ref"]
        self.received = (at["received_at"], list(names).index("received_at"))
        skip = {"cad_ref", "received_at", "staff_id", "team"}
        self.slots = [(at[n], i) for i, n in enumerate(names) if n not in skip]
        self.staff = names.index("staff_id") if "staff_id" in names else None
        self.team = names.index("team") if "team" in names else None
        self.officer_at, self.team_at = at["contact_officer_id"], at["team_id"]
        # Only text fields the profile fills can arrive blank (the template holds "").
        self.blank_text = [at[n] for n in ("qualifier_codes", "rationale") if n in names]
        self._batch: list[tuple[Any, ...]] = []
        self.table = create_ready_table(conn)
        mark = "?" if self.is_sqlite else "%s"
        marks = ", ".join([mark] * (len(self.columns) + 1))
        self._insert = f"INSERT INTO {self.table} VALUES ({marks})"

    def add(self, line: int, ref: str, row: Sequence[Any]) -> None:
        """One converted row, from line ``line`` of the file."""
        self._batch.append((line, *self._parameters(ref, row)))
        if len(self._batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Stage the rows added since the last flush."""
        batch, self._batch = self._batch, []
        if not batch:
            return
        if self.is_sqlite:
            self.conn.connection.driver_connection.executemany(  # type: ignore[union-attr]
                self._insert, batch
            )
        else:
            self.conn.exec_driver_sql(self._insert, batch)

    def close(self) -> None:
        """Stage what is left."""
        self.flush()

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
