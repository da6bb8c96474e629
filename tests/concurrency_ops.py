"""The changes the concurrency suite races, one function per change, run in the workers.

Each takes the worker's ``Database`` and a plain dict (picklable), acts as the actor named
in it through the real service, and returns something small and picklable. The dict always
carries the version the person "saw" when they began: every worker of a round sends the
same one, so at most one of them may succeed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.context import Actor, Ctx
from rcrp_tui.storage.db import Database

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)

Payload = dict[str, Any]


def actor(user_id: int | None, role: Role, *, team_id: int | None = None) -> tuple[Any, ...]:
    """An actor as plain values, to send to a worker."""
    return (user_id, f"racer-{user_id}", f"Racer {user_id}", role.value, team_id)


def _ctx(db: Database, p: Payload) -> Ctx:
    user_id, username, name, role, team_id = p["actor"]
    return Ctx(db, Actor(user_id, username, name, Role(role), team_id), FixedClock(NOW))


def decide_appeal(db: Database, p: Payload) -> None:
    from rcrp_tui.domain.appeals import AppealOutcome
    from rcrp_tui.services import appeals

    appeals.decide_appeal(
        _ctx(db, p),
        p["id"],
        outcome=AppealOutcome(p["outcome"]),
        rationale=p["rationale"],
        expected_version=p["seen"],
    )


OPERATIONS: dict[str, Callable[[Database, Payload], Any]] = {
    "decide_appeal": decide_appeal,
}
