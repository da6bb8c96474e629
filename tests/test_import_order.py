"""The order of a file's rows does not change what an import stores: a shuffled file and
the same file in time order give the same decisions (the same ids, in the same order),
the same summary and the same month counts. The counts stay exact after an import and for
every other write after it, and a failed import leaves them as they were."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.importing.cad import ImportSummary, import_file
from rcrp_tui.importing.profile import ImportProfile, load_profile
from rcrp_tui.services.ops.count_checks import month_count_differences
from rcrp_tui.storage.db import Database
from tests.test_import_cad import PROFILE, _csv, _ctx

COLUMNS = (
    "cad_ref, received_at, category, phase, caller_type, contact_officer_id, team_id, shift, "
    "grade, outcome, threshold_basis, qualifier_codes, rationale, created_at, updated_at, "
    "row_version"
)


def _profile(tmp_path: Path, source: str) -> ImportProfile:
    path = tmp_path / f"{source}.toml"
    path.write_text(PROFILE.replace("TEST-CAD", source), encoding="utf-8")
    return load_profile(path)


def _rows(n: int) -> list[list[str]]:
    """Calls over three months in time order: plain rows, skipped ones, a rejected one,
    some for the Python path (a lower-case reference, a note to scan) and one per
    responding unit repeated unchanged."""
    rng = random.Random(20)
    start = datetime(2026, 5, 30, 22, 0)
    rows = []
    for i in range(n):
        moment = start + timedelta(minutes=97 * i)
        ref = f"CAD-{i:05d}" if i % 17 else f"cad-{i:05d}"
        rows.append(
            [
                ref,
                moment.strftime("%d/%m/%Y %H:%M"),
                rng.choice(["CFW", "CFW", "MH", "BURG"]),
                rng.choice(["DEP", "amb", "DEP"]),
                rng.choice(["CO-1", ""]),
                rng.choice(["G1", "G2", "G3"]),
                "risk to life" if i % 23 == 0 else "",
                f"{i} High St",
            ]
        )
        if i % 11 == 0:
            rows.append(list(rows[-1]))  # a second unit on the same call
    rows[5][1] = "31/02/2026 10:00"  # no such date: rejected
    return rows


def _stored(db: Database, source: str) -> dict[str, Any]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT {COLUMNS} FROM decisions WHERE source_system = :s ORDER BY id"),
            {"s": source},
        ).all()
    return {"rows": [tuple(r) for r in rows]}


def _months(db: Database) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT category, shift, team_id, not_deployed, partner, month, n "
                "FROM decision_stratum_months WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6"
            )
        ).all()
    return [tuple(m) for m in found]


def _counts(summary: ImportSummary) -> tuple[int, ...]:
    return (
        summary.total_rows,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.rejected,
        summary.skipped,
    )


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "python-path"])
def test_a_shuffled_file_and_the_same_file_in_order_store_the_same(
    any_db: Database, clock: FixedClock, tmp_path: Path, fast: bool
) -> None:
    ctx = _ctx(any_db, clock)
    rows = _rows(300)
    shuffled = list(rows)
    random.Random(7).shuffle(shuffled)
    assert shuffled != rows
    in_order = import_file(
        ctx, _csv(tmp_path / "ordered.csv", rows), _profile(tmp_path, "A"), fast=fast
    )
    months_after_one = _months(any_db)
    out_of_order = import_file(
        ctx, _csv(tmp_path / "shuffled.csv", shuffled), _profile(tmp_path, "B"), fast=fast
    )
    assert _counts(in_order) == _counts(out_of_order)
    assert in_order.inserted > 200 and in_order.unchanged > 0 and in_order.rejected == 1
    # Every column, and the order of the ids: by received time, then reference.
    ordered, shuffled_state = _stored(any_db, "A"), _stored(any_db, "B")
    assert ordered == shuffled_state
    received = [r[1] for r in ordered["rows"]]
    assert received == sorted(received)
    # Two sources of the same decisions: every month count is exactly doubled, and
    # the counts match the decisions (the check `rcrp-tui db check` runs).
    assert months_after_one and _months(any_db) == [(*m[:-1], 2 * m[-1]) for m in months_after_one]
    assert month_count_differences(any_db) == {}


def test_month_counts_stay_exact_for_an_import_and_every_other_write_after_it(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = _ctx(db, clock)
    summary = import_file(ctx, _csv(tmp_path / "c.csv", _rows(120)), _profile(tmp_path, "A"))
    assert summary.inserted > 80
    assert month_count_differences(db) == {}
    # A write by any other path is still counted by the trigger.
    with db.engine.connect() as conn:
        names = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(decisions)")]
    copied = ", ".join(n for n in names if n not in ("id", "cad_ref"))
    with db.write_connection() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO decisions (cad_ref, {copied}) SELECT 'COPY-' || cad_ref, {copied} "
            "FROM decisions"
        )
    assert month_count_differences(db) == {}
    assert sum(m[-1] for m in _months(db)) == 2 * summary.inserted


def test_an_import_that_fails_in_its_write_leaves_the_counts_as_they_were(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = _ctx(db, clock)
    import_file(ctx, _csv(tmp_path / "first.csv", _rows(40)), _profile(tmp_path, "A"))
    before = _months(db)
    # The import's last statement, closing its run marker, fails: after the decisions
    # and their month counts were written in the same transaction.
    with db.write_connection() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER test_refuse_close BEFORE UPDATE ON import_runs "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )
    with pytest.raises(IntegrityError, match="refused by the test"):
        import_file(ctx, _csv(tmp_path / "second.csv", _rows(120)), _profile(tmp_path, "B"))
    assert _stored(db, "B") == {"rows": []}
    assert _months(db) == before
    assert month_count_differences(db) == {}
    with db.write_connection() as conn:
        conn.exec_driver_sql("DROP TRIGGER test_refuse_close")
    # Nothing was left half done: the same file imports in full.
    summary = import_file(ctx, _csv(tmp_path / "second.csv", _rows(120)), _profile(tmp_path, "B"))
    assert summary.inserted > 80
    assert month_count_differences(db) == {}
