"""The command line: every command has --help, users can be managed, the schema upgraded."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from rcrp_tui.cli import build_parser, main
from rcrp_tui.domain.clock import SystemClock
from rcrp_tui.services import auth
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database, url_from_argument


def _subcommands(parser: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    import argparse

    found: list[tuple[str, ...]] = [prefix]
    assert isinstance(parser, argparse.ArgumentParser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.extend(_subcommands(sub, (*prefix, name)))
    return found


@pytest.mark.parametrize("command", _subcommands(build_parser()), ids=" ".join)
def test_every_command_has_help(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    assert "usage: rcrp-tui" in capsys.readouterr().out


def test_python_dash_m_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "rcrp_tui", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("rcrp-tui ")


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_users_add_list_and_passwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "cli.db")
    _stdin(monkeypatch, "first-password-1\n")
    assert (
        main(
            [
                "users",
                "add",
                "qa1",
                "--role",
                "qa_lead",
                "--name",
                "QA One",
                "--password-stdin",
                "--database",
                path,
            ]
        )
        == 0
    )
    assert main(["users", "list", "--database", path]) == 0
    listing = capsys.readouterr().out
    assert "qa1" in listing and "QA lead" in listing
    _stdin(monkeypatch, "second-password-2\n")
    assert main(["users", "passwd", "qa1", "--password-stdin", "--database", path]) == 0
    db = Database(url_from_argument(path))
    assert auth.sign_in(db, SystemClock(), "qa1", "second-password-2").username == "qa1"


def test_bad_input_is_a_clear_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "cli.db")
    _stdin(monkeypatch, "short\n")
    assert (
        main(
            [
                "users",
                "add",
                "x1",
                "--role",
                "floorwalker",
                "--name",
                "X",
                "--password-stdin",
                "--database",
                path,
            ]
        )
        == 2
    )
    assert "password: must be at least 10 characters" in capsys.readouterr().err
    _stdin(monkeypatch, "long-enough-pw\n")
    assert (
        main(
            [
                "users",
                "add",
                "x1",
                "--role",
                "sheriff",
                "--name",
                "X",
                "--password-stdin",
                "--database",
                path,
            ]
        )
        == 2
    )
    assert "'sheriff' is not a known Role" in capsys.readouterr().err


def test_db_upgrade_creates_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "fresh.db")
    assert main(["db", "upgrade", "--database", path]) == 0
    heads = ", ".join(sorted(schema.head_revisions()))
    assert f"schema upgraded from empty to {heads}" in capsys.readouterr().out
    assert schema.is_current(Database(url_from_argument(path)))
    assert main(["db", "upgrade", "--database", path]) == 0
    assert f"schema already up to date ({heads})" in capsys.readouterr().out


def test_audit_log_can_be_read_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "cli.db")
    _stdin(monkeypatch, "first-password-1\n")
    main(["users", "add", "sup1", "--role", "supervisor", "--name", "S",
          "--password-stdin", "--database", path])  # fmt: skip
    capsys.readouterr()
    assert main(["audit", "--entity", "user", "--database", path]) == 0
    out = capsys.readouterr().out
    assert "command-line (administrator) user_added user:1" in out
    assert "password_hash" not in out


def test_a_password_prompt_without_a_terminal_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, "")
    with pytest.raises(SystemExit, match="--password-stdin"):
        main(["users", "add", "x2", "--role", "floorwalker", "--name", "X",
              "--database", str(tmp_path / "cli.db")])  # fmt: skip
