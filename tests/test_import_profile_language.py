"""The profile language beyond one column and one map (issue 18): several columns with a
rule for which wins, codes extracted by a regular expression, spacing and case that
cannot break a match, values and skips on conditions, and rows that share a CAD
reference counted by incident. Each construct on a small file made here, imported for
real and dry-run (whose counts must equal the import's)."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.importing.cad import ImportSummary, import_file
from rcrp_tui.importing.profile import ImportProfile, ProfileError, load_profile
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import decisions_table
from tests.conftest import TEST_ADMIN

HEAD = """
[profile]
name = "lang"
source_system = "LANG-CAD"

[dates]
formats = ["%Y-%m-%d %H:%M"]
timezone = "Europe/London"

[fields.cad_ref]
column = "Ref"

[fields.received_at]
column = "Received"

[fields.caller_type]
constant = "public"
"""
#: A plain outcome field, for profiles that exercise something else.
OUTCOME = """
[fields.outcome]
column = "Result"
[fields.outcome.map]
DEP = "deployed"
SIGN = "signposted"
"""
#: A plain category field, likewise.
CATEGORY = """
[fields.category]
column = "Type"
[fields.category.map]
CW = "concern_for_welfare"
MH = "s136_s135"
"""


def _profile(tmp_path: Path, text: str, name: str = "lang.toml") -> ImportProfile:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_profile(path)


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return path


def _stored(db: Database) -> dict[str, dict[str, Any]]:
    with db.engine.connect() as conn:
        rows = conn.execute(select(decisions_table)).mappings().all()
    return {row["cad_ref"]: dict(row) for row in rows}


def _counts(summary: ImportSummary) -> tuple[object, ...]:
    report = replace(summary.report, unmapped_path=None)
    return (
        summary.total_rows,
        summary.incidents,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.rejected,
        summary.skipped_by_code,
        report,
    )


def _dry_then_real(ctx: Ctx, path: Path, profile: ImportProfile) -> ImportSummary:
    """Dry-run the file, import it, check the two agree, return the import's summary."""
    dry = import_file(ctx, path, profile, dry_run=True)
    real = import_file(ctx, path, profile)
    assert _counts(dry) == _counts(real)
    return real


# --- spacing and case ------------------------------------------------------------------

SPACED = (
    HEAD
    + OUTCOME
    + """
[fields.category]
column = "Type"
[fields.category.map]
"46A - CIT w/Ambulance" = "s136_s135"
"26/01-  Missing Person" = "concern_for_welfare"
"""
)


