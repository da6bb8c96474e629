"""Rota rules: pattern expansion against hand-checked calendars, each rostering rule at its
boundary, coverage arithmetic, and the auto-fill's guarantees (property tests)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rcrp_tui.domain.rota import (
    Assignment,
    Leave,
    Rule,
    RuleBook,
    SlotKey,
    TeamSpec,
    coverage,
    expand_window,
)
from rcrp_tui.domain.rota_autofill import priority, propose
from rcrp_tui.domain.shift_patterns import expand, load_patterns, parse_patterns

PATTERNS = load_patterns()
TWELVE = PATTERNS["2d2n4off-12h"]
ELN = PATTERNS["eln-8h"]


def test_12h_pattern_calendar_across_spring_daylight_saving() -> None:
    # Hand-checked: with offset 1, Thu 26 March 2026 is cycle day 0 (the first "day").
    shifts = expand(TWELVE, 1, date(2026, 3, 26), 9)
    got = [(s.day.isoformat(), s.code, s.hours) for s in shifts]
    assert got == [
        ("2026-03-26", "day", 12.0),
        ("2026-03-27", "day", 12.0),
        ("2026-03-28", "night", 11.0),  # clocks go forward at 01:00 UTC on Sunday 29 March
        ("2026-03-29", "night", 12.0),
        ("2026-04-03", "day", 12.0),
    ]
    night = shifts[2]
    assert night.start.isoformat() == "2026-03-28T19:00:00+00:00"
    assert night.end.isoformat() == "2026-03-29T07:00:00+01:00"
    assert night.is_night and night.is_weekend
    assert not shifts[0].is_night and not shifts[0].is_weekend


def test_12h_night_is_13_hours_when_the_clocks_go_back() -> None:
    shifts = {s.day: s for s in expand(TWELVE, 7, date(2026, 10, 22), 6)}
    assert shifts[date(2026, 10, 24)].code == "night"
    assert shifts[date(2026, 10, 24)].hours == 13.0
    assert shifts[date(2026, 10, 25)].hours == 12.0


def test_10h_pattern_calendar_across_autumn_daylight_saving() -> None:
    # Hand-checked: offset 7 makes Tue 20 October 2026 cycle day 0.
    got = [
        (s.day.day, s.code, f"{s.start:%H:%M}", f"{s.end:%H:%M}", s.hours, s.is_night)
        for s in expand(PATTERNS["6on4off-10h"], 7, date(2026, 10, 20), 10)
    ]
    assert got == [
        (20, "early", "07:00", "17:00", 10.0, False),
        (21, "early", "07:00", "17:00", 10.0, False),
        (22, "late", "14:00", "00:00", 10.0, False),
        (23, "late", "14:00", "00:00", 10.0, False),
        (24, "night", "22:00", "08:00", 11.0, True),  # clocks go back at 02:00 BST on the 25th
        (25, "night", "22:00", "08:00", 10.0, True),
    ]


def test_eln_late_ending_at_midnight_is_not_a_night() -> None:
    week = expand(ELN, 0, date(2026, 11, 2), 10)
    kinds = {s.code: s.is_night for s in week}
    assert kinds == {"early": False, "late": False, "night": True}


def _teams(pattern_name: str = "eln-8h", n: int = 5) -> list[TeamSpec]:
    pattern = PATTERNS[pattern_name]
    step = pattern.cycle_length // n
    return [TeamSpec(i + 1, f"Team {chr(65 + i)}", pattern, i * step) for i in range(n)]


def test_window_marks_each_teams_first_shift_of_each_type() -> None:
    shifts = expand_window(_teams(), date(2026, 11, 2), 42)
    firsts = [(s.team_name, s.key.code) for s in shifts if s.is_first]
    assert len(firsts) == len(set(firsts)) == 15  # 5 teams x early, late, night
    assert len(shifts) == 42 * 3  # one early, one late, one night every day


def _book(shifts: list, **kw: object) -> RuleBook:
    return RuleBook({s.key: s for s in shifts}, **kw)  # type: ignore[arg-type]


def _two_shift_pattern(second_start: str) -> TeamSpec:
    body = {
        "cycle": ["a", "b"],
        "shifts": {
            "a": {"start": "08:00", "end": "20:00"},
            "b": {"start": second_start, "end": "15:00"},
        },
    }
    return TeamSpec(1, "A", parse_patterns({"patterns": {"p": body}})["p"], 0)


def test_rest_of_exactly_11_hours_is_allowed_and_less_is_refused() -> None:
    first = date(2024, 1, 1)  # cycle day 0 with offset 0
    a_day0, b_day1 = SlotKey(first, 1, "a"), SlotKey(first + timedelta(days=1), 1, "b")

    exact = expand_window([_two_shift_pattern("07:00")], first, 2)
    assert _book(exact).check(7, b_day1, [a_day0]) == []  # 20:00 to 07:00 is 11 h

    tight = expand_window([_two_shift_pattern("06:59")], first, 2)
    violations = _book(tight, names={7: "Alex"}).check(7, b_day1, [a_day0])
    assert [v.rule for v in violations] == [Rule.REST]
    assert "Alex would have only 10.9833 h rest" in violations[0].message
    # The rule is symmetric: the earlier shift added second is refused the same way.
    assert [v.rule for v in _book(tight).check(7, a_day0, [b_day1])] == [Rule.REST]


def test_fifth_night_in_a_row_is_refused() -> None:
    # 12-hour pattern, two teams whose nights are back to back give a run of four.
    teams = [TeamSpec(1, "A", TWELVE, 1), TeamSpec(2, "B", TWELVE, 7)]
    shifts = expand_window(teams, date(2026, 3, 26), 10)
    nights = sorted((s for s in shifts if s.is_night), key=lambda s: s.start_utc)
    assert [s.key.day.day for s in nights] == [28, 29, 30, 31]
    book = _book(shifts, names={9: "Sam"})
    four = [s.key for s in nights[:4]]
    assert book.check(9, four[3], four[:3]) == []
    # A fifth consecutive night: a third team whose night follows on 1 April.
    teams.append(TeamSpec(3, "C", TWELVE, 5))
    shifts = expand_window(teams, date(2026, 3, 26), 10)
    book = _book(shifts, names={9: "Sam"})
    fifth = next(s.key for s in shifts if s.is_night and s.key.day == date(2026, 4, 1))
    violations = book.check(9, fifth, four)
    assert [v.rule for v in violations] == [Rule.NIGHTS_IN_A_ROW]
    assert "Sam would work 5 nights in a row" in violations[0].message


def test_leave_blocks_a_night_that_runs_into_it() -> None:
    shifts = expand_window([TeamSpec(1, "A", TWELVE, 1)], date(2026, 3, 26), 8)
    book = _book(shifts, leave=[Leave(4, date(2026, 3, 29), date(2026, 3, 30), "annual leave")])
    night_28 = SlotKey(date(2026, 3, 28), 1, "night")
    day_27 = SlotKey(date(2026, 3, 27), 1, "day")
    assert [v.rule for v in book.check(4, night_28, [])] == [Rule.LEAVE]
    assert book.check(4, day_27, []) == []
    assert book.check(5, night_28, []) == []  # someone else's leave does not matter


def test_double_booking_and_a_filled_slot() -> None:
    # Two teams on the same offset work identical hours: one person cannot walk both.
    teams = [TeamSpec(1, "A", ELN, 0), TeamSpec(2, "B", ELN, 0)]
    shifts = expand_window(teams, date(2026, 11, 2), 10)
    book = _book(shifts)
    day = shifts[0].key.day
    mine, theirs = SlotKey(day, 1, shifts[0].key.code), SlotKey(day, 2, shifts[0].key.code)
    violations = book.check(1, theirs, [mine])
    assert [v.rule for v in violations] == [Rule.DOUBLE_BOOKING]
    assert "already on A" in violations[0].message
    assert [v.rule for v in book.check(1, mine, [], filled_by=2)] == [Rule.SLOT_FILLED]
    assert book.check(2, mine, [], filled_by=2) == []
    all_v = book.check_all([Assignment(1, mine), Assignment(2, mine)])
    assert [v.rule for v in all_v] == [Rule.SLOT_FILLED]


def test_coverage_small_hand_computed_case() -> None:
    # Team A on 2d2n4off from Thu 26 March for 8 days: day 26, day 27, night 28, night 29.
    shifts = expand_window([TeamSpec(1, "A", TWELVE, 1)], date(2026, 3, 26), 8)
    assigned = [SlotKey(date(2026, 3, 26), 1, "day"), SlotKey(date(2026, 3, 29), 1, "night")]
    cov = coverage(shifts, assigned)
    assert (cov.total, cov.covered, cov.percent) == (4, 2, 50.0)
    day, night = cov.cells
    assert (day.code, day.total, day.covered, day.gaps, day.first_covered) == ("day", 2, 1, 1, True)
    assert (night.code, night.nights, night.nights_covered, night.first_covered) == (
        "night",
        2,
        1,
        False,
    )
    # The night of Sat 28 and Sun 29 are both weekend nights.
    assert (night.weekends, night.weekends_covered) == (2, 1)
    assert [g.key.day.day for g in cov.gaps] == [27, 28]
    assert [g.key.day.day for g in cov.first_gaps] == [28]


def test_autofill_puts_first_shifts_before_nights_before_the_rest() -> None:
    shifts = expand_window(_teams(), date(2026, 11, 2), 42)
    # One floorwalker only: the first shifts get them before anything else.
    proposal = propose(shifts, [], [1], _book(shifts))
    by_key = {s.key: s for s in shifts}
    prios = [priority(by_key[a.key]) for a in proposal.assignments]
    assert prios == sorted(prios)
    assert prios[0] == 0


def test_autofill_repair_hands_a_shift_over_to_close_a_gap() -> None:
    # One team: a late (14:00-22:00) then an early (06:00-14:00) next morning. The greedy
    # gives the late to person 1, who then cannot take the early (8 h rest), and person 2
    # is on leave that day. The repair hands the late to person 2 and the early to 1.
    body = {
        "cycle": ["late", "early"],
        "shifts": {
            "late": {"start": "14:00", "end": "22:00"},
            "early": {"start": "06:00", "end": "14:00"},
        },
    }
    pattern = parse_patterns({"patterns": {"p": body}})["p"]
    first = date(2024, 1, 1)
    shifts = expand_window([TeamSpec(1, "A", pattern, 0)], first, 2)
    book = _book(shifts, leave=[Leave(2, first + timedelta(days=1), first + timedelta(days=1))])
    proposal = propose(shifts, [], [1, 2], book)
    assert proposal.unfilled == ()
    assert sorted((a.floorwalker_id, a.key.code) for a in proposal.assignments) == [
        (1, "early"),
        (2, "late"),
    ]
    assert [(load.shifts, load.proposed) for load in proposal.loads] == [(1, 1), (1, 1)]


def test_autofill_spreads_load_evenly_when_everyone_is_free() -> None:
    shifts = expand_window(_teams(), date(2026, 11, 2), 42)
    proposal = propose(shifts, [], list(range(1, 11)), _book(shifts))
    assert proposal.unfilled == ()
    counts = [load.shifts for load in proposal.loads]
    nights = [load.nights for load in proposal.loads]
    weekends = [load.weekends for load in proposal.loads]
    assert sum(counts) == len(shifts) == 126
    assert max(counts) - min(counts) <= 1
    assert max(nights) - min(nights) <= 1
    assert max(weekends) - min(weekends) <= 1


@settings(max_examples=40, deadline=None)
@given(
    people=st.integers(min_value=1, max_value=6),
    leave=st.lists(st.tuples(st.integers(1, 6), st.integers(0, 20), st.integers(0, 6)), max_size=8),
    pre=st.lists(st.tuples(st.integers(1, 6), st.integers(0, 80)), max_size=6),
)
def test_autofill_never_breaks_a_rule_and_leaves_only_uncoverable_gaps(
    people: int, leave: list[tuple[int, int, int]], pre: list[tuple[int, int]]
) -> None:
    go_live = date(2026, 10, 19)  # spans the October clock change
    shifts = expand_window(_teams("2d2n4off-12h", 4), go_live, 21)
    staff = list(range(1, people + 1))
    leaves = [
        Leave(p, go_live + timedelta(days=d), go_live + timedelta(days=d + n))
        for p, d, n in leave
        if p <= people
    ]
    book = _book(shifts, leave=leaves)
    existing: list[Assignment] = []
    for p, i in pre:
        if p > people:
            continue
        key = shifts[i % len(shifts)].key
        mine = [a.key for a in existing if a.floorwalker_id == p]
        if key not in {a.key for a in existing} and not book.check(p, key, mine):
            existing.append(Assignment(p, key))

    proposal = propose(shifts, existing, staff, book)

    final = existing + list(proposal.assignments)
    assert book.check_all(final) == []
    held = {p: [a.key for a in final if a.floorwalker_id == p] for p in staff}
    filled = {a.key for a in final}
    for gap in proposal.unfilled:
        assert gap.key not in filled
        assert all(book.check(p, gap.key, held[p]) for p in staff)
    assert len(filled) + len(proposal.unfilled) == len(shifts)
    assert sum(load.proposed for load in proposal.loads) == len(proposal.assignments)
