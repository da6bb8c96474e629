"""Coaching notes: write one, move it through its lifecycle, list what the actor may read.

Every free-text field passes the personal-data guard inside the write transaction, and
every write is audited in that same transaction. Reads are narrowed in SQL to what the
actor may see (``domain.coaching.may_read`` is the rule this mirrors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select, true
from sqlalchemy.orm import Session

from rcrp_tui.domain import coaching as rules
from rcrp_tui.domain.coaching import NoteStatus, NoteText, Theme, Transition, Visibility, Who
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.toolkit import load_shipped
from rcrp_tui.services.coaching.overdue import overdue_clause
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rcrp_tui.services.core.free_text import guard_free_text
from rcrp_tui.services.reviews.toolkits import parse_cached
from rcrp_tui.storage.coaching_models import CoachingNote, coaching_notes_table
from rcrp_tui.storage.models import contact_officers_table, decisions_table, users_table
from rcrp_tui.storage.review_models import reviews_table, toolkits_table

PAGE_SIZE = 50
ENTITY = "coaching_note"
COMMENT_FIELD = "Acknowledgement comment"
_N = coaching_notes_table.c
_CO = contact_officers_table.c
_U = users_table.c
_UNSETTLED = (NoteStatus.OPEN.value, NoteStatus.ACKNOWLEDGED.value)


@dataclass(frozen=True)
class NoteInput:
    """What someone typed into the note editor."""

    staff_id: str
    theme: Theme
    text: NoteText
    follow_up_on: date | None = None
    visibility: Visibility = Visibility.NORMAL
    review_id: int | None = None
    criteria: tuple[str, ...] = ()


@dataclass(frozen=True)
class CoachingNoteView:
    """A note as the screens show it."""

    id: int
    staff_id: str
    contact_officer_id: int
    team_id: int | None
    review_id: int | None
    criteria: tuple[str, ...]
    theme: Theme
    went_well: str
    to_develop: str
    agreed_actions: str
    follow_up_on: date | None
    visibility: Visibility
    status: NoteStatus
    author_user_id: int | None
    author: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledgement_comment: str | None
    follow_up_done_at: datetime | None
    closed_at: datetime | None
    row_version: int
    overdue: bool


def who_for(ctx: Ctx, officer_id: int, team_id: int | None, author_id: int | None) -> Who:
    """The actor as the coaching rules see them, for one officer's note."""
    actor = ctx.actor
    return Who(
        actor.role,
        is_officer=actor.role is Role.CONTACT_OFFICER and actor.contact_officer_id == officer_id,
        is_author=actor.user_id is not None and actor.user_id == author_id,
        is_team_supervisor=actor.role is Role.SUPERVISOR
        and team_id is not None
        and actor.team_id == team_id,
    )


def visible_clause(ctx: Ctx) -> ColumnElement[bool]:
    """SQL filter (over coaching_notes joined to contact_officers) for readable notes."""
    actor = ctx.actor
    if actor.role is Role.QA_LEAD:
        return true()
    if actor.role is Role.CONTACT_OFFICER:
        if actor.contact_officer_id is None:
            raise PermissionDenied("This account is not linked to a contact officer record.")
        return _N.contact_officer_id == actor.contact_officer_id
    if actor.role is Role.SUPERVISOR:
        if actor.team_id is None:
            raise PermissionDenied("A supervisor without a team has no team notes to see.")
        return _CO.team_id == actor.team_id
    if actor.role is Role.FLOORWALKER:
        return _N.visibility == Visibility.NORMAL.value
    raise PermissionDenied(f"A {actor.role.label.lower()} does not read coaching notes.")


def _select() -> Select[Any]:
    return (
        select(coaching_notes_table, _CO.staff_id, _CO.team_id, _U.display_name)
        .select_from(coaching_notes_table)
        .join(contact_officers_table, _CO.id == _N.contact_officer_id)
        .outerjoin(users_table, _U.id == _N.author_user_id)
    )


