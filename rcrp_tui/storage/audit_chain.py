"""The audit log's hash chain and the database guards around it.

Every audit row carries ``row_hash``, a hash over its own content and ``prev_hash`` (the
hash of the row before it), so changing, removing, inserting or moving a row breaks the
chain where it happened. With ``RCRP_AUDIT_KEY`` set the hash is an HMAC-SHA256 under that
key (and ``key_id`` names the key without revealing it); without it, plain SHA-256. The
one-row ``audit_chain_head`` says where the chain ends and how many rows it holds, so
rows cut from the end, or a whole table emptied, are noticed too.

The database keeps the chain in order itself: a trigger refuses any insert that is not the
head's next row (wrong id, wrong ``prev_hash`` or no hash; this also stops SQLite's
``REPLACE INTO`` overwriting a row), another moves the head with each insert, and the head
refuses every other change. Rows are written only by :func:`append`, which takes the head
row's lock first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writes are already one
at a time under ``BEGIN IMMEDIATE``), so concurrent writers cannot fork the chain.

The trigger definitions live here, not only in their migration, because opening a SQLite
database re-creates any that someone dropped (:func:`restore_sqlite_triggers`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, text
from sqlmodel import Session

from rcrp_tui.domain.clock import ensure_utc
from rcrp_tui.storage.models import audit_chain_head_table, audit_table

#: The environment variable holding the secret that keys the chain.
KEY_ENV = "RCRP_AUDIT_KEY"
PLAIN = "sha256"
KEYED = "hmac-sha256"
HEAD_ID = 1
_FORMAT = "rcrp-audit-1"


#: The action of the audit row ``retention apply`` writes. When it purged audit rows, its
#: ``after_json`` holds :data:`CHECKPOINT_KEY`: ``{"first_id", "last_id", "rows",
#: "last_hash", "purged_total"}`` (the purged range, its row count, the hash of its last
#: row, and every row purged so far). The row itself is hashed (keyed) like any other, so
#: ``audit verify`` can trust it and start the chain from it.
CHECKPOINT_ACTION = "retention_applied"
CHECKPOINT_ENTITY = "retention"
CHECKPOINT_KEY = "audit_checkpoint"


class ChainConflict(Exception):
    """The chain cannot be extended: its head is gone, or its next id is already taken by
    a row the chain does not know. ``str()`` says which, in plain words."""


def audit_key() -> bytes | None:
    """The chain's secret from ``RCRP_AUDIT_KEY``, or None when it is not set."""
    value = os.environ.get(KEY_ENV, "")
    return value.encode() if value else None


