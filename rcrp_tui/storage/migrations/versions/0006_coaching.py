"""Coaching notes about contact officers, linked optionally to a review.

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from rcrp_tui.storage.types import UTCDateTime

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coaching_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "contact_officer_id",
            sa.Integer(),
            sa.ForeignKey("contact_officers.id"),
            nullable=False,
        ),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=True),
        sa.Column("criteria_codes", sa.String(255), nullable=False),
        sa.Column("theme", sa.String(32), nullable=False),
        sa.Column("went_well", sa.String(2000), nullable=False),
        sa.Column("to_develop", sa.String(2000), nullable=False),
        sa.Column("agreed_actions", sa.String(2000), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledgement_comment", sa.String(1000), nullable=True),
        sa.Column("follow_up_done_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_coaching_officer_created", "coaching_notes", ["contact_officer_id", "created_at"]
    )
    op.create_index("ix_coaching_status_follow_up", "coaching_notes", ["status", "follow_up_on"])
    op.create_index("ix_coaching_author", "coaching_notes", ["author_user_id", "status"])


def downgrade() -> None:
    op.drop_table("coaching_notes")
