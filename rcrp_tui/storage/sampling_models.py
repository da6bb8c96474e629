"""Dip-sampling tables: named plans, drawn samples and the items of each sample's queue.

A sample keeps a copy of its plan's population filter and parameters as they were when it
was drawn, with the seed and the population size, so it can be defended (and redrawn)
even after the plan is edited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.types import UTCDateTime
from rcrp_tui.storage.versioning import Versioned

REASON_MAX = 300


class SamplingPlan(Versioned, table=True):
    __tablename__ = "sampling_plans"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(80), unique=True, nullable=False))
    population_json: str = Field(sa_column=Column(Text, nullable=False))
    method: str = Field(max_length=32)
    parameters_json: str = Field(sa_column=Column(Text, nullable=False))
    seed: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Sample(Versioned, table=True):
    __tablename__ = "samples"
    __table_args__ = (Index("ix_samples_status", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int | None = Field(default=None, foreign_key="sampling_plans.id")
    plan_name: str = Field(max_length=80)
    drawn_by: str = Field(max_length=64)
    drawn_at: datetime = Field(sa_type=UTCDateTime)
    seed: int = Field(sa_column=Column(BigInteger, nullable=False))
    population_size: int = Field()
    method: str = Field(max_length=32)
    method_description: str = Field(max_length=300)
    population_json: str = Field(sa_column=Column(Text, nullable=False))
    parameters_json: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=16)


class SampleItem(Versioned, table=True):
    __tablename__ = "sample_items"
    __table_args__ = (
        UniqueConstraint("sample_id", "decision_id", name="uq_sample_items_decision"),
        Index("ix_sample_items_queue", "sample_id", "status", "position"),
        Index("ix_sample_items_decision", "decision_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sample_id: int = Field(foreign_key="samples.id")
    decision_id: int = Field(foreign_key="decisions.id")
    position: int = Field()
    stratum: str = Field(max_length=200)
    design_weight: float = Field()
    status: str = Field(max_length=16)
    assigned_to_user_id: int | None = Field(default=None, foreign_key="users.id")
    claimed_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = Field(default=None, sa_column=Column(String(REASON_MAX), nullable=True))
    replacement_of_item_id: int | None = Field(default=None, foreign_key="sample_items.id")


# Rank look-ups over a million decisions read only this index: it holds every column a
# population filter uses, ordered by stratum and then in the canonical order of a draw
# (received time, id), so "the r-th decision of a stratum in a month" never touches the
# table itself. (Migration 0009 reordered it from stratum-then-id.)
SAMPLING_INDEX_COLUMNS = (
    "category",
    "shift",
    "team_id",
    "received_at",
    "id",
    "outcome",
    "caller_type",
    "contact_officer_id",
)
Index("ix_decisions_sampling", *(decisions_table.c[name] for name in SAMPLING_INDEX_COLUMNS))

# How many decisions each stratum holds in each UTC month, kept exact by triggers on
# ``decisions`` (migration 0008; an import of new decisions on SQLite adds its own totals
# once instead, ``importing.counting``), so a draw over a million decisions sums a few thousand
# counts instead of counting a million index entries. A decision without a shift or a
# team is counted under "" and 0 (neither is ever a real value), because primary-key
# columns cannot be NULL. Month comes last in the key, so sums per stratum read in order.
decision_stratum_months_table = Table(
    "decision_stratum_months",
    SQLModel.metadata,
    Column("category", String(32), nullable=False),
    Column("shift", String(16), nullable=False),
    Column("team_id", Integer, nullable=False),
    Column("not_deployed", Boolean, nullable=False),
    Column("partner", Boolean, nullable=False),
    Column("month", String(7), nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint(
        "category",
        "shift",
        "team_id",
        "not_deployed",
        "partner",
        "month",
        name="pk_decision_stratum_months",
    ),
)
NO_SHIFT = ""
NO_TEAM = 0

sampling_plans_table: Table = SamplingPlan.__table__  # type: ignore[attr-defined]
samples_table: Table = Sample.__table__  # type: ignore[attr-defined]
sample_items_table: Table = SampleItem.__table__  # type: ignore[attr-defined]
