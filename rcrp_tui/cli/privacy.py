"""``rcrp-tui privacy scan [FILE|-]``: the personal-data guard over a file, line by line.

For an administrator checking an export, a template or a force allow-list's effect before
use. Reads the file (or standard input for ``-`` or no file) as UTF-8 text and prints, for
each line with findings, its number and each finding's kind and text; the summary line goes
to standard error. Exit status: 0 when nothing was found, 1 when something was, 2 when the
input could not be read as text. No database and no sign-in: it only reads the user's own
file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from rcrp_tui.cli.output import say_error

#: Exit statuses.
CLEAN, FOUND, READ_ERROR = 0, 1, 2


def _read_lines(source: str) -> list[str]:
    """The lines of ``source`` ("-": standard input); OSError or ValueError if unreadable."""
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(source)
        if path.is_dir():
            raise OSError(f"{source} is a folder, not a file")
        data = path.read_bytes()
    if b"\x00" in data:
        raise ValueError(f"{_name(source)} is not a text file (it holds NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{_name(source)} is not UTF-8 text") from None
    return text.splitlines()


def _name(source: str) -> str:
    return "standard input" if source == "-" else source


def scan_lines(lines: Iterable[str], out: TextIO) -> int:
    """Print the findings of each line; the number of lines with findings."""
    from rcrp_tui.domain.personal_data import scan

    today = datetime.now(UTC).date()
    flagged = 0
    for number, line in enumerate(lines, start=1):
        findings = scan(line, today=today)
        if not findings:
            continue
        flagged += 1
        print(f"line {number}:", file=out)
        for finding in findings:
            text = finding.text.replace("\t", " ")
            print(f"  {finding.kind.label}: {text}", file=out)
    return flagged


def cmd_privacy_scan(args: argparse.Namespace) -> int:
    source: str = args.file
    try:
        lines = _read_lines(source)
    except FileNotFoundError:
        say_error(f"{source}: no such file")
        return READ_ERROR
    except (OSError, ValueError) as exc:
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        where = "" if isinstance(exc, ValueError) or message.startswith(source) else f"{source}: "
        say_error(f"{where}{message}")
        return READ_ERROR
    from rcrp_tui.domain.name_lists import shared_gazetteer

    warning = shared_gazetteer().warning
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    flagged = scan_lines(lines, sys.stdout)
    # The summary goes to standard error: standard output holds only the findings.
    total = f"{len(lines)} line{'' if len(lines) == 1 else 's'}"
    if flagged:
        print(f"{flagged} of {total} hold what looks like personal data.", file=sys.stderr)
        return FOUND
    print(f"No personal data found in {total}.", file=sys.stderr)
    return CLEAN


def add_privacy_parser(sub: Any) -> None:
    """Register ``privacy scan`` on the main parser's subcommands."""
    privacy = sub.add_parser(
        "privacy", help="the personal-data guard (docs/personal-data-guard.md)"
    )
    privacy_sub = privacy.add_subparsers(title="privacy commands", metavar="ACTION", required=True)
    scan = privacy_sub.add_parser(
        "scan",
        help="list what looks like personal data in a text file, line by line",
        description=(
            "Prints each line with findings: its number, then each finding's kind and text. "
            "Exit status 0: nothing found; 1: something found; 2: the input could not be read."
        ),
    )
    scan.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="a text file, or - for standard input"
    )
    scan.set_defaults(func=cmd_privacy_scan)
