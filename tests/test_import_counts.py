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


def test_a_reference_repeated_in_a_later_batch_counts_as_an_update(
    any_db: Database, clock: FixedClock, tmp_path: Path, profile: ImportProfile
) -> None:
    ctx = _ctx(any_db, clock)
    # The same row twice, batches of one: the second is an update, not "unchanged",
    # however the rows fall into batches.
    for size in (1, 100):
        path = _csv(tmp_path / f"calls{size}.csv", [ROWS[1], ROWS[0], ROWS[1]])
        summary = import_file(ctx, path, profile, batch_size=size)
        first = size == 1
        assert (summary.inserted, summary.updated, summary.unchanged) == (
            (2, 1, 0) if first else (0, 1, 2)
        )
    assert _decisions(any_db)["CAD-2"].row_version == 1
