"""Backing up, restoring and checking the whole database (docs/operations.md).

- :func:`backup` (an administrator): audits the backup in the live database, then copies
  it (``storage.backup``) and writes the manifest beside the copy.
- :func:`restore`: checks the copy against its manifest, refuses a target holding audit
  rows the copy lacks unless forced, rebuilds the copy beside the target and checks it
  there (row counts, integrity, audit chain) before the target is touched, signs the
  administrator in against the restored records, audits the restore, then replaces the
  target and verifies its chain again.
- :func:`check`: SQLite's integrity and foreign-key checks, the month counts and the day
  counts against a direct count of the decisions, the review and answer day counts
  against a direct count of the reviews that count, and the audit chain; each a
  :class:`CheckResult`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from rcrp_tui import __version__
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.audit_verify import ChainState, verify_chain
from rcrp_tui.services.core.context import AUDIT_VERIFIER, Ctx
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.services.ops.count_checks import (
    CheckResult,
    day_counts_check,
    month_counts_check,
    review_counts_check,
)
from rcrp_tui.storage import backup as store
from rcrp_tui.storage.backup import BackupError, Manifest
from rcrp_tui.storage.db import Database


class OperationRefused(ServiceError):
    """A backup, restore or check that cannot go ahead (exit code 2)."""


@dataclass(frozen=True)
class BackupResult:
    copy: Path
    manifest_file: Path
    manifest: Manifest


def backup(ctx: Ctx, dest: Path) -> BackupResult:
    """Copy the live database to ``dest`` with its manifest; audited before the copy is
    taken, so the copy's own audit trail says who took it."""
    ctx.require(Permission.BACK_UP_DATABASE)
    dest = dest.expanduser().resolve()
    if dest.exists():
        raise OperationRefused(f"{dest} already exists: give a new name; nothing was written.")
    if not ctx.db.is_sqlite:
        try:
            store.find_tool(store.PG_DUMP)  # before the audit row: no row for no backup
        except BackupError as exc:
            raise OperationRefused(f"no backup was made: {exc}.") from None
    with ctx.writing(Permission.BACK_UP_DATABASE) as session:
        audit.record(session, ctx, "backup", "database", after={"to": str(dest)})
    taken_at = ctx.clock.now().astimezone(UTC)
    try:
        if ctx.db.is_sqlite:
            store.copy_sqlite(Path(str(ctx.db.url.database)), dest)
            manifest = store.sqlite_manifest(
                dest, source=ctx.db.display_name, taken_at=taken_at, version=__version__
            )
        else:
            conn = ctx.db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
            with conn, conn.begin():
                manifest = store.dump_postgresql(
                    conn,
                    ctx.db.url,
                    dest,
                    source=ctx.db.display_name,
                    taken_at=taken_at,
                    version=__version__,
                )
    except BackupError as exc:
        raise OperationRefused(f"no backup was made: {exc}.") from None
    return BackupResult(dest, store.write_manifest(dest, manifest), manifest)


# --- restore -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    target: str
    manifest: Manifest
    chain: ChainState
    replaced_newer_rows: int  # audit rows the target held beyond the copy (with --force)
    notes: list[str] = field(default_factory=list)


def _newer_rows(db: Database, manifest: Manifest) -> tuple[int, str]:
    """How many audit rows ``db`` holds that the copy does not, and a sentence about them
    (0 and "" when the target is new, empty, or has nothing the copy lacks)."""
    with db.engine.connect() as conn:
        head = store.chain_head(conn)
        if head is None or head.row_count == 0:
            return 0, ""
        copy_head = manifest.audit_head
        copy_last = copy_head.last_id if copy_head else 0
        purged = False
        if copy_head and copy_head.last_id <= head.last_id:
            stored = store.hash_at(conn, copy_head.last_id)
            same = stored == copy_head.last_hash
            purged = stored is None
        else:
            same = copy_head is None
        newer = max(head.last_id - copy_last, 0)
        latest = store.latest_audit_time(conn)
    latest = f"{latest:%Y-%m-%d %H:%M:%S}" if isinstance(latest, datetime) else str(latest)
    if purged:
        return max(newer, 1), (
            f"its audit trail no longer holds row {copy_last}, the copy's last (as after a "
            f"retention apply, which purges audit rows from the start of the trail; "
            f"`rcrp-tui audit verify` says whether one did), and it goes on to row "
            f"{head.last_id}, written {latest}: restoring would lose every row after the copy"
        )
    if not same:
        return max(newer, 1), (
            f"its audit trail is not the one in the copy (it differs at or before row "
            f"{copy_last}; its last row is {head.last_id}, written {latest})"
        )
    if newer:
        return newer, (
            f"it holds {newer} audit row(s) newer than the copy "
            f"({_span(copy_last + 1, head.last_id)}, the last written {latest} UTC): "
            "restoring would lose them"
        )
    return 0, ""


