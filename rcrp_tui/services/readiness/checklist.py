"""Go-live readiness per phase: manual items people record, evidenced items worked out from
the data, the readiness % and what blocks go-live.

The checklists come from TOML (``domain.readiness``; ``$RCRP_READINESS`` names a force's
own file). A manual item's status, owner, due date and evidence note are stored
(``ReadinessItemState``, versioned, audited). An evidenced item is never typed in: its rule
(``rules``) reads the training records, the phase's rota and briefings, the saved sampling
plans, the phase's KPI baseline and the decisions, and says the figure behind it and where
that figure lives.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import select

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.phases import FIRST_PHASE, LAST_PHASE
from rcrp_tui.domain.readiness import (
    MILESTONES,
    READINESS_ENV,
    Checklist,
    ChecklistError,
    ChecklistItem,
    Checklists,
    ItemStatus,
    Tally,
    countdown,
    load_checklists,
)
from rcrp_tui.domain.shift_patterns import DEFAULT_TZ
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, ServiceError, ValidationFailed
from rcrp_tui.services.core.free_text import refuse_personal_data
from rcrp_tui.services.readiness import rules
from rcrp_tui.services.readiness.briefings import phase_rota
from rcrp_tui.services.readiness.races import flush_or_conflict
from rcrp_tui.storage.readiness_models import (
    NOTE_MAX,
    OWNER_MAX,
    KpiBaseline,
    ReadinessItemState,
)

#: The longest owner and evidence note a manual item takes (the dialogs count against them).
OWNER_LIMIT = OWNER_MAX
EVIDENCE_LIMIT = NOTE_MAX


class ChecklistFileWrong(ServiceError):
    """The force's checklist file is wrong; the message lists each problem."""


def checklists() -> Checklists:
    """The force's checklists (``$RCRP_READINESS``) or the shipped ones."""
    path = os.environ.get(READINESS_ENV)
    try:
        return load_checklists(Path(path) if path else None)
    except ChecklistError as exc:
        raise ChecklistFileWrong(str(exc)) from None


@dataclass(frozen=True)
class ItemView:
    """One checklist item as the screen and the report show it."""

    phase: int
    key: str
    text: str
    guidance: str
    evidenced: bool
    done: bool
    applicable: bool
    #: "done", "in progress"… for a manual item; "met" or "not met" for an evidenced one.
    status: str
    symbol: str
    #: An evidenced item: the figure behind it and where it lives (screen, key, command).
    figure: str = ""
    where: str = ""
    owner: str = ""
    due_on: date | None = None
    evidence: str = ""
    overdue: bool = False
    #: The stored row's version (None: nothing recorded yet, or evidenced).
    row_version: int | None = None
    manual_status: ItemStatus | None = None


@dataclass(frozen=True)
class ChecklistView:
    phase: int
    title: str
    items: tuple[ItemView, ...]
    tally: Tally


@dataclass(frozen=True)
class Baseline:
    first_day: date
    end_day: date
    row_version: int


@dataclass(frozen=True)
class ReadinessReport:
    """A phase's readiness: the key milestones and the phase's own checklist."""

    phase: int
    title: str
    go_live: date | None
    today: date
    milestones: ChecklistView | None
    checklist: ChecklistView
    baseline: Baseline | None
    source: str

    @property
    def countdown(self) -> str:
        return countdown(self.go_live, self.today, self.phase)

    @property
    def blockers(self) -> tuple[ItemView, ...]:
        """What blocks go-live: every applicable item not done or met, the phase's first,
        overdue ones at the head of each list."""
        lists = [self.checklist] + ([self.milestones] if self.milestones else [])
        out: list[ItemView] = []
        for view in lists:
            open_items = [i for i in view.items if i.applicable and not i.done]
            out += sorted(open_items, key=lambda i: not i.overdue)
        return tuple(out)


def _phase_list(lists: Checklists, phase: int) -> Checklist:
    if not (FIRST_PHASE <= phase <= LAST_PHASE):
        raise ValidationFailed("phase", f"a phase number from {FIRST_PHASE} to {LAST_PHASE}")
    found = lists.for_phase(phase)
    if found is None:
        have = ", ".join(str(p) for p in lists.phases) or "none"
        raise NotFound(f"{lists.source} has no checklist for phase {phase} (it has: {have})")
    return found


def _today(ctx: Ctx) -> date:
    return ctx.clock.now().astimezone(DEFAULT_TZ).date()


