"""What a walk-through of the calibration screens found, each driven through the real app on
the demo: the side-by-side table (its keys, its redraw after adopting, its fit at 80
columns, read only for a grader), the adopt dialog's highlight, the blind session's v and
R, the grading screen's submit, full question and footer at 80 columns, and the names the
adopt message, the reference and the audit use."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from syrupy.assertion import SnapshotAssertion
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList, Static
from textual.widgets._footer import FooterKey

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.sample_data.accounts import DEMO_PASSWORD
from rcrp_tui.services.calibration import reveal
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import audit_table
from rcrp_tui.ui.calibration.common import CalConfirmDialog, grader_labels
from rcrp_tui.ui.calibration.grading import GradingScreen
from rcrp_tui.ui.calibration.results import ResultsScreen
from rcrp_tui.ui.calibration.reveal import PickGraderDialog, RevealScreen
from rcrp_tui.ui.calibration.session import SessionScreen
from rcrp_tui.ui.calibration.session_list import CalibrationScreen
from rcrp_tui.ui.shell.app import RcrpApp
from tests.apphelpers import make_app, rendered_text, settle, sign_in
from tests.conftest import FIXED_NOW
from tests.demo_helpers import demo_copy
from tests.snapshots import assert_snapshots


def _app(tmp_path: Path) -> tuple[RcrpApp, Database]:
    db = demo_copy(tmp_path / "demo.db")
    return make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path), db


async def _open_session(pilot: Pilot[object], user: str, *, closed: bool) -> SessionScreen:
    """Sign in and open the demo's closed session (1) or its open, blind one (2)."""
    await sign_in(pilot, user, DEMO_PASSWORD)
    await pilot.press("ctrl+g")
    await settle(pilot)
    listing = pilot.app.screen
    assert isinstance(listing, CalibrationScreen)
    wanted = next(i for i, s in enumerate(listing.rows) if s.revealed is closed)
    listing.query_one(DataTable).move_cursor(row=wanted)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SessionScreen)
    assert screen.detail is not None and screen.detail.session.revealed is closed
    return screen


async def _side_by_side_of_the_closed_open_session(pilot: Pilot[object]) -> RevealScreen:
    """As qalead1: close the open session (no references yet) and open its answers."""
    await _open_session(pilot, "qalead1", closed=False)
    await pilot.press("c")
    await settle(pilot)
    await pilot.press("y")
    await settle(pilot)
    await pilot.press("v")
    await settle(pilot)
    side = pilot.app.screen
    assert isinstance(side, RevealScreen)
    assert side.rows and side.revealed is not None
    return side


def _cells_fit(table: DataTable[object]) -> list[str]:
    """The columns narrower than a cell or heading of theirs (empty when all fit)."""
    cut = []
    for column in table.ordered_columns:
        widest = max(
            [len(str(cell)) for cell in table.get_column(column.key)] + [len(str(column.label))]
        )
        if column.content_width < widest:
            cut.append(f"{column.label}: {column.content_width} < {widest}")
    return cut


def _row_text(table: DataTable[object], row: int) -> str:
    """What the table draws on ``row`` (its heading is line 0)."""
    y = row + 1 - table.scroll_offset.y
    return "".join(segment.text for segment in table.render_line(y))


async def test_the_adopt_dialog_marks_the_highlighted_grader_without_colour(
    tmp_path: Path,
) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await _side_by_side_of_the_closed_open_session(pilot)
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PickGraderDialog)
        box = dialog.query_one(OptionList)

        def prompts() -> list[str]:
            return [str(box.get_option_at_index(i).prompt) for i in range(box.option_count)]

        shown = prompts()
        assert shown[0].startswith("▶ ") and not any("▶" in p for p in shown[1:]), shown
        await pilot.press("down")
        await pilot.pause()
        shown = prompts()
        assert shown[1].startswith("▶ ") and "▶" not in shown[0] + shown[2], shown
        await pilot.press("escape")


async def test_adopting_redraws_the_side_by_side_at_full_width_keeping_the_cursor(
    tmp_path: Path,
) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        side = await _side_by_side_of_the_closed_open_session(pilot)
        table = side.query_one(DataTable)
        await pilot.press("j", "j", "j", "j", "j")
        assert table.cursor_row == 5
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("down", "enter")  # the second grader: Floorwalker 4 in the demo
        await settle(pilot)
        assert app.screen is side
        assert table.cursor_row == 5
        assert _cells_fit(table) == []
        # The first frame after a fill is measured already: not cut to the headings
        # until the table is next idle (as it was drawn after adopting, until ctrl+r).
        assert side.revealed is not None
        side._show(side.revealed)
        assert _cells_fit(table) == [], "columns measured only when the table is next idle"
        assert table.cursor_row == 5


