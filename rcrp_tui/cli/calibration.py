"""``rcrp-tui calibration ...``: list calibration sessions, and a session's results.

    rcrp-tui calibration list --user qa.lead
    rcrp-tui calibration results 3 --format xlsx --output results.xlsx --user qa.lead

Without ``--output`` Markdown and CSV go to standard output and XLSX to a file in the
current folder. Every format is marked OFFICIAL-SENSITIVE (docs/calibration.md).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

FORMATS = ("md", "csv", "xlsx")


def cmd_calibration_list(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.cli.output import say_database
    from rcrp_tui.services.calibration.sessions import list_sessions

    ctx = signed_in(args)
    say_database(ctx)
    found = list_sessions(ctx)
    if not found:
        print(
            "No calibration sessions"
            + ("" if ctx.actor.role.value == "qa_lead" else " that you grade")
            + "."
        )
        return 0
    for s in found:
        state = s.status.value
        if s.status.value == "open":
            state += ", revealed" if s.revealed else ", blind"
        print(
            f"{s.id:>4}  {s.title[:40]:<40}  {state:<15}  due {s.deadline:%Y-%m-%d}  "
            f"{s.submitted}/{s.expected} scores submitted  {s.decisions} decisions, "
            f"{s.graders} graders"
        )
    return 0


def cmd_calibration_results(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.cli.output import say_database
    from rcrp_tui.services.calibration import export
    from rcrp_tui.services.calibration.results import session_results

    fmt = export.ResultsFormat(args.format)
    ctx = signed_in(args)
    say_database(ctx)
    results = session_results(ctx, args.session)
    if args.output is None and fmt is export.ResultsFormat.XLSX:
        args.output = "."
    if args.output is None:
        sys.stdout.write(export.render(results, fmt).decode("utf-8"))
        return 0
    written = export.write_results(ctx, results, fmt, args.output)
    print(f"Wrote {written} (OFFICIAL-SENSITIVE).", file=sys.stderr)
    return 0


def _session_number(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a session number (e.g. 3)")
    return int(text)


def add_calibration_parser(
    sub: Any,
    add_database: Callable[[argparse.ArgumentParser], None],
    add_sign_in: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``calibration`` and its actions on the main parser's sub-parsers."""
    cal = sub.add_parser(
        "calibration", help="grader calibration sessions (see docs/calibration.md)"
    )
    actions = cal.add_subparsers(title="calibration commands", metavar="ACTION", required=True)

    listing = actions.add_parser(
        "list", help="sessions, newest first (a floorwalker: the ones they grade)"
    )
    add_database(listing)
    add_sign_in(listing)
    listing.set_defaults(func=cmd_calibration_list)

    res = actions.add_parser("results", help="a revealed session's agreement statistics")
    res.add_argument("session", type=_session_number, metavar="N", help="the session number")
    res.add_argument("--format", choices=FORMATS, default="md", help="default: md")
    res.add_argument(
        "--output",
        metavar="PATH",
        help="a file or an existing folder (default: standard output for md and csv; the "
        "current folder for xlsx)",
    )
    add_database(res)
    add_sign_in(res)
    res.set_defaults(func=cmd_calibration_results)
