"""SVG snapshots of the shell screens at fixed sizes, with fixed data and a fixed clock.

Update after an intended change with ``pytest tests/test_snapshots_shell.py --snapshot-update``
and look at the pictures before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from tests.apphelpers import make_app, seeded_database, settle, sign_in, type_text

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


def test_sign_in_screen(snap_compare: Any, tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    assert snap_compare(
        make_app(db, tmp_config=tmp_path), terminal_size=(100, 30), run_before=_steady
    )


def test_sign_in_refused(snap_compare: Any, tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await sign_in(pilot, "floorwalker", "wrong-password")
        await _steady(pilot)

    assert snap_compare(
        make_app(db, tmp_config=tmp_path), terminal_size=(80, 24), run_before=run_before
    )


def test_decision_browser(snap_compare: Any, tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    assert snap_compare(
        make_app(db, tmp_config=tmp_path), terminal_size=(100, 30), run_before=_signed_in()
    )


def test_decision_browser_with_detail_at_80x24(snap_compare: Any, tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    assert snap_compare(
        make_app(db, tmp_config=tmp_path), terminal_size=(80, 24), run_before=_signed_in("enter")
    )


def test_filter_dialog_with_a_bad_date(snap_compare: Any, tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await _signed_in("f", paste="24/11/2026")(pilot)
        await pilot.press("enter")
        await _steady(pilot)

    assert snap_compare(
        make_app(db, tmp_config=tmp_path), terminal_size=(100, 30), run_before=run_before
    )


def test_help_screen_at_80x24(snap_compare: Any, tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    assert snap_compare(
        make_app(db, tmp_config=tmp_path), terminal_size=(80, 24), run_before=_signed_in("f1")
    )
