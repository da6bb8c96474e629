"""The calibration results and drift screens driven through the real app: a figure from
too few units says so instead of giving an interval, the kappa/AC1 sentence is shown once,
the per-criterion table fills an 80x24 terminal, the drift line names its grader, and a
grader's criteria over time are one key away."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static, TabbedContent

from rcrp_tui.domain.calibration.agreement import MIN_UNITS
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.sample_data.accounts import DEMO_PASSWORD
from rcrp_tui.services.calibration import results as results_service
from rcrp_tui.services.calibration import reveal, sessions
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.calibration.drift import CriterionTrendScreen, DriftScreen
from rcrp_tui.ui.calibration.results import ResultsScreen
from rcrp_tui.ui.calibration.session_list import CalibrationScreen
from tests.apphelpers import make_app, rendered_text, settle, sign_in
from tests.calibration_helpers import DEADLINE, PASSWORD, build, grade
from tests.conftest import FIXED_NOW
from tests.demo_helpers import demo_copy


def _screen_text(screen: object, width: int = 80) -> str:
    """Every Static on the screen, as plain text, one after another."""
    return "\n".join(
        rendered_text(s, width=width)
        for s in screen.query(Static)  # type: ignore[attr-defined]
        if not isinstance(s, DataTable)
    )


async def _demo_results(pilot: object, app: object) -> ResultsScreen:
    await sign_in(pilot, "qalead1", DEMO_PASSWORD)  # type: ignore[arg-type]
    await pilot.press("ctrl+g")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("j", "enter")  # type: ignore[attr-defined]  # the closed session
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("R")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ResultsScreen) and screen.results is not None
    return screen


async def test_a_criterion_from_too_few_decisions_says_so_at_80x24(
    tmp_path: Path,
) -> None:
    db = demo_copy(tmp_path / "demo.db")
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _demo_results(pilot, app)
        assert screen.results is not None
        table = screen.query_one(DataTable)
        # Most of the height goes to the per-criterion table: a dozen rows at 80x24,
        # where the fixed panels once left it about five.
        assert table.size.height >= 12, table.size
        # ... and every column fits (or the legend says how to reach the rest).
        legend = rendered_text(screen.query_one("#results-legend", Static), width=80)
        fits = table.virtual_size.width <= table.scrollable_content_region.width
        assert fits or "scroll for more columns" in legend
        thin = next(i for i, c in enumerate(screen.results.criteria) if c.figures.raw.too_few)
        n = screen.results.criteria[thin].figures.raw.n_units
        assert n < MIN_UNITS
        code = screen.results.criteria[thin].code
        table.move_cursor(row=thin + 1)
        await settle(pilot)
        cells = [str(c) for c in table.get_row_at(thin + 1)]
        assert cells[0].startswith(code) and cells[1] == str(n)
        # A share from one or two decisions gets no interval: the cell says too few.
        assert cells[2].endswith("% too few") and "[" not in cells[2], cells
        assert all("[" not in c for c in cells[2:]), cells
        row = " ".join(rendered_text(screen.query_one("#results-row", Static), width=80).split())
        assert f"too few to judge (n={n})" in row, row
        assert f"n = {n} decisions, " in row, row
        # The tab labels say how many rows each tab holds.
        tabs = screen.query_one(TabbedContent)
        assert str(tabs.get_tab("tab-critical").label) == (
            f"3 Critical ({len(screen.results.critical_disagreements)})"
        )
        await pilot.press("2")
        await settle(pilot)
        assert tabs.active == "tab-graders"
        graders = rendered_text(screen.query_one("#results-text", Static), width=80)
        assert "Cohen's kappa for each pair of graders" in graders
        assert graders.count("(n=") == 4 + 6  # each grader, each pair: with its n
        await pilot.press("1")
        await settle(pilot)
        assert tabs.active == "tab-criteria" and screen.focused is table


async def test_the_kappa_and_ac1_sentence_is_shown_once(any_db: Database, tmp_path: Path) -> None:
    cast = build(any_db, FixedClock(FIXED_NOW))
    sid = sessions.create_session(
        cast.lead, title="Nearly all Met", deadline=DEADLINE,
        graders_usernames=["fw.a", "fw.b"], cad_refs=list(cast.cad_refs[:3]),
    ).session.id  # fmt: skip
    for i, d in enumerate(cast.decisions[:3]):
        grade(cast.fw_a, sid, d)
        grade(cast.fw_b, sid, d, {"C01": Answer.PARTIAL} if i == 0 else None)
    sessions.close_session(cast.lead, sid)
    divergence = results_service.session_results(cast.lead, sid).overall.divergence
    assert divergence is not None  # the prevalence paradox: kappa low, AC1 high

    app = make_app(any_db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "qa.lead", PASSWORD)
        await pilot.press("ctrl+g")
        await settle(pilot)
        listing = app.screen
        assert isinstance(listing, CalibrationScreen)
        await app.push_screen(ResultsScreen(listing.ctx, sid))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResultsScreen) and screen.results is not None
        text = " ".join(_screen_text(screen, width=400).split())
        assert text.count(divergence) == 1, text
        assert text.count("is low but AC1") == 1, text


async def test_the_drift_line_names_its_grader_and_t_charts_their_criteria(
    tmp_path: Path,
) -> None:
    db = demo_copy(tmp_path / "demo.db")
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "qalead1", DEMO_PASSWORD)
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        drift = app.screen
        assert isinstance(drift, DriftScreen) and len(drift.drift) == 4  # every grader
        for row, g in enumerate(drift.drift):
            drift.query_one(DataTable).move_cursor(row=row)
            await settle(pilot)
            detail = rendered_text(drift.query_one("#drift-detail", Static), width=200)
            assert detail.startswith(f"{g.grader.display_name}, agreement with the reference")
            assert "(n=" in detail
        lenient = next(i for i, g in enumerate(drift.drift) if g.direction == "lenient")
        drift.query_one(DataTable).move_cursor(row=lenient)
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        chart = app.screen
        assert isinstance(chart, CriterionTrendScreen) and chart.trend is not None
        assert chart.grader == drift.drift[lenient].grader
        table = chart.query_one(DataTable)
        trends = chart.trend.criteria_over_time
        assert table.row_count == len(trends) > 10
        assert len(table.columns) == 1 + len(chart.trend.sessions)
        cells = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        # A symbol and a count in each cell; the legend says what the symbols mean.
        assert all(c[0] in "✓~✗-" for c in cells) and any(c.startswith("~ ") for c in cells)
        head = " ".join(rendered_text(chart.query_one("#trend-head", Static), width=80).split())
        assert "✓ all matched" in head and "~ some did" in head and "✗ none did" in head
        assert drift.drift[lenient].grader.display_name in head
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is drift
        await pilot.press("enter")  # Enter on a grader opens the same chart
        await settle(pilot)
        assert isinstance(app.screen, CriterionTrendScreen)
        assert app.screen.grader == drift.drift[lenient].grader


async def test_a_floorwalker_sees_only_their_own_drift_and_chart(tmp_path: Path) -> None:
    db = demo_copy(tmp_path / "demo.db")
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "floorwalker3", DEMO_PASSWORD)
        await pilot.press("ctrl+g")
        await settle(pilot)
        listing = app.screen
        assert isinstance(listing, CalibrationScreen)
        await pilot.press("d")
        await settle(pilot)
        drift = app.screen
        assert isinstance(drift, DriftScreen)
        assert [g.grader.username for g in drift.drift] == ["floorwalker3"]
        await pilot.press("t")
        await settle(pilot)
        own = app.screen
        assert isinstance(own, CriterionTrendScreen) and own.trend is not None
        assert own.trend.grader.username == "floorwalker3"
        await pilot.press("escape")
        await settle(pilot)
        # Asking the chart for another grader gets nothing of theirs: the service refuses.
        closed = next(r for r in listing.rows if r.revealed)
        graders = reveal.revealed_answers(listing.ctx, closed.id).graders
        other = next(p for p in graders if p.username != "floorwalker3")
        await app.push_screen(CriterionTrendScreen(listing.ctx, other))
        await settle(pilot)
        refused = app.screen
        assert isinstance(refused, CriterionTrendScreen)
        assert refused.trend is None and refused.query_one(DataTable).row_count == 0


async def test_the_criteria_chart_keeps_the_highlighted_row_in_view_at_100x30(
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
        # A second session with references: floorwalker1's detail line names both, so
        # its height follows the question's length.
        ctx = listing.ctx
        second = next(s for s in sessions.list_sessions(ctx) if not s.revealed)
        sessions.close_session(ctx, second.id, expected_version=second.row_version)
        reveal.adopt_grader_answers(ctx, second.id, "qalead2")
        await pilot.press("d")
        await settle(pilot)
        drift = app.screen
        assert isinstance(drift, DriftScreen)
        who = [g.grader.username for g in drift.drift].index("floorwalker1")
        drift.query_one(DataTable).move_cursor(row=who)
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        chart = app.screen
        assert isinstance(chart, CriterionTrendScreen) and chart.trend is not None
        assert len(chart.trend.sessions) == 2
        table = chart.query_one(DataTable)
        heights = set()
        for _ in range(table.row_count - 1):
            await pilot.press("j")
            await settle(pilot)
            heights.add(chart.query_one("#trend-detail", Static).size.height)
            # Rows are drawn under the one-line heading; the cursor's row must be among them.
            top = table.scroll_offset.y
            shown = table.scrollable_content_region.height - 1
            assert top <= table.cursor_row < top + shown, (table.cursor_row, top, shown)
        assert len(heights) > 1, heights  # the detail line did grow and shrink