def _view(row: Any, now: datetime) -> CoachingNoteView:
    status = NoteStatus(row.status)
    return CoachingNoteView(
        id=row.id,
        staff_id=row.staff_id,
        contact_officer_id=row.contact_officer_id,
        team_id=row.team_id,
        review_id=row.review_id,
        criteria=tuple(c for c in row.criteria_codes.split(",") if c),
        theme=Theme(row.theme),
        went_well=row.went_well,
        to_develop=row.to_develop,
        agreed_actions=row.agreed_actions,
        follow_up_on=row.follow_up_on,
        visibility=Visibility(row.visibility),
        status=status,
        author_user_id=row.author_user_id,
        author=row.display_name or "?",
        created_at=row.created_at,
        acknowledged_at=row.acknowledged_at,
        acknowledgement_comment=row.acknowledgement_comment,
        follow_up_done_at=row.follow_up_done_at,
        closed_at=row.closed_at,
        row_version=row.row_version,
        overdue=rules.is_overdue(row.follow_up_on, status, now),
    )


def _officer(session: Session, staff_id: str) -> tuple[int, int | None]:
    row = session.execute(
        select(_CO.id, _CO.team_id).where(_CO.staff_id == staff_id.strip())
    ).first()
    if row is None:
        raise ValidationFailed("Staff ID", f"no contact officer has staff ID {staff_id!r}")
    return row[0], row[1]


def _check_criteria(session: Session, codes: tuple[str, ...], review_id: int | None) -> None:
    """Every code must be a criterion of the review's toolkit (of any stored toolkit version,
    or the shipped one, when the note is not about a review)."""
    if not codes:
        return
    t, r = toolkits_table.c, reviews_table.c
    stmt = select(t.source, t.toolkit_id)
    if review_id is not None:
        stmt = stmt.join(reviews_table, r.toolkit_row_id == t.id).where(r.id == review_id)
    kits = [parse_cached(row.source, f"{row.toolkit_id}.toml") for row in session.execute(stmt)]
    known = {c.code for kit in kits or [load_shipped()] for c in kit.criteria}
    unknown = [code for code in codes if code not in known]
    if unknown:
        where = "the review's toolkit" if review_id is not None else "any toolkit"
        verb = "is" if len(unknown) == 1 else "are"
        raise ValidationFailed(
            "Criteria", f"{', '.join(unknown)} {verb} not a criterion of {where}"
        )


def _check_review(session: Session, review_id: int, officer_id: int) -> None:
    d, r = decisions_table.c, reviews_table.c
    owner = session.execute(
        select(d.contact_officer_id)
        .select_from(reviews_table)
        .join(decisions_table, d.id == r.decision_id)
        .where(r.id == review_id)
    ).first()
    if owner is None:
        raise ValidationFailed("Review", f"review {review_id} does not exist")
    if owner[0] != officer_id:
        raise ValidationFailed("Review", f"review {review_id} is not about this officer")


def _snapshot(note: CoachingNote) -> dict[str, Any]:
    return {
        "contact_officer_id": note.contact_officer_id,
        "review_id": note.review_id,
        "criteria": note.criteria_codes,
        "theme": note.theme,
        "went_well": note.went_well,
        "to_develop": note.to_develop,
        "agreed_actions": note.agreed_actions,
        "follow_up_on": note.follow_up_on.isoformat() if note.follow_up_on else None,
        "visibility": note.visibility,
        "status": note.status,
    }


