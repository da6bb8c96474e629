"""The count tables for an import's new decisions, added once per import (SQLite).

``decision_stratum_months`` (migration 0008) and ``decision_day_counts`` (migration 0020)
are kept exact by triggers on ``decisions``: each inserted decision runs two small
upserts. For an import that inserts a few hundred thousand decisions that was about a
third of the cost of storing them. So on SQLite, when an import only inserts (no decision
of its file is stored yet), the two insert triggers are dropped inside the import's
write transaction, the decisions are inserted, the counts are added from one small table
of per-key totals, and the triggers are created again from their stored SQL, all before
the transaction commits:

* nothing else can write in between: on SQLite the import's transaction holds the
  database's one write lock (``BEGIN IMMEDIATE``) from the drop to the commit, and other
  terminals reading meanwhile see the committed schema, triggers and all;
* if anything fails (or the process dies) the transaction rolls back, triggers and all;
* the per-key totals are those of exactly the rows inserted (the import's one row per CAD
  reference), with the triggers' own keys;
* the triggers are dropped only when their SQL is exactly the one this module knows
  (``KNOWN_TRIGGERS``); a database whose triggers differ keeps them, and they count
  as always. Any other trigger on ``decisions`` is left alone and fires as always.

Updates (a re-import) keep the triggers: an update moves a decision between keys.
PostgreSQL keeps its triggers for every import: there other terminals write while an
import runs, and dropping a trigger would lock the decisions table against them all.

The per-key totals (``TOTALS_TABLE``) are made before the write lock is taken, from the
import's rows, by one upsert per row into a table of a few hundred rows, which costs
less than a GROUP BY's sort; the import's report by category and outcome is read from
it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

TOTALS_TABLE = "rcrp_import_totals"

#: The slot of a UTC day a decision counts in (migration 0020), over ``received_at``.
_SLOT = (
    "substr({r}received_at, 1, 10) || "
    "CASE WHEN substr({r}received_at, 12, 2) = '23' THEN ' 23' ELSE ' 00' END"
)
_STRATA_KEY = "category, shift, team_id, not_deployed, partner, month"
_DAYS_KEY = "slot, category, phase, caller_type, deployed"
_STRATA_NEW = (
    "NEW.category, COALESCE(NEW.shift, ''), COALESCE(NEW.team_id, 0), "
    "NEW.outcome <> 'deployed', NEW.caller_type <> 'public', substr(NEW.received_at, 1, 7)"
)
_DAYS_NEW = (
    f"{_SLOT.format(r='NEW.')}, NEW.category, COALESCE(NEW.phase, 0), NEW.caller_type, "
    "NEW.outcome = 'deployed'"
)
#: The insert triggers whose counting this module does instead, by name, with the SQL
#: migrations 0008 and 0020 create them with (as ``sqlite_master`` keeps it).
KNOWN_TRIGGERS: dict[str, str] = {
    "decision_strata_insert": (
        "CREATE TRIGGER decision_strata_insert AFTER INSERT ON decisions BEGIN "
        f"INSERT INTO decision_stratum_months ({_STRATA_KEY}, n) VALUES ({_STRATA_NEW}, 1) "
        f"ON CONFLICT ({_STRATA_KEY}) DO UPDATE SET n = n + 1; END"
    ),
    "decision_days_insert": (
        "CREATE TRIGGER decision_days_insert AFTER INSERT ON decisions BEGIN "
        f"INSERT INTO decision_day_counts ({_DAYS_KEY}, n) VALUES ({_DAYS_NEW}, 1) "
        f"ON CONFLICT ({_DAYS_KEY}) DO UPDATE SET n = n + 1; END"
    ),
}
#: What the two triggers would have added, from the per-key totals.
_ADD_COUNTS = (
    f"INSERT INTO decision_stratum_months ({_STRATA_KEY}, n) "
    "SELECT category, shift, team_id, outcome <> 'deployed', caller_type <> 'public', "
    f"substr(slot, 1, 7), sum(n) FROM temp.{TOTALS_TABLE} WHERE true "
    "GROUP BY 1, 2, 3, 4, 5, 6 "
    f"ON CONFLICT ({_STRATA_KEY}) DO UPDATE SET n = n + excluded.n",
    f"INSERT INTO decision_day_counts ({_DAYS_KEY}, n) "
    "SELECT slot, category, phase, caller_type, outcome = 'deployed', sum(n) "
    f"FROM temp.{TOTALS_TABLE} WHERE true GROUP BY 1, 2, 3, 4, 5 "
    f"ON CONFLICT ({_DAYS_KEY}) DO UPDATE SET n = n + excluded.n",
)


def make_totals(conn: Connection, source: str) -> None:
    """(SQLite) The per-key totals of the rows of ``source`` (one row per decision the
    import would store), in ``temp.TOTALS_TABLE``: every key either trigger counts by,
    with the outcome whole (the report counts by it)."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{TOTALS_TABLE}")
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {TOTALS_TABLE} (slot, category, phase, caller_type, outcome, "
        "shift, team_id, n INTEGER NOT NULL, PRIMARY KEY (slot, category, phase, "
        "caller_type, outcome, shift, team_id)) WITHOUT ROWID"
    )
    # One upsert a row into a table of a few hundred rows: cheaper than sorting them all.
    conn.exec_driver_sql(
        f"INSERT INTO temp.{TOTALS_TABLE} SELECT {_SLOT.format(r='')}, category, "
        "COALESCE(phase, 0), caller_type, outcome, COALESCE(shift, ''), COALESCE(team_id, 0), "
        f"1 FROM {source} WHERE true "
        "ON CONFLICT (slot, category, phase, caller_type, outcome, shift, team_id) "
        "DO UPDATE SET n = n + 1"
    )


def totals_by_category_outcome(conn: Connection) -> dict[tuple[str, str], int]:
    """(SQLite) The import's rows by category and outcome, from the per-key totals."""
    rows = conn.exec_driver_sql(
        f"SELECT category, outcome, sum(n) FROM temp.{TOTALS_TABLE} GROUP BY category, outcome"
    ).all()
    return {(str(c), str(o)): int(n) for c, o, n in rows}


def _known_triggers(conn: Connection) -> list[str] | None:
    """The known insert triggers' SQL, if both exist exactly as known; else None."""
    names = list(KNOWN_TRIGGERS)
    marks = ", ".join("?" * len(names))
    found: dict[str, str] = dict(
        conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND tbl_name = 'decisions' AND name IN ({marks})",
            tuple(names),
        ).all()
    )
    if found != KNOWN_TRIGGERS:
        return None
    return [found[name] for name in names]


@contextmanager
def counted_once(conn: Connection) -> Iterator[bool]:
    """(SQLite, inside the import's write transaction, around an insert of exactly the
    rows of the per-key totals) Count the inserted decisions once, not per row.

    Yields whether it does (the known triggers were found and dropped); when it yields
    False the triggers count as usual. On leaving without an error the counts are added
    and the triggers created again; on an error the caller's rollback restores them.
    """
    sql = _known_triggers(conn)
    if sql is None:
        yield False
        return
    for name in KNOWN_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    yield True
    for statement in _ADD_COUNTS:
        conn.exec_driver_sql(statement)
    for statement in sql:
        conn.exec_driver_sql(statement)
