"""The ``rcrp-tui`` command line. Every sub-command has ``--help``.

Which database a command opens, and opening it, is ``cli.database``.

Every command that reads or changes records is run by a signed-in person (``--user``,
see ``cli.auth``), with that person's role, and audited under their name.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rcrp_tui import __version__
from rcrp_tui.cli.auth import SignInRequired, add_sign_in, read_line, sign_in, signed_in
from rcrp_tui.cli.calibration import add_calibration_parser
from rcrp_tui.cli.database import (
    database_url_from,
    default_url,
    demo_database_url,
    open_database,
    revisions_text,
)
from rcrp_tui.cli.keys import add_keys_parser
from rcrp_tui.cli.ops import add_ops_parser, add_retention_parser
from rcrp_tui.cli.output import say_database, visible_output
from rcrp_tui.cli.privacy import add_privacy_parser
from rcrp_tui.cli.readiness import add_readiness_parser
from rcrp_tui.cli.report import add_report_parser
from rcrp_tui.cli.rota import add_rota_parser
from rcrp_tui.cli.sampling import add_sample_parser
from rcrp_tui.cli.serve import add_serve_parser
from rcrp_tui.cli.training import add_training_parser
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core.errors import ServiceError

# The database stack (SQLAlchemy, SQLModel, Alembic) is imported inside the commands, so
# plain `rcrp-tui` paints its sign-in screen first and opens the database behind it.
if TYPE_CHECKING:
    from rcrp_tui.storage.db import Database


def _add_database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="PATH_OR_URL",
        help="SQLite file path or SQLAlchemy URL (default: $RCRP_DATABASE_URL, else the "
        "user-data directory)",
    )


def idle_minutes_argument(text: str) -> int:
    """``--idle-minutes``: a whole number of minutes, 0 (never) up to a day."""
    from rcrp_tui.settings import MAX_IDLE_MINUTES, valid_idle_minutes

    try:
        minutes = int(text)
    except ValueError:
        minutes = -1
    if not valid_idle_minutes(minutes):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of minutes from 0 (never) to {MAX_IDLE_MINUTES}"
        )
    return minutes


def _add_idle_minutes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--idle-minutes",
        type=idle_minutes_argument,
        default=None,
        metavar="N",
        help="sign out after N minutes without a key press (0: never; default: the "
        "settings file's idle_minutes, else never)",
    )


def _run_app(db: Database | Callable[[], Database], idle_minutes: int | None) -> int:
    from rcrp_tui.ui.shell.app import run_app

    return run_app(db, idle_minutes=idle_minutes)


def cmd_open(args: argparse.Namespace) -> int:
    return _run_app(partial(open_database, args.database), args.idle_minutes)


def cmd_demo(args: argparse.Namespace) -> int:
    from rcrp_tui.domain.clock import SystemClock
    from rcrp_tui.domain.shift_patterns import DEFAULT_TZ
    from rcrp_tui.sample_data.demo import LiveWindow, build_demo, live_window

    db = open_database(args.database, default=demo_database_url)
    if args.rebuild:
        db = _emptied_demo(db, args.database)
    live: LiveWindow | None
    if args.fixed_window:
        live = None
    elif args.today is not None:
        live = live_window(args.today)
    else:
        now = SystemClock().now()
        live = live_window(now.astimezone(DEFAULT_TZ).date(), now)
    built = build_demo(db, decisions=args.decisions, seed=args.seed, progress=print, live=live)
    if not built:
        print(f"Using the existing demo database at {db.display_name}")
    if args.no_open:
        return 0
    return _run_app(db, args.idle_minutes)


def _demo_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-03") from None


def _emptied_demo(db: Database, argument: str | None) -> Database:
    """For ``demo --rebuild``: delete the demo's SQLite file and open a new, empty one.

    Refuses (ValueError, shown as an error) a database holding anything but a demo, and
    a PostgreSQL database, which is dropped and re-created by its administrator."""
    from sqlalchemy import select

    from rcrp_tui.services.core.demo_info import demo_info, is_demo_only
    from rcrp_tui.storage.models import decisions_table, users_table

    if demo_info(db) is None:
        with db.engine.connect() as conn:
            empty = all(
                conn.execute(select(table.c.id).limit(1)).first() is None
                for table in (users_table, decisions_table)
            )
        if empty:
            return db  # no accounts, no decisions: a first build
        raise ValueError(
            f"{db.display_name} is not a demo database; --rebuild replaces only a demo"
        )
    if not is_demo_only(db):
        raise ValueError(
            f"{db.display_name} holds decisions that are not the demo's; "
            "--rebuild replaces only a demo"
        )
    if not db.is_sqlite:
        raise ValueError(
            "--rebuild replaces a SQLite demo file; for a PostgreSQL demo, drop and "
            "re-create the database, then run rcrp-tui demo"
        )
    path = Path(str(db.url.database))
    db.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(f"Removed the old demo database at {path}")
    return open_database(argument, default=demo_database_url)


def cmd_import(args: argparse.Namespace) -> int:
    from rcrp_tui.importing.cad import ImportFailed, import_file
    from rcrp_tui.importing.profile import ProfileError, load_profile
    from rcrp_tui.services.appeals.recording import link_pending

    try:
        profile = load_profile(Path(args.profile))
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ctx = signed_in(args)
    ctx.db.on_wait = lambda wait: print(wait.describe(), file=sys.stderr)
    rejects = Path(args.rejects) if args.rejects else None
    try:
        summary = import_file(
            ctx,
            Path(args.file),
            profile,
            rejects_path=rejects,
            show_progress=not args.quiet,
            dry_run=args.dry_run,
            sheet=args.sheet,
        )
    except ImportFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    say_database(ctx)
    print(summary.describe())
    if args.dry_run:
        print(
            "Nothing was imported: no decision, import record or audit row was written "
            "(the audit log records only your sign-in)."
        )
        return 0
    # The import is committed: a failure from here on must not read as a failed import.
    try:
        linked = link_pending(ctx)
    except ServiceError as exc:
        print(
            f"warning: the import is saved, but appeals were not linked to their decisions: "
            f"{exc.message} The next import links them.",
            file=sys.stderr,
        )
        return 0
    print(f"appeals linked to their decisions: {linked}")
    return 0


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
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if created:
        print(f"Created role {role} (LOGIN, no password yet: set one with ALTER ROLE).")
    print(
        f"{role} may read and write the ordinary tables, only read and add audit rows, "
        f"and owns nothing ({len(statements)} statements)."
    )
    return 0


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


def cmd_audit(args: argparse.Namespace) -> int:
    """Print the newest audit rows: who, what, when, before and after."""
    from rcrp_tui.services.core import audit

    rows = audit.entries(signed_in(args), entity=args.entity, entity_id=args.id, limit=args.limit)
    for row in reversed(rows):
        change = ""
        if row.before is not None or row.after is not None:
            change = f" before={row.before} after={row.after}"
        target = f"{row.entity}:{row.entity_id}" if row.entity_id else row.entity
        print(
            f"{row.at:%Y-%m-%d %H:%M:%S}Z {row.actor} ({row.actor_role}) {row.action} "
            f"{target}{change}"
        )
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Walk the audit hash chain; exit 1 naming the first row that is wrong."""
    from rcrp_tui.services.core.audit_verify import verify_chain
    from rcrp_tui.services.core.context import AUDIT_VERIFIER, Ctx

    # No sign-in: it would add a row to the chain being checked (README, "Who runs a command").
    state = verify_chain(Ctx(open_database(args.database), AUDIT_VERIFIER))
    for problem in state.guard_problems:
        print(f"warning: {problem}", file=sys.stderr)
    if state.intact:
        print(state.describe())
        return 0
    print(state.describe(), file=sys.stderr)
    return 1


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


