"""More screens that follow other terminals' changes: the samples list (F3) and Home.

The samples list: a claim and a completion made at another terminal show within 2 s,
pressing no key, the highlighted sample staying highlighted (two real apps on one
database, SQLite and PostgreSQL). Home: a change of one kind reads again only the panels
that show that kind; a kind the role's Home does not show reads nothing at all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import event
from textual.widgets import DataTable, OptionList, Static

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
from rcrp_tui.services.core import auth, people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.home import summary
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage import change_feed
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.common.live import DataChanged
from rcrp_tui.ui.home.home import HomeScreen
from rcrp_tui.ui.home.panel import HomePanel
from rcrp_tui.ui.sampling import samples as samples_screen
from tests.apphelpers import (
    DEMO_PASSWORD,
    make_app,
    rendered_text,
    seed_small_dataset,
    settle,
    sign_in,
)
from tests.conftest import FIXED_NOW, TEST_ADMIN

BOUND_SECONDS = 2.0
SIZE = (140, 40)


def _ctx(db: Database, username: str) -> Ctx:
    """Signed in as ``username`` (its team and officer record with it), as a terminal is."""
    clock = FixedClock(FIXED_NOW)
    return Ctx(db, auth.sign_in(db, clock, username, DEMO_PASSWORD), clock)


async def _within_bound(check: Callable[[], bool]) -> bool:
    """Whether ``check()`` comes true within ``BOUND_SECONDS``, pressing no key."""
    deadline = time.monotonic() + BOUND_SECONDS
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def _highlighted_key(table: DataTable[Any]) -> str:
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


def _draw(qa: Ctx, name: str) -> int:
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=8)
    plan = sampling.save_plan(qa, name, PopulationFilter(), spec, seed=len(name))
    return sampling.draw_sample(qa, plan.id).id


def test_the_samples_list_listens_to_the_queue_topic() -> None:
    # The screen names the topic without importing the service layer: it must be the same.
    assert samples_screen.QUEUE_TOPIC == change_feed.QUEUE


async def test_a_claim_and_a_completion_elsewhere_show_in_the_open_samples_list(
    any_db: Database, tmp_path: Path
) -> None:
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW))
    seed_small_dataset(admin)
    people.add_user(admin, username="floorwalker2", display_name="Second Floorwalker",
                    role=Role.FLOORWALKER, password=DEMO_PASSWORD, team="Team A")  # fmt: skip
    qa = _ctx(any_db, "qalead")
    older = _draw(qa, "Older dip")
    _draw(qa, "Newer dip")  # listed first, newest first
    other_db = Database(any_db.url.render_as_string(hide_password=False))
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = make_app(any_db, FixedClock(FIXED_NOW), tmp_config=tmp_path / "one")
    second = make_app(other_db, FixedClock(FIXED_NOW), tmp_config=tmp_path / "two")
    try:
        async with first.run_test(size=SIZE) as one, second.run_test(size=SIZE) as two:
            await sign_in(one, "floorwalker")
            await one.press("f3")
            await settle(one)
            screen = first.screen
            table = screen.query_one("#samples-table", DataTable)
            await one.press("down")  # the older sample, second in the list
            await settle(one)
            assert _highlighted_key(table) == str(older)
            provenance = screen.query_one("#sample-provenance", Static)
            assert "0/8 done · 0 claimed" in rendered_text(provenance, 200)

            await sign_in(two, "floorwalker2")
            taken = await asyncio.to_thread(sample_queue.take_next, second.ctx, older)
            assert taken is not None
            assert await _within_bound(
                lambda: "0/8 done · 1 claimed" in rendered_text(provenance, 200)
            ), "the claim did not reach the samples list"
            assert _highlighted_key(table) == str(older)

            await asyncio.to_thread(
                sample_queue.complete, second.ctx, taken.id, expected_version=taken.row_version
            )
            assert await _within_bound(lambda: str(table.get_row(str(older))[2]) == "1/8"), (
                "the completion did not reach the samples list"
            )
            assert "1/8 done · 0 claimed" in rendered_text(provenance, 200)
            assert _highlighted_key(table) == str(older)
            assert first.screen is screen and screen.focused is table
    finally:
        other_db.dispose()


# ----- Home: only the panels a change touches -------------------------------------------


def _panel(screen: HomeScreen, panel_id: str) -> str:
    panel = screen.query_one(f"#panel-{panel_id}", HomePanel)
    text = rendered_text(panel.query_one(".home-summary", Static), 200)
    options = panel.query_one(OptionList)
    lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    return text + "\n".join(lines)


class _Statements:
    """Counts the SQL statements a database runs while ``counting`` is set."""

    def __init__(self, db: Database) -> None:
        self.counting = False
        self.count = 0
        event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        if self.counting:
            self.count += 1


async def test_home_reads_again_only_the_panels_a_change_touches(
    any_db: Database, tmp_path: Path
) -> None:
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW))
    data = seed_small_dataset(admin)
    qa = _ctx(any_db, "qalead")
    sample_id = _draw(qa, "Home dip")
    floorwalker = _ctx(any_db, "floorwalker")
    work = reviews.open_for_decision(floorwalker, data.decision_ids[0])
    statements = _Statements(any_db)
    app = make_app(any_db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "qalead")
        home = app.screen
        assert isinstance(home, HomeScreen) and home.home is not None
        app.live_updates.stop()  # the test says which kinds changed, and when
        await settle(pilot)
        samples_before, alerts_before = _panel(home, "samples"), _panel(home, "alerts")
        assert "0/8 done" in samples_before
        assert "No open alerts" in alerts_before

        # Both kinds change in the database; the screen is told nothing yet.
        item = sample_queue.take_next(floorwalker, sample_id)
        assert item is not None
        sample_queue.complete(floorwalker, item.id, expected_version=item.row_version)
        live_risk.raise_live_risk(
            floorwalker,
            work.review.id,
            escalated_to="Force Incident Manager",
            escalated_at=FIXED_NOW,
        )

        # A kind the QA lead's Home does not show (the rota): not one query, no panel drawn.
        statements.counting = True
        home.post_message(DataChanged({change_feed.ROTA: frozenset()}))
        await settle(pilot)
        statements.counting = False
        assert statements.count == 0
        assert _panel(home, "samples") == samples_before
        assert _panel(home, "alerts") == alerts_before

        # Sample items changed: the samples panel is read again, the alerts panel is not.
        home.post_message(DataChanged({change_feed.QUEUE: frozenset({item.id})}))
        await settle(pilot)
        assert "1/8 done" in _panel(home, "samples")
        assert _panel(home, "alerts") == alerts_before

        # Then the alerts changed: now that panel shows the new alert.
        home.post_message(DataChanged({change_feed.LIVE_RISK: frozenset()}))
        await settle(pilot)
        assert "1 open alert" in _panel(home, "alerts")
        assert "1/8 done" in _panel(home, "samples")


def test_reading_every_part_again_gives_what_a_full_load_gives(any_db: Database) -> None:
    """Each role's parts, all read again after changes of every kind, equal a whole new
    Home (but for when it was made): no part reads differently from the full load."""
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW))
    data = seed_small_dataset(admin)
    qa = _ctx(any_db, "qalead")
    sample_id = _draw(qa, "Parts dip")
    floorwalker = _ctx(any_db, "floorwalker")
    users = {role: _ctx(any_db, name) for role, name in data.usernames.items()}
    before = {role: summary.home(ctx) for role, ctx in users.items()}
    item = sample_queue.take_next(floorwalker, sample_id)
    assert item is not None
    work = reviews.open_for_decision(floorwalker, item.decision_id)
    live_risk.raise_live_risk(
        floorwalker, work.review.id, escalated_to="Force Incident Manager", escalated_at=FIXED_NOW
    )
    for role, ctx in users.items():
        again = summary.refreshed(ctx, before[role], change_feed.TOPICS)
        assert summary.refreshed(ctx, before[role], ()) is before[role]
        if role is Role.ADMINISTRATOR:
            assert again is before[role]  # its Home shows no watched kind of record
            continue
        whole = replace(summary.home(ctx), generated_at=again.generated_at)
        assert again == whole, role


def test_every_role_redraws_the_panels_of_exactly_the_topics_its_home_reads_again() -> None:
    from rcrp_tui.services.home import records
    from rcrp_tui.ui.home.content import LIVE_PANELS, PANELS

    homes = {
        Role.FLOORWALKER: records.FloorwalkerHome,
        Role.QA_LEAD: records.QaLeadHome,
        Role.SUPERVISOR: records.SupervisorHome,
        Role.CONTACT_OFFICER: records.OfficerHome,
        Role.ADMINISTRATOR: records.AdministratorHome,
    }
    for role, home_type in homes.items():
        assert LIVE_PANELS[role].keys() == summary.PARTS[home_type].keys(), role
        assert set(LIVE_PANELS[role]) <= set(change_feed.TOPICS)
        panels = {panel_id for panel_id, _title, _listed in PANELS[role]}
        for shown in LIVE_PANELS[role].values():
            assert set(shown) <= panels, (role, shown)


async def test_the_queue_does_not_read_again_for_a_change_a_later_read_already_saw(
    db: Database, tmp_path: Path
) -> None:
    from rcrp_tui.ui.sampling.queue import SampleQueueScreen

    admin = Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))
    seed_small_dataset(admin)
    _draw(_ctx(db, "qalead"), "Once dip")
    loads: list[SampleQueueScreen.Loaded] = []

    def hook(message: Any) -> None:
        # Seen by each pump it passes (it bubbles from the screen to the app): once each.
        if isinstance(message, SampleQueueScreen.Loaded) and message not in loads:
            loads.append(message)

    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await sign_in(pilot, "floorwalker")
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, SampleQueueScreen)
        heard = time.monotonic()  # a change heard now...
        queue.reload()  # ...and a read of the page asked for after it
        await settle(pilot)
        loads.clear()
        queue.post_message(DataChanged({change_feed.QUEUE: frozenset()}, heard))
        await settle(pilot)
        assert loads == [], "the page was read again for a change the last read saw"
        queue.post_message(DataChanged({change_feed.QUEUE: frozenset()}, time.monotonic()))
        await settle(pilot)
        assert len(loads) == 1, "a change heard after the last read did not read the page"