def write_note(
    ctx: Ctx, note: NoteInput, *, override_reasons: Mapping[str, str] | None = None
) -> CoachingNoteView:
    """Save a new open note about a contact officer.

    ``override_reasons`` maps a field label (e.g. "What to develop") to the reason for
    saving personal data the guard found there. Raises ``PersonalDataFound`` for the first
    field that still holds personal data without a reason; nothing is saved then.
    """
    reasons = dict(override_reasons or {})
    problems = rules.check_note_text(note.text, note.follow_up_on)
    if problems:
        raise ValidationFailed(*problems[0])
    try:
        criteria = rules.parse_criteria(note.criteria)
        if note.follow_up_on is not None:
            rules.parse_follow_up(note.follow_up_on.isoformat(), ctx.clock.now())
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise ValidationFailed(field, message) from None
    now = ctx.clock.now()
    with ctx.writing(Permission.WRITE_COACHING) as session:
        officer_id, team_id = _officer(session, note.staff_id)
        if not rules.may_write_about(who_for(ctx, officer_id, team_id, ctx.actor.user_id)):
            raise PermissionDenied("A supervisor writes coaching notes for their own team only.")
        if note.review_id is not None:
            _check_review(session, note.review_id, officer_id)
        _check_criteria(session, criteria, note.review_id)
        row = CoachingNote(
            contact_officer_id=officer_id,
            review_id=note.review_id,
            criteria_codes=",".join(criteria),
            theme=note.theme.value,
            went_well=note.text.went_well.strip(),
            to_develop=note.text.to_develop.strip(),
            agreed_actions=note.text.agreed_actions.strip(),
            follow_up_on=note.follow_up_on,
            visibility=note.visibility.value,
            status=NoteStatus.OPEN.value,
            author_user_id=ctx.actor.user_id,
            created_at=now,
        )
        session.add(row)
        session.flush()
        note_id = row.id or 0
        for name, label in rules.FIELD_LABELS.items():
            guard_free_text(
                session,
                ctx,
                field=label,
                text=getattr(row, name),
                override_reason=reasons.get(label),
                entity=ENTITY,
                entity_id=note_id,
            )
        audit.record(session, ctx, "coaching_note_written", ENTITY, note_id, after=_snapshot(row))
        # Straight back to its author, even a restricted note they may not read later.
        written = session.execute(_select().where(_N.id == note_id)).one()
    return _view(written, now)


def get_note(ctx: Ctx, note_id: int) -> CoachingNoteView:
    """One note, if the actor may read it (otherwise NotFound: its existence is private too)."""
    with ctx.db.read() as session:
        row = session.execute(_select().where(_N.id == note_id, visible_clause(ctx))).first()
    if row is None:
        raise NotFound(f"Coaching note {note_id} does not exist or is not yours to see.")
    return _view(row, ctx.clock.now())


_PERMISSION = {
    Transition.ACKNOWLEDGE: Permission.ACKNOWLEDGE_OWN,
    Transition.FOLLOW_UP_DONE: Permission.WRITE_COACHING,
    Transition.CLOSE: Permission.WRITE_COACHING,
}