def readiness(ctx: Ctx, phase: int) -> ReadinessReport:
    """The phase's checklist and the key milestones, each item's status and figure, the
    readiness % of each, and the phase's go-live date."""
    ctx.require(Permission.VIEW_READINESS)
    lists = checklists()
    checklist = _phase_list(lists, phase)
    today = _today(ctx)
    with ctx.db.read() as session:
        rota = phase_rota(session, phase)
        stored = {
            (r.phase, r.item_key): r
            for r in session.exec(
                select(ReadinessItemState).where(
                    ReadinessItemState.phase.in_([phase, MILESTONES])  # type: ignore[attr-defined]
                )
            )
        }
        base_row = session.exec(select(KpiBaseline).where(KpiBaseline.phase == phase)).first()
        baseline = (
            None
            if base_row is None
            else Baseline(base_row.first_day, base_row.end_day, base_row.row_version)
        )
    period = None if baseline is None else (baseline.first_day, baseline.end_day)
    facts = rules.Facts(ctx, checklist, rota, period)

    def view(c: Checklist) -> ChecklistView:
        items: list[ItemView] = []
        for item in c.items:
            if item.rule is not None:
                items.append(_evidenced(c.phase, item, facts))
            else:
                items.append(_manual(c.phase, item, stored.get((c.phase, item.key)), today))
        done = sum(1 for i in items if i.applicable and i.done)
        applicable = sum(1 for i in items if i.applicable)
        return ChecklistView(c.phase, c.title, tuple(items), Tally(done, applicable))

    milestones = lists.milestones
    return ReadinessReport(
        phase=phase,
        title=checklist.title,
        go_live=None if rota is None else rota.go_live,
        today=today,
        milestones=None if milestones is None else view(milestones),
        checklist=view(checklist),
        baseline=baseline,
        source=lists.source,
    )


def _evidenced(phase: int, item: ChecklistItem, facts: rules.Facts) -> ItemView:
    assert item.rule is not None
    result = facts.evaluate(item)
    return ItemView(
        phase=phase,
        key=item.key,
        text=item.text,
        guidance=item.guidance,
        evidenced=True,
        done=result.met,
        applicable=True,
        status="met" if result.met else "not met",
        symbol="✓" if result.met else "✗",
        figure=result.figure,
        where=result.where,
    )


def _manual(
    phase: int, item: ChecklistItem, row: ReadinessItemState | None, today: date
) -> ItemView:
    status = ItemStatus(row.status) if row is not None else ItemStatus.NOT_STARTED
    due = row.due_on if row is not None else None
    done = status is ItemStatus.DONE
    applicable = status is not ItemStatus.NOT_APPLICABLE
    return ItemView(
        phase=phase,
        key=item.key,
        text=item.text,
        guidance=item.guidance,
        evidenced=False,
        done=done,
        applicable=applicable,
        status=status.label,
        symbol=status.symbol,
        owner=row.owner if row is not None else "",
        due_on=due,
        evidence=row.evidence if row is not None else "",
        overdue=due is not None and due < today and applicable and not done,
        row_version=None if row is None else row.row_version,
        manual_status=status,
    )


# --- manual items -------------------------------------------------------------------


@dataclass(frozen=True)
class ItemUpdate:
    """What a person records against a manual item."""

    status: ItemStatus
    owner: str = ""
    due_on: date | None = None
    evidence: str = ""


def _item_record(row: ReadinessItemState) -> dict[str, object]:
    return {
        "phase": row.phase,
        "item": row.item_key,
        "status": row.status,
        "owner": row.owner,
        "due_on": row.due_on,
        "evidence": row.evidence,
    }


