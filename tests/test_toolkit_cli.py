"""``rcrp-tui toolkit add`` and ``toolkit list``, as a signed-in administrator."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcrp_tui.cli.main import main
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.toolkit import shipped_toolkit_source
from tests.cli_helpers import add_account, as_user


def test_toolkit_add_and_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = str(tmp_path / "cli.db")
    add_account(database, "ada", Role.ADMINISTRATOR)

    def admin() -> list[str]:
        return ["--database", database, *as_user(monkeypatch, "ada")]

    assert main(["toolkit", "list", *admin()]) == 0
    assert "rcrp-national        1.0" in capsys.readouterr().out
    new = tmp_path / "force.toml"
    new.write_text(shipped_toolkit_source().replace('version = "1.0"', 'version = "2.0"'))
    assert main(["toolkit", "add", str(new), *admin()]) == 0
    assert "Added toolkit rcrp-national version 2.0" in capsys.readouterr().out
    assert main(["toolkit", "add", str(new), *admin()]) == 0
    assert "already stored, identical" in capsys.readouterr().out
    new.write_text(new.read_text() + "\n# changed\n")
    assert main(["toolkit", "add", str(new), *admin()]) == 2
    assert "never changes" in capsys.readouterr().err


def test_a_qa_lead_writes_the_standard_but_an_administrator_adds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = str(tmp_path / "cli.db")
    add_account(database, "qa", Role.QA_LEAD)
    new = tmp_path / "force.toml"
    new.write_text(shipped_toolkit_source().replace('version = "1.0"', 'version = "2.0"'))
    assert (
        main(["toolkit", "add", str(new), "--database", database, *as_user(monkeypatch, "qa")]) == 2
    )
    assert "A QA lead may not add toolkits." in capsys.readouterr().err
    assert main(["toolkit", "list", "--database", database, *as_user(monkeypatch, "qa")]) == 0
    assert " 2.0 " not in capsys.readouterr().out


def test_toolkit_add_reports_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = str(tmp_path / "c.db")
    add_account(database, "ada", Role.ADMINISTRATOR)
    bad = tmp_path / "bad.toml"
    bad.write_text('[toolkit]\nid = "x"\nversion = "1"\ntitle = "X"\ncategories = ["nope"]\n')
    assert (
        main(["toolkit", "add", str(bad), "--database", database, *as_user(monkeypatch, "ada")])
        == 2
    )
    err = capsys.readouterr().err
    assert "bad.toml: is not a valid toolkit" in err
    assert "toolkit.categories[0]: unknown category 'nope'" in err
    assert "bands: is required" in err
