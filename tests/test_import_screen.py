"""The app's import screen, driven by the keyboard: a dry run, then the import with its
progress, validation of the file box, stopping a running import, and its picture."""

from __future__ import annotations

import csv
import threading
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from sqlalchemy import func, select
from syrupy.assertion import SnapshotAssertion
from textual.pilot import Pilot
from textual.widgets import Input, ProgressBar, Select, Static

from rcrp_tui.domain.enums import Role
from rcrp_tui.importing.profile_files import FOLDER_VARIABLE, available_profiles
from rcrp_tui.services.core import audit, people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.import_models import import_runs_table
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.ui.importing.import_screen import ImportScreen, StopQuestion
from rcrp_tui.ui.importing.path_input import complete_path
from tests.apphelpers import DEMO_PASSWORD, make_app, rendered_text, settle, sign_in, type_text
from tests.conftest import TEST_ADMIN
from tests.snapshots import assert_snapshots

PROFILE = """
[profile]
name = "screen-force"
source_system = "SCREEN-CAD"

[dates]
formats = ["%d/%m/%Y %H:%M"]
timezone = "Europe/London"

[fields.cad_ref]
column = "Ref"

[fields.received_at]
column = "Received"

[fields.category]
column = "Type"
[fields.category.map]
CFW = "concern_for_welfare"
MH = "s136_s135"

[fields.outcome]
column = "Result"
[fields.outcome.map]
DEP = "deployed"
AMB = "transferred_ambulance"

[fields.caller_type]
constant = "public"
"""
HEADER = ["Ref", "Received", "Type", "Result", "Address"]
ROWS = [
    ["S-1", "01/07/2026 12:00", "CFW", "DEP", "1 High St"],
    ["S-2", "01/07/2026 13:00", "MH", "AMB", "2 High St"],
    ["S-3", "01/07/2026 14:00", "BURG", "DEP", "3 High St"],
    ["S-4", "01/07/2026 15:00", "CFW", "NFA", "[bold]4 High St[/bold]"],
]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A force profile folder with one profile; the working folder is ``tmp_path``."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "screen-force.toml").write_text(PROFILE, encoding="utf-8")
    monkeypatch.setenv(FOLDER_VARIABLE, str(folder))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _database(db: Database) -> Database:
    ctx = Ctx(db, TEST_ADMIN)
    people.add_user(
        ctx,
        username="admin",
        display_name="Ada Admin",
        role=Role.ADMINISTRATOR,
        password=DEMO_PASSWORD,
    )
    people.add_user(
        ctx,
        username="fw",
        display_name="Fay Walker",
        role=Role.FLOORWALKER,
        password=DEMO_PASSWORD,
        team=None,
    )
    return db


def _sqlite(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'screen.db'}")
    schema.upgrade(db)
    return _database(db)


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return path


def _decisions(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(decisions_table)).scalar_one())


def _report(pilot: Pilot[Any]) -> str:
    return rendered_text(pilot.app.screen.query_one("#import-report-text", Static), width=200)


def _status(pilot: Pilot[Any]) -> str:
    return rendered_text(pilot.app.screen.query_one("#import-status", Static), width=200)


async def _open(pilot: Pilot[Any], user: str = "admin") -> ImportScreen:
    await sign_in(pilot, user)
    await pilot.press("ctrl+l")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ImportScreen)
    return screen


async def _type_file(pilot: Pilot[Any], text: str) -> None:
    box = pilot.app.screen.query_one("#import-file", Input)
    box.value = ""
    box.focus()
    await pilot.pause()
    await type_text(pilot, text, paste=True)


async def test_a_dry_run_then_the_import_with_its_progress(any_db: Database, world: Path) -> None:
    db = _database(any_db)
    _csv(world / "calls.csv", ROWS)
    app = make_app(db, tmp_config=world)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot)
        select_box = screen.query_one("#import-profile", Select)
        assert select_box.value == f"file:{world / 'profiles' / 'screen-force.toml'}"
        assert not screen.check_action("run_import", ())  # no dry run yet

        await _type_file(pilot, "calls.csv")
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)
        report = _report(pilot)
        assert "Dry run, nothing written: calls.csv (screen-force profile" in report
        assert "would insert 2, update 0, unchanged 0, skip 1 (not RCRP calls), reject 1" in report
        assert "unmapped values of outcome (column 'Result'): 1 value on 1 row" in report
        assert "line 5: Result code 'NFA' is not in the profile's outcome map" in report
        assert "Dry run done, nothing written" in _status(pilot)
        assert _decisions(db) == 0

        told: list[tuple[int, int]] = []
        shown = screen._progress

        def watched(done: int, total: int) -> None:
            told.append((done, total))
            shown(done, total)

        screen._progress = watched  # type: ignore[method-assign]
        await pilot.press("ctrl+s")
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)
        size = (world / "calls.csv").stat().st_size
        assert told[-1] == (size, size)
        assert screen.summary is not None and screen.summary.inserted == 2
        report = _report(pilot)
        assert "calls.csv (screen-force profile, source SCREEN-CAD): 4 rows read" in report
        assert (
            "inserted 2, updated 0, unchanged 0, skipped 1 (not RCRP calls), rejected 1" in report
        )
        assert "Appeals linked to their decisions: 0." in report
        assert "✓ Imported calls.csv" in _status(pilot)
        bar = screen.query_one("#import-progress", ProgressBar)
        assert bar.has_class("hidden")
        assert _decisions(db) == 2
        (entry,) = audit.entries(Ctx(db, TEST_ADMIN), entity="import")
        assert entry.actor == "admin" and entry.after is not None
        assert entry.after["inserted"] == 2
        # The import used up the dry run: ctrl+s does nothing until another one.
        assert not screen.check_action("run_import", ())


