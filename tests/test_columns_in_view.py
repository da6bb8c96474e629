"""Lists name the columns a narrow terminal hides or cuts (``ui.common.columns_in_view``).

At 80x24 the Reviews list, the Appeals list and a sample's queue are wider than the
screen: the position line under each table names the columns out of view (or counts
them when the names do not fit), and says nothing once the terminal is wide enough.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Static

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec, StratumDimension
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.common.columns_in_view import ColumnsTable, out_of_view_note
from tests.apphelpers import make_app, seeded_database, settle, sign_in
from tests.conftest import FIXED_NOW, TEST_ADMIN
from tests.test_appeals_screen import _seed_appeals

NARROW = (80, 24)
WIDE = (240, 24)


def _ctx(db: Database, username: str) -> Ctx:
    admin = Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))
    (user,) = [u for u in people.list_users(admin) if u.username == username]
    return admin.as_actor(Actor(user.id, user.username, user.display_name, user.role))


def _line(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _wide(pilot: Any) -> None:
    await pilot.resize_terminal(*WIDE)
    await settle(pilot)
    await pilot.pause()


def test_the_note_names_the_columns_when_they_fit_else_counts_them() -> None:
    assert out_of_view_note("3 rows", (), of=5, room=80) == ""
    assert out_of_view_note("3 rows", ("Route", "QA"), of=5, room=80) == (
        " · out of view (← → scroll): Route, QA"
    )
    assert out_of_view_note("3 rows", ("Route", "QA"), of=5, room=30) == (
        " · 2 of 5 columns out of view (← → scroll)"
    )


async def test_reviews_list_names_judgement_and_result_at_80_columns(tmp_path: Path) -> None:
    db, seeded = seeded_database(tmp_path)
    floorwalker = _ctx(db, "floorwalker")
    for decision_id in seeded.decision_ids[:3]:
        work = reviews.open_for_decision(floorwalker, decision_id)
        answers = {c.code: AnswerEntry(Answer.MET) for c in work.criteria}
        reviews.submit(floorwalker, work.review, answers, Judgement.APPROPRIATE)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await sign_in(pilot, "qalead")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.pause()
        table = app.screen.query_one(ColumnsTable)
        assert table.hidden_titles == ("Judgement", "Result")
        assert _line(app, "#reviews-position") == (
            "3 reviews on this page · out of view (← → scroll): Judgement, Result"
        )
        await _wide(pilot)
        assert _line(app, "#reviews-position") == "3 reviews on this page"
        assert table.hidden_titles == ()


async def test_appeals_list_counts_route_and_the_columns_after_it_at_80_columns(
    admin_ctx: Ctx, db: Database, tmp_path: Path
) -> None:
    _seed_appeals(admin_ctx)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await sign_in(pilot, "supervisor")
        await pilot.press("f7")
        await settle(pilot)
        await pilot.pause()
        table = app.screen.query_one(ColumnsTable)
        assert table.hidden_titles == ("Route", "Partner", "QA", "Organisation")
        # Named they would not fit on the line, so they are counted.
        assert _line(app, "#appeal-position") == (
            "4 appeals on this page · 4 of 8 columns out of view (← → scroll)"
        )
        await _wide(pilot)
        assert _line(app, "#appeal-position") == "4 appeals on this page"


async def test_sample_queue_names_the_columns_out_of_view_and_follows_the_scroll(
    tmp_path: Path,
) -> None:
    db, _ = seeded_database(tmp_path)
    qa = _ctx(db, "qalead")
    spec = SamplingSpec(SamplingMethod.STRATIFIED, size=8, strata=(StratumDimension.SHIFT,))
    plan = sampling.save_plan(qa, "Night and day", PopulationFilter(), spec, seed=7)
    sampling.draw_sample(qa, plan.id)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await sign_in(pilot, "floorwalker")
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause()
        table = app.screen.query_one(ColumnsTable)
        assert table.hidden_titles == ("Outcome", "Stratum", "Reason")
        assert _line(app, "#queue-position") == (
            "items 1 to 8 · out of view (← → scroll): Outcome, Stratum, Reason"
        )
        await pilot.press("right", "right", "right", "right")  # scrolled: the note follows
        await settle(pilot)
        await pilot.pause()
        assert _line(app, "#queue-position") == (
            "items 1 to 8 · out of view (← → scroll): #, Outcome, Stratum, Reason"
        )
        await _wide(pilot)
        assert _line(app, "#queue-position") == "items 1 to 8"
        assert table.hidden_titles == ()
