"""Every terminal sees the others' changes within 2 seconds without a key press.

Two real apps (Pilot) on one database, on SQLite and on PostgreSQL: a change made through
the second app's services shows on the first app's screen, the cursor stays on the same
record and typing in an open dialog is kept. Underneath: every watched kind of write
announces its topic only when it commits; the SQLite watcher reads nothing but
``PRAGMA data_version`` while nothing changes; the PostgreSQL listener reconnects.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from textual.widgets import DataTable, Input

from rcrp_tui.domain.appeals import AppealOutcome, AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec, StratumDimension
from rcrp_tui.domain.scoring import Judgement
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.rota import planning as rota_service
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage import change_feed
from rcrp_tui.storage.change_feed import Change, PgListener, SqliteWatcher
from rcrp_tui.storage.db import Database
from tests.apphelpers import (
    DEMO_PASSWORD,
    make_app,
    seed_small_dataset,
    settle,
    sign_in,
    type_text,
)
from tests.conftest import FIXED_NOW, TEST_ADMIN
from tests.review_helpers import PASSWORD as REVIEW_PASSWORD
from tests.review_helpers import all_met, build_cast

#: What the issue asks: a change shows at every other terminal within this long.
BOUND_SECONDS = 2.0
SIZE = (140, 40)


# ----- helpers ---------------------------------------------------------------------------


def _second_terminal(db: Database) -> Database:
    """Another connection pool on the same database, as a second terminal has."""
    return Database(db.url.render_as_string(hide_password=False))


def _ctx(db: Database, username: str) -> Ctx:
    admin = Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))
    (user,) = [u for u in people.list_users(admin) if u.username == username]
    return admin.as_actor(Actor(user.id, user.username, user.display_name, user.role))


async def _within_bound(check: Callable[[], bool]) -> bool:
    """Whether ``check()`` comes true within ``BOUND_SECONDS``, pressing no key."""
    deadline = time.monotonic() + BOUND_SECONDS
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def _cell(table: DataTable[Any], row_key: str, column: int) -> str:
    row = table.get_row(row_key)
    return str(getattr(row[column], "plain", row[column]))


def _highlighted_key(table: DataTable[Any]) -> str:
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


# ----- two apps on one database ----------------------------------------------------------


async def test_a_claim_and_a_completion_at_another_terminal_show_in_an_open_queue(
    any_db: Database, tmp_path: Path
) -> None:
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW))
    seed_small_dataset(admin)
    people.add_user(
        admin,
        username="floorwalker2",
        display_name="Second Floorwalker",
        role=Role.FLOORWALKER,
        password=DEMO_PASSWORD,
        team="Team A",
    )
    qa = _ctx(any_db, "qalead")
    spec = SamplingSpec(SamplingMethod.STRATIFIED, size=8, strata=(StratumDimension.SHIFT,))
    plan = sampling.save_plan(qa, "Live dip", PopulationFilter(), spec, seed=7)
    sample_id = sampling.draw_sample(qa, plan.id).id
    other_db = _second_terminal(any_db)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = make_app(any_db, FixedClock(FIXED_NOW), tmp_config=tmp_path / "one")
    second = make_app(other_db, FixedClock(FIXED_NOW), tmp_config=tmp_path / "two")
    try:
        async with first.run_test(size=SIZE) as one, second.run_test(size=SIZE) as two:
            await sign_in(one, "floorwalker")
            await one.press("f3")
            await settle(one)
            await one.press("enter")  # the sample's queue
            await settle(one)
            queue = first.screen
            table = queue.query_one(DataTable)
            for _ in range(3):
                await one.press("down")
            held = _highlighted_key(table)
            await one.press("s")  # skip the highlighted item: the reason dialog opens
            await settle(one)
            dialog = first.screen
            await type_text(one, "Half-typed reas")
            assert dialog.query_one(Input).value == "Half-typed reas"

            await sign_in(two, "floorwalker2")
            taken = await asyncio.to_thread(sample_queue.take_next, second.ctx, sample_id)
            assert taken is not None and str(taken.id) != held
            key = str(taken.id)
            assert await _within_bound(lambda: "claimed" in _cell(table, key, 1)), (
                "the claim did not reach the first terminal"
            )
            assert "someone else" in _cell(table, key, 1)
            # Nothing of the first person's work moved: the dialog, its typing, the focus,
            # and the highlighted item under it.
            assert first.screen is dialog
            assert dialog.query_one(Input).value == "Half-typed reas"
            assert first.screen.focused is dialog.query_one(Input)
            assert _highlighted_key(table) == held

            await asyncio.to_thread(
                sample_queue.complete, second.ctx, taken.id, expected_version=taken.row_version
            )
            assert await _within_bound(lambda: "done" in _cell(table, key, 1)), (
                "the completion did not reach the first terminal"
            )
            assert "1/8 done" in str(queue.query_one("#queue-summary").render())
            assert _highlighted_key(table) == held
            assert dialog.query_one(Input).value == "Half-typed reas"
    finally:
        other_db.dispose()


async def test_an_item_finished_on_another_page_updates_the_progress_line(
    any_db: Database, tmp_path: Path
) -> None:
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW))
    seed_small_dataset(admin)
    qa = _ctx(any_db, "qalead")
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=60)
    plan = sampling.save_plan(qa, "Big dip", PopulationFilter(), spec, seed=5)
    sample_id = sampling.draw_sample(qa, plan.id).id
    page_two = sample_queue.queue_page(qa, sample_id, after_position=55, limit=1)[0]
    other_db = _second_terminal(any_db)
    app = make_app(any_db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, "floorwalker")
            await pilot.press("f3")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            queue = app.screen
            summary = queue.query_one("#queue-summary")
            assert "0/60 done" in str(summary.render())
            assert page_two.id not in {i.id for i in queue.state.items}  # not on this page
            elsewhere = Ctx(other_db, qa.actor, FixedClock(FIXED_NOW))
            await asyncio.to_thread(
                sample_queue.skip, elsewhere, page_two.id, "Duplicate call", expected_version=1
            )
            assert await _within_bound(lambda: "1 skipped" in str(summary.render())), (
                "the progress line did not follow a change on another page"
            )
    finally:
        other_db.dispose()


async def test_an_appeal_recorded_and_decided_elsewhere_shows_and_the_cursor_follows_its_row(
    any_db: Database, tmp_path: Path
) -> None:
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW))
    seeded = seed_small_dataset(admin)
    sup = _ctx(any_db, "supervisor")
    for n in range(3):
        appeals.record_appeal(
            sup,
            AppealInput(
                cad_ref=seeded.cad_refs[n],
                route=AppealRoute.POST_INCIDENT,
                partner_type=PartnerType.AMBULANCE,
                partner_org=f"Partner {n}",
                received_at=FIXED_NOW - timedelta(hours=3 - n),
            ),
        )
    other_db = _second_terminal(any_db)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = make_app(any_db, FixedClock(FIXED_NOW), tmp_config=tmp_path / "one")
    second = make_app(other_db, FixedClock(FIXED_NOW), tmp_config=tmp_path / "two")
    try:
        async with first.run_test(size=SIZE) as one, second.run_test(size=SIZE) as two:
            await sign_in(one, "supervisor")
            await one.press("f7")
            await settle(one)
            table = first.screen.query_one(DataTable)
            assert table.row_count == 3
            await one.press("down")
            held = _highlighted_key(table)
            assert table.cursor_row == 1

            await sign_in(two, "supervisor")  # the same supervisor at a second desk
            new_id = await asyncio.to_thread(
                appeals.record_appeal,
                second.ctx,
                AppealInput(
                    cad_ref=seeded.cad_refs[7],
                    route=AppealRoute.LIVE_999,
                    partner_type=PartnerType.MENTAL_HEALTH_TRUST,
                    partner_org="Crisis team",
                    received_at=FIXED_NOW - timedelta(minutes=5),
                ),
            )
            assert await _within_bound(lambda: table.row_count == 4), (
                "the new appeal did not reach the first terminal"
            )
            # The newest appeal is on top; the highlight stayed on its appeal, a row lower.
            assert str(table.coordinate_to_cell_key((0, 0)).row_key.value) == str(new_id)
            assert _highlighted_key(table) == held and table.cursor_row == 2

            await asyncio.to_thread(
                appeals.decide_appeal,
                second.ctx,
                int(held),
                outcome=AppealOutcome.UPHELD,
                rationale="Threshold applied as recorded.",
                expected_version=1,
            )
            assert await _within_bound(lambda: _cell(table, held, 2) == "Upheld"), (
                "the decision did not reach the first terminal"
            )
            assert _highlighted_key(table) == held
    finally:
        other_db.dispose()


async def test_a_live_risk_alert_raised_and_closed_elsewhere_shows_and_goes(
    any_db: Database, tmp_path: Path
) -> None:
    clock = FixedClock(FIXED_NOW)
    cast = build_cast(any_db, clock)
    floorwalker, supervisor = cast.floorwalker, cast.supervisor
    people.add_user(
        cast.admin,
        username="qalead",
        display_name="Demo QA lead",
        role=Role.QA_LEAD,
        password=DEMO_PASSWORD,
    )
    work = reviews.open_for_decision(floorwalker, cast.decision_id)
    other_db = _second_terminal(any_db)
    first = make_app(any_db, clock, tmp_config=tmp_path)
    try:
        async with first.run_test(size=SIZE) as one:
            await sign_in(one, "qalead")
            await one.press("f9")  # the live-risk screen
            await settle(one)
            screen = first.screen
            table = screen.query_one(DataTable)
            assert table.row_count == 0

            elsewhere = Ctx(other_db, floorwalker.actor, clock)
            alert = await asyncio.to_thread(
                live_risk.raise_live_risk,
                elsewhere,
                work.review.id,
                escalated_to="Force Incident Manager",
                escalated_at=FIXED_NOW - timedelta(minutes=2),
            )
            assert await _within_bound(
                lambda: table.row_count == 1 and bool(first.screen.query("#live-risk-banner"))
            ), "the alert did not reach the first terminal"

            closer = Ctx(other_db, supervisor.actor, clock)
            await asyncio.to_thread(
                live_risk.close_alert, closer, alert.id, "FIM confirmed", expected_version=1
            )
            assert await _within_bound(
                lambda: table.row_count == 0 and not first.screen.query("#live-risk-banner")
            ), "the closing did not reach the first terminal"
    finally:
        other_db.dispose()


async def test_a_rota_shift_assigned_elsewhere_shows_in_the_open_week(
    any_db: Database, tmp_path: Path
) -> None:
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW))
    people.add_team(admin, "Rota A", "eln-8h", 0)
    people.add_user(
        admin, username="sup", display_name="Sam Sup", role=Role.SUPERVISOR, password=DEMO_PASSWORD
    )
    walker = people.add_user(
        admin, username="fw1", display_name="Ash", role=Role.FLOORWALKER, password=DEMO_PASSWORD
    )
    sup = _ctx(any_db, "sup")
    rota = rota_service.create_rota(
        sup, name="Phase 1", phase=1, go_live=date(2026, 11, 16), shift_pattern="eln-8h"
    )
    other_db = _second_terminal(any_db)
    app = make_app(any_db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, "sup")
            await pilot.press("f8")
            await settle(pilot)
            screen = app.screen
            title = screen.query_one("#rota-title")
            assert "week 2 of 6" in str(title.render()) and "(0/" in str(title.render())
            slot = next(
                s.key for s in rota_service.rota_view(sup, rota.id).slots
                if date(2026, 11, 23) <= s.key.day <= date(2026, 11, 29)  # the week shown
            )  # fmt: skip
            elsewhere = Ctx(other_db, sup.actor, FixedClock(FIXED_NOW))
            await asyncio.to_thread(rota_service.assign, elsewhere, rota.id, slot, walker.id)
            assert await _within_bound(lambda: "(1/" in str(title.render())), (
                "the assignment did not reach the open rota"
            )
            assert "week 2 of 6" in str(title.render())  # the same week still shown
    finally:
        other_db.dispose()


async def test_a_review_submitted_elsewhere_joins_the_open_moderation_queue(
    any_db: Database, tmp_path: Path
) -> None:
    clock = FixedClock(FIXED_NOW)
    cast = build_cast(any_db, clock)
    qa, floorwalker = cast.qa, cast.floorwalker
    other_db = _second_terminal(any_db)
    app = make_app(any_db, clock, tmp_config=tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, qa.actor.username, REVIEW_PASSWORD)
            await pilot.press("f5")
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            assert table.row_count == 0
            elsewhere = Ctx(other_db, floorwalker.actor, clock)
            work = await asyncio.to_thread(reviews.open_for_decision, elsewhere, cast.decision_id)
            await asyncio.to_thread(
                reviews.submit, elsewhere, work.review, all_met(work), Judgement.APPROPRIATE
            )
            assert await _within_bound(lambda: table.row_count == 1), (
                "the submitted review did not reach the open moderation queue"
            )
            assert table.get_row_at(0)[0] == str(work.review.id)
    finally:
        other_db.dispose()


# ----- the feed itself -------------------------------------------------------------------


class _Heard:
    """Changes a watcher reported, collected from its thread."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self._lock = threading.Lock()

    def __call__(self, change: Change) -> None:
        with self._lock:
            self.changes.append(change)

    def topics(self) -> set[str]:
        with self._lock:
            return {c.topic for c in self.changes}

    def wait_for(self, topic: str, seconds: float = BOUND_SECONDS) -> bool:
        deadline = time.monotonic() + seconds
        while topic not in self.topics():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def clear(self) -> None:
        with self._lock:
            self.changes.clear()