def test_a_cell_with_two_spaces_matches_a_key_with_one_and_the_other_way_round(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    profile = _profile(tmp_path, SPACED)
    rows = [
        ["A-1", "2026-07-01 10:00", "46A  - CIT w/Ambulance", "DEP"],  # two spaces
        ["A-2", "2026-07-01 11:00", " 46a -\tcit W/AMBULANCE ", "DEP"],  # tab, case, ends
        ["A-3", "2026-07-01 12:00", "26/01- Missing Person", "SIGN"],  # key has two
        ["A-4", "2026-07-01 13:00", "46A - CIT w/Ambulance", "DEP"],  # exactly the key
        ["A-5", "2026-07-01 14:00", "46A - CIT", "DEP"],  # another code: skipped
    ]
    path = _csv(tmp_path / "spaced.csv", ["Ref", "Received", "Type", "Result"], rows)
    summary = _dry_then_real(Ctx(any_db, TEST_ADMIN, clock), path, profile)

    assert (summary.inserted, summary.skipped, summary.rejected) == (4, 1, 0)
    assert summary.skipped_by_code == {"Type=46A - CIT": 1}
    stored = _stored(any_db)
    assert [stored[r]["category"] for r in ("A-1", "A-2", "A-4")] == ["s136_s135"] * 3
    assert stored["A-3"]["category"] == "concern_for_welfare"
    # Both keys matched; the unmapped cell is listed as it was compared.
    assert summary.report.never_matched == {}
    assert summary.report.unmapped["category"] == (("46A - CIT", 1),)


def test_the_sql_fast_path_and_the_python_path_agree_on_spacing(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    profile = _profile(tmp_path, SPACED)
    assert not profile.uses_rules  # an old-style profile: the fast path may take it
    rows = [
        ["A-1", "2026-07-01 10:00", "46A  - CIT w/Ambulance", "DEP"],
        ["A-2", "2026-07-01 11:00", "46A - CIT w/Ambulance", "DEP"],
    ]
    path = _csv(tmp_path / "spaced.csv", ["Ref", "Received", "Type", "Result"], rows)
    summary = import_file(Ctx(db, TEST_ADMIN, clock), path, profile)
    assert summary.inserted == 2
    assert summary.fast_rows == 1  # the exact spelling took SQL, the odd one Python


def test_case_sensitive_codes_match_only_as_written(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    text = (
        HEAD
        + OUTCOME
        + CATEGORY.replace('column = "Type"', 'column = "Type"\ncase_sensitive = true')
    )
    text = text.replace('MH = "s136_s135"', 'MH = "s136_s135"\nmh = "walk_out"')
    profile = _profile(tmp_path, text)
    rows = [
        ["A-1", "2026-07-01 10:00", "MH", "DEP"],
        ["A-2", "2026-07-01 11:00", "mh", "DEP"],
        ["A-3", "2026-07-01 12:00", "cw", "DEP"],  # not CW when case matters
        ["A-4", "2026-07-01 13:00", "M  H", "DEP"],  # spacing still normalised
    ]
    path = _csv(tmp_path / "case.csv", ["Ref", "Received", "Type", "Result"], rows)
    summary = _dry_then_real(Ctx(db, TEST_ADMIN, clock), path, profile)
    stored = _stored(db)
    assert stored["A-1"]["category"] == "s136_s135"
    assert stored["A-2"]["category"] == "walk_out"
    assert summary.skipped_by_code == {"Type=cw": 1, "Type=M H": 1}
    assert summary.report.never_matched["category"] == ("CW",)


# --- several columns -------------------------------------------------------------------

INITIAL_FINAL = (
    HEAD
    + OUTCOME
    + """
[fields.category]
# The call-taker's type, or the officers' finding if that one is not an RCRP call.
columns = ["Initial Call Type", "Final Call Type"]
pick = "first_mapped"
[fields.category.map]
WELFARE = "concern_for_welfare"
CRISIS = "s136_s135"
"""
)
IF_HEADER = ["Ref", "Received", "Initial Call Type", "Final Call Type", "Result"]


def test_initial_or_final_type_the_first_that_maps_wins(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    profile = _profile(tmp_path, INITIAL_FINAL)
    rows = [
        ["A-1", "2026-07-01 10:00", "DISTURBANCE", "CRISIS", "DEP"],  # only the final maps
        ["A-2", "2026-07-01 11:00", "WELFARE", "CRISIS", "DEP"],  # the initial wins
        ["A-3", "2026-07-01 12:00", "", "CRISIS", "SIGN"],  # initial blank
        ["A-4", "2026-07-01 13:00", "THEFT", "THEFT ", "DEP"],  # neither: skipped
        ["A-5", "2026-07-01 14:00", "NOISE", "", "DEP"],  # neither: skipped by the initial
    ]
    path = _csv(tmp_path / "if.csv", IF_HEADER, rows)
    summary = _dry_then_real(Ctx(any_db, TEST_ADMIN, clock), path, profile)

    assert (summary.inserted, summary.skipped) == (3, 2)
    stored = _stored(any_db)
    assert {r: stored[r]["category"] for r in ("A-1", "A-2", "A-3")} == {
        "A-1": "s136_s135",
        "A-2": "concern_for_welfare",
        "A-3": "s136_s135",
    }
    # A skipped row is counted under the first non-blank cell, with its own column.
    assert summary.skipped_by_code == {
        "Initial Call Type=THEFT": 1,
        "Initial Call Type=NOISE": 1,
    }
    # The report pools both columns' cells.
    assert summary.report.columns["category"] == "Initial Call Type, Final Call Type"
    assert dict(summary.report.unmapped["category"]) == {
        "DISTURBANCE": 1,
        "THEFT": 2,
        "NOISE": 1,
    }


def test_first_nonblank_takes_the_initial_type_even_when_it_does_not_map(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    text = INITIAL_FINAL.replace('pick = "first_mapped"', 'pick = "first_nonblank"')
    profile = _profile(tmp_path, text)
    rows = [
        ["A-1", "2026-07-01 10:00", "DISTURBANCE", "CRISIS", "DEP"],
        ["A-2", "2026-07-01 11:00", "", "CRISIS", "DEP"],
        ["A-3", "2026-07-01 12:00", "", "", "DEP"],  # both blank: the blank rule rejects
    ]
    path = _csv(tmp_path / "if.csv", IF_HEADER, rows)
    summary = _dry_then_real(Ctx(db, TEST_ADMIN, clock), path, profile)
    assert (summary.inserted, summary.skipped, summary.rejected) == (1, 1, 1)
    assert summary.skipped_by_code == {"Initial Call Type=DISTURBANCE": 1}
    assert summary.report.first_rejects == ((4, "Initial Call Type / Final Call Type is blank"),)
    assert set(_stored(db)) == {"A-2"}


# --- extract ---------------------------------------------------------------------------

EXTRACTED = (
    HEAD
    + OUTCOME
    + """
[fields.category]
column = "Call Type"
extract = '(?i)^(?P<code>\\d+[A-Z]?)'
[fields.category.map]
46A = "s136_s135"
26 = "concern_for_welfare"
99 = "walk_out"
"""
)


def test_a_code_is_extracted_from_the_cell_before_it_is_mapped(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    profile = _profile(tmp_path, EXTRACTED)
    rows = [
        ["A-1", "2026-07-01 10:00", "46A - CIT w/Ambulance", "DEP"],
        ["A-2", "2026-07-01 11:00", " 46a  -  cit", "DEP"],  # lower case, spaces
        ["A-3", "2026-07-01 12:00", "26/01- Missing Person-Critical", "SIGN"],
        ["A-4", "2026-07-01 13:00", "12B - Burglary", "DEP"],  # extracted, not mapped
        ["A-5", "2026-07-01 14:00", "Unknown problem", "DEP"],  # no match: the whole cell
    ]
    path = _csv(tmp_path / "codes.csv", ["Ref", "Received", "Call Type", "Result"], rows)
    summary = _dry_then_real(Ctx(any_db, TEST_ADMIN, clock), path, profile)

    assert (summary.inserted, summary.skipped) == (3, 2)
    stored = _stored(any_db)
    assert stored["A-1"]["category"] == stored["A-2"]["category"] == "s136_s135"
    assert stored["A-3"]["category"] == "concern_for_welfare"
    assert summary.skipped_by_code == {"Call Type=12B": 1, "Call Type=UNKNOWN PROBLEM": 1}
    assert summary.report.unmapped["category"] == (("12B", 1), ("UNKNOWN PROBLEM", 1))
    assert summary.report.never_matched == {"category": ("99",)}


# --- conditions ------------------------------------------------------------------------

CONDITIONS = (
    HEAD
    + CATEGORY
    + """
[rows]
# Officer-initiated events are not calls for service.
skip_when = [{ "Call Source" = ["Officer Initiated", "SELF"] }, { "Call Source" = "TEST" }]

[fields.outcome]
column = "Disposition"
[fields.outcome.map]
ARR = "deployed"
CAN = "deployed"
[[fields.outcome.cases]]
# Cancelled with no unit on scene: no deployment, the caller was signposted.
when = { "Disposition" = "CAN", "Arrived Time" = "" }
value = "signposted"
[[fields.outcome.cases]]
when = { "Arrived Time" = { not = "" }, "Disposition" = "NEVER" }
value = "deployed"
"""
)
COND_HEADER = ["Ref", "Received", "Type", "Disposition", "Arrived Time", "Call Source"]


def test_conditions_give_an_outcome_and_skip_officer_initiated_rows(
    any_db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    profile = _profile(tmp_path, CONDITIONS)
    rows = [
        ["A-1", "2026-07-01 10:00", "CW", "CAN", "", "911"],  # signposted by the case
        ["A-2", "2026-07-01 11:00", "CW", "CAN", "10:20", "911"],  # arrived: the map
        ["A-3", "2026-07-01 12:00", "MH", "ARR", "12:15", "Phone"],
        ["A-4", "2026-07-01 13:00", "CW", "ARR", "", "officer  initiated"],  # skipped
        ["A-5", "2026-07-01 14:00", "BURG", "ARR", "", "SELF"],  # skipped before category
        ["A-6", "2026-07-01 15:00", "CW", "CAN", " ", "911"],  # a blank of spaces is blank
    ]
    path = _csv(tmp_path / "cond.csv", COND_HEADER, rows)
    summary = _dry_then_real(Ctx(any_db, TEST_ADMIN, clock), path, profile)

    assert (summary.inserted, summary.skipped) == (4, 2)
    assert summary.skipped_by_code == {
        "Call Source=OFFICER INITIATED": 1,
        "Call Source=SELF": 1,
    }
    stored = _stored(any_db)
    assert {r: stored[r]["outcome"] for r in ("A-1", "A-2", "A-3", "A-6")} == {
        "A-1": "signposted",
        "A-2": "deployed",
        "A-3": "deployed",
        "A-6": "signposted",
    }
    # The report names the conditions that never held, by their place in the profile.
    assert summary.report.never_held == ("rows.skip_when[1]", "fields.outcome.cases[1].when")
    assert "conditions that held on no row: rows.skip_when[1]" in summary.describe()
    (entry,) = audit.entries(Ctx(any_db, TEST_ADMIN, clock), entity="import")
    assert entry.after is not None
    assert entry.after["conditions_never_held"] == list(summary.report.never_held)


def test_a_condition_column_missing_from_the_header_fails_the_import_by_name(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    from rcrp_tui.importing.cad import ImportFailed

    profile = _profile(tmp_path, CONDITIONS)
    path = _csv(
        tmp_path / "cond.csv", COND_HEADER[:-1], [["A-1", "2026-07-01 10:00", "CW", "ARR", ""]]
    )
    with pytest.raises(ImportFailed, match="'Call Source'"):
        import_file(Ctx(db, TEST_ADMIN, clock), path, profile)


# --- rows that share a reference -------------------------------------------------------

UNITS = (
    HEAD
    + CATEGORY
    + """
[fields.outcome]
column = "Result"
[fields.outcome.map]
DEP = "deployed"
SIGN = "signposted"

[fields.grade]
column = "Priority"
blank = "empty"

[rows]
duplicates = "MODE"
"""
)
UNIT_HEADER = ["Ref", "Received", "Type", "Result", "Priority", "Unit"]
#: Three incidents over seven rows, not grouped by reference (as a per-unit export may
#: come sorted by unit), one of them not an RCRP call.
UNIT_ROWS = [
    ["I-1", "2026-07-01 10:05", "CW", "SIGN", "", "U1"],
    ["I-2", "2026-07-01 11:00", "MH", "DEP", "2", "U1"],
    ["I-3", "2026-07-01 12:00", "BURG", "DEP", "1", "U1"],
    ["I-1", "2026-07-01 10:00", "CW", "DEP", "3", "U2"],
    ["I-3", "2026-07-01 12:00", "BURG", "DEP", "1", "U2"],
    ["I-1", "2026-07-01 10:09", "CW", "SIGN", "4", "U3"],
    ["I-2", "2026-07-01 11:00", "MH", "DEP", "2", "U2"],
]


def _units(tmp_path: Path, mode: str, extra: str = "") -> ImportProfile:
    return _profile(tmp_path, UNITS.replace("MODE", mode) + extra, f"units-{mode}.toml")


@pytest.mark.parametrize(
    ("mode", "extra", "i1"),
    [
        ("first", "", ("2026-07-01 09:05", "signposted", None)),
        ("last", "", ("2026-07-01 09:09", "signposted", "4")),
        # Deployed if any unit was dispatched; the earliest time; the first grade given.
        (
            "merge",
            '[rows.merge]\noutcome = { prefer = ["deployed"] }\nreceived_at = "earliest"\n',
            ("2026-07-01 09:00", "deployed", "3"),
        ),
    ],
)
def test_rows_sharing_a_reference_make_one_decision_counted_by_incident(
    any_db: Database,
    clock: FixedClock,
    tmp_path: Path,
    mode: str,
    extra: str,
    i1: tuple[str, str, str | None],
) -> None:
    profile = _units(tmp_path, mode, extra)
    ctx = Ctx(any_db, TEST_ADMIN, clock)
    path = _csv(tmp_path / "units.csv", UNIT_HEADER, UNIT_ROWS)

    first = _dry_then_real(ctx, path, profile)
    assert (first.total_rows, first.incidents) == (7, 3)
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert first.skipped_by_code == {"Type=BURG": 1}  # one incident, two rows
    assert "7 rows read, 3 incidents" in first.describe()
    stored = _stored(any_db)
    assert set(stored) == {"I-1", "I-2"}
    received = stored["I-1"]["received_at"].replace(tzinfo=UTC)
    assert received == datetime.fromisoformat(i1[0]).replace(tzinfo=UTC)  # BST: UTC+1
    assert (stored["I-1"]["outcome"], stored["I-1"]["grade"]) == i1[1:]
    assert first.report.by_category_outcome[("concern_for_welfare", i1[1])] == 1

    # Again: every incident unchanged, once each (not once per row).
    again = _dry_then_real(ctx, path, profile)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    (_, entry) = audit.entries(ctx, entity="import")
    assert entry.after is not None and entry.after["incidents"] == 3

    # The first unit row of I-2 changes its grade: an update by "first" and by "merge"
    # (the first grade given), none by "last"; once per incident either way.
    changed = [*UNIT_ROWS]
    changed[1] = ["I-2", "2026-07-01 11:00", "MH", "DEP", "1", "U1"]
    path2 = _csv(tmp_path / "units2.csv", UNIT_HEADER, changed)
    third = _dry_then_real(ctx, path2, profile)
    expected = (0, 0, 2) if mode == "last" else (0, 1, 1)
    assert (third.inserted, third.updated, third.unchanged) == expected


def test_without_duplicates_the_later_row_wins_and_rows_are_counted_as_before(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    profile = _profile(tmp_path, UNITS.replace('[rows]\nduplicates = "MODE"\n', ""))
    summary = _dry_then_real(
        Ctx(db, TEST_ADMIN, clock), _csv(tmp_path / "u.csv", UNIT_HEADER, UNIT_ROWS), profile
    )
    assert summary.incidents is None
    assert (summary.inserted, summary.updated, summary.unchanged) == (2, 2, 1)
    assert summary.skipped_by_code == {"Type=BURG": 2}
    assert _stored(db)["I-1"]["grade"] == "4"


def test_an_incident_with_one_imported_row_is_not_also_counted_as_skipped(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    profile = _units(tmp_path, "merge")
    rows = [
        ["I-1", "2026-07-01 10:00", "NOISE", "DEP", "", "U1"],  # not RCRP on this row
        ["I-1", "2026-07-01 10:00", "CW", "DEP", "", "U2"],
        ["I-2", "2026-07-01 11:00", "NOISE", "DEP", "", "U1"],
        ["i-2 ", "2026-07-01 11:00", "THEFT", "DEP", "", "U2"],  # the same reference
    ]
    summary = _dry_then_real(
        Ctx(db, TEST_ADMIN, clock), _csv(tmp_path / "u.csv", UNIT_HEADER, rows), profile
    )
    assert (summary.incidents, summary.inserted) == (2, 1)
    assert summary.skipped_by_code == {"Type=NOISE": 1}


# --- the profile is checked: file, key and line ----------------------------------------

GOOD = HEAD + OUTCOME + CATEGORY


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (
            ('column = "Type"', 'column = "Type"\nextract = "(\\\\d+)"'),
            "fields.category.extract",
            "needs a named group (?P<code>...)",
        ),
        (
            ('column = "Type"', "column = \"Type\"\nextract = '(?P<code>[A-'"),
            "fields.category.extract",
            "is not a regular expression",
        ),
        (
            ('column = "Type"', 'columns = ["Type", "Type2"]\npick = "best"'),
            "fields.category.pick",
            "'best' is not one of: first_nonblank, first_mapped",
        ),
        (
            ('column = "Type"', 'column = "Type"\npick = "first_mapped"'),
            "fields.category.pick",
            "only a field with columns",
        ),
        (
            ('CW = "concern_for_welfare"', 'CW = "concern_for_welfare"\n" cw " = "walk_out"'),
            "fields.category.map. cw ",
            "is the same code as 'CW' once spaces and case are normalised",
        ),
        (
            (
                'SIGN = "signposted"',
                'SIGN = "signposted"\n[[fields.outcome.cases]]\n'
                'when = { "Arrived" = "" }\nvalue = "maybe"',
            ),
            "fields.outcome.cases[0].value",
            "'maybe' is not one of",
        ),
        (
            (
                'SIGN = "signposted"',
                'SIGN = "signposted"\n[[fields.outcome.cases]]\n'
                'when = { "Arrived" = 3 }\nvalue = "deployed"',
            ),
            "fields.outcome.cases[0].when.Arrived",
            "must be a value, a list of values",
        ),
        (
            ("[fields.caller_type]", '[rows]\nduplicates = "newest"\n\n[fields.caller_type]'),
            "rows.duplicates",
            "'newest' is not one of: first, last, merge",
        ),
        (
            ("[fields.caller_type]", "[rows]\nskip_when = { }\n\n[fields.caller_type]"),
            "rows.skip_when",
            "must be a table of",
        ),
        (
            (
                "[fields.caller_type]",
                '[rows]\nduplicates = "merge"\n[rows.merge]\n'
                'outcome = "earliest"\n\n[fields.caller_type]',
            ),
            "rows.merge.outcome",
            "'earliest' is for the received time only",
        ),
        (
            (
                "[fields.caller_type]",
                '[rows]\nduplicates = "last"\n[rows.merge]\n'
                'outcome = "first"\n\n[fields.caller_type]',
            ),
            "rows.merge",
            'is only read with duplicates = "merge"',
        ),
        (
            ('CW = "concern_for_welfare"', '"Walk Out" = "walkout"'),
            "fields.category.map.Walk Out",
            "'walkout' is not one of",
        ),
    ],
)
def test_a_mistake_is_named_by_file_key_and_line(
    tmp_path: Path, change: tuple[str, str], key: str, message: str
) -> None:
    old, new = change
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    with pytest.raises(ProfileError) as caught:
        _profile(tmp_path, text, "force.toml")
    error = str(caught.value)
    assert error.startswith(f"force.toml: {key}: ")
    assert message in error
    # The line is the one the offending key (or its table) is written on.
    line = int(error.rsplit("(line ", 1)[1].rstrip(")"))
    written = text.splitlines()[line - 1]
    last = key.split(".")[-1].split("[")[0]
    assert last.strip('"') in written or f"[{key.split('[')[0]}" in written


def test_a_required_key_that_is_missing_has_no_line_to_point_at(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        _profile(tmp_path, GOOD.replace('[fields.cad_ref]\ncolumn = "Ref"\n', ""), "force.toml")
    assert str(caught.value) == "force.toml: fields.cad_ref: is required"


def test_an_old_style_mistake_now_also_gives_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('CW = "concern_for_welfare"', 'CW = "welfare"')
    with pytest.raises(ProfileError) as caught:
        _profile(tmp_path, text, "force.toml")
    line = text.splitlines().index('CW = "welfare"') + 1
    assert str(caught.value).endswith(f"(line {line})")


def test_the_line_is_found_past_multi_line_strings_comments_and_inline_tables() -> None:
    from rcrp_tui.importing.profile_rules import KeyLines

    text = "\n".join(
        [
            "[profile]",  # 1
            'description = """',  # 2
            "[fields.category.map]",  # 3: inside the string, not a table
            'CW = "x"',  # 4: likewise
            '"""',  # 5
            "# [fields.outcome] in a comment",  # 6
            "[ fields . category . map ]  # spaced",  # 7
            '"46A - CIT w/Ambulance" = "s136_s135"',  # 8
            "CW = 'walk_out'",  # 9
            "[[fields.outcome.cases]]",  # 10
            'when = { "Arrived Time" = "" }',  # 11
            "[[fields.outcome.cases]]",  # 12
            "value = 'deployed'",  # 13
        ]
    )
    lines = KeyLines(text)
    assert lines.line_of("fields.category.map.CW") == 9
    assert lines.line_of("fields.category.map.46A - CIT w/Ambulance") == 8
    assert lines.line_of("fields.category.map.NOT-THERE") == 7  # its table
    assert lines.line_of("fields.outcome.cases[0].when.Arrived Time") == 11
    assert lines.line_of("fields.outcome.cases[1].value") == 13
    assert lines.line_of("profile.description") == 2
    assert lines.line_of("csv.delimiter") is None
