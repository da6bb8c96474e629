"""``rcrp-tui report``: the KPI report for a period against a baseline, in one file.

    rcrp-tui report --from 2026-10-01 --to 2026-11-01 --format xlsx --output board.xlsx

``--to`` is the first day NOT included. Without ``--baseline-from/--baseline-to`` the
baseline is the same number of days just before the period. Without ``--output`` a text
format goes to standard output and a binary one (xlsx, pdf) to a file in the current
folder named after the period.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable
from typing import Any

from rcrp_tui.cli.arguments import day_argument
from rcrp_tui.domain.kpis import make_period, previous_period
from rcrp_tui.services.core.errors import ValidationFailed

FORMATS = ("md", "html", "xlsx", "csv", "pdf")


def cmd_report(args: argparse.Namespace) -> int:
    # The command computes one report and ends, and its few reference cycles end with it:
    # no cycle collection walks the objects its imports make (issue 20). Called in a
    # process that goes on (a test), it leaves the collector as it found it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _report(args)
    finally:
        if was_enabled:
            gc.enable()


def _report(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.cli.output import say_database
    from rcrp_tui.services.kpis import figures as kpis
    from rcrp_tui.services.kpis import report as reports

    try:
        period = make_period(args.date_from, args.date_to, "period (--from/--to)")
        if (args.baseline_from is None) != (args.baseline_to is None):
            raise ValueError("give both --baseline-from and --baseline-to, or neither")
        baseline = (
            previous_period(period)
            if args.baseline_from is None
            else make_period(
                args.baseline_from, args.baseline_to, "baseline (--baseline-from/--baseline-to)"
            )
        )
    except ValueError as exc:
        raise ValidationFailed("period", str(exc)) from None
    fmt = reports.ReportFormat(args.format)
    ctx = signed_in(args)
    say_database(ctx)
    report = kpis.compute(ctx, period, baseline)
    if args.output is None and fmt in (reports.ReportFormat.XLSX, reports.ReportFormat.PDF):
        args.output = "."
    if args.output is None:
        sys.stdout.write(reports.render(report, fmt).decode("utf-8"))
        return 0
    written = reports.write_report(ctx, report, fmt, args.output)
    print(f"Wrote {written} (OFFICIAL-SENSITIVE).", file=sys.stderr)
    return 0


def add_report_parser(
    sub: Any,
    add_database: Callable[[argparse.ArgumentParser], None],
    add_sign_in: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``report`` on the main parser's sub-parsers."""
    report = sub.add_parser(
        "report", help="KPI report for a period against a baseline (see docs/kpis-and-reports.md)"
    )
    report.add_argument(
        "--from",
        dest="date_from",
        type=day_argument,
        required=True,
        metavar="DATE",
        help="first day",
    )
    report.add_argument(
        "--to",
        dest="date_to",
        type=day_argument,
        required=True,
        metavar="DATE",
        help="not included",
    )
    report.add_argument(
        "--baseline-from",
        type=day_argument,
        metavar="DATE",
        help="default: the same length just before",
    )
    report.add_argument("--baseline-to", type=day_argument, metavar="DATE", help="not included")
    report.add_argument("--format", choices=FORMATS, required=True)
    report.add_argument(
        "--output",
        metavar="PATH",
        help="a file or an existing folder (default: standard output for md, html and csv; "
        "the current folder for xlsx and pdf)",
    )
    add_database(report)
    add_sign_in(report)
    report.set_defaults(func=cmd_report)
