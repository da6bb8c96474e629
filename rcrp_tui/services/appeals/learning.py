"""Learning actions from appeals: what the force will change, owned by a role or team.

Supervisors and QA leads set and close them (``DECIDE_APPEALS``). The text passes the
personal-data guard; the owner is a role or team, never a person's name.
"""

from __future__ import annotations

from datetime import date

from rcrp_tui.domain.appeals import ACTION_MAX, OWNER_MAX, check_organisation
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.services.appeals.recording import check_text, load_appeal
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.concurrency import check_seen
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, ValidationFailed
from rcrp_tui.storage.appeal_models import LearningAction


def add_learning_action(
    ctx: Ctx,
    appeal_id: int,
    *,
    action: str,
    owner: str,
    due_date: date,
    override_reason: str | None = None,
) -> int:
    """Add a learning action owned by a role or team (never a named person)."""
    owner_text = " ".join(owner.split())
    if not owner_text:
        raise ValidationFailed("owner", "name the role or team that owns it")
    if len(owner_text) > OWNER_MAX:
        raise ValidationFailed("owner", f"at most {OWNER_MAX} characters")
    try:
        check_organisation(owner_text)
    except ValueError:
        raise ValidationFailed("owner", "a role or team, not a person's name") from None
    now = ctx.clock.now()
    if due_date < now.date():
        raise ValidationFailed("due_date", "is in the past")
    with ctx.writing(Permission.DECIDE_APPEALS) as session:
        load_appeal(session, appeal_id)
        text = check_text(
            session,
            ctx,
            field="action",
            text=action,
            limit=ACTION_MAX,
            entity="appeal",
            entity_id=appeal_id,
            override_reason=override_reason,
        )
        row = LearningAction(
            appeal_id=appeal_id, action=text, owner=owner_text, due_date=due_date, created_at=now
        )
        session.add(row)
        session.flush()
        audit.record(
            session, ctx, "learning_action_added", "learning_action", row.id, after=row.model_dump()
        )
        return row.id or 0


def complete_learning_action(
    ctx: Ctx, action_id: int, *, expected_version: int | None = None
) -> None:
    """Mark a learning action done (now)."""
    with ctx.writing(Permission.DECIDE_APPEALS) as session:
        row = session.get(LearningAction, action_id)
        if row is None:
            raise NotFound(f"no learning action with id {action_id}")
        check_seen("learning_actions", row.row_version, expected_version)
        if row.done_at is not None:
            raise Conflict(f"learning action {action_id} is already done")
        before = row.model_dump()
        row.done_at = ctx.clock.now()
        session.add(row)
        session.flush()  # the compare-and-set; the audit shows the new version
        audit.record(
            session,
            ctx,
            "learning_action_done",
            "learning_action",
            action_id,
            before=before,
            after=row.model_dump(),
        )
