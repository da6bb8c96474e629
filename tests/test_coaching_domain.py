"""Coaching rules: the lifecycle and who may move it, visibility, overdue across zones
and daylight-saving changes, and input parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.coaching import (
    CoachingRefused,
    NoteStatus,
    NoteText,
    Transition,
    Visibility,
    Who,
    allowed_transitions,
    check_note_text,
    is_overdue,
    local_date,
    may_read,
    may_write_about,
    month_key,
    month_start,
    next_month_start,
    next_status,
    overdue_from,
    parse_criteria,
    parse_follow_up,
)
from rcrp_tui.domain.enums import Role

OFFICER = Who(Role.CONTACT_OFFICER, is_officer=True)
OTHER_OFFICER = Who(Role.CONTACT_OFFICER)
AUTHOR = Who(Role.FLOORWALKER, is_author=True)
FLOORWALKER = Who(Role.FLOORWALKER)
SUPERVISOR = Who(Role.SUPERVISOR, is_team_supervisor=True)
OTHER_SUPERVISOR = Who(Role.SUPERVISOR)
QA = Who(Role.QA_LEAD)


def test_the_whole_lifecycle_in_order() -> None:
    status = next_status(Transition.ACKNOWLEDGE, NoteStatus.OPEN, OFFICER)
    assert status is NoteStatus.ACKNOWLEDGED
    status = next_status(Transition.FOLLOW_UP_DONE, status, AUTHOR)
    assert status is NoteStatus.FOLLOW_UP_DONE
    assert next_status(Transition.CLOSE, status, SUPERVISOR) is NoteStatus.CLOSED


@pytest.mark.parametrize("who", [AUTHOR, QA, SUPERVISOR, OTHER_OFFICER, FLOORWALKER])
def test_only_the_officer_acknowledges(who: Who) -> None:
    with pytest.raises(CoachingRefused, match="only the officer"):
        next_status(Transition.ACKNOWLEDGE, NoteStatus.OPEN, who)


@pytest.mark.parametrize("who", [OFFICER, FLOORWALKER, OTHER_SUPERVISOR, OTHER_OFFICER])
@pytest.mark.parametrize("transition", [Transition.FOLLOW_UP_DONE, Transition.CLOSE])
def test_follow_up_and_close_need_author_supervisor_or_qa(who: Who, transition: Transition) -> None:
    start = NoteStatus.ACKNOWLEDGED if transition is Transition.FOLLOW_UP_DONE else None
    with pytest.raises(CoachingRefused, match="author"):
        next_status(transition, start or NoteStatus.FOLLOW_UP_DONE, who)


@pytest.mark.parametrize("who", [AUTHOR, SUPERVISOR, QA])
def test_steps_cannot_be_skipped(who: Who) -> None:
    with pytest.raises(CoachingRefused, match="must be acknowledged first"):
        next_status(Transition.FOLLOW_UP_DONE, NoteStatus.OPEN, who)
    with pytest.raises(CoachingRefused, match="must be follow up done first"):
        next_status(Transition.CLOSE, NoteStatus.ACKNOWLEDGED, who)
    with pytest.raises(CoachingRefused):
        next_status(Transition.CLOSE, NoteStatus.CLOSED, who)


def test_allowed_transitions_guide_the_screen() -> None:
    assert allowed_transitions(NoteStatus.OPEN, OFFICER) == [Transition.ACKNOWLEDGE]
    assert allowed_transitions(NoteStatus.OPEN, QA) == []
    assert allowed_transitions(NoteStatus.ACKNOWLEDGED, QA) == [Transition.FOLLOW_UP_DONE]
    assert allowed_transitions(NoteStatus.FOLLOW_UP_DONE, AUTHOR) == [Transition.CLOSE]
    assert allowed_transitions(NoteStatus.CLOSED, SUPERVISOR) == []


def test_restricted_notes_reach_qa_the_team_supervisor_and_the_officer_only() -> None:
    readers = {OFFICER, QA, SUPERVISOR}
    for who in (OFFICER, OTHER_OFFICER, AUTHOR, FLOORWALKER, SUPERVISOR, OTHER_SUPERVISOR, QA):
        assert may_read(who, Visibility.RESTRICTED) is (who in readers)
    assert may_read(AUTHOR, Visibility.NORMAL)
    assert may_read(FLOORWALKER, Visibility.NORMAL)
    assert not may_read(OTHER_SUPERVISOR, Visibility.NORMAL)
    assert not may_read(OTHER_OFFICER, Visibility.NORMAL)


def test_who_may_write() -> None:
    assert may_write_about(FLOORWALKER) and may_write_about(QA) and may_write_about(SUPERVISOR)
    assert not may_write_about(OTHER_SUPERVISOR)
    assert not may_write_about(OFFICER)


def test_overdue_from_the_start_of_the_next_london_day_in_winter_and_summer() -> None:
    # Winter: London is UTC, so midnight local is midnight UTC.
    assert overdue_from(date(2026, 11, 24)) == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    # Summer: London is UTC+1, so the next local day starts at 23:00 UTC.
    assert overdue_from(date(2026, 7, 1)) == datetime(2026, 7, 1, 23, 0, tzinfo=UTC)


def test_overdue_across_the_spring_change() -> None:
    # Clocks go forward at 01:00 UTC on Sunday 29 March 2026; the 29th is a 23-hour day.
    due = date(2026, 3, 28)
    clock = FixedClock(datetime(2026, 3, 28, 23, 59, tzinfo=UTC))  # 23:59 GMT on the 28th
    assert not is_overdue(due, NoteStatus.OPEN, clock.now())
    clock.advance(minutes=1)  # 00:00 GMT on the 29th: the next local day has begun
    assert is_overdue(due, NoteStatus.OPEN, clock.now())
    due_on_change_day = date(2026, 3, 29)
    clock.instant = datetime(2026, 3, 29, 22, 59, tzinfo=UTC)  # 23:59 BST on the 29th
    assert not is_overdue(due_on_change_day, NoteStatus.ACKNOWLEDGED, clock.now())
    clock.advance(minutes=1)  # 00:00 BST on the 30th
    assert is_overdue(due_on_change_day, NoteStatus.ACKNOWLEDGED, clock.now())


def test_overdue_across_the_autumn_change() -> None:
    # Clocks go back at 01:00 UTC on Sunday 25 October 2026; the 25th is a 25-hour day.
    due = date(2026, 10, 24)
    clock = FixedClock(datetime(2026, 10, 24, 22, 59, tzinfo=UTC))  # 23:59 BST on the 24th
    assert not is_overdue(due, NoteStatus.OPEN, clock.now())
    clock.advance(minutes=1)
    assert is_overdue(due, NoteStatus.OPEN, clock.now())
    due_on_change_day = date(2026, 10, 25)
    clock.instant = datetime(2026, 10, 25, 23, 59, tzinfo=UTC)  # 23:59 GMT on the 25th
    assert not is_overdue(due_on_change_day, NoteStatus.OPEN, clock.now())
    clock.advance(minutes=1)
    assert is_overdue(due_on_change_day, NoteStatus.OPEN, clock.now())


def test_now_in_another_zone_means_the_same_instant() -> None:
    due = date(2026, 7, 1)
    new_york = timezone(timedelta(hours=-4))
    # 19:30 in New York on 1 July is 00:30 BST on 2 July: overdue.
    assert is_overdue(due, NoteStatus.OPEN, datetime(2026, 7, 1, 19, 30, tzinfo=new_york))
    # 18:30 there is 23:30 BST on 1 July: still due today.
    assert not is_overdue(due, NoteStatus.OPEN, datetime(2026, 7, 1, 18, 30, tzinfo=new_york))


def test_settled_notes_and_notes_without_a_date_are_never_overdue() -> None:
    late = datetime(2027, 1, 1, tzinfo=UTC)
    assert not is_overdue(date(2026, 1, 1), NoteStatus.FOLLOW_UP_DONE, late)
    assert not is_overdue(date(2026, 1, 1), NoteStatus.CLOSED, late)
    assert not is_overdue(None, NoteStatus.OPEN, late)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        is_overdue(date(2026, 1, 1), NoteStatus.OPEN, datetime(2026, 1, 2))


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 30)),
    st.integers(min_value=-36 * 60, max_value=36 * 60),
)
def test_overdue_matches_the_london_calendar(due: date, minutes: int) -> None:
    now = overdue_from(due) + timedelta(minutes=minutes)
    assert is_overdue(due, NoteStatus.OPEN, now) is (local_date(now) > due)


def test_follow_up_dates_are_validated_with_the_field_named() -> None:
    now = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
    assert parse_follow_up("2026-11-24", now) == date(2026, 11, 24)
    assert parse_follow_up("  ", now) is None
    with pytest.raises(ValueError, match="Follow-up date: '24/11/2026' is not a date"):
        parse_follow_up("24/11/2026", now)
    with pytest.raises(ValueError, match="Follow-up date: '2026-02-30' is not a date"):
        parse_follow_up("2026-02-30", now)
    with pytest.raises(ValueError, match="Follow-up date: 2026-11-23 is in the past"):
        parse_follow_up("2026-11-23", now)
    with pytest.raises(ValueError, match="within a year"):
        parse_follow_up("2028-01-01", now)
    # 23:30 UTC on 30 June is already 1 July in London: 30 June is the past.
    summer = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="in the past"):
        parse_follow_up("2026-06-30", summer)


def test_criteria_codes_are_cleaned() -> None:
    assert parse_criteria("c05, C01;c05 ,") == ("C05", "C01")
    assert parse_criteria(["C02"]) == ("C02",)
    with pytest.raises(ValueError, match="Criteria: 'C 5'"):
        parse_criteria("C 5")


def test_note_text_needs_substance_and_actions_need_a_date() -> None:
    empty = NoteText("", "  ", "")
    assert check_note_text(empty, None) == [
        ("What to develop", "say what went well or what to develop (or both)")
    ]
    actions = NoteText("Clear questions", "", "Re-read the toolkit")
    assert check_note_text(actions, None) == [
        ("Follow-up date", "agreed actions need a date to follow them up")
    ]
    assert check_note_text(actions, date(2026, 12, 1)) == []
    assert check_note_text(NoteText("x" * 2001, "", ""), None)[0][0] == "What went well"


def test_london_months() -> None:
    # 23:30 UTC on 31 October 2026 is still October in London (GMT after the change).
    instant = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    assert month_key(instant) == "2026-10"
    assert month_start(instant) == datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
    assert next_month_start(instant) == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    # 23:30 UTC on 31 May is 00:30 BST on 1 June.
    assert month_key(datetime(2026, 5, 31, 23, 30, tzinfo=UTC)) == "2026-06"
    assert next_month_start(datetime(2026, 12, 5, tzinfo=UTC)) == datetime(2027, 1, 1, tzinfo=UTC)
