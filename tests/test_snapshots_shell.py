"""SVG snapshots of the shell screens at fixed sizes, with fixed data and a fixed clock.

Update after an intended change with ``pytest tests/test_snapshots_shell.py --snapshot-update``
and look at the pictures before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from syrupy.assertion import SnapshotAssertion
from textual.pilot import Pilot
from textual.widgets import Input

from tests.apphelpers import make_app, seeded_database, settle, sign_in, type_text
from tests.snapshots import assert_snapshots

Before = Callable[[Pilot[Any]], Awaitable[None]]


async def _steady(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def _signed_in(*then: str, paste: str | None = None) -> Before:
    async def run_before(pilot: Pilot[Any]) -> None:
        await sign_in(pilot, "floorwalker")
        await pilot.press("f2")  # everyone lands on home; these pictures are of the browser
        await settle(pilot)
        for key in then:
            await pilot.press(key)
            await settle(pilot)
        if paste is not None:
            await type_text(pilot, paste, paste=True)
        await _steady(pilot)

    return run_before


def test_shell_at_100x30(snapshot: SnapshotAssertion, tmp_path: Path) -> None:
    """The sign-in screen, the decision browser, then its filter dialog refusing a date
    written the British way: one run of the app."""
    db, _ = seeded_database(tmp_path)

    async def filter_with_a_bad_date(pilot: Pilot[Any]) -> None:
        await pilot.press("f")
        await settle(pilot)
        await type_text(pilot, "24/11/2026", paste=True)
        await _steady(pilot)
        await pilot.press("enter")
        await _steady(pilot)

    steps = [
        ("sign_in_screen", _steady),
        ("decision_browser", _signed_in()),
        ("filter_dialog_with_a_bad_date", filter_with_a_bad_date),
    ]
    assert_snapshots(snapshot, make_app(db, tmp_config=tmp_path), (100, 30), steps)


def test_shell_at_80x24(snapshot: SnapshotAssertion, tmp_path: Path) -> None:
    """Help over the browser, a decision's detail, then (signed out) a refused sign-in:
    one run of the app."""
    db, _ = seeded_database(tmp_path)

    async def detail(pilot: Pilot[Any]) -> None:
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")
        await _steady(pilot)

    async def refused(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+o")
        await settle(pilot)
        await sign_in(pilot, "floorwalker", "wrong-password")
        await _steady(pilot)

    steps = [
        ("help_screen", _signed_in("f1")),
        ("decision_browser_with_detail", detail),
        ("sign_in_refused", refused),
    ]
    assert_snapshots(snapshot, make_app(db, tmp_config=tmp_path), (80, 24), steps)
