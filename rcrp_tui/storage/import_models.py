"""The import_runs table: one row per CAD import, open while it runs.

An import writes its row in a small transaction of its own when it starts, and closes it
(``finished_at``, ``outcome``) in the same transaction that merges its decisions, or in
another small one when it fails. Another terminal reads the open row, without the write
lock, to say what a save is waiting for; a second import reads it to say who is
importing. A row left open by an import whose process was killed is closed as
``abandoned`` by the next import (the import lock, not this row, says whether an import
is alive: see ``Database.import_lock``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Table
from sqlmodel import Field, SQLModel

from rcrp_tui.storage.types import UTCDateTime

#: ``outcome`` values.
IMPORTED, FAILED, ABANDONED = "imported", "failed", "abandoned"


class ImportRun(SQLModel, table=True):
    __tablename__ = "import_runs"
    __table_args__ = (Index("ix_import_runs_finished", "finished_at"),)

    id: int | None = Field(default=None, primary_key=True)
    file_name: str = Field(max_length=255)
    started_by: str = Field(max_length=64)
    host: str = Field(max_length=255)
    pid: int
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, max_length=16)


import_runs_table: Table = ImportRun.__table__  # type: ignore[attr-defined]
