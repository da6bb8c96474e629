"""``rcrp-tui users add``, ``list`` and ``passwd``: accounts, managed by an administrator.

The first administrator of a database with no accounts is added without a sign-in:
there is no one to sign in as, and the audit log says so.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from rcrp_tui.cli.auth import SignInRequired, add_sign_in, read_line, sign_in, signed_in
from rcrp_tui.cli.database import open_database
from rcrp_tui.domain.enums import Role


def _read_password(args: argparse.Namespace, username: str) -> str:
    """The new password for ``username``: the next line of standard input with
    ``--password-stdin`` (after the signing-in person's own), else typed twice."""
    from rcrp_tui.services.core.errors import ValidationFailed

    if args.password_stdin:
        return read_line(f"the new password for {username}")
    if not sys.stdin.isatty():
        raise ValidationFailed(
            "password",
            "no terminal to type the new password on; pipe it in with --password-stdin. "
            "Nothing was changed.",
        )
    try:
        first = getpass.getpass(f"New password for {username}: ")
        again = getpass.getpass("Repeat it: ")
    except (EOFError, KeyboardInterrupt):
        raise ValidationFailed("password", "none given; nothing was changed") from None
    if again != first:
        raise ValidationFailed("password", "the two differ; nothing was changed")
    return first


def cmd_users_add(args: argparse.Namespace) -> int:
    """Add an account as a signed-in administrator; the first administrator of a database
    with no accounts is added without a sign-in (there is no one to sign in as)."""
    from rcrp_tui.services.core import auth, people
    from rcrp_tui.services.core.context import FIRST_ADMINISTRATOR_SETUP, Ctx

    role = Role(Role.parse(args.role))
    db = open_database(args.database)
    first = not auth.has_accounts(db)
    if first and role is not Role.ADMINISTRATOR:
        raise SignInRequired(
            "this database has no accounts yet: the first must be an administrator "
            "(--role administrator), who is added without signing in. Nothing was changed."
        )
    ctx = Ctx(db, FIRST_ADMINISTRATOR_SETUP) if first else sign_in(args, db)
    people.add_user(
        ctx,
        username=args.username,
        display_name=args.name,
        role=role,
        password=_read_password(args, args.username),
        team=args.team,
        staff_id=args.staff_id,
    )
    if first:
        print(
            f"Added {args.username} ({role.label}), the first administrator: no one signed in "
            "to add them, and the audit log says so. Every later command needs --user."
        )
    else:
        print(f"Added {args.username} ({role.label}).")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from rcrp_tui.services.core import people

    for u in people.list_users(signed_in(args)):
        flags = "" if u.active else " (inactive)"
        print(
            f"{u.username:<20} {u.role.label:<16} {u.display_name:<28} {u.team or '-':<10}{flags}"
        )
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    from rcrp_tui.services.core import people

    ctx = signed_in(args)
    people.set_password(ctx, args.username, _read_password(args, args.username))
    print(f"Password changed for {args.username}; any lock-out is cleared.")
    return 0


_NEW_PASSWORD_STDIN = (
    "read passwords from standard input: your own on the first line, then the new one "
    "(only the new one when adding the first administrator)"
)


def add_users_parser(sub: Any, add_database: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``users`` and its actions on the main parser's sub-parsers."""
    users = sub.add_parser("users", help="manage user accounts")
    users_sub = users.add_subparsers(title="users commands", metavar="ACTION", required=True)
    add = users_sub.add_parser(
        "add",
        help="add a user (prompts for the password); the first administrator of a database "
        "with no accounts is added without --user",
    )
    add.add_argument("username")
    add.add_argument("--role", required=True, help="one of: " + ", ".join(r.value for r in Role))
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--team", help="team name (supervisors, floorwalkers)")
    add.add_argument("--staff-id", help="staff id (contact officers)")
    add_sign_in(add, stdin_help=_NEW_PASSWORD_STDIN)
    add_database(add)
    add.set_defaults(func=cmd_users_add)
    ls = users_sub.add_parser("list", help="list users")
    add_database(ls)
    add_sign_in(ls)
    ls.set_defaults(func=cmd_users_list)
    pw = users_sub.add_parser("passwd", help="set a user's password and clear a lock-out")
    pw.add_argument("username")
    add_sign_in(pw, stdin_help=_NEW_PASSWORD_STDIN)
    add_database(pw)
    pw.set_defaults(func=cmd_users_passwd)
