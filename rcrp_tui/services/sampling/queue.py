"""The shared sample queue: take next, assign, finish, skip and replace.

"Take next" must never hand the same item to two terminals. On SQLite every write
transaction begins IMMEDIATE (``Database.write``), so the select-then-update runs under the
write lock; on PostgreSQL the candidate row is locked with ``FOR UPDATE SKIP LOCKED``, so a
second terminal passes over it to the next one instead of waiting. The update is also
conditional on the item still being open, as a last guard.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, or_, select, update
from sqlmodel import Session

from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.domain.sampling import SampleItemStatus, SamplingSpec, replacement_rank
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.concurrency import cas_update, check_seen
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, ValidationFailed
from rcrp_tui.services.core.free_text import refuse_personal_data
from rcrp_tui.services.sampling.plans import require_sample_reader
from rcrp_tui.services.sampling.population import (
    OPEN_SAMPLE,
    PopulationFilter,
    conditions,
    excluded_decisions,
    method_conditions,
    stratum_conditions,
)
from rcrp_tui.services.sampling.progress import SampleProgress as SampleProgress
from rcrp_tui.services.sampling.progress import StratumProgress as StratumProgress
from rcrp_tui.services.sampling.progress import progress as progress
from rcrp_tui.storage import change_feed
from rcrp_tui.storage.models import decisions_table, users_table
from rcrp_tui.storage.sampling_models import REASON_MAX, sample_items_table, samples_table

_I = sample_items_table.c
_D = decisions_table.c
_S = samples_table.c


@dataclass(frozen=True)
class QueueItem:
    id: int
    sample_id: int
    position: int
    decision_id: int
    cad_ref: str
    category: str
    outcome: str
    received_at: datetime
    stratum: str
    design_weight: float
    status: str
    assigned_to_user_id: int | None
    claimed_by_user_id: int | None
    claimed_at: datetime | None
    reason: str | None
    replacement_of_item_id: int | None
    row_version: int


_ITEM_COLUMNS = (
    _I.id,
    _I.sample_id,
    _I.position,
    _I.decision_id,
    _D.cad_ref,
    _D.category,
    _D.outcome,
    _D.received_at,
    _I.stratum,
    _I.design_weight,
    _I.status,
    _I.assigned_to_user_id,
    _I.claimed_by_user_id,
    _I.claimed_at,
    _I.reason,
    _I.replacement_of_item_id,
    _I.row_version,
)


def _items() -> Any:
    return select(*_ITEM_COLUMNS).join(decisions_table, _D.id == _I.decision_id)


def _item(session: Session, item_id: int) -> QueueItem:
    row = session.execute(_items().where(_I.id == item_id)).first()
    if row is None:
        raise NotFound(f"There is no sample item {item_id}.")
    return QueueItem(*row)


def _me(ctx: Ctx) -> int:
    if ctx.actor.user_id is None:
        raise ValidationFailed("user", "sample items are claimed by a signed-in person")
    return ctx.actor.user_id


def _open_sample(session: Session, sample_id: int) -> None:
    status = session.execute(select(_S.status).where(_S.id == sample_id)).scalar()
    if status is None:
        raise NotFound(f"There is no sample {sample_id}.")
    if status != OPEN_SAMPLE:
        raise Conflict(f"Sample {sample_id} is closed.")


def take_next(ctx: Ctx, sample_id: int) -> QueueItem | None:
    """Claim the next open item (assigned to me first, then unassigned); None when empty.

    Someone already holding a claimed item in this sample gets that item back.
    """
    me = _me(ctx)
    with ctx.writing(Permission.WORK_SAMPLES) as session:
        _open_sample(session, sample_id)
        held = session.execute(
            select(_I.id)
            .where(
                _I.sample_id == sample_id,
                _I.status == SampleItemStatus.CLAIMED,
                _I.claimed_by_user_id == me,
            )
            .order_by(_I.position)
            .limit(1)
        ).scalar()
        if held is not None:
            return _item(session, held)
        while True:
            stmt = (
                select(_I.id, _I.row_version)
                .where(
                    _I.sample_id == sample_id,
                    _I.status == SampleItemStatus.OPEN,
                    or_(_I.assigned_to_user_id.is_(None), _I.assigned_to_user_id == me),
                )
                .order_by(case((_I.assigned_to_user_id == me, 0), else_=1), _I.position)
                .limit(1)
            )
            if not ctx.db.is_sqlite:
                stmt = stmt.with_for_update(skip_locked=True)
            candidate = session.execute(stmt).first()
            if candidate is None:
                return None
            item_id, seen = candidate
            # A compare-and-set on the version read: an item someone else changed since
            # (claimed, skipped, assigned) is passed over and the next one tried.
            claimed = session.execute(
                update(sample_items_table)
                .where(_I.id == item_id, _I.row_version == seen, _I.status == SampleItemStatus.OPEN)
                .values(
                    status=SampleItemStatus.CLAIMED,
                    claimed_by_user_id=me,
                    claimed_at=ctx.clock.now(),
                    row_version=_I.row_version + 1,
                )
            )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                break
        audit.record(
            session,
            ctx,
            "sample_item.claim",
            "sample_item",
            item_id,
            before={"status": SampleItemStatus.OPEN},
            after={"status": SampleItemStatus.CLAIMED, "claimed_by": me},
        )
        change_feed.announce(session, change_feed.QUEUE, [item_id])
        return _item(session, item_id)


def _change(
    ctx: Ctx,
    session: Session,
    item_id: int,
    allowed_from: tuple[SampleItemStatus, ...],
    action: str,
    values: dict[str, Any],
    seen: int | None,
) -> QueueItem:
    item = _item(session, item_id)
    _open_sample(session, item.sample_id)
    if item.status not in allowed_from:
        raise Conflict(f"Item {item.position} is {item.status}; it cannot be {action}.")
    holder = item.claimed_by_user_id
    if (
        item.status == SampleItemStatus.CLAIMED
        and holder != ctx.actor.user_id
        and not can(ctx.actor.role, Permission.PLAN_SAMPLES)
    ):
        raise Conflict(f"Item {item.position} is claimed by someone else.")
    check_seen("sample_items", item.row_version, seen)
    cas_update(session, sample_items_table, item_id, item.row_version, values)
    audit.record(
        session,
        ctx,
        f"sample_item.{action}",
        "sample_item",
        item_id,
        before={"status": item.status, "assigned_to": item.assigned_to_user_id},
        after=values,
    )
    change_feed.announce(session, change_feed.QUEUE, [item_id])
    return _item(session, item_id)


def complete(ctx: Ctx, item_id: int, *, expected_version: int | None = None) -> QueueItem:
    """Mark a claimed item done (its review has been written).

    Submitting the review already finishes the reviewer's item (``finish_for_review``), so
    completing an item this person has just finished changes nothing.
    """
    with ctx.writing(Permission.WORK_SAMPLES) as session:
        item = _item(session, item_id)
        if item.status == SampleItemStatus.DONE and item.claimed_by_user_id == ctx.actor.user_id:
            return item
        values = {"status": SampleItemStatus.DONE, "finished_at": ctx.clock.now()}
        return _change(
            ctx, session, item_id, (SampleItemStatus.CLAIMED,), "done", values, expected_version
        )


def release(ctx: Ctx, item_id: int, *, expected_version: int | None = None) -> QueueItem:
    """Put a claimed item back in the queue for someone else."""
    with ctx.writing(Permission.WORK_SAMPLES) as session:
        values = {"status": SampleItemStatus.OPEN, "claimed_by_user_id": None, "claimed_at": None}
        return _change(
            ctx, session, item_id, (SampleItemStatus.CLAIMED,), "released", values, expected_version
        )


def assign(
    ctx: Ctx, item_id: int, user_id: int | None, *, expected_version: int | None = None
) -> QueueItem:
    """Assign an open item to a person, or (None) leave it for whoever is on shift."""
    with ctx.writing(Permission.PLAN_SAMPLES) as session:
        if user_id is not None:
            role = session.execute(
                select(users_table.c.role).where(
                    users_table.c.id == user_id, users_table.c.active.is_(True)
                )
            ).scalar()
            if role is None:
                raise ValidationFailed("assign_to", f"there is no active user {user_id}")
            if not can(Role(role), Permission.WORK_SAMPLES):
                raise ValidationFailed("assign_to", "that person's role does not work samples")
        values = {"assigned_to_user_id": user_id}
        return _change(
            ctx, session, item_id, (SampleItemStatus.OPEN,), "assigned", values, expected_version
        )


def _reason(ctx: Ctx, reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ValidationFailed("reason", "say why the item is skipped or replaced")
    if len(text) > REASON_MAX:
        raise ValidationFailed("reason", f"at most {REASON_MAX} characters")
    # Kept in the sample's report and the audit log: it says why, never about whom.
    refuse_personal_data(ctx, "reason", text)
    return text


def skip(ctx: Ctx, item_id: int, reason: str, *, expected_version: int | None = None) -> QueueItem:
    """Skip an item, with a reason; it stays in the report as skipped."""
    text = _reason(ctx, reason)
    with ctx.writing(Permission.WORK_SAMPLES) as session:
        values = {
            "status": SampleItemStatus.SKIPPED,
            "reason": text,
            "finished_at": ctx.clock.now(),
        }
        return _change(
            ctx,
            session,
            item_id,
            (SampleItemStatus.OPEN, SampleItemStatus.CLAIMED),
            "skipped",
            values,
            expected_version,
        )


def replace(
    ctx: Ctx, item_id: int, reason: str, *, expected_version: int | None = None
) -> QueueItem:
    """Replace an item, with a reason, by another decision from the same stratum.

    Returns the new item. Refused (nothing written) when the stratum has no decision left.
    """
    text = _reason(ctx, reason)
    with ctx.writing(Permission.WORK_SAMPLES) as session:
        old = _item(session, item_id)
        check_seen("sample_items", old.row_version, expected_version)
        sample = session.execute(select(samples_table).where(_S.id == old.sample_id)).one()
        population = PopulationFilter.from_json(_json(sample.population_json))
        spec = SamplingSpec.from_json(_json(sample.parameters_json))
        where = [
            *conditions(population),
            *method_conditions(spec),
            *stratum_conditions(old.stratum),
            _D.id.not_in(select(_I.decision_id).where(_I.sample_id == old.sample_id)),
        ]
        excluded = excluded_decisions(population)
        if excluded is not None:
            where.append(_D.id.not_in(excluded))
        available = session.execute(select(func.count()).where(*where)).scalar_one()
        rank = replacement_rank(int(available), int(sample.seed), item_id)
        if rank is None:
            raise Conflict(f"No other decision is left in stratum {old.stratum!r} to replace it.")
        new_decision = session.execute(
            select(_D.id).where(*where).order_by(_D.received_at, _D.id).limit(1).offset(rank)
        ).scalar_one()
        values = {
            "status": SampleItemStatus.REPLACED,
            "reason": text,
            "finished_at": ctx.clock.now(),
        }
        _change(
            ctx,
            session,
            item_id,
            (SampleItemStatus.OPEN, SampleItemStatus.CLAIMED),
            "replaced",
            values,
            None,
        )
        last = session.execute(
            select(func.max(_I.position)).where(_I.sample_id == old.sample_id)
        ).scalar_one()
        new_id = session.execute(
            insert(sample_items_table)
            .values(
                sample_id=old.sample_id,
                decision_id=new_decision,
                position=int(last) + 1,
                stratum=old.stratum,
                design_weight=old.design_weight,
                status=SampleItemStatus.OPEN,
                assigned_to_user_id=old.assigned_to_user_id,
                replacement_of_item_id=item_id,
            )
            .returning(_I.id)
        ).scalar_one()
        audit.record(
            session,
            ctx,
            "sample_item.add_replacement",
            "sample_item",
            new_id,
            after={"decision_id": new_decision, "replacement_of": item_id},
        )
        change_feed.announce(session, change_feed.QUEUE, [new_id])
        return _item(session, new_id)


def _json(raw: str) -> dict[str, Any]:
    data = json.loads(raw)
    assert isinstance(data, dict)
    return data


def queue_page(
    ctx: Ctx, sample_id: int, *, after_position: int = 0, limit: int = 50
) -> list[QueueItem]:
    """The sample's items in queue order, a page at a time."""
    require_sample_reader(ctx)
    with ctx.db.read() as session:
        rows = session.execute(
            _items()
            .where(_I.sample_id == sample_id, _I.position > after_position)
            .order_by(_I.position)
            .limit(limit)
        ).all()
    return [QueueItem(*row) for row in rows]


