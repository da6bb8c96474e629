"""Legal holds: a decision, review or appeal that retention must never delete; and the
permit that lets ``retention apply`` (and nothing else) purge old audit rows.

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


class AuditPurgePermit(SQLModel, table=True):
    """While a row here names ``up_to_id``, the audit log's guard lets audit rows up to that
    id be deleted, in that transaction only.

    ``retention apply`` adds the row, deletes the purged rows, removes the row and writes
    the checkpoint, all in one transaction, so no other connection ever sees it (on
    PostgreSQL it is never committed; on SQLite writers take turns). Without it the guard
    refuses every ``DELETE FROM audit_log`` as before (``storage.audit_chain``).
    """

    __tablename__ = "audit_purge_permit"

    id: int | None = Field(default=None, primary_key=True)
    up_to_id: int = Field(sa_column=Column(Integer, nullable=False))


audit_purge_permit_table: Table = AuditPurgePermit.__table__  # type: ignore[attr-defined]
