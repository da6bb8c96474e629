"""``rcrp-tui rota``: create, leave, list and export from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcrp_tui.cli import main
from rcrp_tui.domain.enums import Role
from rcrp_tui.services import people
from rcrp_tui.services.context import Ctx


def test_rota_commands(admin_ctx: Ctx, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = str(admin_ctx.db.url.database)
    people.add_team(admin_ctx, "Blue", "2d2n4off-12h", 0)
    people.add_user(
        admin_ctx,
        username="fw.one",
        display_name="One",
        role=Role.FLOORWALKER,
        password="long-enough-password",
    )
    args = ["--database", database]
    assert (
        main(
            [
                "rota",
                "create",
                "--name",
                "P1",
                "--phase",
                "1",
                "--go-live",
                "2026-11-02",
                "--pattern",
                "2d2n4off-12h",
                *args,
            ]
        )
        == 0
    )
    assert "Created rota #1 P1: 2026-11-02 to 2026-12-13." in capsys.readouterr().out
    assert main(["rota", "leave", "fw.one", "2026-11-03", "2026-11-04", *args]) == 0
    assert main(["rota", "leave", "nobody", "2026-11-03", "2026-11-04", *args]) == 2
    assert "no active floorwalker 'nobody'" in capsys.readouterr().err
    assert main(["rota", "list", *args]) == 0
    assert "coverage   0.0% (0/20)" in capsys.readouterr().out
    assert main(["rota", "export", "1", "--folder", str(tmp_path), "--only", "csv", *args]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "P1.csv")
    assert main(["rota", "export", "1", "--folder", str(tmp_path / "missing"), *args]) == 2
    assert "does not exist" in capsys.readouterr().err
