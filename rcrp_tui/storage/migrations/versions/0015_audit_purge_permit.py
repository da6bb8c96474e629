"""Audit rows can be purged by retention, and only by retention: the purge permit.

``audit_purge_permit`` holds, for the length of one ``retention apply`` transaction, the
last audit row id it may delete. The audit log's delete guard (SQLite: the
``audit_log_no_delete`` trigger; PostgreSQL: the ``audit_log_append_only`` function) lets a
delete through only for a row such a permit covers, so an ordinary ``DELETE FROM
audit_log`` is still refused. Updates and TRUNCATE stay refused.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from rcrp_tui.storage.audit_chain import (
    POSTGRESQL_APPEND_ONLY,
    POSTGRESQL_APPEND_ONLY_BEFORE_PERMIT,
    SQLITE_NO_DELETE_BEFORE_PERMIT,
    SQLITE_TRIGGERS,
)

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_purge_permit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("up_to_id", sa.Integer(), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        op.execute(SQLITE_TRIGGERS["audit_log_no_delete"])
    else:
        op.execute(POSTGRESQL_APPEND_ONLY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        op.execute(SQLITE_NO_DELETE_BEFORE_PERMIT)
    else:
        op.execute(POSTGRESQL_APPEND_ONLY_BEFORE_PERMIT)
    op.drop_table("audit_purge_permit")