def finish_for_review(session: Session, ctx: Ctx, decision_id: int) -> list[int]:
    """Mark done the sample items for ``decision_id`` that the actor holds claimed.

    Called by the review service inside its own write transaction when a review is
    submitted, so the review and the queue change together or not at all. Only open
    samples count; an item someone else holds is left alone. Returns the ids finished.
    """
    if ctx.actor.user_id is None:
        return []
    held = session.execute(
        select(_I.id, _I.row_version)
        .join(samples_table, _S.id == _I.sample_id)
        .where(
            _I.decision_id == decision_id,
            _I.status == SampleItemStatus.CLAIMED,
            _I.claimed_by_user_id == ctx.actor.user_id,
            _S.status == OPEN_SAMPLE,
        )
        .order_by(_I.id)
    ).all()
    now = ctx.clock.now()
    finished: list[int] = []
    for item_id, seen in held:
        try:
            cas_update(
                session,
                sample_items_table,
                item_id,
                seen,
                {"status": SampleItemStatus.DONE, "finished_at": now},
            )
        except Conflict:
            continue  # released or reassigned meanwhile: no longer this reviewer's to finish
        finished.append(int(item_id))
        audit.record(
            session,
            ctx,
            "sample_item.done",
            "sample_item",
            item_id,
            before={"status": SampleItemStatus.CLAIMED},
            after={"status": SampleItemStatus.DONE, "by_review_of_decision": decision_id},
        )
    if finished:
        change_feed.announce(session, change_feed.QUEUE, finished)
    return finished
