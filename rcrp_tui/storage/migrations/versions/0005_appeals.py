"""Partner appeals and disputes: appeals, their themes and learning actions.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from rcrp_tui.storage.types import UTCDateTime

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cad_ref", sa.String(64), nullable=False),
        sa.Column("source_system", sa.String(64), nullable=True),
        sa.Column(
            "decision_id",
            sa.Integer(),
            sa.ForeignKey("decisions.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("route", sa.String(32), nullable=False),
        sa.Column("partner_type", sa.String(32), nullable=False),
        sa.Column("partner_org", sa.String(120), nullable=False),
        sa.Column("original_decision", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_role", sa.String(32), nullable=False),
        sa.Column("reviewed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by_role", sa.String(32), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("adverse_outcome_reported", sa.Boolean(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("qa_review_requested_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_appeals_received", "appeals", ["received_at", "id"])
    op.create_index("ix_appeals_cad_ref", "appeals", ["cad_ref"])
    op.create_index("ix_appeals_decision", "appeals", ["decision_id"])
    op.create_index("ix_appeals_decided", "appeals", ["decided_at"])
    op.create_table(
        "appeal_themes",
        sa.Column(
            "appeal_id",
            sa.Integer(),
            sa.ForeignKey("appeals.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("theme", sa.String(40), primary_key=True),
    )
    op.create_index("ix_appeal_themes_theme", "appeal_themes", ["theme", "appeal_id"])
    op.create_table(
        "learning_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "appeal_id",
            sa.Integer(),
            sa.ForeignKey("appeals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_learning_actions_appeal_id", "learning_actions", ["appeal_id"])


def downgrade() -> None:
    for table in ("learning_actions", "appeal_themes", "appeals"):
        op.drop_table(table)
