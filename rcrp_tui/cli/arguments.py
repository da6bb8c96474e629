"""Arguments several commands share: ``--database``, ``--idle-minutes`` and days.

Each reads what was typed and refuses it in words naming the option (argparse adds
"argument --from:" in front of the message), so every command says the same thing about
the same mistake.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import NoReturn

from rcrp_tui.cli.output import shortened
from rcrp_tui.domain.kpis import parse_day


class CommandParser(argparse.ArgumentParser):
    """The ``rcrp-tui`` parser (its sub-commands' parsers are of the same class): argparse
    repeats a refused value in its message ("invalid choice: ..."), so a long paste is
    shortened there as in every other error (``cli.output.shortened``)."""

    def error(self, message: str) -> NoReturn:
        super().error(shortened(message))


def add_database(parser: argparse.ArgumentParser) -> None:
    """``--database PATH_OR_URL`` (see ``cli.database`` for how it is chosen).

    Given before the command (``rcrp-tui --database X calibration list``) or after it, it
    counts: the option has no default of its own (the top-level parser sets None), because
    a sub-command's default would otherwise overwrite the value given before it and the
    command would quietly open the default database instead."""
    parser.add_argument(
        "--database",
        default=argparse.SUPPRESS,
        metavar="PATH_OR_URL",
        help="SQLite file path or SQLAlchemy URL (default: $RCRP_DATABASE_URL, else the "
        "user-data directory)",
    )


def day_argument(text: str) -> date:
    """A day typed as YYYY-MM-DD, read by ``domain.kpis.parse_day``: a day that does not
    exist (2026-02-31) is named, and a long paste is not repeated in full."""
    try:
        return parse_day(text, "date")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("date: ")) from None


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


def add_idle_minutes(parser: argparse.ArgumentParser) -> None:
    """``--idle-minutes N`` for the commands that open the app."""
    parser.add_argument(
        "--idle-minutes",
        type=idle_minutes_argument,
        default=argparse.SUPPRESS,  # as --database: the top-level parser sets None
        metavar="N",
        help="sign out after N minutes without a key press (0: never; default: the "
        "settings file's idle_minutes, else never)",
    )
