"""``rcrp-tui training``: import, list and share from the command line, as a signed-in person."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcrp_tui.cli.main import main
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core import audit, people
from rcrp_tui.services.core.context import Ctx
from tests.cli_helpers import add_account, as_user


def test_training_commands(
    admin_ctx: Ctx,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = ["--database", str(admin_ctx.db.url.database)]
    people.add_team(admin_ctx, "Blue", "eln-8h", 0)
    people.add_team(admin_ctx, "Red", "eln-8h", 0)
    for staff_id, team in (("B-1", "Blue"), ("B-2", "Blue"), ("R-1", "Red")):
        people.add_contact_officer(admin_ctx, staff_id, team)
    add_account(admin_ctx, "qa.lead", Role.QA_LEAD)
    add_account(admin_ctx, "sup.blue", Role.SUPERVISOR, team="Blue")
    good = tmp_path / "training.csv"
    good.write_text(
        "staff_id,phase,date,course\nB-1,1,2026-10-01,E-learning\nR-1,1,2026-10-02,\n",
        encoding="utf-8",
    )

    imp = ["training", "import", str(good), *database]
    assert main([*imp, *as_user(monkeypatch, "sup.blue")]) == 2
    assert (
        "A supervisor may not record and import contact officers' training."
        in capsys.readouterr().err
    )
    assert main([*imp, *as_user(monkeypatch, "qa.lead")]) == 0
    assert capsys.readouterr().out == (
        "Imported training.csv: 2 rows; 2 added, 0 changed, 0 unchanged.\n"
    )
    assert main([*imp, *as_user(monkeypatch, "qa.lead")]) == 0
    assert "0 added, 0 changed, 2 unchanged." in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_text("staff_id,phase,date\nB-2,1,2026-10-01\nX-9,1,2026-10-01\n", encoding="utf-8")
    assert main(["training", "import", str(bad), *database, *as_user(monkeypatch, "qa.lead")]) == 2
    err = capsys.readouterr().err
    assert "error: bad.csv: nothing was imported; 1 problem to put right first:" in err
    assert "bad.csv, line 3, staff_id: no contact officer X-9" in err

    assert main(["training", "list", "--team", "Blue", "--phase", "1", *database,
                 *as_user(monkeypatch, "sup.blue")]) == 0  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["B-1", "Blue", "phase", "1", "trained", "2026-10-01", "E-learning"]
    assert out[1].split() == [
        "B-2",
        "Blue",
        "phase",
        "1",
        "not",
        "trained",
    ]  # bad.csv wrote nothing
    assert out[2] == "1 of 2 trained (team Blue, phase 1)."

    assert main(["training", "share", *database, *as_user(monkeypatch, "sup.blue")]) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        ["Phase", "1:", "share", "of", "active", "contact", "officers", "trained"],
        ["Blue", "1", "of", "2", "50.0%"],
        ["Red", "1", "of", "1", "100.0%"],
        ["All", "teams", "2", "of", "3", "66.6%"],
    ]
    with pytest.raises(SystemExit) as stopped:
        main(["training", "share", "--phase", "10", *database])
    assert stopped.value.code == 2
    assert "phase '10' is not a phase number from 1 to 9" in capsys.readouterr().err

    entries = audit.entries(admin_ctx, entity="training_records")
    assert [(e.action, e.actor) for e in entries] == [
        ("training_imported", "qa.lead"),
        ("training_imported", "qa.lead"),
    ]
