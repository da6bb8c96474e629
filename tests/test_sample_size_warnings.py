"""A sample larger than its population is drawn only after a warning (issue 14): from the
services, ``rcrp-tui sample draw`` and the plan picker; the samples list shows progress such
as ``0/120`` whole."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from rcrp_tui.cli.main import main
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.sampling.dialogs import PlanPickerDialog
from tests.apphelpers import make_app, rendered_text, seeded_database, settle, sign_in
from tests.cli_helpers import as_user
from tests.conftest import FIXED_NOW, TEST_ADMIN
from tests.test_samples_screen import _ctx
from tests.test_sampling_service import PASSWORD, build_floor

TOO_MANY = SamplingSpec(SamplingMethod.SIMPLE, size=50)


def test_the_service_refuses_until_told_to_take_everything(
    any_db: Database, clock: FixedClock
) -> None:
    floor = build_floor(any_db, clock, decisions=30)
    plan = sampling.save_plan(floor.qa, "Too big", PopulationFilter(), TOO_MANY, seed=3)
    with pytest.raises(sampling.LargerThanPopulation) as refused:
        sampling.draw_sample(floor.qa, plan.id)
    assert "asks for 50 decisions but its population has only 30" in refused.value.message
    assert sampling.list_samples(floor.qa) == []
    drawn = sampling.draw_sample(floor.qa, plan.id, whole_population=True)
    assert (drawn.size, drawn.population_size) == (30, 30)


def test_the_cli_warns_and_draws_only_with_whole_population(
    db: Database,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    floor = build_floor(db, clock, decisions=30)
    sampling.save_plan(floor.qa, "Too big", PopulationFilter(), TOO_MANY, seed=3)

    def run(*extra: str) -> tuple[int, str, str]:
        sign = as_user(monkeypatch, "qa.lead", password=PASSWORD)
        code = main(
            [
                "sample",
                "draw",
                "--plan",
                "Too big",
                *extra,
                "--database",
                str(db.url.database),
                *sign,
            ]
        )
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, err = run()
    assert code != 0 and out == ""
    assert "asks for 50 decisions but its population has only 30" in err
    assert "add --whole-population" in err
    assert sampling.list_samples(floor.qa) == []
    code, out, _ = run("--whole-population")
    assert code == 0 and "30 of 30 decisions" in out


def test_a_negative_limit_says_what_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sample", "list", "--limit", "-5"])
    err = capsys.readouterr().err
    assert "-5 is too small: it must be 1 or more" in err and "whole number" not in err


async def test_the_picker_warns_then_enter_again_draws_all(tmp_path: Path) -> None:
    db, _ = seeded_database(tmp_path)
    qa = _ctx(db, "qalead")
    admin = Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))
    for i in range(120):  # "0/1xx" is wider than the "Done" heading
        record_decision(
            admin,
            DecisionInput(
                cad_ref=f"BIG-{i:04d}",
                source_system="STORM",
                received_at=FIXED_NOW - timedelta(hours=i + 1),
                category=Category.CONCERN_FOR_WELFARE,
                caller_type=CallerType.PUBLIC,
                outcome=Outcome.DEPLOYED,
            ),
        )
    big = SamplingSpec(SamplingMethod.SIMPLE, size=100_000)
    sampling.save_plan(qa, "Everything and more", PopulationFilter(), big, seed=5)
    app = make_app(db, FixedClock(FIXED_NOW), tmp_config=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, "qalead")
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, PlanPickerDialog)
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)
        error = rendered_text(dialog.query_one("#error", Static))
        assert "asks for 100,000 decisions but its population has only" in error
        assert "Press Enter again" in error
        assert sampling.list_samples(qa) == []
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)
        [sample] = sampling.list_samples(qa)
        assert sample.size == sample.population_size > 120
        table = pilot.app.screen.query_one("#samples-table", DataTable)
        progress = f"0/{sample.size}"
        assert table.get_cell_at(Coordinate(0, 2)) == progress
        assert table.ordered_columns[2].content_width >= len(progress)
