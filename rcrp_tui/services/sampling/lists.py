"""Samples a page at a time, newest first, each with its queue progress.

The sample list screen and ``rcrp-tui sample list`` read from here. Progress for a whole
page is counted in one GROUP BY over the page's items, so a page costs the same however
many samples have been drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.domain.sampling import SampleItemStatus
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.sampling.plans import (
    SampleView,
    _drawn_sizes,
    _sample_view,
    require_sample_reader,
)
from rcrp_tui.storage.models import users_table
from rcrp_tui.storage.sampling_models import sample_items_table, samples_table

_S = samples_table.c
_I = sample_items_table.c
PAGE_SIZE = 50
STATUSES = ("open", "closed")


@dataclass(frozen=True)
class SampleSummary:
    """One sample and how far its queue has got."""

    sample: SampleView
    done: int
    total: int  # items still in the sample: open, claimed or done
    claimed: int
    skipped: int
    replaced: int

    @property
    def progress(self) -> str:
        """E.g. ``"7/20"``."""
        return f"{self.done}/{self.total}"


@dataclass(frozen=True)
class SamplePage:
    rows: tuple[SampleSummary, ...]
    has_older: bool
    has_newer: bool


def samples_page(
    ctx: Ctx,
    *,
    status: str | None = None,
    older_than: int | None = None,
    newer_than: int | None = None,
    limit: int = PAGE_SIZE,
) -> SamplePage:
    """A page of samples, newest first: the newest, or those older/newer than a sample id.

    ``status`` is "open", "closed" or None for both.
    """
    require_sample_reader(ctx)
    if status is not None and status not in STATUSES:
        raise ValidationFailed("status", "a sample is open or closed")
    if not 1 <= limit <= 500:
        raise ValidationFailed("limit", "a page is 1 to 500 samples")
    stmt = select(samples_table)
    if status is not None:
        stmt = stmt.where(_S.status == status)
    if newer_than is not None:
        stmt = stmt.where(_S.id > newer_than).order_by(_S.id.asc())
    else:
        if older_than is not None:
            stmt = stmt.where(_S.id < older_than)
        stmt = stmt.order_by(_S.id.desc())
    with ctx.db.read() as session:
        rows = list(session.execute(stmt.limit(limit + 1)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        if newer_than is not None:
            rows.reverse()
        ids = [int(row.id) for row in rows]
        sizes = _drawn_sizes(session, ids)
        counts: dict[int, dict[str, int]] = {i: {} for i in ids}
        for sample_id, item_status, n in session.execute(
            select(_I.sample_id, _I.status, func.count())
            .where(_I.sample_id.in_(ids))
            .group_by(_I.sample_id, _I.status)
        ):
            counts[int(sample_id)][str(item_status)] = int(n)
        if newer_than is not None:
            beyond = bool(ids) and _exists(session, status, _S.id < min(ids))
        else:
            beyond = older_than is not None and _exists(session, status, _S.id >= older_than)
    summaries = tuple(_summary(row, sizes.get(int(row.id), 0), counts[int(row.id)]) for row in rows)
    if newer_than is not None:
        return SamplePage(summaries, has_older=beyond, has_newer=more)
    return SamplePage(summaries, has_older=more, has_newer=beyond)


def _exists(session: Session, status: str | None, condition: ColumnElement[bool]) -> bool:
    # Is there a sample on the other side of the page from the direction just read?
    stmt = select(_S.id).where(condition)
    if status is not None:
        stmt = stmt.where(_S.status == status)
    return session.execute(stmt.limit(1)).first() is not None


def _summary(row: object, size: int, c: dict[str, int]) -> SampleSummary:
    return SampleSummary(
        sample=_sample_view(row, size),
        done=c.get(SampleItemStatus.DONE, 0),
        total=c.get(SampleItemStatus.OPEN, 0)
        + c.get(SampleItemStatus.CLAIMED, 0)
        + c.get(SampleItemStatus.DONE, 0),
        claimed=c.get(SampleItemStatus.CLAIMED, 0),
        skipped=c.get(SampleItemStatus.SKIPPED, 0),
        replaced=c.get(SampleItemStatus.REPLACED, 0),
    )


@dataclass(frozen=True)
class SampleWorker:
    """Someone a QA lead may assign sample items to."""

    id: int
    username: str
    display_name: str
    role: Role


def sample_workers(ctx: Ctx) -> list[SampleWorker]:
    """Active users whose role works samples, by name (for assigning items; QA leads only)."""
    ctx.require(Permission.PLAN_SAMPLES)
    roles = [r.value for r in Role if can(r, Permission.WORK_SAMPLES)]
    u = users_table.c
    with ctx.db.read() as session:
        rows = session.execute(
            select(u.id, u.username, u.display_name, u.role)
            .where(u.active.is_(True), u.role.in_(roles))
            .order_by(u.display_name, u.username)
        ).all()
    return [SampleWorker(int(i), name, shown, Role(role)) for i, name, shown, role in rows]
