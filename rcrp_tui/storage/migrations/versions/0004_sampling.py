"""Dip sampling: sampling plans, samples, sample items, and a strata index on decisions.

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from rcrp_tui.storage.types import UTCDateTime

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sampling_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("population_json", sa.Text(), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("parameters_json", sa.Text(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("sampling_plans.id"), nullable=True),
        sa.Column("plan_name", sa.String(80), nullable=False),
        sa.Column("drawn_by", sa.String(64), nullable=False),
        sa.Column("drawn_at", UTCDateTime(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("population_size", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("method_description", sa.String(300), nullable=False),
        sa.Column("population_json", sa.Text(), nullable=False),
        sa.Column("parameters_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_index("ix_samples_status", "samples", ["status", "id"])
    op.create_table(
        "sample_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("samples.id"), nullable=False),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stratum", sa.String(200), nullable=False),
        sa.Column("design_weight", sa.Float(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assigned_to_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("claimed_by_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column(
            "replacement_of_item_id",
            sa.Integer(),
            sa.ForeignKey("sample_items.id"),
            nullable=True,
        ),
        sa.UniqueConstraint("sample_id", "decision_id", name="uq_sample_items_decision"),
    )
    op.create_index("ix_sample_items_queue", "sample_items", ["sample_id", "status", "position"])
    op.create_index("ix_sample_items_decision", "sample_items", ["decision_id", "status"])
    # Covers every column a population filter reads (see storage/sampling_models.py).
    op.create_index(
        "ix_decisions_sampling",
        "decisions",
        [
            "category",
            "shift",
            "team_id",
            "id",
            "outcome",
            "caller_type",
            "contact_officer_id",
            "received_at",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_decisions_sampling", table_name="decisions")
    for table in ("sample_items", "samples", "sampling_plans"):
        op.drop_table(table)
