"""A hash chain over the audit log, its head, and triggers that keep both in order.

Each audit row gains ``prev_hash``, ``row_hash``, ``hash_kind`` and ``key_id``; the rows
already there are hashed in id order (keyed when ``RCRP_AUDIT_KEY`` is set while this runs),
page by page. ``audit_chain_head`` holds the last id, the last hash and the row count.
The no-update trigger is dropped while the existing rows are hashed and re-created at
once, in the same transaction. The chain's hashing and triggers are defined in
``rcrp_tui.storage.audit_chain``, which the app also uses to write and check rows.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from rcrp_tui.storage.audit_chain import (
    KEYED,
    PLAIN,
    POSTGRESQL_GUARDS,
    SQLITE_TRIGGERS,
    AuditContent,
    audit_key,
    key_id,
    row_hash,
)
from rcrp_tui.storage.types import UTCDateTime

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

_PAGE = 5000
_CHAIN_TRIGGERS = [name for name in SQLITE_TRIGGERS if name not in ("audit_log_no_delete",)]

_audit = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor_user_id", sa.Integer()),
    sa.column("actor", sa.String()),
    sa.column("actor_role", sa.String()),
    sa.column("action", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("before_json", sa.Text()),
    sa.column("after_json", sa.Text()),
    sa.column("prev_hash", sa.String()),
    sa.column("row_hash", sa.String()),
    sa.column("hash_kind", sa.String()),
    sa.column("key_id", sa.String()),
)


def _hash_existing_rows(conn: sa.Connection) -> tuple[int, str | None, int]:
    """Hash every row in id order; returns (last id, last hash, rows)."""
    key = audit_key()
    kind, kid = (PLAIN, None) if key is None else (KEYED, key_id(key))
    a = _audit.c
    fields = [
        a.id,
        a.at,
        a.actor_user_id,
        a.actor,
        a.actor_role,
        a.action,
        a.entity,
        a.entity_id,
        a.before_json,
        a.after_json,
    ]
    update = (
        sa.update(_audit)
        .where(a.id == sa.bindparam("b_id"))
        .values(
            prev_hash=sa.bindparam("b_prev"),
            row_hash=sa.bindparam("b_hash"),
            hash_kind=kind,
            key_id=kid,
        )
    )
    last_id, last_hash, count = 0, None, 0
    while True:
        rows = conn.execute(
            sa.select(*fields).where(a.id > last_id).order_by(a.id).limit(_PAGE)
        ).all()
        if not rows:
            return last_id, last_hash, count
        params = []
        for r in rows:
            content = AuditContent(*r)
            digest = row_hash(content, last_hash, key)
            params.append({"b_id": r.id, "b_prev": last_hash, "b_hash": digest})
            last_id, last_hash, count = r.id, digest, count + 1
        conn.execute(update, params)


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    for name, length in (("prev_hash", 64), ("row_hash", 64), ("hash_kind", 16), ("key_id", 16)):
        op.add_column("audit_log", sa.Column(name, sa.String(length), nullable=True))
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
    )
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    last_id, last_hash, count = _hash_existing_rows(conn)
    conn.execute(
        sa.text(
            "INSERT INTO audit_chain_head (id, last_id, last_hash, row_count) "
            "VALUES (1, :last_id, :last_hash, :row_count)"
        ),
        {"last_id": last_id, "last_hash": last_hash, "row_count": count},
    )
    if sqlite:
        for name in _CHAIN_TRIGGERS:
            op.execute(SQLITE_TRIGGERS[name])
    else:
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        for statement in POSTGRESQL_GUARDS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _CHAIN_TRIGGERS:
            if name != "audit_log_no_update":
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for trigger, table in (
            ("audit_log_no_truncate", "audit_log"),
            ("audit_log_chain_insert", "audit_log"),
            ("audit_log_chain_advance", "audit_log"),
            ("audit_chain_head_guard", "audit_chain_head"),
            ("audit_chain_head_no_truncate", "audit_chain_head"),
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for function in ("audit_log_chain_check", "audit_log_chain_advance", "audit_chain_head_guard"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_table("audit_chain_head")
    for name in ("key_id", "hash_kind", "row_hash", "prev_hash"):
        op.drop_column("audit_log", name)