def cmd_toolkit_add(args: argparse.Namespace) -> int:
    from rcrp_tui.services.reviews import toolkits

    result = toolkits.add_from_file(signed_in(args), Path(args.file))
    info = result.info
    if result.added:
        print(f"Added toolkit {info.key} version {info.version}: {info.title}")
    else:
        print(f"{info.key} version {info.version} is already stored, identical; nothing changed.")
    return 0


def cmd_toolkit_list(args: argparse.Namespace) -> int:
    from rcrp_tui.services.reviews import toolkits

    for t in toolkits.list_toolkits(signed_in(args)):
        print(
            f"{t.key:<20} {t.version:<8} {t.reviews:>6} review(s)  "
            f"{t.added_at:%Y-%m-%d}  {t.sha256[:12]}  {t.title}"
        )
    return 0


_NEW_PASSWORD_STDIN = (
    "read passwords from standard input: your own on the first line, then the new one "
    "(only the new one when adding the first administrator)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rcrp-tui",
        description="Quality assurance of Right Care, Right Person control-room decisions.",
    )
    parser.add_argument("--version", action="version", version=f"rcrp-tui {__version__}")
    _add_database(parser)
    _add_idle_minutes(parser)
    parser.set_defaults(func=cmd_open)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    demo = sub.add_parser("demo", help="build (once) and open a demo database with realistic data")
    _add_database(demo)
    demo.add_argument(
        "--decisions",
        type=int,
        default=None,
        metavar="N",
        help="how many decisions to generate (default: six weeks' worth)",
    )
    demo.add_argument(
        "--seed", type=int, default=2023, metavar="S", help="random seed (default 2023)"
    )
    demo.add_argument(
        "--no-open", action="store_true", help="build the database but do not open the app"
    )
    when = demo.add_mutually_exclusive_group()
    when.add_argument(
        "--today",
        type=_demo_day,
        default=None,
        metavar="DATE",
        help="build the demo as if today were DATE (YYYY-MM-DD), its 'now' 14:00 that day "
        "(default: today, now)",
    )
    when.add_argument(
        "--fixed-window",
        action="store_true",
        help="build the fixed six weeks from go-live on 5 October 2026 instead (the tests' demo)",
    )
    demo.add_argument(
        "--rebuild",
        action="store_true",
        help="replace an existing demo database with a new one built for today "
        "(refused for a database that is not a demo)",
    )
    _add_idle_minutes(demo)
    demo.set_defaults(func=cmd_demo)

    imp = sub.add_parser("import", help="import decisions from a CAD export (CSV or .xlsx)")
    imp.add_argument("file", help="the CSV file or Excel workbook (.xlsx)")
    imp.add_argument(
        "--profile",
        required=True,
        metavar="PROFILE",
        help="mapping profile: a TOML file, or the name of a shipped one such as san-diego "
        "(see docs/import-profiles.md)",
    )
    _add_database(imp)
    imp.add_argument(
        "--rejects", metavar="PATH", help="write rejected rows here (default: FILE.rejects.csv)"
    )
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.add_argument(
        "--sheet",
        metavar="NAME",
        help="the worksheet of an .xlsx workbook to read (default: the profile's "
        "[excel] sheet, else the first sheet)",
    )
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="read the whole file and report what the import would do, writing nothing "
        "(rejects and unmapped values go to FILE.dry-run.rejects.csv and "
        "FILE.dry-run.unmapped.csv)",
    )
    add_sign_in(imp)
    imp.set_defaults(func=cmd_import)

    db = sub.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(title="db commands", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="bring the schema up to date (Alembic)")
    _add_database(up)
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
    _add_database(grant)
    grant.set_defaults(func=cmd_db_grant)
    add_ops_parser(db_sub, _add_database)

    aud = sub.add_parser("audit", help="read the audit log (newest last)")
    aud.add_argument("--entity", help="only this kind of record, e.g. user, decision, review")
    aud.add_argument("--id", help="only this record id (with --entity)")
    aud.add_argument("--limit", type=int, default=50, help="how many rows (default 50)")
    _add_database(aud)
    add_sign_in(aud)
    aud.set_defaults(func=cmd_audit)
    aud_sub = aud.add_subparsers(title="audit commands", metavar="ACTION")
    verify = aud_sub.add_parser(
        "verify",
        help="check the audit log's hash chain: exit 0 if every row is there, unchanged and "
        "in order, else 1 naming the first row that is not",
    )
    _add_database(verify)
    verify.set_defaults(func=cmd_audit_verify)

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
    _add_database(add)
    add.set_defaults(func=cmd_users_add)
    ls = users_sub.add_parser("list", help="list users")
    _add_database(ls)
    add_sign_in(ls)
    ls.set_defaults(func=cmd_users_list)
    pw = users_sub.add_parser("passwd", help="set a user's password and clear a lock-out")
    pw.add_argument("username")
    add_sign_in(pw, stdin_help=_NEW_PASSWORD_STDIN)
    _add_database(pw)
    pw.set_defaults(func=cmd_users_passwd)

    toolkit = sub.add_parser("toolkit", help="decision-making toolkits (see docs/toolkits.md)")
    toolkit_sub = toolkit.add_subparsers(title="toolkit commands", metavar="ACTION", required=True)
    tk_add = toolkit_sub.add_parser("add", help="add a toolkit, or a new version, from a TOML file")
    tk_add.add_argument("file", metavar="FILE.toml")
    _add_database(tk_add)
    add_sign_in(tk_add)
    tk_add.set_defaults(func=cmd_toolkit_add)
    tk_ls = toolkit_sub.add_parser("list", help="list stored toolkit versions")
    _add_database(tk_ls)
    add_sign_in(tk_ls)
    tk_ls.set_defaults(func=cmd_toolkit_list)
    add_rota_parser(sub, _add_database, add_sign_in)
    add_report_parser(sub, _add_database, add_sign_in)
    add_sample_parser(sub, _add_database, add_sign_in)
    add_training_parser(sub, _add_database, add_sign_in)
    add_calibration_parser(sub, _add_database, add_sign_in)
    add_readiness_parser(sub, _add_database, add_sign_in)
    add_privacy_parser(sub)
    add_keys_parser(sub)
    add_retention_parser(sub, _add_database)
    add_serve_parser(sub, _add_database)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    opens_app = args.func is cmd_open or (args.func is cmd_demo and not args.no_open)
    if opens_app:  # the app draws the screen itself (and shows stored text literally)
        return _run(args)
    with visible_output():  # stored text can move or recolour nothing on the terminal
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args))
    except ServiceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # A folder or file the system refuses (no permission, a full disk): say which.
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
