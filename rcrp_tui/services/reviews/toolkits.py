"""Adding and reading toolkit versions.

A toolkit version is immutable once any review has used it, so an old review can always
be read against the criteria it was scored on. In practice we go further: a (toolkit,
version) pair, once stored, never changes. Re-adding the identical text is a harmless
no-op; different text under a version already stored is refused with a request to give
it a new version number.

The shipped ``rcrp-national`` toolkit is put into every database the first time toolkits
are used (``ensure_shipped``), so a new database can be scored against at once.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rcrp_tui.domain.enums import Category, Role
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.toolkit import (
    Toolkit,
    ToolkitError,
    parse_toolkit,
    sha256_of,
    shipped_toolkit_source,
)
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, ValidationFailed
from rcrp_tui.storage.review_models import ToolkitVersion, reviews_table, toolkits_table

#: The application itself, when it installs the shipped toolkit.
SYSTEM = Actor(None, "system", "rcrp-tui", Role.ADMINISTRATOR)

_T = toolkits_table.c
# Parsing is pure and deterministic, so a parsed toolkit is cached by the hash of its text.
_PARSED: dict[str, Toolkit] = {}


@dataclass(frozen=True)
class ToolkitInfo:
    row_id: int
    key: str
    version: str
    title: str
    sha256: str
    added_at: datetime
    added_by: str
    reviews: int


@dataclass(frozen=True)
class AddResult:
    info: ToolkitInfo
    added: bool  # False when the identical version was already there


def parse_cached(source: str, name: str) -> Toolkit:
    digest = sha256_of(source)
    if digest not in _PARSED:
        _PARSED[digest] = parse_toolkit(source, name)
    return _PARSED[digest]


def add_from_file(ctx: Ctx, path: Path) -> AddResult:
    """Validate the TOML file at ``path`` and store it as a new toolkit version."""
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationFailed(str(path), f"cannot read the file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ValidationFailed(str(path), "is not UTF-8 text") from None
    return add_source(ctx, source, path.name)


def add_source(ctx: Ctx, source: str, name: str) -> AddResult:
    """Store a toolkit version from its TOML text (validated first; all or nothing)."""
    try:
        toolkit = parse_cached(source, name)
    except ToolkitError as exc:
        listed = "\n  ".join(exc.problems)
        raise ValidationFailed(name, f"is not a valid toolkit:\n  {listed}") from None
    with ctx.writing(Permission.MANAGE_TOOLKITS) as session:
        existing = session.execute(
            select(toolkits_table).where(
                _T.toolkit_id == toolkit.key, _T.version == toolkit.version
            )
        ).first()
        if existing is not None:
            if existing.sha256 == toolkit.sha256:
                return AddResult(_info(session, existing), added=False)
            used = session.execute(
                select(func.count()).where(reviews_table.c.toolkit_row_id == existing.id)
            ).scalar_one()
            in_use = f"; {used} review(s) were scored on it" if used else ""
            raise Conflict(
                f"{toolkit.key} version {toolkit.version} is already stored with different "
                f"content{in_use}. A stored version never changes: give the file a new "
                "version number and add it again."
            )
        row = ToolkitVersion(
            toolkit_id=toolkit.key,
            version=toolkit.version,
            title=toolkit.title,
            source=source,
            sha256=toolkit.sha256,
            added_at=ctx.clock.now(),
            added_by=ctx.actor.username,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            ctx,
            "toolkit_added",
            "toolkit",
            row.id,
            after={
                "toolkit_id": row.toolkit_id,
                "version": row.version,
                "title": row.title,
                "sha256": row.sha256,
                "criteria": len(toolkit.criteria),
            },
        )
        stored = session.execute(select(toolkits_table).where(_T.id == row.id)).one()
        return AddResult(_info(session, stored), added=True)


def ensure_shipped(ctx: Ctx) -> None:
    """Store the shipped toolkit's current version if this database lacks it."""
    shipped = parse_cached(shipped_toolkit_source(), "rcrp-national.toml")
    with ctx.db.read() as session:
        present = session.execute(
            select(exists().where(_T.toolkit_id == shipped.key, _T.version == shipped.version))
        ).scalar()
    if present:
        return
    # Another terminal may store it between our check and our insert: that is fine.
    with suppress(IntegrityError):
        add_source(ctx.as_actor(SYSTEM), shipped_toolkit_source(), "rcrp-national.toml")


def list_toolkits(ctx: Ctx) -> list[ToolkitInfo]:
    """Every stored toolkit version, newest first, with how many reviews used each."""
    ensure_shipped(ctx)
    with ctx.db.read() as session:
        rows = session.execute(select(toolkits_table).order_by(_T.id.desc()).limit(500)).all()
        return [_info(session, r) for r in rows]


def load(ctx: Ctx, row_id: int) -> Toolkit:
    """The parsed toolkit stored under ``row_id`` (any signed-in role may read criteria)."""
    with ctx.db.read() as session:
        row = session.execute(select(_T.source, _T.toolkit_id).where(_T.id == row_id)).first()
    if row is None:
        raise NotFound(f"no toolkit version with id {row_id}")
    return parse_cached(row.source, f"{row.toolkit_id}.toml")


def current_for(ctx: Ctx, category: Category) -> tuple[int, Toolkit]:
    """The toolkit a new review of ``category`` uses: the most recently added version of
    any toolkit that covers the category."""
    ensure_shipped(ctx)
    with ctx.db.read() as session:
        rows = session.execute(
            select(_T.id, _T.source, _T.toolkit_id).order_by(_T.id.desc()).limit(50)
        ).all()
    for row in rows:
        toolkit = parse_cached(row.source, f"{row.toolkit_id}.toml")
        if category in toolkit.categories:
            return row.id, toolkit
    raise NotFound(f"no stored toolkit covers the category {category.label}")


def _info(session: Session, row: Row[Any]) -> ToolkitInfo:
    used = session.execute(
        select(func.count()).where(reviews_table.c.toolkit_row_id == row.id)
    ).scalar_one()
    return ToolkitInfo(
        row_id=row.id,
        key=row.toolkit_id,
        version=row.version,
        title=row.title,
        sha256=row.sha256,
        added_at=row.added_at,
        added_by=row.added_by,
        reviews=int(used),
    )
