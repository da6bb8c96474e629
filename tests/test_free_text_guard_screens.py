"""The personal-data dialog on the review screen's criterion notes and on closing a
live-risk alert, driven with keys: edit the text out, or save it with a reason."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.widgets import Input

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.free_text import OVERRIDE_ACTION
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.common.personal_data_dialog import PersonalDataDialog
from rcrp_tui.ui.reviews.dialogs import TextPromptDialog
from rcrp_tui.ui.reviews.live_risk import LiveRiskScreen
from rcrp_tui.ui.reviews.review import ReviewScreen
from tests.apphelpers import make_app, settle, sign_in
from tests.coaching_helpers import submit_review
from tests.conftest import FIXED_NOW
from tests.review_helpers import PASSWORD, Cast, build_cast

SIZE = (140, 40)
LEAKY = "Call back on 07700 900123 offered"


async def _open_review(pilot: Any, cast: Cast) -> ReviewScreen:
    await sign_in(pilot, "fw.one", PASSWORD)
    pilot.app.open_destination("review", decision_id=cast.decision_id)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


def _dialog_text(app: Any) -> str:
    dialog = app.screen
    assert isinstance(dialog, PersonalDataDialog)
    return str(dialog.query_one("#pd-text").render())


async def test_criterion_note_edited_after_the_dialog_is_saved_clean(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = build_cast(db, clock)
    assert cast.floorwalker.actor.username == "fw.one"  # accounts are made on first use
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_review(pilot, cast)
        code = screen.work.criteria[0].code if screen.work else ""
        await pilot.press("n", *LEAKY, "enter")
        await settle(pilot)
        assert "07700 900123\u27e61\u27e7" in _dialog_text(app)  # highlighted and numbered
        await pilot.press("e")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TextPromptDialog)
        assert prompt.query_one(Input).value == LEAKY  # what was typed is kept
        await pilot.press("ctrl+a", "ctrl+k", *"Call back offered", "enter")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("ctrl+s")
        await settle(pilot)
    view = reviews.open_review(cast.floorwalker, screen.base.id if screen.base else 0).review
    assert view.answers[code].note == "Call back offered"
    trail = audit.entries(cast.admin, entity="review", entity_id=view.id)
    assert OVERRIDE_ACTION not in {e.action for e in trail}


async def test_criterion_note_saved_anyway_with_a_reason(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = build_cast(db, clock)
    assert cast.floorwalker.actor.username == "fw.one"
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_review(pilot, cast)
        code = screen.work.criteria[0].code if screen.work else ""
        await pilot.press("n", *LEAKY, "enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonalDataDialog)
        await pilot.press("o", *"Force switchboard number", "enter")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen and not screen.dirty
        # Opening the saved note and keeping it as it is asks nothing more.
        await pilot.press("n")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TextPromptDialog) and prompt.query_one(Input).value == LEAKY
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
    view = reviews.open_review(cast.floorwalker, screen.base.id if screen.base else 0).review
    assert view.answers[code].note == LEAKY
    [override] = [
        e
        for e in audit.entries(cast.admin, entity="review", entity_id=view.id)
        if e.action == OVERRIDE_ACTION
    ]
    assert override.after is not None
    assert override.after["reason"] == "Force switchboard number"
    assert override.after["kinds"] == ["phone"]


def _raise_alert(cast: Cast) -> int:
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    alert = live_risk.raise_live_risk(
        cast.floorwalker,
        work.review.id,
        escalated_to="Force Incident Manager",
        escalated_at=FIXED_NOW - timedelta(minutes=3),
    )
    assert cast.supervisor.actor.username == "sup.red"
    return alert.id


async def _close_with_leaky_note(pilot: Any) -> None:
    await sign_in(pilot, "sup.red", PASSWORD)
    await pilot.press("f9")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LiveRiskScreen)
    await pilot.press("c", *LEAKY, "enter")
    await settle(pilot)


async def test_closing_note_edited_after_the_dialog(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = build_cast(db, clock)
    alert_id = _raise_alert(cast)
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _close_with_leaky_note(pilot)
        assert "07700 900123\u27e61\u27e7" in _dialog_text(app)
        assert [a.id for a in live_risk.open_alerts(cast.qa)] == [alert_id]
        await pilot.press("e")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TextPromptDialog)
        assert prompt.query_one(Input).value == LEAKY
        await pilot.press("ctrl+a", "ctrl+k", *"Unit attended; person safe", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LiveRiskScreen)
    assert live_risk.open_alerts(cast.qa) == []
    trail = audit.entries(cast.admin, entity="live_risk", entity_id=alert_id)
    assert OVERRIDE_ACTION not in {e.action for e in trail}
    closed = next(e for e in trail if e.action == "live_risk_closed")
    assert closed.after is not None and closed.after["closing_note"] == "Unit attended; person safe"


async def test_closing_note_saved_anyway_with_a_reason(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = build_cast(db, clock)
    alert_id = _raise_alert(cast)
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _close_with_leaky_note(pilot)
        await pilot.press("o", *"Number of the crisis team desk", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LiveRiskScreen)
    assert live_risk.open_alerts(cast.qa) == []
    trail = audit.entries(cast.admin, entity="live_risk", entity_id=alert_id)
    [override] = [e for e in trail if e.action == OVERRIDE_ACTION]
    assert override.after is not None
    assert override.after["reason"] == "Number of the crisis team desk"
    assert "07700" not in str(override.after)


async def test_acknowledgement_comment_edited_after_the_dialog(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = build_cast(db, clock)
    review_id = submit_review(cast, cast.decision_id, release=True)
    assert cast.officer.actor.username == "co.101"
    app = make_app(db, clock, tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "co.101", PASSWORD)
        # As the officer's list of released reviews opens one (enter on a row).
        await app.push_screen(ReviewScreen(app.ctx, review_id=review_id))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("a", *"Ring Mr Hughes back", "enter")
        await settle(pilot)
        assert "Mr Hughes\u27e61\u27e7" in _dialog_text(app)
        await pilot.press("e")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TextPromptDialog)
        assert prompt.query_one(Input).value == "Ring Mr Hughes back"
        await pilot.press("ctrl+a", "ctrl+k", *"Read and understood", "enter")
        await settle(pilot)
        assert app.screen is screen
    view = reviews.open_review(cast.officer, review_id).review
    assert view.acknowledgement_comment == "Read and understood"
