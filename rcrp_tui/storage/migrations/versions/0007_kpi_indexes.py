"""Covering indexes for the KPI figures over a million decisions.

The KPIs group a period's decisions by category, phase, caller type and outcome, find
each decision's latest review past draft, and count answers per criterion. With these
indexes each of those reads only an index, never the table rows behind it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_decisions_kpi",
        "decisions",
        ["received_at", "category", "phase", "caller_type", "outcome", "contact_officer_id"],
    )
    op.create_index("ix_reviews_decision_status", "reviews", ["decision_id", "status", "id"])
    op.create_index(
        "ix_review_answers_kpi", "review_answers", ["review_id", "criterion_code", "answer"]
    )


def downgrade() -> None:
    op.drop_index("ix_review_answers_kpi", table_name="review_answers")
    op.drop_index("ix_reviews_decision_status", table_name="reviews")
    op.drop_index("ix_decisions_kpi", table_name="decisions")
