"""The command line: every command has --help, users can be managed, the schema upgraded."""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import col, select

from rcrp_tui.cli.main import build_parser, main
from rcrp_tui.domain.clock import SystemClock
from rcrp_tui.services.core import auth
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database, url_from_argument
from rcrp_tui.storage.models import AuditEntry


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


ADMIN_PW = "admin-password-1"


def _first_admin(monkeypatch: pytest.MonkeyPatch, path: str, name: str = "ada") -> None:
    _stdin(monkeypatch, f"{ADMIN_PW}\n")
    add = ["users", "add", name, "--role", "administrator", "--name", "Ada"]
    assert main([*add, "--password-stdin", "--database", path]) == 0


def _audit_rows(path: str) -> list[tuple[str, str, str]]:
    db = Database(url_from_argument(path))
    with db.read() as session:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    return [(r.actor, r.actor_role, r.action) for r in rows]


def test_users_add_list_and_passwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "cli.db")
    monkeypatch.delenv("RCRP_USER", raising=False)
    _first_admin(monkeypatch, path)
    assert "the first administrator: no one signed in" in capsys.readouterr().out
    # From now on, an administrator signs in: their password first, then the new one.
    _stdin(monkeypatch, f"{ADMIN_PW}\nfirst-password-1\n")
    add = ["users", "add", "qa1", "--role", "qa_lead", "--name", "QA One", "--database", path]
    assert main([*add, "--user", "ada", "--password-stdin"]) == 0
    _stdin(monkeypatch, f"{ADMIN_PW}\n")
    assert main(["users", "list", "--database", path, "--user", "ada", "--password-stdin"]) == 0
    listing = capsys.readouterr().out
    assert "qa1" in listing and "QA lead" in listing
    _stdin(monkeypatch, f"{ADMIN_PW}\nsecond-password-2\n")
    passwd = ["users", "passwd", "qa1", "--database", path]
    assert main([*passwd, "--user", "ada", "--password-stdin"]) == 0
    db = Database(url_from_argument(path))
    assert auth.sign_in(db, SystemClock(), "qa1", "second-password-2").username == "qa1"
    assert _audit_rows(path) == [
        ("first-administrator-setup", "administrator", "user_added"),
        ("ada", "administrator", "signed_in"),
        ("ada", "administrator", "user_added"),
        ("ada", "administrator", "signed_in"),
        ("ada", "administrator", "signed_in"),
        ("ada", "administrator", "password_changed"),
        ("qa1", "qa_lead", "signed_in"),
    ]


def test_the_first_account_must_be_an_administrator_and_only_the_first_skips_sign_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "cli.db")
    monkeypatch.delenv("RCRP_USER", raising=False)
    _stdin(monkeypatch, "long-enough-pw\n")
    add = ["users", "add", "fw", "--role", "floorwalker", "--name", "F", "--password-stdin"]
    assert main([*add, "--database", path]) == 2
    assert "the first must be an administrator" in capsys.readouterr().err
    _first_admin(monkeypatch, path)
    capsys.readouterr()
    # A second administrator without a sign-in is refused, and nothing is written.
    before = _audit_rows(path)
    _stdin(monkeypatch, "long-enough-pw\n")
    add = ["users", "add", "eve", "--role", "administrator", "--name", "E", "--password-stdin"]
    assert main([*add, "--database", path]) == 2
    assert "sign in with --user NAME" in capsys.readouterr().err
    assert _audit_rows(path) == before


