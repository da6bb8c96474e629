"""The sampling index in the draw's canonical order: stratum, received time, id.

A draw resolves "the r-th decision of a stratum" by an OFFSET over this index. Ordered by
received time within the stratum, a look-up can start at the month the per-month stratum
counts (0008) place the rank in, instead of walking the whole stratum.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_NEW = [
    "category",
    "shift",
    "team_id",
    "received_at",
    "id",
    "outcome",
    "caller_type",
    "contact_officer_id",
]
_OLD = [
    "category",
    "shift",
    "team_id",
    "id",
    "outcome",
    "caller_type",
    "contact_officer_id",
    "received_at",
]


def upgrade() -> None:
    op.drop_index("ix_decisions_sampling", table_name="decisions")
    op.create_index("ix_decisions_sampling", "decisions", _NEW)


def downgrade() -> None:
    op.drop_index("ix_decisions_sampling", table_name="decisions")
    op.create_index("ix_decisions_sampling", "decisions", _OLD)
