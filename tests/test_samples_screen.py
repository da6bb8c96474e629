"""The sample screens driven with keys only: a QA lead defines a plan and draws a sample,
a floorwalker works the queue (take next opens the review; skip and replace need a reason;
release), the results and their CSV export, and SVG snapshots of the list, the queue and
the results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from textual.widgets import DataTable, Input, Static

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec, StratumDimension
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage.db import Database
from tests.apphelpers import (
    make_app,
    rendered_text,
    seeded_database,
    settle,
    sign_in,
    type_text,
)
from tests.conftest import FIXED_NOW, TEST_ADMIN
from tests.snapshots import assert_snapshots

SIZE = (140, 40)


def _ctx(db: Database, username: str) -> Ctx:
    # Built from the user list rather than by signing in: password hashing is slow.
    admin = Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))
    (user,) = [u for u in people.list_users(admin) if u.username == username]
    return admin.as_actor(Actor(user.id, user.username, user.display_name, user.role))


def _draw(db: Database, size: int = 8) -> int:
    qa = _ctx(db, "qalead")
    spec = SamplingSpec(SamplingMethod.STRATIFIED, size=size, strata=(StratumDimension.SHIFT,))
    plan = sampling.save_plan(
        qa, "Night and day [bold]dip[/bold]", PopulationFilter(), spec, seed=7
    )
    return sampling.draw_sample(qa, plan.id).id


def _submit(ctx: Ctx, decision_id: int, *, good: bool) -> None:
    work = reviews.open_for_decision(ctx, decision_id)
    answer = Answer.MET if good else Answer.NOT_MET
    answers = {c.code: AnswerEntry(answer) for c in work.criteria}
    judgement = Judgement.APPROPRIATE if good else Judgement.SHOULD_HAVE_DEPLOYED
    reviews.submit(ctx, work.review, answers, judgement)


async def _open_samples(pilot: Any, username: str) -> Any:
    await sign_in(pilot, username)
    await pilot.press("f3")
    await settle(pilot)
    from rcrp_tui.ui.sampling.samples import SamplesScreen

    assert isinstance(pilot.app.screen, SamplesScreen)
    return pilot.app.screen


def _error(screen: Any) -> str:
    """The dialog's error line, as one line however wide a long path made it."""
    return " ".join(rendered_text(screen.query_one("#error", Static), 400).split())


async def test_qa_lead_defines_a_plan_draws_and_reviews_the_first_item(
    tmp_path: Path,
) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_samples(pilot, "qalead")
        await pilot.press("p")
        await settle(pilot)
        dialog = pilot.app.screen
        await type_text(pilot, "Welfare [bold]dip[/bold]", paste=True)
        await pilot.press("f10")  # save the plan and draw
        await settle(pilot)
        assert pilot.app.screen is dialog  # refused: no size yet
        assert _error(dialog) == "✗ Size: type a whole number"
        assert pilot.app.focused is dialog.query_one("#size", Input)
        await type_text(pilot, "12")
        helper = rendered_text(dialog.query_one("#size-helper", Static))
        assert "385 reviews" in helper and "a sample of 12 gives ±28.3%" in helper
        await pilot.press("f10")  # save the plan and draw
        await settle(pilot)
        assert pilot.app.screen is screen
        table = screen.query_one("#samples-table", DataTable)
        assert table.row_count == 1
        assert str(table.get_cell_at((0, 5))) == "Welfare [bold]dip[/bold]"
        assert str(table.get_cell_at((0, 2))) == "0/12"
        detail = rendered_text(screen.query_one("#sample-provenance", Static), width=60)
        assert "Drawn by qalead" in detail and "Population after exclusions: 120" in detail

        await pilot.press("enter")  # the queue
        await settle(pilot)
        from rcrp_tui.ui.reviews.review import ReviewScreen
        from rcrp_tui.ui.sampling.queue import SampleQueueScreen

        queue = pilot.app.screen
        assert isinstance(queue, SampleQueueScreen)
        await pilot.press("n")  # take next: claims and opens the review
        await settle(pilot)
        review = pilot.app.screen
        assert isinstance(review, ReviewScreen)
        first = queue.state.items[0]
        assert review.work.decision.id == first.decision_id
        for _ in review.work.criteria:
            await pilot.press("1")
        await pilot.press("o", "1", "f10")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is queue
        assert queue.state.items[0].status == "done"  # the submit finished the item
        assert (queue.state.progress.done, queue.state.progress.total) == (1, 12)
        assert "1/12 done" in rendered_text(queue.query_one("#queue-summary", Static), 140)
        await pilot.press("escape")
        await settle(pilot)
        assert str(table.get_cell_at((0, 2))) == "1/12"


