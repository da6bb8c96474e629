"""Recording and deciding partner appeals (docs/domain-rules.md §6), and linking them to decisions.

Who may do what: floorwalkers, supervisors and QA leads record appeals and tag themes
(``RECORD_APPEALS``); only supervisors and QA leads decide them and set learning actions
(``DECIDE_APPEALS``). Every change is audited in its own transaction. Rationale and
learning-action text pass the personal-data guard (``free_text.guard_free_text``): text
that looks like a phone number, postcode, NHS number, date of birth, email or a titled
name is refused unless the person gives a reason, which is audited.

Linking: an appeal names its decision by CAD reference (and, optionally, source system).
If the decision is already in the database when the appeal is recorded, it is linked at
once. A partner often appeals before the nightly CAD import, so ``link_pending`` links the
rest; it runs after every import (``rcrp-tui import`` calls it) and is safe to run any time.
A CAD reference without a source system is linked only when exactly one decision has it.
Reading: ``appeals.queries``; learning actions: ``appeals.learning``; asking for a
QA review: ``appeals.qa``; figures and exports:
``appeals.reports``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from rcrp_tui.domain.appeals import (
    RATIONALE_MAX,
    AppealOutcome,
    AppealRoute,
    PartnerType,
    check_organisation,
    normalise_theme,
)
from rcrp_tui.domain.clock import ensure_utc
from rcrp_tui.domain.enums import Outcome
from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.concurrency import cas_update, stale_as_conflict
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rcrp_tui.services.core.free_text import guard_free_text
from rcrp_tui.services.decisions.writes import normalise_cad_ref
from rcrp_tui.storage import change_feed
from rcrp_tui.storage.appeal_models import (
    Appeal,
    AppealTheme,
    appeal_themes_table,
    appeals_table,
)
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.versioning import touch

_A = appeals_table.c
_T = appeal_themes_table.c
_D = decisions_table.c
ORIGINAL_DECISION_MAX = 64


@dataclass(frozen=True)
class AppealInput:
    """What a person enters to record an appeal."""

    cad_ref: str
    route: AppealRoute
    partner_type: PartnerType
    partner_org: str
    # An Outcome (value or label) or the partner's words; blank takes it from the decision.
    original_decision: str = ""
    received_at: datetime | None = None  # None: now
    source_system: str | None = None
    adverse_outcome_reported: bool = False
    themes: tuple[str, ...] = ()


def snapshot(appeal: Appeal) -> dict[str, Any]:
    """An appeal as the audit log stores it."""
    return appeal.model_dump()


def load_appeal(session: Session, appeal_id: int) -> Appeal:
    """The appeal row, for change inside ``session``'s transaction; NotFound if absent."""
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound(f"no appeal with id {appeal_id}")
    return appeal


def _original_decision(raw: str) -> str:
    text = " ".join(raw.split())
    if not text:
        return ""
    try:
        return Outcome.parse(text).value
    except ValueError:
        if len(text) > ORIGINAL_DECISION_MAX:
            raise ValidationFailed(
                "original_decision", f"at most {ORIGINAL_DECISION_MAX} characters"
            ) from None
        return text


def _themes(raw: tuple[str, ...] | list[str]) -> list[str]:
    out: list[str] = []
    for item in raw:
        try:
            theme = normalise_theme(item)
        except ValueError as exc:
            raise ValidationFailed("themes", str(exc)) from None
        if theme not in out:
            out.append(theme)
    return out


def check_text(
    session: Session,
    ctx: Ctx,
    *,
    field: str,
    text: str,
    limit: int,
    entity: str,
    entity_id: int | None,
    override_reason: str | None,
) -> str:
    """Blank and length checks, then the personal-data guard (in the caller's transaction).

    Returns the text stripped; raises ValidationFailed or ``PersonalDataFound``.
    """
    cleaned = text.strip()
    if not cleaned:
        raise ValidationFailed(field, "is required")
    if len(cleaned) > limit:
        raise ValidationFailed(field, f"at most {limit} characters")
    guard_free_text(
        session,
        ctx,
        field=field,
        text=cleaned,
        override_reason=override_reason,
        entity=entity,
        entity_id=entity_id,
    )
    return cleaned


def _check_version(appeal: Appeal, seen: int | None) -> None:
    if seen is not None and appeal.row_version != seen:
        raise Conflict(
            f"appeal {appeal.id} was changed by someone else since you opened it; reload it"
        )


def _matching_decisions(session: Session, cad_ref: str, source_system: str | None) -> list[Any]:
    stmt = select(_D.id, _D.outcome).where(_D.cad_ref == cad_ref)
    if source_system is not None:
        stmt = stmt.where(_D.source_system == source_system)
    # Two rows are enough to know it is ambiguous.
    return list(session.execute(stmt.order_by(_D.id).limit(2)))


