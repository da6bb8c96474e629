"""``rcrp-tui rota ...``: create a rota, list rotas, record leave, export (.ics, CSV, print)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rcrp_tui.cli.arguments import day_argument
from rcrp_tui.services.core.errors import ValidationFailed

if TYPE_CHECKING:
    from rcrp_tui.services.core.context import Ctx


def _ctx(args: argparse.Namespace) -> Ctx:
    """The signed-in person (``--user``): rota changes are a supervisor's."""
    from rcrp_tui.cli.auth import signed_in

    return signed_in(args)


def cmd_rota_create(args: argparse.Namespace) -> int:
    from rcrp_tui.services.rota import planning as rota

    info = rota.create_rota(
        _ctx(args),
        name=args.name,
        phase=args.phase,
        go_live=args.go_live,
        shift_pattern=args.pattern,
        window_days=args.days,
        time_zone=args.time_zone,
    )
    print(f"Created rota #{info.id} {info.name}: {info.go_live} to {info.last_day}.")
    return 0


def cmd_rota_list(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.output import say_database
    from rcrp_tui.services.rota import planning as rota

    ctx = _ctx(args)
    say_database(ctx)
    for info in rota.list_rotas(ctx):
        cov = rota.rota_view(ctx, info.id).coverage
        print(
            f"#{info.id:<4} {info.name:<28} phase {info.phase}  {info.go_live} to "
            f"{info.last_day}  {info.shift_pattern:<14} coverage {cov.percent:5.1f}% "
            f"({cov.covered}/{cov.total})"
        )
    return 0


def cmd_rota_leave(args: argparse.Namespace) -> int:
    from rcrp_tui.services.rota import planning as rota

    ctx = _ctx(args)
    walker = next((w for w in rota.list_floorwalkers(ctx) if w.username == args.username), None)
    if walker is None:
        raise ValidationFailed("username", f"no active floorwalker {args.username!r}")
    try:
        rota.add_leave(
            ctx, walker.id, args.first_day, args.last_day, args.kind, args.override_reason
        )
    except rota.RuleBroken as exc:
        clashes = "\n  ".join(v.message for v in exc.violations)
        raise ValidationFailed(
            "leave",
            f"it clashes with shifts already assigned:\n  {clashes}\nNothing was recorded. "
            "A supervisor may record it anyway with --override-reason TEXT: those shifts "
            "are then taken off them and left as gaps.",
        ) from None
    print(f"Recorded {args.kind} for {args.username}: {args.first_day} to {args.last_day}.")
    return 0


def cmd_rota_export(args: argparse.Namespace) -> int:
    from rcrp_tui.services.rota.export import export_rota

    wanted = set(args.only or ("ics", "csv", "md"))
    result = export_rota(
        _ctx(args),
        args.rota_id,
        Path(args.folder),
        calendars="ics" in wanted,
        table="csv" in wanted,
        print_view="md" in wanted,
    )
    for path in result.files:
        print(path)
    return 0


def add_rota_parser(
    sub: Any,
    add_database: Callable[[argparse.ArgumentParser], None],
    add_sign_in: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``rota`` and its actions on the main parser's sub-parsers."""
    rota = sub.add_parser("rota", help="floorwalking rotas (see docs/rota.md)")
    actions = rota.add_subparsers(title="rota commands", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="create a rota for every team on a shift pattern")
    create.add_argument("--name", required=True)
    create.add_argument("--phase", type=int, required=True)
    create.add_argument("--go-live", type=day_argument, required=True, metavar="YYYY-MM-DD")
    create.add_argument("--pattern", required=True, help="shift pattern, e.g. eln-8h")
    create.add_argument("--days", type=int, default=42, help="window length (default 42)")
    create.add_argument("--time-zone", default="Europe/London")
    add_database(create)
    add_sign_in(create)
    create.set_defaults(func=cmd_rota_create)

    listing = actions.add_parser("list", help="list rotas with their coverage")
    add_database(listing)
    add_sign_in(listing)
    listing.set_defaults(func=cmd_rota_list)

    leave = actions.add_parser("leave", help="record a floorwalker as unavailable")
    leave.add_argument("username")
    leave.add_argument("first_day", type=day_argument, metavar="FIRST_DAY")
    leave.add_argument("last_day", type=day_argument, metavar="LAST_DAY")
    leave.add_argument(
        "--kind",
        default="annual_leave",
        choices=("annual_leave", "training", "unavailable", "other"),
    )
    leave.add_argument(
        "--override-reason",
        metavar="TEXT",
        help="record leave over assigned shifts anyway (supervisors): they become gaps",
    )
    add_database(leave)
    add_sign_in(leave)
    leave.set_defaults(func=cmd_rota_leave)

    export = actions.add_parser("export", help="write .ics per floorwalker, CSV and Markdown")
    export.add_argument("rota_id", type=int, metavar="ROTA_ID")
    export.add_argument("--folder", default=".", help="an existing folder (default: here)")
    export.add_argument("--only", action="append", choices=("ics", "csv", "md"), help="repeatable")
    add_database(export)
    add_sign_in(export)
    export.set_defaults(func=cmd_rota_export)
