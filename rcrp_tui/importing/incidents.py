"""Rows that share a CAD reference, when a profile says how to treat them
(``[rows] duplicates = "first" | "last" | "merge"``): one decision per incident, and
every count by incident, not by row.

Exports with one row per responding unit repeat a reference on several rows, not always
next to each other. Nothing here needs them grouped: every converted row already waits in
the import's temporary ready table (keyed by its line, indexed by reference, spilling to
disk beyond a fixed cache), so the rows of one incident are found by the index wherever
they are in the file, in constant memory. ``incident_table`` builds one row per
reference from them in SQL (the same on SQLite and PostgreSQL); ``SkippedIncidents``
keeps the references of skipped rows in a temporary table the same way, so a skipped
incident is counted once, and not at all when another of its rows was imported.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.engine import Connection

from rcrp_tui.importing.profile import ImportProfile
from rcrp_tui.importing.writer import IMPORTED_COLUMNS, READY_COLUMNS, temp_name

SKIPS_TABLE = "rcrp_import_skips"
#: Profile field -> the ready table's columns it fills (a derived shift follows the
#: received time: the shift is that of the row whose time is taken).
_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "staff_id": ("contact_officer_id", "team_id"),
    "team": ("team_id",),
}


def _order(rule: str, prefer: tuple[str, ...], column: str, is_sqlite: bool) -> str:
    """The ORDER BY that puts the row a rule takes first among an incident's rows."""
    if rule == "first":
        return "r.seq"
    if rule == "last":
        return "r.seq DESC"
    if rule in ("earliest", "latest"):
        return f"r.{column} {'ASC' if rule == 'earliest' else 'DESC'}, r.seq"
    text = "TEXT" if is_sqlite else "text"
    blank = f"CASE WHEN r.{column} IS NULL OR CAST(r.{column} AS {text}) = '' THEN 1 ELSE 0 END"
    if rule == "first_nonblank":
        return f"{blank}, r.seq"
    if rule == "last_nonblank":
        return f"{blank}, r.seq DESC"
    # prefer: the first row holding the most preferred value any row holds.
    ranks = " ".join(
        f"WHEN '{value.replace(chr(39), chr(39) * 2)}' THEN {i}" for i, value in enumerate(prefer)
    )
    return f"CASE r.{column} {ranks} ELSE {len(prefer)} END, r.seq"


def column_rules(profile: ImportProfile, is_sqlite: bool) -> list[tuple[tuple[str, ...], str]]:
    """(the ready table's columns taken together from one row, the ORDER BY choosing
    that row) for each field the profile fills from the file."""
    groups: list[tuple[tuple[str, ...], str]] = []
    received: list[str] = ["received_at"]
    for name, spec in profile.fields.items():
        if name in ("cad_ref", "received_at") or (spec.constant is not None and not spec.cases):
            continue  # the same on every row
        if spec.derive:
            received.append(name)  # the shift of the row whose time is taken
            continue
        columns = _FIELD_COLUMNS.get(name, (name,))
        if name == "staff_id" and "team" in profile.fields:
            columns = ("contact_officer_id",)  # the team field fills team_id
        columns = tuple(c for c in columns if c in IMPORTED_COLUMNS)
        rule, prefer = profile.merge_rule(name)
        groups.append((columns, _order(rule, prefer, columns[0], is_sqlite)))
    rule, prefer = profile.merge_rule("received_at")
    groups.append((tuple(received), _order(rule, prefer, "received_at", is_sqlite)))
    return groups


def incident_table(conn: Connection, profile: ImportProfile, ready: str, final: str) -> None:
    """Create ``final``: one row per CAD reference of ``ready``, each field taken from the
    row its rule picks (``READY_COLUMNS``, then ``n``, the rows the incident had)."""
    is_sqlite = conn.dialect.name == "sqlite"
    groups = column_rules(profile, is_sqlite)
    picks = [
        f"(SELECT r.seq FROM {ready} r WHERE r.cad_ref = g.cad_ref ORDER BY {order} LIMIT 1) "
        f"AS pick_{i}"
        for i, (_columns, order) in enumerate(groups)
    ]
    source = {column: f"p{i}" for i, (columns, _o) in enumerate(groups) for column in columns}
    chosen = ", ".join(f"{source.get(c, 'f')}.{c} AS {c}" for c in READY_COLUMNS)
    joins = " ".join(f"JOIN {ready} p{i} ON p{i}.seq = k.pick_{i}" for i in range(len(groups)))
    name = final.split(".", 1)[1]
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {name} AS SELECT k.first_seq AS first_seq, k.n AS n, {chosen} "
        f"FROM (SELECT g.cad_ref, min(g.seq) AS first_seq, count(*) AS n, {', '.join(picks)} "
        f"FROM {ready} g GROUP BY g.cad_ref) k "
        f"JOIN {ready} f ON f.seq = k.first_seq {joins}"
    )


class SkippedIncidents:
    """The references of skipped rows, so skips are counted by incident.

    An incident is counted once, under the code of its first skipped row, and not at all
    if any of its rows was converted (it is then a decision, counted as such).
    """

    def __init__(self, conn: Connection, batch_size: int = 5_000) -> None:
        self.conn = conn
        self.is_sqlite = conn.dialect.name == "sqlite"
        self.table = temp_name(conn, SKIPS_TABLE)
        self.batch_size = batch_size
        self._batch: list[tuple[int, str, str]] = []
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self.table}")
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {SKIPS_TABLE} (line INTEGER PRIMARY KEY, ref TEXT, code TEXT)"
        )
        mark = "?" if self.is_sqlite else "%s"
        self._insert = f"INSERT INTO {self.table} VALUES ({mark}, {mark}, {mark})"

    def add(self, line: int, ref: str, code: str) -> None:
        """A skipped row: its line, its reference cell (blank: the row is an incident of
        its own) and the ``column=CODE`` it was skipped under."""
        self._batch.append((line, ref.strip().upper() or f"(line {line})", code))
        if len(self._batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        if self.is_sqlite:
            self.conn.connection.driver_connection.executemany(  # type: ignore[union-attr]
                self._insert, batch
            )
        else:
            self.conn.exec_driver_sql(self._insert, batch)

    def counts(self, ready: str) -> Counter[str]:
        """``column=CODE`` -> skipped incidents with no converted row in ``ready``."""
        self.flush()
        rows: Any = self.conn.exec_driver_sql(
            f"SELECT code, count(*) FROM (SELECT ref, code, row_number() OVER "
            f"(PARTITION BY ref ORDER BY line) AS rn FROM {self.table}) s "
            f"WHERE rn = 1 AND NOT EXISTS (SELECT 1 FROM {ready} r WHERE r.cad_ref = s.ref) "
            "GROUP BY code"
        )
        found = Counter({str(code): int(n) for code, n in rows})
        self.conn.exec_driver_sql(f"DROP TABLE {self.table}")
        return found
