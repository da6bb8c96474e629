"""Pressing r on a decision someone has already reviewed names that review and asks:
open it, or start a second, independent review."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Judgement
from rcrp_tui.services.core import auth
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.reviews import lists as review_lists
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.reviews.existing_review_dialog import ExistingReviewDialog
from rcrp_tui.ui.reviews.review import ReviewScreen
from tests.apphelpers import DEMO_PASSWORD, make_app, seed_small_dataset, settle, sign_in
from tests.conftest import FIXED_NOW
from tests.review_helpers import all_met

SIZE = (140, 40)


def _ctx(db: Database, username: str) -> Ctx:
    clock = FixedClock(FIXED_NOW)
    return Ctx(db, auth.sign_in(db, clock, username, DEMO_PASSWORD), clock)


async def test_qa_lead_is_told_of_the_existing_review_and_chooses(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    data = seed_small_dataset(admin_ctx)
    floorwalker = _ctx(db, "floorwalker")
    work = reviews.open_for_decision(floorwalker, data.decision_ids[0])
    judgement = Judgement.APPROPRIATE
    submitted = reviews.submit(floorwalker, work.review, all_met(work), judgement)
    assert submitted.status is ReviewStatus.SUBMITTED

    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "qalead")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExistingReviewDialog)
        first = str(dialog.query_one(OptionList).get_option_at_index(0).prompt)
        assert f"Review {submitted.id}" in first and "SUBMITTED" in first
        assert f"by {submitted.reviewer}" in first
        await pilot.press("enter")  # open the existing review
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.base is not None
        assert screen.base.id == submitted.id
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ExistingReviewDialog)
        await pilot.press("n")  # a second, independent review
        await settle(pilot)
        second = app.screen
        assert isinstance(second, ReviewScreen) and second.base is not None
        assert second.base.id != submitted.id and second.base.status is ReviewStatus.DRAFT
    qa = _ctx(db, "qalead")
    both = review_lists.reviews_of_decision(qa, data.decision_ids[0])
    assert {r.id for r in both} == {submitted.id, second.base.id}
    assert {r.reviewer_user_id for r in both} == {floorwalker.actor.user_id, qa.actor.user_id}


async def test_no_question_for_a_decision_nobody_has_reviewed(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    seed_small_dataset(admin_ctx)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "qalead")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)


async def test_a_calibration_session_is_named_in_the_prompt_not_listed_as_a_review(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    from datetime import date

    from rcrp_tui.domain.enums import Role
    from rcrp_tui.services.calibration import sessions
    from rcrp_tui.services.core import people
    from tests.calibration_helpers import grade

    data = seed_small_dataset(admin_ctx)
    floorwalker = _ctx(db, "floorwalker")
    work = reviews.open_for_decision(floorwalker, data.decision_ids[0])
    submitted = reviews.submit(floorwalker, work.review, all_met(work), Judgement.APPROPRIATE)
    people.add_user(
        admin_ctx, username="fw.two", display_name="Fw Two", role=Role.FLOORWALKER,
        password=DEMO_PASSWORD,
    )  # fmt: skip
    qa = _ctx(db, "qalead")
    refs = [reviews.open_review(qa, submitted.id).decision.cad_ref]
    refs += [f"CAD{r}" for r in ("260001", "260002")]
    sid = sessions.create_session(
        qa, title="Prompt", deadline=date(2026, 12, 31),
        graders_usernames=["floorwalker", "fw.two"], cad_refs=refs,
    ).session.id  # fmt: skip
    grade(floorwalker, sid, data.decision_ids[0])  # a calibration score: not a review

    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "qalead")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExistingReviewDialog)
        assert dialog.calibration == (sid,)
        assert str(dialog.query_one("#existing-calibration").render()) == (
            f"Also in calibration session {sid}."
        )
        options = dialog.query_one(OptionList)
        assert options.option_count == 2  # the one review, and "start a second review"
        assert f"Review {submitted.id}" in str(options.get_option_at_index(0).prompt)
