"""The KPI screen driven with the keyboard: period dialog, sections, charts, export; and
SVG snapshots at 80x24 (fixed clock, fixed data)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from textual.widgets import DataTable, Input, OptionList, Static

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.storage.db import Database
from tests import kpi_fixture
from tests.apphelpers import make_app, rendered_text, settle, sign_in, type_text
from tests.conftest import FIXED_NOW, _sqlite
from tests.snapshots import assert_snapshots


async def _open(pilot: Any, username: str = "qa.lead") -> Any:
    await sign_in(pilot, username, kpi_fixture.PASSWORD)
    await pilot.press("f11")
    await settle(pilot)
    from rcrp_tui.ui.kpis.kpis import KpiScreen

    assert isinstance(pilot.app.screen, KpiScreen)
    return pilot.app.screen


async def _replace(pilot: Any, text: str) -> None:
    """Clear the focused input and type ``text`` into it."""
    await pilot.press("home", "ctrl+k")
    if text:
        await type_text(pilot, text, paste=True)


async def _choose_period(pilot: Any, dates: tuple[str, str, str, str]) -> None:
    await pilot.press("p")
    await settle(pilot)
    for n, text in enumerate(dates):
        if n:
            await pilot.press("tab")
        await _replace(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


FIXTURE_DATES = ("2026-11-16", "2026-11-30", "2026-11-02", "2026-11-16")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The KPI data set built once; each test works on its own copy of the file."""
    dbs = _sqlite(tmp_path_factory.mktemp("kpi-screen"))
    db = next(dbs)
    kpi_fixture.build(db, FixedClock(FIXED_NOW))
    db.dispose()
    yield Path(str(db.url.database))


@pytest.fixture
def kpi_db(template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "kpis.db"
    shutil.copy(template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


def _text(screen: Any, selector: str) -> str:
    return rendered_text(screen.query_one(selector, Static), width=200)


async def test_period_sections_charts_and_export(kpi_db: Database, tmp_path: Path) -> None:
    app = make_app(kpi_db, tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        assert "Loading" not in _text(screen, "#kpi-headline")

        # A period that ends before it starts: the dialog says so and stays open.
        await _choose_period(pilot, ("2026-11-30", "2026-11-16", "2026-11-02", "2026-11-16"))
        from rcrp_tui.ui.kpis.dialogs import ExportReportDialog, PeriodDialog

        dialog = pilot.app.screen
        assert isinstance(dialog, PeriodDialog)
        assert "must end after it starts" in rendered_text(dialog.query_one("#period-error"))
        await pilot.press("escape")  # the dates were changed: it asks before discarding
        await settle(pilot)
        from rcrp_tui.ui.common.form import DiscardQuestion

        assert isinstance(pilot.app.screen, DiscardQuestion)
        await pilot.press("y")
        await settle(pilot)

        await _choose_period(pilot, FIXTURE_DATES)
        assert pilot.app.screen is screen
        headline, alert = _text(screen, "#kpi-headline"), _text(screen, "#kpi-alert")
        assert "16 Nov to 29 Nov 2026 against 2 Nov to 15 Nov 2026" in headline
        assert "SHOULD HAVE DEPLOYED: 1 of 4 reviewed (25.0%); baseline 1" in alert
        assert screen.query_one("#kpi-alert").has_class("danger")

        table = screen.query_one("#kpi-table", DataTable)
        assert str(table.get_row_at(0)[0]) == "Deployment rate %"
        sections = screen.query_one("#kpi-sections", OptionList)
        await pilot.press("k")  # up to the trend charts
        assert screen.query_one("#kpi-views").current == "charts"
        for _ in range(11):  # down to Floorwalking
            await pilot.press("j")
        assert sections.get_option_at_index(sections.highlighted or 0).id == "Floorwalking"
        assert str(table.get_row_at(0)[0]) == kpi_fixture.ROTA_NAME  # shown literally

        await pilot.press("e")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ExportReportDialog)
        await _replace(pilot, str(tmp_path / "missing" / "kpis.xlsx"))
        await pilot.press("enter")
        await settle(pilot)
        export = pilot.app.screen
        assert isinstance(export, ExportReportDialog)  # still open, saying why
        assert "no such folder" in rendered_text(export.query_one("#export-error", Static))
        assert export.query_one("#export-path", Input).has_focus
        await _replace(pilot, str(tmp_path))
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert (tmp_path / "rcrp-kpis-20261116-20261129.xlsx").is_file()


async def test_floorwalkers_have_no_kpi_screen(kpi_db: Database, tmp_path: Path) -> None:
    app = make_app(kpi_db, tmp_config=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "floor.walker", kpi_fixture.PASSWORD)
        before = type(pilot.app.screen)
        await pilot.press("f11")
        await settle(pilot)
        assert type(pilot.app.screen) is before


def test_snapshots(snapshot: SnapshotAssertion, kpi_db: Database, tmp_path: Path) -> None:
    """The summary, then (k) the charts, from one run of the app."""
    app = make_app(kpi_db, tmp_config=tmp_path)

    async def summary(pilot: Any) -> None:
        await _open(pilot)
        await _choose_period(pilot, FIXTURE_DATES)
        await settle(pilot)

    async def charts(pilot: Any) -> None:
        await pilot.press("k")
        await settle(pilot)

    assert_snapshots(snapshot, app, (80, 24), [("summary", summary), ("charts", charts)])


def test_the_chart_axis_fits_the_values_and_weeks_without_data_are_left_out() -> None:
    from rcrp_tui.ui.kpis.charts import _y_range, weekly_rates

    assert _y_range([]) == (0.0, 100.0)
    low, high = _y_range([43.9, 43.5, 42.8])
    assert 35 < low < 42.8 and 43.9 < high < 50  # a 1-point change is visible
    assert _y_range([2.0, 99.0]) == (0.0, 100.0)

    class Week:
        def __init__(self, rate: float | None) -> None:
            self.rate = rate

    xs, ys = weekly_rates([Week(0.439), Week(None), Week(0.428)])  # type: ignore[list-item]
    assert xs == [1.0, 3.0] and ys == [43.9, 42.8]
