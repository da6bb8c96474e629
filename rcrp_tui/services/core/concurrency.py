"""Optimistic concurrency, the service side: one translation of a lost race into ``Conflict``.

Every versioned table (``storage/versioning.py``) is saved with a compare-and-set on its
``row_version``. When another terminal saved the same row first, SQLAlchemy raises
``StaleDataError`` at flush; ``stale_as_conflict`` (wrapped round every ``Ctx.writing``
transaction) turns it into ``Conflict`` with a message naming the record, and the whole
transaction, audit row included, is rolled back. Core ``UPDATE`` statements on those
tables go through ``cas_update``, which does the same compare-and-set by hand.

The services still compare the version the person saw (``expected_version``) with the row
as read, first, because that check can say what changed; the compare-and-set is what
guarantees it, because a plain read under PostgreSQL's READ COMMITTED lets two
transactions both pass a check made in Python.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Table, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rcrp_tui.services.core.errors import Conflict
from rcrp_tui.storage.versioning import RECORD_NAMES

_TABLE_IN_MESSAGE = re.compile(r"on table '([^']+)'")

P = ParamSpec("P")
T = TypeVar("T")


def changed_meanwhile(table: str) -> Conflict:
    """The ``Conflict`` for a row of ``table`` that someone else saved first."""
    what = RECORD_NAMES.get(table, "record")
    return Conflict(
        f"Someone else changed this {what} at the same moment; reload it to see their change."
    )


@contextmanager
def stale_as_conflict() -> Iterator[None]:
    """Turn SQLAlchemy's ``StaleDataError`` (a lost compare-and-set) into ``Conflict``."""
    try:
        yield
    except StaleDataError as exc:
        found = _TABLE_IN_MESSAGE.search(str(exc))
        raise changed_meanwhile(found.group(1) if found else "") from None


def check_seen(table: str, current: int, seen: int | None) -> None:
    """Refuse when the row is no longer at the version the person saw (None: not asked)."""
    if seen is not None and current != seen:
        raise changed_meanwhile(table)


def cas_update(
    session: Session, table: Table, row_id: int, seen: int, values: Mapping[str, Any]
) -> None:
    """``UPDATE table SET values WHERE id = row_id AND row_version = seen``, or ``Conflict``."""
    result = session.execute(
        update(table)
        .where(table.c.id == row_id, table.c.row_version == seen)
        .values(**values, row_version=table.c.row_version + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise changed_meanwhile(table.name)


def retry_on_stale(attempts: int = 8) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Run a whole transaction again when it lost a race it can safely repeat.

    For writes on a bare ``Database.write()`` session that read their row afresh each time
    and ask the person nothing (signing in counts failed passwords), where a ``Conflict``
    would only confuse. The last attempt's loss is still a ``Conflict``.
    """

    def wrap(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            for _ in range(attempts - 1):
                try:
                    return fn(*args, **kwargs)
                except StaleDataError:
                    continue
            with stale_as_conflict():
                return fn(*args, **kwargs)

        return run

    return wrap
