"""The SQL fast path of the CAD import gives exactly what the Python path gives: the same
decisions, the same summary counts and the same rejects file, over generated files that
mix plain rows with every kind of odd one, and over the real San Diego export."""

from __future__ import annotations

import csv
import itertools
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.importing.cad import ImportFailed, ImportSummary, import_file
from rcrp_tui.importing.profile import ImportProfile, parse_profile, shipped_profile
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.ops.count_checks import day_count_differences, month_count_differences
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from tests.conftest import TEST_ADMIN
from tests.import_fastpath_data import DEFAULTS, FULL, HEADER, LEAN, ODD, PLAIN

DATA = Path(__file__).parents[2] / "shared" / "data"
SAN_DIEGO = DATA / "sandiego_pd_calls_for_service_2023_first5000.csv"

_sources = itertools.count(1)


def _profile(template: str, zone: str) -> ImportProfile:
    source = f"T{next(_sources)}"
    return parse_profile(template.format(source=source, zone=zone), Path("gen.toml"))


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return path


def _state(db: Database, summary: ImportSummary, source: str) -> dict[str, Any]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT cad_ref, received_at, category, phase, caller_type, contact_officer_id, "
                "team_id, shift, grade, outcome, threshold_basis, qualifier_codes, rationale, "
                "created_at, updated_at, row_version FROM decisions WHERE source_system = :s "
                "ORDER BY cad_ref"
            ),
            {"s": source},
        ).all()
        # The month counts sample draws read, kept by the database's triggers.
        months = conn.execute(
            text(
                "SELECT category, shift, team_id, not_deployed, partner, month, n "
                "FROM decision_stratum_months WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6"
            )
        ).all()
    rejects = summary.rejects_path.read_text(encoding="utf-8") if summary.rejects_path else None
    counts = (summary.total_rows, summary.inserted, summary.updated, summary.unchanged)
    counts += (summary.rejected, summary.skipped)
    return {
        "decisions": [tuple(r) for r in rows],
        "counts": counts,
        "skipped": summary.skipped_by_code,
        "rejects": rejects,
        "months": [tuple(m) for m in months],
    }


@pytest.fixture
def pair(db: Database, clock: FixedClock, tmp_path: Path) -> tuple[Ctx, Ctx]:
    """Two migrated databases with the same officers and teams."""
    slow_db = Database(f"sqlite:///{tmp_path / 'slow.db'}")
    schema.upgrade(slow_db)
    contexts = (Ctx(db, TEST_ADMIN, clock), Ctx(slow_db, TEST_ADMIN, clock))
    for ctx in contexts:
        people.add_team(ctx, "A", "2d2n4off")
        people.add_team(ctx, "B", "2d2n4off")
        people.add_contact_officer(ctx, "CO-1", "A")
        people.add_contact_officer(ctx, "CO-2", None)
    return contexts


def _both(
    pair: tuple[Ctx, Ctx], path: Path, profile: ImportProfile, out: Path | None = None
) -> list[dict[str, Any]]:
    """Import with and without the fast path; the two states, rejects files compared.

    The rejects and unmapped-values files go in ``out`` (default: beside the file), never
    beside a shared data file the test only reads.
    """
    states = []
    for ctx, fast in zip(pair, (True, False), strict=True):
        rejects = (out or path.parent) / f"{path.name}.{fast}.rejects.csv"
        summary = import_file(ctx, path, profile, rejects_path=rejects, fast=fast)
        # The month and day counts match the decisions (the check `rcrp-tui db check`
        # runs), whether the import counted them itself or the triggers did.
        assert month_count_differences(ctx.db) == {}
        assert day_count_differences(ctx.db) == {}
        states.append(_state(ctx.db, summary, profile.source_system))
        states[-1]["fast_rows"] = summary.fast_rows
    return states


@st.composite
def _record(draw: st.DrawFn) -> list[str]:
    """A plain row with a few cells swapped for odd ones; now and then cut short, given
    a field too many or a line break in a cell (the row rules reject those)."""
    row = {name: draw(st.sampled_from(cells)) for name, cells in PLAIN.items()}
    for name in draw(st.lists(st.sampled_from(list(ODD)), max_size=2)):
        row[name] = draw(st.sampled_from(ODD[name]))
    cells = [row[name] for name in HEADER]
    damage = draw(st.integers(0, 15))
    if damage == 0:
        cells = cells[: draw(st.integers(1, len(HEADER) - 1))]
    elif damage == 1:
        cells.insert(draw(st.integers(0, len(cells))), draw(st.sampled_from(["824", ""])))
    elif damage == 2:
        at = draw(st.integers(0, len(cells) - 1))
        cells[at] += draw(st.sampled_from(["\nmore", "\r\nmore, a, b, c, d, e, f, g, h, i, j, k"]))
    return cells


