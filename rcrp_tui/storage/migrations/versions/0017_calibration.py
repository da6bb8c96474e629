"""Calibration sessions: decisions, graders, blind calibration scores and reference answers.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from rcrp_tui.storage.types import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calibration_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("toolkit_row_id", sa.Integer(), sa.ForeignKey("toolkits.id"), nullable=False),
        sa.Column("toolkit_id", sa.String(64), nullable=False),
        sa.Column("toolkit_version", sa.String(32), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revealed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_calibration_sessions_status", "calibration_sessions", ["status", "id"])
    op.create_table(
        "calibration_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("calibration_sessions.id"), nullable=False
        ),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("session_id", "decision_id", name="uq_calibration_decisions"),
    )
    op.create_index(
        "ix_calibration_decisions_decision", "calibration_decisions", ["decision_id"]
    )
    op.create_table(
        "calibration_graders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("calibration_sessions.id"), nullable=False
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.UniqueConstraint("session_id", "user_id", name="uq_calibration_graders"),
    )
    op.create_index("ix_calibration_graders_user", "calibration_graders", ["user_id"])
    op.create_table(
        "calibration_scores",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("calibration_sessions.id"), nullable=False
        ),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("grader_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("judgement", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.UniqueConstraint(
            "session_id", "decision_id", "grader_user_id", name="uq_calibration_scores"
        ),
    )
    op.create_index(
        "ix_calibration_scores_grader", "calibration_scores", ["grader_user_id", "session_id"]
    )
    op.create_table(
        "calibration_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "score_id", sa.Integer(), sa.ForeignKey("calibration_scores.id"), nullable=False
        ),
        sa.Column("criterion_code", sa.String(16), nullable=False),
        sa.Column("answer", sa.String(16), nullable=True),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.UniqueConstraint("score_id", "criterion_code", name="uq_calibration_answers"),
    )
    op.create_table(
        "calibration_references",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("calibration_sessions.id"), nullable=False
        ),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("criterion_code", sa.String(16), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("set_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.UniqueConstraint(
            "session_id", "decision_id", "criterion_code", name="uq_calibration_references"
        ),
    )


def downgrade() -> None:
    op.drop_table("calibration_references")
    op.drop_table("calibration_answers")
    op.drop_index("ix_calibration_scores_grader", table_name="calibration_scores")
    op.drop_table("calibration_scores")
    op.drop_index("ix_calibration_graders_user", table_name="calibration_graders")
    op.drop_table("calibration_graders")
    op.drop_index("ix_calibration_decisions_decision", table_name="calibration_decisions")
    op.drop_table("calibration_decisions")
    op.drop_index("ix_calibration_sessions_status", table_name="calibration_sessions")
    op.drop_table("calibration_sessions")
