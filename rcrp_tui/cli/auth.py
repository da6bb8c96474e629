"""Who is running a command: every command that reads or changes records signs a person in.

``--user NAME`` (or ``$RCRP_USER``) names the account; the password is asked for on the
terminal, or read from the first line of standard input with ``--password-stdin``. The
sign-in goes through the same service as the app's sign-in screen (the same refusal, the
same lock-out after five wrong passwords, the same audit rows), and the command then acts
as that person with their role: the services check the role and audit every change under
their name exactly as they do in the app.

Two things run without a sign-in: building the demo (its audit rows say the demo builder
made them) and adding the first administrator of a database that has no accounts.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING

from rcrp_tui.services.core.errors import ServiceError

if TYPE_CHECKING:
    from rcrp_tui.services.core.context import Ctx
    from rcrp_tui.storage.db import Database

USER_ENV = "RCRP_USER"


class SignInRequired(ServiceError):
    """A command that needs a signed-in person was run without one (exit code 2)."""


def add_sign_in(parser: argparse.ArgumentParser, *, stdin_help: str | None = None) -> None:
    """``--user`` and ``--password-stdin`` for a command that acts as a person."""
    group = parser.add_argument_group(
        "signing in",
        "the command acts as this person, with their role, and is audited under their name",
    )
    group.add_argument(
        "--user",
        metavar="NAME",
        help=f"your username (default: ${USER_ENV}); the password is asked for",
    )
    group.add_argument(
        "--password-stdin",
        action="store_true",
        help=stdin_help or "read your password from the first line of standard input instead",
    )


def read_line(what: str) -> str:
    """One line of standard input (``--password-stdin``), or a clear refusal at its end."""
    line = sys.stdin.readline()
    if not line:
        raise SignInRequired(f"--password-stdin: standard input ended before {what}")
    return line.rstrip("\r\n")


def _username(args: argparse.Namespace) -> str:
    username = (getattr(args, "user", None) or os.environ.get(USER_ENV) or "").strip()
    if not username:
        raise SignInRequired(
            "this command acts as a person: sign in with --user NAME (or set "
            f"{USER_ENV}); your password is asked for, or read with --password-stdin. "
            "Nothing was changed."
        )
    return username


def _password(args: argparse.Namespace, username: str) -> str:
    if getattr(args, "password_stdin", False):
        return read_line(f"the password for {username}")
    if not sys.stdin.isatty():
        raise SignInRequired(
            f"no terminal to type the password for {username} on; pipe it in with "
            "--password-stdin. Nothing was changed."
        )
    try:
        return getpass.getpass(f"Password for {username}: ")
    except (EOFError, KeyboardInterrupt):
        raise SignInRequired("no password given; nothing was changed") from None


def sign_in(args: argparse.Namespace, db: Database) -> Ctx:
    """Sign in the person the arguments name; refuse (``ServiceError``) if that fails.

    A wrong password counts towards the account's lock-out, as in the app.
    """
    from rcrp_tui.domain.clock import SystemClock
    from rcrp_tui.services.core import auth
    from rcrp_tui.services.core.context import Ctx

    username = _username(args)
    password = _password(args, username)
    clock = SystemClock()
    return Ctx(db, auth.sign_in(db, clock, username, password), clock)


def signed_in(args: argparse.Namespace) -> Ctx:
    """Open the database the arguments name and sign the person in."""
    from rcrp_tui.cli.database import open_database

    _username(args)  # refused before the database is even opened
    return sign_in(args, open_database(args.database))