async def test_adopting_names_the_grader_by_display_name_everywhere(tmp_path: Path) -> None:
    app, db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        side = await _side_by_side_of_the_closed_open_session(pilot)
        assert side.revealed is not None
        lead2 = next(g for g in side.revealed.graders if g.username == "qalead2")
        index = side.revealed.graders.index(lead2)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*(["down"] * index), "enter")
        await settle(pilot)
        notes = [n.message for n in app._notifications]
        assert any(f"taken from {lead2.display_name} (only" in n for n in notes), notes
        assert not any(f"taken from {lead2.username}" in n for n in notes), notes
        # The highlighted row's reference came from qalead2: named the same way.
        detail = rendered_text(side.query_one("#reveal-detail", Static), width=200)
        assert "Reference: " in detail and f"from {lead2.display_name}" in detail, detail
        label = side.labels[lead2.user_id]
        assert f"({label})" in str(side.query_one(DataTable).get_row_at(0)[3])
        legend = rendered_text(side.query_one("#reveal-legend", Static), width=200)
        assert f"{label} {lead2.display_name}" in legend, legend
        with db.read() as s:
            after = json.loads(
                s.execute(
                    select(audit_table.c.after_json)
                    .where(audit_table.c.action == "calibration_references_adopted")
                    .order_by(audit_table.c.id.desc())
                    .limit(1)
                ).scalar_one()
            )
        assert after["from_grader"] == "qalead2"
        assert after["from_grader_name"] == lead2.display_name


async def test_home_end_and_page_keys_move_through_the_side_by_side(tmp_path: Path) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        side = await _side_by_side_of_the_closed_open_session(pilot)
        table = side.query_one(DataTable)
        last = len(side.rows) - 1
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == last
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0
        await pilot.press("pagedown")
        await pilot.pause()
        down = table.cursor_row
        assert down > 5
        await pilot.press("pageup")
        await pilot.pause()
        assert table.cursor_row < down
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor_row == last
        await pilot.press("g")
        await pilot.pause()
        assert table.cursor_row == 0


async def test_the_side_by_side_fits_80_columns_with_the_reference_whole(
    tmp_path: Path,
) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_session(pilot, "qalead1", closed=True)
        await pilot.press("v")
        await settle(pilot)
        side = app.screen
        assert isinstance(side, RevealScreen)
        table = side.query_one(DataTable)
        for row in range(5):
            reference = str(table.get_row_at(row)[3])
            assert reference != "none"
            assert reference in _row_text(table, row), (reference, _row_text(table, row))
        # Four graders fit beside it: nothing is to the right, and nothing says so.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        legend = rendered_text(side.query_one("#reveal-legend", Static), width=200)
        assert "to the right" not in legend, legend
        await pilot.resize_terminal(64, 24)
        await settle(pilot)
        # Narrower: the graders scroll, the reference stays, and the legend says so.
        assert table.virtual_size.width > table.scrollable_content_region.width
        reference = str(table.get_row_at(0)[3])
        assert reference in _row_text(table, 0)
        legend = rendered_text(side.query_one("#reveal-legend", Static), width=200)
        assert "more graders to the right" in legend, legend


async def test_v_and_r_on_a_blind_session_say_why_nothing_opens(tmp_path: Path) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_session(pilot, "qalead1", closed=False)
        assert screen.detail is not None
        graders = screen.detail.session.graders
        for key in ("v", "R"):
            app.clear_notifications()
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is screen
            notes = [n.message for n in app._notifications]
            assert any(
                f"Answers are hidden until all {graders} graders submit or you close the "
                "session (c)" in n
                for n in notes
            ), (key, notes)


async def test_a_grader_reads_the_side_by_side_after_the_reveal_but_sets_nothing(
    tmp_path: Path,
) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_session(pilot, "floorwalker1", closed=True)
        await pilot.press("v")
        await settle(pilot)
        side = app.screen
        assert isinstance(side, RevealScreen)
        assert side.rows
        assert "read only" in rendered_text(side.query_one("#reveal-head", Static), 200)
        before = reveal.revealed_answers(side.ctx, side.session_id).references_set
        for key in ("f", "a"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is side, key
        assert not side.check_action("set_reference", ())
        assert not side.check_action("adopt", ())
        assert reveal.revealed_answers(side.ctx, side.session_id).references_set == before
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        assert app.screen.results is not None


async def test_a_grader_of_a_blind_session_is_told_why_v_opens_nothing(tmp_path: Path) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_session(pilot, "floorwalker4", closed=False)
        await pilot.press("v")
        await settle(pilot)
        assert app.screen is screen
        notes = [n.message for n in app._notifications]
        assert any("or a QA lead closes the session" in n for n in notes), notes


async def _grade_first_decision(pilot: Pilot[object]) -> GradingScreen:
    """floorwalker5 (not started in the demo) opens the first decision of the open session."""
    await _open_session(pilot, "floorwalker5", closed=False)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, GradingScreen)
    assert screen.work is not None and screen.work.editable
    return screen


