"""Training records: each contact officer's training for each RCRP phase (date, course).

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from rcrp_tui.storage.types import UTCDateTime

revision = "0016"
# A versioned record about contact officers: it follows 0010, which gave every record
# people change its row_version (and joined the feature branches it came from).
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "contact_officer_id",
            sa.Integer(),
            sa.ForeignKey("contact_officers.id"),
            nullable=False,
        ),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("trained_on", sa.Date(), nullable=False),
        sa.Column("course", sa.String(120), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("contact_officer_id", "phase", name="uq_training_officer_phase"),
    )
    op.create_index("ix_training_phase_officer", "training_records", ["phase", "contact_officer_id"])


def downgrade() -> None:
    op.drop_index("ix_training_phase_officer", table_name="training_records")
    op.drop_table("training_records")
