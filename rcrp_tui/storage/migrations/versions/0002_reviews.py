"""Reviews: toolkit versions, reviews, answers, their history and live-risk alerts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from rcrp_tui.storage.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "toolkits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("toolkit_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("toolkit_id", "version", name="uq_toolkits_id_version"),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("toolkit_row_id", sa.Integer(), sa.ForeignKey("toolkits.id"), nullable=False),
        sa.Column("toolkit_id", sa.String(64), nullable=False),
        sa.Column("toolkit_version", sa.String(32), nullable=False),
        sa.Column("reviewer_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("judgement", sa.String(32), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("band", sa.String(64), nullable=True),
        sa.Column("failed_critical", sa.String(255), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("moderated_at", UTCDateTime(), nullable=True),
        sa.Column("moderator_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("moderation_outcome", sa.String(16), nullable=True),
        sa.Column("moderation_reason", sa.String(1000), nullable=True),
        sa.Column("released_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledgement_comment", sa.String(1000), nullable=True),
    )
    op.create_index("ix_reviews_decision", "reviews", ["decision_id"])
    op.create_index("ix_reviews_status_id", "reviews", ["status", "id"])
    op.create_index("ix_reviews_reviewer_id", "reviews", ["reviewer_user_id", "id"])
    op.create_table(
        "review_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("criterion_code", sa.String(16), nullable=False),
        sa.Column("answer", sa.String(16), nullable=True),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.UniqueConstraint("review_id", "criterion_code", name="uq_review_answers_code"),
    )
    op.create_table(
        "review_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=True),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
    )
    op.create_index("ix_review_changes_review", "review_changes", ["review_id", "id"])
    op.create_table(
        "live_risk_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("raised_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("escalated_to", sa.String(120), nullable=False),
        sa.Column("escalated_at", UTCDateTime(), nullable=False),
        sa.Column("closed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closing_note", sa.String(1000), nullable=True),
    )
    op.create_index("ix_live_risk_open", "live_risk_alerts", ["closed_at", "raised_at"])


def downgrade() -> None:
    for table in ("live_risk_alerts", "review_changes", "review_answers", "reviews", "toolkits"):
        op.drop_table(table)
