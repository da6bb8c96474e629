"""Copies of a live database, the manifest beside each copy, and restoring from one.

SQLite: :func:`copy_sqlite` uses SQLite's online backup API (``sqlite3.Connection.backup``)
in one step, so the copy is one consistent snapshot even while terminals keep saving (in
WAL mode a reader blocks no writer); a plain file copy could miss saves still in the
``-wal`` file. The copy is switched to an ordinary rollback journal so it is one
self-contained file, then moved into place under its name: a half-written copy never
carries the name of a backup.

PostgreSQL: :func:`dump_postgresql` runs ``pg_dump`` (custom format) on a snapshot exported
from a REPEATABLE READ transaction, and reads the manifest's counts and chain head in that
same transaction, so the manifest describes exactly the dump.

The manifest (``DEST.manifest.json``) records when, from where, the schema revisions, the
rows in every table, the audit chain head and the copy's SHA-256. Every file is created
owner-only through ``private_files``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import URL

from rcrp_tui.private_files import create_private_file, make_private_folder, write_private

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = "rcrp-backup-1"
SQLITE, POSTGRESQL = "sqlite", "postgresql"
_BUSY_MS = 15_000


class BackupError(Exception):
    """A backup or restore that cannot go ahead; ``str()`` says why, in plain words."""


@dataclass(frozen=True)
class ChainHead:
    last_id: int
    last_hash: str | None
    row_count: int


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, written beside it as JSON."""

    taken_at: str  # ISO 8601 UTC
    engine: str  # "sqlite" or "postgresql"
    source: str  # the database's display name (never a password)
    file: str  # the copy's file name, beside the manifest
    sha256: str
    size: int
    schema_revisions: list[str]
    row_counts: dict[str, int]
    audit_head: ChainHead | None
    app_version: str
    format: str = MANIFEST_FORMAT
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, raw: str, where: Path) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != MANIFEST_FORMAT:
                raise BackupError(
                    f"{where} is not an rcrp-tui backup manifest (format "
                    f"{data.get('format')!r}, expected {MANIFEST_FORMAT!r})"
                )
            head = data.pop("audit_head")
            return cls(**data, audit_head=ChainHead(**head) if head else None)
        except (ValueError, TypeError, AttributeError) as exc:
            raise BackupError(f"{where} cannot be read as a backup manifest: {exc}") from None


def manifest_path(copy: Path) -> Path:
    return copy.with_name(copy.name + MANIFEST_SUFFIX)


def read_manifest(copy: Path) -> Manifest:
    path = manifest_path(copy)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BackupError(
            f"there is no manifest beside {copy} (expected {path}): without it the copy "
            "cannot be checked, so it is not restored"
        ) from None
    return Manifest.from_json(raw, path)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_checksum(copy: Path, manifest: Manifest) -> None:
    """Refuse a copy whose SHA-256 or size is not the manifest's."""
    if not copy.is_file():
        raise BackupError(f"{copy}: no such backup file")
    actual = sha256_of(copy)
    if actual != manifest.sha256:
        raise BackupError(
            f"{copy} does not match its manifest: SHA-256 {actual[:16]}…, the manifest "
            f"says {manifest.sha256[:16]}…. The copy was changed or damaged; it is not "
            "restored"
        )


# --- reading what a database holds -------------------------------------------------------


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows in every table of the database (names sorted)."""
    names = sorted(inspect(conn).get_table_names())
    preparer = conn.dialect.identifier_preparer
    return {
        name: int(conn.execute(text(f"SELECT count(*) FROM {preparer.quote(name)}")).scalar_one())
        for name in names
    }


def schema_revisions(conn: Connection) -> list[str]:
    if "alembic_version" not in inspect(conn).get_table_names():
        return []
    return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def chain_head(conn: Connection) -> ChainHead | None:
    if "audit_chain_head" not in inspect(conn).get_table_names():
        return None
    row = conn.execute(
        text("SELECT last_id, last_hash, row_count FROM audit_chain_head WHERE id = 1")
    ).first()
    return None if row is None else ChainHead(int(row[0]), row[1], int(row[2]))


def hash_at(conn: Connection, row_id: int) -> str | None:
    """The audit row ``row_id``'s hash, or None when there is no such row."""
    return conn.execute(
        text("SELECT row_hash FROM audit_log WHERE id = :id"), {"id": row_id}
    ).scalar()


def latest_audit_time(conn: Connection) -> Any:
    return conn.execute(text("SELECT max(at) FROM audit_log")).scalar()


# --- SQLite --------------------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=_BUSY_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
    return conn


