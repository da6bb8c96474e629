"""``rcrp-tui report``: dates checked, every format written, text formats to stdout."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rcrp_tui.cli.main import main
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.services.kpis.report import MARKING
from tests import kpi_fixture
from tests.cli_helpers import as_user
from tests.conftest import FIXED_NOW, _sqlite


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    dbs = _sqlite(tmp_path_factory.mktemp("report-cli"))
    db = next(dbs)
    kpi_fixture.build(db, FixedClock(FIXED_NOW))
    yield str(db.url.database)
    db.dispose()


@pytest.fixture
def database(built: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``--database`` and a sign-in as the QA lead, named by ``RCRP_USER``."""
    monkeypatch.setenv("RCRP_USER", "qa.lead")
    as_user(monkeypatch, "qa.lead", password=kpi_fixture.PASSWORD)
    return ["--database", built, "--password-stdin"]


PERIOD_ARGS = ["--from", "2026-11-16", "--to", "2026-11-30"]


def test_markdown_to_standard_output_with_the_default_baseline(
    database: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", *PERIOD_ARGS, "--format", "md", *database]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"**{MARKING}**")
    assert "Baseline: 2 Nov 2026 to 15 Nov 2026 (14 days)" in out
    assert "| All RCRP decisions | 6 | 3 | 50.0 | 4 | 2 | 50.0 | 0.0 |" in out


@pytest.mark.parametrize("fmt", ["md", "html", "xlsx", "csv", "pdf"])
def test_every_format_to_a_file(
    database: list[str], tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / f"board.{fmt}"
    args = ["report", *PERIOD_ARGS, "--format", fmt, "--output", str(target)]
    assert main([*args, *database]) == 0
    assert f"Wrote {target}" in capsys.readouterr().err
    if fmt == "xlsx":
        assert load_workbook(target)["Summary"]["A1"].value == MARKING
    elif fmt == "pdf":
        assert target.read_bytes().startswith(b"%PDF")
    elif fmt == "csv":
        rows = list(csv.reader(target.open(encoding="utf-8")))
        assert rows[0] == [MARKING]
    else:
        assert MARKING in target.read_text(encoding="utf-8")


def test_an_explicit_baseline(database: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--baseline-from", "2026-10-01", "--baseline-to", "2026-11-01", "--format", "csv"]
    assert main(["report", *PERIOD_ARGS, *args, *database]) == 0
    out = capsys.readouterr().out
    assert "Report,Baseline,,1 Oct 2026 to 31 Oct 2026 (31 days)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-11-30", "--to", "2026-11-16"], "must end after it starts"),
        (["--from", "2026-11-16", "--to", "2026-11-16"], "must end after it starts"),
        (
            [*PERIOD_ARGS, "--baseline-from", "2026-11-01"],
            "give both --baseline-from and --baseline-to",
        ),
        (
            [*PERIOD_ARGS, "--baseline-from", "2026-11-10", "--baseline-to", "2026-11-01"],
            "the baseline (--baseline-from/--baseline-to) must end after it starts",
        ),
        (["--from", "2025-01-01", "--to", "2026-11-30"], "at most 400 days"),
    ],
)
def test_bad_periods_are_refused_with_a_clear_message(
    database: list[str], args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", *args, "--format", "md", *database]) == 2
    assert message in capsys.readouterr().err


def test_a_date_that_is_not_a_date_and_a_missing_folder(
    database: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--from", "16/11/2026", "--to", "2026-11-30", "--format", "md"])
    assert exit_info.value.code == 2
    assert "'16/11/2026' is not a date like 2026-10-01" in capsys.readouterr().err
    missing = tmp_path / "missing" / "r.md"
    args = ["report", *PERIOD_ARGS, "--format", "md", "--output", str(missing)]
    assert main([*args, *database]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_a_report_needs_a_signed_in_person_with_the_kpis(
    built: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("RCRP_USER", raising=False)
    target = tmp_path / "r.md"
    args = ["report", *PERIOD_ARGS, "--format", "md", "--output", str(target), "--database", built]
    assert main(args) == 2
    assert "sign in with --user NAME" in capsys.readouterr().err
    wrong = as_user(monkeypatch, "qa.lead", password="not-the-password")
    assert main([*args, *wrong]) == 2
    assert "Wrong username or password" in capsys.readouterr().err
    as_fw = as_user(monkeypatch, "floor.walker", password=kpi_fixture.PASSWORD)
    assert main([*args, *as_fw]) == 2
    assert "A floorwalker may not see KPIs and export reports." in capsys.readouterr().err
    assert not target.exists()


def test_the_report_names_its_database(
    database: list[str], built: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", *PERIOD_ARGS, "--format", "md", *database]) == 0
    captured = capsys.readouterr()
    assert f"Database: {built}" in captured.err and "warning" not in captured.err
    assert "Database:" not in captured.out  # the report itself stays as it was


def test_an_empty_database_is_named_and_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rcrp_tui.domain.enums import Role
    from tests.cli_helpers import add_account

    empty = tmp_path / "new.db"
    add_account(empty, "qa", Role.QA_LEAD)
    monkeypatch.setenv("RCRP_USER", "qa")
    as_user(monkeypatch, "qa")
    argv = ["report", *PERIOD_ARGS, "--format", "md", "--database", str(empty)]
    assert main([*argv, "--password-stdin"]) == 0
    err = capsys.readouterr().err
    assert f"Database: {empty}" in err
    assert "warning: this database holds no decisions, so every figure below is zero" in err
    assert "the demo's is" in err and "--database" in err
