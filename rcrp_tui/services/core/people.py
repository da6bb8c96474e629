"""User accounts, teams and contact officers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, col, select

from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.auth import hash_password
from rcrp_tui.services.core.concurrency import check_seen
from rcrp_tui.services.core.context import FIRST_ADMINISTRATOR_SETUP, Ctx
from rcrp_tui.services.core.errors import NotFound, ValidationFailed
from rcrp_tui.storage.models import ContactOfficer, Team, User

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
STAFF_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
MIN_PASSWORD = 10


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    team: str | None
    staff_id: str | None
    locked_until: datetime | None


@dataclass(frozen=True)
class TeamInfo:
    id: int
    name: str
    shift_pattern: str
    cycle_offset: int


@dataclass(frozen=True)
class OfficerInfo:
    id: int
    staff_id: str
    team: str | None
    active: bool


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed("password", f"must be at least {MIN_PASSWORD} characters long")


def _team_by_name(session: Session, name: str) -> Team:
    team = session.exec(select(Team).where(Team.name == name)).first()
    if team is None:
        raise ValidationFailed("team", f"no team called {name!r}")
    return team


def add_team(ctx: Ctx, name: str, shift_pattern: str, cycle_offset: int = 0) -> TeamInfo:
    """Create a team on a shift pattern with a cycle offset (days)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValidationFailed("name", "a team name is 1 to 64 characters")
    if cycle_offset < 0:
        raise ValidationFailed("cycle_offset", "must be zero or more days")
    with ctx.writing(Permission.MANAGE_TEAMS) as session:
        if session.exec(select(Team).where(Team.name == name)).first():
            raise ValidationFailed("name", f"a team called {name!r} already exists")
        team = Team(name=name, shift_pattern=shift_pattern, cycle_offset=cycle_offset)
        session.add(team)
        session.flush()
        audit.record(session, ctx, "team_added", "team", team.id, after=team.model_dump())
        return TeamInfo(team.id or 0, team.name, team.shift_pattern, team.cycle_offset)


def list_teams(ctx: Ctx) -> list[TeamInfo]:
    with ctx.db.read() as session:
        return [
            TeamInfo(t.id or 0, t.name, t.shift_pattern, t.cycle_offset)
            for t in session.exec(select(Team).order_by(col(Team.name)))
        ]


def add_contact_officer(ctx: Ctx, staff_id: str, team: str | None) -> OfficerInfo:
    """Add a call handler by pseudonymous staff id (never a name)."""
    staff_id = staff_id.strip()
    if not STAFF_ID_RE.match(staff_id):
        raise ValidationFailed("staff_id", "letters, digits and '-', at most 32 characters")
    with ctx.writing(Permission.MANAGE_TEAMS) as session:
        if session.exec(select(ContactOfficer).where(ContactOfficer.staff_id == staff_id)).first():
            raise ValidationFailed("staff_id", f"{staff_id} already exists")
        team_row = _team_by_name(session, team) if team else None
        officer = ContactOfficer(staff_id=staff_id, team_id=team_row.id if team_row else None)
        session.add(officer)
        session.flush()
        audit.record(
            session, ctx, "officer_added", "contact_officer", officer.id, after=officer.model_dump()
        )
        return OfficerInfo(officer.id or 0, staff_id, team, True)


def list_contact_officers(ctx: Ctx) -> list[OfficerInfo]:
    """Every contact officer: the administrator's list (they add and manage officers)."""
    ctx.require(Permission.MANAGE_TEAMS)
    with ctx.db.read() as session:
        rows = session.exec(
            select(ContactOfficer, Team.name)
            .join(Team, col(ContactOfficer.team_id) == col(Team.id), isouter=True)
            .order_by(col(ContactOfficer.staff_id))
        )
        return [OfficerInfo(o.id or 0, o.staff_id, t, o.active) for o, t in rows]


