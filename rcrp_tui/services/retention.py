"""The retention plan: what the force's schedule makes due for deletion, and how much.

:func:`plan` reads counts and dates only, never a record's content, in one read
snapshot: for each kind of record with a rule, how many are due (their event came before
the cut-off), the oldest event among them, and, for decisions, how many reviews go with
them. A kind without a rule is listed as kept. It deletes nothing (``retention apply`` is
not built yet: see docs/operations.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, select

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.retention import (
    LABELS,
    RecordKind,
    RetentionRules,
    RetentionRulesError,
    Rule,
    parse_rules,
)
from rcrp_tui.services.context import Ctx
from rcrp_tui.services.errors import ValidationFailed
from rcrp_tui.storage.appeal_models import appeals_table
from rcrp_tui.storage.coaching_models import coaching_notes_table
from rcrp_tui.storage.models import audit_table, decisions_table
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

    def describe(self) -> str:
        if self.rule is None or self.cutoff is None:
            return f"{self.label}: no rule, kept"
        head = (
            f"{self.label} ({self.rule.describe()}): {self.due} due, "
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
            column, condition = _due(kind, cutoff)
            due, oldest = session.execute(
                select(func.count(), func.min(column)).select_from(column.table).where(condition)
            ).one()
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
            lines.append(PlanLine(kind, LABELS[kind], rule, cutoff, int(due), oldest, related))
    return lines
