"""The retention plan and legal holds.

:func:`plan` reads counts and dates only, never a record's content, in one read
snapshot: for each kind of record with a rule, how many are due (their event came before
the cut-off), the oldest event among them, how many would be due but are kept by a legal
hold, and, for decisions, how many reviews go with them. A kind without a rule is listed
as kept. It deletes nothing (``retention apply`` is not built yet: see
docs/operations.md).

A legal hold (:func:`place_hold`) keeps a decision, review or appeal whatever the
schedule says: a held review keeps its decision (deleting a decision deletes its
reviews), and so does a held appeal linked to it. Placing and releasing a hold are
audited with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.retention import (
    LABELS,
    RecordKind,
    RetentionRules,
    RetentionRulesError,
    Rule,
    parse_rules,
)
from rcrp_tui.services import audit
from rcrp_tui.services.context import Ctx
from rcrp_tui.services.errors import Conflict, NotFound, ValidationFailed
from rcrp_tui.services.free_text import MAX_REASON_LENGTH, refuse_personal_data
from rcrp_tui.storage.appeal_models import appeals_table
from rcrp_tui.storage.coaching_models import coaching_notes_table
from rcrp_tui.storage.models import audit_table, decisions_table
from rcrp_tui.storage.retention_models import legal_holds_table
from rcrp_tui.storage.review_models import reviews_table
from rcrp_tui.storage.rota_models import rota_assignments_table


@dataclass(frozen=True)
class PlanLine:
    kind: RecordKind
    label: str
    rule: Rule | None
    cutoff: datetime | None
    due: int
    oldest: datetime | date | None
    related: dict[str, int] = field(default_factory=dict)
    held: int = 0  # due by date, but kept by a legal hold

    def describe(self) -> str:
        if self.rule is None or self.cutoff is None:
            return f"{self.label}: no rule, kept"
        held = f" ({self.held} more kept by a legal hold)" if self.held else ""
        head = (
            f"{self.label} ({self.rule.describe()}): {self.due} due{held}, "
            f'"{self.rule.event}" before {self.cutoff:%Y-%m-%d %H:%M}Z'
        )
        if not self.due:
            return head
        oldest = self.oldest
        when = f"{oldest:%Y-%m-%d}" if isinstance(oldest, date | datetime) else str(oldest)
        extra = "".join(f", with {n} {name}" for name, n in self.related.items())
        return f"{head}; the oldest {when}{extra}"


def load_rules(path: Path) -> RetentionRules:
    """The schedule in ``path``; a clear ``ValidationFailed`` if it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationFailed("retention rules", f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed("retention rules", f"{path} cannot be read: {exc}") from None
    try:
        return parse_rules(text, str(path))
    except RetentionRulesError as exc:
        raise ValidationFailed("retention rules", str(exc)) from None


def _due(kind: RecordKind, cutoff: datetime) -> tuple[Any, ColumnElement[bool]]:
    """The event column of ``kind`` and the condition "due before ``cutoff``"."""
    if kind is RecordKind.DECISIONS:
        column = decisions_table.c.received_at
    elif kind is RecordKind.COACHING_NOTES:
        column = coaching_notes_table.c.closed_at
    elif kind is RecordKind.APPEALS:
        column = appeals_table.c.decided_at
    elif kind is RecordKind.AUDIT_ROWS:
        column = audit_table.c.at
    else:
        column = rota_assignments_table.c.day
        return column, column < cutoff.astimezone(UTC).date()
    return column, column.is_not(None) & (column < cutoff)


_H = legal_holds_table.c
_DECISION_ID = decisions_table.c.id
_ENTITY_TABLES = {"decision": decisions_table, "review": reviews_table, "appeal": appeals_table}


def _held(entity: str, id_column: Any) -> ColumnElement[bool]:
    return exists().where(_H.entity == entity, _H.entity_id == id_column)


def _not_held(kind: RecordKind) -> ColumnElement[bool] | None:
    """The condition "no legal hold keeps this record" for a kind that can be held."""
    if kind is RecordKind.DECISIONS:
        review_held = exists().where(
            reviews_table.c.decision_id == _DECISION_ID, _held("review", reviews_table.c.id)
        )
        appeal_held = exists().where(
            appeals_table.c.decision_id == _DECISION_ID, _held("appeal", appeals_table.c.id)
        )
        return ~or_(_held("decision", _DECISION_ID), review_held, appeal_held)
    if kind is RecordKind.APPEALS:
        return ~_held("appeal", appeals_table.c.id)
    return None


def plan(ctx: Ctx, rules: RetentionRules) -> list[PlanLine]:
    """What ``rules`` make due for deletion now, kind by kind, in one snapshot."""
    ctx.require(Permission.APPLY_RETENTION)
    now = ctx.clock.now()
    lines: list[PlanLine] = []
    with ctx.db.read() as session:
        for kind in RecordKind:
            rule = rules.rule(kind)
            if rule is None:
                lines.append(PlanLine(kind, LABELS[kind], None, None, 0, None))
                continue
            cutoff = rule.cutoff(now)
            column, by_date = _due(kind, cutoff)
            not_held = _not_held(kind)
            condition = by_date if not_held is None else and_(by_date, not_held)
            due, oldest = session.execute(
                select(func.count(), func.min(column)).select_from(column.table).where(condition)
            ).one()
            held = 0
            if not_held is not None:
                all_due = session.execute(
                    select(func.count()).select_from(column.table).where(by_date)
                ).scalar_one()
                held = int(all_due) - int(due)
            related: dict[str, int] = {}
            if kind is RecordKind.DECISIONS and due:
                due_ids = select(decisions_table.c.id).where(condition)
                related["reviews"] = int(
                    session.execute(
                        select(func.count())
                        .select_from(reviews_table)
                        .where(reviews_table.c.decision_id.in_(due_ids))
                    ).scalar_one()
                )
            lines.append(
                PlanLine(kind, LABELS[kind], rule, cutoff, int(due), oldest, related, held)
            )
    return lines


# --- legal holds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HoldInfo:
    entity: str
    entity_id: int
    reason: str
    placed_at: datetime
    placed_by: str


def _entity(entity: str) -> Any:
    table = _ENTITY_TABLES.get(entity)
    if table is None:
        raise ValidationFailed(
            "record", f"{entity!r}: a legal hold is placed on a decision, a review or an appeal"
        )
    return table


def _reason(ctx: Ctx, reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("reason", "say why the record must be kept")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed(
            "reason", f"{len(reason)} characters; keep it to {MAX_REASON_LENGTH}"
        )
    refuse_personal_data(ctx, "reason", reason)
    return reason


def place_hold(ctx: Ctx, entity: str, entity_id: int, reason: str) -> HoldInfo:
    """Keep the record whatever the retention schedule says, until the hold is released."""
    table = _entity(entity)
    reason = _reason(ctx, reason)
    with ctx.writing(Permission.APPLY_RETENTION) as session:
        conn = session.connection()
        if conn.execute(select(table.c.id).where(table.c.id == entity_id)).first() is None:
            raise NotFound(f"There is no {entity} {entity_id}; no hold was placed.")
        existing = conn.execute(
            select(_H.reason).where(_H.entity == entity, _H.entity_id == entity_id)
        ).scalar()
        if existing is not None:
            raise ValidationFailed(
                "record", f"{entity} {entity_id} is already on legal hold ({existing})"
            )
        now = ctx.clock.now()
        try:
            # The whole transaction rolls back on the refusal, so no savepoint is needed.
            conn.execute(
                insert(legal_holds_table).values(
                    entity=entity,
                    entity_id=entity_id,
                    reason=reason,
                    placed_at=now,
                    placed_by_user_id=ctx.actor.user_id,
                    placed_by=ctx.actor.username,
                )
            )
        except IntegrityError as exc:
            # Another terminal placed a hold on the same record at the same moment.
            raise Conflict(f"Someone else placed a hold on {entity} {entity_id} just now.") from exc
        audit.record(session, ctx, "legal_hold_placed", entity, entity_id, after={"reason": reason})
    return HoldInfo(entity, entity_id, reason, now, ctx.actor.username)


def release_hold(ctx: Ctx, entity: str, entity_id: int, reason: str) -> None:
    """Release a hold; the record is then kept or deleted by the schedule alone."""
    _entity(entity)
    reason = _reason(ctx, reason)
    with ctx.writing(Permission.APPLY_RETENTION) as session:
        conn = session.connection()
        placed = conn.execute(
            select(_H.reason, _H.placed_by, _H.placed_at).where(
                _H.entity == entity, _H.entity_id == entity_id
            )
        ).first()
        if placed is None:
            raise NotFound(f"{entity} {entity_id} is not on legal hold; nothing was changed.")
        released = conn.execute(
            delete(legal_holds_table).where(_H.entity == entity, _H.entity_id == entity_id)
        )
        if released.rowcount != 1:
            # Another terminal released it between the read above and this delete.
            raise Conflict(f"Someone else released the hold on {entity} {entity_id} just now.")
        audit.record(
            session,
            ctx,
            "legal_hold_released",
            entity,
            entity_id,
            before={"reason": placed.reason, "placed_by": placed.placed_by},
            after={"reason": reason},
        )


def list_holds(ctx: Ctx) -> list[HoldInfo]:
    ctx.require(Permission.APPLY_RETENTION)
    with ctx.db.read() as session:
        rows = session.execute(
            select(_H.entity, _H.entity_id, _H.reason, _H.placed_at, _H.placed_by).order_by(
                _H.placed_at, _H.id
            )
        ).all()
    return [HoldInfo(*row) for row in rows]
