"""Recording a single decision by hand (validated and audited).

Bulk loads (CAD import, the demo) have their own set-based paths; this one is for a
person, or a test, entering one decision through the same rules. The rationale excerpt
typed by hand passes the personal-data guard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from rcrp_tui.domain.clock import ensure_utc
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Shift, ThresholdBasis
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.phases import FIRST_PHASE, LAST_PHASE
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.core.free_text import guard_free_text
from rcrp_tui.storage.models import RATIONALE_MAX, ContactOfficer, Decision, Team

CAD_REF_RE = re.compile(r"^[A-Z0-9][A-Z0-9/_.-]{0,63}$")
#: How the guard and its messages name the rationale excerpt.
RATIONALE_FIELD = "Rationale excerpt"


@dataclass(frozen=True)
class DecisionInput:
    cad_ref: str
    source_system: str
    received_at: datetime
    category: Category
    caller_type: CallerType
    outcome: Outcome
    threshold_basis: ThresholdBasis = ThresholdBasis.NONE
    phase: int | None = None
    staff_id: str | None = None
    team: str | None = None
    shift: Shift | None = None
    grade: str | None = None
    qualifier_codes: str = ""
    rationale: str = ""


def normalise_cad_ref(raw: str) -> str:
    """CAD references compare without case or surrounding space."""
    ref = raw.strip().upper()
    if not ref:
        raise ValidationFailed("cad_ref", "is empty: type the CAD reference, e.g. CAD260120")
    if not CAD_REF_RE.match(ref):
        raise ValidationFailed(
            "cad_ref", f"{raw!r} is not a CAD reference (letters, digits, / _ . -; at most 64)"
        )
    return ref


def record_decision(ctx: Ctx, data: DecisionInput, *, override_reason: str | None = None) -> int:
    """Validate and insert one decision; return its id.

    A rationale excerpt that looks like personal data is refused with
    ``PersonalDataFound`` unless ``override_reason`` says why it is kept (audited).
    """
    cad_ref = normalise_cad_ref(data.cad_ref)
    if not data.source_system.strip():
        raise ValidationFailed("source_system", "is required")
    try:
        received = ensure_utc(data.received_at)
    except ValueError as exc:
        raise ValidationFailed("received_at", str(exc)) from None
    if len(data.rationale) > RATIONALE_MAX:
        raise ValidationFailed("rationale", f"at most {RATIONALE_MAX} characters (an excerpt only)")
    if data.phase is not None and not FIRST_PHASE <= data.phase <= LAST_PHASE:
        raise ValidationFailed("phase", f"a phase number from {FIRST_PHASE} to {LAST_PHASE}")
    now = ctx.clock.now()
    with ctx.writing(Permission.EDIT_DECISIONS) as session:
        exists = session.exec(
            select(Decision.id).where(
                Decision.cad_ref == cad_ref, Decision.source_system == data.source_system.strip()
            )
        ).first()
        if exists is not None:
            raise ValidationFailed("cad_ref", f"{cad_ref} from {data.source_system} already exists")
        officer_id = team_id = None
        if data.staff_id:
            officer = session.exec(
                select(ContactOfficer).where(ContactOfficer.staff_id == data.staff_id.strip())
            ).first()
            if officer is None:
                raise ValidationFailed("staff_id", f"no contact officer {data.staff_id!r}")
            officer_id, team_id = officer.id, officer.team_id
        if data.team:
            team = session.exec(select(Team).where(Team.name == data.team)).first()
            if team is None:
                raise ValidationFailed("team", f"no team called {data.team!r}")
            team_id = team.id
        decision = Decision(
            cad_ref=cad_ref,
            source_system=data.source_system.strip(),
            received_at=received,
            category=data.category.value,
            phase=data.phase,
            caller_type=data.caller_type.value,
            contact_officer_id=officer_id,
            team_id=team_id,
            shift=data.shift.value if data.shift else None,
            grade=data.grade,
            outcome=data.outcome.value,
            threshold_basis=data.threshold_basis.value,
            qualifier_codes=data.qualifier_codes.strip(),
            rationale=data.rationale,
            created_at=now,
            updated_at=now,
        )
        session.add(decision)
        session.flush()
        guard_free_text(
            session,
            ctx,
            field=RATIONALE_FIELD,
            text=data.rationale,
            override_reason=override_reason,
            entity="decision",
            entity_id=decision.id,
        )
        audit.record(
            session, ctx, "decision_recorded", "decision", decision.id, after=decision.model_dump()
        )
        return decision.id or 0