@pytest.fixture
def heard(any_db: Database) -> Iterator[_Heard]:
    got = _Heard()
    watcher = change_feed.watcher(any_db, got)
    watcher.start()
    assert watcher.ready.wait(10)
    yield got
    watcher.stop()


def test_every_watched_kind_of_write_announces_its_topic_when_it_commits(
    any_db: Database, heard: _Heard
) -> None:
    clock = FixedClock(FIXED_NOW)
    other = _second_terminal(any_db)
    try:
        cast = build_cast(other, clock)
        fw, qa, sup = cast.floorwalker, cast.qa, cast.supervisor
        heard.clear()

        spec = SamplingSpec(SamplingMethod.SIMPLE, size=1)
        plan = sampling.save_plan(qa, "One", PopulationFilter(), spec, seed=3)
        sample = sampling.draw_sample(qa, plan.id)
        heard.clear()
        item = sample_queue.take_next(fw, sample.id)
        assert item is not None and heard.wait_for(change_feed.QUEUE)
        if not any_db.is_sqlite:  # PostgreSQL names the records; SQLite says "some"
            assert Change(change_feed.QUEUE, (item.id,)) in heard.changes
        heard.clear()
        sample_queue.release(fw, item.id)
        assert heard.wait_for(change_feed.QUEUE)
        heard.clear()

        work = reviews.open_for_decision(fw, cast.decision_id)
        draft = reviews.save(fw, work.review, all_met(work), Judgement.APPROPRIATE)
        # A draft is the reviewer's own: nobody is told. A later change heard proves the
        # watcher has looked since (both feeds report in commit order).
        with other.write() as session:
            change_feed.announce(session, change_feed.APPEALS)
        assert heard.wait_for(change_feed.APPEALS)
        assert change_feed.REVIEWS not in heard.topics()
        heard.clear()
        submitted = reviews.submit(fw, draft, all_met(work), Judgement.APPROPRIATE)
        assert heard.wait_for(change_feed.REVIEWS)
        heard.clear()
        moderated = reviews.moderate(qa, submitted)
        assert heard.wait_for(change_feed.REVIEWS)
        heard.clear()
        reviews.release(qa, moderated)  # released to the officer
        assert heard.wait_for(change_feed.REVIEWS)
        assert heard.topics() == {change_feed.REVIEWS}

        alert = live_risk.raise_live_risk(
            fw, work.review.id, escalated_to="Force Incident Manager", escalated_at=FIXED_NOW
        )
        assert heard.wait_for(change_feed.LIVE_RISK)
        heard.clear()
        live_risk.close_alert(sup, alert.id, "Done", expected_version=alert.row_version)
        assert heard.wait_for(change_feed.LIVE_RISK)

        appeal_id = appeals.record_appeal(
            sup,
            AppealInput(
                cad_ref="CAD-0001",
                route=AppealRoute.LIVE_999,
                partner_type=PartnerType.AMBULANCE,
                partner_org="Ambulance",
            ),
        )
        assert heard.wait_for(change_feed.APPEALS)
        heard.clear()
        appeals.decide_appeal(
            sup, appeal_id, outcome=AppealOutcome.UPHELD, rationale="As per", expected_version=1
        )
        assert heard.wait_for(change_feed.APPEALS)

        people.add_team(cast.admin, "Rota A", "eln-8h", 0)
        rota = rota_service.create_rota(
            sup, name="Go-live", phase=1, go_live=date(2026, 11, 23), shift_pattern="eln-8h"
        )
        slot = rota_service.rota_view(sup, rota.id).slots[0].key
        heard.clear()
        rota_service.assign(sup, rota.id, slot, fw.actor.user_id or 0)
        assert heard.wait_for(change_feed.ROTA)
        heard.clear()
        rota_service.add_leave(
            sup, fw.actor.user_id or 0, date(2027, 3, 1), date(2027, 3, 2), "annual_leave"
        )
        assert heard.wait_for(change_feed.ROTA)

    finally:
        other.dispose()