async def test_submitting_names_every_unanswered_criterion_before_asking(
    tmp_path: Path,
) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _grade_first_decision(pilot)
        assert screen.work is not None
        criteria = screen.work.criteria
        await pilot.press("1", "1")  # rows 1 and 2 answered; the rest not
        await pilot.press("S")
        await settle(pilot)
        assert app.screen is screen, "asked to submit with criteria unanswered"
        notes = [n.message for n in app._notifications]
        told = next(n for n in notes if "Not submitted yet" in n)
        third = criteria[2]
        assert f"row 3 {third.code} {third.question[:20]}" in told, told
        assert f"{len(criteria) - 2} criteria not answered" in told, told
        assert "no overall judgement (J)" in told, told
        assert screen.query_one(DataTable).cursor_row == 2  # the first gap
        # Everything answered: now, and only now, the question.
        await pilot.press(*(["1"] * (len(criteria) - 2)), "J", "S")
        await settle(pilot)
        assert isinstance(app.screen, CalConfirmDialog)
        await pilot.press("n")


async def test_the_grading_screen_shows_the_whole_question_of_the_highlighted_criterion(
    tmp_path: Path,
) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _grade_first_decision(pilot)
        assert screen.work is not None
        criteria = screen.work.criteria
        longest = max(range(len(criteria)), key=lambda i: len(criteria[i].question))
        c = criteria[longest]
        assert len(c.question) > 60  # more than the table's column shows at 80 columns
        screen.query_one(DataTable).move_cursor(row=longest)
        await pilot.pause()
        detail = " ".join(rendered_text(screen.query_one("#grading-detail", Static), 80).split())
        assert " ".join(c.question.split()) in detail, detail
        assert detail.startswith(c.code)


async def test_the_grading_footer_reads_whole_at_80_columns(tmp_path: Path) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _grade_first_decision(pilot)
        keys = {k.description: k for k in screen.query(FooterKey)}
        for wanted in ("Judgement", "Save draft", "Submit", "Back"):
            assert wanted in keys, sorted(keys)
            key = keys[wanted]
            # Drawn whole, left of the palette's key at the right end of the footer.
            assert key.region.width >= len(wanted) + 2, (wanted, key.region)
            assert key.region.right <= 80 - 12, (wanted, key.region)


def test_grader_headings_are_initials_or_numbers_never_the_same_twice() -> None:
    assert grader_labels(["Floorwalker 1", "QA lead 2"]) == ("F1", "QL2")
    assert grader_labels(["Jane Smith", "John Smith"]) == ("G1", "G2")
    assert grader_labels(["Ann Lee", "[bold]"]) == ("AL", "B")


def test_snapshot_side_by_side_at_80x24(snapshot: SnapshotAssertion, tmp_path: Path) -> None:
    app, _db = _app(tmp_path)

    async def side_by_side(pilot: Pilot[object]) -> None:
        await _open_session(pilot, "qalead1", closed=True)
        await pilot.press("v")
        await settle(pilot)

    steps = [("side-by-side", side_by_side)]
    assert_snapshots(snapshot, app, (80, 24), steps)


def test_snapshot_grading_at_80x24(snapshot: SnapshotAssertion, tmp_path: Path) -> None:
    app, _db = _app(tmp_path)

    async def grading(pilot: Pilot[object]) -> None:
        await _grade_first_decision(pilot)
        await pilot.press("1", "2")

    assert_snapshots(snapshot, app, (80, 24), [("grading", grading)])


def _notes(app: RcrpApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_enter_on_a_decision_tells_a_lead_who_does_not_grade_it_why(
    tmp_path: Path,
) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_session(pilot, "qalead1", closed=False)
        assert screen.detail is not None and not screen.detail.session.i_grade
        app.clear_notifications()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert any("not a grader of this session" in n for n in _notes(app)), _notes(app)


async def test_f_a_and_r_in_a_graders_side_by_side_say_why_or_open_results(
    tmp_path: Path,
) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_session(pilot, "floorwalker1", closed=True)
        await pilot.press("v")
        await settle(pilot)
        side = app.screen
        assert isinstance(side, RevealScreen)
        for key in ("f", "a"):
            app.clear_notifications()
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is side, key
            assert "Read only: only a QA lead sets references." in _notes(app), (key, _notes(app))
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen) and app.screen.results is not None
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is side