@settings(
    max_examples=int(os.environ.get("RCRP_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(_record(), min_size=1, max_size=25),
    second=st.lists(_record(), min_size=1, max_size=25),
    template=st.sampled_from([FULL, LEAN, DEFAULTS]),
    zone=st.sampled_from(["America/Los_Angeles", "Europe/London"]),
)
def test_fast_and_python_paths_agree(
    pair: tuple[Ctx, Ctx],
    tmp_path: Path,
    first: list[list[str]],
    second: list[list[str]],
    template: str,
    zone: str,
) -> None:
    profile = _profile(template, zone)
    # A first import, then a second file over it: inserts, updates and unchanged rows.
    for n, rows in enumerate((first, second)):
        fast, slow = _both(pair, _write(tmp_path / f"calls{n}.csv", rows), profile)
        assert slow["fast_rows"] == 0
        fast.pop("fast_rows"), slow.pop("fast_rows")
        assert fast == slow


def test_plain_rows_take_the_fast_path_and_odd_ones_do_not(
    pair: tuple[Ctx, Ctx], tmp_path: Path
) -> None:
    profile = _profile(FULL, "Europe/London")
    plain = ["CAD-1", "2026-07-01 12:00:00", "CFW", "DEP", "PUB", "CO-1", "", "G1", "1"]
    rows = [
        [*plain, "", "", ""],
        ["CAD-2", *plain[1:], "", "", ""],
        ["CAD-3", *plain[1:], "", "risk to life", ""],  # a rationale is always scanned
        ["CAD-4", "2026-03-29 01:30:00", *plain[2:], "", "", ""],  # no such local time
        ["CAD-5", *plain[1:2], "BURG", *plain[3:], "", "", ""],  # skipped in SQL
    ]
    fast, slow = _both(pair, _write(tmp_path / "c.csv", rows), profile)
    assert fast["fast_rows"] == 3 and slow["fast_rows"] == 0
    # The time the clocks skipped is rejected by the Python path.
    assert fast["counts"] == slow["counts"] == (5, 3, 0, 0, 1, 1)


@pytest.mark.parametrize("odd_first", [True, False], ids=["odd-first", "plain-first"])
def test_a_reference_on_a_plain_and_an_odd_row_keeps_the_later_row(
    pair: tuple[Ctx, Ctx], tmp_path: Path, odd_first: bool
) -> None:
    profile = _profile(FULL, "Europe/London")
    plain = ["CAD-1", "2026-07-01 12:00:00", "CFW", "DEP", "PUB", "", "", "G1", "1", "", "", ""]
    odd = [" cad-1", "2026-07-01 12:00:00", "cfw", "amb", "", "", "", "G2", "", "", "", ""]
    rows = [odd, plain] if odd_first else [plain, odd]
    fast, slow = _both(pair, _write(tmp_path / "c.csv", rows), profile)
    assert fast == slow | {"fast_rows": 0}
    (decision,) = fast["decisions"]
    assert decision[9] == ("deployed" if odd_first else "transferred_ambulance")
    assert fast["counts"][1:3] == (1, 1)  # inserted once, then updated by the later row


def test_reimporting_the_same_file_reports_unchanged_rows(
    pair: tuple[Ctx, Ctx], tmp_path: Path
) -> None:
    profile = _profile(FULL, "America/Los_Angeles")
    plain = ["2026-07-01 12:00:00", "MH", "AMB", "", "CO-2", "B", "G1", "3", "Q1", "", ""]
    odd = ["2026-07-01 12:00:00", "mh", " AMB", "", "", "", "", "", "", "", ""]
    rows = [["CAD-1", *plain], ["CAD-2", *odd], ["CAD-3", *plain]]
    path = _write(tmp_path / "c.csv", rows)
    _both(pair, path, profile)
    fast, slow = _both(pair, path, profile)
    assert fast == slow | {"fast_rows": 2}
    assert fast["counts"] == (3, 0, 0, 3, 0, 0)
    assert {d[0]: d[-1] for d in fast["decisions"]} == {"CAD-1": 1, "CAD-2": 1, "CAD-3": 1}
    rows[2][3] = "DEP"
    fast, slow = _both(pair, _write(path, rows), profile)
    assert fast["counts"] == slow["counts"] == (3, 0, 1, 2, 0, 0)
    assert {d[0]: d[-1] for d in fast["decisions"]} == {"CAD-1": 1, "CAD-2": 1, "CAD-3": 2}


@pytest.mark.skipif(not SAN_DIEGO.exists(), reason=f"the San Diego sample is not at {SAN_DIEGO}")
def test_the_san_diego_export_is_the_same_by_either_path(
    pair: tuple[Ctx, Ctx], tmp_path: Path
) -> None:
    profile = shipped_profile("san-diego")
    fast, slow = _both(pair, SAN_DIEGO, profile, tmp_path)
    assert fast["fast_rows"] == 5000
    fast.pop("fast_rows"), slow.pop("fast_rows")
    assert fast == slow
    assert fast["counts"] == (5000, 360, 0, 0, 0, 4640)
    again_fast, again_slow = _both(pair, SAN_DIEGO, profile, tmp_path)
    again_fast.pop("fast_rows"), again_slow.pop("fast_rows")
    assert again_fast == again_slow
    assert again_fast["counts"] == (5000, 0, 0, 360, 0, 4640)


def test_an_unreadable_byte_late_in_the_file_leaves_nothing_behind(
    pair: tuple[Ctx, Ctx], tmp_path: Path
) -> None:
    ctx = pair[0]
    profile = _profile(FULL, "Europe/London")
    good = [f"CAD-{n},2026-07-01 12:00:00,CFW,DEP,,,,,,,," for n in range(3000)]
    path = tmp_path / "c.csv"
    path.write_bytes(("\n".join([",".join(HEADER), *good]) + "\n").encode() + b"\xff,\n")
    with pytest.raises(ImportFailed, match="not readable as utf-8 at line 3002"):
        import_file(ctx, path, profile)
    state = _state(ctx.db, _empty_summary(), profile.source_system)
    assert state["decisions"] == [] and state["months"] == []
    # The connection is clean again: no temporary table survived the rollback.
    path.write_bytes(("\n".join([",".join(HEADER), *good]) + "\n").encode())
    summary = import_file(ctx, path, profile)
    assert (summary.inserted, summary.fast_rows) == (3000, 3000)


def test_bom_crlf_blank_lines_and_quoted_newlines_keep_their_line_numbers(
    pair: tuple[Ctx, Ctx], tmp_path: Path
) -> None:
    profile = _profile(FULL, "Europe/London")
    plain = "2026-07-01 12:00:00,CFW,DEP,,,,,,,,"
    text = "\r\n".join(
        [
            ",".join(HEADER),
            f"CAD-1,{plain}",
            "",
            f'CAD-2,{plain}"two\r\nlines"',
            "CAD-3,2026-02-30 12:00:00,CFW,DEP,,,,,,,,",
            f"CAD-4,{plain}",
        ]
    )
    path = tmp_path / "c.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode() + b"\r\n")
    fast, slow = _both(pair, path, profile)
    assert fast == slow | {"fast_rows": 3}
    assert fast["counts"] == (4, 3, 0, 0, 1, 0)
    assert fast["rejects"].splitlines()[1].startswith("6,Received '2026-02-30 12:00:00'")


def _empty_summary() -> ImportSummary:
    return ImportSummary("", "", "", "", 0, 0, 0, 0)


@pytest.mark.parametrize(
    "change",
    [
        ('formats = ["%Y-%m-%d %H:%M:%S"]', 'formats = ["iso"]'),
        ('formats = ["%Y-%m-%d %H:%M:%S"]', 'formats = ["%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]'),
        ('column = "Grade"', 'column = "Grade"\n[fields.grade.map]\nG1 = "one"'),
    ],
    ids=["iso", "two-formats", "grade-map"],
)
def test_a_profile_the_fast_path_cannot_express_takes_the_python_path(
    pair: tuple[Ctx, Ctx], tmp_path: Path, change: tuple[str, str]
) -> None:
    profile = _profile(FULL.replace(*change), "Europe/London")
    rows = [["CAD-1", "2026-07-01 12:00:00", "CFW", "DEP", "", "", "", "G1", "", "", "", ""]]
    fast, slow = _both(pair, _write(tmp_path / "c.csv", rows), profile)
    assert fast == slow
    assert fast["fast_rows"] == 0 and fast["counts"][:2] == (1, 1)
