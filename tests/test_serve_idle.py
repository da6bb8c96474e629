"""Idle sign-out: in a terminal and in every browser session of ``rcrp-tui serve``.

Time is moved on by a stand-in for ``time.monotonic`` handed to the app (its test hook),
never waited for; the check runs every 50 ms instead of every 15 s.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Static

from rcrp_tui import settings
from rcrp_tui.cli.main import build_parser
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.shell.app import RcrpApp
from rcrp_tui.ui.shell.sign_in import SignInScreen
from tests.apphelpers import rendered_text, seed_small_dataset, settle, sign_in
from tests.conftest import FIXED_NOW

SIZE = (120, 36)


class MovableTime:
    """A monotonic clock that moves only when the test moves it."""

    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now

    def forward(self, minutes: float) -> None:
        self.now += minutes * 60


def _app(db: Database, tmp_path: Path, time: MovableTime, idle_minutes: int | None) -> RcrpApp:
    return RcrpApp(
        db,
        clock=FixedClock(FIXED_NOW),
        settings_path=tmp_path / "settings.json",
        keymap_path=tmp_path / "keymap.toml",
        idle_minutes=idle_minutes,
        monotonic=time,
        idle_check_seconds=0.05,
    )


async def _signed_out(pilot) -> str:
    """Wait (bounded) for the app's own timer to sign out; the sign-in screen's message."""
    app = pilot.app
    for _ in range(100):
        await pilot.pause(0.05)
        if app.actor is None and isinstance(app.screen, SignInScreen):
            await settle(pilot)
            return rendered_text(app.screen.query_one("#sign-in-message", Static)).strip()
    raise AssertionError(
        f"still signed in as {app.actor} on {type(app.screen).__name__} after 100 idle checks"
    )


async def test_an_idle_session_is_signed_out_and_told_why(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    data = seed_small_dataset(admin_ctx)
    time = MovableTime()
    app = _app(db, tmp_path, time, idle_minutes=15)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, data.usernames[Role.FLOORWALKER])
        assert app.actor is not None
        time.forward(14)
        await pilot.press("f2")  # a key press: the 15 minutes start again
        await settle(pilot)
        time.forward(14)  # 28 minutes since signing in, 14 since the key
        app.check_idle_sign_out()
        await pilot.pause()
        assert app.actor is not None, "signed out 14 minutes after a key press"
        time.forward(1.5)
        message = await _signed_out(pilot)
        assert message == "Signed out after 15 minutes without a key press."
        # Only the blank screen and the sign-in screen are left: nothing of the last
        # person's work shows to the next one.
        assert len(app.screen_stack) == 3
        # The next person signs in as usual, and their time starts at their sign-in.
        await sign_in(pilot, data.usernames[Role.QA_LEAD])
        assert app.actor is not None and app.actor.username == data.usernames[Role.QA_LEAD]
        time.forward(10)
        app.check_idle_sign_out()
        assert app.actor is not None


async def test_idle_sign_out_names_the_unsaved_review_it_closed(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    data = seed_small_dataset(admin_ctx)
    time = MovableTime()
    app = _app(db, tmp_path, time, idle_minutes=1)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, data.usernames[Role.FLOORWALKER])
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("1")  # one criterion scored, not saved
        title = app.screen.sub_title
        assert title.startswith("Review · ") and getattr(app.screen, "dirty", False)
        time.forward(1)
        message = await _signed_out(pilot)
        assert message.startswith("Signed out after 1 minute without a key press.")
        assert f"Not saved, and closed: {title}." in " ".join(message.split())


async def test_no_idle_limit_means_no_sign_out(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    data = seed_small_dataset(admin_ctx)
    time = MovableTime()
    app = _app(db, tmp_path, time, idle_minutes=None)  # the settings file has none
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, data.usernames[Role.FLOORWALKER])
        assert app.idle_minutes == 0
        time.forward(settings.MAX_IDLE_MINUTES * 2)
        app.check_idle_sign_out()
        await pilot.pause(0.2)
        assert app.actor is not None


async def test_the_settings_file_sets_the_limit_and_a_bad_value_is_announced(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    data = seed_small_dataset(admin_ctx)
    (tmp_path / "settings.json").write_text(json.dumps({"idle_minutes": 2}))
    time = MovableTime()
    app = _app(db, tmp_path, time, idle_minutes=None)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, data.usernames[Role.FLOORWALKER])
        assert app.idle_minutes == 2
        time.forward(2)
        assert (await _signed_out(pilot)).startswith("Signed out after 2 minutes")

    (tmp_path / "settings.json").write_text(json.dumps({"idle_minutes": "ten"}))
    app = _app(db, tmp_path, MovableTime(), idle_minutes=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.idle_minutes == 0
        shown = [n.message for n in app._notifications]
        assert any("idle_minutes" in m and "'ten'" in m and "is off" in m for m in shown), shown


def test_the_command_line_takes_idle_minutes_and_refuses_nonsense(capsys) -> None:
    parser = build_parser()
    assert parser.parse_args(["--idle-minutes", "15"]).idle_minutes == 15
    assert parser.parse_args(["--idle-minutes", "0"]).idle_minutes == 0
    assert parser.parse_args([]).idle_minutes is None
    assert parser.parse_args(["demo", "--idle-minutes", "3"]).idle_minutes == 3
    for bad in ("-1", "1441", "ten", "1.5"):
        with pytest.raises(SystemExit):
            parser.parse_args(["--idle-minutes", bad])
        assert "not a whole number of minutes from 0 (never) to 1440" in capsys.readouterr().err
