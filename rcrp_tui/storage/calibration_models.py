"""Calibration sessions: several graders score the same decisions blind, then compare.

Calibration answers live in their own tables, never in ``reviews``/``review_answers``: a
calibration score is a test of the grader, not a review of the contact officer, so no
query behind a KPI, a compliance figure, an officer's results or a development record can
pick one up by forgetting a filter.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Index, String, Table, UniqueConstraint
from sqlmodel import Field, SQLModel

from rcrp_tui.storage.types import UTCDateTime
from rcrp_tui.storage.versioning import Versioned

TITLE_MAX = 120
NOTE_MAX = 1000


class CalibrationSession(Versioned, table=True):
    __tablename__ = "calibration_sessions"
    __table_args__ = (Index("ix_calibration_sessions_status", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_column=Column(String(TITLE_MAX), nullable=False))
    toolkit_row_id: int = Field(foreign_key="toolkits.id")
    toolkit_id: str = Field(max_length=64)
    toolkit_version: str = Field(max_length=32)
    deadline: date = Field(sa_column=Column(Date, nullable=False))
    status: str = Field(max_length=16)  # open | closed
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    revealed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: int | None = Field(default=None, foreign_key="users.id")


class CalibrationDecision(SQLModel, table=True):
    __tablename__ = "calibration_decisions"
    __table_args__ = (
        UniqueConstraint("session_id", "decision_id", name="uq_calibration_decisions"),
        Index("ix_calibration_decisions_decision", "decision_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="calibration_sessions.id")
    decision_id: int = Field(foreign_key="decisions.id")
    position: int = Field()


class CalibrationGrader(SQLModel, table=True):
    __tablename__ = "calibration_graders"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_calibration_graders"),
        Index("ix_calibration_graders_user", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="calibration_sessions.id")
    user_id: int = Field(foreign_key="users.id")


class CalibrationScore(Versioned, table=True):
    """One grader's scoring of one decision in one session: draft until submitted."""

    __tablename__ = "calibration_scores"
    __table_args__ = (
        UniqueConstraint(
            "session_id", "decision_id", "grader_user_id", name="uq_calibration_scores"
        ),
        Index("ix_calibration_scores_grader", "grader_user_id", "session_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="calibration_sessions.id")
    decision_id: int = Field(foreign_key="decisions.id")
    grader_user_id: int = Field(foreign_key="users.id")
    status: str = Field(max_length=16)  # draft | submitted
    judgement: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CalibrationAnswer(SQLModel, table=True):
    __tablename__ = "calibration_answers"
    __table_args__ = (
        UniqueConstraint("score_id", "criterion_code", name="uq_calibration_answers"),
    )

    id: int | None = Field(default=None, primary_key=True)
    score_id: int = Field(foreign_key="calibration_scores.id")
    criterion_code: str = Field(max_length=16)
    answer: str | None = Field(default=None, max_length=16)
    note: str = Field(default="", sa_column=Column(String(NOTE_MAX), nullable=False))


class CalibrationReference(Versioned, table=True):
    """The answer a criterion should have had on a decision, agreed after the reveal."""

    __tablename__ = "calibration_references"
    __table_args__ = (
        UniqueConstraint(
            "session_id", "decision_id", "criterion_code", name="uq_calibration_references"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="calibration_sessions.id")
    decision_id: int = Field(foreign_key="decisions.id")
    criterion_code: str = Field(max_length=16)
    answer: str = Field(max_length=16)
    source: str = Field(max_length=16)  # grader | consensus
    source_user_id: int | None = Field(default=None, foreign_key="users.id")
    note: str = Field(default="", sa_column=Column(String(NOTE_MAX), nullable=False))
    set_by: int = Field(foreign_key="users.id")
    set_at: datetime = Field(sa_type=UTCDateTime)


calibration_sessions_table: Table = CalibrationSession.__table__  # type: ignore[attr-defined]
calibration_decisions_table: Table = CalibrationDecision.__table__  # type: ignore[attr-defined]
calibration_graders_table: Table = CalibrationGrader.__table__  # type: ignore[attr-defined]
calibration_scores_table: Table = CalibrationScore.__table__  # type: ignore[attr-defined]
calibration_answers_table: Table = CalibrationAnswer.__table__  # type: ignore[attr-defined]
calibration_references_table: Table = CalibrationReference.__table__  # type: ignore[attr-defined]
