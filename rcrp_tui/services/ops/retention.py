"""The retention plan, its application, and legal holds.

:func:`plan` reads counts and dates only, never a record's content, in one read
snapshot: for each kind of record with a rule, how many are due (their event came before
the cut-off), the oldest event among them, how many would be due but are kept by a legal
hold, and, for decisions, how many reviews go with them. A kind without a rule is listed
as kept. It deletes nothing.

:func:`apply` deletes what the plan makes due, worked out again inside its own write
transaction, all in that one transaction, and adds one audit row saying what went
(counts, id and date ranges, never content). What goes with what (docs/operations.md,
"What a purge deletes"):

- a due decision takes its reviews with it (their answers and change history), the
  live-risk alerts raised on it and the sample items that drew it; coaching notes and
  partner appeals have rules of their own: they stay, their link to the purged decision or
  review is cleared, and they go when their own rule makes them due;
- a legal hold keeps the whole case: a hold on a decision, on one of its reviews or on an
  appeal about it keeps the decision, all its reviews, its appeals and the coaching notes
  written on its reviews;
- audit rows go from the start of the chain only, up to the last row before the first one
  that must stay (written on or after the cut-off, or naming a record on legal hold), so
  the chain that remains is unbroken; the audit row :func:`apply` writes is the chain's
  checkpoint (``storage.audit_chain``, ``services.core.audit_verify``): it records the purged id
  range, its row count and the hash of its last row, so ``audit verify`` checks what
  remains from there.

A legal hold (:func:`place_hold`) keeps a decision, review or appeal whatever the
schedule says. Placing and releasing a hold are audited with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    Table,
    and_,
    cast,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.retention import (
    LABELS,
    RecordKind,
    RetentionRules,
    RetentionRulesError,
    Rule,
    parse_rules,
)
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, ServiceError, ValidationFailed
from rcrp_tui.services.core.free_text import MAX_REASON_LENGTH, refuse_personal_data
from rcrp_tui.storage.appeal_models import (
    appeal_themes_table,
    appeals_table,
    learning_actions_table,
)
from rcrp_tui.storage.audit_chain import CHECKPOINT_ACTION, CHECKPOINT_ENTITY, CHECKPOINT_KEY
from rcrp_tui.storage.calibration_models import (
    calibration_answers_table,
    calibration_decisions_table,
    calibration_references_table,
    calibration_scores_table,
)
from rcrp_tui.storage.coaching_models import coaching_notes_table
from rcrp_tui.storage.models import audit_chain_head_table, audit_table, decisions_table
from rcrp_tui.storage.retention_models import audit_purge_permit_table, legal_holds_table
from rcrp_tui.storage.review_models import (
    live_risk_table,
    review_answers_table,
    review_changes_table,
    reviews_table,
)
from rcrp_tui.storage.rota_models import rota_assignments_table
from rcrp_tui.storage.sampling_models import sample_items_table


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


_H = legal_holds_table.c
_A = audit_table.c
_DECISION_ID = decisions_table.c.id
_ENTITY_TABLES = {"decision": decisions_table, "review": reviews_table, "appeal": appeals_table}


def _held(entity: str, id_column: Any) -> ColumnElement[bool]:
    return exists().where(_H.entity == entity, _H.entity_id == id_column)


def _case_held(decision_id: Any) -> ColumnElement[bool]:
    """A hold on the decision ``decision_id``, on one of its reviews or on an appeal about
    it: the hold keeps the whole case."""
    held_review = reviews_table.alias("held_review")
    held_appeal = appeals_table.alias("held_appeal")
    return or_(
        _held("decision", decision_id),
        exists().where(held_review.c.decision_id == decision_id, _held("review", held_review.c.id)),
        exists().where(held_appeal.c.decision_id == decision_id, _held("appeal", held_appeal.c.id)),
    )


def _not_held(kind: RecordKind) -> ColumnElement[bool] | None:
    """The condition "no legal hold keeps this record" for a kind a hold can keep."""
    if kind is RecordKind.DECISIONS:
        return ~_case_held(_DECISION_ID)
    if kind is RecordKind.APPEALS:
        a = appeals_table.c
        return and_(
            ~_held("appeal", a.id), or_(a.decision_id.is_(None), ~_case_held(a.decision_id))
        )
    if kind is RecordKind.COACHING_NOTES:
        note_review = reviews_table.alias("note_review")
        review_id = coaching_notes_table.c.review_id
        return ~exists().where(
            note_review.c.id == review_id,
            or_(_held("review", note_review.c.id), _case_held(note_review.c.decision_id)),
        )
    return None


def _audit_keep_from(cutoff: datetime) -> Any:
    """The first audit row that must stay: written on or after the cut-off, or naming a
    record on legal hold (NULL when every row may go)."""
    names_held = exists().where(_H.entity == _A.entity, cast(_H.entity_id, String) == _A.entity_id)
    return select(func.min(_A.id)).where(or_(_A.at >= cutoff, names_held)).scalar_subquery()


def _due(kind: RecordKind, cutoff: datetime) -> tuple[Any, ColumnElement[bool]]:
    """The event column of ``kind`` and the condition "due before ``cutoff``"."""
    if kind is RecordKind.DECISIONS:
        column = decisions_table.c.received_at
    elif kind is RecordKind.COACHING_NOTES:
        column = coaching_notes_table.c.closed_at
    elif kind is RecordKind.APPEALS:
        column = appeals_table.c.decided_at
    elif kind is RecordKind.AUDIT_ROWS:
        # From the start of the chain only: a purge never leaves a hole in it.
        keep_from = _audit_keep_from(cutoff)
        return _A.at, or_(keep_from.is_(None), _A.id < keep_from)
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


# --- applying the schedule -------------------------------------------------------------------

#: Ids are deleted this many at a time (well under SQLite's bound-parameter limit).
CHUNK = 500

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Purged:
    """What one kind of record lost: how many, and the span of their ids and events."""

    count: int
    first_id: int | None = None
    last_id: int | None = None
    oldest: datetime | date | None = None
    newest: datetime | date | None = None

    def facts(self) -> dict[str, object]:
        out: dict[str, object] = {"count": self.count}
        if self.count:
            out["ids"] = [self.first_id, self.last_id]
            out["dates"] = [_day(self.oldest), _day(self.newest)]
        return out


def _day(value: datetime | date | None) -> str | None:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%d}"
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class ApplyResult:
    """What ``retention apply`` deleted, kind by kind, and what it kept and unlinked."""

    purged: dict[str, Purged]
    unlinked: dict[str, int]
    checkpoint: dict[str, object] | None
    audit_row_id: int

    @property
    def total(self) -> int:
        return sum(p.count for p in self.purged.values())

    def lines(self) -> list[str]:
        out = []
        for name, p in self.purged.items():
            if p.count:
                out.append(
                    f"{name}: {p.count} deleted (ids {p.first_id} to {p.last_id}, "
                    f"dated {_day(p.oldest)} to {_day(p.newest)})"
                )
        for name, n in self.unlinked.items():
            if n:
                out.append(
                    f"{name}: {n} kept under their own rule, their link to a purged record cleared"
                )
        if self.checkpoint:
            c = self.checkpoint
            out.append(
                f"audit chain checkpoint: row {self.audit_row_id} records rows "
                f"{c['first_id']} to {c['last_id']} purged ({c['rows']} rows), "
                f"the last one's hash {str(c['last_hash'])[:16]}…"
            )
        return out


def _ids(conn: Connection, table: Table, condition: ColumnElement[bool]) -> list[int]:
    return list(conn.execute(select(table.c.id).where(condition).order_by(table.c.id)).scalars())


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _span(conn: Connection, column: Any, id_column: Any, ids: Sequence[int]) -> Purged:
    """Count, id range and event range of ``ids`` (read before they are deleted)."""
    if not ids:
        return Purged(0)
    oldest = newest = None
    for part in _chunks(ids):
        low, high = conn.execute(
            select(func.min(column), func.max(column)).where(id_column.in_(part))
        ).one()
        oldest = low if oldest is None or (low is not None and low < oldest) else oldest
        newest = high if newest is None or (high is not None and high > newest) else newest
    return Purged(len(ids), min(ids), max(ids), oldest, newest)


def _delete(conn: Connection, table: Table, column: Any, ids: Sequence[int]) -> int:
    n = 0
    for part in _chunks(ids):
        n += conn.execute(delete(table).where(column.in_(part))).rowcount
    return n


def _unlink(conn: Connection, table: Table, column: Any, ids: Sequence[int]) -> int:
    """Clear ``column`` where it names one of ``ids``; a versioned row's version moves on,
    so a form open on it sees the change."""
    values: dict[str, Any] = {column.name: None}
    if "row_version" in table.c:
        values["row_version"] = table.c.row_version + 1
    n = 0
    for part in _chunks(ids):
        n += conn.execute(update(table).where(column.in_(part)).values(**values)).rowcount
    return n


def _ids_in(conn: Connection, table: Table, column: Any, ids: Sequence[int]) -> list[int]:
    out: list[int] = []
    for part in _chunks(ids):
        out += conn.execute(select(table.c.id).where(column.in_(part))).scalars()
    return sorted(out)


def _purge_appeals(conn: Connection, ids: Sequence[int]) -> None:
    _delete(conn, appeal_themes_table, appeal_themes_table.c.appeal_id, ids)
    _delete(conn, learning_actions_table, learning_actions_table.c.appeal_id, ids)
    _delete(conn, appeals_table, appeals_table.c.id, ids)


def _purge_decisions(
    conn: Connection, ids: Sequence[int], purged: dict[str, Purged], unlinked: dict[str, int]
) -> None:
    """Delete decisions ``ids`` with their reviews, alerts and sample items; coaching
    notes and appeals that point at them stay, unlinked."""
    r, alerts, items = reviews_table.c, live_risk_table.c, sample_items_table.c
    review_ids = _ids_in(conn, reviews_table, r.decision_id, ids)
    purged["reviews"] = _span(conn, r.created_at, r.id, review_ids)
    alert_ids = sorted(
        set(_ids_in(conn, live_risk_table, alerts.decision_id, ids))
        | set(_ids_in(conn, live_risk_table, alerts.review_id, review_ids))
    )
    purged["live-risk alerts"] = _span(conn, alerts.raised_at, alerts.id, alert_ids)
    item_ids = _ids_in(conn, sample_items_table, items.decision_id, ids)
    purged["sample items"] = Purged(
        len(item_ids), *((min(item_ids), max(item_ids)) if item_ids else (None, None))
    )
    unlinked["coaching notes"] = _unlink(
        conn, coaching_notes_table, coaching_notes_table.c.review_id, review_ids
    )
    unlinked["appeals"] = len(
        set(_ids_in(conn, appeals_table, appeals_table.c.decision_id, ids))
        | set(_ids_in(conn, appeals_table, appeals_table.c.review_id, review_ids))
    )
    _unlink(conn, appeals_table, appeals_table.c.decision_id, ids)
    _unlink(conn, appeals_table, appeals_table.c.review_id, review_ids)
    _delete(conn, live_risk_table, alerts.id, alert_ids)
    _unlink(conn, sample_items_table, items.replacement_of_item_id, item_ids)
    _delete(conn, sample_items_table, items.id, item_ids)
    _delete(conn, review_answers_table, review_answers_table.c.review_id, review_ids)
    _delete(conn, review_changes_table, review_changes_table.c.review_id, review_ids)
    _delete(conn, reviews_table, r.id, review_ids)
    _purge_calibration(conn, ids, purged)
    _delete(conn, decisions_table, _DECISION_ID, ids)


def _purge_calibration(conn: Connection, ids: Sequence[int], purged: dict[str, Purged]) -> None:
    """A purged decision leaves every calibration session it was in, with its scores,
    their answers and its reference answers (the session keeps its other decisions)."""
    sc = calibration_scores_table.c
    score_ids = _ids_in(conn, calibration_scores_table, sc.decision_id, ids)
    if score_ids:
        purged["calibration scores"] = _span(conn, sc.created_at, sc.id, score_ids)
    _delete(conn, calibration_answers_table, calibration_answers_table.c.score_id, score_ids)
    _delete(conn, calibration_scores_table, sc.id, score_ids)
    for table in (calibration_references_table, calibration_decisions_table):
        _delete(conn, table, table.c.decision_id, ids)


def _previous_checkpoint(conn: Connection) -> dict[str, Any] | None:
    """The newest checkpoint still in the log (the one with the highest purged id)."""
    best: dict[str, Any] | None = None
    rows = conn.execute(
        select(_A.after_json).where(_A.entity == CHECKPOINT_ENTITY, _A.action == CHECKPOINT_ACTION)
    ).scalars()
    for raw in rows:
        data = json.loads(raw or "{}").get(CHECKPOINT_KEY)
        if data and (best is None or int(data["last_id"]) > int(best["last_id"])):
            best = data
    return best


def _audit_due(conn: Connection, condition: ColumnElement[bool]) -> Purged:
    """The audit rows due: a run from the start of the chain, counted without listing it
    (a long-kept log may hold millions)."""
    n, first, last, oldest, newest = conn.execute(
        select(func.count(), func.min(_A.id), func.max(_A.id), func.min(_A.at), func.max(_A.at))
        .select_from(audit_table)
        .where(condition)
    ).one()
    return Purged(int(n), first, last, oldest, newest)


def _purge_audit(conn: Connection, due: Purged) -> dict[str, object]:
    """Delete the due audit rows under a purge permit; the checkpoint that goes into the
    apply's own audit row."""
    last_id = due.last_id
    last_hash = conn.execute(select(_A.row_hash).where(_A.id == last_id)).scalar_one()
    before = _previous_checkpoint(conn)
    total = due.count + (int(before["purged_total"]) if before else 0)
    conn.execute(insert(audit_purge_permit_table).values(up_to_id=last_id))
    try:
        deleted = conn.execute(delete(audit_table).where(_A.id <= last_id)).rowcount
    except DBAPIError as exc:
        if "permission denied" in str(exc.orig).lower():
            raise ServiceError(
                "Nothing was deleted: this database account may not delete audit rows. Run "
                "`retention apply` connected as the schema owner (the account that runs "
                "migrations), or remove [audit_rows] from the rules for this run."
            ) from None
        raise
    conn.execute(delete(audit_purge_permit_table))  # never committed with a row in it
    if deleted != due.count:
        raise Conflict(
            f"Nothing was deleted: {deleted} audit rows up to row {last_id} were found, "
            f"{due.count} expected. Run `rcrp-tui audit verify`."
        )
    return {
        "first_id": due.first_id,
        "last_id": last_id,
        "rows": due.count,
        "last_hash": last_hash,
        "purged_total": total,
    }


