"""``rcrp-tui db backup``, ``db restore`` and ``db check`` (docs/operations.md).

A backup reads every record and a restore replaces them all, so both are an
administrator's, signed in: the backup against the live database, the restore against the
restored records (the target may be empty or damaged, which is why it is being restored).
``db check`` runs without a sign-in, like ``audit verify``: it shows no one's records
(only counts, row ids and hashes), writes nothing, and a sign-in would add an audit row to
the very chain it checks.

Exit status: 0 done (``db check``: every check passed); 1 ``db check`` found a fault; 2 the
command was refused and nothing was changed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rcrp_tui.cli.auth import add_sign_in, sign_in
from rcrp_tui.cli.output import say_error


def _url(argument: str | None) -> str:
    from rcrp_tui.storage.db import default_database_url, url_from_argument

    return url_from_argument(argument) if argument else default_database_url()


def _database(argument: str | None) -> Any:
    """The database an argument names, opened as it is: not upgraded, no guard restored
    (a check must see it untouched)."""
    from rcrp_tui.storage.db import Database

    return Database(_url(argument))


def cmd_db_backup(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.database import open_database
    from rcrp_tui.services.ops.db_ops import backup

    dest = Path(args.dest)
    db = open_database(args.database)
    result = backup(sign_in(args, db), dest)
    m = result.manifest
    head = m.audit_head
    print(f"Backed up {m.source} to {result.copy} ({m.size:,} bytes, SHA-256 {m.sha256[:16]}…).")
    print(f"Manifest: {result.manifest_file}")
    print(f"Schema {', '.join(m.schema_revisions) or 'empty'}; {sum(m.row_counts.values()):,} rows")
    if head is not None:
        print(f"Audit chain head: row {head.last_id}, {head.row_count} rows")
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    from rcrp_tui.services.ops.db_ops import restore

    def signer(db: Any) -> Any:
        return sign_in(args, db)

    result = restore(Path(args.src), _url(args.database), force=args.force, sign_in=signer)
    m = result.manifest
    print(f"Restored {result.source} into {result.target}.")
    print(f"The copy was taken {m.taken_at} from {m.source} (rcrp-tui {m.app_version}).")
    print(
        f"Schema {', '.join(m.schema_revisions) or 'empty'}; "
        f"{sum(m.row_counts.values()):,} rows in {len(m.row_counts)} tables, as its manifest says:"
    )
    for name, n in m.row_counts.items():
        if n:
            print(f"  {name:<32} {n:>10,}")
    if result.replaced_newer_rows:
        print(f"With --force: {result.replaced_newer_rows} newer audit row(s) were overwritten.")
    print(f"Audit chain after the restore: {result.chain.describe()}")
    for note in result.notes:
        print(note)
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from rcrp_tui.services.ops.db_ops import check
    from rcrp_tui.storage import schema
    from rcrp_tui.storage.backup import manifest_path

    url = make_url(_url(args.database))
    if url.get_backend_name() == "sqlite" and manifest_path(Path(str(url.database))).exists():
        say_error(
            f"{url.database} is a backup (its manifest lies beside it): opening it "
            "would change it, and it would no longer match its manifest. Restore it into a "
            "scratch file and check that (docs/operations.md)."
        )
        return 2
    db = _database(args.database)
    print(f"Checking {db.display_name}")
    if not schema.is_current(db):
        have = ", ".join(sorted(schema.current_revisions(db))) or "empty"
        want = ", ".join(sorted(schema.head_revisions()))
        print(f"note  schema is at {have}, this version expects {want}")
    results = check(db)
    for result in results:
        print(result.line())
    failed = [r for r in results if r.applies and not r.passed]
    if failed:
        print(f"{len(failed)} check(s) FAILED.", file=sys.stderr)
        return 1
    print("Every check passed.")
    return 0


def cmd_retention_plan(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.services.ops.retention import load_rules, plan

    rules = load_rules(Path(args.rules))  # refused before anyone is asked for a password
    lines = plan(signed_in(args), rules)
    print(f"Retention plan from {rules.source} (counts and dates only; nothing is deleted):")
    for line in lines:
        print(f"  {line.describe()}")
    due = sum(line.due for line in lines)
    print(f"{due} record(s) due for deletion in all." if due else "Nothing is due for deletion.")
    return 0


CONFIRM_WORD = "delete"


def cmd_retention_apply(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.services.ops.retention import apply, load_rules, plan

    rules = load_rules(Path(args.rules))  # refused before anyone is asked for a password
    if not args.yes and not sys.stdin.isatty():
        print(
            "error: retention apply deletes records for good: add --yes to run it without a "
            "terminal to confirm on. Nothing was deleted.",
            file=sys.stderr,
        )
        return 2
    ctx = signed_in(args)
    lines = plan(ctx, rules)
    print(f"Retention plan from {rules.source}:")
    for line in lines:
        print(f"  {line.describe()}")
    if not any(line.due for line in lines):
        print("Nothing is due for deletion; nothing was deleted.")
        return 0
    if not args.yes:
        try:
            answer = input(f'Type "{CONFIRM_WORD}" to delete these records for good: ')
        except (EOFError, KeyboardInterrupt):
            answer = ""
        if answer.strip().lower() != CONFIRM_WORD:
            print("Not confirmed; nothing was deleted.", file=sys.stderr)
            return 2
    result = apply(ctx, rules)
    print(f"Deleted {result.total} record(s) in one transaction:")
    for text_line in result.lines():
        print(f"  {text_line}")
    print(f"Audit row {result.audit_row_id} records what was deleted (counts and ranges only).")
    return 0


def cmd_subject_access(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.services.ops.subject_access import SubjectFormat, export_subject_access

    fmt = SubjectFormat(args.format)
    result = export_subject_access(signed_in(args), args.staff_id, Path(args.output), fmt)
    print(f"Wrote {result.path} ({fmt.value}, marked OFFICIAL-SENSITIVE) about {result.staff_id}:")
    for name, n in result.counts.items():
        print(f"  {name:<28} {n:>8,}")
    print("The export is recorded in the audit log (who, about whom, counts; no content).")
    return 0


def cmd_retention_hold(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.services.ops.retention import place_hold

    hold = place_hold(signed_in(args), args.record, args.id, args.reason)
    print(f"{hold.entity} {hold.entity_id} is on legal hold: retention will not delete it.")
    return 0


def cmd_retention_release(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.services.ops.retention import release_hold

    release_hold(signed_in(args), args.record, args.id, args.reason)
    print(f"The legal hold on {args.record} {args.id} is released.")
    return 0


def cmd_retention_holds(args: argparse.Namespace) -> int:
    from rcrp_tui.cli.auth import signed_in
    from rcrp_tui.services.ops.retention import list_holds

    holds = list_holds(signed_in(args))
    for h in holds:
        print(
            f"{h.entity:<9} {h.entity_id:>8}  {h.placed_at:%Y-%m-%d}  {h.placed_by:<20} {h.reason}"
        )
    print(f"{len(holds)} record(s) on legal hold.")
    return 0


_RECORDS = ("decision", "review", "appeal")


def add_retention_parser(
    sub: Any,
    add_database: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``retention plan``, ``apply``, ``hold``, ``release`` and ``holds``, and
    ``subject-access`` (the other half of the data-protection commands)."""
    retention = sub.add_parser(
        "retention", help="the force's retention schedule (docs/operations.md)"
    )
    retention_sub = retention.add_subparsers(
        title="retention commands", metavar="ACTION", required=True
    )
    pl = retention_sub.add_parser(
        "plan",
        help="list what the retention rules make due for deletion: counts and the oldest "
        "date per kind of record (administrator; deletes nothing)",
    )
    pl.add_argument(
        "--rules", required=True, metavar="RULES.toml", help="the force's retention rules"
    )
    add_database(pl)
    add_sign_in(pl)
    pl.set_defaults(func=cmd_retention_plan)
    ap = retention_sub.add_parser(
        "apply",
        help="delete what the plan makes due, in one transaction, with one audit row "
        "(administrator; asks for confirmation unless --yes)",
        description="Shows the plan, asks you to confirm, then deletes every due record in "
        "one transaction (all or nothing) and writes one audit row with counts and ranges. "
        "Records on legal hold, and everything in their case, are kept. Purged audit rows "
        "leave a checkpoint that `rcrp-tui audit verify` starts from (docs/operations.md).",
    )
    ap.add_argument(
        "--rules", required=True, metavar="RULES.toml", help="the force's retention rules"
    )
    ap.add_argument(
        "--yes",
        action="store_true",
        help="delete without asking (needed when there is no terminal to confirm on)",
    )
    add_database(ap)
    add_sign_in(ap)
    ap.set_defaults(func=cmd_retention_apply)
    for name, func, help_text in (
        ("hold", cmd_retention_hold, "put a decision, review or appeal on legal hold"),
        ("release", cmd_retention_release, "release a legal hold"),
    ):
        cmd = retention_sub.add_parser(name, help=help_text + " (administrator; audited)")
        cmd.add_argument("record", choices=_RECORDS, help="the kind of record")
        cmd.add_argument("id", type=int, help="its id")
        cmd.add_argument("--reason", required=True, help="why (no personal data)")
        add_database(cmd)
        add_sign_in(cmd)
        cmd.set_defaults(func=func)
    holds = retention_sub.add_parser("holds", help="list the records on legal hold")
    add_database(holds)
    add_sign_in(holds)
    holds.set_defaults(func=cmd_retention_holds)

    sar = sub.add_parser(
        "subject-access",
        help="everything held about one staff id, as Markdown or PDF marked "
        "OFFICIAL-SENSITIVE (QA lead or administrator; audited)",
        description="Decisions the person handled, the reviews of them with scores and "
        "comments, coaching notes, acknowledgements, appeals about their decisions and the "
        "audit rows that name them, for a subject access request (docs/operations.md).",
    )
    sar.add_argument("staff_id", metavar="STAFF_ID", help="the contact officer's staff id")
    sar.add_argument("--format", choices=("md", "pdf"), default="md", help="default: md")
    sar.add_argument(
        "--output", required=True, metavar="PATH", help="the file to write (owner-only)"
    )
    add_database(sar)
    add_sign_in(sar)
    sar.set_defaults(func=cmd_subject_access)


