"""``rcrp-tui import``: decisions from a CAD export (CSV or .xlsx) through a mapping profile.

The import itself is ``importing.cad``; this module reads the options, prints the summary
and links appeals that were waiting for their decisions.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rcrp_tui.cli.auth import signed_in
from rcrp_tui.cli.output import say_database, say_error


def cmd_import(args: argparse.Namespace) -> int:
    from rcrp_tui.importing.cad import ImportFailed, import_file
    from rcrp_tui.importing.profile import ProfileError, load_profile
    from rcrp_tui.services.appeals.recording import link_pending
    from rcrp_tui.services.core.errors import ServiceError

    try:
        profile = load_profile(Path(args.profile))
    except ProfileError as exc:
        say_error(str(exc))
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
        say_error(str(exc))
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


def add_import_parser(
    sub: Any,
    add_database: Callable[[argparse.ArgumentParser], None],
    add_sign_in: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``import`` on the main parser's sub-parsers."""
    imp = sub.add_parser("import", help="import decisions from a CAD export (CSV or .xlsx)")
    imp.add_argument("file", help="the CSV file or Excel workbook (.xlsx)")
    imp.add_argument(
        "--profile",
        required=True,
        metavar="PROFILE",
        help="mapping profile: a TOML file, or the name of a shipped one such as san-diego "
        "(see docs/import-profiles.md)",
    )
    add_database(imp)
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
