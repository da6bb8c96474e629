"""``rcrp-tui audit``: read the audit log, and ``audit verify`` its hash chain."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from rcrp_tui.cli.auth import signed_in
from rcrp_tui.cli.database import open_database


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


def add_audit_parser(
    sub: Any,
    add_database: Callable[[argparse.ArgumentParser], None],
    add_sign_in: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``audit`` and ``audit verify`` on the main parser's sub-parsers."""
    aud = sub.add_parser("audit", help="read the audit log (newest last)")
    aud.add_argument("--entity", help="only this kind of record, e.g. user, decision, review")
    aud.add_argument("--id", help="only this record id (with --entity)")
    aud.add_argument("--limit", type=int, default=50, help="how many rows (default 50)")
    add_database(aud)
    add_sign_in(aud)
    aud.set_defaults(func=cmd_audit)
    aud_sub = aud.add_subparsers(title="audit commands", metavar="ACTION")
    verify = aud_sub.add_parser(
        "verify",
        help="check the audit log's hash chain: exit 0 if every row is there, unchanged and "
        "in order, else 1 naming the first row that is not",
    )
    add_database(verify)
    verify.set_defaults(func=cmd_audit_verify)