def update_item(
    ctx: Ctx,
    phase: int,
    key: str,
    update: ItemUpdate,
    *,
    expected_version: int | None = None,
) -> int:
    """Record a manual item's status, owner, due date and evidence note (``phase`` 0: a
    key milestone); return the row's version. ``expected_version`` is the version the
    person saw (None: nothing recorded); a save by someone else in between is
    ``Conflict``. Saving what is stored changes nothing."""
    ctx.require(Permission.EDIT_READINESS)
    lists = checklists()
    checklist = lists.for_phase(MILESTONES) if phase == MILESTONES else _phase_list(lists, phase)
    item = None if checklist is None else checklist.item(key)
    if item is None:
        raise NotFound(f"no checklist item {key!r} for phase {phase}")
    if item.evidenced:
        raise ValidationFailed(
            "item", "this item is worked out from the data; change the data it names instead"
        )
    owner = " ".join(update.owner.split())
    evidence = " ".join(update.evidence.split())
    if len(owner) > OWNER_MAX:
        raise ValidationFailed("owner", f"{len(owner)} characters; at most {OWNER_MAX}")
    if len(evidence) > NOTE_MAX:
        raise ValidationFailed("evidence", f"{len(evidence)} characters; at most {NOTE_MAX}")
    if evidence:
        refuse_personal_data(ctx, "evidence", evidence)
    if update.due_on is not None and not date(2000, 1, 1) <= update.due_on <= date(2100, 1, 1):
        raise ValidationFailed("due_on", f"{update.due_on} is not a plausible due date")
    with ctx.writing(Permission.EDIT_READINESS) as session:
        row = session.exec(
            select(ReadinessItemState).where(
                ReadinessItemState.phase == phase, ReadinessItemState.item_key == key
            )
        ).first()
        seen = None if row is None else row.row_version
        if seen != expected_version:
            raise Conflict(
                "Someone else changed this checklist item at the same moment; "
                "reload it to see their change"
            )
        before = None if row is None else _item_record(row)
        if row is None:
            row = ReadinessItemState(
                phase=phase,
                item_key=key,
                status=update.status.value,
                updated_at=ctx.clock.now(),
                updated_by=ctx.actor.username,
            )
        row.status = update.status.value
        row.owner = owner
        row.due_on = update.due_on
        row.evidence = evidence
        after = _item_record(row)
        if before == after:
            return row.row_version
        row.updated_at = ctx.clock.now()
        row.updated_by = ctx.actor.username
        session.add(row)
        flush_or_conflict(session, "readiness_items", "uq_readiness_phase_item")
        audit.record(
            session,
            ctx,
            "readiness_item_recorded" if before is None else "readiness_item_changed",
            "readiness_item",
            f"{phase}/{key}",
            before=before,
            after=after,
        )
        return row.row_version


def set_baseline(
    ctx: Ctx,
    phase: int,
    first_day: date,
    end_day: date,
    *,
    expected_version: int | None = None,
) -> int:
    """Set the phase's KPI baseline period: local days ``first_day`` up to ``end_day``
    (not included). Returns the row's version; audited; a stale save is ``Conflict``."""
    ctx.require(Permission.EDIT_READINESS)
    if not FIRST_PHASE <= phase <= LAST_PHASE:
        raise ValidationFailed("phase", f"a phase number from {FIRST_PHASE} to {LAST_PHASE}")
    if end_day <= first_day:
        raise ValidationFailed("baseline", "the end date must be after the first day")
    if (end_day - first_day).days > 366:
        raise ValidationFailed("baseline", "a baseline is at most 366 days")
    if first_day > _today(ctx):
        raise ValidationFailed("baseline", "a baseline cannot start in the future")
    with ctx.writing(Permission.EDIT_READINESS) as session:
        row = session.exec(select(KpiBaseline).where(KpiBaseline.phase == phase)).first()
        seen = None if row is None else row.row_version
        if seen != expected_version:
            raise Conflict(
                "Someone else changed this phase's KPI baseline at the same moment; "
                "reload it to see their change"
            )
        before = None if row is None else {"from": row.first_day, "to": row.end_day}
        after = {"from": first_day, "to": end_day}
        if before == after and row is not None:
            return row.row_version
        if row is None:
            row = KpiBaseline(
                phase=phase,
                first_day=first_day,
                end_day=end_day,
                updated_at=ctx.clock.now(),
                updated_by=ctx.actor.username,
            )
        row.first_day, row.end_day = first_day, end_day
        row.updated_at = ctx.clock.now()
        row.updated_by = ctx.actor.username
        session.add(row)
        flush_or_conflict(session, "kpi_baselines", "kpi_baselines_phase")
        audit.record(
            session,
            ctx,
            "kpi_baseline_set",
            "kpi_baseline",
            phase,
            before=before,
            after=after,
        )
        return row.row_version


# --- Home ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseCountdown:
    phase: int
    title: str
    go_live: date
    text: str


def next_go_live(ctx: Ctx) -> PhaseCountdown | None:
    """The phase going live soonest from today (else the one that went live last), for
    Home's countdown; None when no phase with a checklist has a rota."""
    ctx.require(Permission.VIEW_READINESS)
    lists = checklists()
    today = _today(ctx)
    dated: list[tuple[int, date]] = []
    with ctx.db.read() as session:
        for phase in lists.phases:
            rota = phase_rota(session, phase)
            if rota is not None:
                dated.append((phase, rota.go_live))
    if not dated:
        return None
    ahead = [d for d in dated if d[1] >= today]
    phase, go_live = (
        min(ahead, key=lambda d: (d[1], d[0])) if ahead else max(dated, key=lambda d: d[1])
    )
    checklist = lists.for_phase(phase)
    title = checklist.title if checklist is not None else f"Phase {phase}"
    return PhaseCountdown(phase, title, go_live, countdown(go_live, today, phase))
