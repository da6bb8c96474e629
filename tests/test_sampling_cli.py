"""``rcrp-tui sample``: plans, draw, list, progress, results (with CSV) and the size helper."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rcrp_tui.cli.main import main
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec, StratumDimension
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.core import audit
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage.db import Database
from tests.cli_helpers import as_user
from tests.test_sampling_service import PASSWORD, build_floor


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_plans_draw_list_progress_and_results(
    db: Database,
    clock: FixedClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    floor = build_floor(db, clock, decisions=30)
    spec = SamplingSpec(SamplingMethod.STRATIFIED, size=6, strata=(StratumDimension.SHIFT,))
    sampling.save_plan(floor.qa, "Monthly welfare", PopulationFilter(), spec, seed=12)

    def signed_in() -> list[str]:
        """``--database`` and a fresh sign-in as the QA lead, for each command."""
        return [
            "--database",
            str(db.url.database),
            *as_user(monkeypatch, "qa.lead", password=PASSWORD),
        ]

    code, out, _ = _run(capsys, "sample", "plans", *signed_in())
    assert code == 0 and "Monthly welfare" in out and "seed 12" in out

    code, out, _ = _run(capsys, "sample", "draw", "--plan", "Monthly welfare", *signed_in())
    assert code == 0
    assert out.startswith("Drew sample #1 from 'Monthly welfare': 6 of 30 decisions, seed 12")
    entry = audit.entries(floor.qa, entity="sample")[-1]
    # Audited under the signed-in QA lead's own name and role.
    assert (entry.action, entry.actor, entry.actor_role) == ("sample.draw", "qa.lead", "qa_lead")

    code, _, err = _run(capsys, "sample", "draw", "--plan", "Nope", *signed_in())
    assert code == 2 and "no sampling plan is called 'Nope'" in err

    item = sample_queue.take_next(floor.fw1, 1)
    assert item is not None
    work = reviews.open_for_decision(floor.fw1, item.decision_id)
    answers = {c.code: AnswerEntry(Answer.MET) for c in work.criteria}
    reviews.submit(floor.fw1, work.review, answers, Judgement.APPROPRIATE)

    code, out, _ = _run(capsys, "sample", "list", *signed_in())
    assert code == 0 and "#1" in out and "1/6 done" in out

    code, out, _ = _run(capsys, "sample", "progress", "1", *signed_in())
    lines = out.splitlines()
    assert code == 0 and lines[-1].split() == ["all", "1", "6", "0", "0"]
    assert {line.split()[0] for line in lines[1:-1]} == {"shift=day", "shift=night"}

    target = tmp_path / "sample-1.csv"
    code, out, _ = _run(capsys, "sample", "results", "1", "--csv", str(target), *signed_in())
    assert code == 0
    assert "1 of 6 reviewed (skipped 0, replaced 0)" in out
    assert "Overall compliance: 100.0% (95% CI 20.7-100.0%, 1/1)" in out
    assert "Appropriate " in out and f"Wrote 6 item(s) to {target}" in out
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and sum(r["passed"] == "True" for r in rows) == 1

    missing = tmp_path / "no-such-folder" / "x.csv"
    code, _, err = _run(capsys, "sample", "results", "1", "--csv", str(missing), *signed_in())
    assert code == 2 and "does not exist" in err

    code, _, err = _run(capsys, "sample", "progress", "99", *signed_in())
    assert code == 2 and "There is no sample 99" in err


def test_size_helper(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "sample", "size", "--confidence", "0.95", "--margin", "0.05")
    assert code == 0 and "385 reviews" in out
    code, out, _ = _run(capsys, "sample", "size", "--margin", "5%", "--population", "1000")
    assert code == 0 and "278 reviews, which give ±5.0%" in out
    code, out, _ = _run(capsys, "sample", "size", "--margin", "0.10")
    assert code == 0 and ": 97 reviews" in out  # 96.04 rounds up


@pytest.mark.parametrize(
    "argv",
    [
        ["sample", "size", "--margin", "1.5"],
        ["sample", "size", "--confidence", "high"],
        ["sample", "size", "--population", "0"],
        ["sample", "draw"],
    ],
)
def test_bad_arguments_exit_non_zero(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_a_floorwalker_may_not_draw_and_no_user_may_not_read(
    db: Database,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    floor = build_floor(db, clock, decisions=10)
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=3)
    sampling.save_plan(floor.qa, "P", PopulationFilter(), spec, seed=1)
    database = ["--database", str(db.url.database)]
    as_fw = as_user(monkeypatch, "fw.one", password=PASSWORD)
    code, _, err = _run(capsys, "sample", "draw", "--plan", "P", *database, *as_fw)
    assert code == 2 and "A floorwalker may not plan and draw dip samples." in err
    monkeypatch.delenv("RCRP_USER", raising=False)
    code, _, err = _run(capsys, "sample", "results", "1", *database)
    assert code == 2 and "sign in with --user NAME" in err
    assert sampling.list_samples(floor.qa) == []


@pytest.mark.parametrize("action", ["plans", "draw", "list", "progress", "results", "size"])
def test_every_command_has_help(action: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["sample", action, "--help"])
    assert exited.value.code == 0
    assert f"usage: rcrp-tui sample {action}" in capsys.readouterr().out