def apply(ctx: Ctx, rules: RetentionRules, progress: Progress | None = None) -> ApplyResult:
    """Delete everything ``rules`` make due now, in one transaction, with one audit row.

    ``progress`` is told the name of each step as it finishes, inside the transaction
    (the tests kill the process there to prove a half-done purge leaves nothing behind).
    """
    step: Progress = progress or (lambda _name: None)
    now = ctx.clock.now()
    purged: dict[str, Purged] = {}
    unlinked: dict[str, int] = {}
    checkpoint: dict[str, object] | None = None
    cutoffs: dict[str, str] = {}
    with ctx.writing(Permission.APPLY_RETENTION) as session:
        conn = session.connection()
        due: dict[RecordKind, list[int]] = {}
        audit_due = Purged(0)
        for kind in RecordKind:
            rule = rules.rule(kind)
            if rule is None:
                continue
            cutoff = rule.cutoff(now)
            cutoffs[kind.value] = f"{cutoff.astimezone(UTC):%Y-%m-%dT%H:%MZ}"
            column, by_date = _due(kind, cutoff)
            not_held = _not_held(kind)
            condition = by_date if not_held is None else and_(by_date, not_held)
            if kind is RecordKind.AUDIT_ROWS:
                audit_due = _audit_due(conn, condition)
            else:
                due[kind] = _ids(conn, column.table, condition)
        # Every due set is read before anything is deleted, so one kind's deletions (an
        # appeal unlinked from a purged decision) never change what another kind finds due.
        notes, n = coaching_notes_table.c, due.get(RecordKind.COACHING_NOTES, [])
        purged["coaching notes"] = _span(conn, notes.closed_at, notes.id, n)
        _delete(conn, coaching_notes_table, notes.id, n)
        step("coaching_notes")
        a, ids = appeals_table.c, due.get(RecordKind.APPEALS, [])
        purged["appeals"] = _span(conn, a.decided_at, a.id, ids)
        _purge_appeals(conn, ids)
        step("appeals")
        ids = due.get(RecordKind.DECISIONS, [])
        purged["decisions"] = _span(conn, decisions_table.c.received_at, _DECISION_ID, ids)
        _purge_decisions(conn, ids, purged, unlinked)
        step("decisions")
        shifts, ids = rota_assignments_table.c, due.get(RecordKind.ROTA, [])
        purged["rota shifts"] = _span(conn, shifts.day, shifts.id, ids)
        _delete(conn, rota_assignments_table, shifts.id, ids)
        step("rota")
        purged["audit rows"] = audit_due
        if audit_due.count:
            checkpoint = _purge_audit(conn, audit_due)
        step("audit_rows")
        after: dict[str, object] = {
            "rules": rules.source,
            "cutoffs": cutoffs,
            "deleted": {name: p.facts() for name, p in purged.items()},
            "unlinked": unlinked,
        }
        if checkpoint is not None:
            after[CHECKPOINT_KEY] = checkpoint
        audit.record(session, ctx, CHECKPOINT_ACTION, CHECKPOINT_ENTITY, after=after)
        row_id = int(
            conn.execute(
                select(audit_chain_head_table.c.last_id).where(audit_chain_head_table.c.id == 1)
            ).scalar_one()
        )
        step("audited")
    return ApplyResult(purged, unlinked, checkpoint, row_id)
