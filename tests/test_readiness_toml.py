"""The readiness checklists as TOML: the shipped file follows the guidance, and every
mistake in a force's file is named by file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcrp_tui.domain.enums import Category
from rcrp_tui.domain.readiness import (
    MILESTONES,
    ChecklistError,
    ItemStatus,
    Rule,
    Tally,
    countdown,
    load_checklists,
    parse_checklists,
    parse_status,
)

GUIDANCE = Path("/work/shared/seeds/college-of-policing-rcrp-sro-guidance.txt")

GOOD = """\
[[checklists]]
phase = 0
title = "Key milestones"

[[checklists.items]]
key = "sro"
text = "SRO identified."

[[checklists]]
phase = 2
title = "AWOL and walk-outs"
categories = ["walk_out", "awol"]

[[checklists.items]]
key = "training"
text = "Training done."
rule = "training_share"
threshold_percent = 95
"""


def test_the_shipped_checklists_are_the_guidances_five() -> None:
    lists = load_checklists()
    titles = [c.title for c in lists.lists]
    assert titles == [
        "Key milestones",
        "Concern for welfare",
        "AWOL and walk out of healthcare facilities",
        "Conveyance",
        "Mental Health Act s136 and voluntary mental health patients",
    ]
    assert lists.phases == (1, 2, 3, 4)
    assert lists.for_phase(1).categories == (Category.CONCERN_FOR_WELFARE,)  # type: ignore[union-attr]
    assert len(lists.milestones.items) == 16  # type: ignore[union-attr]
    rules = {p: {i.rule for i in lists.for_phase(p).items if i.rule} for p in (1, 2, 3, 4)}  # type: ignore[union-attr]
    assert rules[1] == {
        Rule.TRAINING_SHARE,
        Rule.FLOORWALKING_ROTA,
        Rule.SHIFT_BRIEFINGS,
        Rule.KPI_BASELINE,
        Rule.QUALIFIER_CODES,
    }
    assert Rule.SAMPLING_PLAN in rules[2] and Rule.TRAINING_SHARE not in rules[3]
    training = lists.for_phase(1).item("training")  # type: ignore[union-attr]
    assert training is not None and training.setting("threshold_percent") == 90


@pytest.mark.skipif(not GUIDANCE.exists(), reason="the guidance text is not on this machine")
def test_every_guidance_line_quoted_is_in_the_guidance() -> None:
    text = " ".join(GUIDANCE.read_text(encoding="utf-8").split())
    for checklist in load_checklists().lists:
        for item in checklist.items:
            if item.guidance:
                assert item.guidance in text, item.key


def test_a_good_force_file_loads_with_its_own_settings(tmp_path: Path) -> None:
    path = tmp_path / "ours.toml"
    path.write_text(GOOD, encoding="utf-8")
    lists = load_checklists(path)
    assert lists.source == str(path)
    assert lists.milestones is not None and lists.milestones.phase == MILESTONES
    item = lists.for_phase(2).item("training")  # type: ignore[union-attr]
    assert item is not None and item.setting("threshold_percent") == 95


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('rule = "training_share"', 'rule = "trained_enough"'),
            "ours.toml, line 17, checklists[1].items[0].rule: unknown rule 'trained_enough'",
        ),
        (
            ("threshold_percent = 95", "threshold_percent = 101"),
            "ours.toml, line 18, checklists[1].items[0].threshold_percent: must be a whole "
            "number from 1 to 100, not 101",
        ),
        (
            ('"walk_out", "awol"', '"walk_out", "awl"'),
            "ours.toml, line 12, checklists[1].categories[1]: unknown category 'awl'",
        ),
        (
            ("phase = 2", "phase = 12"),
            "ours.toml, line 10, checklists[1].phase: 12 is not 0 (key milestones) or a phase",
        ),
        (
            ('key = "sro"', 'key = "SRO!"'),
            "ours.toml, line 6, checklists[0].items[0].key: 'SRO!': lower-case letters",
        ),
        (
            ('key = "training"', 'key = "training"\ncolour = "red"'),
            "ours.toml, line 16, checklists[1].items[0].colour: unknown key",
        ),
        (
            ('text = "Training done."', "text = 4"),
            "ours.toml, line 16, checklists[1].items[0].text: must be text in quotes",
        ),
        (
            ('title = "Key milestones"', 'title = "Key milestones"\ncategories = ["awol"]'),
            "ours.toml, line 4, checklists[0].categories: the key milestones belong to no",
        ),
        (
            ('text = "SRO identified."', 'text = "SRO identified."\nrule = "sampling_plan"'),
            "ours.toml, line 8, checklists[0].items[0].rule: the rule sampling_plan needs a phase",
        ),
    ],
)
def test_each_mistake_names_file_line_and_key(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = tmp_path / "ours.toml"
    path.write_text(GOOD.replace(*change, 1), encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_checklists(path)
    assert any(
        p.startswith(expected.replace("ours.toml", str(path))) for p in caught.value.problems
    ), caught.value.problems


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "ours.toml"
    path.write_text(
        GOOD.replace("phase = 2", "phase = 0").replace('key = "training"', 'key = ""'),
        encoding="utf-8",
    )
    with pytest.raises(ChecklistError) as caught:
        load_checklists(path)
    assert len(caught.value.problems) >= 2
    assert any("phase 0 already has a checklist" in p for p in caught.value.problems)
    assert any(".key: must not be empty" in p for p in caught.value.problems)


def test_bad_toml_says_the_line() -> None:
    with pytest.raises(ChecklistError) as caught:
        parse_checklists(GOOD.replace('title = "AWOL and walk-outs"', "title = "), "x.toml")
    assert caught.value.problems[0].startswith("x.toml, line 11: not valid TOML")


def test_statuses_tallies_and_countdowns_read_in_words() -> None:
    assert parse_status("In progress") is ItemStatus.IN_PROGRESS
    assert parse_status(" n/a ") is ItemStatus.NOT_APPLICABLE
    assert parse_status("not_started") is ItemStatus.NOT_STARTED
    with pytest.raises(ValueError, match="choose one of: not started, in progress"):
        parse_status("nearly")
    assert Tally(14, 15).percent_text == "93%"
    assert Tally(0, 0).percent_text == "nothing applies"
    from datetime import date

    today = date(2026, 12, 3)
    assert (
        countdown(date(2026, 12, 15), today, 2) == "Phase 2 goes live in 12 days (Tue 15 Dec 2026)"
    )
    assert countdown(date(2026, 12, 4), today, 2).startswith("Phase 2 goes live tomorrow")
    assert countdown(date(2026, 12, 3), today, 2).startswith("Phase 2 goes live today")
    assert countdown(date(2026, 11, 12), today, 1).startswith("Phase 1 went live 21 days ago")
    assert "no go-live date" in countdown(None, today, 3)