def test_a_write_that_rolls_back_announces_nothing(any_db: Database, heard: _Heard) -> None:
    other = _second_terminal(any_db)
    try:
        with pytest.raises(RuntimeError), other.write() as session:
            change_feed.announce(session, change_feed.APPEALS, [1])
            raise RuntimeError("the save failed after announcing")
        with other.write() as session:
            change_feed.announce(session, change_feed.QUEUE, [2])
        assert heard.wait_for(change_feed.QUEUE)
        assert change_feed.APPEALS not in heard.topics()
    finally:
        other.dispose()


def test_the_sqlite_watcher_reads_only_data_version_while_nothing_changes(db: Database) -> None:
    statements: list[tuple[str, str]] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append((threading.current_thread().name, statement))

    got = _Heard()
    watcher = SqliteWatcher(db, got, every=0.02)

    def watcher_statements() -> list[str]:
        return [s for thread, s in statements if thread == watcher.name]

    def wait_for_checks(count: int) -> None:
        target = watcher_statements().count("PRAGMA data_version") + count
        deadline = time.monotonic() + 10
        while watcher_statements().count("PRAGMA data_version") < target:
            assert time.monotonic() < deadline, "the watcher stopped checking"
            time.sleep(0.01)

    watcher.start()
    try:
        assert watcher.ready.wait(10)
        start = len(watcher_statements())
        wait_for_checks(25)
        idle = watcher_statements()[start:]
        assert set(idle) == {"PRAGMA data_version"}, set(idle)

        other = _second_terminal(db)
        try:
            # A change of no watched kind: one look at the counters, nothing reported.
            people.add_team(Ctx(other, TEST_ADMIN, FixedClock(FIXED_NOW)), "Green", "2d2n4off")
            mark = len(watcher_statements())
            wait_for_checks(10)
            after = watcher_statements()[mark:]
            reads = [s for s in after if "change_counters" in s]
            assert len(reads) <= 1 and set(after) - set(reads) == {"PRAGMA data_version"}
            assert got.topics() == set()
            with other.write() as session:
                change_feed.announce(session, change_feed.ROTA)
            assert got.wait_for(change_feed.ROTA)
        finally:
            other.dispose()
    finally:
        watcher.stop()
    reads = [s for s in watcher_statements() if "change_counters" in s]
    assert 2 <= len(reads) <= 3  # at start, after the team (unless folded into the next), rota