def _span(first: int, last: int) -> str:
    return f"row {first}" if first == last else f"rows {first} to {last}"


def _check_restored(db: Database, manifest: Manifest) -> ChainState:
    """The restored copy holds what its manifest says and its audit chain verifies."""
    with db.engine.connect() as conn:
        counts = store.table_counts(conn)
        revisions = store.schema_revisions(conn)
    if counts != manifest.row_counts:
        differ = sorted(
            name
            for name in set(counts) | set(manifest.row_counts)
            if counts.get(name) != manifest.row_counts.get(name)
        )
        raise OperationRefused(
            f"the restored copy's row counts differ from its manifest in {', '.join(differ)}; "
            "the target was not touched."
        )
    if revisions != manifest.schema_revisions:
        raise OperationRefused(
            f"the restored copy is at schema {revisions}, its manifest says "
            f"{manifest.schema_revisions}; the target was not touched."
        )
    chain = verify_chain(Ctx(db, AUDIT_VERIFIER))
    if not chain.intact:
        raise OperationRefused(f"the copy's {chain.describe()}; the target was not touched.")
    return chain


def restore(
    source: Path,
    target_url: str,
    *,
    force: bool,
    sign_in: Callable[[Database], Ctx],
) -> RestoreResult:
    """Restore the backup ``source`` into the database at ``target_url``; ``sign_in`` signs
    the administrator in against the restored records (the target may be empty or
    damaged). A refused restore leaves no file behind."""
    source = source.expanduser().resolve()
    try:
        manifest = store.read_manifest(source)
        store.check_checksum(source, manifest)
    except BackupError as exc:
        raise OperationRefused(f"{exc}.") from None
    url = make_url(target_url)
    want = store.SQLITE if url.get_backend_name() == "sqlite" else store.POSTGRESQL
    if manifest.engine != want:
        raise OperationRefused(
            f"{source} is a {manifest.engine} backup and the target is a {want} database; "
            "restore it into the same kind of database."
        )
    if want == store.POSTGRESQL:
        return _restore_postgresql(source, manifest, Database(target_url), sign_in=sign_in)
    path = Path(str(url.database))
    newer = 0  # a new file: nothing to lose
    if path.exists():
        newer = _refuse_newer(Database(target_url), manifest, force=force)
    return _restore_sqlite(source, manifest, path, newer, force=force, sign_in=sign_in)


def _refuse_newer(target: Database, manifest: Manifest, *, force: bool) -> int:
    try:
        newer, why = _newer_rows(target, manifest)
    finally:
        target.dispose()
    if newer and not force:
        raise OperationRefused(
            f"{target.display_name} was not overwritten: {why}. Restore into a new file "
            "with --database, or add --force to overwrite it (docs/operations.md)."
        )
    return newer


def _restore_sqlite(
    source: Path,
    manifest: Manifest,
    path: Path,
    newer: int,
    *,
    force: bool,
    sign_in: Callable[[Database], Ctx],
) -> RestoreResult:
    display = str(path)
    staging = path.with_name(path.name + ".restoring")
    store.remove_with_journal(staging)
    try:
        store.copy_into_sqlite(source, staging)
        staged = Database(f"sqlite:///{staging}")
        try:
            _check_restored(staged, manifest)
            result = _integrity(staged)
            if not result.passed:
                raise OperationRefused(
                    f"the copy fails SQLite's integrity check ({result.detail}); the target "
                    "was not touched."
                )
            ctx = sign_in(staged)
            ctx.require(Permission.BACK_UP_DATABASE)
            with ctx.writing(Permission.BACK_UP_DATABASE) as session:
                audit.record(
                    session,
                    ctx,
                    "restore",
                    "database",
                    after=_restore_facts(source, manifest, display, newer),
                )
        finally:
            staged.dispose()
        if path.exists() and not force:
            # Again, just before the copy: a terminal may have saved while the copy was
            # checked and the administrator signed in.
            _refuse_newer(Database(f"sqlite:///{path}"), manifest, force=False)
        store.copy_into_sqlite(staging, path)
    finally:
        store.remove_with_journal(staging)
    target = Database(f"sqlite:///{path}")
    try:
        chain = verify_chain(Ctx(target, AUDIT_VERIFIER))
    finally:
        target.dispose()
    if not chain.intact:
        raise OperationRefused(f"after restoring, the {chain.describe()}")
    return RestoreResult(source, display, manifest, chain, newer)


