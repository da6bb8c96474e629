"""Sign-in with argon2 password hashes, and lock-out after repeated failures.

Every refusal says the same thing (:data:`REFUSED`), whether the username is unknown,
inactive, locked or the password is wrong, and whether or not this attempt locked the
account: a different message would tell someone trying usernames which ones exist. The
difference is kept where it belongs, in the audit log.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from rcrp_tui.domain.clock import Clock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core.audit import append_row
from rcrp_tui.services.core.concurrency import retry_on_stale
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import AuthenticationFailed
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import User

MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=5)
_hasher = PasswordHasher()
#: The one message for every refused sign-in (see the module docstring).
REFUSED = (
    "Wrong username or password. After "
    f"{MAX_FAILED_SIGN_INS} wrong passwords an account is locked for "
    f"{int(LOCKOUT.total_seconds() // 60)} minutes; an administrator can unlock it."
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def has_accounts(db: Database) -> bool:
    """True once any account exists (active or not): until then the first administrator
    is added without a sign-in, as there is no one to sign in as."""
    with db.read() as session:
        return session.exec(select(User.id).limit(1)).first() is not None


def actor_for(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        team_id=user.team_id,
        contact_officer_id=user.contact_officer_id,
    )


#: The audit's actor for a sign-in with a username no account has. What was typed is never
#: stored: people type their password into the username box, and a list of tried names
#: would help whoever is guessing them.
UNKNOWN_ACCOUNT = "unknown account"


def _audit(session: Session, user: User | None, action: str, clock: Clock, **after: object) -> None:
    append_row(
        session,
        at=clock.now(),
        actor_user_id=user.id if user else None,
        actor=user.username if user else UNKNOWN_ACCOUNT,
        actor_role=user.role if user else "anonymous",
        action=action,
        entity="user",
        entity_id=str(user.id) if user else None,
        after_json=json.dumps(after, default=str) if after else None,
    )


@retry_on_stale()  # two sign-ins to one account at once: the loser counts again
def sign_in(db: Database, clock: Clock, username: str, password: str) -> Actor:
    """Check the password and return the actor; every attempt is audited.

    Five wrong passwords in a row lock the account for five minutes (audited as
    ``account_locked``). Every refusal raises ``AuthenticationFailed(REFUSED)``, the same
    words for an unknown user, a wrong password and a locked account, and the password is
    checked against a hash even for an unknown user, so neither the message nor the time
    taken tells which usernames exist. A refusal is raised only after its transaction
    commits: the failure count and the audit row must survive the refusal.
    """
    now = clock.now()
    actor: Actor | None = None
    with db.write() as session:
        user = session.exec(select(User).where(User.username == username.strip())).first()
        known = user is not None and user.active
        # Always verify, against a stand-in hash when there is no account, so an unknown
        # username costs the same time as a known one.
        matches = _password_matches(user.password_hash if known and user else _stand_in(), password)
        if user is None:
            _audit(session, None, "sign_in_failed", clock, reason="unknown username")
        elif not user.active:
            _audit(session, user, "sign_in_failed", clock, reason="inactive account")
        elif user.locked_until is not None and user.locked_until > now:
            _audit(session, user, "sign_in_refused_locked", clock)
        elif not matches:
            user.failed_sign_ins += 1
            _audit(session, user, "sign_in_failed", clock, reason="wrong password")
            if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
                user.locked_until = now + LOCKOUT
                user.failed_sign_ins = 0
                _audit(session, user, "account_locked", clock, until=user.locked_until)
            session.add(user)
        else:
            user.failed_sign_ins = 0
            user.locked_until = None
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            session.add(user)
            _audit(session, user, "signed_in", clock)
            session.flush()
            actor = actor_for(user)
    if actor is None:
        raise AuthenticationFailed(REFUSED)
    return actor


#: Why a session ended: the person chose to (ctrl+o, the palette), or no key was pressed
#: for the idle limit (``--idle-minutes``).
SIGN_OUT_REASONS = ("manual", "idle")


def sign_out(ctx: Ctx, reason: str, *, idle_minutes: int | None = None) -> None:
    """Record in the audit trail that ``ctx``'s person signed out, and why (one of
    ``SIGN_OUT_REASONS``; an idle sign-out names its limit). Any role may: it is their
    own session. The row is written in its own transaction, as a sign-in's is."""
    if reason not in SIGN_OUT_REASONS:
        raise ValueError(f"unknown sign-out reason {reason!r}")
    actor = ctx.actor
    after: dict[str, object] = {"reason": reason}
    if idle_minutes is not None:
        after["idle_minutes"] = idle_minutes
    with ctx.db.write() as session:
        append_row(
            session,
            at=ctx.clock.now(),
            actor_user_id=actor.user_id,
            actor=actor.username,
            actor_role=actor.role.value,
            action="signed_out",
            entity="user",
            entity_id=str(actor.user_id) if actor.user_id is not None else None,
            after_json=json.dumps(after),
        )


@cache
def _stand_in() -> str:
    """A hash no password is checked against for real (made once, on first need)."""
    return _hasher.hash("no account has this password")


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
