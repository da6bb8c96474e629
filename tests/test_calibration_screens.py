"""The calibration screens driven through the real app: a QA lead creates a session and
grades blind; a QA lead closes a session, sees the answers side by side, sets a reference
and reads the agreement figures; pictures of the list, a session and its results."""

from __future__ import annotations

from pathlib import Path

from syrupy.assertion import SnapshotAssertion
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, SelectionList, Static

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.sample_data.accounts import DEMO_PASSWORD
from rcrp_tui.services.calibration import grading, reveal, sessions
from rcrp_tui.services.calibration.records import ScoreStatus, SessionStatus
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.calibration.figures import compact
from rcrp_tui.ui.calibration.grading import GradingScreen
from rcrp_tui.ui.calibration.new_session import NewSessionDialog
from rcrp_tui.ui.calibration.results import ResultsScreen
from rcrp_tui.ui.calibration.reveal import ReferenceDialog, RevealScreen
from rcrp_tui.ui.calibration.session import SessionScreen
from rcrp_tui.ui.calibration.session_list import CalibrationScreen
from tests.apphelpers import make_app, rendered_text, settle, sign_in, type_text
from tests.calibration_helpers import DEADLINE, PASSWORD, build
from tests.conftest import FIXED_NOW
from tests.demo_helpers import demo_copy
from tests.snapshots import assert_snapshots


async def test_a_qa_lead_creates_a_session_then_grades_and_submits_a_decision(
    any_db: Database, tmp_path: Path
) -> None:
    cast = build(any_db, FixedClock(FIXED_NOW))
    refs = f"{cast.cad_refs[0]}, {cast.cad_refs[1]} {cast.cad_refs[2]}"
    app = make_app(any_db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "qa.grader", PASSWORD)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, CalibrationScreen)
        assert "No calibration sessions yet" in rendered_text(
            app.screen.query_one("#cal-position", Static)
        )
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewSessionDialog)
        # No title, a day that does not exist, one grader: every problem at once, each
        # under its own field, and what was typed stays.
        dialog.query_one("#new-deadline", Input).value = "2026-02-30"
        dialog.query_one("#new-refs", Input).value = refs
        graders = dialog.query_one("#new-graders", SelectionList)
        graders.select("qa.grader")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog

        def under(field: str) -> str:
            return rendered_text(dialog.query_one(f"#new-{field}-error", Static))

        assert "Title" in under("title"), under("title")
        assert "there is no day 30 in February 2026" in under("deadline"), under("deadline")
        assert "Graders" in under("graders") and "at least 2" in under("graders")
        assert under("refs").strip() == ""
        assert dialog.query_one("#new-refs", Input).value == refs
        assert dialog.query_one("#new-deadline", Input).value == "2026-02-30"
        assert dialog.focused is dialog.query_one("#new-title", Input)  # the first at fault
        await type_text(pilot, "December check")
        dialog.query_one("#new-deadline", Input).value = DEADLINE.isoformat()
        # Still one grader: only that problem is left, under the graders.
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "Graders" in under("graders")
        assert under("title").strip() == "" and under("deadline").strip() == ""
        graders.select("fw.a")
        await pilot.pause()
        chosen = rendered_text(dialog.query_one("#new-chosen", Static))
        assert chosen.startswith("Chosen (2): "), chosen
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CalibrationScreen)
        found = sessions.list_sessions(cast.lead)
        assert [s.title for s in found] == ["December check"]
        session_id = found[0].id

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GradingScreen)
        assert screen.title == "CALIBRATION"
        assert screen.work is not None
        n = len(screen.work.criteria)
        await pilot.press(*(["1"] * n))
        await pilot.press("J", "ctrl+s")
        await settle(pilot)
        work = grading.open_decision(cast.qa_grader, session_id, screen.decision_id)
        assert work.status is ScoreStatus.DRAFT
        assert len([a for a in work.answers.values() if a.answer]) == n
        await pilot.press("S")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        work = grading.open_decision(cast.qa_grader, session_id, screen.decision_id)
        assert work.status is ScoreStatus.SUBMITTED
        assert "SUBMITTED" in rendered_text(screen.query_one("#grading-status", Static))
        # The other grader's work stays unseen: fw.a has not started.
        assert grading.my_work(cast.fw_a, session_id).decisions[0].status is None


