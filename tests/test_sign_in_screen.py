"""Signing in with the keyboard: good password, wrong password, lock-out."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Static

from rcrp_tui.services.core.auth import MAX_FAILED_SIGN_INS, REFUSED
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.home.home import HomeScreen
from rcrp_tui.ui.shell.app import RcrpApp
from rcrp_tui.ui.shell.sign_in import SignInScreen
from tests.apphelpers import (
    DEMO_PASSWORD,
    make_app,
    seeded_database,
    settle,
    sign_in,
    type_text,
)


def _message(screen: object) -> str:
    assert isinstance(screen, SignInScreen)
    return str(screen.query_one("#sign-in-message", Static).render())


async def test_a_good_password_opens_the_home_screen(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.sub_title == "Sign in · seeded.db"  # the header names the database
        await sign_in(pilot, "floorwalker", typed=True)
        assert isinstance(app.screen, HomeScreen)
        assert app.ctx.actor.username == "floorwalker"
        assert "Floorwalker" in app.sub_title


async def test_a_wrong_password_is_refused_on_the_screen(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "floorwalker", "not-the-password")
        assert isinstance(app.screen, SignInScreen)
        assert _message(app.screen) == REFUSED
        password = app.screen.query_one("#password", Input)
        assert password.password  # typed characters are masked
        assert password.value == ""
        assert app.screen.focused is password


async def test_an_empty_username_asks_for_one(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        # An empty form says what is missing, at once (Enter in the username box too).
        assert _message(app.screen) == "Type your username and your password."
        assert app.screen.focused is app.screen.query_one("#username", Input)


async def test_five_wrong_passwords_lock_the_account(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_text(pilot, "supervisor", paste=True)
        await pilot.press("enter")
        for _ in range(MAX_FAILED_SIGN_INS):
            await type_text(pilot, "wrong-password", paste=True)
            await pilot.press("enter")
            await settle(pilot)
        assert _message(app.screen) == REFUSED  # locked now, but it does not say so
        # Even the right password is refused while the lock lasts.
        await type_text(pilot, "demo-password-1", paste=True)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert _message(app.screen) == REFUSED


async def test_markup_in_a_username_is_shown_literally(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "[@click=app.quit]x[/]", "whatever-password")
        assert app.is_running
        assert isinstance(app.screen, SignInScreen)
        assert _message(app.screen) == REFUSED


async def test_the_database_can_open_behind_the_sign_in_screen(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = RcrpApp(lambda: db, settings_path=tmp_path / "settings.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "floorwalker")
        assert isinstance(app.screen, HomeScreen)


async def test_a_database_that_will_not_open_is_reported_not_fatal(tmp_path: Path) -> None:
    def refuse() -> Database:
        raise SystemExit("schema is at 0001, this version needs 0005")

    app = RcrpApp(refuse, settings_path=tmp_path / "settings.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "floorwalker")
        assert app.is_running
        assert isinstance(app.screen, SignInScreen)
        assert "Cannot open the database: schema is at 0001" in _message(app.screen)


async def test_closing_before_the_database_opens_releases_what_waits_for_it(
    tmp_path: Path,
) -> None:
    db, _ = seeded_database(tmp_path)
    release = threading.Event()

    def slow() -> Database:
        release.wait()
        return db

    app = RcrpApp(slow, settings_path=tmp_path / "settings.json")
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, SignInScreen)
            assert not app._db_ready.is_set()
        # The app has closed and the database is still opening: the sign-in screen's
        # worker waiting for it (and so the process's end) is let go.
        released = app._db_ready.is_set()
    finally:
        release.set()
    assert released
    with pytest.raises(ServiceError, match="closed before the database opened"):
        app.wait_for_database()


def _burst(app: RcrpApp, keys: list[str]) -> None:
    """Post ``keys`` to the app all at once, as a terminal delivers a password manager's
    auto-type: no pause between keys (``pilot.press`` waits after each key, which hides
    a key that is routed before the one before it has been handled)."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        char = {"tab": "\t", "enter": "\r"}.get(key, key)
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)


async def test_a_fast_burst_with_tab_signs_in(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        _burst(app, [*"floorwalker", "tab", *DEMO_PASSWORD, "enter"])
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen), _message(app.screen)
        assert app.ctx.actor.username == "floorwalker"


async def test_a_burst_keeps_every_key_in_its_box(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # No Enter: look at the boxes themselves.
        _burst(app, [*"floorwalker", "tab", *"abc"])
        await settle(pilot)
        assert app.screen.query_one("#username", Input).value == "floorwalker"
        assert app.screen.query_one("#password", Input).value == "abc"
        assert app.screen.focused is app.screen.query_one("#password", Input)


async def test_a_burst_with_enter_after_the_username_keeps_the_password_hidden(
    tmp_path: Path,
) -> None:
    """Typed quickly, or arriving together over a slow link to ``rcrp-tui serve``,
    "username Enter password Enter" puts the password in its own (hidden) box and signs
    in: it never lands in the username box, which shows what it holds."""
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        _burst(app, [*"floorwalker", "enter", *"abc"])
        await settle(pilot)
        assert app.screen.query_one("#username", Input).value == "floorwalker"
        assert app.screen.query_one("#password", Input).value == "abc"
        _burst(app, ["enter"])  # "abc" is refused; the password box is emptied
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert app.screen.query_one("#password", Input).value == ""
        _burst(app, [*DEMO_PASSWORD, "enter"])
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen), _message(app.screen)


def _demo_age(screen: object) -> Static:
    assert isinstance(screen, SignInScreen)
    return screen.query_one("#sign-in-demo-age", Static)


async def test_a_demo_built_on_an_earlier_day_says_its_age(tmp_path: Path) -> None:
    from rcrp_tui.domain.clock import FixedClock
    from rcrp_tui.sample_data import accounts
    from rcrp_tui.sample_data.demo import build_demo, live_window
    from rcrp_tui.storage import schema

    # Built for 19 November; the app's clock says 24 November.
    window = live_window(date(2026, 11, 19))
    db = Database(f"sqlite:///{tmp_path / 'demo.db'}")
    schema.upgrade(db)
    assert build_demo(db, decisions=300, seed=3, clock=FixedClock(window.now), live=window)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        notice = _demo_age(app.screen)
        assert notice.display
        assert str(notice.render()) == (
            "Demo built 5 days ago: rcrp-tui demo --rebuild for a current one"
        )
        # The notice takes nothing from signing in.
        await sign_in(pilot, "floorwalker1", accounts.DEMO_PASSWORD, typed=True)
        assert isinstance(app.screen, HomeScreen)
    db.dispose()


async def test_a_demo_built_today_and_a_real_database_say_nothing(tmp_path: Path) -> None:
    from rcrp_tui.domain.clock import FixedClock
    from rcrp_tui.sample_data.demo import build_demo, live_window
    from rcrp_tui.storage import schema

    window = live_window(date(2026, 11, 24))
    demo = Database(f"sqlite:///{tmp_path / 'demo.db'}")
    schema.upgrade(demo)
    assert build_demo(demo, decisions=300, seed=3, clock=FixedClock(window.now), live=window)
    seeded, _ = seeded_database(tmp_path)
    for db in (demo, seeded):
        app = make_app(db, tmp_config=tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            notice = _demo_age(app.screen)
            assert not notice.display
            assert str(notice.render()) == ""
        db.dispose()
