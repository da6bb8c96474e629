"""Signing out is in the audit trail, as signing in is: by choice (ctrl+o) or after the
idle limit, with the reason and, for an idle sign-out, the limit; in the hash chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core import audit, auth
from rcrp_tui.services.core.audit_verify import verify_chain
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.shell.app import RcrpApp
from rcrp_tui.ui.shell.sign_in import SignInScreen
from tests.apphelpers import DEMO_PASSWORD, seed_small_dataset, settle, sign_in
from tests.conftest import FIXED_NOW, TEST_ADMIN

SIZE = (120, 36)


class MovableTime:
    """A monotonic clock that moves only when the test moves it."""

    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now


def _app(db: Database, tmp_path: Path, time: MovableTime, idle_minutes: int) -> RcrpApp:
    return RcrpApp(
        db,
        clock=FixedClock(FIXED_NOW),
        settings_path=tmp_path / "settings.json",
        keymap_path=tmp_path / "keymap.toml",
        idle_minutes=idle_minutes,
        monotonic=time,
        idle_check_seconds=3600,  # the test calls the check itself
    )


def _sign_outs(db: Database) -> list[audit.AuditRow]:
    admin = Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))
    return [e for e in audit.entries(admin, entity="user") if e.action == "signed_out"]


async def test_signing_out_with_ctrl_o_is_audited_as_chosen(
    any_db: Database, tmp_path: Path
) -> None:
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW))
    data = seed_small_dataset(admin)
    app = _app(any_db, tmp_path, MovableTime(), idle_minutes=0)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, data.usernames[Role.FLOORWALKER])
        actor = app.actor
        assert actor is not None and _sign_outs(any_db) == []
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert app.actor is None and isinstance(app.screen, SignInScreen)
    (row,) = _sign_outs(any_db)
    assert (row.actor, row.actor_role, row.entity_id) == (
        actor.username,
        Role.FLOORWALKER.value,
        str(actor.user_id),
    )
    assert row.after == {"reason": "manual"}
    assert row.at == FIXED_NOW
    assert verify_chain(admin).broken_at is None


async def test_an_idle_sign_out_is_audited_with_its_limit(any_db: Database, tmp_path: Path) -> None:
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW))
    data = seed_small_dataset(admin)
    time = MovableTime()
    app = _app(any_db, tmp_path, time, idle_minutes=15)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, data.usernames[Role.QA_LEAD])
        time.now += 14 * 60
        app.check_idle_sign_out()
        await settle(pilot)
        assert app.actor is not None and _sign_outs(any_db) == []  # not yet idle long enough
        time.now += 2 * 60
        app.check_idle_sign_out()
        await settle(pilot)
        assert app.actor is None
        app.check_idle_sign_out()  # signed out already: nothing more is recorded
        await settle(pilot)
    (row,) = _sign_outs(any_db)
    assert row.actor == data.usernames[Role.QA_LEAD]
    assert row.after == {"reason": "idle", "idle_minutes": 15}


def test_a_sign_out_row_needs_a_known_reason_and_joins_the_chain(any_db: Database) -> None:
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW))
    data = seed_small_dataset(admin)
    clock = FixedClock(FIXED_NOW)
    officer = Ctx(any_db, auth.sign_in(any_db, clock, data.usernames[Role.CONTACT_OFFICER],
                                       DEMO_PASSWORD), clock)  # fmt: skip
    with pytest.raises(ValueError, match="reason"):
        auth.sign_out(officer, "closed the lid")
    assert _sign_outs(any_db) == []
    auth.sign_out(officer, "manual")  # any role may record its own sign-out
    (row,) = _sign_outs(any_db)
    assert row.actor_role == Role.CONTACT_OFFICER.value
    assert verify_chain(admin).broken_at is None