async def test_an_xlsx_sheet_imports_and_a_wrong_sheet_lists_the_sheets(world: Path) -> None:
    db = _sqlite(world)
    book = xlsxwriter.Workbook(str(world / "calls.xlsx"))
    book.add_worksheet("Notes").write_row(0, 0, ["Exported by CAD"])
    calls = book.add_worksheet("Calls")
    for r, row in enumerate([HEADER, *ROWS]):
        calls.write_row(r, 0, row)
    book.close()
    app = make_app(db, tmp_config=world)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open(pilot)
        await _type_file(pilot, "calls.xlsx")
        sheet = pilot.app.screen.query_one("#import-sheet", Input)
        sheet.focus()
        await pilot.pause()
        await type_text(pilot, "Incidents", paste=True)
        await pilot.press("enter")
        await settle(pilot)
        assert "The dry run did not run: nothing was written." in _status(pilot)
        assert "its sheets are: 'Notes', 'Calls'" in _report(pilot)
        sheet.value = "Calls"
        await pilot.press("enter")
        await settle(pilot)
        assert "would insert 2" in _report(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "inserted 2" in _report(pilot)
        assert _decisions(db) == 2


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type the path of the CSV or .xlsx file to import."),
        ("nowhere.csv", "There is no file nowhere.csv in ."),
        ("missing/calls.csv", "There is no folder missing."),
        ("profiles", "profiles is a folder: type the file's name after it."),
        ("notes.txt", "notes.txt is not a .csv or .xlsx file"),
        # A name longer than the system allows: said in words, not a crash.
        ("y" * 2000 + ".csv", "Cannot use the path 'yyyy"),
    ],
    ids=["empty", "no-file", "no-folder", "folder", "not-csv", "name-too-long"],
)
async def test_the_file_box_says_what_is_wrong(world: Path, typed: str, message: str) -> None:
    db = _sqlite(world)
    (world / "notes.txt").write_text("hello", encoding="utf-8")
    app = make_app(db, tmp_config=world)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await _type_file(pilot, typed)
        await pilot.press("enter")
        await settle(pilot)
        shown = rendered_text(screen.query_one("#import-file-message", Static), width=200)
        assert message in shown and shown.startswith("✗")
        assert screen.running is None and screen.focused is screen.query_one("#import-file")
        assert screen.query_one("#import-file", Input).value == typed  # what was typed stays


def test_path_completion_offers_folders_and_export_files_only(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "calls-july.xlsx").write_bytes(b"")
    (tmp_path / "exports" / "calls-june.csv").write_bytes(b"")
    (tmp_path / "exports" / "calls-notes.txt").write_bytes(b"")
    (tmp_path / "exports" / ".hidden.csv").write_bytes(b"")
    base = str(tmp_path)
    assert complete_path(f"{base}/exp") == f"{base}/exports/"
    assert complete_path(f"{base}/exports/calls-ju") == f"{base}/exports/calls-july.xlsx"
    assert complete_path(f"{base}/exports/calls-jun") == f"{base}/exports/calls-june.csv"
    assert complete_path(f"{base}/exports/calls-n") is None
    assert complete_path(f"{base}/exports/") == f"{base}/exports/calls-july.xlsx"
    assert complete_path(f"{base}/exports/.h") == f"{base}/exports/.hidden.csv"
    assert complete_path(f"{base}/nowhere/x") is None


