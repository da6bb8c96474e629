"""``rcrp-tui rota``: create, leave, list and export from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcrp_tui.cli.main import main
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core import audit, people
from rcrp_tui.services.core.context import Ctx
from tests.cli_helpers import add_account, as_user


def test_rota_commands(
    admin_ctx: Ctx,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = str(admin_ctx.db.url.database)
    people.add_team(admin_ctx, "Blue", "2d2n4off-12h", 0)
    add_account(admin_ctx, "sup.blue", Role.SUPERVISOR, team="Blue")
    monkeypatch.setenv("RCRP_USER", "sup.blue")
    people.add_user(
        admin_ctx,
        username="fw.one",
        display_name="One",
        role=Role.FLOORWALKER,
        password="long-enough-password",
    )

    def args() -> list[str]:
        """``--database`` and the supervisor's password, fed again for each command."""
        as_user(monkeypatch, "sup.blue")
        return ["--database", database, "--password-stdin"]

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
                *args(),
            ]
        )
        == 0
    )
    assert "Created rota #1 P1: 2026-11-02 to 2026-12-13." in capsys.readouterr().out
    assert main(["rota", "leave", "fw.one", "2026-11-03", "2026-11-04", *args()]) == 0
    assert main(["rota", "leave", "nobody", "2026-11-03", "2026-11-04", *args()]) == 2
    assert "no active floorwalker 'nobody'" in capsys.readouterr().err
    assert main(["rota", "list", *args()]) == 0
    listed = capsys.readouterr()
    assert "coverage   0.0% (0/20)" in listed.out
    assert f"Database: {database}" in listed.err and "holds no decisions" in listed.err
    assert main(["rota", "export", "1", "--folder", str(tmp_path), "--only", "csv", *args()]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "P1.csv")
    assert main(["rota", "export", "1", "--folder", str(tmp_path / "missing"), *args()]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_rota_writes_need_a_supervisor_signed_in(
    admin_ctx: Ctx, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An administrator may not plan a rota; no --user is refused before anything is read."""
    database = ["--database", str(admin_ctx.db.url.database)]
    people.add_team(admin_ctx, "Blue", "2d2n4off-12h", 0)
    add_account(admin_ctx, "ada", Role.ADMINISTRATOR)
    add_account(admin_ctx, "sup.blue", Role.SUPERVISOR, team="Blue")
    create = ["rota", "create", "--name", "P1", "--phase", "1", "--go-live", "2026-11-02",
              "--pattern", "2d2n4off-12h", *database]  # fmt: skip
    monkeypatch.delenv("RCRP_USER", raising=False)
    assert main(create) == 2
    assert "sign in with --user NAME" in capsys.readouterr().err
    assert main([*create, *as_user(monkeypatch, "ada")]) == 2
    assert "An administrator may not plan the floorwalking rota." in capsys.readouterr().err
    # An unknown time-zone name is named, never a traceback (IsADirectoryError for "America").
    for zone in ("America", "Mars/Olympus"):
        assert main([*create, "--time-zone", zone, *as_user(monkeypatch, "sup.blue")]) == 2
        assert f"time_zone: {zone!r} is not a time-zone name" in capsys.readouterr().err
    assert main(["rota", "list", *database, *as_user(monkeypatch, "sup.blue")]) == 0
    assert capsys.readouterr().out == ""
    assert main([*create, *as_user(monkeypatch, "sup.blue")]) == 0
    entries = audit.entries(admin_ctx, entity="rota")
    assert [(e.action, e.actor, e.actor_role) for e in entries] == [
        ("rota_created", "sup.blue", "supervisor")
    ]


def test_rota_leave_over_an_assigned_shift_is_refused_or_overridden(
    admin_ctx: Ctx,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import date

    from rcrp_tui.services.core.context import Actor
    from rcrp_tui.services.rota import planning as rota

    database = str(admin_ctx.db.url.database)
    people.add_team(admin_ctx, "Blue", "2d2n4off-12h", 0)
    add_account(admin_ctx, "sup.blue", Role.SUPERVISOR, team="Blue")
    (sup,) = [u for u in people.list_users(admin_ctx) if u.username == "sup.blue"]
    walker = people.add_user(
        admin_ctx,
        username="fw.one",
        display_name="One",
        role=Role.FLOORWALKER,
        password="long-enough-password",
    )
    sup_ctx = admin_ctx.as_actor(Actor(sup.id, "sup.blue", "Sup", Role.SUPERVISOR))
    info = rota.create_rota(
        sup_ctx, name="P1", phase=1, go_live=date(2026, 11, 2), shift_pattern="2d2n4off-12h"
    )
    slot = rota.rota_view(sup_ctx, info.id).slots[0]
    rota.assign(sup_ctx, info.id, slot.key, walker.id)
    day = slot.key.day.isoformat()

    monkeypatch.setenv("RCRP_USER", "sup.blue")

    def leave(*extra: str) -> int:
        as_user(monkeypatch, "sup.blue")
        argv = ["rota", "leave", "fw.one", day, day, *extra]
        return main([*argv, "--database", database, "--password-stdin"])

    assert leave() == 2
    err = capsys.readouterr().err
    assert "clashes with shifts already assigned" in err and "One is unavailable" in err
    assert "--override-reason" in err
    assert rota.rota_view(sup_ctx, info.id).slot(slot.key).floorwalker_id == walker.id  # type: ignore[union-attr]
    assert leave("--override-reason", "Course moved") == 0
    assert rota.rota_view(sup_ctx, info.id).slot(slot.key).floorwalker_id is None  # type: ignore[union-attr]
    assert rota.rota_view(sup_ctx, info.id).coverage.covered == 0
