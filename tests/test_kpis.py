"""Each KPI against values worked out by hand on the fixed data set in ``kpi_fixture``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.kpis import (
    MAX_PERIOD_DAYS,
    Period,
    make_period,
    month_buckets,
    parse_day,
    previous_period,
    week_buckets,
)
from rcrp_tui.domain.statistics import wilson_interval
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import PermissionDenied
from rcrp_tui.services.kpis import figures as kpis
from rcrp_tui.services.kpis.figures import KpiReport
from tests import kpi_fixture
from tests.conftest import FIXED_NOW, _postgres, _sqlite
from tests.kpi_fixture import BASELINE, PERIOD, KpiData


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def data(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KpiData]:
    """Built once per module and database: the tests here only read it."""
    dbs = _sqlite(tmp_path_factory.mktemp("kpis")) if request.param == "sqlite" else _postgres()
    db = next(dbs)
    yield kpi_fixture.build(db, FixedClock(FIXED_NOW))
    db.dispose()
    dbs.close()


@pytest.fixture(scope="module")
def report(data: KpiData) -> KpiReport:
    return kpis.compute(data.qa, PERIOD, BASELINE)


def _rates(rows: tuple[kpis.RateRow, ...]) -> dict[str, tuple[int, int, int, int]]:
    return {
        r.key: (r.decisions, r.deployed, r.baseline_decisions, r.baseline_deployed) for r in rows
    }


def test_deployment_rate_overall_and_by_group_against_the_baseline(report: KpiReport) -> None:
    d = report.deployment
    assert (d.decisions, d.deployed, d.baseline_decisions, d.baseline_deployed) == (6, 3, 4, 2)
    assert d.rate == 0.5 and d.baseline_rate == 0.5
    assert _rates(report.by_category) == {
        "concern_for_welfare": (2, 1, 1, 0),
        "awol": (2, 1, 1, 0),
        "medical": (2, 1, 2, 2),
    }
    assert _rates(report.by_phase) == {"1": (3, 1, 3, 2), "2": (2, 1, 1, 0), "": (1, 1, 0, 0)}
    assert [r.label for r in report.by_phase] == ["Phase 1", "Phase 2", "No phase recorded"]
    assert _rates(report.by_caller) == {
        "public": (4, 3, 4, 2),
        "ambulance": (1, 0, 0, 0),
        "mental_health_trust": (1, 0, 0, 0),
    }


def test_weeks_are_london_iso_weeks_with_deployment_and_compliance(report: KpiReport) -> None:
    weeks = {w.week: w for w in report.weeks}
    assert list(weeks) == ["2026-W47", "2026-W48"]
    assert (weeks["2026-W47"].decisions, weeks["2026-W47"].deployed) == (4, 2)
    assert (weeks["2026-W48"].decisions, weeks["2026-W48"].deployed) == (2, 1)
    # W47: d1 and d3 (the QA lead's later review) passed; W48: d5 failed, d6 passed.
    assert weeks["2026-W47"].compliance == wilson_interval(2, 2)
    assert weeks["2026-W48"].compliance == wilson_interval(1, 2)


def test_coverage_counts_and_first_and_last_decision(report: KpiReport) -> None:
    c = report.coverage
    assert (c.decisions, c.reviews_counted) == (6, 4)
    assert c.first_decision == datetime(2026, 11, 17, 9, tzinfo=UTC)
    assert c.last_decision == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert (c.baseline_decisions, c.baseline_reviews_counted) == (4, 2)


def test_compliance_counts_the_latest_submitted_review_per_decision(report: KpiReport) -> None:
    # d2's draft does not count; d3 counts once, by its later (passing) review.
    assert report.compliance == wilson_interval(3, 4)
    assert report.baseline_compliance == wilson_interval(1, 2)
    c05 = next(c.result for c in report.criteria if c.result.code == "C05")
    assert (c05.met, c05.partial, c05.not_met) == (3, 0, 1)
    assert c05.compliance == wilson_interval(3, 4)
    c06 = next(c.result for c in report.criteria if c.result.code == "C06")
    assert (c06.met, c06.partial) == (3, 1) and c06.compliance == wilson_interval(3, 4)
    assert next(c.question for c in report.criteria if c.result.code == "C05")


def test_judgement_mix_flags_should_have_deployed(report: KpiReport) -> None:
    mix = {j.judgement: (int(j.share.successes), j.baseline_count) for j in report.judgements}
    assert mix == {
        "APPROPRIATE": (2, 1),
        "SHOULD_HAVE_DEPLOYED": (1, 1),
        "DEPLOYED_UNNECESSARILY": (1, 0),
    }
    flagged = [j for j in report.judgements if j.safety_critical]
    assert [j.judgement for j in flagged] == ["SHOULD_HAVE_DEPLOYED"]
    assert report.should_have_deployed == wilson_interval(1, 4)
    assert report.baseline_should_have_deployed == wilson_interval(1, 2)


def test_reviews_per_officer_per_month_and_share_reviewed(report: KpiReport) -> None:
    (month,) = report.officer_months
    # CO-101: d1, d5, d6 (3 reviews); CO-202: d3 (1). CO-303 made no decisions.
    assert (month.month, month.officers_reviewed, month.reviews) == ("2026-11", 2, 4)
    assert (month.fewest, month.most, month.at_minimum, month.per_officer) == (1, 3, 1, 2.0)
    assert report.active_officers == 2
    assert report.officers_reviewed == wilson_interval(2, 2)


def test_appeals_coaching_and_floorwalking(data: KpiData, report: KpiReport) -> None:
    assert report.appeals.total.appeals == 1
    assert report.appeals.total.not_deployed == 3
    themes = {c.theme: (c.notes, c.still_open, c.overdue) for c in report.coaching}
    assert themes == {"human_error": (2, 2, 0), "compliance": (1, 1, 0)}
    (rota,) = report.floorwalking
    assert (rota.rota, rota.team_shifts, rota.covered) == (
        kpi_fixture.ROTA_NAME,
        data.rota_team_shifts,
        1,
    )
    assert report.floorwalking_share == wilson_interval(1, data.rota_team_shifts)


def test_follow_ups_become_overdue_after_their_day(data: KpiData) -> None:
    later = Ctx(data.qa.db, data.qa.actor, FixedClock(datetime(2026, 11, 27, 12, tzinfo=UTC)))
    report = kpis.compute(later, PERIOD, BASELINE)
    themes = {c.theme: c.overdue for c in report.coaching}
    assert themes == {"human_error": 2, "compliance": 0}
    assert (report.coaching_open_now, report.coaching_overdue_now) == (3, 2)


def test_supervisors_and_administrators_may_read_kpis_floorwalkers_may_not(
    data: KpiData,
) -> None:
    assert kpis.compute(data.supervisor, PERIOD, BASELINE).deployment.decisions == 6
    assert kpis.compute(data.admin, PERIOD, BASELINE).deployment.decisions == 6
    with pytest.raises(PermissionDenied):
        kpis.compute(data.floorwalker, PERIOD, BASELINE)


def test_an_empty_period_gives_zeros_not_errors(data: KpiData) -> None:
    empty = Period(date(2025, 1, 1), date(2025, 2, 1))
    report = kpis.compute(data.qa, empty, previous_period(empty))
    assert report.deployment.decisions == 0 and report.deployment.rate is None
    assert report.compliance.total == 0 and report.criteria == ()
    assert report.coverage.first_decision is None
    assert len(report.weeks) == 5 and all(w.decisions == 0 for w in report.weeks)


# --- pure period rules ---------------------------------------------------------------------


def test_period_validation_names_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="must end after it starts"):
        make_period(date(2026, 11, 2), date(2026, 11, 2))
    with pytest.raises(ValueError, match=f"at most {MAX_PERIOD_DAYS} days"):
        make_period(date(2025, 1, 1), date(2026, 6, 1))
    with pytest.raises(ValueError, match="Period from: '2026-13-01' is not a date"):
        parse_day("2026-13-01", "Period from")


def test_weeks_follow_london_time_across_the_clock_change() -> None:
    # British Summer Time ends on Sunday 25 October 2026: the week before starts at 23:00
    # UTC on the Sunday, the week after at midnight UTC.
    period = Period(date(2026, 10, 19), date(2026, 11, 2))
    weeks = week_buckets(period)
    assert [w.key for w in weeks] == ["2026-W43", "2026-W44"]
    assert weeks[0].start == datetime(2026, 10, 18, 23, tzinfo=UTC)
    assert weeks[1].start == datetime(2026, 10, 26, 0, tzinfo=UTC)
    assert weeks[1].end == datetime(2026, 11, 2, 0, tzinfo=UTC)


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    st.integers(min_value=1, max_value=MAX_PERIOD_DAYS),
)
def test_buckets_tile_the_period_exactly(first: date, days: int) -> None:
    period = make_period(first, date.fromordinal(first.toordinal() + days))
    for buckets in (week_buckets(period), month_buckets(period)):
        assert buckets[0].start == period.start and buckets[-1].end == period.end
        for a, b in pairwise(buckets):
            assert a.end == b.start and a.start < a.end
    baseline = previous_period(period)
    assert baseline.end_day == period.first_day and baseline.days == period.days


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("2026-02-31", "Due: there is no day 31 in February 2026; type a date like 2026-10-01"),
        ("2026-04-31", "Due: there is no day 31 in April 2026; type a date like 2026-10-01"),
        ("2026-13-01", "Due: '2026-13-01' is not a date like 2026-10-01"),
        ("0000-01-01", "Due: '0000-01-01' is not a date like 2026-10-01"),
        ("", "Due: empty; type a date like 2026-10-01"),
    ],
)
def test_a_day_that_does_not_exist_is_named_as_such(typed: str, said: str) -> None:
    from rcrp_tui.domain.kpis import parse_day

    with pytest.raises(ValueError) as caught:
        parse_day(typed, "Due")
    assert str(caught.value) == said
