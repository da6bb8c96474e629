"""The ``rcrp-tui`` command line. Every sub-command has ``--help``.

This module builds the parser from the command groups and runs the chosen command; each
group lives in its own module (``app`` for opening the app and the demo, ``cad_import``,
``db_admin``, ``audit``, ``users``, ``toolkit``, ``rota``, ``report`` and so on). Which
database a command opens, and opening it, is ``cli.database``; the arguments several
commands share are ``cli.arguments``.

Every command that reads or changes records is run by a signed-in person (``--user``,
see ``cli.auth``), with that person's role, and audited under their name.

The database stack (SQLAlchemy, SQLModel, Alembic) and the services are imported inside
the commands, so plain ``rcrp-tui`` paints its sign-in screen first and opens the database
behind it, and ``report --format md`` loads only what a Markdown report needs.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rcrp_tui import __version__
from rcrp_tui.cli.app import add_demo_parser, cmd_demo, cmd_open
from rcrp_tui.cli.arguments import CommandParser, add_database, add_idle_minutes
from rcrp_tui.cli.audit import add_audit_parser
from rcrp_tui.cli.auth import add_sign_in
from rcrp_tui.cli.cad_import import add_import_parser
from rcrp_tui.cli.calibration import add_calibration_parser
from rcrp_tui.cli.db_admin import add_db_parser
from rcrp_tui.cli.keys import add_keys_parser
from rcrp_tui.cli.ops import add_retention_parser
from rcrp_tui.cli.output import say_error, visible_output
from rcrp_tui.cli.privacy import add_privacy_parser
from rcrp_tui.cli.readiness import add_readiness_parser
from rcrp_tui.cli.report import add_report_parser
from rcrp_tui.cli.rota import add_rota_parser
from rcrp_tui.cli.sampling import add_sample_parser
from rcrp_tui.cli.serve import add_serve_parser
from rcrp_tui.cli.toolkit import add_toolkit_parser
from rcrp_tui.cli.training import add_training_parser
from rcrp_tui.cli.users import add_users_parser
from rcrp_tui.services.core.errors import ServiceError


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="rcrp-tui",
        description="Quality assurance of Right Care, Right Person control-room decisions.",
    )
    parser.add_argument("--version", action="version", version=f"rcrp-tui {__version__}")
    add_database(parser)
    add_idle_minutes(parser)
    parser.set_defaults(func=cmd_open, database=None, idle_minutes=None)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    add_demo_parser(sub)
    add_import_parser(sub, add_database, add_sign_in)
    add_db_parser(sub, add_database)
    add_audit_parser(sub, add_database, add_sign_in)
    add_users_parser(sub, add_database)
    add_toolkit_parser(sub, add_database, add_sign_in)
    add_rota_parser(sub, add_database, add_sign_in)
    add_report_parser(sub, add_database, add_sign_in)
    add_sample_parser(sub, add_database, add_sign_in)
    add_training_parser(sub, add_database, add_sign_in)
    add_calibration_parser(sub, add_database, add_sign_in)
    add_readiness_parser(sub, add_database, add_sign_in)
    add_privacy_parser(sub)
    add_keys_parser(sub)
    add_retention_parser(sub, add_database)
    add_serve_parser(sub, add_database)
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
        say_error(exc.message)
        return 2
    except ValueError as exc:
        say_error(str(exc))
        return 2
    except OSError as exc:
        # A folder or file the system refuses (no permission, a full disk, a name too
        # long): say which, shortened if it was a paste.
        where = f" ({exc.filename})" if exc.filename else ""
        say_error(f"{exc.strerror or exc}{where}")
        return 2
