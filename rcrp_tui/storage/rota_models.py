"""Floorwalking rota tables: rotas, assignments and floorwalker leave.

Leave records only dates and a kind (annual leave, training, unavailable, other): never a
health reason or any other detail about why someone is away.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Index, String, Table, UniqueConstraint
from sqlmodel import Field, SQLModel

from rcrp_tui.storage.types import UTCDateTime
from rcrp_tui.storage.versioning import Versioned


class Rota(SQLModel, table=True):
    """A floorwalking rota for one phase: go-live date, window and the pattern's teams."""

    __tablename__ = "rotas"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(80), unique=True, nullable=False))
    phase: int = Field()
    go_live: date = Field(sa_column=Column(Date, nullable=False))
    window_days: int = Field(default=42)
    # Every team on this shift pattern is in the rota's scope.
    shift_pattern: str = Field(max_length=64)
    time_zone: str = Field(default="Europe/London", max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)


class RotaAssignment(Versioned, table=True):
    """One floorwalker on one team's shift on one date."""

    __tablename__ = "rota_assignments"
    __table_args__ = (
        UniqueConstraint("rota_id", "day", "team_id", "shift_code", name="uq_rota_slot"),
        Index("ix_rota_assignments_person", "floorwalker_user_id", "day"),
        Index("ix_rota_assignments_day", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rota_id: int = Field(foreign_key="rotas.id")
    floorwalker_user_id: int = Field(foreign_key="users.id")
    day: date = Field(sa_column=Column(Date, nullable=False))
    team_id: int = Field(foreign_key="teams.id")
    shift_code: str = Field(max_length=32)
    # Set when a supervisor accepted the assignment despite a rule: why.
    override_reason: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(sa_type=UTCDateTime)


class FloorwalkerLeave(Versioned, table=True):
    """A floorwalker unavailable from ``first_day`` to ``last_day`` inclusive."""

    __tablename__ = "floorwalker_leave"
    __table_args__ = (Index("ix_floorwalker_leave_person", "user_id", "first_day"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    first_day: date = Field(sa_column=Column(Date, nullable=False))
    last_day: date = Field(sa_column=Column(Date, nullable=False))
    kind: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)


rotas_table: Table = Rota.__table__  # type: ignore[attr-defined]
rota_assignments_table: Table = RotaAssignment.__table__  # type: ignore[attr-defined]
floorwalker_leave_table: Table = FloorwalkerLeave.__table__  # type: ignore[attr-defined]
