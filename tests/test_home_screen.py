"""The home screen of each role, driven with the keyboard through the real app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from syrupy.assertion import SnapshotAssertion
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from rcrp_tui.domain.appeals import AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.appeals.detail import AppealDetailScreen
from rcrp_tui.ui.coaching.cpd import CpdScreen
from rcrp_tui.ui.home.home import HomeScreen
from rcrp_tui.ui.home.panel import HomePanel
from rcrp_tui.ui.reviews.live_risk import LiveRiskScreen
from rcrp_tui.ui.reviews.review import ReviewScreen
from rcrp_tui.ui.sampling.queue import SampleQueueScreen
from rcrp_tui.ui.shell.sign_in import SignInScreen
from tests.apphelpers import make_app, settle, sign_in
from tests.home_helpers import NOW, PASSWORD, home_database
from tests.snapshots import assert_snapshots


def _app(db: Database, tmp_path: Path) -> Any:
    return make_app(db, FixedClock(NOW), tmp_config=tmp_path)


def panel_text(pilot: Pilot[Any], panel_id: str) -> str:
    """A panel's summary and list as plain text."""
    panel = pilot.app.screen.query_one(f"#panel-{panel_id}", HomePanel)
    content = panel.query_one(".home-summary", Static).content
    lines = [content.plain if isinstance(content, Text) else str(content)]
    for options in panel.query(OptionList):
        for index in range(options.option_count):
            prompt = options.get_option_at_index(index).prompt
            lines.append(prompt.plain if isinstance(prompt, Text) else str(prompt))
    return "\n".join(lines)


async def focus_panel(pilot: Pilot[Any], panel_id: str) -> None:
    """Press tab until the panel's list has focus (keys only, as a person would)."""
    for _ in range(12):
        focused = pilot.app.focused
        if focused is not None and any(
            getattr(a, "id", None) == f"panel-{panel_id}" for a in focused.ancestors
        ):
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached panel {panel_id}")


async def _signed_in(pilot: Pilot[Any], username: str) -> None:
    await sign_in(pilot, username, PASSWORD)
    await settle(pilot)
    assert isinstance(pilot.app.screen, HomeScreen)


async def test_floorwalker_home_and_enter_on_a_draft_opens_it(tmp_path: Path) -> None:
    db, world = home_database(tmp_path)
    app = _app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _signed_in(pilot, "fw.one")
        assert "Not on shift · next: Red night, Tue 24 Nov 19:00 to 07:00" in panel_text(
            pilot, "duty"
        )
        queue = panel_text(pilot, "queue")
        assert "2 items claimed by or assigned to you; 1 more waiting" in queue
        assert "▶ claimed · CAD-POOL4" in queue
        assert "CAD-DRAFT" in panel_text(pilot, "drafts")
        assert "⚠ LIVE RISK · CAD-NOV2" in panel_text(pilot, "alerts")
        assert "CAD-FW2" not in panel_text(pilot, "alerts")  # raised by someone else
        assert "⚠ OVERDUE 4 days · CO-1 · note 1" in panel_text(pilot, "authored")
        await focus_panel(pilot, "drafts")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.review_id == world.draft_review
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_floorwalker_enter_on_a_queue_item_opens_the_sample_queue(
    tmp_path: Path,
) -> None:
    db, world = home_database(tmp_path)
    app = _app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _signed_in(pilot, "fw.one")
        await focus_panel(pilot, "queue")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SampleQueueScreen)
        assert app.screen.sample_id == world.sample_id


async def test_qa_lead_home_figures_and_keys(tmp_path: Path) -> None:
    db, world = home_database(tmp_path)
    app = _app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _signed_in(pilot, "qa.lead")
        compliance = panel_text(pilot, "compliance")
        assert "November 2026: 80.0% (95% CI 37.6-96.4%, 4/5)" in compliance
        assert "October 2026: 50.0% (95% CI 9.5-90.5%, 1/2)" in compliance
        assert "▲ up 30.0 points" in compliance
        assert "7 reviews (first 5 shown)" in panel_text(pilot, "moderation")
        assert "November dip · 1/4 done" in panel_text(pilot, "samples")
        overdue = panel_text(pilot, "overdue")
        assert overdue.index("CO-2 · note 3") < overdue.index("CO-1 · note 1")
        await focus_panel(pilot, "alerts")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LiveRiskScreen)
        await pilot.press("escape")
        await settle(pilot)
        await focus_panel(pilot, "overdue")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CpdScreen) and app.screen.staff_id == "CO-2"
        # ctrl+r reloads: close an alert elsewhere and the count drops.
        await pilot.press("escape")
        await settle(pilot)
        qa = Ctx(db, world.qa.actor, FixedClock(NOW))
        live_risk.close_alert(qa, world.fw_alert, "Officers attended; person safe.")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert panel_text(pilot, "alerts").startswith("1 open alert")


async def test_qa_lead_enter_on_a_sample_opens_its_queue(tmp_path: Path) -> None:
    db, world = home_database(tmp_path)
    app = _app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _signed_in(pilot, "qa.lead")
        await focus_panel(pilot, "samples")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SampleQueueScreen)
        assert app.screen.sample_id == world.sample_id


