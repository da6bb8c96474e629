"""``rcrp-tui db``: ``upgrade`` and ``grant`` here; ``backup``, ``restore`` and ``check``
in ``cli.ops``.

``db upgrade`` and ``db grant`` run without a sign-in: they are run by whoever owns the
database, before there may be any account to sign in as.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rcrp_tui.cli.database import database_url_from, default_url, revisions_text
from rcrp_tui.cli.ops import add_ops_parser
from rcrp_tui.cli.output import say_error

if TYPE_CHECKING:
    from rcrp_tui.storage.db import Database


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from rcrp_tui.storage import schema
    from rcrp_tui.storage.db import Database

    db = Database(database_url_from(args.database) if args.database else default_url())
    before = revisions_text(schema.current_revisions(db))
    schema.upgrade(db)
    after = revisions_text(schema.current_revisions(db))
    if after == before:
        print(f"{db.display_name}: schema already up to date ({after})")
    else:
        print(f"{db.display_name}: schema upgraded from {before} to {after}")
    if args.app_role:
        return _grant(db, args.app_role)
    return 0


def cmd_db_grant(args: argparse.Namespace) -> int:
    from rcrp_tui.storage.db import Database

    db = Database(database_url_from(args.database) if args.database else default_url())
    return _grant(db, args.role)


def _grant(db: Database, role: str) -> int:
    """Give the application's PostgreSQL role exactly what it needs (see storage.roles)."""
    from rcrp_tui.storage.roles import RoleError, grant_app_role

    try:
        created, statements = grant_app_role(db, role)
    except RoleError as exc:
        say_error(str(exc))
        return 2
    if created:
        print(f"Created role {role} (LOGIN, no password yet: set one with ALTER ROLE).")
    print(
        f"{role} may read and write the ordinary tables, only read and add audit rows, "
        f"and owns nothing ({len(statements)} statements)."
    )
    return 0


def add_db_parser(sub: Any, add_database: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``db`` and its actions on the main parser's sub-parsers."""
    db = sub.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(title="db commands", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="bring the schema up to date (Alembic)")
    add_database(up)
    up.add_argument(
        "--app-role",
        metavar="NAME",
        help="PostgreSQL: then grant this role what the app needs, and no more (as db grant)",
    )
    up.set_defaults(func=cmd_db_upgrade)
    grant = db_sub.add_parser(
        "grant",
        help="PostgreSQL: create (if need be) the application's role and grant it what the "
        "app needs: no UPDATE, DELETE or TRUNCATE on the audit log, no ownership",
    )
    grant.add_argument("role", metavar="NAME", help="the role the app will connect as")
    add_database(grant)
    grant.set_defaults(func=cmd_db_grant)
    add_ops_parser(db_sub, add_database)
