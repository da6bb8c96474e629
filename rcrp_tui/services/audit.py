"""The audit trail: one append-only row for every change, written in the change's own
transaction, so a change without its audit record cannot exist."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, col, select

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.services.context import Ctx
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
    """Add an audit row to ``session``'s transaction."""
    session.add(
        AuditEntry(
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
    )


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
