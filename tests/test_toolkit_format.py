"""Toolkit files: every broken case is reported with file and key; the shipped one loads."""

from __future__ import annotations

import pytest

from rcrp_tui.domain.enums import Category
from rcrp_tui.domain.scoring import Judgement
from rcrp_tui.domain.toolkit import ToolkitError, load_shipped, parse_toolkit

GOOD = """
[toolkit]
id = "force-x"
version = "2.1"
title = "Force X toolkit"
categories = ["concern_for_welfare", "medical"]

[[judgements]]
code = "APPROPRIATE"

[[judgements]]
code = "SHOULD_HAVE_DEPLOYED"

[[bands]]
name = "Pass"
min = 60

[[bands]]
name = "Fail"
min = 0
passes = false

[[sections]]
code = "s1"
title = "Section one"

[[sections.criteria]]
code = "A1"
question = "Question one?"
guidance = "Read this."
weight = 2
critical = true

[[sections.criteria]]
code = "A2"
question = "Question two?"
guidance = "Read that."
categories = ["medical"]
"""


def _broken(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def test_a_good_file_parses() -> None:
    tk = parse_toolkit(GOOD, "x.toml")
    assert (tk.key, tk.version, tk.title) == ("force-x", "2.1", "Force X toolkit")
    assert [c.code for c in tk.criteria_for(Category.MEDICAL)] == ["A1", "A2"]
    assert [c.code for c in tk.criteria_for(Category.CONCERN_FOR_WELFARE)] == ["A1"]
    assert tk.criterion("A1").critical and tk.criterion("A1").weight == 2.0
    assert tk.band_for(59.9).name == "Fail" and tk.band_for(60).name == "Pass"
    assert len(tk.sha256) == 64


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ('code = "A2"', 'code = "A1"', "sections[0].criteria[1].code", "duplicate criterion"),
        ("weight = 2", "weight = 0", "sections[0].criteria[0].weight", "positive number"),
        ("weight = 2", "weight = -1.5", "sections[0].criteria[0].weight", "positive number"),
        ("weight = 2", 'weight = "heavy"', "sections[0].criteria[0].weight", "positive number"),
        (
            'categories = ["medical"]',
            'categories = ["picnic"]',
            "criteria[1].categories[0]",
            "unknown category",
        ),
        (
            '"concern_for_welfare", "medical"]',
            '"medical", "martian"]',
            "toolkit.categories[1]",
            "unknown category",
        ),
        (
            'code = "SHOULD_HAVE_DEPLOYED"',
            'code = "PROBABLY_FINE"',
            "judgements[1].code",
            "unknown judgement",
        ),
        ("min = 0\n", "min = 10\n", "bands", "min = 0"),
        ("min = 60", "min = 160", "bands[0].min", "0 to 100"),
        ('name = "Fail"', 'name = "Pass"', "bands", "duplicate band"),
        ('version = "2.1"', "version = 2.1", "toolkit.version", "as text"),
        ('question = "Question one?"', 'question = ""', "criteria[0].question", "empty"),
        (
            'categories = ["medical"]',
            'categories = ["awol"]',
            "criteria[1].categories",
            "not among the toolkit's categories",
        ),
    ],
)
def test_each_broken_case_names_file_and_key(old: str, new: str, key: str, words: str) -> None:
    with pytest.raises(ToolkitError) as info:
        parse_toolkit(_broken(old, new), "force-x.toml")
    message = str(info.value)
    assert "force-x.toml" in message
    assert any(key in p and words in p for p in info.value.problems), info.value.problems


def test_an_empty_section_is_refused() -> None:
    text = GOOD + '\n[[sections]]\ncode = "s2"\ntitle = "Nothing here"\n'
    with pytest.raises(ToolkitError) as info:
        parse_toolkit(text, "empty.toml")
    assert any("sections[1] (s2)" in p and "empty" in p for p in info.value.problems)


def test_all_problems_are_reported_at_once() -> None:
    text = _broken("weight = 2", "weight = 0").replace('code = "A2"', 'code = "A1"')
    with pytest.raises(ToolkitError) as info:
        parse_toolkit(text, "two.toml")
    assert len(info.value.problems) == 2


def test_not_toml_at_all() -> None:
    with pytest.raises(ToolkitError, match="not valid TOML"):
        parse_toolkit("[toolkit\nid=", "bad.toml")


def test_missing_toolkit_table() -> None:
    with pytest.raises(ToolkitError) as info:
        parse_toolkit(GOOD.replace("[toolkit]", "[kit]"), "nohead.toml")
    assert any(p.startswith("toolkit:") for p in info.value.problems)


def test_the_shipped_toolkit_loads_and_covers_every_category() -> None:
    tk = load_shipped()
    assert tk.key == "rcrp-national"
    assert tk.categories == frozenset(Category)
    for category in Category:
        assert tk.criteria_for(category), category
    # Category-specific checks exist for each of the seven RCRP categories.
    specific = {
        category: [c.code for c in tk.criteria_for(category) if c.section == "category"]
        for category in Category
        if category is not Category.OTHER
    }
    assert all(len(codes) >= 2 for codes in specific.values()), specific
    assert tk.criterion("C05").critical
    assert {o.judgement for o in tk.judgements} == set(Judgement)
    gates = [r.code for r in tk.references if r.group == "Gate questions"]
    assert gates == [f"G{i}" for i in range(1, 8)]
    assert {c.code for c in tk.criteria} >= {f"C{i:02d}" for i in range(1, 16)} - {"C03"}
    assert {c.code for c in tk.criteria} >= {"TH-T", "TH-H", "TH-R", "TH-I", "TH-V", "TH-E"}
    assert all(c.guidance for c in tk.criteria)
