"""Go-live readiness: per-shift go-live briefings, manual checklist items, KPI baselines.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from rcrp_tui.storage.types import UTCDateTime

revision = "0018"
# Readiness reads training records (0016) beside the rota; the app upgrades to all heads.
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "golive_briefings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("shift_code", sa.String(32), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("delivered_by", sa.String(80), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("attendees", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("phase", "team_id", "shift_code", name="uq_briefing_phase_team_shift"),
    )
    op.create_table(
        "readiness_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("evidence", sa.String(500), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("phase", "item_key", name="uq_readiness_phase_item"),
    )
    op.create_table(
        "kpi_baselines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("phase", sa.Integer(), nullable=False, unique=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kpi_baselines")
    op.drop_table("readiness_items")
    op.drop_table("golive_briefings")