def record_appeal(ctx: Ctx, data: AppealInput) -> int:
    """Validate and record an appeal; link it to its decision if that is already here."""
    cad_ref = normalise_cad_ref(data.cad_ref)
    source = (data.source_system or "").strip() or None
    try:
        org = check_organisation(data.partner_org)
    except ValueError as exc:
        raise ValidationFailed("partner_org", str(exc)) from None
    original = _original_decision(data.original_decision)
    themes = _themes(data.themes)
    now = ctx.clock.now()
    try:
        received = ensure_utc(data.received_at) if data.received_at is not None else now
    except ValueError as exc:
        raise ValidationFailed("received_at", str(exc)) from None
    if received > now:
        raise ValidationFailed("received_at", "is in the future")
    with ctx.writing(Permission.RECORD_APPEALS) as session:
        matches = _matching_decisions(session, cad_ref, source)
        decision_id = matches[0][0] if len(matches) == 1 else None
        if not original:
            if len(matches) > 1:
                raise ValidationFailed(
                    "original_decision",
                    f"{cad_ref} is in more than one CAD system: say what the original "
                    "decision was (name the source system later to link it)",
                )
            if decision_id is None:
                raise ValidationFailed(
                    "original_decision",
                    f"{cad_ref} is not imported yet: say what the original decision was",
                )
            original = matches[0][1]
        appeal = Appeal(
            cad_ref=cad_ref,
            source_system=source,
            decision_id=decision_id,
            route=data.route.value,
            partner_type=data.partner_type.value,
            partner_org=org,
            original_decision=original,
            received_at=received,
            recorded_by_user_id=ctx.actor.user_id,
            recorded_by_role=ctx.actor.role.value,
            adverse_outcome_reported=data.adverse_outcome_reported,
            created_at=now,
            updated_at=now,
        )
        session.add(appeal)
        session.flush()
        appeal_id = appeal.id or 0
        session.add_all(AppealTheme(appeal_id=appeal_id, theme=t) for t in themes)
        audit.record(
            session,
            ctx,
            "appeal_recorded",
            "appeal",
            appeal_id,
            after=snapshot(appeal) | {"themes": themes},
        )
        change_feed.announce(session, change_feed.APPEALS, [appeal_id])
        return appeal_id


def decide_appeal(
    ctx: Ctx,
    appeal_id: int,
    *,
    outcome: AppealOutcome,
    rationale: str,
    expected_version: int,
    decided_at: datetime | None = None,
    override_reason: str | None = None,
) -> None:
    """Record the decision on an appeal: outcome, rationale, who decided and when.

    ``expected_version`` is the ``row_version`` the person was looking at: if someone
    else changed the appeal since, nothing is saved and ``Conflict`` says so.
    """
    now = ctx.clock.now()
    try:
        when = ensure_utc(decided_at) if decided_at is not None else now
    except ValueError as exc:
        raise ValidationFailed("decided_at", str(exc)) from None
    if when > now:
        raise ValidationFailed("decided_at", "is in the future")
    with ctx.writing(Permission.DECIDE_APPEALS) as session:
        appeal = load_appeal(session, appeal_id)
        _check_version(appeal, expected_version)
        if appeal.outcome is not None:
            raise Conflict(f"appeal {appeal_id} was already decided ({appeal.outcome})")
        if when < appeal.received_at:
            raise ValidationFailed("decided_at", "is before the appeal was received")
        text = check_text(
            session,
            ctx,
            field="rationale",
            text=rationale,
            limit=RATIONALE_MAX,
            entity="appeal",
            entity_id=appeal_id,
            override_reason=override_reason,
        )
        before = snapshot(appeal)
        appeal.outcome = outcome.value
        appeal.rationale = text
        appeal.decided_at = when
        appeal.reviewed_by_user_id = ctx.actor.user_id
        appeal.reviewed_by_role = ctx.actor.role.value
        appeal.updated_at = now
        session.add(appeal)
        session.flush()  # the compare-and-set; the audit shows the new version
        audit.record(
            session,
            ctx,
            "appeal_decided",
            "appeal",
            appeal_id,
            before=before,
            after=snapshot(appeal),
        )
        change_feed.announce(session, change_feed.APPEALS, [appeal_id])


