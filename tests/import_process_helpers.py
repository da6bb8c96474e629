"""Files and child-process entry points for the import concurrency tests
(test_import_concurrency.py). The children are started with the "spawn" method, so they
run in fresh interpreters, importing this module by name: real, separate OS processes."""

from __future__ import annotations

import csv
import json
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.import_fastpath_data import FULL, HEADER

#: Every this many rows, one with an impossible date (a reject with its line number).
REJECT_EVERY = 997
LONDON = ZoneInfo("Europe/London")


def write_profile(path: Path, source: str) -> Path:
    path.write_text(FULL.format(source=source, zone="Europe/London"), encoding="utf-8")
    return path


def write_calls(path: Path, rows: int) -> Path:
    """``rows`` calls, all RCRP (concern for welfare), a few of them rejected."""
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        for n in range(rows):
            moment = start + timedelta(minutes=7 * n)
            # Written as London wall-clock time, so no row falls in the hour the clocks
            # skip in spring (that would be a reject of its own).
            received = f"{moment.astimezone(LONDON):%Y-%m-%d %H:%M:%S}"
            if n % REJECT_EVERY == REJECT_EVERY - 1:
                received = "2026-02-30 12:00:00"
            writer.writerow(
                [
                    f"CAD-{n:07d}",
                    received,
                    "CFW",
                    "DEP",
                    "PUB",
                    "",
                    "",
                    "G1",
                    "1",
                    "",
                    "",
                    "1 High St",
                ]
            )
    return path


def expected_rejects(rows: int) -> int:
    return sum(1 for n in range(rows) if n % REJECT_EVERY == REJECT_EVERY - 1)


def _database(url: str) -> Any:
    from rcrp_tui.storage.db import Database

    return Database(url)


def run_import(url: str, csv_path: str, profile_path: str, out_path: str) -> None:
    """Child: import the file as the command line does; write the outcome as JSON."""
    from rcrp_tui.importing.cad import ImportFailed, import_file
    from rcrp_tui.importing.profile import load_profile
    from rcrp_tui.services.core.context import Ctx
    from rcrp_tui.services.core.errors import ServiceError
    from tests.conftest import TEST_ADMIN

    db = _database(url)
    try:
        summary = import_file(Ctx(db, TEST_ADMIN), Path(csv_path), load_profile(Path(profile_path)))
        result: dict[str, Any] = {
            "ok": True,
            "counts": [
                summary.total_rows,
                summary.inserted,
                summary.updated,
                summary.unchanged,
                summary.rejected,
            ],
            "rejects": str(summary.rejects_path) if summary.rejects_path else None,
        }
    except (ImportFailed, ServiceError) as exc:
        result = {"ok": False, "message": str(exc)}
    except BaseException:
        result = {"ok": False, "traceback": traceback.format_exc()}
    Path(out_path).write_text(json.dumps(result), encoding="utf-8")
    db.dispose()


def hold_import(url: str, file_name: str, started: Any, release: Any) -> None:
    """Child: start an import run (lock and marker) and keep it until told to stop."""
    from rcrp_tui.importing.runs import import_run
    from rcrp_tui.services.core.context import Ctx
    from tests.conftest import TEST_ADMIN

    db = _database(url)
    with import_run(Ctx(db, TEST_ADMIN), file_name):
        started.set()
        release.wait(60)
    db.dispose()


def hold_write_lock(url: str, started: Any, release: Any) -> None:
    """Child: hold the database's write lock (an open write transaction) until told."""
    from rcrp_tui.storage.db import Database

    db = Database(url)
    with db.write_connection() as conn:
        conn.exec_driver_sql("SELECT 1 FROM import_runs LIMIT 1").all()
        started.set()
        release.wait(60)
    db.dispose()
