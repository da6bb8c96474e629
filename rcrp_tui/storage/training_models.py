"""Training records: which contact officer is trained for which RCRP phase, when and on
what course. An officer with no row for a phase is not trained for it.

One row per (officer, phase). A re-import of the same date and course changes nothing; a
different date or course corrects the row (a versioned save, audited with the import).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, UniqueConstraint
from sqlmodel import Field

from rcrp_tui.storage.types import UTCDateTime
from rcrp_tui.storage.versioning import Versioned

COURSE_MAX = 120


class TrainingRecord(Versioned, table=True):
    __tablename__ = "training_records"
    __table_args__ = (
        UniqueConstraint("contact_officer_id", "phase", name="uq_training_officer_phase"),
        # The share trained per team and phase counts by phase without reading the rows.
        Index("ix_training_phase_officer", "phase", "contact_officer_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_officer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact_officers.id"), nullable=False)
    )
    phase: int = Field(sa_column=Column(Integer, nullable=False))
    trained_on: date = Field(sa_column=Column(Date, nullable=False))
    course: str = Field(default="", sa_column=Column(String(COURSE_MAX), nullable=False))
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by: str = Field(sa_column=Column(String(64), nullable=False))


training_records_table: Table = TrainingRecord.__table__  # type: ignore[attr-defined]