async def test_supervisor_home_figures_and_keys(tmp_path: Path) -> None:
    db, world = home_database(tmp_path)
    sup = Ctx(db, world.sup.actor, FixedClock(datetime(2026, 11, 24, 10, 25, tzinfo=UTC)))
    appeals.record_appeal(
        sup,
        AppealInput(
            cad_ref="CAD-NOV2",
            route=AppealRoute.LIVE_999,
            partner_type=PartnerType.OTHER,
            partner_org="[bold]Crisis[/bold] team [@click=app.quit]",
        ),
    )
    app = _app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _signed_in(pilot, "sup.red")
        coverage = panel_text(pilot, "coverage")
        assert "Red: 1 of 4 shifts covered (25%), 3 gaps" in coverage
        assert "✗ GAP · Wed 25 Nov 19:00 · Red night · night" in coverage
        live = panel_text(pilot, "appeals")
        assert "2 open live appeals" in live
        # Free text from a partner shows exactly as typed.
        assert "[bold]Crisis[/bold] team [@click=app.quit]" in live
        results = panel_text(pilot, "results")
        assert "Red, November 2026: 2 reviews" in results
        assert "⚠ Should have deployed: 1" in results
        assert "2 overdue follow-ups" in panel_text(pilot, "team-overdue")
        assert "CO-1 · note 2" in panel_text(pilot, "authored")
        await focus_panel(pilot, "appeals")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AppealDetailScreen)
        await pilot.press("escape")
        await settle(pilot)
        await focus_panel(pilot, "team-overdue")
        await pilot.press("j", "enter")  # the second: the note the supervisor wrote
        await settle(pilot)
        assert isinstance(app.screen, CpdScreen) and app.screen.staff_id == "CO-1"


async def test_officer_lands_on_home_and_opens_a_released_review(tmp_path: Path) -> None:
    db, world = home_database(tmp_path)
    app = _app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _signed_in(pilot, "co.one")
        assert "1 review" in panel_text(pilot, "acknowledge")
        notes = panel_text(pilot, "notes")
        assert "4 open notes" in notes
        assert "⚠ OVERDUE · Guidelines · Open · follow-up 20 Nov" in notes
        assert "actions: Re-read the toolkit on C05." in notes
        await focus_panel(pilot, "acknowledge")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.review_id == world.released_review
        await pilot.press("a", *"Thanks", "enter")  # acknowledge it there
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        # Back home, the figures are read again: nothing left to acknowledge.
        assert isinstance(app.screen, HomeScreen)
        assert panel_text(pilot, "acknowledge").startswith("0 reviews")
        await focus_panel(pilot, "notes")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CpdScreen)


async def test_f12_comes_home_from_elsewhere(tmp_path: Path) -> None:
    db, _world = home_database(tmp_path)
    app = _app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _signed_in(pilot, "qa.lead")
        await pilot.press("f2")
        await settle(pilot)
        assert not isinstance(app.screen, HomeScreen)
        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "November 2026" in panel_text(pilot, "compliance")


async def test_administrator_lands_on_a_summary(tmp_path: Path) -> None:
    db, _world = home_database(tmp_path)
    app = _app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _signed_in(pilot, "admin.one")
        accounts = panel_text(pilot, "accounts")
        assert "Administrator 1, QA lead 1, Supervisor 1, Floorwalker 2" in accounts
        assert "Teams: 2" in accounts
        assert "No import yet." in panel_text(pilot, "activity")


async def test_administrator_sees_the_audit_chain_verified_or_broken(tmp_path: Path) -> None:
    db, _world = home_database(tmp_path)
    app = _app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _signed_in(pilot, "admin.one")
        verified = panel_text(pilot, "chain")
        assert verified.startswith("✓ Audit trail verified up to row ")
        # Someone with the file drops the guards and rewrites row 5 behind the app's back.
        with db.write_connection() as conn:
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql("UPDATE audit_log SET action = 'nothing_here' WHERE id = 5")
        await pilot.press("ctrl+r")
        await settle(pilot)
        broken = panel_text(pilot, "chain")
        assert broken.startswith("✗ Audit trail BROKEN at row 5: row 5 was altered")
        assert "⚠ Not guarded: trigger audit_log_no_update is missing" in broken


def _home_of(username: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _signed_in(pilot, username)
        await settle(pilot)

    return run_before


def test_snapshot_home_at_80x24(snapshot: SnapshotAssertion, tmp_path: Path) -> None:
    """Each role's home, one after another in one run of the app (ctrl+o signs out)."""
    db, _world = home_database(tmp_path)

    def home_of(username: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
        async def step(pilot: Pilot[Any]) -> None:
            if not isinstance(pilot.app.screen, SignInScreen):
                await pilot.press("ctrl+o")
                await settle(pilot)
            await _home_of(username)(pilot)

        return step

    # The administrator first: their audit panel counts rows, and every sign-in adds one.
    users = ["admin.one", "fw.one", "qa.lead", "sup.red", "co.one"]
    steps = [(username, home_of(username)) for username in users]
    assert_snapshots(snapshot, _app(db, tmp_path), (80, 24), steps)


def test_snapshot_supervisor_home_wide(snap_compare: Any, tmp_path: Path) -> None:
    db, _world = home_database(tmp_path)
    assert snap_compare(_app(db, tmp_path), terminal_size=(140, 40), run_before=_home_of("sup.red"))
