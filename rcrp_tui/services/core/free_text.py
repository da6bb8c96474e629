"""The personal-data guard every service calls before it saves free text.

Coaching notes, criterion notes, hand-typed rationale excerpts and appeal notes all go
through :func:`guard_free_text` inside the caller's own write transaction. Text with
personal data is refused with :class:`PersonalDataFound` (the screen then shows the
personal-data dialog); the user may edit it out, or save anyway with a reason. An
override is audited in the same transaction with the field, the kinds found and the
reason, never the matched text itself, so the audit log does not become a second leak.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from rcrp_tui.domain.personal_data import Finding, PersonalDataKind, kinds_found, scan
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError, ValidationFailed

#: The audit action written when someone saves text the scanner flagged.
OVERRIDE_ACTION = "personal_data_override"
#: Long enough for a real justification, short enough to stay a reason, not a narrative.
MAX_REASON_LENGTH = 500


class PersonalDataFound(ServiceError):
    """``field``'s text holds what looks like personal data; ``findings`` says what and where."""

    def __init__(self, field: str, findings: Sequence[Finding]) -> None:
        self.field = field
        self.findings = tuple(findings)
        self.kinds = kinds_found(list(findings))
        what = ", ".join(kind.label.lower() for kind in self.kinds)
        super().__init__(
            f"{field}: this looks like personal data ({what}). "
            "Edit it out, or save anyway with a reason."
        )


def find_personal_data(ctx: Ctx, text: str) -> list[Finding]:
    """What the guard would flag in ``text`` today (for a screen to check before saving)."""
    return scan(text, today=ctx.clock.now().date())


def refuse_personal_data(ctx: Ctx, field: str, text: str) -> None:
    """Refuse a short reason or label outright when it holds personal data.

    For text that only ever needs to say *why* (an override reason, a sample item's skip
    reason): there is never cause to keep an identity in it, so there is no "save anyway".
    """
    findings = find_personal_data(ctx, text)
    if findings:
        what = ", ".join(kind.label.lower() for kind in kinds_found(findings))
        raise ValidationFailed(field, f"give the reason without personal data (found: {what})")


def _clean_reason(field: str, override_reason: str) -> str:
    reason = override_reason.strip()
    where = f"Reason for saving {field} with personal data"
    if not reason:
        raise ValidationFailed(where, "say why this text must be saved as it is")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed(where, f"keep it to {MAX_REASON_LENGTH} characters")
    if scan(reason):
        # The reason is stored in the audit log; it must not carry the data itself.
        raise ValidationFailed(where, "the reason itself contains personal data")
    return reason


def guard_free_text(
    session: Session,
    ctx: Ctx,
    *,
    field: str,
    text: str,
    override_reason: str | None,
    entity: str,
    entity_id: object | None,
) -> None:
    """Refuse ``text`` when it holds personal data, unless ``override_reason`` is given.

    Call it inside the ``ctx.writing(...)`` block that saves the text: an override's
    audit row then commits, or rolls back, with the text it excuses.

    Raises :class:`PersonalDataFound` when something is found and no reason was given,
    and :class:`ValidationFailed` when the reason is empty, too long or itself personal.
    """
    findings = find_personal_data(ctx, text)
    if not findings:
        return
    if override_reason is None:
        raise PersonalDataFound(field, findings)
    reason = _clean_reason(field, override_reason)
    kinds: list[PersonalDataKind] = kinds_found(findings)
    audit.record(
        session,
        ctx,
        OVERRIDE_ACTION,
        entity,
        entity_id,
        after={
            "field": field,
            "kinds": [kind.value for kind in kinds],
            "findings": len(findings),
            "reason": reason,
        },
    )
