"""The coaching_notes table: one note about one contact officer, with its lifecycle.

Free text here has passed the personal-data guard before it was saved (docs/domain-rules.md §9).
``follow_up_on`` is a London calendar date, not an instant: a follow-up is due on a day.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Index, String, Table
from sqlmodel import Field

from rcrp_tui.domain.coaching import COMMENT_MAX, TEXT_MAX
from rcrp_tui.storage.types import UTCDateTime
from rcrp_tui.storage.versioning import Versioned


class CoachingNote(Versioned, table=True):
    __tablename__ = "coaching_notes"
    __table_args__ = (
        Index("ix_coaching_officer_created", "contact_officer_id", "created_at"),
        Index("ix_coaching_status_follow_up", "status", "follow_up_on"),
        Index("ix_coaching_author", "author_user_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_officer_id: int = Field(foreign_key="contact_officers.id")
    review_id: int | None = Field(default=None, foreign_key="reviews.id")
    criteria_codes: str = Field(default="", max_length=255)
    theme: str = Field(max_length=32)
    went_well: str = Field(default="", sa_column=Column(String(TEXT_MAX), nullable=False))
    to_develop: str = Field(default="", sa_column=Column(String(TEXT_MAX), nullable=False))
    agreed_actions: str = Field(default="", sa_column=Column(String(TEXT_MAX), nullable=False))
    follow_up_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    visibility: str = Field(max_length=16)
    status: str = Field(max_length=16)
    author_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledgement_comment: str | None = Field(
        default=None, sa_column=Column(String(COMMENT_MAX), nullable=True)
    )
    follow_up_done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


coaching_notes_table: Table = CoachingNote.__table__  # type: ignore[attr-defined]
