"""Opening the app: plain ``rcrp-tui`` and ``rcrp-tui demo``.

Both paint the sign-in screen first and open the database behind it, so the database
stack and the app are imported inside the functions, never at the top.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rcrp_tui.cli.arguments import add_database, add_idle_minutes, day_argument
from rcrp_tui.cli.database import demo_database_url, open_database

if TYPE_CHECKING:
    from rcrp_tui.storage.db import Database


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


def add_demo_parser(sub: Any) -> None:
    """Register ``demo`` on the main parser's sub-parsers."""
    demo = sub.add_parser("demo", help="build (once) and open a demo database with realistic data")
    add_database(demo)
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
        type=day_argument,
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
    add_idle_minutes(demo)
    demo.set_defaults(func=cmd_demo)
