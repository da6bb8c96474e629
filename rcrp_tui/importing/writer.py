"""Writing converted rows to the decisions table in batches, as an upsert.

One statement per batch, ``INSERT ... ON CONFLICT (cad_ref, source_system) DO UPDATE``,
built with SQLAlchemy Core for SQLite and PostgreSQL alike, so importing the same file
twice updates the decisions instead of duplicating them. Before each batch the keys that
already exist are looked up once, which is what lets the summary tell inserted rows from
updated ones. Only the columns the profile fills are overwritten on update: a field the
export does not carry keeps whatever the database already holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
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


class BatchWriter:
    """Upserts batches of converted rows into ``decisions`` on one connection."""

    def __init__(
        self,
        conn: Connection,
        profile: ImportProfile,
        now: datetime,
        officers: Mapping[str, tuple[int, int | None]],
        teams: Mapping[str, int],
    ) -> None:
        self.conn = conn
        self.source_system = profile.source_system
        self.now = now
        self.officers = officers
        self.teams = teams
        updated = {"received_at"}
        for name in profile.fields:
            updated.update(_FIELD_COLUMNS.get(name, (name,)) if name != "cad_ref" else ())
        updated &= set(IMPORTED_COLUMNS) | {"received_at"}
        dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
        insert = dialect.insert(decisions_table)
        table = decisions_table.c
        set_: dict[str, Any] = {name: insert.excluded[name] for name in sorted(updated)}
        set_["updated_at"] = insert.excluded.updated_at
        set_["row_version"] = table.row_version + 1
        self.statement = insert.on_conflict_do_update(
            index_elements=[table.cad_ref, table.source_system], set_=set_
        )
        self.inserted = 0
        self.updated = 0

    def _existing(self, refs: list[str]) -> set[str]:
        table = decisions_table.c
        rows = self.conn.execute(
            select(table.cad_ref).where(
                table.source_system == self.source_system, table.cad_ref.in_(refs)
            )
        )
        return {ref for (ref,) in rows}

    def _parameters(self, ref: str, row: Mapping[str, Any]) -> dict[str, Any]:
        params = dict(IMPORTED_COLUMNS)
        params["cad_ref"] = ref
        for name, value in row.items():
            if name == "staff_id":
                if value is not None:
                    params["contact_officer_id"], team_id = self.officers[value]
                    params["team_id"] = params["team_id"] or team_id
            elif name == "team":
                if value is not None:
                    params["team_id"] = self.teams[value]
            elif value is not None or name not in ("qualifier_codes", "rationale"):
                params[name] = value
        params["source_system"] = self.source_system
        params["created_at"] = self.now
        params["updated_at"] = self.now
        params["row_version"] = 1
        return params

    def write(self, batch: Mapping[str, Mapping[str, Any]]) -> None:
        """Upsert one batch (CAD reference -> converted row; one row per reference)."""
        if not batch:
            return
        refs = list(batch)
        existing = self._existing(refs)
        self.updated += len(existing)
        self.inserted += len(refs) - len(existing)
        self.conn.execute(
            self.statement, [self._parameters(ref, row) for ref, row in batch.items()]
        )
