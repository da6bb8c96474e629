"""The personal-data scanner (per kind and over the corpus) and the free-text guard."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.personal_data import (
    Finding,
    PersonalDataKind,
    nhs_check_digit_valid,
    scan,
)
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError, ValidationFailed
from rcrp_tui.services.core.free_text import OVERRIDE_ACTION, PersonalDataFound, guard_free_text
from tests.personal_data_corpus import load_corpus, report_lines, score_corpus

TODAY = date(2026, 11, 24)
K = PersonalDataKind


def found(text: str) -> list[tuple[PersonalDataKind, str]]:
    return [(f.kind, f.text) for f in scan(text, today=TODAY)]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("mobile 07700 900123 given", "07700 900123"),
        ("mobile 07700900123.", "07700900123"),
        ("on 07700-900-123 now", "07700-900-123"),
        ("ring (020) 7946 0018 today", "(020) 7946 0018"),
        ("ring 0161 496 0000", "0161 496 0000"),
        ("desk 0300 555 0147", "0300 555 0147"),
        ("call +44 7700 900123", "+44 7700 900123"),
        ("call +44 (0)20 7946 0018", "+44 (0)20 7946 0018"),
        ("call 0044 7700 900 123", "0044 7700 900 123"),
        ("mobile 07700 900123 2 officers sent", "07700 900123"),
    ],
)
def test_phone_numbers_in_uk_formats_are_found(text: str, number: str) -> None:
    assert found(text) == [(K.PHONE, number)]


@pytest.mark.parametrize(
    "text",
    [
        "shift 07:00-19:00",
        "between 0700 and 1900",
        "CAD-20261005-0042 at 01:47",
        "staff CO-1001 and SUP-3003",
        "incident 01/03/2026 and 01-03-2026",
        "reference 077009001234 (twelve digits)",
        "graded P1, 07 calls, 0 deployed",
        "ring 0800 555 0100 freephone",
    ],
)
def test_times_references_and_counts_are_not_phone_numbers(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "postcode", ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A0AX", "sw1a 2aa"]
)
def test_postcodes_are_found(postcode: str) -> None:
    assert found(f"seen near {postcode}, welfare check") == [(K.POSTCODE, postcode)]


@pytest.mark.parametrize(
    "text", ["detained under s136", "graded P1 and P2", "the M1 and the A1", "p2 2nd call"]
)
def test_sections_grades_and_roads_are_not_postcodes(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize("number", ["9434765919", "4010232137", "6304432445"])
def test_valid_nhs_numbers_pass_the_check_digit(number: str) -> None:
    assert nhs_check_digit_valid(number)
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    assert found(f"NHS {spaced} given") == [(K.NHS_NUMBER, spaced)]
    assert found(f"NHS {number}.") == [(K.NHS_NUMBER, number)]


@pytest.mark.parametrize("number", ["9434765910", "4010232138", "1234567890", "943476591"])
def test_an_invalid_check_digit_is_not_reported(number: str) -> None:
    assert not nhs_check_digit_valid(number)
    assert found(f"number {number} on the form") == []


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_at_most_one_check_digit_completes_nine_digits(stem: str) -> None:
    valid = [d for d in "0123456789" if nhs_check_digit_valid(stem + d)]
    assert len(valid) <= 1


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("Male, DOB 12/03/1985, walked out", "12/03/1985"),
        ("born on 4th July 1941", "4th July 1941"),
        ("d.o.b 02.11.1990 AWOL", "02.11.1990"),
        ("date of birth 1979-06-23", "1979-06-23"),
        ("MISPER 19/04/2007 (DOB) left", "19/04/2007"),
        ("D.O.B. 30/09/67", "30/09/67"),
    ],
)
def test_dates_with_birth_context_are_dates_of_birth(text: str, when: str) -> None:
    assert found(text) == [(K.DATE_OF_BIRTH, when)]


@pytest.mark.parametrize(
    "text",
    [
        "Incident on 12/03/2026 at 02:15",
        "Training on 14 Jan 2027",
        "born 01/01/1890 is beyond 110 years",
        "DOB 01/01/2030 is in the future",
        "DOB 31/02/1980 is not a date",
        "review on 2026-11-20, the caller was born abroad",
        "DOB unknown, seen 12/03/2026 at the station",
    ],
)
def test_other_dates_are_not_dates_of_birth(text: str) -> None:
    assert found(text) == []


def test_emails_are_found() -> None:
    assert found("from a.patel@nhs.net and TONY.B@YAHOO.COM.") == [
        (K.EMAIL, "a.patel@nhs.net"),
        (K.EMAIL, "TONY.B@YAHOO.COM"),
    ]
    assert found("email the partner inbox, @ward 7") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Mr Smith left", "Mr Smith"),
        ("Mrs. Okafor rang", "Mrs. Okafor"),
        ("Dr O'Connor said", "Dr O'Connor"),
        ("Mx Taylor called", "Mx Taylor"),
        ("Mrs J. Williams confirmed", "Mrs J. Williams"),
        ("from Dr MacLeod today", "Dr MacLeod"),
    ],
)
def test_a_title_before_a_capitalised_name_is_found(text: str, name: str) -> None:
    assert found(text) == [(K.TITLED_NAME, name)]


@pytest.mark.parametrize(
    "text",
    [
        "the Dr's surgery",
        "the Dr said",
        "Drs at A&E",
        "has MS",
        "Miss-graded call",
        "Mr X",
        "a Ms Teams call",
    ],
)
def test_titles_without_a_name_are_not_flagged(text: str) -> None:
    assert found(text) == []


def test_findings_are_ordered_spans_of_the_text() -> None:
    text = "Mr Jones, DOB 05/05/1950, lives at LS1 4DY, daughter on 07700 900 123."
    findings = scan(text, today=TODAY)
    assert [f.kind for f in findings] == [K.TITLED_NAME, K.DATE_OF_BIRTH, K.POSTCODE, K.PHONE]
    assert all(text[f.start : f.end] == f.text and f.explanation for f in findings)


def test_an_email_with_digits_is_one_finding_not_a_phone_number() -> None:
    assert found("jo07700900123@example.com") == [(K.EMAIL, "jo07700900123@example.com")]


@given(st.text(max_size=200))
def test_scan_never_fails_and_findings_never_overlap(text: str) -> None:
    findings = scan(text)
    for first, second in itertools.pairwise(findings):
        assert first.end <= second.start
    assert all(text[f.start : f.end] == f.text for f in findings)


# Thresholds: the guard interrupts a person saving a note, so false alarms cost trust;
# 0.95 precision allows about one false alarm per twenty flags. Recall below 0.95 would
# let one identifier in twenty through on text the corpus already knows about.
MIN_PRECISION = 0.95
MIN_RECALL = 0.95
MIN_KIND_SCORE = 0.95


def test_corpus_precision_and_recall() -> None:
    cases = load_corpus()
    assert len(cases) >= 400
    with_data = sum(1 for case in cases if case.kinds)
    assert 0.4 <= with_data / len(cases) <= 0.6
    result = score_corpus(cases)
    print("\n".join(report_lines(result)))
    assert result.overall.precision >= MIN_PRECISION
    assert result.overall.recall >= MIN_RECALL
    for row in result.per_kind:
        assert row.true_positives >= 10, row.kind
        assert row.precision >= MIN_KIND_SCORE, row
        assert row.recall >= MIN_KIND_SCORE, row


# --- the service guard -------------------------------------------------------------------

NOTE = "Called Mr Jones back on 07700 900123 about CAD-20261005-0042."


def _overrides(ctx: Ctx) -> list[audit.AuditRow]:
    return [row for row in audit.entries(ctx) if row.action == OVERRIDE_ACTION]


def _guard(ctx: Ctx, text: str, reason: str | None) -> None:
    with ctx.writing(Permission.EDIT_DECISIONS) as session:
        guard_free_text(
            session,
            ctx,
            field="What went well",
            text=text,
            override_reason=reason,
            entity="coaching_note",
            entity_id=7,
        )


def test_clean_text_passes_without_an_audit_row(admin_ctx: Ctx) -> None:
    _guard(admin_ctx, "Good use of THRIVE on CAD-20261005-0042 at 07:00.", None)
    assert _overrides(admin_ctx) == []


def test_personal_data_without_a_reason_is_refused(admin_ctx: Ctx) -> None:
    with pytest.raises(PersonalDataFound) as caught:
        _guard(admin_ctx, NOTE, None)
    error = caught.value
    assert isinstance(error, ServiceError)
    assert error.field == "What went well"
    assert error.kinds == [K.PHONE, K.TITLED_NAME]
    assert "What went well" in error.message
    assert "phone number" in error.message and "title and name" in error.message
    assert all(isinstance(f, Finding) for f in error.findings)
    assert _overrides(admin_ctx) == []


def test_an_override_is_audited_with_the_reason_but_not_the_text(admin_ctx: Ctx) -> None:
    _guard(admin_ctx, NOTE, "  Needed for the IOPC referral  ")
    [row] = _overrides(admin_ctx)
    assert (row.entity, row.entity_id, row.actor) == ("coaching_note", "7", "test-admin")
    assert row.after == {
        "field": "What went well",
        "kinds": ["phone", "titled_name"],
        "findings": 2,
        "reason": "Needed for the IOPC referral",
    }
    assert "07700" not in str(row.after) and "Jones" not in str(row.after)


@pytest.mark.parametrize("reason", ["", "   ", "ask Mr Jones on 07700 900123", "x" * 501])
def test_an_empty_too_long_or_personal_reason_is_refused(admin_ctx: Ctx, reason: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _guard(admin_ctx, NOTE, reason)
    assert "What went well" in caught.value.field
    assert _overrides(admin_ctx) == []


def test_the_override_rolls_back_with_the_save_it_excuses(admin_ctx: Ctx) -> None:
    with pytest.raises(RuntimeError), admin_ctx.writing(Permission.EDIT_DECISIONS) as session:
        guard_free_text(
            session,
            admin_ctx,
            field="Agreed actions",
            text=NOTE,
            override_reason="Needed for the referral",
            entity="coaching_note",
            entity_id=None,
        )
        raise RuntimeError("the note itself failed to save")
    assert _overrides(admin_ctx) == []


def _check_digit(stem: str) -> int:
    total = sum(int(d) * w for d, w in zip(stem, range(10, 1, -1), strict=True))
    return (11 - total % 11) % 11


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: s[0] != "0"))
def test_every_valid_nhs_number_is_found_spaced_or_not(stem: str) -> None:
    check = _check_digit(stem)
    assume(check != 10)  # no NHS number starts with these nine digits
    number = stem + str(check)
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    assert found(f"patient {spaced} left") == [(K.NHS_NUMBER, spaced)]


_LOOK_ALIKES = st.one_of(
    st.builds("CAD-{:08d}-{:04d}".format, st.integers(20200101, 20301231), st.integers(0, 9999)),
    st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59)),
    st.builds("{:02d}:00-{:02d}:00".format, st.integers(0, 23), st.integers(0, 23)),
    st.builds("CO-{:04d}".format, st.integers(0, 9999)),
    st.builds("P{}".format, st.integers(1, 5)),
    st.builds("s{}".format, st.sampled_from([2, 3, 17, 135, 136])),
    st.builds("on {:02d}/{:02d}/2026".format, st.integers(1, 28), st.integers(1, 12)),
    st.sampled_from(["THRIVE", "Dr's surgery", "ward 7", "A&E", "not deployed", "the Dr said"]),
)


@given(st.lists(_LOOK_ALIKES, min_size=1, max_size=12))
def test_control_room_look_alikes_are_never_flagged(tokens: list[str]) -> None:
    assert scan(" ".join(tokens), today=TODAY) == []
