"""``rcrp-tui calibration list|results``: as a signed-in person, marked OFFICIAL-SENSITIVE."""

from __future__ import annotations

import csv
import io
import stat
import zipfile
from pathlib import Path

import pytest

from rcrp_tui.cli.main import main
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services.calibration import sessions
from rcrp_tui.services.core.context import Ctx
from tests.calibration_helpers import DEADLINE, PASSWORD, build, grade
from tests.cli_helpers import as_user
from tests.conftest import FIXED_NOW


def test_list_and_results_in_every_format(
    admin_ctx: Ctx, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    cast = build(admin_ctx.db, FixedClock(FIXED_NOW))
    database = ["--database", str(admin_ctx.db.url.database)]

    def run(*args: str, user: str = "qa.lead") -> int:
        return main([*args, *database, *as_user(monkeypatch, user, password=PASSWORD)])

    assert run("calibration", "list") == 0
    assert "No calibration sessions." in capsys.readouterr().out
    sid = sessions.create_session(
        cast.lead, title="November calibration", deadline=DEADLINE,
        graders_usernames=["fw.a", "fw.b"], cad_refs=list(cast.cad_refs[:3]),
    ).session.id  # fmt: skip
    other = sessions.create_session(
        cast.lead, title="Not fw.b's", deadline=DEADLINE,
        graders_usernames=["fw.a", "qa.grader"], cad_refs=list(cast.cad_refs[:3]),
    ).session.id  # fmt: skip
    assert run("calibration", "list") == 0
    out = capsys.readouterr().out
    assert f"{sid:>4}  November calibration" in out and "open, blind" in out
    assert "0/6 scores submitted" in out and "Not fw.b's" in out
    assert run("calibration", "list", user="fw.b") == 0
    out = capsys.readouterr().out
    assert "November calibration" in out and "Not fw.b's" not in out

    # Blind until the reveal: the results are refused, in words.
    assert run("calibration", "results", str(sid)) == 2
    assert "hidden until every grader has submitted" in capsys.readouterr().err
    for d in cast.decisions[:3]:
        grade(cast.fw_a, sid, d)
        grade(cast.fw_b, sid, d, {"C05": Answer.NOT_MET})

    assert run("calibration", "results", str(sid)) == 0
    md = capsys.readouterr().out
    assert md.startswith("**OFFICIAL-SENSITIVE**") and md.rstrip().endswith(
        "**OFFICIAL-SENSITIVE**"
    )
    assert "| Krippendorff's alpha (ordinal) |" in md
    assert "| CAD-0001 | C05 | Met | Not met | not set |" in md

    assert run("calibration", "results", str(sid), "--format", "csv") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["OFFICIAL-SENSITIVE"] and rows[-1] == ["OFFICIAL-SENSITIVE"]
    assert ["CAD-0002", "C05", "Met", "Not met", "not set"] in rows

    target = tmp_path / "results.xlsx"
    assert run("calibration", "results", str(sid), "--format", "xlsx", "--output",
               str(target)) == 0  # fmt: skip
    assert "Wrote" in capsys.readouterr().err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with zipfile.ZipFile(target) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "OFFICIAL-SENSITIVE" in strings and "Critical criteria the graders split on" in strings

    assert run("calibration", "results", str(other), user="fw.b") == 2
    assert "not a grader" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        run("calibration", "results", "x")
    assert exited.value.code == 2
    assert "'x' is not a session number" in capsys.readouterr().err
