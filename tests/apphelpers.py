"""Helpers for driving the real app in tests: build it, sign in, seed a small dataset.

Everything is built through the public service functions with fixed times, so the same
data (and the same snapshots) come out on every run.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.text import Text
from textual import events
from textual.pilot import Pilot
from textual.widgets import Static
from textual.worker import WorkerState

from rcrp_tui.domain.clock import Clock, FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role, Shift, ThresholdBasis
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.shell.app import RcrpApp
from tests.conftest import TEST_ADMIN

DEMO_PASSWORD = "demo-password-1"
#: One account per role, all with ``DEMO_PASSWORD``.
USERS: dict[Role, str] = {
    Role.ADMINISTRATOR: "admin",
    Role.QA_LEAD: "qalead",
    Role.SUPERVISOR: "supervisor",
    Role.FLOORWALKER: "floorwalker",
    Role.CONTACT_OFFICER: "officer",
}
TEAMS = ("Team A", "Team B")
#: The newest seeded decision; the others are at fixed steps before it.
NEWEST_DECISION = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SEEDED_DECISIONS = 120


@dataclass(frozen=True)
class SeededData:
    """What ``seed_small_dataset`` created."""

    teams: tuple[str, ...]
    staff_ids: tuple[str, ...]
    usernames: dict[Role, str]
    decision_ids: tuple[int, ...]  # newest first
    cad_refs: tuple[str, ...]  # newest first


def make_app(db: Database, clock: Clock | None = None, *, tmp_config: Path) -> RcrpApp:
    """The app on ``db`` with a fixed clock; settings and keymap kept in ``tmp_config``."""
    return RcrpApp(
        db,
        clock=clock or FixedClock(datetime(2026, 11, 24, 10, 30, tzinfo=UTC)),
        settings_path=tmp_config / "settings.json",
        keymap_path=tmp_config / "keymap.toml",
    )


def rendered_text(widget: Static, width: int = 100) -> str:
    """What a Static shows, as plain text (markup would already be interpreted)."""
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    content = widget.content
    console.print(content if not isinstance(content, str) else Text.from_markup(content))
    return console.export_text()


async def settle(pilot: Pilot[object]) -> None:
    """Wait until background database work has finished and its messages are handled.

    A finished worker's message can start another worker (a list loads, its first row is
    highlighted, the row's details load): wait again until a pause leaves none pending or
    running, so a loaded machine cannot catch a screen half filled.
    """
    app = pilot.app
    for _ in range(20):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
            break


async def type_text(pilot: Pilot[object], text: str, *, paste: bool = False) -> None:
    """Type ``text`` key by key into whatever has focus, or paste it in one go.

    Pasting is what a terminal sends for a clipboard paste; it is much quicker than
    one key event per character, so helpers use it where typing is not under test.
    """
    if paste:
        focused = pilot.app.screen.focused
        assert focused is not None, "nothing has focus to paste into"
        focused.post_message(events.Paste(text))
        await pilot.pause()
    else:
        await pilot.press(*list(text))


async def sign_in(
    pilot: Pilot[object], username: str, password: str = DEMO_PASSWORD, *, typed: bool = False
) -> None:
    """Sign in from the sign-in screen with the keyboard only, and wait for the result."""
    await settle(pilot)
    await type_text(pilot, username, paste=not typed)
    await pilot.press("enter")
    await type_text(pilot, password, paste=not typed)
    await pilot.press("enter")
    await settle(pilot)


def seed_small_dataset(ctx: Ctx) -> SeededData:
    """Two teams, six contact officers, a user per role and 120 decisions.

    ``ctx`` must be an administrator's (e.g. the ``admin_ctx`` fixture). Decisions are 37
    minutes apart, newest at ``NEWEST_DECISION``, cycling through every category, caller
    type and outcome so filters have something to find.
    """
    for index, team in enumerate(TEAMS):
        people.add_team(ctx, team, "2d-2n-4off", cycle_offset=index * 2)
    staff_ids = tuple(f"CO-{n:03d}" for n in range(1, 7))
    for n, staff_id in enumerate(staff_ids):
        people.add_contact_officer(ctx, staff_id, TEAMS[n % 2])
    for role, username in USERS.items():
        people.add_user(
            ctx,
            username=username,
            display_name=f"Demo {role.label}",
            role=role,
            password=DEMO_PASSWORD,
            team=TEAMS[0] if role in (Role.SUPERVISOR, Role.FLOORWALKER) else None,
            staff_id=staff_ids[0] if role is Role.CONTACT_OFFICER else None,
        )
    categories, callers, outcomes = list(Category), list(CallerType), list(Outcome)
    bases = list(ThresholdBasis)
    ids: list[int] = []
    refs: list[str] = []
    for n in range(SEEDED_DECISIONS):
        cad_ref = f"CAD{260000 + SEEDED_DECISIONS - n:06d}"
        received = NEWEST_DECISION - timedelta(minutes=37 * n)
        ids.append(
            record_decision(
                ctx,
                DecisionInput(
                    cad_ref=cad_ref,
                    source_system="TEST-CAD",
                    received_at=received,
                    category=categories[n % len(categories)],
                    # Two-thirds public callers, the rest spread over partner agencies.
                    caller_type=callers[0] if n % 3 else callers[1 + (n // 3) % 5],
                    outcome=outcomes[n % len(outcomes)],
                    threshold_basis=bases[n % len(bases)],
                    phase=1 + n % 4,
                    staff_id=staff_ids[n % len(staff_ids)],
                    shift=Shift.DAY if 7 <= received.hour < 19 else Shift.NIGHT,
                    grade=f"G{1 + n % 3}",
                    qualifier_codes=f"RCRP{1 + n % 4}",
                    rationale=f"Rationale excerpt {n}: risk assessed with THRIVE.",
                ),
            )
        )
        refs.append(cad_ref)
    return SeededData(TEAMS, staff_ids, dict(USERS), tuple(ids), tuple(refs))


_template: tuple[Path, SeededData] | None = None


def seeded_database(tmp_path: Path) -> tuple[Database, SeededData]:
    """A private copy of a database holding ``seed_small_dataset``.

    The dataset is built once per test process through the services and each test gets its
    own copy of the file.
    """
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="rcrp-template-"))
        template_db = Database(f"sqlite:///{folder / 'seeded.db'}")
        schema.upgrade(template_db)
        clock = FixedClock(datetime(2026, 11, 24, 10, 30, tzinfo=UTC))
        seeded = seed_small_dataset(Ctx(template_db, TEST_ADMIN, clock))
        # Closing the last connection folds the WAL into the main file before copying.
        template_db.dispose()
        _template = (folder / "seeded.db", seeded)
    path, seeded = _template
    target = tmp_path / "seeded.db"
    shutil.copyfile(path, target)
    return Database(f"sqlite:///{target}"), seeded
