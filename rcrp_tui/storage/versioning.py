"""Optimistic concurrency for every record people change: one mixin, one mechanism.

A table that inherits ``Versioned`` carries a ``row_version`` column that SQLAlchemy uses
as its ``version_id_col``. Every ORM flush of such a row then writes
``UPDATE ... WHERE id = :id AND row_version = :loaded`` (and ``DELETE`` likewise), sets the
new version itself, and raises ``sqlalchemy.orm.exc.StaleDataError`` when no row matched:
another transaction changed or removed the row after this one read it. That holds under
PostgreSQL's READ COMMITTED as well as under SQLite's write lock, because the check and
the write are one statement. Code never bumps ``row_version`` by hand; Core ``UPDATE``
statements on these tables must put ``row_version = :seen`` in their ``WHERE``, set
``row_version = row_version + 1`` and check the row count (the services' ``cas_update``).

The services turn ``StaleDataError`` into their ``Conflict`` in one place
(``services/core/concurrency.py``, used by ``Ctx.writing``), naming the record by
``RECORD_NAMES`` below. A new table gets all of this by inheriting ``Versioned``; a test
(tests/test_versioning.py) fails for any table that neither does nor is listed there as
append-only or immutable.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import declared_attr
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Field, SQLModel


class Versioned(SQLModel):
    """A mixin: ``row_version`` counts saves and guards every ORM update against races."""

    row_version: int = Field(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.row_version}  # type: ignore[attr-defined]


#: How a person names a row of each versioned table, for the conflict message.
RECORD_NAMES: dict[str, str] = {
    "appeals": "appeal",
    "calibration_references": "reference answer",
    "calibration_scores": "calibration scoring",
    "calibration_sessions": "calibration session",
    "coaching_notes": "coaching note",
    "decisions": "decision",
    "floorwalker_leave": "leave record",
    "golive_briefings": "go-live briefing",
    "kpi_baselines": "KPI baseline",
    "learning_actions": "learning action",
    "readiness_items": "readiness checklist item",
    "live_risk_alerts": "live-risk alert",
    "reviews": "review",
    "rota_assignments": "rota shift",
    "sample_items": "sample item",
    "samples": "sample",
    "training_records": "training record",
    "sampling_plans": "sampling plan",
    "users": "user account",
}


def touch(row: Versioned, column: str = "updated_at") -> None:
    """Save ``row`` (and so move its version on) even if none of its own columns changed.

    For changes held in child tables (an appeal's themes, a review's answers): the parent's
    compare-and-set is what catches two people changing them at once. ``column`` is written
    back with its current value.
    """
    flag_modified(row, column)
