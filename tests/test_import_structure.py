"""A property test of the row rules: files whose every cell carries its column's tag are
corrupted (fields added or removed anywhere, quote characters added or removed anywhere)
and imported, by the SQL fast path and by the Python path. Whatever the damage, no
decision is stored with a value from another column or another row, and every data line
is counted exactly once (inserted, updated, unchanged, skipped or rejected, or taken into
a rejected record), or the import fails whole with a message naming a line."""

from __future__ import annotations

import itertools
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.importing.cad import ImportFailed, import_file
from rcrp_tui.importing.profile import parse_profile
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.db import Database
from tests.conftest import TEST_ADMIN

PROFILE = """
[profile]
name = "tags"
source_system = "{source}"
[dates]
formats = ["%Y-%m-%d %H:%M:%S"]
timezone = "Europe/London"
[fields.cad_ref]
column = "Ref"
[fields.received_at]
column = "Received"
[fields.category]
column = "Type"
[fields.category.map]
TCFW = "concern_for_welfare"
TMH = "s136_s135"
[fields.outcome]
column = "Result"
[fields.outcome.map]
UDEP = "deployed"
UAMB = "transferred_ambulance"
[fields.caller_type]
constant = "public"
[fields.grade]
column = "Grade"
[fields.rationale]
column = "Note"
"""
HEADER = ["Ref", "Received", "Type", "Result", "Grade", "Note", "Place", "Story"]
CATEGORY = {"TCFW": "concern_for_welfare", "TMH": "s136_s135", "TBURG": None}
OUTCOME = {"UDEP": "deployed", "UAMB": "transferred_ambulance"}
SPAN = re.compile(r"may have taken in lines ([\d,]+) to ([\d,]+)")

_sources = itertools.count(1)


def _cells(i: int, category: str, outcome: str) -> list[str]:
    """Row ``i``: every cell names its column and its row."""
    return [
        f"R-{i}",
        f"2026-07-{1 + i % 28:02d} 12:{i % 60:02d}:00",
        category,
        outcome,
        f"G-{i}",
        f"W-{i} note",
        f"P-{i} place",
        f"X-{i} story",
    ]


@st.composite
def _file(draw: st.DrawFn) -> tuple[list[list[str]], str]:
    n = draw(st.integers(1, 12))
    rows = [
        _cells(i, draw(st.sampled_from(list(CATEGORY))), draw(st.sampled_from(list(OUTCOME))))
        for i in range(n)
    ]
    # Each cell written plain or quoted; the unmapped Story now and then holds commas.
    lines: list[list[str]] = []
    for row in rows:
        cells = []
        for k, cell in enumerate(row):
            if k == 7 and draw(st.booleans()):
                cell += ", more, and more"
            cells.append(f'"{cell}"' if "," in cell or draw(st.booleans()) else cell)
        lines.append(cells)
    # One corruption per damaged row: two on the same row can undo each other's harm to
    # its shape (a field added and another removed leaves a well-formed row holding a
    # wrong value, which no reader can tell from a right one) or leave its line blank.
    for at in draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3, unique=True)):
        kind = draw(st.sampled_from(["add", "remove", "quote", "unquote"]))
        cells = lines[at]
        if kind == "add":
            cells.insert(draw(st.integers(0, len(cells))), draw(st.sampled_from(["824", "", "Z"])))
        elif kind == "remove" and len(cells) > 1:
            del cells[draw(st.integers(0, len(cells) - 1))]
        else:
            line = ",".join(cells)
            if kind == "quote":
                pos = draw(st.integers(0, len(line)))
                line = line[:pos] + '"' + line[pos:]
            else:
                quotes = [p for p, c in enumerate(line) if c == '"']
                if quotes:
                    pos = draw(st.sampled_from(quotes))
                    line = line[:pos] + line[pos + 1 :]
            lines[at] = [line]  # already joined
    body = "\n".join([",".join(HEADER), *(",".join(cells) for cells in lines)]) + "\n"
    return rows, body


@settings(
    max_examples=int(os.environ.get("RCRP_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=_file(), fast=st.booleans())
def test_a_corrupted_file_never_stores_a_value_from_the_wrong_column(
    any_db: Database,
    clock: FixedClock,
    tmp_path: Path,
    case: tuple[list[list[str]], str],
    fast: bool,
) -> None:
    rows, body = case
    source = f"S{next(_sources)}"
    profile = parse_profile(PROFILE.format(source=source), Path("tags.toml"))
    path = tmp_path / f"{source}.csv"
    path.write_text(body, encoding="utf-8")
    ctx = Ctx(any_db, TEST_ADMIN, clock)
    with any_db.engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM decisions")).scalar_one()
    try:
        summary = import_file(ctx, path, profile, fast=fast)
    except ImportFailed as exc:
        assert re.search(r"line \d", str(exc)), str(exc)
        assert "Nothing was imported" in str(exc)
        with any_db.engine.connect() as conn:
            after = conn.execute(text("SELECT count(*) FROM decisions")).scalar_one()
        assert after == before
        return
    with any_db.engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT cad_ref, received_at, category, outcome, grade, rationale "
                "FROM decisions WHERE source_system = :s"
            ),
            {"s": source},
        ).all()
    for ref, received, category, outcome, grade, rationale in stored:
        match = re.fullmatch(r"R-(\d+)", ref)
        assert match, ref
        row = rows[int(match.group(1))]
        local = datetime.fromisoformat(row[1]).replace(tzinfo=UTC) - timedelta(hours=1)
        if isinstance(received, str):  # SQLite's text, read without the model
            received = datetime.fromisoformat(received)
        assert received.replace(tzinfo=UTC) == local
        assert category == CATEGORY[row[2]] and outcome == OUTCOME[row[3]]
        # A quote character added to a plain cell stays in it (it is that cell's text).
        assert grade.replace('"', "") == row[4]
        assert rationale.replace('"', "") == row[5]
    # Every record counted once; every data line a record or inside a rejected one.
    counted = summary.inserted + summary.updated + summary.unchanged
    counted += summary.skipped + summary.rejected
    assert counted == summary.total_rows
    assert summary.inserted == len(stored)  # every reference is new to this source
    taken_in = 0
    if summary.rejects_path is not None:
        for first, last in SPAN.findall(summary.rejects_path.read_text(encoding="utf-8")):
            taken_in += int(last.replace(",", "")) - int(first.replace(",", "")) + 1
    assert summary.total_rows + taken_in == len(rows)