def add_ops_parser(
    db_sub: Any,
    add_database: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``backup``, ``restore`` and ``check`` under ``rcrp-tui db``."""
    bk = db_sub.add_parser(
        "backup",
        help="copy the live database, with a manifest, while terminals keep working "
        "(administrator)",
        description="SQLite: a one-step online backup. PostgreSQL: pg_dump on one snapshot. "
        "Writes DEST and DEST.manifest.json, both owner-only.",
    )
    bk.add_argument("dest", metavar="DEST", help="the new backup file (must not exist)")
    add_database(bk)
    add_sign_in(bk)
    bk.set_defaults(func=cmd_db_backup)

    rs = db_sub.add_parser(
        "restore",
        help="restore a backup into --database after checking it against its manifest "
        "(administrator of the restored records)",
        description="Refuses a target whose audit trail has rows the backup lacks unless "
        "--force; checks the copy's checksum, row counts, integrity and audit chain before "
        "the target is touched. PostgreSQL: the target must be a new, empty database.",
    )
    rs.add_argument("src", metavar="SRC", help="the backup file (SRC.manifest.json beside it)")
    add_database(rs)
    rs.add_argument(
        "--force",
        action="store_true",
        help="overwrite a target whose audit trail has rows the backup does not",
    )
    add_sign_in(rs)
    rs.set_defaults(func=cmd_db_restore)

    ck = db_sub.add_parser(
        "check",
        help="integrity, foreign keys, month counts and audit chain: exit 0 if all pass, "
        "1 if any fails (no sign-in: it reads no one's records)",
    )
    add_database(ck)
    ck.set_defaults(func=cmd_db_check)
