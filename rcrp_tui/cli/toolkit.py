"""``rcrp-tui toolkit add`` and ``list``: decision-making toolkits (docs/toolkits.md)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rcrp_tui.cli.auth import signed_in


def cmd_toolkit_add(args: argparse.Namespace) -> int:
    from rcrp_tui.services.reviews import toolkits

    result = toolkits.add_from_file(signed_in(args), Path(args.file))
    info = result.info
    if result.added:
        print(f"Added toolkit {info.key} version {info.version}: {info.title}")
    else:
        print(f"{info.key} version {info.version} is already stored, identical; nothing changed.")
    return 0


def cmd_toolkit_list(args: argparse.Namespace) -> int:
    from rcrp_tui.services.reviews import toolkits

    for t in toolkits.list_toolkits(signed_in(args)):
        print(
            f"{t.key:<20} {t.version:<8} {t.reviews:>6} review(s)  "
            f"{t.added_at:%Y-%m-%d}  {t.sha256[:12]}  {t.title}"
        )
    return 0


def add_toolkit_parser(
    sub: Any,
    add_database: Callable[[argparse.ArgumentParser], None],
    add_sign_in: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``toolkit add`` and ``toolkit list`` on the main parser's sub-parsers."""
    toolkit = sub.add_parser("toolkit", help="decision-making toolkits (see docs/toolkits.md)")
    toolkit_sub = toolkit.add_subparsers(title="toolkit commands", metavar="ACTION", required=True)
    tk_add = toolkit_sub.add_parser("add", help="add a toolkit, or a new version, from a TOML file")
    tk_add.add_argument("file", metavar="FILE.toml")
    add_database(tk_add)
    add_sign_in(tk_add)
    tk_add.set_defaults(func=cmd_toolkit_add)
    tk_ls = toolkit_sub.add_parser("list", help="list stored toolkit versions")
    add_database(tk_ls)
    add_sign_in(tk_ls)
    tk_ls.set_defaults(func=cmd_toolkit_list)
