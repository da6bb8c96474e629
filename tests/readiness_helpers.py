"""A small force for the readiness tests: five eln-8h teams, a supervisor, a QA lead, a
floorwalker, and phase 2's rota going live the day after the fixed clock's day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import func, select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.rota import planning as rota_service
from rcrp_tui.services.rota.state import RotaInfo
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry
from tests.conftest import FIXED_NOW, TEST_ADMIN

PASSWORD = "long-enough-password"
#: The day after the fixed clock's: first shifts start within 24 hours of it.
GO_LIVE = FIXED_NOW.date() + timedelta(days=1)
PHASE = 2


@dataclass
class Force:
    db: Database
    clock: FixedClock
    admin: Ctx
    sup: Ctx
    qa: Ctx
    fw: Ctx
    rota: RotaInfo


def build_force(db: Database, *, go_live: date = GO_LIVE, phase: int = PHASE) -> Force:
    clock = FixedClock(FIXED_NOW)
    admin = Ctx(db, TEST_ADMIN, clock)
    for i, name in enumerate("ABCDE"):
        people.add_team(admin, f"Team {name}", "eln-8h", i * 2)
    made = {
        role: people.add_user(
            admin, username=name, display_name=name.title(), role=role, password=PASSWORD
        )
        for name, role in (
            ("sup", Role.SUPERVISOR),
            ("qa", Role.QA_LEAD),
            ("fw", Role.FLOORWALKER),
        )
    }

    def ctx(role: Role) -> Ctx:
        u = made[role]
        return Ctx(db, Actor(u.id, u.username, u.display_name, role), clock)

    sup = ctx(Role.SUPERVISOR)
    rota = rota_service.create_rota(
        sup, name=f"Phase {phase}", phase=phase, go_live=go_live, shift_pattern="eln-8h"
    )
    return Force(db, clock, admin, sup, ctx(Role.QA_LEAD), ctx(Role.FLOORWALKER), rota)


def audit_actions(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)))


def audit_count(db: Database) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(AuditEntry)).one())
