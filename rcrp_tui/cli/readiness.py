"""``rcrp-tui readiness``: a phase's go-live readiness report, and its KPI baseline.

    rcrp-tui readiness --phase 2 --format pdf --output board/ --user qa.lead
    rcrp-tui readiness --phase 2 --set-baseline 2026-09-01 2026-10-01 --user sup.a

The report is marked OFFICIAL-SENSITIVE. Without ``--output`` Markdown goes to standard
output and xlsx or pdf to a file in the current folder named after the phase and the day.
``--set-baseline FIRST END`` sets the phase's KPI baseline (END not included) first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from rcrp_tui.cli.arguments import day_argument
from rcrp_tui.domain.phases import parse_phase

FORMATS = ("md", "xlsx", "pdf")


def _phase(text: str) -> int:
    try:
        return parse_phase(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_readiness(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.cli.output import say_database
    from rcrp_tui.services.readiness import checklist
    from rcrp_tui.services.readiness import report as reports

    ctx = signed_in(args)
    say_database(ctx)
    report = checklist.readiness(ctx, args.phase)
    if args.set_baseline is not None:
        first, end = args.set_baseline
        seen = None if report.baseline is None else report.baseline.row_version
        checklist.set_baseline(ctx, args.phase, first, end, expected_version=seen)
        print(
            f"Phase {args.phase}'s KPI baseline is {first} up to {end} (not included).",
            file=sys.stderr,
        )
        report = checklist.readiness(ctx, args.phase)
    fmt = reports.ReadinessFormat(args.format)
    if args.output is None and fmt is not reports.ReadinessFormat.MARKDOWN:
        args.output = "."
    if args.output is None:
        sys.stdout.write(reports.render(report, fmt).decode("utf-8"))
        return 0
    written = reports.write_report(ctx, report, fmt, args.output)
    print(f"Wrote {written} (OFFICIAL-SENSITIVE).", file=sys.stderr)
    return 0


def add_readiness_parser(
    sub: Any,
    add_database: Callable[[argparse.ArgumentParser], None],
    add_sign_in: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``readiness`` on the main parser's sub-parsers."""
    parser = sub.add_parser(
        "readiness", help="a phase's go-live readiness report (see docs/readiness.md)"
    )
    parser.add_argument("--phase", type=_phase, required=True, metavar="N")
    parser.add_argument("--format", choices=FORMATS, default="md", help="default md")
    parser.add_argument(
        "--output",
        metavar="PATH",
        help="a file or an existing folder (default: standard output for md; the current "
        "folder for xlsx and pdf)",
    )
    parser.add_argument(
        "--set-baseline",
        nargs=2,
        type=day_argument,
        metavar=("FIRST", "END"),
        help="set the phase's KPI baseline period first (END not included)",
    )
    add_database(parser)
    add_sign_in(parser)
    parser.set_defaults(func=cmd_readiness)
