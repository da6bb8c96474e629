"""One import at a time, and a marker other terminals can read while it runs.

An import first takes the database's import lock (``Database.import_lock``: a lock the
operating system or the PostgreSQL server releases when the importing process ends,
however it ends). If another process holds it, the import is refused at once with who is
importing and since when. Holding the lock, it writes its ``import_runs`` row in a small
transaction of its own; the row is closed by the import's merge transaction (so it closes
exactly when the decisions are committed) or, on failure, in another small transaction.

A row still open when the lock is free belongs to an import whose process ended before it
could close it (killed, or the machine stopped): its transaction never committed, so none
of its rows are in the database. The next import closes such a row as ``abandoned`` and
says so in its summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection

from rcrp_tui.importing.errors import ImportRunning
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.db import this_process
from rcrp_tui.storage.import_models import ABANDONED, FAILED, IMPORTED, import_runs_table

_RUNS = import_runs_table.c


@dataclass
class ImportRun:
    """The running import's marker row, and what its start found to report."""

    run_id: int
    notes: list[str] = field(default_factory=list)
    closed: bool = False

    def close(self, conn: Connection, now: datetime) -> None:
        """Close the row as imported, inside the import's merge transaction."""
        conn.execute(
            update(import_runs_table)
            .where(_RUNS.id == self.run_id)
            .values(finished_at=now, outcome=IMPORTED)
        )
        self.closed = True


@contextmanager
def import_run(ctx: Ctx, file_name: str) -> Iterator[ImportRun]:
    """Hold the import lock and an open ``import_runs`` row while inside.

    Raises ``ImportRunning`` (nothing done) when another import is running.
    """
    db = ctx.db
    with db.import_lock() as got:
        if not got:
            found = db.open_imports()
            who = found[0].describe() if found else "another import"
            raise ImportRunning(
                f"{file_name}: {who[0].upper()}{who[1:]} is still running. Nothing was "
                "imported; run this import again when that one has finished."
            )
        run = _start(ctx, file_name)
        try:
            yield run
        finally:
            # Closed by the merge if the import committed; anything else did not import.
            if not run.closed:
                _close_failed(ctx, run)


def _start(ctx: Ctx, file_name: str) -> ImportRun:
    host, pid = this_process()
    now = ctx.clock.now()
    stale = ctx.db.open_imports()  # we hold the lock: none of these is running
    notes = [
        f"An earlier import did not finish: {old.describe()}, process {old.pid} on "
        f"{old.host}, ended before it was committed, so none of its rows were kept. "
        "Import that file again if it is still needed."
        for old in reversed(stale)
    ]
    with ctx.db.write_connection() as conn:
        if stale:
            conn.execute(
                update(import_runs_table)
                .where(_RUNS.id.in_([old.run_id for old in stale]), _RUNS.finished_at.is_(None))
                .values(finished_at=now, outcome=ABANDONED)
            )
        run_id = conn.execute(
            insert(import_runs_table)
            .values(
                file_name=file_name[:255],
                started_by=ctx.actor.username,
                host=host[:255],
                pid=pid,
                started_at=now,
            )
            .returning(_RUNS.id)
        ).scalar_one()
    return ImportRun(int(run_id), notes)


def _close_failed(ctx: Ctx, run: ImportRun) -> None:
    """Best effort: a row this fails to close is closed as abandoned by the next import."""
    # Whatever goes wrong here must not hide why the import failed.
    with suppress(Exception), ctx.db.write_connection() as conn:
        conn.execute(
            update(import_runs_table)
            .where(_RUNS.id == run.run_id, _RUNS.finished_at.is_(None))
            .values(finished_at=ctx.clock.now(), outcome=FAILED)
        )
