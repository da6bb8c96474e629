"""A profile's constant staff id or team must name one that exists: every row carries it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.importing.cad import ImportFailed, import_file
from rcrp_tui.importing.profile import load_profile
from rcrp_tui.services.core import audit
from rcrp_tui.storage.db import Database
from tests.test_import_cad import HEADER, PROFILE, ROWS, _csv, _ctx, _decisions


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [("staff_id", "CO-404", "contact officer"), ("team", "Team Nowhere", "team")],
)
def test_an_unknown_constant_fails_clearly_and_writes_nothing(
    db: Database, clock: FixedClock, tmp_path: Path, field: str, value: str, what: str
) -> None:
    ctx = _ctx(db, clock)
    text = PROFILE.replace('[fields.staff_id]\ncolumn = "Officer"', "")
    text += f'\n[fields.{field}]\nconstant = "{value}"\n'
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    profile = load_profile(tmp_path / "p.toml")
    with pytest.raises(ImportFailed, match=f"{what} '{value}'.*Nothing was imported"):
        import_file(ctx, _csv(tmp_path / "calls.csv", ROWS, HEADER), profile)
    assert _decisions(db) == {}
    assert audit.entries(ctx, entity="import") == []


def test_a_known_constant_officer_is_given_to_every_row(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    ctx = _ctx(db, clock)
    text = PROFILE.replace(
        '[fields.staff_id]\ncolumn = "Officer"', '[fields.staff_id]\nconstant = "CO-1"'
    )
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    summary = import_file(
        ctx, _csv(tmp_path / "calls.csv", ROWS, HEADER), load_profile(tmp_path / "p.toml")
    )
    assert summary.inserted == 2
    assert {d.contact_officer_id for d in _decisions(db).values()} == {1}