async def test_a_qa_lead_closes_reveals_sets_a_reference_and_reads_results(
    tmp_path: Path,
) -> None:
    db = demo_copy(tmp_path / "demo.db")
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "qalead1", DEMO_PASSWORD)
        await pilot.press("ctrl+g")
        await settle(pilot)
        listing = app.screen
        assert isinstance(listing, CalibrationScreen)
        open_ = listing.rows[0]
        assert open_.status is SessionStatus.OPEN and not open_.revealed
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        # Still blind: no side-by-side view, and the reveal screen says why if opened.
        await pilot.press("v")
        await settle(pilot)
        assert app.screen is screen
        await app.push_screen(RevealScreen(screen.ctx, open_.id))
        await settle(pilot)
        head = rendered_text(app.screen.query_one("#reveal-head", Static))
        assert "hidden until" in head and not app.screen.rows, head  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert screen.detail is not None
        assert screen.detail.session.status is SessionStatus.CLOSED
        await pilot.press("v")
        await settle(pilot)
        side = app.screen
        assert isinstance(side, RevealScreen)
        table = side.query_one(DataTable)
        row = next(i for i, (_d, c) in enumerate(side.rows) if c.reference is None)
        table.move_cursor(row=row)
        decision, criterion = side.rows[row]
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReferenceDialog)
        # A consensus without a note is refused under the note.
        dialog.query_one("#ref-choice", Select).value = ("consensus", "met")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "Note" in rendered_text(dialog.query_one("#ref-error", Static))
        dialog.query_one("#ref-note", Input).value = "Agreed at the meeting: the call log shows it."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is side
        revealed = reveal.revealed_answers(side.ctx, open_.id)
        ref = next(
            c.reference
            for d in revealed.decisions
            if d.decision.decision_id == decision.decision.decision_id
            for c in d.criteria
            if c.code == criterion.code
        )
        assert ref is not None and ref.answer.value == "met" and ref.source_grader is None
        cell = str(table.get_row_at(row)[3])  # the Reference column
        assert "consensus" in cell
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        results = app.screen
        assert isinstance(results, ResultsScreen)
        assert results.results is not None
        rows = results.query_one(DataTable)
        assert str(rows.get_row_at(0)[0]) == "ALL"
        assert rows.row_count == 1 + len(results.results.criteria)
        overall = results.results.overall
        assert overall.fleiss.value is not None
        assert str(rows.get_row_at(0)[1]) == str(overall.raw.n_units)
        assert str(rows.get_row_at(0)[3]) == compact(overall.fleiss)
        assert str(rows.get_row_at(0)[3]).startswith(f"{overall.fleiss.value:.2f}".lstrip("0"))
        text = rendered_text(results.query_one("#results-text", Static))
        assert "Agreement with the reference" in text


def test_snapshot_calibration_list_session_and_results_at_80x24(
    snapshot: SnapshotAssertion, tmp_path: Path
) -> None:
    db = demo_copy(tmp_path / "demo.db")
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)

    async def to_list(pilot: Pilot[object]) -> None:
        await sign_in(pilot, "qalead1", DEMO_PASSWORD)
        await pilot.press("ctrl+g")
        await settle(pilot)

    async def to_session(pilot: Pilot[object]) -> None:
        await pilot.press("j", "enter")
        await settle(pilot)

    async def to_results(pilot: Pilot[object]) -> None:
        await pilot.press("R")
        await settle(pilot)

    steps = [("list", to_list), ("session", to_session), ("results", to_results)]
    assert_snapshots(snapshot, app, (80, 24), steps)


async def test_the_new_session_key_line_stays_in_view_above_the_app_footer(
    tmp_path: Path,
) -> None:
    from rcrp_tui.ui.common.keys import KeyHints

    db = demo_copy(tmp_path / "demo.db")
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "qalead1", DEMO_PASSWORD)
        await pilot.press("ctrl+g")
        await settle(pilot)
        for width, height in ((100, 30), (80, 24)):
            await pilot.resize_terminal(width, height)
            await pilot.press("n")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, NewSessionDialog)
            hints = dialog.query_one(KeyHints)
            assert "Create" in rendered_text(hints, width=200)
            # Drawn whole on the screen, without scrolling, above the app's footer line.
            region = hints.region
            assert region.height >= 1 and region.y >= 0, region
            assert region.bottom <= height - 1, (width, height, region)
            box = dialog.query_one(".cal-dialog")
            assert box.region.bottom <= height - 1, (width, height, box.region)
            assert hints in dialog.query_one(".cal-dialog").children
            await pilot.press("escape")
            await settle(pilot)
