"""One permissions table: the README's roles table is domain/permissions.py's, the services
refuse what the table refuses, and every list of people is guarded by a role."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

import rcrp_tui.domain
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import DESCRIPTIONS, ROLE_PERMISSIONS, Permission, roles_table
from rcrp_tui.services.core import audit, people
from rcrp_tui.services.core.context import FIRST_ADMINISTRATOR_SETUP, Actor, Ctx
from rcrp_tui.services.core.errors import PermissionDenied, ValidationFailed
from rcrp_tui.services.core.people import list_contact_officers
from rcrp_tui.services.reviews import toolkits
from rcrp_tui.services.rota import planning as rota_service
from rcrp_tui.storage.db import Database

README = Path(__file__).parents[1] / "README.md"


def _readme_roles() -> dict[str, set[str]]:
    """The README's roles table, parsed: role label -> the phrases in its "may" cell."""
    section = README.read_text(encoding="utf-8").split("## Roles\n", 1)[1]
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|$", section, flags=re.MULTILINE)
    table = {role: set(may.split("; ")) for role, may in rows if role not in ("role", "---")}
    assert table, "no roles table under ## Roles in README.md"
    return table


def test_the_readme_roles_table_is_the_permissions_table() -> None:
    expected = {
        role.label: {DESCRIPTIONS[p] for p in granted} for role, granted in ROLE_PERMISSIONS.items()
    }
    assert _readme_roles() == expected, "paste this into README.md:\n" + roles_table()
    assert roles_table() in README.read_text(encoding="utf-8")


def test_every_permission_has_words_and_every_role_a_row() -> None:
    assert set(DESCRIPTIONS) == set(Permission)
    assert set(ROLE_PERMISSIONS) == set(Role)


def _ctx(admin_ctx: Ctx, role: Role) -> Ctx:
    return admin_ctx.as_actor(Actor(50, f"t-{role.value}", "T", role))


@pytest.mark.parametrize("role", list(Role))
def test_only_administrators_list_every_contact_officer(admin_ctx: Ctx, role: Role) -> None:
    people.add_team(admin_ctx, "Blue", "6on4off-10h")
    people.add_contact_officer(admin_ctx, "CO-1", "Blue")
    ctx = _ctx(admin_ctx, role)
    if role is Role.ADMINISTRATOR:
        assert [o.staff_id for o in list_contact_officers(ctx)] == ["CO-1"]
    else:
        with pytest.raises(PermissionDenied, match="may not manage teams and contact officers"):
            list_contact_officers(ctx)


@pytest.mark.parametrize("role", list(Role))
def test_only_administrators_list_accounts(admin_ctx: Ctx, role: Role) -> None:
    ctx = _ctx(admin_ctx, role)
    if role is Role.ADMINISTRATOR:
        assert people.list_users(ctx) == []
    else:
        with pytest.raises(PermissionDenied, match="may not manage user accounts"):
            people.list_users(ctx)


@pytest.mark.parametrize("role", list(Role))
def test_floorwalkers_are_listed_to_those_who_see_the_rota(admin_ctx: Ctx, role: Role) -> None:
    ctx = _ctx(admin_ctx, role)
    if role is Role.CONTACT_OFFICER:
        with pytest.raises(PermissionDenied, match="may not see the floorwalking rota"):
            rota_service.list_floorwalkers(ctx)
    else:
        assert rota_service.list_floorwalkers(ctx) == []


def test_an_administrator_may_not_change_a_rota(admin_ctx: Ctx) -> None:
    people.add_team(admin_ctx, "Blue", "6on4off-10h")
    args = dict(name="P1", phase=1, go_live=date(2026, 11, 2), shift_pattern="6on4off-10h")
    with pytest.raises(PermissionDenied, match="administrator may not plan the floorwalking rota"):
        rota_service.create_rota(admin_ctx, **args)  # type: ignore[arg-type]
    assert rota_service.create_rota(_ctx(admin_ctx, Role.SUPERVISOR), **args).name == "P1"  # type: ignore[arg-type]


def test_a_qa_lead_may_not_add_a_toolkit(admin_ctx: Ctx) -> None:
    shipped = Path(rcrp_tui.domain.__file__).parent / "data/toolkits/rcrp-national.toml"
    with pytest.raises(PermissionDenied, match="A QA lead may not add toolkits"):
        toolkits.add_from_file(_ctx(admin_ctx, Role.QA_LEAD), shipped)
    assert toolkits.add_from_file(admin_ctx, shipped).info.key


def test_the_first_administrator_setup_adds_the_first_administrator_only(
    any_db: Database, clock: FixedClock
) -> None:
    """The one write without a sign-in: an empty database's first administrator."""
    ctx = Ctx(any_db, FIRST_ADMINISTRATOR_SETUP, clock)
    account = dict(display_name="A", password="long-enough-password")
    with pytest.raises(ValidationFailed, match="first account must be an administrator"):
        people.add_user(ctx, username="fw", role=Role.FLOORWALKER, **account)  # type: ignore[arg-type]
    people.add_user(ctx, username="ada", role=Role.ADMINISTRATOR, **account)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="accounts exist already"):
        people.add_user(ctx, username="eve", role=Role.ADMINISTRATOR, **account)  # type: ignore[arg-type]
    admin = ctx.as_actor(Actor(1, "ada", "A", Role.ADMINISTRATOR))
    assert [u.username for u in people.list_users(admin)] == ["ada"]
    (row,) = audit.entries(admin, entity="user")
    assert (row.actor, row.action) == ("first-administrator-setup", "user_added")