def remove_with_journal(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_sqlite(source: Path, dest: Path) -> None:
    """Copy the live SQLite database ``source`` to a new file ``dest`` (owner-only), as one
    consistent snapshot, in rollback-journal mode so the copy is one file."""
    if dest.exists():
        raise BackupError(f"{dest} already exists: give a new name, nothing was overwritten")
    make_private_folder(dest.parent)
    partial = dest.with_name(dest.name + ".partial")
    remove_with_journal(partial)
    create_private_file(partial)
    try:
        with closing(_connect(source)) as src, closing(_connect(partial)) as out:
            src.backup(out)  # pages=-1: every page in one step, one snapshot
            out.execute("PRAGMA journal_mode = DELETE")
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, dest)
    except BaseException:
        remove_with_journal(partial)
        raise


def copy_into_sqlite(source: Path, target: Path) -> None:
    """Replace the content of the SQLite database ``target`` (created owner-only if new)
    with ``source``'s, through the backup API: one transaction on the target, so a
    terminal that has it open waits, then sees the restored records, never half of them."""
    make_private_folder(target.parent)
    create_private_file(target)
    with closing(_connect(source)) as src, closing(_connect(target)) as out:
        src.backup(out)


@contextmanager
def read_sqlite_file(path: Path) -> Iterator[Connection]:
    """A read-only SQLAlchemy connection to a backup file (the file is not changed)."""
    from sqlalchemy import create_engine

    uri = f"file:{path.resolve()}?mode=ro&immutable=1"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def sqlite_manifest(copy: Path, *, source: str, taken_at: datetime, version: str) -> Manifest:
    with read_sqlite_file(copy) as conn:
        return Manifest(
            taken_at=taken_at.isoformat(),
            engine=SQLITE,
            source=source,
            file=copy.name,
            sha256=sha256_of(copy),
            size=copy.stat().st_size,
            schema_revisions=schema_revisions(conn),
            row_counts=table_counts(conn),
            audit_head=chain_head(conn),
            app_version=version,
        )


def write_manifest(copy: Path, manifest: Manifest) -> Path:
    path = manifest_path(copy)
    write_private(path, manifest.to_json())
    return path


# --- PostgreSQL ----------------------------------------------------------------------------

PG_DUMP, PG_RESTORE = "pg_dump", "pg_restore"


def find_tool(name: str) -> str:
    """The path of a PostgreSQL client program, or a refusal saying how to get it."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed on this machine (or not on PATH), so a PostgreSQL "
            f"database cannot be {'backed up' if name == PG_DUMP else 'restored'} here. "
            "Install the PostgreSQL client programs of the server's major version (Debian: "
            "apt-get install postgresql-client-15), or run the command on the server "
            "(docs/operations.md)"
        )
    return found


def libpq_arguments(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it
    (so the password is never on a command line another user could list)."""
    plain = url.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), env


def dump_postgresql(
    conn: Connection, url: URL, dest: Path, *, source: str, taken_at: datetime, version: str
) -> Manifest:
    """``pg_dump`` the database into ``dest`` (custom format, owner-only) from a snapshot of
    ``conn``'s REPEATABLE READ transaction; the manifest is read in that transaction."""
    tool = find_tool(PG_DUMP)
    if dest.exists():
        raise BackupError(f"{dest} already exists: give a new name, nothing was overwritten")
    snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    counts = table_counts(conn)
    revisions = schema_revisions(conn)
    head = chain_head(conn)
    make_private_folder(dest.parent)
    partial = dest.with_name(dest.name + ".partial")
    write_private(partial, b"")
    dsn, env = libpq_arguments(url)
    try:
        with partial.open("r+b") as out:
            done = subprocess.run(
                [tool, "--format=custom", f"--snapshot={snapshot}", "--dbname", dsn],
                stdout=out,
                stderr=subprocess.PIPE,
                env=env,
                check=False,
            )
            os.fsync(out.fileno())
        if done.returncode != 0:
            raise BackupError(
                f"pg_dump failed (exit {done.returncode}): "
                f"{done.stderr.decode(errors='replace').strip()}"
            )
        os.replace(partial, dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Manifest(
        taken_at=taken_at.isoformat(),
        engine=POSTGRESQL,
        source=source,
        file=dest.name,
        sha256=sha256_of(dest),
        size=dest.stat().st_size,
        schema_revisions=revisions,
        row_counts=counts,
        audit_head=head,
        app_version=version,
    )


def restore_postgresql(copy: Path, url: URL) -> None:
    """``pg_restore`` a dump into an empty database, in one transaction. The dump creates
    the audit triggers after loading the rows (post-data), so the rows go in unchanged."""
    tool = find_tool(PG_RESTORE)
    dsn, env = libpq_arguments(url)
    done = subprocess.run(
        [
            tool,
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            dsn,
            str(copy),
        ],
        capture_output=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(
            f"pg_restore failed (exit {done.returncode}); nothing was restored: "
            f"{done.stderr.decode(errors='replace').strip()}"
        )
