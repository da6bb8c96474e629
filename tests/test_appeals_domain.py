"""Pure appeal rules: vocabularies, the live stopwatch and every figure, checked against
values worked out by hand on a small fixed data set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcrp_tui.domain.appeals import (
    AppealOutcome,
    AppealRoute,
    PartnerType,
    PeriodCounts,
    Theme,
    check_organisation,
    combine,
    figures_for,
    format_minutes,
    format_rate,
    median,
    minutes_between,
    month_buckets,
    month_key,
    normalise_theme,
    parse_received,
    per_100,
    percentile_nearest_rank,
    stopwatch_minutes,
)
from rcrp_tui.domain.clock import FixedClock

RECEIVED = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_vocabularies_have_the_words_partners_use() -> None:
    assert AppealRoute.LIVE_999.label == "Live 999 appeal"
    assert AppealRoute.LIVE_999.is_live and not AppealRoute.POST_INCIDENT.is_live
    assert AppealOutcome.OVERTURNED.label == "Overturned — police deployed"
    assert AppealOutcome.UPHELD.label == "Upheld (original decision stands)"
    assert PartnerType.parse("Mental-health trust") is PartnerType.MENTAL_HEALTH_TRUST
    assert [t.label for t in Theme] == [
        "Governance",
        "Guidelines",
        "Compliance",
        "Resources",
        "Human error",
        "Better practice",
    ]


def test_themes_accept_the_six_and_tidy_free_tags() -> None:
    assert normalise_theme("Human error") == "human_error"
    assert normalise_theme("  BETTER_PRACTICE ") == "better_practice"
    assert normalise_theme("Night   cover") == "night cover"
    for bad in ("", "   ", "x" * 41, "see [bold]"):
        with pytest.raises(ValueError):
            normalise_theme(bad)


def test_organisation_never_a_person() -> None:
    assert check_organisation("  London  Ambulance Service ") == "London Ambulance Service"
    for bad in ("", "Dr Smith", "mrs. Jones at the trust", "x" * 121):
        with pytest.raises(ValueError):
            check_organisation(bad)


def test_stopwatch_counts_whole_minutes_until_decided() -> None:
    clock = FixedClock(RECEIVED + timedelta(minutes=7, seconds=59))
    assert stopwatch_minutes(RECEIVED, None, clock) == 7
    clock.advance(seconds=1)
    assert stopwatch_minutes(RECEIVED, None, clock) == 8
    # Once decided the stopwatch stops, whatever the clock says now.
    clock.advance(hours=5)
    assert stopwatch_minutes(RECEIVED, RECEIVED + timedelta(minutes=12), clock) == 12
    # A received time ahead of the clock (terminal skew) reads as zero, not negative.
    assert stopwatch_minutes(RECEIVED + timedelta(minutes=3), None, FixedClock(RECEIVED)) == 0


def test_minutes_format_for_a_list_cell() -> None:
    assert [format_minutes(m) for m in (0, 59, 60, 125, 1439, 1440, 12801)] == [
        "0 min",
        "59 min",
        "1 h 00 min",
        "2 h 05 min",
        "23 h 59 min",
        "1 d 00 h",
        "8 d 21 h",
    ]


def test_median_and_nearest_rank_percentile_by_hand() -> None:
    five = [30.0, 4.0, 12.0, 7.0, 10.0]  # sorted: 4 7 10 12 30
    assert median(five) == 10.0
    assert percentile_nearest_rank(five, 90) == 30.0  # rank ceil(4.5) = 5
    ten = [float(v) for v in range(1, 11)]
    assert median(ten) == 5.5
    assert percentile_nearest_rank(ten, 90) == 9.0  # rank ceil(9.0) = 9
    assert percentile_nearest_rank([42.0], 90) == 42.0
    assert median([]) is None and percentile_nearest_rank([], 90) is None
    with pytest.raises(ValueError):
        percentile_nearest_rank(ten, 0)


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=60))
def test_nearest_rank_is_an_observed_value_with_ninety_percent_at_or_below(
    values: list[float],
) -> None:
    p90 = percentile_nearest_rank(values, 90)
    assert p90 in values
    assert sum(v <= p90 for v in values) >= 0.9 * len(values)  # type: ignore[operator]


def test_rates() -> None:
    assert per_100(3, 40) == 7.5
    assert per_100(1, 0) is None
    assert format_rate(None) == "—" and format_rate(7.5, "%") == "7.5%"


def test_figures_for_a_fixed_month() -> None:
    counts = PeriodCounts(
        label="2026-11",
        not_deployed=40,
        appeals=5,
        decided=4,
        overturned=1,
        partly_upheld=1,
        adverse_reported=1,
        live_minutes=(30.0, 4.0, 12.0, 7.0, 10.0),
        by_partner={"ambulance": 3, "social_care": 2, "other": 0},
        by_theme={"resources": 2, "guidelines": 2, "night cover": 1},
    )
    fig = figures_for(counts)
    assert fig.appeals_per_100 == 12.5  # 5 / 40 * 100
    assert fig.pct_overturned == 25.0  # 1 of 4 decided
    assert fig.pct_partly_upheld == 25.0
    assert fig.median_minutes == 10.0 and fig.p90_minutes == 30.0 and fig.live_decided == 5
    assert fig.by_partner == (("ambulance", 3), ("social_care", 2))  # zero rows dropped
    assert fig.by_theme == (("guidelines", 2), ("resources", 2), ("night cover", 1))


def test_combining_months_sums_counts_and_pools_times() -> None:
    oct_ = PeriodCounts("2026-10", 20, 1, 1, 1, 0, 0, (20.0,), {"ambulance": 1}, {"resources": 1})
    nov = PeriodCounts("2026-11", 30, 2, 2, 0, 1, 0, (5.0, 9.0), {"ambulance": 2}, {})
    total = figures_for(combine("all", [oct_, nov]))
    assert (total.not_deployed, total.appeals, total.decided) == (50, 3, 3)
    assert total.appeals_per_100 == 6.0
    assert total.pct_overturned == pytest.approx(100 / 3)
    assert total.median_minutes == 9.0 and total.p90_minutes == 20.0
    assert total.by_partner == (("ambulance", 3),)


def test_months_follow_the_london_wall_clock() -> None:
    # 23:30 UTC on 31 March 2026 is 00:30 BST on 1 April.
    assert month_key(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == "2026-04"
    assert month_key(datetime(2026, 3, 31, 22, 59, tzinfo=UTC)) == "2026-03"
    # In winter London is on UTC.
    assert month_key(datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) == "2026-11"


def test_month_buckets_are_clipped_utc_ranges() -> None:
    buckets = month_buckets(datetime(2026, 3, 15, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))
    assert [b.key for b in buckets] == ["2026-03", "2026-04", "2026-05"]
    assert buckets[0].start == datetime(2026, 3, 15, tzinfo=UTC)
    assert buckets[0].end == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)  # BST began 29 March
    assert buckets[1].end == datetime(2026, 4, 30, 23, 0, tzinfo=UTC)
    assert buckets[2].start == buckets[1].end and buckets[2].end == datetime(2026, 5, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        month_buckets(datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))


def test_minutes_between_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        minutes_between(datetime(2026, 1, 1), RECEIVED)


def test_received_time_is_read_as_london_wall_clock() -> None:
    now = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert parse_received("", now) == now
    assert parse_received("09:45", now) == datetime(2026, 7, 1, 8, 45, tzinfo=UTC)
    # Later than now today means last night.
    assert parse_received("23:50", now) == datetime(2026, 6, 30, 22, 50, tzinfo=UTC)
    assert parse_received("2026-06-30 12:00", now) == datetime(2026, 6, 30, 11, 0, tzinfo=UTC)
    for bad in ("9.45", "25:00", "yesterday"):
        with pytest.raises(ValueError, match="HH:MM"):
            parse_received(bad, now)


def test_an_impossible_received_day_is_named() -> None:
    """31 February has the right shape but no day: the message says so, not only the form."""
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    with pytest.raises(ValueError) as bad:
        parse_received("2026-02-31 10:00", now)
    assert str(bad.value) == (
        "there is no day 31 in February 2026; type HH:MM (today) or YYYY-MM-DD HH:MM, local time"
    )
    with pytest.raises(ValueError) as shapeless:
        parse_received("yesterday-ish", now)
    assert str(shapeless.value) == "type HH:MM (today) or YYYY-MM-DD HH:MM, local time"
