"""The change feed's counters: one row per kind of change, so SQLite terminals see each
other's changes with one small read (PostgreSQL uses LISTEN/NOTIFY instead).

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0016"
branch_labels = None
depends_on = None

TOPICS = ("queue", "live_risk", "rota", "appeals", "reviews")


def upgrade() -> None:
    table = op.create_table(
        "change_counters",
        sa.Column("topic", sa.String(32), primary_key=True),
        sa.Column("counter", sa.Integer(), nullable=False),
    )
    op.bulk_insert(table, [{"topic": t, "counter": 0} for t in TOPICS])


def downgrade() -> None:
    op.drop_table("change_counters")
