"""The review screen driven with keys only, and snapshots of it, its history and the
live-risk alert."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.widgets import Input, Static

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.core import auth
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.reviews.dialogs import LiveRiskDialog
from tests.apphelpers import DEMO_PASSWORD, make_app, seed_small_dataset, settle, sign_in
from tests.conftest import FIXED_NOW

SIZE = (140, 40)


def _ctx(db: Database, username: str) -> Ctx:
    clock = FixedClock(FIXED_NOW)
    return Ctx(db, auth.sign_in(db, clock, username, DEMO_PASSWORD), clock)


async def _open_newest_for_review(pilot: Any, username: str = "floorwalker") -> Any:
    await sign_in(pilot, username)
    await pilot.press("f2")  # everyone lands on home; the browser is F2
    await settle(pilot)
    await pilot.press("r")  # the decision browser's review key, on the newest decision
    await settle(pilot)
    from rcrp_tui.ui.reviews.review import ReviewScreen

    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


async def _score_all(pilot: Any, screen: Any, *, critical_fail: bool = False) -> None:
    for criterion in screen.work.criteria:
        if criterion.code == "C05" and critical_fail:
            await pilot.press("3")
        elif criterion.na_allowed and criterion.code in ("C13", "C14", "CW4"):
            await pilot.press("0")
        else:
            await pilot.press("1")


async def test_score_a_whole_review_with_keys_save_resume_and_submit(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    data = seed_small_dataset(admin_ctx)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_newest_for_review(pilot)
        assert screen.work.decision.id == data.decision_ids[0]
        await _score_all(pilot, screen)
        await pilot.press("n")
        await pilot.press(*"coached on C15")
        await pilot.press("enter")
        await pilot.press("o", "2")  # Appropriate, rationale weak
        result = screen.result()
        assert result.complete and result.percent == 100.0
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.base.status is ReviewStatus.DRAFT and not screen.dirty
        saved_version = screen.base.row_version
        last = screen.work.criteria[-1].code
        assert screen.base.answers[last].note == "coached on C15"

        await pilot.press("escape")  # back to the browser
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert screen.base.row_version == saved_version
        assert screen.judgement is Judgement.APPROPRIATE_RATIONALE_WEAK
        assert all(e.answer is not None for e in screen.answers.values())

        await pilot.press("f10")  # submit (the fallback for ctrl+enter)
        await settle(pilot)
        assert screen.base.status is ReviewStatus.SUBMITTED
        stored = reviews.open_review(_ctx(db, "qalead"), screen.base.id).review
        assert stored.status is ReviewStatus.SUBMITTED and stored.passed


async def test_submit_is_refused_until_everything_is_answered(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    seed_small_dataset(admin_ctx)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_newest_for_review(pilot)
        await pilot.press("1", "1")
        await pilot.press("f10")
        await settle(pilot)
        assert screen.base.status is ReviewStatus.DRAFT
        messages = [n.message for n in app._notifications]
        assert any("unanswered criteria: C04" in m for m in messages), messages
        assert any("no overall judgement" in m for m in messages)


def test_snapshot_review_screen_with_failed_critical(
    snap_compare: Any, admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    seed_small_dataset(admin_ctx)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)

    async def run_before(pilot: Any) -> None:
        screen = await _open_newest_for_review(pilot)
        await _score_all(pilot, screen, critical_fail=True)
        await pilot.press("k", "k", "k")
        await settle(pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


def test_snapshot_history_view(
    snap_compare: Any, admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    data = seed_small_dataset(admin_ctx)
    fw = _ctx(db, "floorwalker")
    work = reviews.open_for_decision(fw, data.decision_ids[0])
    answers = {c.code: reviews.AnswerEntry(Answer.MET) for c in work.criteria}
    sub = reviews.submit(fw, work.review, answers, Judgement.APPROPRIATE)
    changed = answers | {
        "C02": reviews.AnswerEntry(Answer.PARTIAL, "markers [bold]not[/bold] read")
    }
    reviews.save(fw, sub, changed, Judgement.APPROPRIATE, reason="Listened to the call again")
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)

    async def run_before(pilot: Any) -> None:
        await _open_newest_for_review(pilot)
        await pilot.press("h")
        await settle(pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


def test_snapshot_live_risk_alert_on_a_qa_leads_screen(
    snap_compare: Any, admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    data = seed_small_dataset(admin_ctx)
    fw = _ctx(db, "floorwalker")
    work = reviews.open_for_decision(fw, data.decision_ids[0])
    live_risk.raise_live_risk(
        fw,
        work.review.id,
        escalated_to="Force Incident Manager",
        escalated_at=FIXED_NOW - timedelta(minutes=4),
    )
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)

    async def run_before(pilot: Any) -> None:
        await sign_in(pilot, "qalead")
        await pilot.press("f9")  # the banner, over the list of open alerts
        await settle(pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


async def test_live_risk_raised_with_keys_then_closed_by_a_supervisor(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    seed_small_dataset(admin_ctx)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_newest_for_review(pilot)
        await pilot.press("l")
        await pilot.press(*"Force Incident Manager")
        await pilot.press("enter", "enter")  # next field, then record (time defaults to now)
        await settle(pilot)
    qa = _ctx(db, "qalead")
    alerts = live_risk.open_alerts(qa)
    assert [a.escalated_to for a in alerts] == ["Force Incident Manager"]

    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "supervisor")
        await settle(pilot)
        from rcrp_tui.ui.reviews.live_risk_banner import LiveRiskBanner

        assert list(app.screen.query(LiveRiskBanner))
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("c")
        await pilot.press(*"FIM sent a unit")
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert not list(app.screen.query(LiveRiskBanner))
    assert live_risk.open_alerts(qa) == []


async def test_a_refused_live_risk_is_reported_not_lost(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    seed_small_dataset(admin_ctx)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_newest_for_review(pilot)
        await pilot.press("l")
        await pilot.press(*"Force Incident Manager")
        await pilot.press("enter")
        await pilot.press("ctrl+a", "ctrl+k", *"23:59", "enter")  # later than now
        await settle(pilot)
        # The dialog comes back with what was typed and why it was refused.
        dialog = app.screen
        assert isinstance(dialog, LiveRiskDialog)
        assert dialog.query_one("#to", Input).value == "Force Incident Manager"
        assert dialog.query_one("#at", Input).value == "23:59"
        assert "At: is in the future" in str(dialog.query_one("#error", Static).render())
    assert live_risk.open_alerts(_ctx(db, "qalead")) == []