def add_user(
    ctx: Ctx,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    team: str | None = None,
    staff_id: str | None = None,
) -> UserInfo:
    """Create an account. A contact officer's account is tied to their staff record."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationFailed(
            "username", "2 to 64 characters: lower-case letters, digits, '.', '_' or '-'"
        )
    display_name = display_name.strip()
    if not display_name or len(display_name) > 120:
        raise ValidationFailed("display_name", "1 to 120 characters")
    _check_password(password)
    if role is Role.CONTACT_OFFICER and not staff_id:
        raise ValidationFailed("staff_id", "a contact officer's account needs their staff id")
    with ctx.writing(Permission.MANAGE_USERS) as session:
        if ctx.actor == FIRST_ADMINISTRATOR_SETUP:
            # Acting without a sign-in is allowed for the first administrator only. Two
            # terminals racing to add one queue here (SQLite's write lock is taken at BEGIN).
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(7162018)"))
            if role is not Role.ADMINISTRATOR:
                raise ValidationFailed("role", "the first account must be an administrator")
            if session.exec(select(User.id).limit(1)).first() is not None:
                raise ValidationFailed(
                    "username", "accounts exist already: sign in as an administrator to add one"
                )
        if session.exec(select(User).where(User.username == username)).first():
            raise ValidationFailed("username", f"{username!r} is already taken")
        team_row = _team_by_name(session, team) if team else None
        officer_id = None
        if staff_id:
            officer = session.exec(
                select(ContactOfficer).where(ContactOfficer.staff_id == staff_id)
            ).first()
            if officer is None:
                raise ValidationFailed("staff_id", f"no contact officer {staff_id!r}")
            officer_id = officer.id
        user = User(
            username=username,
            display_name=display_name,
            role=role.value,
            password_hash=hash_password(password),
            team_id=team_row.id if team_row else None,
            contact_officer_id=officer_id,
            created_at=ctx.clock.now(),
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            ctx,
            "user_added",
            "user",
            user.id,
            after=user.model_dump(exclude={"password_hash"}),
        )
        return UserInfo(user.id or 0, username, display_name, role, True, team, staff_id, None)


def list_users(ctx: Ctx) -> list[UserInfo]:
    ctx.require(Permission.MANAGE_USERS)
    with ctx.db.read() as session:
        rows = session.exec(
            select(User, Team.name, ContactOfficer.staff_id)
            .join(Team, col(User.team_id) == col(Team.id), isouter=True)
            .join(
                ContactOfficer,
                col(User.contact_officer_id) == col(ContactOfficer.id),
                isouter=True,
            )
            .order_by(col(User.role), col(User.username))
        )
        return [
            UserInfo(
                u.id or 0,
                u.username,
                u.display_name,
                Role(u.role),
                u.active,
                t,
                s,
                u.locked_until,
            )
            for u, t, s in rows
        ]


def set_password(
    ctx: Ctx, username: str, password: str, *, expected_version: int | None = None
) -> None:
    """Replace a password and clear any lock-out."""
    _check_password(password)
    with ctx.writing(Permission.MANAGE_USERS) as session:
        user = session.exec(select(User).where(User.username == username.strip().lower())).first()
        if user is None:
            raise NotFound(f"no user called {username!r}")
        check_seen("users", user.row_version, expected_version)
        user.password_hash = hash_password(password)
        user.failed_sign_ins = 0
        user.locked_until = None
        session.add(user)
        audit.record(session, ctx, "password_changed", "user", user.id)


def set_active(
    ctx: Ctx, username: str, active: bool, *, expected_version: int | None = None
) -> None:
    """Activate or deactivate an account; asking for what it already is changes nothing."""
    with ctx.writing(Permission.MANAGE_USERS) as session:
        user = session.exec(select(User).where(User.username == username.strip().lower())).first()
        if user is None:
            raise NotFound(f"no user called {username!r}")
        check_seen("users", user.row_version, expected_version)
        if user.active == active:
            return
        before = {"active": user.active}
        user.active = active
        session.add(user)
        audit.record(
            session,
            ctx,
            "user_activated" if active else "user_deactivated",
            "user",
            user.id,
            before=before,
            after={"active": active},
        )
