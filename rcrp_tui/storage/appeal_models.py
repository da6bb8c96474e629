"""Partner appeals and disputes, their themes and the learning actions they lead to.

An appeal names the decision by CAD reference, because a partner may appeal before the
decision has been imported; ``decision_id`` is filled in when it is. The partner is an
organisation, never a person (docs/domain-rules.md §9); owners of learning actions are roles or
teams, never named people.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text
from sqlmodel import Field, SQLModel

from rcrp_tui.storage.types import UTCDateTime
from rcrp_tui.storage.versioning import Versioned


class Appeal(Versioned, table=True):
    """One appeal or dispute of a control-room decision by a partner agency."""

    __tablename__ = "appeals"
    __table_args__ = (
        Index("ix_appeals_received", "received_at", "id"),
        Index("ix_appeals_cad_ref", "cad_ref"),
        Index("ix_appeals_decision", "decision_id"),
        Index("ix_appeals_decided", "decided_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cad_ref: str = Field(max_length=64)
    # None: whichever source system holds that CAD reference (linked only if exactly one).
    source_system: str | None = Field(default=None, max_length=64)
    decision_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("decisions.id", ondelete="SET NULL"), nullable=True),
    )
    route: str = Field(max_length=32)
    partner_type: str = Field(max_length=32)
    partner_org: str = Field(max_length=120)
    # An Outcome value when known, else the partner's words for it ("not deployed").
    original_decision: str = Field(max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by_user_id: int | None = Field(default=None)
    recorded_by_role: str = Field(max_length=32)
    reviewed_by_user_id: int | None = Field(default=None)
    reviewed_by_role: str | None = Field(default=None, max_length=32)
    outcome: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rationale: str = Field(default="", sa_column=Column(Text, nullable=False))
    adverse_outcome_reported: bool = Field(default=False)
    # A QA review of the decision (reviews table); plain integer so this table does not
    # depend on the reviews migration.
    review_id: int | None = Field(default=None)
    qa_review_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class AppealTheme(SQLModel, table=True):
    """One theme on one appeal: one of the six standard themes or a free tag."""

    __tablename__ = "appeal_themes"
    __table_args__ = (Index("ix_appeal_themes_theme", "theme", "appeal_id"),)

    appeal_id: int = Field(
        sa_column=Column(Integer, ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True)
    )
    theme: str = Field(sa_column=Column(String(40), primary_key=True))


class LearningAction(Versioned, table=True):
    """Something the force will do because of an appeal, owned by a role or team."""

    __tablename__ = "learning_actions"

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("appeals.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    action: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(max_length=80)
    due_date: date = Field(sa_column=Column(Date, nullable=False))
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)


appeals_table: Table = Appeal.__table__  # type: ignore[attr-defined]
appeal_themes_table: Table = AppealTheme.__table__  # type: ignore[attr-defined]
learning_actions_table: Table = LearningAction.__table__  # type: ignore[attr-defined]
