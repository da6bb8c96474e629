"""``rcrp-tui training ...``: import training records, list them, the share trained."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rcrp_tui.domain.phases import parse_phase


def _phase(text: str) -> int:
    try:
        return parse_phase(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_training_import(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.services.training.records import import_training_csv

    result = import_training_csv(signed_in(args), Path(args.file))
    print(
        f"Imported {result.file}: {result.rows:,} rows; {result.added:,} added, "
        f"{result.changed:,} changed, {result.unchanged:,} unchanged."
    )
    return 0


def cmd_training_list(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.cli.output import say_database
    from rcrp_tui.services.training.records import list_training

    ctx = signed_in(args)
    say_database(ctx)
    entries = list_training(ctx, team=args.team, phase=args.phase)
    if not entries:
        print("No contact officers or no training recorded" + _where(args) + ".")
        return 0
    for e in entries:
        status = (
            f"trained {e.trained_on}" + (f"  {e.course}" if e.course else "")
            if e.trained_on is not None
            else "not trained"
        )
        print(f"{e.staff_id:<14} {e.team or 'no team':<16} phase {e.phase}  {status}")
    trained = sum(1 for e in entries if e.trained_on is not None)
    print(f"{trained:,} of {len(entries):,} trained{_where(args)}.")
    return 0


def _where(args: argparse.Namespace) -> str:
    parts = []
    if args.team:
        parts.append(f"team {args.team}")
    if args.phase:
        parts.append(f"phase {args.phase}")
    return f" ({', '.join(parts)})" if parts else ""


def cmd_training_share(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.cli.output import say_database
    from rcrp_tui.services.training.records import recorded_phases, training_share

    ctx = signed_in(args)
    say_database(ctx)
    phases = [args.phase] if args.phase is not None else recorded_phases(ctx)
    if not phases:
        print("No training is recorded yet; give --phase N to see a phase's share.")
        return 0
    for phase in phases:
        report = training_share(ctx, phase)
        print(f"Phase {phase}: share of active contact officers trained")
        for s in (*report.teams, report.total):
            name = "All teams" if s is report.total else (s.team or "No team")
            print(f"  {name:<18} {s.trained:>6,} of {s.officers:<6,} {s.percent_text:>7}")
    return 0


def add_training_parser(
    sub: Any,
    add_database: Callable[[argparse.ArgumentParser], None],
    add_sign_in: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``training`` and its actions on the main parser's sub-parsers."""
    training = sub.add_parser(
        "training", help="contact officers' training per phase (see docs/readiness.md)"
    )
    actions = training.add_subparsers(title="training commands", metavar="ACTION", required=True)

    imp = actions.add_parser(
        "import", help="import training records from CSV (staff_id,phase,date[,course])"
    )
    imp.add_argument("file", metavar="FILE", help="the CSV file")
    add_database(imp)
    add_sign_in(imp)
    imp.set_defaults(func=cmd_training_import)

    listing = actions.add_parser("list", help="each officer and phase: trained or not")
    listing.add_argument("--team", metavar="T", help="only this team's officers")
    listing.add_argument("--phase", type=_phase, metavar="N", help="only this phase")
    add_database(listing)
    add_sign_in(listing)
    listing.set_defaults(func=cmd_training_list)

    share = actions.add_parser("share", help="the share trained per team and phase")
    share.add_argument(
        "--phase", type=_phase, metavar="N", help="only this phase (default: every phase recorded)"
    )
    add_database(share)
    add_sign_in(share)
    share.set_defaults(func=cmd_training_share)
