"""Several SVG snapshots from one run of the app, for screens that share a set-up.

pytest-textual-snapshot's ``snap_compare`` starts the app for every picture. Where pictures
are views of one screen with the same data and terminal size (a list and its detail, a
table and its charts), :func:`assert_snapshots` starts the app once, takes each picture the
way ``snap_compare`` takes it (``textual._doc.take_svg_screenshot``: pause, wait for
animations, pause twice, wait again, ``export_screenshot(simplify=True)``), and compares it
with syrupy's ``snapshot`` in the same SVG format. ``snapshot(name=VIEW)`` stores
``TEST[VIEW].svg``, the file a test parametrised with the id ``VIEW`` would use, so the
pictures on disk are the same files as before. ``--snapshot-update`` updates them.

A failed picture is reported by syrupy's diff in the test output; only ``snap_compare``
pictures appear in pytest-textual-snapshot's HTML report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pytest_textual_snapshot import SVGImageExtension
from syrupy.assertion import SnapshotAssertion
from textual.app import App
from textual.pilot import Pilot

Step = Callable[[Pilot[Any]], Awaitable[None]]


def take_screenshots(
    app: App[Any], terminal_size: tuple[int, int], steps: Sequence[tuple[str, Step]]
) -> dict[str, str]:
    """Run ``app`` once; after each step, a picture named after it."""
    title = app.title
    pictures: dict[str, str] = {}

    async def auto_pilot(pilot: Pilot[Any]) -> None:
        for name, step in steps:
            await step(pilot)
            # As take_svg_screenshot does it, so the pictures match snap_compare's.
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
            pictures[name] = app.export_screenshot(title=title, simplify=True)
        app.exit()

    app.run(headless=True, auto_pilot=auto_pilot, size=terminal_size)
    missing = [name for name, _ in steps if name not in pictures]
    assert not missing, f"the app stopped before these pictures: {missing}"
    return pictures


def assert_snapshots(
    snapshot: SnapshotAssertion,
    app: App[Any],
    terminal_size: tuple[int, int],
    steps: Sequence[tuple[str, Step]],
) -> None:
    """Every step's picture matches ``TEST[name].svg`` (all compared, then reported)."""
    svg = snapshot.use_extension(SVGImageExtension)
    pictures = take_screenshots(app, terminal_size, steps)
    mismatched = []
    for name, picture in pictures.items():
        matches = svg(name=name) == picture  # records the picture for --snapshot-update
        if not matches:
            mismatched.append(name)
    assert not mismatched, f"pictures that differ from their snapshot: {mismatched}"
