"""``--database`` and ``--idle-minutes`` count wherever they are given: before the command
or after it. A sub-command's own default once overwrote the value given before it, so
``rcrp-tui --database X calibration results 3`` opened the default database instead."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from rcrp_tui.cli.main import build_parser, main

COMMANDS = [
    ["calibration", "results", "3"],
    ["calibration", "list"],
    ["report", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "md"],
    ["audit"],
    ["import", "file.csv", "--profile", "p.toml"],
    ["db", "upgrade"],
    ["serve"],
    ["demo"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_database_before_or_after_the_command_is_the_one_used(command: list[str]) -> None:
    parser = build_parser()
    before = parser.parse_args(["--database", "/tmp/before.db", *command])
    assert before.database == "/tmp/before.db"
    after = parser.parse_args([*command, "--database", "/tmp/after.db"])
    assert after.database == "/tmp/after.db"
    neither = parser.parse_args(command)
    assert neither.database is None


def test_idle_minutes_before_demo_is_kept() -> None:
    parser = build_parser()
    assert parser.parse_args(["--idle-minutes", "5", "demo"]).idle_minutes == 5
    assert parser.parse_args(["demo", "--idle-minutes", "7"]).idle_minutes == 7
    assert parser.parse_args(["demo"]).idle_minutes is None
    assert parser.parse_args([]).idle_minutes is None


def test_a_command_signs_in_on_the_database_named_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: the first account made with --database before the command is found by
    a later command given --database before it too (not looked for in the default)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("RCRP_DATABASE_URL", raising=False)
    path = str(tmp_path / "named.db")
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-password\n"))
    add = ["--database", path, "users", "add", "ada", "--role", "administrator", "--name", "Ada"]
    assert main([*add, "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-password\n"))
    assert main(["--database", path, "users", "list", "--user", "ada", "--password-stdin"]) == 0
    assert not (tmp_path / "elsewhere").exists()