async def test_floorwalker_skips_replaces_takes_and_releases_with_keys(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    sample_id = _draw(db)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_samples(pilot, "floorwalker")
        assert screen.check_action("new_plan", ()) is False  # planning is a QA lead's
        assert screen.check_action("results", ()) is False
        await pilot.press("enter")
        await settle(pilot)
        queue = pilot.app.screen
        first, second = queue.state.items[0], queue.state.items[1]

        await pilot.press("s")  # skip the first item
        await settle(pilot)
        dialog = pilot.app.screen
        await pilot.press("enter")  # no reason: refused, dialog stays
        await settle(pilot)
        assert pilot.app.screen is dialog
        assert _error(dialog).startswith("✗ Give a reason")
        await type_text(pilot, "CAD record restricted [red]x[/red]", paste=True)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is queue
        assert queue.state.items[0].status == "skipped"
        assert queue.state.items[0].reason == "CAD record restricted [red]x[/red]"
        reason_cell = queue.query_one(DataTable).get_cell_at((0, 7))
        assert str(reason_cell) == "CAD record restricted [red]x[/red]"

        await pilot.press("j", "x")  # replace the second item
        await settle(pilot)
        await type_text(pilot, "Duplicate of an earlier call", paste=True)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is queue
        assert queue.state.items[1].status == "replaced"
        new = queue.state.items[-1]
        assert new.replacement_of_item_id == second.id and new.stratum == second.stratum
        assert (queue.state.progress.skipped, queue.state.progress.replaced) == (1, 1)
        assert queue.state.progress.total == 7  # 8 drawn, 1 skipped; the replacement counts

        await pilot.press("n")  # take next: the third item, straight into its review
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "ReviewScreen"
        await pilot.press("escape")  # leave without scoring: the item stays claimed
        await settle(pilot)
        assert pilot.app.screen is queue
        third = queue.state.items[2]
        assert third.status == "claimed" and third.claimed_by_user_id is not None
        assert "You hold item 3" in rendered_text(queue.query_one("#queue-summary", Static), 140)
        await pilot.press("k", "k", "j", "j")  # back on the third row
        assert queue.check_action("review", ()) is True  # r reopens a held item's review
        await pilot.press("u")  # claimed by mistake: release it
        await settle(pilot)
        assert queue.state.items[2].status == "open"
        assert queue.check_action("review", ()) is None  # nobody holds it now
    progress = sample_queue.progress(_ctx(db, "qalead"), sample_id)
    assert (progress.done, progress.skipped, progress.replaced) == (0, 1, 1)
    assert first.id != second.id


async def test_draw_from_a_saved_plan_results_export_and_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = seeded_database(tmp_path)
    first = _draw(db, size=4)
    exports = tmp_path / "exports"
    exports.mkdir()
    monkeypatch.setenv("RCRP_EXPORT_DIR", str(exports))
    fw = _ctx(db, "floorwalker")
    item = sample_queue.take_next(fw, first)
    assert item is not None
    _submit(fw, item.decision_id, good=True)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_samples(pilot, "qalead")
        await pilot.press("d")  # draw again from the saved plan, with another seed
        await settle(pilot)
        await pilot.press("tab")
        await type_text(pilot, "99")
        await pilot.press("enter")
        await settle(pilot)
        table = screen.query_one("#samples-table", DataTable)
        assert table.row_count == 2 and str(table.get_cell_at((0, 0))) == str(first + 1)

        await pilot.press("j", "v")  # results of the first sample
        await settle(pilot)
        results = pilot.app.screen
        headline = rendered_text(results.query_one("#results-headline", Static), 140)
        assert "Reviewed 1 of 4 in the sample" in headline
        assert "100.0% (95% CI 20.7-100.0%, 1/1)" in headline
        await pilot.press("e")
        await settle(pilot)
        dialog = pilot.app.screen
        path_box = dialog.query_one("#path", Input)
        assert path_box.value == str(exports / f"sample-{first}.csv")
        path_box.value = str(tmp_path / "missing" / "x.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is dialog  # a bad folder keeps the dialog open
        assert "does not exist" in _error(dialog)
        # A folder typed with its slash is a folder: not a file named after it.
        path_box.value = str(tmp_path / "nosuch") + "/"
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is dialog and "does not exist" in _error(dialog)
        assert not (tmp_path / "nosuch").exists()
        path_box.value = str(exports / "first.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is results
        assert len((exports / "first.csv").read_text().splitlines()) == 5
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("c", "y")  # close the highlighted (first) sample
        await settle(pilot)
        assert table.row_count == 1  # only open samples are listed
        await pilot.press("o")  # all samples
        await settle(pilot)
        assert [str(table.get_cell_at((r, 1))) for r in range(2)] == ["OPEN", "CLOSED"]


def _worked_sample(db: Database) -> int:
    sample_id = _draw(db, size=8)
    fw = _ctx(db, "floorwalker")
    for good in (True, False, True):
        item = sample_queue.take_next(fw, sample_id)
        assert item is not None
        _submit(fw, item.decision_id, good=good)
    item = sample_queue.take_next(fw, sample_id)
    assert item is not None
    sample_queue.skip(fw, item.id, "Restricted record")
    sample_queue.take_next(fw, sample_id)
    return sample_id


def test_snapshots(snapshot: SnapshotAssertion, tmp_path: Path) -> None:
    """A QA lead's samples list, then (v) its results; signed out and in again as a
    floorwalker, (enter) the queue: three pictures from one run of the app."""
    db, _ = seeded_database(tmp_path)
    _worked_sample(db)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)

    async def sample_list(pilot: Any) -> None:
        await _open_samples(pilot, "qalead")

    async def results(pilot: Any) -> None:
        await pilot.press("v")
        await settle(pilot)

    async def queue(pilot: Any) -> None:
        await pilot.press("ctrl+o")
        await settle(pilot)
        await _open_samples(pilot, "floorwalker")
        await pilot.press("enter")
        await settle(pilot)

    steps = [("list", sample_list), ("results", results), ("queue", queue)]
    assert_snapshots(snapshot, app, SIZE, steps)


async def test_plan_dialog_shows_only_the_boxes_the_method_uses(tmp_path: Path) -> None:
    db, seeded = seeded_database(tmp_path)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_samples(pilot, "qalead")
        await pilot.press("p")
        await settle(pilot)
        dialog = pilot.app.screen
        assert dialog.query_one("#strata").display is False
        await type_text(pilot, "Targeted appeals", paste=True)
        await pilot.press(*["tab"] * 7)  # to the method
        await pilot.press("enter", "down", "down", "down", "down", "enter")  # targeted
        await pilot.pause()
        assert dialog.query_one("#cad-refs").display is True
        assert dialog.query_one("#size").display is False
        await pilot.press("tab")  # straight to the CAD references
        assert pilot.app.focused is dialog.query_one("#cad-refs", Input)
        await type_text(pilot, f"{seeded.cad_refs[0]}, NOPE1", paste=True)
        await pilot.press("f10")  # save the plan and draw
        await settle(pilot)
        assert pilot.app.screen is dialog
        assert _error(dialog) == "✗ CAD refs: no decision has CAD reference NOPE1"
        assert pilot.app.focused is dialog.query_one("#cad-refs", Input)
        dialog.query_one("#cad-refs", Input).value = ", ".join(seeded.cad_refs[:3])
        await pilot.press("f10")  # save the plan and draw
        await settle(pilot)
        assert pilot.app.screen is screen
        table = screen.query_one("#samples-table", DataTable)
        assert str(table.get_cell_at((0, 2))) == "0/3"
        assert str(table.get_cell_at((0, 7))) == "Targeted decisions"


async def test_qa_lead_assigns_an_item_which_goes_to_that_person_first(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    sample_id = _draw(db, size=6)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_samples(pilot, "qalead")
        await pilot.press("enter")
        await settle(pilot)
        queue = pilot.app.screen
        await pilot.press("j", "j", "a")  # the third item
        await settle(pilot)
        await pilot.press("down", "enter")  # Demo Floorwalker, after "Nobody"
        await settle(pilot)
        assert pilot.app.screen is queue
        third = queue.state.items[2]
        status = str(queue.query_one(DataTable).get_cell_at((2, 1)))
        assert status == "· open → Demo Floorwalker"
    fw = _ctx(db, "floorwalker")
    assert third.assigned_to_user_id == fw.actor.user_id
    taken = sample_queue.take_next(fw, sample_id)
    assert taken is not None and taken.id == third.id


async def test_a_queue_that_cannot_load_says_why(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_samples(pilot, "floorwalker")
        from rcrp_tui.ui.sampling.queue import SampleQueueScreen

        await pilot.app.push_screen(SampleQueueScreen(pilot.app.ctx, sample_id=999))
        await settle(pilot)
        summary = rendered_text(pilot.app.screen.query_one("#queue-summary", Static), 140)
        assert summary.strip() == "✗ Could not load: There is no sample 999."
        assert pilot.app.screen.check_action("take_next", ()) is None  # nothing to take from


async def test_queue_pages_forward_and_back(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    _draw(db, size=60)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_samples(pilot, "floorwalker")
        await pilot.press("enter")
        await settle(pilot)
        queue = pilot.app.screen
        assert [i.position for i in queue.state.items] == list(range(1, 51))
        position = queue.query_one("#queue-position", Static)
        assert rendered_text(position).strip() == "items 1 to 50 · pgdn: next page"
        await pilot.press("pagedown")
        await settle(pilot)
        assert [i.position for i in queue.state.items] == list(range(51, 61))
        assert rendered_text(position).strip() == "items 51 to 60 · pgup: previous page"
        await pilot.press("pageup")
        await settle(pilot)
        assert queue.state.items[0].position == 1


async def test_a_stale_queue_screen_is_told_in_the_dialog_and_keeps_the_reason(
    tmp_path: Path,
) -> None:
    db, _ = seeded_database(tmp_path)
    sample_id = _draw(db)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_samples(pilot, "floorwalker")
        await pilot.press("enter")
        await settle(pilot)
        queue = pilot.app.screen
        first = queue.state.items[0]
        # Another terminal assigns the first item while this screen shows it as it was
        # (the change feed is stopped so this screen cannot hear of it first).
        app.live_updates.stop()
        qa = _ctx(db, "qalead")
        sample_queue.assign(qa, first.id, qa.actor.user_id, expected_version=first.row_version)
        await pilot.press("s")  # skip it, from the stale screen
        await settle(pilot)
        dialog = pilot.app.screen
        await type_text(pilot, "Duplicate of an earlier call", paste=True)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is dialog  # refused in place
        assert _error(dialog) == (
            "✗ Someone else changed this sample item at the same moment; "
            "reload it to see their change."
        )
        assert dialog.query_one(Input).value == "Duplicate of an earlier call"
    page = sample_queue.queue_page(qa, sample_id, limit=1)
    assert page[0].status == "open" and page[0].reason is None  # the skip was not saved


async def test_skipping_an_item_someone_else_claimed_is_refused_before_any_reason_is_typed(
    tmp_path: Path,
) -> None:
    db, _ = seeded_database(tmp_path)
    sample_id = _draw(db)
    # The QA lead claims the first item at another desk.
    claimed = sample_queue.take_next(_ctx(db, "qalead"), sample_id)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_samples(pilot, "floorwalker")
        await pilot.press("enter")
        await settle(pilot)
        queue = pilot.app.screen
        row = [i.id for i in queue.state.items].index(claimed.id)
        for _ in range(row):
            await pilot.press("down")
        assert queue.current.id == claimed.id
        await pilot.press("s")
        await settle(pilot)
        assert pilot.app.screen is queue  # no reason dialog
        messages = [str(n.message) for n in app._notifications]
        assert any(f"Item {claimed.position} is claimed by someone else" in m for m in messages), (
            messages
        )
    item = sample_queue.queue_page(_ctx(db, "qalead"), sample_id, limit=50)
    assert [i.status for i in item if i.id == claimed.id] == ["claimed"]