def _restore_facts(source: Path, manifest: Manifest, target: str, newer: int) -> dict[str, object]:
    return {
        "from": str(source),
        "sha256": manifest.sha256,
        "taken_at": manifest.taken_at,
        "into": target,
        "newer_audit_rows_overwritten": newer,
    }


def _restore_postgresql(
    source: Path, manifest: Manifest, target: Database, *, sign_in: Callable[[Database], Ctx]
) -> RestoreResult:
    with target.engine.connect() as conn:
        tables = store.table_counts(conn)
    if tables:
        raise OperationRefused(
            f"{target.display_name} is not empty ({len(tables)} tables): a PostgreSQL backup "
            "is restored into a new, empty database (createdb NAME), which then replaces the "
            "old one by name (docs/operations.md). Nothing was changed."
        )
    try:
        store.restore_postgresql(source, target.url)
    except BackupError as exc:
        raise OperationRefused(f"{exc}.") from None
    _check_restored(target, manifest)
    ctx = sign_in(target)
    ctx.require(Permission.BACK_UP_DATABASE)
    with ctx.writing(Permission.BACK_UP_DATABASE) as session:
        audit.record(
            session,
            ctx,
            "restore",
            "database",
            after=_restore_facts(source, manifest, target.display_name, 0),
        )
    chain = verify_chain(Ctx(target, AUDIT_VERIFIER))
    if not chain.intact:
        raise OperationRefused(f"after restoring, the {chain.describe()}")
    notes = [
        "Owners and grants were not restored: run `rcrp-tui db grant ROLE --database URL` "
        "for the application's role."
    ]
    return RestoreResult(source, target.display_name, manifest, chain, 0, notes)


# --- check ---------------------------------------------------------------------------------


def _integrity(db: Database) -> CheckResult:
    name = "integrity (PRAGMA integrity_check)"
    if not db.is_sqlite:
        return CheckResult(
            name,
            True,
            "PostgreSQL checks its own pages; pg_amcheck checks its indexes",
            applies=False,
        )
    with db.engine.connect() as conn:
        rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
    if rows == ["ok"]:
        return CheckResult(name, True, "ok")
    shown = "; ".join(rows[:5]) + (f"; and {len(rows) - 5} more" if len(rows) > 5 else "")
    return CheckResult(name, False, shown)


def _foreign_keys(db: Database) -> CheckResult:
    name = "foreign keys (PRAGMA foreign_key_check)"
    if not db.is_sqlite:
        return CheckResult(
            name, True, "PostgreSQL enforces every foreign key on each write", applies=False
        )
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if not rows:
        return CheckResult(name, True, "every reference points at a row that exists")
    shown = "; ".join(f"{t} row {rowid} -> {parent}" for t, rowid, parent, _fk in rows[:5])
    more = f"; and {len(rows) - 5} more" if len(rows) > 5 else ""
    return CheckResult(name, False, f"{len(rows)} dangling reference(s): {shown}{more}")


def _chain(db: Database) -> CheckResult:
    state = verify_chain(Ctx(db, AUDIT_VERIFIER))
    detail = state.describe()
    if state.guard_problems:
        detail += "; warning: " + "; ".join(state.guard_problems)
    return CheckResult("audit chain", state.intact, detail)


def check(db: Database) -> list[CheckResult]:
    """Every check, in order; none writes anything."""
    results = [_integrity(db), _foreign_keys(db)]
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM decisions LIMIT 1"))
    except Exception as exc:  # a damaged file: say so rather than stop on it
        results.append(CheckResult("tables", False, f"the decisions cannot be read: {exc}"))
        return results
    results.append(month_counts_check(db))
    results.append(day_counts_check(db))
    results.append(review_counts_check(db))
    results.append(_chain(db))
    return results
