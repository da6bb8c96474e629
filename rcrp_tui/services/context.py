"""Who is acting, on which database, at what time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlmodel import Session

from rcrp_tui.domain.clock import Clock, SystemClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.services.concurrency import stale_as_conflict
from rcrp_tui.services.errors import PermissionDenied
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


#: Acts for command-line administration (demo build, import, user management).
COMMAND_LINE = Actor(None, "command-line", "Command line", Role.ADMINISTRATOR)

_DESCRIPTIONS: dict[Permission, str] = {
    Permission.MANAGE_USERS: "manage user accounts",
    Permission.MANAGE_TEAMS: "manage teams",
    Permission.IMPORT_DECISIONS: "import decisions",
    Permission.EDIT_DECISIONS: "edit decisions",
    Permission.BROWSE_DECISIONS: "browse decisions",
    Permission.VIEW_AUDIT: "read the audit log",
}


@dataclass(frozen=True)
class Ctx:
    """Everything a service call needs: the database, the actor and the clock."""

    db: Database
    actor: Actor
    clock: Clock = field(default_factory=SystemClock)

    def require(self, permission: Permission) -> None:
        """Refuse, with a message a person understands, when the actor lacks ``permission``."""
        if not can(self.actor.role, permission):
            what = _DESCRIPTIONS.get(permission, permission.value.replace("_", " "))
            raise PermissionDenied(f"A {self.actor.role.label.lower()} may not {what}.")

    @contextmanager
    def writing(self, permission: Permission) -> Iterator[Session]:
        """Check ``permission`` then open a write transaction (commit on success).

        A save that lost a race for a versioned row (``StaleDataError``) rolls back whole
        and is raised as ``Conflict`` (services/concurrency.py).
        """
        self.require(permission)
        with stale_as_conflict(), self.db.write() as session:
            yield session

    def as_actor(self, actor: Actor) -> Ctx:
        return Ctx(self.db, actor, self.clock)
