"""Sign-in with argon2 password hashes, and lock-out after repeated failures."""

from __future__ import annotations

import json
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import select

from rcrp_tui.domain.clock import Clock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.context import Actor
from rcrp_tui.services.errors import AuthenticationFailed
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry, User

MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=5)
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def actor_for(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        team_id=user.team_id,
        contact_officer_id=user.contact_officer_id,
    )


def _audit(
    user: User | None, username: str, action: str, clock: Clock, **after: object
) -> AuditEntry:
    return AuditEntry(
        at=clock.now(),
        actor_user_id=user.id if user else None,
        actor=user.username if user else username[:64],
        actor_role=user.role if user else "anonymous",
        action=action,
        entity="user",
        entity_id=str(user.id) if user else None,
        after_json=json.dumps(after, default=str) if after else None,
    )


def sign_in(db: Database, clock: Clock, username: str, password: str) -> Actor:
    """Check the password and return the actor; every attempt is audited.

    Five wrong passwords in a row lock the account for five minutes. The message for an
    unknown user and a wrong password is the same, so the screen does not reveal which
    usernames exist. A refusal is raised only after its transaction commits: the failure
    count and the audit row must survive the refusal.
    """
    now = clock.now()
    refusal: str | None = None
    actor: Actor | None = None
    with db.write() as session:
        user = session.exec(select(User).where(User.username == username.strip())).first()
        if user is None or not user.active:
            session.add(
                _audit(user, username, "sign_in_failed", clock, reason="unknown or inactive")
            )
            refusal = "Wrong username or password."
        elif user.locked_until is not None and user.locked_until > now:
            session.add(_audit(user, username, "sign_in_refused_locked", clock))
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            refusal = (
                f"This account is locked after {MAX_FAILED_SIGN_INS} wrong passwords. "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, "
                "or ask an administrator."
            )
        elif not _password_matches(user.password_hash, password):
            user.failed_sign_ins += 1
            session.add(_audit(user, username, "sign_in_failed", clock, reason="wrong password"))
            refusal = "Wrong username or password."
            if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
                user.locked_until = now + LOCKOUT
                user.failed_sign_ins = 0
                session.add(
                    _audit(user, username, "account_locked", clock, until=user.locked_until)
                )
                refusal = (
                    "Wrong password. The account is now locked for "
                    f"{int(LOCKOUT.total_seconds() // 60)} minutes."
                )
            session.add(user)
        else:
            user.failed_sign_ins = 0
            user.locked_until = None
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            session.add(user)
            session.add(_audit(user, username, "signed_in", clock))
            session.flush()
            actor = actor_for(user)
    if actor is None:
        raise AuthenticationFailed(refusal or "Wrong username or password.")
    return actor


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
