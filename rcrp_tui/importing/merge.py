"""The one short write an import makes: staged rows into ``decisions``.

``prepare`` runs before the write lock is taken. If a CAD reference is on more than one
row of the ready table (every converted row, by line number), it builds one row per
reference: the values of the reference's *last* row (the later row wins), the compared
columns of its *first* row, and how many rows carried it; otherwise the ready table
serves as it is. ``run``, inside the import's write transaction, then

* counts against ``decisions`` as it is at that moment: a reference not stored is one
  insert; a stored one is unchanged if its first row matches what is stored, an update if
  not; every further row with the same reference is an update, unless it is identical
  (in every compared column) to the row before it with that reference: then it is
  unchanged;
* writes every reference in one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE``, which
  leaves a stored decision whose values already match untouched (its ``row_version``
  stays), and gives a changed one its new values, ``updated_at`` and one more
  ``row_version``. The count tables follow by the table's triggers, except for an
  import that only inserts, on SQLite: then they are added to once, from the per-key
  totals made in ``prepare`` (``importing.counting``).
* writes in order of received time, then reference, whatever the file's order: the
  indexes of ``decisions`` fill in order, and a shuffled file gives the same ids.

Only the write and the counting join hold the lock; everything that reads the file or
converts it happened before. The same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy.engine import Connection

from rcrp_tui.importing.counting import counted_once, make_totals, totals_by_category_outcome
from rcrp_tui.importing.incidents import SkippedIncidents, incident_table
from rcrp_tui.importing.profile import ImportProfile
from rcrp_tui.importing.writer import READY_COLUMNS, READY_TABLE, sqlite_upsert, temp_name

FINAL_TABLE = "rcrp_import_final"
#: SQLite page cache for the merge, in KiB.
MERGE_CACHE_KB = 65_536
#: SQLite page cache (and so sort memory) for an import of new decisions only, in KiB.
INSERT_CACHE_KB = 16_384


class Merge:
    """The merge of one import's ready table into ``decisions``."""

    def __init__(
        self,
        conn: Connection,
        source_system: str,
        compared: Sequence[str],
        incidents: ImportProfile | None = None,
    ) -> None:
        self.conn = conn
        #: A profile with ``[rows] duplicates``: one row per reference by its rules,
        #: every count by incident (``importing.incidents``); None: the later row wins.
        self.incidents = incidents
        self.is_sqlite = conn.dialect.name == "sqlite"
        self.source_system = source_system
        self.compared = list(compared)
        self.ready = temp_name(conn, READY_TABLE)
        self.final = temp_name(conn, FINAL_TABLE)
        self.references = 0
        self.repeats = 0
        #: Of the repeats, the rows identical to the row before them with that reference.
        self.same_repeats = 0
        #: Where ``run`` reads: the ready table, or the per-reference table built from it.
        self.source = self.final
        self.first = "first_"

    def _mark(self) -> str:
        return "?" if self.is_sqlite else "%s"

    def prepare(self, skips: SkippedIncidents | None = None) -> Counter[str] | None:
        """Build the one-row-per-reference table (no lock needed: temporary tables only).

        When no reference repeats (the usual file), that is the ready table itself.
        With ``skips`` (counting by incident), return the skipped incidents by code.
        On SQLite the per-key totals of those rows (``importing.counting``) are made too.
        """
        skipped = self._prepare(skips)
        if self.is_sqlite:
            make_totals(self.conn, self.source)
        return skipped

    def _prepare(self, skips: SkippedIncidents | None) -> Counter[str] | None:
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self.final}")
        self.conn.exec_driver_sql(
            f"CREATE INDEX {self._index_name('ref')} ON {READY_TABLE} (cad_ref)"
        )
        skipped = skips.counts(self.ready) if skips is not None else None
        repeated = self.conn.exec_driver_sql(
            f"SELECT EXISTS (SELECT 1 FROM {self.ready} GROUP BY cad_ref HAVING count(*) > 1)"
        ).scalar()
        self.references = int(
            self.conn.exec_driver_sql(f"SELECT count(*) FROM {self.ready}").scalar_one()
        )
        if self.incidents is not None:
            # One decision per incident, compared as a whole with what is stored.
            self.first = ""
            if repeated:
                incident_table(self.conn, self.incidents, self.ready, self.final)
                self.conn.exec_driver_sql(f"DROP TABLE {self.ready}")
                self.source = self.final
                self.references = int(
                    self.conn.exec_driver_sql(f"SELECT count(*) FROM {self.final}").scalar_one()
                )
            else:
                self.source = self.ready
            return skipped
        if not repeated:
            self.source, self.first = self.ready, ""
            return skipped
        last = ", ".join(f"l.{c}" for c in READY_COLUMNS)
        first = ", ".join(f"f.{c} AS first_{c}" for c in self.compared)
        self.conn.exec_driver_sql(
            f"CREATE TEMP TABLE {FINAL_TABLE} AS SELECT k.first_seq AS first_seq, k.n AS n, "
            f"{last}, {first} FROM (SELECT cad_ref, min(seq) AS first_seq, "
            f"max(seq) AS last_seq, count(*) AS n FROM {self.ready} GROUP BY cad_ref) k "
            f"JOIN {self.ready} l ON l.seq = k.last_seq "
            f"JOIN {self.ready} f ON f.seq = k.first_seq"
        )
        references, rows = self.conn.exec_driver_sql(
            f"SELECT count(*), coalesce(sum(n), 0) FROM {self.final}"
        ).one()
        self.references, self.repeats = int(references), int(rows) - int(references)
        # A further row of a reference that repeats the row before it (one row per
        # responding unit) changes nothing: it counts as unchanged, not updated.
        lagged = ", ".join(f"{c}, lag({c}) OVER w AS prev_{c}" for c in self.compared)
        same = " AND ".join(self._same(c, f"prev_{c}") for c in self.compared) or "1 = 1"
        self.same_repeats = int(
            self.conn.exec_driver_sql(
                f"SELECT count(*) FROM (SELECT row_number() OVER w AS rn, {lagged} "
                f"FROM {self.ready} WINDOW w AS (PARTITION BY cad_ref ORDER BY seq)) x "
                f"WHERE rn > 1 AND {same}"
            ).scalar_one()
        )
        self.source, self.first = self.final, "first_"
        self.conn.exec_driver_sql(f"DROP TABLE {self.ready}")
        return skipped

    def _index_name(self, what: str) -> str:
        # SQLite names a temporary table's index in its schema (and the table without
        # one); PostgreSQL puts it beside the table by itself.
        name = f"rcrp_import_{what}_index"
        return f"temp.{name}" if self.is_sqlite else name

    def run(self) -> tuple[int, int, int]:
        """Count and write, inside the caller's write transaction; return (inserted,
        updated, unchanged)."""
        counts, existing = self._count()
        if self.references:
            # On PostgreSQL another terminal may add a decision between the count and the
            # write (there is no database-wide write lock), so it always takes the upsert.
            self._write(upsert=existing > 0 or not self.is_sqlite)
        return counts

    def count(self) -> tuple[int, int, int]:
        """What ``run`` would return against ``decisions`` as it is now, writing nothing
        (a dry run): the very counting ``run`` does before its write."""
        return self._count()[0]

    def by_category_outcome(self) -> dict[tuple[str, str], int]:
        """The decisions the file would make (one per CAD reference), by category and
        outcome."""
        if self.is_sqlite:
            return totals_by_category_outcome(self.conn)
        rows = self.conn.exec_driver_sql(
            f"SELECT category, outcome, count(*) FROM {self.source} GROUP BY category, outcome"
        ).all()
        return {(str(c), str(o)): int(n) for c, o, n in rows}

    def _count(self) -> tuple[tuple[int, int, int], int]:
        """((inserted, updated, unchanged), stored references) against ``decisions``."""
        if not self.references:
            return (0, 0, 0), 0
        if self.is_sqlite:
            # The merge touches pages of every index of decisions all over: a bigger
            # page cache than the default 2 MB halves the time it holds the write lock
            # when a re-import changes many decisions (this connection is discarded after
            # the import, cache and all).
            self.conn.exec_driver_sql(f"PRAGMA main.cache_size = -{MERGE_CACHE_KB}")
        existing = unchanged = 0
        any_stored = self.conn.exec_driver_sql(
            f"SELECT EXISTS (SELECT 1 FROM decisions WHERE source_system = {self._mark()})",
            (self.source_system,),
        ).scalar()
        if any_stored:
            same = " AND ".join(self._same(f"d.{c}", f"k.{self.first}{c}") for c in self.compared)
            found, same_count = self.conn.exec_driver_sql(
                f"SELECT count(*), coalesce(sum(CASE WHEN {same} THEN 1 ELSE 0 END), 0) "
                f"FROM {self.source} k JOIN decisions d ON d.cad_ref = k.cad_ref "
                f"AND d.source_system = {self._mark()}",
                (self.source_system,),
            ).one()
            existing, unchanged = int(found), int(same_count)
        inserted = self.references - existing
        updated = existing - unchanged + self.repeats - self.same_repeats
        return (inserted, updated, unchanged + self.same_repeats), existing

    def _same(self, a: str, b: str) -> str:
        return f"{a} IS {b}" if self.is_sqlite else f"{a} IS NOT DISTINCT FROM {b}"

    def _write(self, *, upsert: bool) -> None:
        names = ", ".join(READY_COLUMNS)
        # "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON. The rows go
        # in by received time (then reference, unique here): every index of decisions
        # but one leads with, or ends in, the received time, so they fill in order
        # however the file was sorted, and the same rows get the same ids in any order.
        sql = f"INSERT INTO decisions ({names}) SELECT {names} FROM {self.source} WHERE true "
        sql += "ORDER BY received_at, cad_ref"
        if upsert:
            changed = " OR ".join(
                f"NOT ({self._same(f'decisions.{c}', f'excluded.{c}')})" for c in self.compared
            )
            sql += f"{sqlite_upsert(self.compared)} WHERE {changed}"
            self.conn.exec_driver_sql(sql)
            return
        if not self.is_sqlite:
            self.conn.exec_driver_sql(sql)  # the count tables follow by their triggers
            return
        # Inserts only: new rows in received-time order fill every index at a few
        # places only, so a smaller page cache does as well, and it also bounds the
        # memory of the sort. The count tables are added to once, from the per-key
        # totals, instead of by the insert triggers row by row (``importing.counting``).
        self.conn.exec_driver_sql(f"PRAGMA main.cache_size = -{INSERT_CACHE_KB}")
        with counted_once(self.conn):
            self.conn.exec_driver_sql(sql)