async def test_end_and_home_go_to_the_last_and_first_row_of_results_and_chart(
    tmp_path: Path,
) -> None:
    from rcrp_tui.ui.calibration.drift import CriterionTrendScreen

    app, _db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_session(pilot, "qalead1", closed=True)
        await pilot.press("R")
        await settle(pilot)
        results = app.screen
        assert isinstance(results, ResultsScreen)
        table = results.query_one(DataTable)
        assert table.row_count > 5
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        chart = app.screen
        assert isinstance(chart, CriterionTrendScreen) and chart.trend is not None
        rows = chart.query_one(DataTable)
        assert rows.row_count > 5
        await pilot.press("end")
        await pilot.pause()
        assert rows.cursor_row == rows.row_count - 1
        await pilot.press("home")
        await pilot.pause()
        assert rows.cursor_row == 0


async def test_titles_and_received_times_are_whole_or_end_in_an_ellipsis_at_80x24(
    tmp_path: Path,
) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "qalead1", DEMO_PASSWORD)
        await pilot.press("ctrl+g")
        await settle(pilot)
        listing = app.screen
        assert isinstance(listing, CalibrationScreen)
        table = listing.query_one(DataTable)
        titles = [s.title for s in listing.rows]
        cut = 0
        for row, title in enumerate(titles):
            cell = str(table.get_row_at(row)[-1])
            drawn = _row_text(table, row).rstrip()
            assert drawn.endswith(cell), (cell, drawn)  # the cell is drawn whole
            if cell != title:
                cut += 1
                assert cell.endswith("…") and title.startswith(cell[:-1].rstrip()), cell
        assert cut, titles  # the demo's long title does not fit 80 columns
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen) and screen.detail is not None
        decisions = screen.query_one("#cal-decisions", DataTable)
        for row in range(min(5, decisions.row_count)):
            received = str(decisions.get_row_at(row)[4])
            assert received in _row_text(decisions, row), (received, _row_text(decisions, row))


async def test_the_side_by_side_uses_one_answer_label_set_per_width(tmp_path: Path) -> None:
    from rcrp_tui.domain.scoring import Answer
    from rcrp_tui.ui.calibration.common import SHORT_LEGEND, answer_text, short_answer

    full = {answer_text(a) for a in Answer} | {"—"}
    short = {short_answer(a) for a in Answer} | {"—"}
    app, _db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_session(pilot, "qalead1", closed=True)
        await pilot.press("v")
        await settle(pilot)
        side = app.screen
        assert isinstance(side, RevealScreen) and side.revealed is not None
        table = side.query_one(DataTable)
        graders = len(side.revealed.graders)
        for size, want in (((100, 30), short), ((160, 30), full), ((80, 24), short)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            answers, references = set(), set()
            for row in range(table.row_count):
                cells = [str(c) for c in table.get_row_at(row)]
                answers.update(cells[-graders:])
                references.add(cells[3].rsplit(" (", 1)[0])
            assert answers <= want and references <= want, (size, answers, references)
            head = " ".join(rendered_text(side.query_one("#reveal-head", Static), 300).split())
            assert (SHORT_LEGEND in head) is (want is short), (size, head)
            # N/A is never the unanswered mark.
            assert "-" not in answers, answers


async def test_grading_shows_the_same_whole_answer_before_and_after_saving(
    tmp_path: Path,
) -> None:
    app, _db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _grade_first_decision(pilot)
        table = screen.query_one(DataTable)
        assert str(table.get_row_at(0)[1]) == "—"  # unanswered, not the N/A mark
        await pilot.press("2")
        await settle(pilot)
        assert str(table.get_row_at(0)[1]) == "◐ Partially met"
        assert "◐ Partially met" in _row_text(table, 0), _row_text(table, 0)


async def test_the_reference_dialog_opens_on_the_reference_already_set(tmp_path: Path) -> None:
    from textual.widgets import Input, Select

    from rcrp_tui.domain.scoring import Answer
    from rcrp_tui.ui.calibration.reveal import ReferenceDialog

    app, _db = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_session(pilot, "qalead1", closed=True)
        await pilot.press("v")
        await settle(pilot)
        side = app.screen
        assert isinstance(side, RevealScreen)
        # Row 0 was adopted from qalead2; row 1 becomes a consensus with a note.
        d, c = side.rows[1]
        assert c.reference is not None
        note = "Agreed at the [b]meeting[/b]."
        reveal.set_reference(
            side.ctx,
            side.session_id,
            d.decision.decision_id,
            c.code,
            answer=Answer.NOT_MET,
            note=note,
            expected_version=c.reference.row_version,
        )
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReferenceDialog)
        assert dialog.query_one("#ref-choice", Select).value == ("grader", "qalead2")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is side
        await pilot.press("j", "f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReferenceDialog)
        assert dialog.query_one("#ref-choice", Select).value == ("consensus", "not_met")
        assert dialog.query_one("#ref-note", Input).value == note
