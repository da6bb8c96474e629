"""Floorwalking rota: rotas, assignments and floorwalker leave.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from rcrp_tui.storage.types import UTCDateTime

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rotas",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("go_live", sa.Date(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("shift_pattern", sa.String(64), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "rota_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rota_id", sa.Integer(), sa.ForeignKey("rotas.id"), nullable=False),
        sa.Column(
            "floorwalker_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("shift_code", sa.String(32), nullable=False),
        sa.Column("override_reason", sa.String(300), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("rota_id", "day", "team_id", "shift_code", name="uq_rota_slot"),
    )
    op.create_index(
        "ix_rota_assignments_person", "rota_assignments", ["floorwalker_user_id", "day"]
    )
    op.create_index("ix_rota_assignments_day", "rota_assignments", ["day"])
    op.create_table(
        "floorwalker_leave",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_floorwalker_leave_person", "floorwalker_leave", ["user_id", "first_day"])


def downgrade() -> None:
    for table in ("floorwalker_leave", "rota_assignments", "rotas"):
        op.drop_table(table)