def test_bad_input_is_a_clear_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "cli.db")
    _stdin(monkeypatch, "short\n")
    add = ["users", "add", "ada", "--role", "administrator", "--name", "A", "--password-stdin"]
    assert main([*add, "--database", path]) == 2
    assert "password: must be at least 10 characters" in capsys.readouterr().err
    _first_admin(monkeypatch, path)
    _stdin(monkeypatch, f"{ADMIN_PW}\nlong-enough-pw\n")
    add = ["users", "add", "x1", "--role", "sheriff", "--name", "X", "--password-stdin"]
    assert main([*add, "--user", "ada", "--database", path]) == 2
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
    _first_admin(monkeypatch, path)
    _stdin(monkeypatch, f"{ADMIN_PW}\nfirst-password-1\n")
    main(["users", "add", "sup1", "--role", "supervisor", "--name", "S",
          "--password-stdin", "--user", "ada", "--database", path])  # fmt: skip
    capsys.readouterr()
    _stdin(monkeypatch, f"{ADMIN_PW}\n")
    assert main(["audit", "--entity", "user", "--database", path, "--user", "ada",
                 "--password-stdin"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "first-administrator-setup (administrator) user_added user:1" in out
    assert "ada (administrator) user_added user:2" in out
    assert "password_hash" not in out


def test_a_password_prompt_without_a_terminal_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "cli.db")
    _stdin(monkeypatch, "")
    add = ["users", "add", "ada", "--role", "administrator", "--name", "A", "--database", path]
    assert main(add) == 2
    assert "no terminal to type the new password on; pipe it in with --password-stdin" in (
        capsys.readouterr().err
    )
    _first_admin(monkeypatch, path)
    _stdin(monkeypatch, "")
    assert main(["users", "list", "--user", "ada", "--database", path]) == 2
    assert "no terminal to type the password for ada on" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_password_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """getpass (never echoed) is used only when standard input is a terminal."""
    path = str(tmp_path / "cli.db")
    _first_admin(monkeypatch, path)
    prompts: list[str] = []

    def typed(prompt: str) -> str:
        prompts.append(prompt)
        return ADMIN_PW

    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    monkeypatch.setattr("getpass.getpass", typed)
    monkeypatch.setenv("RCRP_USER", "ada")
    assert main(["users", "list", "--database", path]) == 0
    assert prompts == ["Password for ada: "]
    assert "ada" in capsys.readouterr().out


def _db_with_people(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = str(tmp_path / "cli.db")
    _first_admin(monkeypatch, path)
    return path


def _every_database_command(folder: Path) -> dict[str, list[str]]:
    """One valid-looking invocation of each command that reads or changes records."""
    toml, csv = str(folder / "t.toml"), str(folder / "c.csv")
    return {
        "import": ["import", csv, "--profile", "san-diego"],
        "audit": ["audit"],
        "users add": ["users", "add", "bob", "--role", "floorwalker", "--name", "B"],
        "users list": ["users", "list"],
        "users passwd": ["users", "passwd", "ada"],
        "toolkit add": ["toolkit", "add", toml],
        "toolkit list": ["toolkit", "list"],
        "rota create": [
            "rota",
            "create",
            "--name",
            "R",
            "--phase",
            "1",
            "--go-live",
            "2026-11-02",
            "--pattern",
            "eln-8h",
        ],
        "rota list": ["rota", "list"],
        "rota leave": ["rota", "leave", "ada", "2026-11-02", "2026-11-03"],
        "rota export": ["rota", "export", "1", "--folder", str(folder)],
        "sample plans": ["sample", "plans"],
        "sample draw": ["sample", "draw", "--plan", "P"],
        "sample list": ["sample", "list"],
        "sample progress": ["sample", "progress", "1"],
        "sample results": ["sample", "results", "1", "--csv", str(folder / "s.csv")],
        "report": [
            "report",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-09",
            "--format",
            "md",
            "--output",
            str(folder / "r.md"),
        ],
    }


@pytest.mark.parametrize("command", sorted(_every_database_command(Path("/x"))))
def test_every_database_command_refuses_without_a_signed_in_person(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit code 2, a message saying what to do, no traceback, nothing written."""
    path = _db_with_people(tmp_path, monkeypatch)
    monkeypatch.delenv("RCRP_USER", raising=False)
    before = _audit_rows(path)
    files = set(tmp_path.iterdir())
    _stdin(monkeypatch, "long-enough-pw\n")
    argv = _every_database_command(tmp_path)[command]
    assert main([*argv, "--password-stdin", "--database", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert "sign in with --user NAME (or set RCRP_USER)" in err
    assert _audit_rows(path) == before
    assert set(tmp_path.iterdir()) == files


@pytest.mark.parametrize("command", sorted(_every_database_command(Path("/x"))))
def test_a_wrong_password_is_refused_and_counts_towards_the_lock_out(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _db_with_people(tmp_path, monkeypatch)
    _stdin(monkeypatch, "not-the-password\n")
    argv = _every_database_command(tmp_path)[command]
    assert main([*argv, "--user", "ada", "--password-stdin", "--database", path]) == 2
    assert auth.REFUSED in capsys.readouterr().err
    assert _audit_rows(path)[-1] == ("ada", "administrator", "sign_in_failed")


def test_five_wrong_passwords_lock_the_account_on_the_command_line_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _db_with_people(tmp_path, monkeypatch)
    for attempt in range(auth.MAX_FAILED_SIGN_INS):
        _stdin(monkeypatch, f"wrong-{attempt}\n")
        assert main(["users", "list", "--user", "ada", "--password-stdin", "--database", path]) == 2
    _stdin(monkeypatch, f"{ADMIN_PW}\n")
    assert main(["users", "list", "--user", "ada", "--password-stdin", "--database", path]) == 2
    assert _audit_rows(path)[-2:] == [
        ("ada", "administrator", "account_locked"),
        ("ada", "administrator", "sign_in_refused_locked"),
    ]


def test_only_the_demo_and_the_db_commands_open_a_database_without_a_user() -> None:
    """Every command with --database also has --user, except these."""
    parser = build_parser()
    without: list[str] = []
    for command in _subcommands(parser)[1:]:
        sub = parser
        for name in command:
            (action,) = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
            sub = action.choices[name]
        options = {o for a in sub._actions for o in a.option_strings}
        if "--database" in options and "--user" not in options:
            without.append(" ".join(command))
    # The demo builds its own records; the db commands change the schema or database roles,
    # and audit verify checks hashes (db grant and audit verify where they exist): none of
    # them shows anyone's records, and a sign-in would add a row to the chain being checked.
    # db check reports counts, row ids and hashes only, as audit verify does. serve shows
    # nothing itself: each browser session signs in on the app's own sign-in screen.
    exempt = {"demo", "db upgrade", "db grant", "db check", "audit verify", "serve"}
    assert {"demo", "db upgrade"} <= set(without) <= exempt


def test_a_database_path_the_system_refuses_is_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file, not a folder")
    assert main(["db", "upgrade", "--database", str(not_a_folder / "rcrp.db")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Not a directory") and str(not_a_folder) in err


# Every option that takes a day, with the rest of its command line valid: the option is
# named (by argparse), the impossible day is named (by domain.kpis.parse_day).
DAY_OPTIONS = {
    "demo --today": ("demo --no-open --today {day}", "--today"),
    "report --from": ("report --from {day} --to 2026-03-01 --format md", "--from"),
    "report --to": ("report --from 2026-01-01 --to {day} --format md", "--to"),
    "report --baseline-from": (
        "report --from 2026-03-01 --to 2026-04-01 --format md "
        "--baseline-from {day} --baseline-to 2026-03-01",
        "--baseline-from",
    ),
    "report --baseline-to": (
        "report --from 2026-03-01 --to 2026-04-01 --format md "
        "--baseline-from 2026-01-01 --baseline-to {day}",
        "--baseline-to",
    ),
    "readiness --set-baseline FIRST": (
        "readiness --phase 1 --set-baseline {day} 2026-03-01",
        "--set-baseline",
    ),
    "readiness --set-baseline END": (
        "readiness --phase 1 --set-baseline 2026-01-01 {day}",
        "--set-baseline",
    ),
    "rota create --go-live": (
        "rota create --name R --phase 1 --pattern eln-8h --go-live {day}",
        "--go-live",
    ),
    "rota leave FIRST_DAY": ("rota leave walker1 {day} 2026-03-02", "FIRST_DAY"),
    "rota leave LAST_DAY": ("rota leave walker1 2026-02-01 {day}", "LAST_DAY"),
}


@pytest.mark.parametrize("option", DAY_OPTIONS)
def test_every_day_option_names_a_day_that_does_not_exist(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, name = DAY_OPTIONS[option]
    with pytest.raises(SystemExit) as done:
        main([a.replace("{day}", "2026-02-31") for a in argv.split()])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert (
        f"argument {name}: there is no day 31 in February 2026; type a date like 2026-10-01" in err
    ), err


@pytest.mark.parametrize("option", DAY_OPTIONS)
def test_every_day_option_quotes_only_the_start_of_a_long_paste(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, name = DAY_OPTIONS[option]
    paste = "2026-" + "x" * 2000
    with pytest.raises(SystemExit):
        main([a.replace("{day}", paste) for a in argv.split()])
    err = capsys.readouterr().err
    assert f"argument {name}: '2026-xxx" in err and "(2,005 characters)" in err, err
    assert paste[:100] not in err


# A 2,000-character path (one name far longer than the system allows) given to each
# command that takes a path: the error quotes its start and says how long it was.
LONG_NAME = "y" * 2000
PATH_COMMANDS = {
    "import FILE": "import {tmp}/{long}.csv --profile san-diego",
    "import --profile": "import {tmp}/calls.csv --profile {tmp}/{long}.toml",
    "import, no such folder": "import {tmp}/missing/{long}.csv --profile san-diego",
    "report --output": "report --from 2026-01-01 --to 2026-02-01 --format md --output {tmp}/{long}",
    "report --output, no such folder": (
        "report --from 2026-01-01 --to 2026-02-01 --format md --output {tmp}/no/{long}/r.md"
    ),
    "readiness --output": "readiness --phase 1 --output {tmp}/{long}.md",
    "db backup": "db backup {tmp}/{long}.db",
    "db restore": "db restore {tmp}/{long}.db",
    "toolkit add": "toolkit add {tmp}/{long}.toml",
    "retention plan --rules": "retention plan --rules {tmp}/{long}.toml",
    "subject-access --output": "subject-access CO1 --output {tmp}/{long}.md",
    "rota export --folder": "rota export 1 --folder {tmp}/{long}",
}


@pytest.mark.parametrize("command", PATH_COMMANDS)
def test_a_long_path_is_not_repeated_in_full_in_an_error(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rcrp_tui.domain.enums import Role
    from tests.cli_helpers import add_account, as_user

    database = tmp_path / "cli.db"
    add_account(database, "ada", Role.ADMINISTRATOR)
    (tmp_path / "calls.csv").write_text("Ref,Received\n")
    argv = PATH_COMMANDS[command].format(tmp=tmp_path, long=LONG_NAME).split()
    code = main([*argv, "--database", str(database), *as_user(monkeypatch, "ada")])
    err = capsys.readouterr().err
    assert code == 2, err
    (line,) = [x for x in err.splitlines() if x.startswith("error: ")]
    assert re.search(r"'… \(2,\d{3} characters\)", line), line
    assert LONG_NAME[:100] not in err and len(line) < 250, line


def test_argparse_quotes_only_the_start_of_a_long_paste(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["report", "--from", "2026-01-01", "--to", "2026-02-01", "--format", LONG_NAME])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'yyyy" in err and "(2,000 characters) (choose from" in err, err
    assert LONG_NAME[:100] not in err


def test_a_real_path_in_an_error_is_shown_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    from rcrp_tui.cli.output import LONG_INPUT, shortened

    path = "/srv/qa/" + "exports/" * 18 + "board.md"  # a deep folder, but a real one
    assert len(path) <= LONG_INPUT
    assert shortened(f"no such folder: {path}") == f"no such folder: {path}"
    pasted = path + "x" * (LONG_INPUT - len(path) + 1)
    assert shortened(f"no such folder: {pasted}") == (
        f"no such folder: {pasted[:40]!r}… ({LONG_INPUT + 1} characters)"
    )
