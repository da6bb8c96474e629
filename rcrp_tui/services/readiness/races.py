"""The first save of a readiness record, raced: told ``Conflict``, never an error.

An item, a briefing or a baseline that nobody has recorded yet has no row, so there is no
``row_version`` to compare-and-set: two people saving it at once both insert, and the
table's unique constraint refuses the second at flush. That refusal is the same lost race
as a stale update, and is said the same way (``concurrency.changed_meanwhile``); the
whole transaction, audit row included, rolls back. Any other integrity error is not that
race and is raised as it is. PostgreSQL names the constraint (which names the table);
SQLite names the table's columns.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from rcrp_tui.services.core.concurrency import changed_meanwhile


def flush_or_conflict(session: Session, table: str, constraint: str) -> None:
    """Flush ``session``; a duplicate of ``table``'s ``constraint`` becomes ``Conflict``."""
    try:
        session.flush()
    except IntegrityError as exc:
        text = str(exc.orig)
        if constraint not in text and f"{table}." not in text:
            raise
        raise changed_meanwhile(table) from None
