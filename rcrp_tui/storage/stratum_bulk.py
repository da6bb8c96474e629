"""Counting a bulk insert of decisions into ``decision_stratum_months`` in one statement.

On SQLite the month counts are kept by the row trigger ``decision_strata_insert``
(migration 0008): an upsert per inserted decision, which for a million imported rows
costs more than writing the rows themselves. ``counted_in_bulk`` lifts that one trigger
for a single ``INSERT`` statement inside the caller's write transaction, then counts the
rows the statement added with one grouped upsert and puts the trigger back, word for word
as the schema holds it. Nothing outside the transaction ever sees the trigger missing:
the transaction began IMMEDIATE, so no other connection can write meanwhile, and readers
see the schema as of their own snapshot. If the block fails, the trigger is put back all
the same (and the caller's transaction is expected to roll back).

The rows added are those with an id above the largest id before the statement: SQLite
gives a new row of an ``INTEGER PRIMARY KEY`` table the largest rowid plus one. Only an
insert may run in the block: an update of a row added in it would be counted twice.
PostgreSQL keeps its trigger; this is a no-op there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

TRIGGER = "decision_strata_insert"

_KEY = "category, shift, team_id, not_deployed, partner, month"
#: Counts the decisions with an id above the parameter into the month counts.
COUNT_ADDED = (
    f"INSERT INTO decision_stratum_months ({_KEY}, n) "
    "SELECT category, coalesce(shift, ''), coalesce(team_id, 0), outcome <> 'deployed', "
    "caller_type <> 'public', substr(received_at, 1, 7), count(*) "
    # NOT INDEXED: read just the new rows by rowid, never a whole covering index.
    "FROM decisions NOT INDEXED WHERE id > ? "
    "GROUP BY 1, 2, 3, 4, 5, 6 "
    f"ON CONFLICT ({_KEY}) DO UPDATE SET n = n + excluded.n"
)


def largest_decision_id(conn: Connection) -> int:
    """The largest decision id so far (0 when there is none)."""
    return int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM decisions").scalar_one())


@contextmanager
def counted_in_bulk(conn: Connection) -> Iterator[None]:
    """Run one bulk ``INSERT INTO decisions`` in the block, counted set-wise (SQLite)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    definition = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (TRIGGER,)
    ).scalar()
    if definition is None:  # a schema older than the month counts: nothing to keep
        yield
        return
    before = largest_decision_id(conn)
    conn.exec_driver_sql(f"DROP TRIGGER {TRIGGER}")
    try:
        yield
        conn.exec_driver_sql(COUNT_ADDED, (before,))
    finally:
        conn.exec_driver_sql(definition)
