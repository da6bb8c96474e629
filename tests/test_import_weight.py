"""What a person waits for is not spent importing libraries the step does not use.

Each check runs a real ``python -X importtime`` process and reads the modules it loaded
from the import-time log (issue 20: start-up and command-line reports).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rcrp_tui.domain.enums import Role
from tests.cli_helpers import PASSWORD, add_account

#: Libraries for PDF, spreadsheets, charts, fake names and numerical work.
HEAVY = {
    "fpdf",
    "xlsxwriter",
    "openpyxl",
    "PIL",
    "textual_plotext",
    "plotext",
    "faker",
    "numpy",
    "scipy",
    "pandas",
    "statsmodels",
}
#: The database stack and password hashing load in a worker behind the sign-in screen.
DATABASE_STACK = {"sqlalchemy", "sqlmodel", "alembic", "psycopg", "argon2"}


#: What `rcrp-tui report --format md` does not need when no calibration session has closed:
#: running and revealing sessions (with the sampling and personal-data checks behind
#: them), the keymap and the UI.
NOT_FOR_A_REPORT = {
    "rcrp_tui.services.calibration.reveal",
    "rcrp_tui.services.calibration.sessions",
    "rcrp_tui.services.sampling.plans",
    "rcrp_tui.domain.personal_data",
    "rcrp_tui.keymap",
    "rcrp_tui.ui",
}


def _modules(stderr: str) -> set[str]:
    """Every module name in a ``-X importtime`` log."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def _loaded(stderr: str) -> set[str]:
    """Top-level package names in a ``-X importtime`` log."""
    return {name.split(".")[0] for name in _modules(stderr)}


def test_the_sign_in_screen_needs_no_heavy_library_and_no_database_stack() -> None:
    code = (
        "import rcrp_tui.cli.main\n"
        "from rcrp_tui.ui.shell.app import RcrpApp\n"
        "from rcrp_tui.ui.shell.sign_in import SignInScreen\n"
    )
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-2000:]
    loaded = _loaded(run.stderr)
    assert {"textual", "rcrp_tui"} <= loaded  # the log was read
    assert loaded & (HEAVY | DATABASE_STACK) == set()


def test_a_markdown_report_from_the_command_line_loads_no_pdf_or_spreadsheet_library(
    tmp_path: Path,
) -> None:
    database = tmp_path / "report.db"
    add_account(database, "qa", Role.QA_LEAD)
    run = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "rcrp_tui",
            "report",
            "--database",
            str(database),
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-16",
            "--format",
            "md",
            "--user",
            "qa",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "# Right Care, Right Person: KPI report" in run.stdout
    loaded = _loaded(run.stderr)
    assert "sqlalchemy" in loaded  # the log was read
    assert loaded & (HEAVY | {"textual", "alembic"}) == set()
    modules = _modules(run.stderr)
    assert "rcrp_tui.services.calibration.results" in modules  # the figures were computed
    assert modules & NOT_FOR_A_REPORT == set()
