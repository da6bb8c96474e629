"""How an import counts rows: inserted, updated and unchanged, whatever the batches."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.importing.cad import import_file
from rcrp_tui.importing.profile import ImportProfile, load_profile
from rcrp_tui.storage.db import Database
from tests.test_import_cad import PROFILE, ROWS, _csv, _ctx, _decisions


@pytest.fixture
def profile(tmp_path: Path) -> ImportProfile:
    path = tmp_path / "test-force.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return load_profile(path)


def test_an_identical_repeated_row_counts_as_unchanged_in_any_batch(
    any_db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(any_db, clock)
    # The same row twice (one row per responding unit), batches of one or of many: the
    # second changes nothing, so it is unchanged, not an update; on a re-import of the
    # same file every row is unchanged.
    for size in (1, 100):
        path = _csv(tmp_path / f"calls{size}.csv", [ROWS[1], ROWS[0], ROWS[1]])
        summary = import_file(ctx, path, profile, batch_size=size)
        first = size == 1
        assert (summary.inserted, summary.updated, summary.unchanged) == (
            (2, 0, 1) if first else (0, 0, 3)
        )
        assert summary.audit_record()["updated"] == 0
    assert _decisions(any_db)["CAD-2"].row_version == 1


def test_a_repeated_row_that_differs_counts_as_an_update(
    any_db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(any_db, clock)
    changed = [*ROWS[1][:5], "G3", *ROWS[1][6:]]
    path = _csv(tmp_path / "calls.csv", [ROWS[1], ROWS[0], changed, changed])
    summary = import_file(ctx, path, profile)
    # CAD-2: inserted, then changed (updated), then repeated as it now is (unchanged).
    assert (summary.inserted, summary.updated, summary.unchanged) == (2, 1, 1)
