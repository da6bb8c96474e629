"""The audit trail: one append-only row for every change, written in the change's own
transaction, so a change without its audit record cannot exist.

Every row is added through :func:`append_row` (``record`` for a service's change), which
links it into the hash chain (``storage.audit_chain``); ``services.core.audit_verify`` walks
the chain to prove nothing was changed, removed, inserted or moved since.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, col, select

from rcrp_tui.domain.clock import Clock, SystemClock
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.storage import audit_chain
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return str(value)


def _dump(data: Mapping[str, Any] | None) -> str | None:
    if data is None:
        return None
    return json.dumps(dict(data), default=_default, sort_keys=True, ensure_ascii=False)


def record(
    session: Session,
    ctx: Ctx,
    action: str,
    entity: str,
    entity_id: object | None = None,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Add an audit row, linked into the hash chain, to ``session``'s transaction."""
    append_row(
        session,
        at=ctx.clock.now(),
        actor_user_id=ctx.actor.user_id,
        actor=ctx.actor.username,
        actor_role=ctx.actor.role.value,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before_json=_dump(before),
        after_json=_dump(after),
    )


def append_row(
    session: Session,
    *,
    at: datetime,
    actor_user_id: int | None,
    actor: str,
    actor_role: str,
    action: str,
    entity: str,
    entity_id: str | None = None,
    before_json: str | None = None,
    after_json: str | None = None,
) -> int:
    """Add one audit row at the end of the chain (keyed when ``RCRP_AUDIT_KEY`` is set).

    For writers that are not acting as a signed-in ``Ctx`` (sign-in itself). A row put in
    the log outside the chain stops every audited change, with a message saying so,
    rather than letting the chain fork around it.
    """
    try:
        return audit_chain.append(
            session,
            at=at,
            actor_user_id=actor_user_id,
            actor=actor,
            actor_role=actor_role,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before_json=before_json,
            after_json=after_json,
            key=audit_chain.audit_key(),
        )
    except audit_chain.ChainConflict as exc:
        raise ServiceError(
            f"Nothing was saved: {exc}. Ask an administrator to run `rcrp-tui audit verify`."
        ) from None


#: The actor named on audit rows the app writes for itself (restoring a guard trigger).
SYSTEM_ACTOR = "rcrp-tui"


def restore_guards(db: Database, clock: Clock | None = None) -> list[str]:
    """Re-create any audit guard trigger missing from a SQLite database, and audit it.

    Run whenever the app or a command opens a SQLite database. Returns the triggers it had
    to restore (usually none). A database not yet migrated to the hash chain is left alone;
    PostgreSQL triggers belong to the schema owner (``verify_chain`` reports them).
    """
    if not db.is_sqlite:
        return []
    with db.read() as session:
        if not audit_chain.missing_sqlite_triggers(session.connection()):
            return []
    with db.write() as session:
        restored = audit_chain.restore_sqlite_triggers(session.connection())
        if restored:
            # The chain cannot take a row when someone added one outside it: the triggers
            # are worth more restored than not, and `audit verify` names that row.
            with suppress(audit_chain.ChainConflict):
                audit_chain.append(
                    session,
                    at=(clock or SystemClock()).now(),
                    actor_user_id=None,
                    actor=SYSTEM_ACTOR,
                    actor_role="system",
                    action="audit_trigger_restored",
                    entity="audit_log",
                    after_json=_dump({"triggers": restored}),
                    key=audit_chain.audit_key(),
                )
    return restored


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    actor_role: str
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def entries(
    ctx: Ctx, *, entity: str | None = None, entity_id: object | None = None, limit: int = 200
) -> list[AuditRow]:
    """The newest audit rows, optionally for one entity."""
    ctx.require(Permission.VIEW_AUDIT)
    stmt = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if entity is not None:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == str(entity_id))
    with ctx.db.read() as session:
        return [
            AuditRow(
                id=e.id or 0,
                at=e.at,
                actor=e.actor,
                actor_role=e.actor_role,
                action=e.action,
                entity=e.entity,
                entity_id=e.entity_id,
                before=json.loads(e.before_json) if e.before_json else None,
                after=json.loads(e.after_json) if e.after_json else None,
            )
            for e in session.exec(stmt)
        ]
