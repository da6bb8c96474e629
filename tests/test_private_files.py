"""Every file the app writes is owner-only (0600) and every folder it makes 0700, even under
the usual umask 022: the database with its -wal and -shm, the settings file, and each kind
of export (development records, sample results, rota files, appeal figures, KPI reports,
import rejects). The demo is built by the real command."""

from __future__ import annotations

import csv
import os
import re
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from rcrp_tui import settings
from rcrp_tui.cli.main import main
from rcrp_tui.domain.clock import SystemClock
from rcrp_tui.domain.kpis import make_period, previous_period
from rcrp_tui.importing.cad import import_file
from rcrp_tui.importing.profile import load_profile
from rcrp_tui.private_files import make_private_folder, write_private
from rcrp_tui.sample_data.accounts import DEMO_PASSWORD
from rcrp_tui.services.appeals import reports as appeal_reports
from rcrp_tui.services.coaching import cpd_export
from rcrp_tui.services.core import auth
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.kpis import figures as kpis
from rcrp_tui.services.kpis import report as reports
from rcrp_tui.services.rota import export as rota_export
from rcrp_tui.services.rota import planning as rota
from rcrp_tui.services.sampling import results as sampling_results
from rcrp_tui.services.sampling.lists import samples_page
from rcrp_tui.storage.db import Database


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, umask_022: None) -> Iterator[Path]:
    """A small demo in a folder the command itself creates."""
    path = tmp_path_factory.mktemp("private") / "new-folder" / "demo.db"
    assert (
        main(
            [
                "demo",
                "--database",
                str(path),
                "--decisions",
                "300",
                "--no-open",
                "--today",
                "2026-11-24",
            ]
        )
        == 0
    )
    yield path


def _signed_in(path: Path, username: str) -> Ctx:
    db = Database(f"sqlite:///{path}")
    return Ctx(db, auth.sign_in(db, SystemClock(), username, DEMO_PASSWORD))


def test_the_database_its_wal_and_shm_and_its_folder_are_owner_only(demo: Path) -> None:
    db = Database(f"sqlite:///{demo}")
    with db.read() as session:  # an open connection keeps the -wal and -shm files
        session.execute(text("SELECT count(*) FROM sqlite_master"))
        for suffix in ("", "-wal", "-shm"):
            assert _mode(Path(f"{demo}{suffix}")) == 0o600, suffix
    db.dispose()
    assert _mode(demo.parent) == 0o700


def test_the_import_lock_file_is_owner_only(tmp_path: Path, umask_022: None) -> None:
    db = Database(f"sqlite:///{tmp_path / 'rcrp.db'}")
    with db.import_lock() as got:
        assert got
    assert _mode(Path(f"{tmp_path / 'rcrp.db'}-import-lock")) == 0o600
    db.dispose()


def test_an_existing_folder_is_left_as_it_is(tmp_path: Path, umask_022: None) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    make_private_folder(shared / "a" / "b")
    assert _mode(shared) == 0o755
    assert _mode(shared / "a") == _mode(shared / "a" / "b") == 0o700


def test_an_existing_file_is_overwritten_owner_only(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "old.csv"
    target.write_text("old, longer than the new\n")
    os.chmod(target, 0o644)
    write_private(target, "new\n")
    assert (_mode(target), target.read_text()) == (0o600, "new\n")


def test_the_settings_file_and_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_022: None
) -> None:
    monkeypatch.setenv("RCRP_CONFIG_DIR", str(tmp_path / "config" / "rcrp-tui"))
    path = settings.default_settings_path()
    settings.save(path, settings.Settings(theme="nord"))
    assert settings.load(path).theme == "nord"
    assert _mode(path) == 0o600
    assert _mode(path.parent) == _mode(path.parent.parent) == 0o700


def test_every_export_is_owner_only(demo: Path, tmp_path: Path) -> None:
    qa = _signed_in(demo, "qalead1")
    sup = _signed_in(demo, "supervisor1")
    written: list[Path] = []
    made = tmp_path / "made-by-the-app"
    for fmt in cpd_export.ExportFormat:
        written.append(cpd_export.export_record(qa, "CO-1001", made / "cpd", fmt))
    sample = samples_page(qa).rows[0].sample
    csv_path = tmp_path / "sample.csv"
    assert sampling_results.write_csv(qa, sample.id, csv_path) > 0
    written.append(csv_path)
    rota_id = rota.list_rotas(sup)[0].id
    rota_files = rota_export.export_rota(sup, rota_id, tmp_path).files
    assert {p.suffix for p in rota_files} == {".ics", ".csv", ".md"}
    written += rota_files
    written += appeal_reports.export_figures(
        qa, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), made / "appeals"
    )
    period = make_period(date(2026, 10, 5), date(2026, 11, 16))
    report = kpis.compute(qa, period, previous_period(period))
    for report_format in reports.ReportFormat:
        written.append(reports.write_report(qa, report, report_format, tmp_path))
    assert len({p.suffix for p in written}) == 6  # md pdf csv ics xlsx html
    for path in written:
        assert path.stat().st_size > 0
        assert _mode(path) == 0o600, path.name
    assert _mode(made) == _mode(made / "cpd") == _mode(made / "appeals") == 0o700


PROFILE = """
[profile]
name = "modes"
source_system = "MODES-CAD"

[dates]
formats = ["iso"]
timezone = "Europe/London"

[fields.cad_ref]
column = "Ref"

[fields.received_at]
column = "Received"

[fields.category]
constant = "concern_for_welfare"

[fields.outcome]
constant = "deployed"

[fields.caller_type]
constant = "public"

[fields.shift]
constant = "day"
"""


def test_the_import_rejects_file_is_owner_only(demo: Path, tmp_path: Path) -> None:
    admin = _signed_in(demo, "admin")
    profile_path = tmp_path / "modes.toml"
    profile_path.write_text(PROFILE, encoding="utf-8")
    source = tmp_path / "calls.csv"
    with source.open("w", newline="") as out:
        csv.writer(out).writerows(
            [["Ref", "Received"], ["M-1", "2026-10-06T10:00:00"], ["M-2", "not a date"]]
        )
    summary = import_file(admin, source, load_profile(profile_path), show_progress=False)
    assert summary.rejects_path is not None
    assert _mode(summary.rejects_path) == 0o600


def test_no_module_writes_a_file_or_makes_a_folder_but_through_private_files() -> None:
    """A new export written with write_text or open(..., "w") would be 0644 under umask 022."""
    package = Path(__file__).parents[1] / "rcrp_tui"
    pattern = re.compile(
        r"\.write_text\(|\.write_bytes\(|\.mkdir\(|os\.makedirs\(|\bopen\([^)]*[\"'][wax]b?[\"']"
    )
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "private_files.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
