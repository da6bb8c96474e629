"""Go-live readiness tables: per-shift go-live briefings, the state of each manual
checklist item and each phase's KPI baseline period.

The checklists themselves (which items a phase has, their wording, which are evidenced by
a rule) are force-editable TOML (``domain/data/readiness.toml``); a row here holds only
what people record against an item, keyed by the phase and the item's key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlmodel import Field

from rcrp_tui.storage.types import UTCDateTime
from rcrp_tui.storage.versioning import Versioned

REASON_MAX = 300
NOTE_MAX = 500
OWNER_MAX = 80
ITEM_KEY_MAX = 64


class GoLiveBriefing(Versioned, table=True):
    """The go-live briefing for one team's first RCRP shift of one type in a phase:
    planned or delivered (by whom, when, how many attended), or not delivered and why."""

    __tablename__ = "golive_briefings"
    __table_args__ = (
        UniqueConstraint("phase", "team_id", "shift_code", name="uq_briefing_phase_team_shift"),
    )

    id: int | None = Field(default=None, primary_key=True)
    phase: int = Field(sa_column=Column(Integer, nullable=False))
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("teams.id"), nullable=False))
    shift_code: str = Field(sa_column=Column(String(32), nullable=False))
    #: The local date of the team's first shift of this type in the phase's rota.
    first_day: date = Field(sa_column=Column(Date, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    delivered_by: str = Field(default="", sa_column=Column(String(OWNER_MAX), nullable=False))
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attendees: int | None = Field(default=None)
    reason: str = Field(default="", sa_column=Column(String(REASON_MAX), nullable=False))
    updated_at: datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(sa_column=Column(String(64), nullable=False))


class ReadinessItemState(Versioned, table=True):
    """What people recorded against one manual checklist item of one phase."""

    __tablename__ = "readiness_items"
    __table_args__ = (UniqueConstraint("phase", "item_key", name="uq_readiness_phase_item"),)

    id: int | None = Field(default=None, primary_key=True)
    #: 0 is the key milestones checklist, which belongs to no one phase.
    phase: int = Field(sa_column=Column(Integer, nullable=False))
    item_key: str = Field(sa_column=Column(String(ITEM_KEY_MAX), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    owner: str = Field(default="", sa_column=Column(String(OWNER_MAX), nullable=False))
    due_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    evidence: str = Field(default="", sa_column=Column(String(NOTE_MAX), nullable=False))
    updated_at: datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(sa_column=Column(String(64), nullable=False))


class KpiBaseline(Versioned, table=True):
    """A phase's KPI baseline period: local days ``first_day`` up to ``end_day`` (not
    included), the period the phase's decisions are compared against."""

    __tablename__ = "kpi_baselines"

    id: int | None = Field(default=None, primary_key=True)
    phase: int = Field(sa_column=Column(Integer, nullable=False, unique=True))
    first_day: date = Field(sa_column=Column(Date, nullable=False))
    end_day: date = Field(sa_column=Column(Date, nullable=False))
    updated_at: datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(sa_column=Column(String(64), nullable=False))


golive_briefings_table: Table = GoLiveBriefing.__table__  # type: ignore[attr-defined]
readiness_items_table: Table = ReadinessItemState.__table__  # type: ignore[attr-defined]
kpi_baselines_table: Table = KpiBaseline.__table__  # type: ignore[attr-defined]
