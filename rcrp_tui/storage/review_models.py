"""Tables for toolkits, reviews, their answers and history, and live-risk alerts.

A toolkit version is stored with its full TOML source and its SHA-256, so every review
can be re-read against exactly the criteria it was scored on, years later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from rcrp_tui.storage.types import UTCDateTime
from rcrp_tui.storage.versioning import Versioned

NOTE_MAX = 1000


class ToolkitVersion(SQLModel, table=True):
    """One version of one toolkit, exactly as it was added."""

    __tablename__ = "toolkits"
    __table_args__ = (UniqueConstraint("toolkit_id", "version", name="uq_toolkits_id_version"),)

    id: int | None = Field(default=None, primary_key=True)
    toolkit_id: str = Field(max_length=64)
    version: str = Field(max_length=32)
    title: str = Field(max_length=200)
    source: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    added_at: datetime = Field(sa_type=UTCDateTime)
    added_by: str = Field(max_length=64)


class Review(Versioned, table=True):
    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_decision", "decision_id"),
        Index("ix_reviews_status_id", "status", "id"),
        Index("ix_reviews_reviewer_id", "reviewer_user_id", "id"),
        Index("ix_reviews_decision_status", "decision_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decisions.id")
    toolkit_row_id: int = Field(foreign_key="toolkits.id")
    toolkit_id: str = Field(max_length=64)
    toolkit_version: str = Field(max_length=32)
    reviewer_user_id: int = Field(foreign_key="users.id")
    status: str = Field(max_length=16)
    judgement: str | None = Field(default=None, max_length=32)
    score: float | None = Field(default=None)
    passed: bool = Field(default=False)
    band: str | None = Field(default=None, max_length=64)
    failed_critical: str = Field(default="", max_length=255)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(max_length=120)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    moderated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    moderator_user_id: int | None = Field(default=None, foreign_key="users.id")
    moderation_outcome: str | None = Field(default=None, max_length=16)
    moderation_reason: str | None = Field(
        default=None, sa_column=Column(String(NOTE_MAX), nullable=True)
    )
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledgement_comment: str | None = Field(
        default=None, sa_column=Column(String(NOTE_MAX), nullable=True)
    )


class ReviewAnswer(SQLModel, table=True):
    __tablename__ = "review_answers"
    __table_args__ = (
        UniqueConstraint("review_id", "criterion_code", name="uq_review_answers_code"),
        Index("ix_review_answers_kpi", "review_id", "criterion_code", "answer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="reviews.id")
    criterion_code: str = Field(max_length=16)
    answer: str | None = Field(default=None, max_length=16)
    note: str = Field(default="", sa_column=Column(String(NOTE_MAX), nullable=False))


class ReviewChange(SQLModel, table=True):
    """The history of a review, as a reviewer would read it (the audit log keeps it too)."""

    __tablename__ = "review_changes"
    __table_args__ = (Index("ix_review_changes_review", "review_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="reviews.id")
    at: datetime = Field(sa_type=UTCDateTime)
    actor_user_id: int | None = Field(default=None)
    actor: str = Field(max_length=120)
    action: str = Field(max_length=32)
    reason: str | None = Field(default=None, sa_column=Column(String(NOTE_MAX), nullable=True))
    before_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class LiveRiskAlert(Versioned, table=True):
    """Someone may be at risk now: raised during a review, open until closed with a note."""

    __tablename__ = "live_risk_alerts"
    __table_args__ = (Index("ix_live_risk_open", "closed_at", "raised_at"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="reviews.id")
    decision_id: int = Field(foreign_key="decisions.id")
    raised_by: int | None = Field(default=None, foreign_key="users.id")
    raised_at: datetime = Field(sa_type=UTCDateTime)
    escalated_to: str = Field(max_length=120)
    escalated_at: datetime = Field(sa_type=UTCDateTime)
    closed_by: int | None = Field(default=None, foreign_key="users.id")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closing_note: str | None = Field(
        default=None, sa_column=Column(String(NOTE_MAX), nullable=True)
    )


toolkits_table: Table = ToolkitVersion.__table__  # type: ignore[attr-defined]
reviews_table: Table = Review.__table__  # type: ignore[attr-defined]
review_answers_table: Table = ReviewAnswer.__table__  # type: ignore[attr-defined]
review_changes_table: Table = ReviewChange.__table__  # type: ignore[attr-defined]
live_risk_table: Table = LiveRiskAlert.__table__  # type: ignore[attr-defined]
