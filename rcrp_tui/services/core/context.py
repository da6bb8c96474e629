"""Who is acting, on which database, at what time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlmodel import Session

from rcrp_tui.domain.clock import Clock, SystemClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import DESCRIPTIONS, Permission, can
from rcrp_tui.services.core.concurrency import stale_as_conflict
from rcrp_tui.services.core.errors import PermissionDenied
from rcrp_tui.storage.db import Database


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the services see them."""

    user_id: int | None
    username: str
    display_name: str
    role: Role
    team_id: int | None = None
    contact_officer_id: int | None = None


#: Builds the demo database (``rcrp-tui demo``): the one writer that is not a signed-in
#: person, so its audit rows say they were made by the demo builder.
DEMO_BUILDER = Actor(None, "demo-builder", "Demo builder", Role.ADMINISTRATOR)

#: Checks the audit log's hash chain (``rcrp-tui audit verify``, on branches that have it).
#: It only reads, shows no one's records (counts, row ids and hashes), and signs no one in,
#: because a sign-in would add a row to the chain it is checking.
AUDIT_VERIFIER = Actor(None, "audit-verifier", "Audit chain check", Role.ADMINISTRATOR)

#: Adds the first administrator of a database that has no accounts (``rcrp-tui users add
#: NAME --role administrator``): there is no one to sign in as yet. Every other
#: command-line write is made by a signed-in person (see ``cli.auth``).
FIRST_ADMINISTRATOR_SETUP = Actor(
    None,
    "first-administrator-setup",
    "The first administrator, created without sign-in",
    Role.ADMINISTRATOR,
)


@dataclass(frozen=True)
class Ctx:
    """Everything a service call needs: the database, the actor and the clock."""

    db: Database
    actor: Actor
    clock: Clock = field(default_factory=SystemClock)

    def require(self, permission: Permission) -> None:
        """Refuse, with a message a person understands, when the actor lacks ``permission``."""
        if not can(self.actor.role, permission):
            label = self.actor.role.label
            # "QA lead" keeps its capitals; other roles read in lower case mid-sentence.
            role = label if label[:2].isupper() else label.lower()
            article = "An" if role[0] in "aeiouAEIOU" else "A"
            raise PermissionDenied(f"{article} {role} may not {DESCRIPTIONS[permission]}.")

    @contextmanager
    def writing(self, permission: Permission) -> Iterator[Session]:
        """Check ``permission`` then open a write transaction (commit on success).

        A save that lost a race for a versioned row (``StaleDataError``) rolls back whole
        and is raised as ``Conflict`` (services/core/concurrency.py).
        """
        self.require(permission)
        with stale_as_conflict(), self.db.write() as session:
            yield session

    def as_actor(self, actor: Actor) -> Ctx:
        return Ctx(self.db, actor, self.clock)
