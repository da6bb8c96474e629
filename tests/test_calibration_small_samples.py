"""Calibration figures that rest on too few units, and each grader's criteria over time,
through the services, the exports and the KPI report, on SQLite and PostgreSQL.

A figure from fewer than three units (decisions with two or more answers) has no 95%
interval: every output says "too few to judge (n=…)" where the interval would stand."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from rcrp_tui.domain.calibration.agreement import MIN_UNITS
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services.calibration import export, results, reveal, sessions
from rcrp_tui.services.calibration.export import ResultsFormat
from rcrp_tui.services.core.errors import PermissionDenied
from rcrp_tui.services.kpis.report_sections import _calibration
from rcrp_tui.storage.db import Database
from tests.calibration_helpers import DEADLINE, CalCast, build, grade
from tests.conftest import FIXED_NOW

#: A criterion the graders answer N/A on every decision but the first, so its figures
#: rest on one decision.
SPARSE = "C14"


@pytest.fixture
def cast(any_db: Database) -> CalCast:
    return build(any_db, FixedClock(FIXED_NOW))


def _closed(cast: CalCast, *, title: str = "November calibration", n: int = 3) -> int:
    """fw.a and fw.b grade ``n`` decisions; both answer SPARSE only on the first, and
    split on C01 on the second. Closed, nothing referenced yet."""
    sid = sessions.create_session(
        cast.lead, title=title, deadline=DEADLINE,
        graders_usernames=["fw.a", "fw.b"], cad_refs=list(cast.cad_refs[:n]),
    ).session.id  # fmt: skip
    for i, d in enumerate(cast.decisions[:n]):
        sparse = {} if i == 0 else {SPARSE: Answer.NA}
        grade(cast.fw_a, sid, d, sparse)
        grade(cast.fw_b, sid, d, sparse | ({"C01": Answer.NOT_MET} if i == 1 else {}))
    sessions.close_session(cast.lead, sid)
    return sid


def test_a_criterion_scored_on_one_decision_says_too_few_to_judge_in_every_export(
    cast: CalCast,
) -> None:
    sid = _closed(cast)
    r = results.session_results(cast.lead, sid)
    sparse = next(c for c in r.criteria if c.code == SPARSE)
    raw = sparse.figures.raw
    # Both graders said Met on the one decision: 100% agreement, but from one decision.
    assert (raw.value, raw.n_units, raw.low, raw.high) == (1.0, 1, None, None)
    assert raw.too_few and "Too few to judge (n=1)" in raw.note

    md = export.to_markdown(r)
    line = next(x for x in md.splitlines() if x.startswith(f"| {SPARSE} |  | Raw agreement |"))
    assert line == (
        f"| {SPARSE} |  | Raw agreement | 1.000 | too few to judge (n=1) | "
        f"too few to judge (n=1) | 1 | 2 | {raw.note} |"
    )
    rows = list(csv.reader(io.StringIO(export.to_csv(r))))
    row = next(x for x in rows if x[:3] == [SPARSE, "", "Raw agreement"])
    assert row[3:8] == ["1.000", "too few to judge (n=1)", "too few to judge (n=1)", "1", "2"]
    # Every figure per criterion is in the export with its interval and its counts.
    c01 = next(x for x in rows if x[:3] == ["C01", "", "Fleiss' kappa"])
    assert c01[6:8] == ["3", "6"]
    with zipfile.ZipFile(io.BytesIO(export.render(r, ResultsFormat.XLSX))) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "too few to judge (n=1)" in strings


def test_the_kpi_report_does_not_judge_a_grader_on_too_few_reference_answers(
    cast: CalCast,
) -> None:
    sid = _closed(cast)
    # A reference on two criteria of one decision only: fw.b disagrees on one of them.
    d = cast.decisions[1]
    reveal.set_reference(cast.lead, sid, d, "C01", answer=Answer.MET, note="Agreed.")
    reveal.set_reference(cast.lead, sid, d, "C02", answer=Answer.MET, note="Agreed.")
    summary = results.latest_closed_summary(cast.supervisor)
    assert summary is not None
    fw_b = next(g for g in summary.too_few_to_judge if g.grader.username == "fw.b")
    assert (fw_b.estimate.value, fw_b.estimate.n_units) == (0.5, 2) and fw_b.estimate.too_few
    # 50% from two answers is below the 80% threshold, but too few to say so.
    assert summary.below_threshold == ()
    assert {g.grader.username for g in summary.too_few_to_judge} == {"fw.a", "fw.b"}

    class Report:
        calibration = summary

    section = _calibration(Report())  # type: ignore[arg-type]
    row = next(r for r in section.rows if r[0] == "Too few to judge: Fw B")
    assert row[1:4] == ("0.50", "too few to judge (n=2)", "too few to judge (n=2)")
    assert "2 units, 4 ratings" in str(row[4])
    assert "2 grader(s) have too few answers with a reference to judge" in section.note
    # Coefficients keep two decimals (the report's other numbers show one).
    alpha = next(r for r in section.rows if r[0] == "Krippendorff's alpha (ordinal)")
    assert summary.alpha.value is not None and summary.alpha.low is not None
    assert alpha[1:3] == (f"{summary.alpha.value:.2f}", f"{summary.alpha.low:.2f}")


def test_each_graders_agreement_per_criterion_session_by_session(cast: CalCast) -> None:
    first = _closed(cast, title="First")
    second = _closed(cast, title="Second", n=MIN_UNITS + 1)
    for sid in (first, second):
        side = reveal.revealed_answers(cast.lead, sid)
        for dec in side.decisions:
            for c in dec.criteria:
                reveal.set_reference(
                    cast.lead, sid, dec.decision.decision_id, c.code, from_grader="fw.a"
                )
    trend = results.criterion_trend(cast.lead, "fw.b")
    assert trend is not None and trend.grader.username == "fw.b"
    assert [s.title for s in trend.sessions] == ["First", "Second"]
    by_code = {t.code: t for t in trend.criteria_over_time}
    # fw.b said Not met on C01 on the second decision of each session; fw.a (the
    # reference) said Met.
    c01 = by_code["C01"]
    assert [(c.agreed, c.compared) for c in c01.cells if c] == [(2, 3), (3, 4)]
    assert c01.question
    # An N/A that matches the reference's N/A is left out (nothing was judged), as the
    # statistics leave N/A out: only the first decision, answered by both, counts.
    assert [(c.agreed, c.compared) for c in by_code[SPARSE].cells if c] == [(1, 1), (1, 1)]
    assert list(by_code)[:2] == ["C01", "C02"]  # the toolkit's order

    # A floorwalker sees their own chart and nobody else's, whatever the screen asks.
    own = results.criterion_trend(cast.fw_b, "fw.b")
    assert own is not None and own.criteria_over_time == trend.criteria_over_time
    with pytest.raises(PermissionDenied, match="only their own"):
        results.criterion_trend(cast.fw_b, "fw.a")
    lead_view = results.criterion_trend(cast.lead, "fw.a")
    assert lead_view is not None
    assert all(c.agreed == c.compared for t in lead_view.criteria_over_time for c in t.cells if c)
