"""The demo control room's people: five teams, their contact officers, and one account per
person who signs in. Everything is created through ``services.core.people``, so each row is
validated and audited exactly as an administrator's would be.

Nobody has a real-looking name: contact officers are staff ids (``CO-1001``), accounts are
named after their role ("Floorwalker 3", "Supervisor, Team B").
"""

from __future__ import annotations

from dataclasses import dataclass

from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Ctx

#: The one password of every demo account (documented in docs/demo.md and the README).
DEMO_PASSWORD = "rcrp-demo-2026"
SHIFT_PATTERN = "6on4off-10h"
#: Offsets 0, 2, 4, 6, 8 on the 10-day cycle put one team on earlies, one on lates and one
#: on nights every day, with two teams resting.
TEAMS: tuple[tuple[str, int], ...] = (
    ("Team A", 0),
    ("Team B", 2),
    ("Team C", 4),
    ("Team D", 6),
    ("Team E", 8),
)
OFFICER_COUNT = 60
FIRST_STAFF_NUMBER = 1001


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    team: str | None = None
    staff_id: str | None = None


def staff_ids() -> list[tuple[str, str]]:
    """(staff id, team name) for every demo contact officer, dealt round the teams."""
    return [
        (f"CO-{FIRST_STAFF_NUMBER + n}", TEAMS[n % len(TEAMS)][0]) for n in range(OFFICER_COUNT)
    ]


def _accounts() -> tuple[DemoAccount, ...]:
    accounts = [DemoAccount("admin", "Administrator", Role.ADMINISTRATOR)]
    accounts += [DemoAccount(f"qalead{n}", f"QA lead {n}", Role.QA_LEAD) for n in (1, 2)]
    accounts += [
        DemoAccount(f"supervisor{n}", f"Supervisor, {team}", Role.SUPERVISOR, team=team)
        for n, (team, _offset) in enumerate(TEAMS, start=1)
    ]
    accounts += [
        DemoAccount(
            f"floorwalker{n}",
            f"Floorwalker {n}",
            Role.FLOORWALKER,
            team=TEAMS[(n - 1) % len(TEAMS)][0],
        )
        for n in range(1, 9)
    ]
    officers = staff_ids()
    accounts += [
        DemoAccount(
            f"officer{n}",
            f"Contact officer {officers[n - 1][0]}",
            Role.CONTACT_OFFICER,
            team=officers[n - 1][1],
            staff_id=officers[n - 1][0],
        )
        for n in (1, 2, 3)
    ]
    return tuple(accounts)


#: Every demo account, in the order they are created.
ACCOUNTS: tuple[DemoAccount, ...] = _accounts()
#: Username → role, for anyone who needs to sign in to the demo (tests, documentation).
DEMO_ACCOUNTS: dict[str, Role] = {a.username: a.role for a in ACCOUNTS}


def create_people(ctx: Ctx) -> None:
    """Create the teams, contact officers and accounts that do not exist yet.

    Skipping what exists lets a build that was interrupted part-way simply run again.
    """
    teams = {t.name for t in people.list_teams(ctx)}
    for name, offset in TEAMS:
        if name not in teams:
            people.add_team(ctx, name, SHIFT_PATTERN, offset)
    officers = {o.staff_id for o in people.list_contact_officers(ctx)}
    for staff_id, team in staff_ids():
        if staff_id not in officers:
            people.add_contact_officer(ctx, staff_id, team)
    users = {u.username for u in people.list_users(ctx)}
    for account in ACCOUNTS:
        if account.username not in users:
            people.add_user(
                ctx,
                username=account.username,
                display_name=account.display_name,
                role=account.role,
                password=DEMO_PASSWORD,
                team=account.team,
                staff_id=account.staff_id,
            )
