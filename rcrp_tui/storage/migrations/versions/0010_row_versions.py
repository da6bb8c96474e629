"""A row_version on every record people change, for the compare-and-set on save.

Reviews, coaching notes, appeals and decisions had one already; users, live-risk alerts,
learning actions, rota shifts, leave, sampling plans, samples and sample items get one
now, starting at 1 for every existing row (storage/versioning.py says how it is used).

Revision ID: 0010
Revises: 0009, 0003, 0005, 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
# The tables come from every branch, so this revision also joins them: after it the
# schema has one line of history again (0009 sampling, 0003 rota, 0005 appeals,
# 0007 reviews and coaching).
down_revision = ("0009", "0003", "0005", "0007")
branch_labels = None
depends_on = None

TABLES = (
    "users",
    "live_risk_alerts",
    "learning_actions",
    "rota_assignments",
    "floorwalker_leave",
    "sampling_plans",
    "samples",
    "sample_items",
)


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: no table is copied, however large.
    for table in TABLES:
        op.add_column(
            table, sa.Column("row_version", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("row_version")