def test_the_sqlite_watcher_survives_a_failed_look_and_then_reports_every_topic(
    db: Database,
) -> None:
    got = _Heard()
    watcher = SqliteWatcher(db, got, every=0.02)
    watcher.start()
    other = _second_terminal(db)
    try:
        assert watcher.ready.wait(10)
        with other.write() as session:  # its next look at the counters fails
            session.execute(text("ALTER TABLE change_counters RENAME TO counters_away"))
        deadline = time.monotonic() + 10
        while watcher.ready.is_set():
            assert time.monotonic() < deadline, "the watcher did not notice its failed look"
            time.sleep(0.02)
        assert watcher.running  # still trying
        with other.write() as session:
            session.execute(text("ALTER TABLE counters_away RENAME TO change_counters"))
        assert watcher.ready.wait(10)
        # It could not see what changed meanwhile, so it says everything may have.
        assert all(got.wait_for(topic) for topic in change_feed.TOPICS)
    finally:
        other.dispose()
        watcher.stop()


@pytest.mark.postgres
def test_the_postgres_listener_reconnects_and_reports_what_it_may_have_missed(
    any_db: Database,
) -> None:
    if any_db.is_sqlite:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    got = _Heard()
    listener = PgListener(any_db, got)
    listener.start()
    other = _second_terminal(any_db)
    try:
        assert listener.ready.wait(10)
        first_pid = listener.backend_pid
        with other.engine.connect() as conn:
            ended = conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first_pid})
            assert ended.scalar() is True
            conn.commit()
        # It connects again by itself and, having been away, says every topic changed.
        deadline = time.monotonic() + 15
        while listener.connections < 2:
            assert time.monotonic() < deadline, "the listener did not reconnect"
            time.sleep(0.05)
        assert listener.ready.wait(10) and listener.backend_pid != first_pid
        assert got.topics() == set(change_feed.TOPICS)
        got.clear()
        with other.write() as session:
            change_feed.announce(session, change_feed.APPEALS, [42])
        assert got.wait_for(change_feed.APPEALS)
        assert got.changes == [Change(change_feed.APPEALS, (42,))]
    finally:
        other.dispose()
        listener.stop()
