"""Legal holds: a decision, review or appeal that retention must never delete.

One row per held record, with the reason (why it must be kept: a complaint, an inquest, a
disclosure request), when and by whom it was placed. Releasing a hold removes its row; the
audit log keeps both the placing and the release, with the reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlmodel import Field, SQLModel

from rcrp_tui.storage.types import UTCDateTime


class LegalHold(SQLModel, table=True):
    __tablename__ = "legal_holds"
    __table_args__ = (UniqueConstraint("entity", "entity_id", name="uq_legal_holds_entity"),)

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=16)  # "decision", "review" or "appeal"
    entity_id: int = Field(sa_column=Column(Integer, nullable=False))
    reason: str = Field(max_length=500)
    placed_at: datetime = Field(sa_type=UTCDateTime)
    placed_by_user_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True)
    )
    placed_by: str = Field(sa_column=Column(String(64), nullable=False))


legal_holds_table: Table = LegalHold.__table__  # type: ignore[attr-defined]