def test_the_profile_list_has_the_force_folder_then_the_shipped_ones(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    found = available_profiles(folder)
    assert [c.key for c in found.choices] == ["shipped:san-diego"]
    assert found.note == f"No force profiles: the folder {folder} does not exist."
    folder.mkdir()
    (folder / "b-force.toml").write_text(PROFILE, encoding="utf-8")
    (folder / "a-force.toml").write_text("not toml [", encoding="utf-8")
    (folder / "readme.txt").write_text("x", encoding="utf-8")
    found = available_profiles(folder)
    assert [c.label for c in found.choices] == [
        "a-force (force profile)",
        "b-force (force profile)",
        "san-diego (shipped)",
    ]
    assert found.note is None
    assert found.choices[1].load().name == "screen-force"


async def test_a_broken_profile_is_named_and_nothing_runs(world: Path) -> None:
    (world / "profiles" / "broken.toml").write_text("[profile]\nname = 3\n", encoding="utf-8")
    db = _sqlite(world)
    _csv(world / "calls.csv", ROWS)
    app = make_app(db, tmp_config=world)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot)
        screen.query_one(
            "#import-profile", Select
        ).value = f"file:{world / 'profiles' / 'broken.toml'}"
        await _type_file(pilot, "calls.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert "The profile is wrong: broken.toml:" in _report(pilot)
        assert _decisions(db) == 0


async def test_escape_asks_then_stops_the_import_and_nothing_is_written(
    any_db: Database, world: Path
) -> None:
    db = _database(any_db)
    # Enough rows that the importer reports its progress several times while reading.
    many = [[f"M-{n}", "01/07/2026 12:00", "CFW", "DEP", ""] for n in range(40_000)]
    _csv(world / "many.csv", many)
    app = make_app(db, tmp_config=world)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot)
        await _type_file(pilot, "many.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert "would insert 40,000" in _report(pilot)

        # The importer's first progress report waits (on the worker's thread) until the
        # test has pressed Escape and answered, so the file cannot be read to its end
        # first: the stop is then seen at the next report.
        reached, answered = threading.Event(), threading.Event()
        told = screen._told_progress

        def held(done: int, total: int) -> None:
            told(done, total)
            if not reached.is_set():
                reached.set()
                answered.wait(30)

        screen._told_progress = held  # type: ignore[method-assign]
        await pilot.press("ctrl+s")
        for _ in range(300):
            await pilot.pause(0.02)
            if reached.is_set():
                break
        assert reached.is_set() and screen.running is not None
        assert "Importing many.csv: reading…" in _status(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StopQuestion)
        await pilot.press("y")
        await pilot.pause()
        assert screen._stop.is_set()
        answered.set()
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)
        assert "■ Import stopped: nothing was written." in _status(pilot)
        assert _decisions(db) == 0
        with db.engine.connect() as conn:
            outcomes = conn.execute(select(import_runs_table.c.outcome)).scalars().all()
        assert outcomes == ["failed"]
        assert not (world / "many.csv.rejects.csv.partial").exists()


async def test_escape_on_the_screen_asks_before_stopping(world: Path) -> None:
    db = _sqlite(world)
    app = make_app(db, tmp_config=world)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot)
        assert not screen.check_action("stop", ())
        # As if a run were going: Escape asks, n carries on, y stops.
        screen.running = object()  # type: ignore[assignment]
        screen.refresh_bindings()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StopQuestion)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen and not screen._stop.is_set()
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert screen._stop.is_set()
        screen.running = None


async def test_only_an_administrator_reaches_the_import_screen(world: Path) -> None:
    db = _sqlite(world)
    app = make_app(db, tmp_config=world)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "fw")
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert not isinstance(app.screen, ImportScreen)


async def test_the_command_palette_opens_the_import_screen(world: Path) -> None:
    db = _sqlite(world)
    app = make_app(db, tmp_config=world)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "admin")
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "Open Import")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ImportScreen)


def test_snapshot_import_screen_after_a_dry_run_at_80x24(
    snapshot: SnapshotAssertion, world: Path
) -> None:
    db = _sqlite(world)
    _csv(world / "calls.csv", ROWS)

    async def dry_run(pilot: Pilot[Any]) -> None:
        await _open(pilot)
        await _type_file(pilot, "calls.csv")
        await pilot.press("enter")
        await settle(pilot)
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    assert_snapshots(snapshot, make_app(db, tmp_config=world), (80, 24), [("dry_run", dry_run)])


async def test_opening_import_again_shows_the_earlier_screens_import(world: Path) -> None:
    db = _sqlite(world)
    _csv(world / "calls.csv", ROWS)
    app = make_app(db, tmp_config=world)
    async with app.run_test(size=(100, 30)) as pilot:
        first = await _open(pilot)
        await _type_file(pilot, "calls.csv")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert first.summary is not None
        await pilot.press("f12")  # Home, then the Import screen again
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        second = app.screen
        assert isinstance(second, ImportScreen) and second is not first
        report = _report(pilot)
        assert "The last import from this app:" in report
        assert "inserted 2, updated 0, unchanged 0, skipped 1" in report
