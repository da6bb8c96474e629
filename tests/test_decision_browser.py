"""Driving the decision browser with keys only: paging, g/G, search, filters, details."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.text import Text
from textual.widgets import Input, Static

from rcrp_tui.domain.enums import CallerType, Category, Outcome
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.decisions.queries import PAGE_SIZE, DecisionFilter
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.ui.decisions.browser import DecisionBrowserScreen
from rcrp_tui.ui.decisions.detail import DecisionDetail
from rcrp_tui.ui.decisions.filter_dialog import (
    NOT_DEPLOYED_ANY,
    FilterDialog,
    FilterForm,
    form_of,
    read_filter,
)
from rcrp_tui.ui.decisions.table import DecisionTable
from rcrp_tui.ui.shell import navigation
from tests.apphelpers import (
    SEEDED_DECISIONS,
    make_app,
    rendered_text,
    seeded_database,
    settle,
    sign_in,
    type_text,
)
from tests.conftest import TEST_ADMIN


def _browser(app: object) -> DecisionBrowserScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, DecisionBrowserScreen)
    return screen


def _position_line(app: object) -> str:
    # The screen separates the range with an en dash; compare with a plain hyphen.
    return str(_browser(app).query_one("#position", Static).render()).replace("\u2013", "-")


def _position(app: object) -> str:
    """Where the page is, without the note about columns out of view."""
    return _position_line(app).split(" · ")[0]


def _table(app: object) -> DecisionTable:
    return _browser(app).query_one(DecisionTable)


async def test_down_at_the_last_row_loads_the_older_page(tmp_path: Path) -> None:
    db, seeded = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "floorwalker")
        await pilot.press("f2")  # everyone lands on home; the browser is F2
        await settle(pilot)
        table = _table(app)
        assert table.row_count == PAGE_SIZE  # one page, never the whole table
        assert _position(app) == f"showing 1-50 of {SEEDED_DECISIONS}"
        assert table.current is not None
        assert table.current.cad_ref == seeded.cad_refs[0]
        await pilot.press("j", "j", "down", "k")
        assert table.current.cad_ref == seeded.cad_refs[2]
        await pilot.press("pagedown")
        await settle(pilot)
        await pilot.press("up")  # up on the first row of page 2: back to page 1
        await settle(pilot)
        # Up at the first row goes back to the newer page, cursor on its last row.
        assert _position(app) == f"showing 1-50 of {SEEDED_DECISIONS}"
        assert table.cursor_row == PAGE_SIZE - 1
        assert table.current.cad_ref == seeded.cad_refs[PAGE_SIZE - 1]
        # Down on the last row loads the older page, cursor on its first row.
        await pilot.press("j")
        await settle(pilot)
        assert _position(app) == f"showing 51-100 of {SEEDED_DECISIONS}"
        assert table.cursor_row == 0
        assert table.current.cad_ref == seeded.cad_refs[PAGE_SIZE]


async def test_page_keys_and_g_and_capital_g(tmp_path: Path) -> None:
    db, seeded = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "qalead")
        await pilot.press("f2")  # everyone lands on home; the browser is F2
        await settle(pilot)
        table = _table(app)
        await pilot.press("pagedown")
        await settle(pilot)
        await pilot.press("pagedown")
        await settle(pilot)
        assert _position(app) == f"showing 101-120 of {SEEDED_DECISIONS}"
        assert table.row_count == SEEDED_DECISIONS - 2 * PAGE_SIZE
        await pilot.press("pagedown")  # nothing older: stays put
        await settle(pilot)
        assert _position(app) == f"showing 101-120 of {SEEDED_DECISIONS}"
        await pilot.press("g")
        await settle(pilot)
        assert table.current is not None and table.current.cad_ref == seeded.cad_refs[0]
        await pilot.press("G")
        await settle(pilot)
        assert _position(app) == f"showing 71-120 of {SEEDED_DECISIONS}"
        assert table.current is not None and table.current.cad_ref == seeded.cad_refs[-1]
        await pilot.press("pageup")
        await settle(pilot)
        assert _position(app) == f"showing 21-70 of {SEEDED_DECISIONS}"
        await pilot.press("pageup")
        await settle(pilot)
        assert _position(app) == f"showing 1-20 of {SEEDED_DECISIONS}"
        assert table.row_count == 20  # the newest rows, fetched from the oldest end


async def test_slash_searches_by_cad_reference_prefix(tmp_path: Path) -> None:
    db, seeded = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "floorwalker")
        await pilot.press("f2")  # everyone lands on home; the browser is F2
        await settle(pilot)
        await pilot.press("slash")
        assert _browser(app).focused is _browser(app).query_one("#search", Input)
        await pilot.press(*"cad26005", "enter")  # enter searches at once and returns to the list
        await settle(pilot)
        table = _table(app)
        shown = {row.cad_ref for row in table.rows_shown}
        assert shown == {r for r in seeded.cad_refs if r.startswith("CAD26005")}
        assert _position(app) == f"showing 1-{len(shown)} of {len(shown)}"
        assert _browser(app).focused is table
        await pilot.press("c")
        await settle(pilot)
        assert _position(app) == f"showing 1-50 of {SEEDED_DECISIONS}"
        assert _browser(app).query_one("#search", Input).value == ""


async def test_filter_dialog_refuses_a_bad_date_then_filters(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "supervisor")
        await pilot.press("f2")  # everyone lands on home; the browser is F2
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        await type_text(pilot, "2026-13-01")
        await pilot.press("enter")
        error = str(dialog.query_one("#filter-error", Static).render())
        assert error.startswith("✗ Date from: '2026-13-01' is not a date")
        assert isinstance(app.screen, FilterDialog)
        # Fix it, tab to "to" and give a day before "from".
        await pilot.press(*["backspace"] * 10)
        await type_text(pilot, "2026-11-23", paste=True)
        await pilot.press("tab")
        await type_text(pilot, "2026-11-20", paste=True)
        await pilot.press("enter")
        error = str(dialog.query_one("#filter-error", Static).render())
        assert error.startswith("✗ Date to: 2026-11-20 is before")
        await pilot.press(*["backspace"] * 10)
        await type_text(pilot, "2026-11-23", paste=True)
        await pilot.press("enter")
        await settle(pilot)
        browser = _browser(app)
        day = datetime(2026, 11, 23, tzinfo=UTC)
        rows = _table(app).rows_shown
        assert rows and all(r.received_at.date() == day.date() for r in rows)
        assert "from 2026-11-23" in str(browser.query_one("#filter-summary", Static).render())
        total = browser.total
        assert total is not None and total == len(rows)


async def test_filter_by_outcome_not_deployed_any_route(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "supervisor")
        await pilot.press("f2")  # everyone lands on home; the browser is F2
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        # date from, date to, category, outcome: open the outcome list and pick the
        # second entry, "Not deployed, any route".
        await pilot.press("tab", "tab", "tab", "enter", "down", "down", "enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        browser = _browser(app)
        assert browser.flt.not_deployed_only
        assert browser.total == SEEDED_DECISIONS - SEEDED_DECISIONS // len(Outcome)
        assert all(r.outcome is not Outcome.DEPLOYED for r in _table(app).rows_shown)
        # escape in the dialog cancels and keeps the filter
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert _browser(app).flt.not_deployed_only


async def test_enter_shows_every_field_and_it_follows_the_cursor(tmp_path: Path) -> None:
    db, seeded = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "floorwalker")
        await pilot.press("f2")  # everyone lands on home; the browser is F2
        await settle(pilot)
        detail = _browser(app).query_one(DecisionDetail)
        assert not detail.display
        await pilot.press("enter")
        await settle(pilot)
        assert detail.display
        body = rendered_text(detail.query_one("#detail-body", Static))
        for label in ("CAD reference", "Category", "Caller type", "Outcome", "Rationale"):
            assert label in body
        assert seeded.cad_refs[0] in body
        await pilot.press("j")
        body = rendered_text(detail.query_one("#detail-body", Static))
        assert seeded.cad_refs[1] in body
        await pilot.press("enter")
        assert not detail.display


async def test_free_text_is_shown_exactly_as_typed(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    nasty = "[bold]x[/bold] [@click=app.quit]q[/] \x1b[31mred"
    record_decision(
        Ctx(db, TEST_ADMIN),
        DecisionInput(
            cad_ref="CAD999999",
            source_system="TEST-CAD",
            received_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
            category=Category.CONCERN_FOR_WELFARE,
            caller_type=CallerType.PUBLIC,
            outcome=Outcome.SIGNPOSTED,
            rationale=nasty,
        ),
    )
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await sign_in(pilot, "floorwalker")
        await pilot.press("f2")  # everyone lands on home; the browser is F2
        await settle(pilot)
        table = _table(app)
        assert table.current is not None and table.current.rationale == nasty
        cell = table.get_cell_at((0, 6))
        assert isinstance(cell, Text)
        assert cell.plain == "[bold]x[/bold] [@click=app.quit]q[/] \u241b[31mred"
        assert cell.spans == [] and not cell.style
        await pilot.press("enter")
        await settle(pilot)
        detail = _browser(app).query_one("#detail-body", Static)
        shown = rendered_text(detail, width=200)
        assert "[bold]x[/bold] [@click=app.quit]q[/] \u241b[31mred" in shown
        assert "\x1b" not in shown
        # Clicking where the text says "q" would have quit if it were an action.
        await pilot.click(DecisionTable, offset=(2, 1))
        await settle(pilot)
        assert app.is_running


async def test_a_contact_officer_has_no_decision_browser(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "officer")
        assert not isinstance(app.screen, DecisionBrowserScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert not isinstance(app.screen, DecisionBrowserScreen)
        assert app.is_running


async def test_r_opens_the_review_destination_for_the_highlighted_decision(
    tmp_path: Path,
) -> None:
    review = navigation.find("review")
    assert review is not None
    db, seeded = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "supervisor")  # may browse, may not score
        await pilot.press("f2")  # everyone lands on home; the browser is F2
        await settle(pilot)
        assert not _browser(app).check_action("review", ())
        await pilot.press("ctrl+o")
        await settle(pilot)
        await sign_in(pilot, "floorwalker")
        await pilot.press("f2")  # everyone lands on home; the browser is F2
        await settle(pilot)
        browser = _browser(app)
        await pilot.press("j")
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, review.load())
        assert app.screen is not browser
        assert app.is_running
        assert seeded.decision_ids[1] == browser.query_one(DecisionTable).current.id  # type: ignore[union-attr]


def test_read_filter_names_the_field_that_is_wrong() -> None:
    with pytest.raises(ValidationFailed) as bad_from:
        read_filter(FilterForm(date_from="2026-02-30"))
    assert bad_from.value.field == "Date from"
    assert bad_from.value.reason.startswith("there is no day 30 in February 2026")
    with pytest.raises(ValidationFailed) as reversed_range:
        read_filter(FilterForm(date_from="2026-11-24", date_to="2026-11-01"))
    assert reversed_range.value.field == "Date to"
    with pytest.raises(ValidationFailed) as bad_staff:
        read_filter(FilterForm(staff_id="CO 1; drop"))
    assert bad_staff.value.field == "Contact officer"


def test_read_filter_makes_the_to_day_inclusive_and_keeps_the_search() -> None:
    flt = read_filter(
        FilterForm(date_from="2026-11-01", date_to="2026-11-01", outcome=NOT_DEPLOYED_ANY),
        keep=DecisionFilter(cad_ref_prefix="CAD26"),
    )
    assert flt.received_from == datetime(2026, 11, 1, tzinfo=UTC)
    assert flt.received_to == datetime(2026, 11, 2, tzinfo=UTC)
    assert flt.not_deployed_only and flt.outcomes == ()
    assert flt.cad_ref_prefix == "CAD26"


@given(
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    days=st.integers(min_value=0, max_value=400),
    category=st.sampled_from(["", *[c.value for c in Category]]),
    outcome=st.sampled_from(["", NOT_DEPLOYED_ANY, *[o.value for o in Outcome]]),
    caller=st.sampled_from(["", *[c.value for c in CallerType]]),
)
def test_the_filter_form_round_trips(
    first: date, days: int, category: str, outcome: str, caller: str
) -> None:
    form = FilterForm(
        date_from=first.isoformat(),
        date_to=(first + timedelta(days=days)).isoformat(),
        category=category,
        outcome=outcome,
        caller_type=caller,
        team="Team A",
        staff_id="CO-001",
    )
    assert form_of(read_filter(form)) == form


async def test_search_text_is_shown_literally_never_as_markup(tmp_path: Path) -> None:
    """``[reverse]CAD-2026`` is what was searched for, and the summary says so exactly."""
    db, _ = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "floorwalker")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("slash")
        query = "[reverse]CAD-2026\x1b[31m"
        await type_text(pilot, query, paste=True)
        await pilot.press("enter")
        await settle(pilot)
        browser = _browser(app)
        assert browser.flt.cad_ref_prefix is not None
        summary = str(browser.query_one("#filter-summary", Static).render())
        assert "[REVERSE]CAD-2026" in summary  # not read as a style tag (upper-cased)
        assert "\x1b" not in summary and "␛[31M" in summary  # the ESC is shown, not sent


async def test_columns_out_of_view_are_named_or_counted_never_hidden_silently(
    tmp_path: Path,
) -> None:
    db, _seeded = seeded_database(tmp_path)
    app = make_app(db, tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "floorwalker")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.pause()
        line = _position_line(app)
        assert line == (
            f"showing 1-50 of {SEEDED_DECISIONS} · out of view (← → scroll): Staff, Rationale"
        )
        await pilot.press("enter")  # the detail pane leaves the table too narrow to name them
        await settle(pilot)
        await pilot.pause()
        assert _position_line(app).endswith("· 5 of 7 columns out of view (← → scroll)")
        await pilot.press("enter")
        await pilot.resize_terminal(220, 24)  # everything fits: no note
        await settle(pilot)
        await pilot.pause()
        assert _position_line(app) == f"showing 1-50 of {SEEDED_DECISIONS}"
        assert _table(app).hidden_titles == ()
