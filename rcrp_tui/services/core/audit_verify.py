"""Checking the audit trail's hash chain: is every row still there, unchanged, in order?

``verify_chain`` walks ``audit_log`` in id order a page at a time (a million rows cost a
million hashes, never a million rows in memory), inside one read snapshot, and stops at the
first row that is wrong, saying what is wrong with it:

- **missing**: a row was removed (the next row links to a row that is not there), rows were
  cut from the end (the chain head names a later row), or the table was emptied;
- **altered**: a row's content no longer matches its hash, or a row no longer links to the
  one before it after a hash was recomputed;
- **inserted**: a row with no hash, a row beyond the chain head, or (with a key) a row
  with a plain hash after keyed rows: written by someone without the key;
- **reordered**: a row links to a row with a higher id;
- **key**: a keyed row cannot be checked: no ``RCRP_AUDIT_KEY``, or a different one.

After ``retention apply`` has purged audit rows from the start of the chain, the walk
starts from its checkpoint: the newest ``retention_applied`` row that records a purge
(``storage.audit_chain.CHECKPOINT_KEY``). The first row left must be the one after the
purged range and link to the hash of the purged range's last row, and the rows left plus
the rows purged must make the head's count; the checkpoint row is itself checked where it
lies in the chain, so a checkpoint someone edited shows as altered.

Without a key, someone able to write the whole database can recompute every hash and the
head: the chain then verifies. The key, kept away from the database, is what stops that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from enum import StrEnum
from types import EllipsisType
from typing import Any

from sqlalchemy import Connection, select

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage import audit_chain
from rcrp_tui.storage.audit_chain import KEYED, PLAIN, AuditContent
from rcrp_tui.storage.models import audit_chain_head_table, audit_table
from rcrp_tui.storage.retention_models import audit_purge_permit_table

PAGE_SIZE = 5000
_A = audit_table.c
_COLUMNS = (
    _A.id,
    _A.at,
    _A.actor_user_id,
    _A.actor,
    _A.actor_role,
    _A.action,
    _A.entity,
    _A.entity_id,
    _A.before_json,
    _A.after_json,
    _A.prev_hash,
    _A.row_hash,
    _A.hash_kind,
    _A.key_id,
)


class ChainProblem(StrEnum):
    """What is wrong at the first broken row."""

    MISSING = "missing"
    ALTERED = "altered"
    INSERTED = "inserted"
    REORDERED = "reordered"
    KEY = "key"


@dataclass(frozen=True)
class ChainState:
    """The audit chain as ``verify_chain`` found it."""

    rows: int  # rows checked and found sound, in id order
    head_id: int  # the last row id the chain head names
    head_hash: str | None
    head_rows: int  # how many rows the chain head says the chain holds
    broken_at: int | None = None  # the first wrong row's id
    problem: ChainProblem | None = None
    detail: str = ""  # a sentence naming the row and what is wrong with it
    keyed_rows: int = 0
    #: Guard triggers found missing or disabled: the database no longer *prevents* what
    #: they stopped, whatever the chain says about what has happened so far.
    guard_problems: tuple[str, ...] = ()
    #: Rows purged by ``retention apply`` before the first row left (0: none ever).
    purged_rows: int = 0

    @property
    def intact(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        """One line for a person: "verified N rows, chain head …" or what is broken."""
        if self.intact:
            head = f"row {self.head_id}, hash {self.head_hash[:16]}…" if self.head_hash else "empty"
            keyed = f" ({self.keyed_rows} keyed)" if self.keyed_rows else ""
            purged = (
                f" from the purge checkpoint ({self.purged_rows} older rows purged by retention)"
                if self.purged_rows
                else ""
            )
            return f"verified {self.rows} rows{keyed}{purged}, chain head {head}"
        return f"audit trail BROKEN at row {self.broken_at} ({self.problem}): {self.detail}"


def _rows(first: int, last: int) -> str:
    """ "row 5 is" or "rows 5 to 7 are"."""
    return f"row {first} is" if first == last else f"rows {first} to {last} are"


class _Broken(Exception):
    def __init__(self, row_id: int, problem: ChainProblem, detail: str) -> None:
        super().__init__(detail)
        self.row_id, self.problem, self.detail = row_id, problem, detail


def verify_chain(
    ctx: Ctx, *, key: bytes | EllipsisType | None = ..., page_size: int = PAGE_SIZE
) -> ChainState:
    """Walk the audit chain and report the first row that is missing, altered, inserted or
    reordered (``key`` defaults to ``RCRP_AUDIT_KEY``)."""
    ctx.require(Permission.VIEW_AUDIT)
    chain_key = audit_chain.audit_key() if isinstance(key, EllipsisType) else key
    with ctx.db.read() as session:
        options = {} if ctx.db.is_sqlite else {"isolation_level": "REPEATABLE READ"}
        # One snapshot: rows written while the walk runs neither appear beyond the head
        # it read nor move the head away from the rows it walked.
        conn = session.connection(execution_options=options)
        state = _Walk(conn, chain_key, page_size).run()
        if ctx.db.is_sqlite:
            guards = tuple(
                f"trigger {name} is missing" for name in audit_chain.missing_sqlite_triggers(conn)
            )
        else:
            guards = tuple(audit_chain.postgresql_trigger_problems(conn))
        if conn.execute(select(audit_purge_permit_table.c.id).limit(1)).first() is not None:
            guards += (
                "a purge permit was left in audit_purge_permit: audit rows up to the id it "
                "names can be deleted",
            )
    return replace(state, guard_problems=guards)


@dataclass(frozen=True)
class _Checkpoint:
    row_id: int  # the audit row that records it
    last_id: int  # the last purged row
    last_hash: str | None
    purged_total: int


def _checkpoint(conn: Connection) -> _Checkpoint | None:
    """The newest purge checkpoint in the log: the one covering the highest row id."""
    best: _Checkpoint | None = None
    rows = conn.execute(
        # By entity first: the (entity, entity_id) index finds them without a scan.
        select(_A.id, _A.after_json).where(
            _A.entity == audit_chain.CHECKPOINT_ENTITY, _A.action == audit_chain.CHECKPOINT_ACTION
        )
    ).all()
    for row_id, raw in rows:
        try:
            data = json.loads(raw or "{}").get(audit_chain.CHECKPOINT_KEY)
            if not data:
                continue
            found = _Checkpoint(
                row_id, int(data["last_id"]), data["last_hash"], int(data["purged_total"])
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            raise _Broken(
                row_id,
                ChainProblem.ALTERED,
                f"row {row_id} was altered: its purge checkpoint cannot be read",
            ) from None
        if best is None or found.last_id > best.last_id:
            best = found
    return best


class _Walk:
    def __init__(self, conn: Connection, key: bytes | None, page_size: int) -> None:
        self.conn, self.key, self.page_size = conn, key, page_size
        self.key_id = None if key is None else audit_chain.key_id(key)
        self.rows = 0
        self.keyed = 0
        self.checkpoint: _Checkpoint | None = None

    def run(self) -> ChainState:
        h = audit_chain_head_table.c
        head = self.conn.execute(
            select(h.last_id, h.last_hash, h.row_count).where(h.id == audit_chain.HEAD_ID)
        ).first()
        if head is None:
            first = self.conn.execute(select(_A.id).order_by(_A.id).limit(1)).scalar()
            return ChainState(
                0,
                0,
                None,
                0,
                first or 1,
                ChainProblem.MISSING,
                "the chain head (audit_chain_head) is missing, so rows cut from the end "
                "cannot be ruled out",
            )
        last_id, last_hash, head_rows = int(head.last_id), head.last_hash, int(head.row_count)
        state = ChainState(self.rows, last_id, last_hash, head_rows)
        try:
            self.checkpoint = _checkpoint(self.conn)
            self._walk(last_id, last_hash, head_rows)
        except _Broken as broken:
            return ChainState(
                self.rows,
                last_id,
                last_hash,
                head_rows,
                broken.row_id,
                broken.problem,
                broken.detail,
                self.keyed,
            )
        purged = 0 if self.checkpoint is None else self.checkpoint.purged_total
        return ChainState(
            self.rows,
            state.head_id,
            last_hash,
            head_rows,
            keyed_rows=self.keyed,
            purged_rows=purged,
        )

    def _walk(self, head_id: int, head_hash: str | None, head_rows: int) -> None:
        prev: Any = None
        keyed_seen = False
        after = None
        while True:
            stmt = select(*_COLUMNS).order_by(_A.id).limit(self.page_size)
            if after is not None:
                stmt = stmt.where(_A.id > after)
            page = self.conn.execute(stmt).all()
            if not page:
                break
            for row in page:
                keyed_seen = self._check(row, prev, head_id, keyed_seen)
                self.rows += 1
                prev = row
            after = page[-1].id
        self._check_end(prev, head_id, head_hash, head_rows)

    def _check(self, row: Any, prev: Any, head_id: int, keyed_seen: bool) -> bool:
        n = row.id
        if n > head_id:
            raise _Broken(
                n,
                ChainProblem.INSERTED,
                f"row {n} lies beyond the chain head (row {head_id}): it was added to the "
                "log without going through the chain",
            )
        if row.row_hash is None or row.hash_kind is None:
            raise _Broken(
                n,
                ChainProblem.INSERTED,
                f"row {n} has no hash: it was added to the log outside the chain",
            )
        self._check_link(row, prev)
        if row.hash_kind == KEYED:
            if self.key is None:
                raise _Broken(
                    n,
                    ChainProblem.KEY,
                    f"row {n} was written with a key ({audit_chain.KEY_ENV}) and none is set "
                    "here, so it cannot be checked; set the same key and verify again",
                )
            if row.key_id != self.key_id:
                raise _Broken(
                    n,
                    ChainProblem.KEY,
                    f"row {n} was written with a different key (key id {row.key_id}) from "
                    f"the {audit_chain.KEY_ENV} set here (key id {self.key_id}), or its key "
                    "id was altered",
                )
            key: bytes | None = self.key
            keyed_seen = True
            self.keyed += 1
        elif row.hash_kind == PLAIN:
            if keyed_seen:
                raise _Broken(
                    n,
                    ChainProblem.INSERTED,
                    f"row {n} has a plain hash after keyed rows: it was written by someone "
                    "without the key",
                )
            key = None
        else:
            raise _Broken(
                n, ChainProblem.ALTERED, f"row {n} was altered: unknown hash kind {row.hash_kind!r}"
            )
        content = AuditContent(*row[:10])
        if audit_chain.row_hash(content, row.prev_hash, key) != row.row_hash:
            raise _Broken(
                n,
                ChainProblem.ALTERED,
                f"row {n} was altered: its content no longer matches its hash",
            )
        return keyed_seen

    def _check_start(self, row: Any) -> None:
        """The first row left after a purge: the one after the checkpoint's range."""
        n, c = row.id, self.checkpoint
        assert c is not None
        if n <= c.last_id:
            raise _Broken(
                n,
                ChainProblem.INSERTED,
                f"row {n} is in the range the checkpoint in row {c.row_id} records as purged "
                f"(up to row {c.last_id}): it was put back or added outside the chain",
            )
        if n > c.last_id + 1:
            raise _Broken(
                c.last_id + 1,
                ChainProblem.MISSING,
                f"{_rows(c.last_id + 1, n - 1)} missing: the checkpoint in row {c.row_id} "
                f"purged rows up to row {c.last_id} only",
            )
        if row.prev_hash != c.last_hash:
            raise _Broken(
                n,
                ChainProblem.ALTERED,
                f"row {n} does not link to the last purged row the checkpoint in row "
                f"{c.row_id} records: one of them was replaced or had its hash recomputed",
            )

    def _check_link(self, row: Any, prev: Any) -> None:
        n = row.id
        if prev is None and self.checkpoint is not None:
            self._check_start(row)
            return
        expected = None if prev is None else prev.row_hash
        if row.prev_hash == expected:
            return
        if row.prev_hash is not None:
            linked = self.conn.execute(
                select(_A.id).where(_A.row_hash == row.prev_hash).order_by(_A.id).limit(1)
            ).scalar()
            if linked is not None and linked > n:
                raise _Broken(
                    n,
                    ChainProblem.REORDERED,
                    f"row {n} follows row {linked} in the chain but has a lower id: "
                    "rows were reordered",
                )
        if prev is None and row.prev_hash is not None and n > 1:
            raise _Broken(
                1,
                ChainProblem.MISSING,
                f"{_rows(1, n - 1)} missing: row {n} links to a row that is not there",
            )
        if prev is not None and n > prev.id + 1:
            raise _Broken(
                prev.id + 1,
                ChainProblem.MISSING,
                f"{_rows(prev.id + 1, n - 1)} missing: row {n} links to a row that is no "
                "longer there",
            )
        before = "the start of the chain" if prev is None else f"row {prev.id} before it"
        raise _Broken(
            n,
            ChainProblem.ALTERED,
            f"row {n} does not link to {before}: one of them was replaced or had its hash "
            "recomputed",
        )

    def _check_end(self, last: Any, head_id: int, head_hash: str | None, head_rows: int) -> None:
        if last is None:
            if head_id or head_rows:
                raise _Broken(
                    1,
                    ChainProblem.MISSING,
                    f"{_rows(1, head_id)} missing: the audit log is empty but its chain head "
                    f"says it held {head_rows} rows up to row {head_id} (every row was deleted)",
                )
            return
        if last.id < head_id:
            raise _Broken(
                last.id + 1,
                ChainProblem.MISSING,
                f"{_rows(last.id + 1, head_id)} missing from the end: the chain head names "
                f"row {head_id}, the log stops at row {last.id}",
            )
        if last.row_hash != head_hash:
            raise _Broken(
                last.id,
                ChainProblem.ALTERED,
                f"row {last.id} is not the row the chain head recorded: it was replaced",
            )
        purged = 0 if self.checkpoint is None else self.checkpoint.purged_total
        if self.rows + purged != head_rows:
            held = f"{self.rows} rows" + (f" and {purged} purged" if purged else "")
            raise _Broken(
                last.id,
                ChainProblem.MISSING,
                f"the chain holds {held} but its head counts {head_rows}: rows were "
                "removed and the rest re-hashed",
            )
