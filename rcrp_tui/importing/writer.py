"""Writing converted rows to the decisions table in batches, as an upsert.

One statement per batch, ``INSERT ... ON CONFLICT (cad_ref, source_system) DO UPDATE``,
built with SQLAlchemy Core for SQLite and PostgreSQL alike, so importing the same file
twice updates the decisions instead of duplicating them. Before each batch the keys that
already exist are looked up once, which is what lets the summary tell inserted rows from
updated ones. Only the columns the profile fills are overwritten on update: a field the
export does not carry keeps whatever the database already holds.
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


def _sqlite_timestamp(moment: datetime) -> str:
    # Exactly the text SQLAlchemy's SQLite DateTime stores for UTCDateTime (UTC wall time),
    # produced here once per value instead of through three layers of bind processors.
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


class BatchWriter:
    """Upserts batches of converted rows into ``decisions`` on one connection.

    Rows become positional parameter lists in the order of the compiled statement. On
    SQLite these go straight to the driver's ``executemany`` (timestamps already in their
    stored text form), which is what makes a million-row import fast; on PostgreSQL they
    go through Core, whose "insert many values" mode batches them into multi-row INSERTs.
    """

    def __init__(
        self,
        conn: Connection,
        profile: ImportProfile,
        names: Sequence[str],
        now: datetime,
        officers: Mapping[str, tuple[int, int | None]],
        teams: Mapping[str, int],
    ) -> None:
        self.conn = conn
        self.source_system = profile.source_system
        self.officers = officers
        self.teams = teams
        self.is_sqlite = conn.dialect.name == "sqlite"
        updated = {"received_at"}
        for name in names:
            updated.update(_FIELD_COLUMNS.get(name, (name,)))
        updated &= set(IMPORTED_COLUMNS) | {"received_at"}
        dialect = sqlite if self.is_sqlite else postgresql
        insert = dialect.insert(decisions_table)
        table = decisions_table.c
        set_: dict[str, Any] = {name: insert.excluded[name] for name in sorted(updated)}
        set_["updated_at"] = insert.excluded.updated_at
        set_["row_version"] = table.row_version + literal_column("1")
        self.statement = insert.on_conflict_do_update(
            index_elements=[table.cad_ref, table.source_system], set_=set_
        )
        keys = ["cad_ref", "source_system", "received_at", "created_at", "updated_at"]
        keys += ["row_version", *IMPORTED_COLUMNS]
        compiled = self.statement.compile(dialect=conn.dialect, column_keys=keys)
        self.sql = str(compiled)
        self.columns: list[str] = list(compiled.positiontup or keys)
        plain = insert.compile(dialect=conn.dialect, column_keys=self.columns)
        # Both statements must take their parameters in the same order.
        assert list(plain.positiontup or keys) == self.columns
        self.insert_sql = str(plain)
        at = {name: i for i, name in enumerate(self.columns)}
        stamp: Any = _sqlite_timestamp(now) if self.is_sqlite else now
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
        self.inserted = 0
        self.updated = 0

    def _existing(self, refs: list[str]) -> set[str]:
        if self.is_sqlite:
            # Plain driver SQL: compiling an expanding IN of thousands of parameters
            # through Core for every batch costs more than the look-up itself. Chunks stay
            # under SQLite's limit of 32,766 parameters per statement.
            found: set[str] = set()
            for start in range(0, len(refs), 30_000):
                chunk = refs[start : start + 30_000]
                marks = ", ".join("?" * len(chunk))
                rows = self.conn.exec_driver_sql(
                    "SELECT cad_ref FROM decisions WHERE source_system = ? "
                    f"AND cad_ref IN ({marks})",
                    (self.source_system, *chunk),
                )
                found.update(ref for (ref,) in rows)
            return found
        table = decisions_table.c
        rows = self.conn.execute(
            select(table.cad_ref).where(
                table.source_system == self.source_system, table.cad_ref.in_(refs)
            )
        )
        return {ref for (ref,) in rows}

    def _parameters(self, ref: str, row: Sequence[Any]) -> tuple[Any, ...]:
        params = self.template.copy()
        params[self.ref_at] = ref
        for at, i in self.slots:
            params[at] = row[i]
        at, i = self.received
        params[at] = _sqlite_timestamp(row[i]) if self.is_sqlite else row[i]
        if self.staff is not None and row[self.staff] is not None:
            params[self.officer_at], params[self.team_at] = self.officers[row[self.staff]]
        if self.team is not None and row[self.team] is not None:
            params[self.team_at] = self.teams[row[self.team]]
        for at in self.blank_text:
            if params[at] is None:
                params[at] = ""
        return tuple(params)

    def write(self, batch: Mapping[str, Sequence[Any]]) -> None:
        """Upsert one batch (CAD reference -> converted row; one row per reference)."""
        if not batch:
            return
        refs = list(batch)
        existing = self._existing(refs)
        self.updated += len(existing)
        self.inserted += len(refs) - len(existing)
        rows = [self._parameters(ref, row) for ref, row in batch.items()]
        if self.is_sqlite:
            # The write transaction began IMMEDIATE, so no other writer can add a key
            # between the look-up and here: new keys take the plain INSERT (a fifth
            # faster), known ones the upsert.
            fresh = [r for r in rows if r[self.ref_at] not in existing]
            if fresh:
                self.conn.exec_driver_sql(self.insert_sql, fresh)
            if existing:
                known = [r for r in rows if r[self.ref_at] in existing]
                self.conn.exec_driver_sql(self.sql, known)
        else:
            self.conn.execute(
                self.statement, [dict(zip(self.columns, r, strict=True)) for r in rows]
            )