def set_themes(
    ctx: Ctx,
    appeal_id: int,
    themes: tuple[str, ...] | list[str],
    *,
    expected_version: int | None = None,
) -> tuple[str, ...]:
    """Replace an appeal's themes (the six standard ones or free tags); return them tidied.

    The same themes again change nothing (no new version, no audit row).
    """
    wanted = _themes(themes)
    with ctx.writing(Permission.RECORD_APPEALS) as session:
        # Themes first, then the appeal: a change committed in between shows as a new
        # version, so "nothing to change" is never concluded from a half-old picture.
        current = list(session.execute(select(_T.theme).where(_T.appeal_id == appeal_id)).scalars())
        appeal = load_appeal(session, appeal_id)
        _check_version(appeal, expected_version)
        if sorted(current) == sorted(wanted):
            return tuple(wanted)
        # The themes live in their own table, so the appeal row is saved first: its
        # compare-and-set either wins (and, on PostgreSQL, holds the row until commit) or
        # raises, so only the winner of a race ever touches the themes.
        appeal.updated_at = ctx.clock.now()
        touch(appeal)
        session.add(appeal)
        session.flush()
        for theme in set(current) - set(wanted):
            session.delete(session.get(AppealTheme, (appeal_id, theme)))
        session.add_all(
            AppealTheme(appeal_id=appeal_id, theme=t) for t in wanted if t not in current
        )
        audit.record(
            session,
            ctx,
            "appeal_themes_set",
            "appeal",
            appeal_id,
            before={"themes": sorted(current)},
            after={"themes": sorted(wanted)},
        )
        change_feed.announce(session, change_feed.APPEALS, [appeal_id])
    return tuple(wanted)


def set_source_system(
    ctx: Ctx, appeal_id: int, source_system: str, *, expected_version: int | None = None
) -> int | None:
    """Name the source system of an appeal's CAD reference, and link it if that now
    identifies exactly one decision; return the linked decision id (or None).

    Naming the source it already has, with the same link, changes nothing."""
    source = source_system.strip()
    if not source or len(source) > 64:
        raise ValidationFailed("source_system", "name the CAD system (1 to 64 characters)")
    with ctx.writing(Permission.RECORD_APPEALS) as session:
        appeal = load_appeal(session, appeal_id)
        _check_version(appeal, expected_version)
        before = snapshot(appeal)
        matches = _matching_decisions(session, appeal.cad_ref, source)
        linked = matches[0][0] if len(matches) == 1 else None
        if appeal.source_system == source and appeal.decision_id == linked:
            return linked
        appeal.source_system = source
        appeal.decision_id = linked
        appeal.updated_at = ctx.clock.now()
        session.add(appeal)
        session.flush()  # the compare-and-set; the audit shows the new version
        audit.record(
            session,
            ctx,
            "appeal_source_set",
            "appeal",
            appeal_id,
            before=before,
            after=snapshot(appeal),
        )
        change_feed.announce(session, change_feed.APPEALS, [appeal_id])
        return appeal.decision_id


def link_pending(ctx: Ctx) -> int:
    """Link unlinked appeals whose decision has since been imported; return how many.

    Runs after every CAD import. Set-based: one query finds each unlinked appeal with
    exactly one matching decision, however many appeals are waiting.
    """
    if not (
        can(ctx.actor.role, Permission.IMPORT_DECISIONS)
        or can(ctx.actor.role, Permission.RECORD_APPEALS)
    ):
        raise PermissionDenied(f"A {ctx.actor.role.label.lower()} may not link appeals.")
    match = and_(
        _D.cad_ref == _A.cad_ref,
        or_(_A.source_system.is_(None), _D.source_system == _A.source_system),
    )
    stmt = (
        select(_A.id, _A.row_version, func.min(_D.id))
        .select_from(appeals_table.join(decisions_table, match))
        .where(_A.decision_id.is_(None))
        .group_by(_A.id, _A.row_version)
        .having(func.count(_D.id) == 1)
    )
    now = ctx.clock.now()
    with stale_as_conflict(), ctx.db.write() as session:
        linked: list[tuple[int, int]] = []
        # One set-based query finds them; each link is a compare-and-set on the version
        # read, so an appeal someone changed meanwhile is left for the next import.
        for appeal_id, seen, decision_id in session.execute(stmt).all():
            try:
                cas_update(
                    session,
                    appeals_table,
                    int(appeal_id),
                    int(seen),
                    {"decision_id": int(decision_id), "updated_at": now},
                )
            except Conflict:
                continue
            linked.append((int(appeal_id), int(decision_id)))
        for appeal_id, decision_id in linked:
            audit.record(
                session,
                ctx,
                "appeal_linked",
                "appeal",
                appeal_id,
                before={"decision_id": None},
                after={"decision_id": decision_id},
            )
        if linked:
            change_feed.announce(session, change_feed.APPEALS, [a for a, _d in linked])
    return len(linked)
