"""The core tables: users, teams, contact officers, decisions and the audit log.

Per docs/domain-rules.md §9 a decision holds references, codes and a short rationale excerpt only:
no names, addresses, phone numbers or call narrative. Reviewers open the CAD record in
the force's own system when they need detail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from rcrp_tui.storage.types import UTCDateTime
from rcrp_tui.storage.versioning import Versioned

RATIONALE_MAX = 500


class Team(SQLModel, table=True):
    __tablename__ = "teams"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    shift_pattern: str = Field(max_length=64)
    cycle_offset: int = Field(default=0)


class ContactOfficer(SQLModel, table=True):
    """A call handler, known only by a pseudonymous staff id."""

    __tablename__ = "contact_officers"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    team_id: int | None = Field(default=None, foreign_key="teams.id", index=True)
    active: bool = Field(default=True)


class User(Versioned, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    display_name: str = Field(max_length=120)
    role: str = Field(max_length=32, index=True)
    password_hash: str = Field(max_length=255)
    active: bool = Field(default=True)
    failed_sign_ins: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A supervisor's team, or a floorwalker's home team.
    team_id: int | None = Field(default=None, foreign_key="teams.id", index=True)
    # A contact officer's own staff record: the only results they may see.
    contact_officer_id: int | None = Field(default=None, foreign_key="contact_officers.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


class Decision(Versioned, table=True):
    """One control-room decision on an incident, as recorded on the CAD system."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("cad_ref", "source_system", name="uq_decisions_cad_ref_source"),
        Index("ix_decisions_received", "received_at", "id"),
        Index("ix_decisions_officer_received", "contact_officer_id", "received_at"),
        Index("ix_decisions_team_received", "team_id", "received_at"),
        # Covers the KPI grouping, so a period's figures never read the table rows.
        Index(
            "ix_decisions_kpi",
            "received_at",
            "category",
            "phase",
            "caller_type",
            "outcome",
            "contact_officer_id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    cad_ref: str = Field(max_length=64)
    source_system: str = Field(max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime)
    category: str = Field(max_length=32)
    phase: int | None = Field(default=None)
    caller_type: str = Field(max_length=32)
    contact_officer_id: int | None = Field(default=None, foreign_key="contact_officers.id")
    team_id: int | None = Field(default=None, foreign_key="teams.id")
    shift: str | None = Field(default=None, max_length=16)
    grade: str | None = Field(default=None, max_length=16)
    outcome: str = Field(max_length=32)
    threshold_basis: str = Field(max_length=32)
    qualifier_codes: str = Field(default="", max_length=255)
    rationale: str = Field(default="", max_length=RATIONALE_MAX)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """One change, append-only: who, what, when, before and after (JSON).

    Rows are written only by ``storage.audit_chain.append``: each carries a hash over its
    own content and the previous row's hash (``hash_kind`` says plain SHA-256 or HMAC with
    the key ``key_id`` names), so ``rcrp-tui audit verify`` finds a row that was changed,
    removed, inserted or moved.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_user_id: int | None = Field(default=None)
    actor: str = Field(max_length=64)
    actor_role: str = Field(max_length=32)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=64)
    entity_id: str | None = Field(default=None, max_length=64)
    before_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    prev_hash: str | None = Field(default=None, max_length=64)
    row_hash: str | None = Field(default=None, max_length=64)
    hash_kind: str | None = Field(default=None, max_length=16)
    key_id: str | None = Field(default=None, max_length=16)


class AuditChainHead(SQLModel, table=True):
    """The one row saying where the audit chain ends: moved only by an audit insert's
    trigger, so rows removed from the end (or every row) are still noticed."""

    __tablename__ = "audit_chain_head"

    id: int | None = Field(default=None, primary_key=True)
    last_id: int = Field(default=0)
    last_hash: str | None = Field(default=None, max_length=64)
    row_count: int = Field(default=0)


# Core ``Table`` objects, typed, for set-based queries and bulk loads.
teams_table: Table = Team.__table__  # type: ignore[attr-defined]
contact_officers_table: Table = ContactOfficer.__table__  # type: ignore[attr-defined]
users_table: Table = User.__table__  # type: ignore[attr-defined]
decisions_table: Table = Decision.__table__  # type: ignore[attr-defined]
audit_table: Table = AuditEntry.__table__  # type: ignore[attr-defined]
audit_chain_head_table: Table = AuditChainHead.__table__  # type: ignore[attr-defined]