def move(
    ctx: Ctx,
    note_id: int,
    transition: Transition,
    *,
    row_version: int,
    comment: str = "",
    override_reason: str | None = None,
) -> CoachingNoteView:
    """Acknowledge, mark follow-up done or close a note, if the actor's role allows it.

    ``row_version`` is the version the actor was looking at: if someone moved the note on
    since, nothing is written and ``Conflict`` says so.
    """
    comment = comment.strip()
    if comment and transition is not Transition.ACKNOWLEDGE:
        raise ValidationFailed("Comment", "only an acknowledgement carries a comment")
    if len(comment) > rules.COMMENT_MAX:
        raise ValidationFailed(COMMENT_FIELD, f"keep it to {rules.COMMENT_MAX} characters")
    now = ctx.clock.now()
    with ctx.writing(_PERMISSION[transition]) as session:
        note = session.get(CoachingNote, note_id)
        team_id = (
            session.execute(
                select(_CO.team_id).where(_CO.id == note.contact_officer_id)
            ).scalar_one_or_none()
            if note is not None
            else None
        )
        who = (
            who_for(ctx, note.contact_officer_id, team_id, note.author_user_id)
            if note is not None
            else None
        )
        if note is None or who is None or not rules.may_read(who, Visibility(note.visibility)):
            raise NotFound(f"Coaching note {note_id} does not exist or is not yours to see.")
        if note.row_version != row_version:
            raise Conflict(
                f"Coaching note {note_id} was changed by someone else after you opened it "
                f"(it is now {NoteStatus(note.status).label.lower()}). Reload and try again."
            )
        try:
            status = rules.next_status(transition, NoteStatus(note.status), who)
        except rules.CoachingRefused as exc:
            raise PermissionDenied(str(exc).capitalize() + ".") from None
        before = {"status": note.status, "row_version": note.row_version}
        note.status = status.value
        if transition is Transition.ACKNOWLEDGE:
            guard_free_text(
                session,
                ctx,
                field=COMMENT_FIELD,
                text=comment,
                override_reason=override_reason,
                entity=ENTITY,
                entity_id=note_id,
            )
            note.acknowledged_at = now
            note.acknowledgement_comment = comment or None
        elif transition is Transition.FOLLOW_UP_DONE:
            note.follow_up_done_at = now
        else:
            note.closed_at = now
        session.add(note)
        # The compare-and-set on row_version happens here (storage/versioning.py): if
        # another terminal moved the note since it was read, this raises and nothing is kept.
        session.flush()
        after: dict[str, Any] = {"status": note.status, "row_version": note.row_version}
        if comment:
            after["comment"] = comment
        audit.record(
            session,
            ctx,
            f"coaching_note_{transition.value}",
            ENTITY,
            note_id,
            before=before,
            after=after,
        )
    return get_note(ctx, note_id)


def list_notes(
    ctx: Ctx,
    *,
    staff_id: str | None = None,
    statuses: tuple[NoteStatus, ...] = (),
    older_than_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> list[CoachingNoteView]:
    """Newest first, keyset-paged by id; only notes the actor may read."""
    where: list[ColumnElement[bool]] = [visible_clause(ctx)]
    if staff_id is not None:
        where.append(_CO.staff_id == staff_id)
    if statuses:
        where.append(_N.status.in_([s.value for s in statuses]))
    if older_than_id is not None:
        where.append(_N.id < older_than_id)
    stmt = _select().where(and_(*where)).order_by(_N.id.desc()).limit(limit)
    with ctx.db.read() as session:
        rows = session.execute(stmt).all()
    now = ctx.clock.now()
    return [_view(r, now) for r in rows]


def overdue_for_team(
    ctx: Ctx, team_id: int | None = None, *, limit: int = PAGE_SIZE
) -> list[CoachingNoteView]:
    """Overdue follow-ups in a team, oldest due first: a supervisor's own team, or any
    team for a QA lead (who must name it)."""
    actor = ctx.actor
    if actor.role is Role.SUPERVISOR:
        team_id = actor.team_id
    elif actor.role is not Role.QA_LEAD:
        raise PermissionDenied("Team follow-ups are for supervisors and QA leads.")
    if team_id is None:
        raise ValidationFailed("Team", "choose a team")
    now = ctx.clock.now()
    stmt = (
        _select()
        .where(visible_clause(ctx), _CO.team_id == team_id, overdue_clause(now))
        .order_by(_N.follow_up_on, _N.id)
        .limit(limit)
    )
    with ctx.db.read() as session:
        return [_view(r, now) for r in session.execute(stmt).all()]


def overdue_for_author(ctx: Ctx, *, limit: int = PAGE_SIZE) -> list[CoachingNoteView]:
    """Overdue follow-ups on notes the actor wrote and may still read, oldest due first."""
    ctx.require(Permission.WRITE_COACHING)
    now = ctx.clock.now()
    stmt = (
        _select()
        .where(visible_clause(ctx), _N.author_user_id == ctx.actor.user_id, overdue_clause(now))
        .order_by(_N.follow_up_on, _N.id)
        .limit(limit)
    )
    with ctx.db.read() as session:
        return [_view(r, now) for r in session.execute(stmt).all()]
