"""Which coaching notes are overdue, as SQL: the one clause the notes, Home and the KPIs
share. Kept apart from ``notes`` so a KPI report does not load the note-writing code (its
personal-data guard above all)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_

from rcrp_tui.domain import coaching as rules
from rcrp_tui.domain.coaching import NoteStatus
from rcrp_tui.storage.coaching_models import coaching_notes_table

_N = coaching_notes_table.c
#: Notes still waiting on someone: open, or acknowledged but not yet done.
UNSETTLED = (NoteStatus.OPEN.value, NoteStatus.ACKNOWLEDGED.value)


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """Unsettled notes whose follow-up London day ended before ``now``."""
    return and_(_N.status.in_(UNSETTLED), _N.follow_up_on < rules.local_date(now))
