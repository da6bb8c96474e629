"""``rcrp-tui keys list`` and ``rcrp-tui keys check``: the actions and the user's keymap file.

``list`` prints every action id with its keys and where it applies (the ids a keymap file
uses); ``check`` reads the keymap file (``--file``, else ``keymap.toml`` in the user
configuration folder) and prints each entry it would ignore, with the line and the reason.
Exit status of ``check``: 0 when every entry is used, 1 when one or more are ignored.
No database and no sign-in.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_keys_parser(sub: Any) -> None:
    keys = sub.add_parser("keys", help="the app's keys and your keymap file (docs/keys.md)")
    keys_sub = keys.add_subparsers(title="keys commands", metavar="COMMAND", required=True)
    ls = keys_sub.add_parser("list", help="every action id, its keys and where it applies")
    ls.set_defaults(func=cmd_keys_list)
    check = keys_sub.add_parser("check", help="check your keymap file; say what is ignored")
    check.add_argument("--file", type=Path, help="the keymap file (default: your keymap.toml)")
    check.set_defaults(func=cmd_keys_check)


def cmd_keys_list(args: argparse.Namespace) -> int:
    from rcrp_tui.ui.shell.app import RcrpApp
    from rcrp_tui.ui.shell.catalogue import catalogue

    for action in sorted(catalogue(RcrpApp).values(), key=lambda a: a.id):
        where = ", ".join(action.scopes)
        print(f"{action.id:32} {','.join(action.keys):24} {action.description} [{where}]")
    return 0


def cmd_keys_check(args: argparse.Namespace) -> int:
    from rcrp_tui import keymap
    from rcrp_tui.ui.shell.app import RcrpApp
    from rcrp_tui.ui.shell.catalogue import catalogue

    path: Path = args.file or keymap.default_keymap_path()
    if not path.exists():
        print(f"No keymap file at {path}: every key is as shipped.")
        return 0
    result = keymap.load(path, catalogue(RcrpApp))
    for problem in result.problems:
        print(problem)
    print(
        f"{path}: {len(result.keys)} remapping(s) in use, "
        f"{len(result.problems)} entr{'y' if len(result.problems) == 1 else 'ies'} ignored."
    )
    return 1 if result.problems else 0