def key_id(key: bytes) -> str:
    """A name for ``key`` that reveals nothing about it (an HMAC of a fixed text)."""
    return hmac.new(key, b"rcrp-audit-key-id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class AuditContent:
    """The hashed fields of one audit row, as stored."""

    id: int
    at: datetime
    actor_user_id: int | None
    actor: str
    actor_role: str
    action: str
    entity: str
    entity_id: str | None
    before_json: str | None
    after_json: str | None


def canonical(row: AuditContent, prev_hash: str | None) -> bytes:
    """The bytes hashed for ``row``: a JSON array in a fixed order, UTC time to the µs."""
    return json.dumps(
        [
            _FORMAT,
            row.id,
            ensure_utc(row.at).isoformat(timespec="microseconds"),
            row.actor_user_id,
            row.actor,
            row.actor_role,
            row.action,
            row.entity,
            row.entity_id,
            row.before_json,
            row.after_json,
            prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def row_hash(row: AuditContent, prev_hash: str | None, key: bytes | None) -> str:
    """HMAC-SHA256 of the canonical row under ``key``, or SHA-256 without one."""
    data = canonical(row, prev_hash)
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def _connection(target: Session | Connection) -> Connection:
    if isinstance(target, Session):
        # Pending changes go first, so their row locks are taken before the head's.
        target.flush()
        return target.connection()
    return target


def append(
    target: Session | Connection,
    *,
    at: datetime,
    actor_user_id: int | None,
    actor: str,
    actor_role: str,
    action: str,
    entity: str,
    entity_id: str | None = None,
    before_json: str | None = None,
    after_json: str | None = None,
    key: bytes | None = None,
) -> int:
    """Add one audit row at the end of the chain, inside ``target``'s transaction.

    Returns the row's id. Raises :class:`ChainConflict` when the next id is already held by
    a row that was added outside the chain (the log has been tampered with).
    """
    conn = _connection(target)
    h = audit_chain_head_table.c
    head = conn.execute(
        select(h.last_id, h.last_hash).where(h.id == HEAD_ID).with_for_update()
    ).first()
    if head is None:
        raise ChainConflict("the audit chain's head row (audit_chain_head) has been deleted")
    new_id = int(head.last_id) + 1
    if conn.execute(select(audit_table.c.id).where(audit_table.c.id == new_id)).first():
        raise ChainConflict(f"the audit log holds row {new_id}, added outside its hash chain")
    content = AuditContent(
        new_id,
        ensure_utc(at),
        actor_user_id,
        actor,
        actor_role,
        action,
        entity,
        entity_id,
        before_json,
        after_json,
    )
    conn.execute(
        audit_table.insert().values(
            id=new_id,
            at=content.at,
            actor_user_id=actor_user_id,
            actor=actor,
            actor_role=actor_role,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before_json=before_json,
            after_json=after_json,
            prev_hash=head.last_hash,
            row_hash=row_hash(content, head.last_hash, key),
            hash_kind=PLAIN if key is None else KEYED,
            key_id=None if key is None else key_id(key),
        )
    )
    return new_id


# --- the guards ------------------------------------------------------------------------

_APPEND_ONLY = "SELECT RAISE(ABORT, 'audit_log is append-only');"
_HEAD = "(SELECT {} FROM audit_chain_head WHERE id = 1)"
#: A delete is let through only for a row a purge permit covers (``retention apply``).
_PERMITTED = "SELECT 1 FROM audit_purge_permit WHERE OLD.id <= up_to_id"

#: SQLite triggers by name. ``NEW.id`` is -1 in a BEFORE INSERT trigger when no id is
#: given, so an insert that leaves the id to SQLite is refused as well.
SQLITE_TRIGGERS: dict[str, str] = {
    "audit_log_no_update": (
        f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN {_APPEND_ONLY} END"
    ),
    "audit_log_no_delete": (
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        f"WHEN NOT EXISTS ({_PERMITTED}) BEGIN {_APPEND_ONLY} END"
    ),
    "audit_log_chain_insert": (
        "CREATE TRIGGER audit_log_chain_insert BEFORE INSERT ON audit_log "
        f"WHEN NEW.row_hash IS NULL OR NEW.id IS NOT {_HEAD.format('last_id + 1')} "
        f"OR NEW.prev_hash IS NOT {_HEAD.format('last_hash')} "
        "BEGIN SELECT RAISE(ABORT, 'audit_log rows are added only at the end of the hash "
        "chain'); END"
    ),
    "audit_log_chain_advance": (
        "CREATE TRIGGER audit_log_chain_advance AFTER INSERT ON audit_log BEGIN "
        "UPDATE audit_chain_head SET last_id = NEW.id, last_hash = NEW.row_hash, "
        "row_count = row_count + 1 WHERE id = 1; END"
    ),
    "audit_chain_head_guard": (
        "CREATE TRIGGER audit_chain_head_guard BEFORE UPDATE ON audit_chain_head "
        "WHEN NEW.id IS NOT OLD.id OR NEW.row_count IS NOT OLD.row_count + 1 "
        "OR NEW.last_id IS NOT (SELECT MAX(id) FROM audit_log) "
        "OR NEW.last_hash IS NOT (SELECT row_hash FROM audit_log WHERE id = NEW.last_id) "
        "BEGIN SELECT RAISE(ABORT, 'the audit chain head moves only with a new audit row'); END"
    ),
    "audit_chain_head_no_delete": (
        "CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head "
        "BEGIN SELECT RAISE(ABORT, 'the audit chain head cannot be deleted'); END"
    ),
    "audit_chain_head_no_insert": (
        "CREATE TRIGGER audit_chain_head_no_insert BEFORE INSERT ON audit_chain_head "
        "BEGIN SELECT RAISE(ABORT, 'the audit chain has one head'); END"
    ),
}

#: The SQLite delete guard before migration 0015 added the purge permit.
SQLITE_NO_DELETE_BEFORE_PERMIT = (
    f"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN {_APPEND_ONLY} END"
)

#: PostgreSQL's append-only function from migration 0015 on: it refuses every UPDATE and
#: TRUNCATE, and every DELETE but of a row a purge permit covers. Its trigger (BEFORE
#: UPDATE OR DELETE, for each row) comes from migration 0011.
POSTGRESQL_APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    f"IF TG_OP = 'DELETE' AND EXISTS ({_PERMITTED}) THEN RETURN OLD; END IF; "
    "RAISE EXCEPTION 'audit_log is append-only'; "
    "END $$"
)
POSTGRESQL_APPEND_ONLY_BEFORE_PERMIT = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
)

#: PostgreSQL functions and triggers, in the order they are created. The append-only
#: function and trigger (UPDATE, DELETE) come from migration 0001 (the function is
#: replaced by migration 0015).
POSTGRESQL_GUARDS: tuple[str, ...] = (
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    "CREATE FUNCTION audit_log_chain_check() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE head record; "
    "BEGIN "
    "SELECT last_id, last_hash INTO head FROM audit_chain_head WHERE id = 1 FOR UPDATE; "
    "IF NOT FOUND OR NEW.row_hash IS NULL OR NEW.id IS DISTINCT FROM head.last_id + 1 "
    "OR NEW.prev_hash IS DISTINCT FROM head.last_hash THEN "
    "RAISE EXCEPTION 'audit_log rows are added only at the end of the hash chain'; "
    "END IF; "
    "RETURN NEW; "
    "END $$",
    "CREATE TRIGGER audit_log_chain_insert BEFORE INSERT ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_chain_check()",
    "CREATE FUNCTION audit_log_chain_advance() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "UPDATE audit_chain_head SET last_id = NEW.id, last_hash = NEW.row_hash, "
    "row_count = row_count + 1 WHERE id = 1; "
    "RETURN NULL; "
    "END $$",
    "CREATE TRIGGER audit_log_chain_advance AFTER INSERT ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_chain_advance()",
    "CREATE FUNCTION audit_chain_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF TG_OP = 'UPDATE' THEN "
    "IF NEW.id = OLD.id AND NEW.row_count = OLD.row_count + 1 "
    "AND NEW.last_id = (SELECT MAX(id) FROM audit_log) "
    "AND NEW.last_hash IS NOT DISTINCT FROM "
    "(SELECT row_hash FROM audit_log WHERE id = NEW.last_id) THEN "
    "RETURN NEW; "
    "END IF; "
    "END IF; "
    "RAISE EXCEPTION 'the audit chain head moves only with a new audit row'; "
    "END $$",
    "CREATE TRIGGER audit_chain_head_guard BEFORE INSERT OR UPDATE OR DELETE "
    "ON audit_chain_head FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard()",
    "CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_guard()",
)

#: Every PostgreSQL trigger that guards the audit log, by table.
POSTGRESQL_TRIGGERS: dict[str, str] = {
    "audit_log_append_only": "audit_log",
    "audit_log_no_truncate": "audit_log",
    "audit_log_chain_insert": "audit_log",
    "audit_log_chain_advance": "audit_log",
    "audit_chain_head_guard": "audit_chain_head",
    "audit_chain_head_no_truncate": "audit_chain_head",
}


def missing_sqlite_triggers(conn: Connection) -> list[str]:
    """The audit guard triggers a SQLite database lacks (empty before migration 0011)."""
    present = set(
        conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
    )
    tables = set(
        conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
    )
    if "audit_chain_head" not in tables:
        return []  # not yet migrated to the chain: the migration creates them all
    return [name for name in SQLITE_TRIGGERS if name not in present]


def restore_sqlite_triggers(conn: Connection) -> list[str]:
    """Re-create any missing audit guard trigger; returns the names restored."""
    missing = missing_sqlite_triggers(conn)
    tables = set(
        conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
    )
    for name in missing:
        if name == "audit_log_no_delete" and "audit_purge_permit" not in tables:
            conn.exec_driver_sql(SQLITE_NO_DELETE_BEFORE_PERMIT)  # before migration 0015
        else:
            conn.exec_driver_sql(SQLITE_TRIGGERS[name])
    return missing


def postgresql_trigger_problems(conn: Connection) -> list[str]:
    """Audit guard triggers that are missing or disabled on PostgreSQL, as sentences."""
    rows = conn.execute(
        text(
            "SELECT t.tgname, t.tgenabled FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relname IN ('audit_log', 'audit_chain_head') "
            "AND c.relnamespace = to_regnamespace(current_schema())::oid "
            "AND NOT t.tgisinternal"
        )
    ).all()
    state = {name: enabled for name, enabled in rows}
    problems = []
    for name, table in POSTGRESQL_TRIGGERS.items():
        if name not in state:
            problems.append(f"trigger {name} on {table} is missing")
        elif state[name] == "D":
            problems.append(f"trigger {name} on {table} is disabled")
    return problems
