"""Moderation, release, acknowledgement and a save conflict, driven with keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.core import auth
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.storage.db import Database
from tests.apphelpers import DEMO_PASSWORD, make_app, seed_small_dataset, settle, sign_in
from tests.conftest import FIXED_NOW

SIZE = (140, 40)


def _ctx(db: Database, username: str) -> Ctx:
    clock = FixedClock(FIXED_NOW)
    return Ctx(db, auth.sign_in(db, clock, username, DEMO_PASSWORD), clock)


def _submitted(db: Database, decision_id: int) -> int:
    fw = _ctx(db, "floorwalker")
    work = reviews.open_for_decision(fw, decision_id)
    answers = {c.code: AnswerEntry(Answer.MET) for c in work.criteria}
    return reviews.submit(fw, work.review, answers, Judgement.APPROPRIATE).id


async def test_qa_lead_moderates_and_releases_then_officer_acknowledges(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    data = seed_small_dataset(admin_ctx)
    review_id = _submitted(db, data.decision_ids[0])  # decision of CO-001 ("officer")
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "qalead")
        await pilot.press("f5")  # the moderation queue
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen: Any = app.screen
        assert screen.base.id == review_id
        await pilot.press("3")  # adjust C01 to Not met ...
        await pilot.press("m")  # ... so moderation asks for a reason
        await pilot.press(*"Caller type not asked")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.base.status is ReviewStatus.MODERATED
        assert screen.base.moderation_outcome == "adjusted"
        await pilot.press("u")  # release
        await settle(pilot)
        assert screen.base.status is ReviewStatus.RELEASED

    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "officer")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        await pilot.press("1")  # read-only for the officer: nothing changes
        assert not screen.dirty
        await pilot.press("a")
        await pilot.press(*"Thanks")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.base.status is ReviewStatus.ACKNOWLEDGED
        assert screen.base.acknowledgement_comment == "Thanks"


async def test_a_conflicting_save_keeps_what_was_typed(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    data = seed_small_dataset(admin_ctx)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "floorwalker")
        await pilot.press("f2")  # everyone lands on home; the browser is F2
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        screen: Any = app.screen
        await pilot.press("1", "2")  # C01 Met, C02 Partially met (not saved yet)

        # Meanwhile, the same reviewer saves from another terminal.
        other_db = Database(str(db.url))
        try:
            other = Ctx(other_db, _ctx(db, "floorwalker").actor, FixedClock(FIXED_NOW))
            there = reviews.open_for_decision(other, data.decision_ids[0]).review
            reviews.save(other, there, {"C04": AnswerEntry(Answer.NOT_MET)}, None)
        finally:
            other_db.dispose()

        await pilot.press("ctrl+s")
        await settle(pilot)
        banner = app.screen.query_one("#conflict")
        assert "CONFLICT" in str(banner.render()) and "C04" in str(banner.render())
        assert screen.answers["C02"].answer is Answer.PARTIAL  # what was typed is kept
        assert screen.answers["C04"].answer is Answer.NOT_MET  # and theirs is merged in
        assert screen.dirty
        await pilot.press("ctrl+s")  # save over the version now stored
        await settle(pilot)
        assert not screen.dirty
        assert screen.base.answers["C02"].answer is Answer.PARTIAL
        assert screen.base.answers["C04"].answer is Answer.NOT_MET


async def test_the_reviews_list_says_whose_reviews_it_holds(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    from textual.widgets import Static

    from rcrp_tui.ui.reviews.review_list import ReviewsScreen
    from tests.apphelpers import rendered_text

    data = seed_small_dataset(admin_ctx)
    _submitted(db, data.decision_ids[0])
    expected = {
        "floorwalker": (
            "Demo Floorwalker (Floorwalker)",
            "Your reviews",
            "Your reviews awaiting moderation",
        ),
        "qalead": (
            "Demo QA lead (QA lead)",
            "Moderation queue (submitted, moderated)",
            "All reviews, by every reviewer",
        ),
    }
    for username, (header, first, after_m) in expected.items():
        app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, username)
            await pilot.press("f5")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ReviewsScreen)
            assert screen.sub_title == f"Reviews · {header}"
            title = rendered_text(screen.query_one("#reviews-title", Static), width=200)
            assert title.startswith(f"{first} · m switches"), title
            await pilot.press("m")
            await settle(pilot)
            title = rendered_text(screen.query_one("#reviews-title", Static), width=200)
            assert title.startswith(f"{after_m} · m switches"), title
