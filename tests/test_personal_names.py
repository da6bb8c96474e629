"""Names without a title, street addresses, vehicle registrations and age with sex; the
allow-list that keeps places and teams out; loading the name lists off start-up."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from rcrp_tui.domain.appeals import check_organisation
from rcrp_tui.domain.personal_data import PersonalDataKind, scan
from rcrp_tui.domain.personal_names import (
    AllowListError,
    load_gazetteer,
    parse_allow_list,
    shared_gazetteer,
)

TODAY = date(2026, 11, 24)
K = PersonalDataKind


def found(text: str) -> list[tuple[PersonalDataKind, str]]:
    return [(f.kind, f.text) for f in scan(text, today=TODAY)]


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # the shapes in issue 19
        ("Handler spoke to John Smith twice before grading.", "John Smith"),
        ("Peter Walsh, the patient, was calm when crews arrived.", "Peter Walsh"),
        ("Mother (Karen Ellis) reported him missing at 22:10.", "Karen Ellis"),
        ("The handler told Liam he should call 111.", "Liam"),
        ("Tom Reid's neighbour rang about the noise.", "Tom Reid"),
        # subject, object, possessive, brackets, "named as", "called", "spoke to"
        ("Bethany Clarke said she would stay with her dad.", "Bethany Clarke"),
        ("Crew found Declan asleep in the stairwell.", "Declan"),
        ("Megan's phone had died so she used a neighbour's.", "Megan"),
        ("The caller (Imogen) gave no address.", "Imogen"),
        ("Male named as Olumide Adeyemi was shouting in the street.", "Olumide Adeyemi"),
        ("A girl called Kayleigh rang from the park.", "Kayleigh"),
        ("Handler spoke with Marek about the medication.", "Marek"),
        ("Her son, Imran, stayed on the line.", "Imran"),
        ("Double-barrelled: Ellie-Mae Turner rang again.", "Ellie-Mae Turner"),
        ("Irish surname: Siobhan O'Sullivan called back.", "Siobhan O'Sullivan"),
        ("Sister Grace Hall rang from the flat.", "Grace Hall"),
    ],
)
def test_names_without_a_title_are_found(text: str, name: str) -> None:
    assert (K.NAME, name) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Victoria Police were consulted about the cross-border element.",
        "Royal Oldham Hospital A&E asked for police to stay.",
        "Crisis Resolution Home Treatment Team will visit tomorrow.",
        "Team A were short on nights; the supervisor covered.",
        "PC 4512, DS Hughes' team and the Insp on duty agreed; Sgt 1190 reviewed.",
        "Reviewed on Monday 9 March, graded in May, closed by Christmas.",
        "NHS 111 option 2 given; the AMHP was contacted through the EDT.",
        "THRIVE: Threat low, Harm moderate, Risk low, Vulnerability high, Engagement good.",
        "Call sign Charlie 4 and India 99 were committed elsewhere.",
        "Will the supervisor check the grade. Mark the log as closed. Grace period ended.",
        "RTC on Oxford Road, two units on Stockport Road, none for the welfare job.",
        "Detained under s136 MHA and taken to Park House at North Manchester General.",
        "Kingsway and Princess Parkway were gridlocked, delaying the crew.",
    ],
)
def test_places_teams_ranks_and_everyday_words_are_not_names(text: str) -> None:
    assert found(text) == []


def test_a_forename_that_is_an_everyday_word_needs_a_surname_or_a_naming_phrase() -> None:
    assert found("Will attend at 10:00.") == []
    assert (K.NAME, "Will") in found("The handler told Will to wait outside.")
    assert (K.NAME, "Will Barker") in found("Will Barker rang twice.")


# --- the allow-list ----------------------------------------------------------------------


def test_a_force_allow_list_adds_local_places_and_teams(tmp_path: Path) -> None:
    text = "Escalated to the Kirsty Lane Hub, then spoke to Arlo Benton at Marlowe Mead."
    shipped = load_gazetteer()
    assert [f.text for f in scan(text, names=shipped)] == ["Arlo Benton"]
    plain = "The Harriet Tubman unit took the call."
    assert [f.text for f in scan(plain, names=shipped)] == ["Harriet Tubman"]
    force = tmp_path / "allow.toml"
    force.write_text('[allow]\nphrases = ["Harriet Tubman"]\n', encoding="utf-8")
    local = load_gazetteer(force)
    assert local.warning is None
    assert scan(plain, names=local) == []
    assert [f.text for f in scan(text, names=local)] == ["Arlo Benton"]  # still a person


def test_a_broken_force_allow_list_is_reported_and_the_shipped_one_still_applies(
    tmp_path: Path,
) -> None:
    force = tmp_path / "allow.toml"
    force.write_text("[allow\nwords = 3", encoding="utf-8")
    names = load_gazetteer(force)
    assert names.warning is not None and "not valid TOML" in names.warning
    assert scan("Victoria Police and John Smith", names=names)[0].text == "John Smith"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[allow]\nwords = 'Bury'\n", "[allow] words must be a list of strings"),
        ("[allow]\nwords = [1, 2]\n", "[allow] words must be a list of strings"),
        ("[places]\nwords = []\n", "unknown table(s) places"),
        ("allow = 3\n", "[allow] must be a table"),
    ],
)
def test_allow_list_mistakes_are_named(toml: str, message: str) -> None:
    with pytest.raises(AllowListError, match=re.escape(message)):
        parse_allow_list(toml, "force.toml")


def test_the_shipped_allow_list_reads_cleanly() -> None:
    names = shared_gazetteer()
    assert "Victoria Police" in names.allow.phrases
    assert {"Sgt", "Insp", "PC", "Monday", "January"} <= names.allow.words
    assert "faker" in names.source and len(names.forenames) > 5000


# --- addresses, vehicles, age and sex ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Lives at 14 Acacia Avenue, Leeds with her son.", "14 Acacia Avenue, Leeds"),
        ("Crew went to Flat 2, 27 Brook Street and found it empty.", "Flat 2, 27 Brook Street"),
        ("He is back at 5 The Crescent tonight.", "5 The Crescent"),
        ("Caller at 112 Oxford Road, Manchester wants a callback.", "112 Oxford Road, Manchester"),
        ("Carers at Holly Cottage, Mill Lane say she is safe.", "Holly Cottage, Mill Lane"),
        ("Reached her at her flat in Jubilee Court.", "Jubilee Court"),
        ("Resident of 56A Heaton Moor Road fell.", "56A Heaton Moor Road"),
    ],
)
def test_street_addresses_are_found(text: str, address: str) -> None:
    assert (K.ADDRESS, address) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "RTC on Oxford Road at 14:05 Oxford Road was closed.",
        "Call sign Bravo 21 Cheetham Hill area; ward 12 Moorside Unit.",
        "Two units went to Market Street; 3 officers at Piccadilly Gardens.",
        "Junction 18 of the M60 and the A56 Bury New Road were shut.",
    ],
)
def test_roads_named_alone_call_signs_and_counts_are_not_addresses(text: str) -> None:
    assert [k for k, _ in found(text)] == []


@pytest.mark.parametrize(
    "plate", ["AB12 CDE", "YP19KLM", "A123 BCD", "R452 FJK", "ABC 123D", "JHT 482N"]
)
def test_vehicle_registrations_in_all_three_formats_are_found(plate: str) -> None:
    assert found(f"Car {plate} seen leaving the car park.") == [(K.VEHICLE, plate)]


@pytest.mark.parametrize(
    "text",
    ["Detained under S136 MHA at 23:40.", "GRADED P1 AND P2.", "CAD 123A NHS 111A", "M60 J18"],
)
def test_acronyms_next_to_numbers_are_not_plates(text: str) -> None:
    assert [k for k, _ in found(text)] == []


def test_age_and_sex_are_reported_only_beside_a_name_or_address() -> None:
    assert found("Concern for a 34-year-old man who left the ward.") == []
    assert found("Concern for a 34-year-old man at 12 Lime Grove.") == [
        (K.AGE_AND_SEX, "34-year-old man"),
        (K.ADDRESS, "12 Lime Grove"),
    ]
    assert (K.AGE_AND_SEX, "female aged 61") in found("Gail Nuttall, female aged 61, left.")
    assert (K.AGE_AND_SEX, "(M, 29)") in found("Daniel Price (M, 29) was sectioned.")


def test_every_finding_explains_itself() -> None:
    text = (
        "Spoke to John Smith, a 40-year-old man, at 14 Acacia Avenue about car AB12 CDE; "
        "Mrs Jones rang on 07700 900123."
    )
    findings = scan(text, today=TODAY)
    assert {f.kind for f in findings} == {
        K.NAME,
        K.AGE_AND_SEX,
        K.ADDRESS,
        K.VEHICLE,
        K.TITLED_NAME,
        K.PHONE,
    }
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
        assert len(finding.explanation) > 15


# --- loading off start-up ----------------------------------------------------------------


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_starting_the_app_does_not_import_the_name_lists() -> None:
    out = _run(
        """
        import sys
        import rcrp_tui.ui.shell.app
        import rcrp_tui.domain.personal_data
        print(sorted({m.split(".")[0] for m in sys.modules if m.startswith("faker")}))
        """
    )
    assert out == "[]"


def test_preloading_in_the_background_loads_the_lists_once() -> None:
    out = _run(
        """
        from rcrp_tui.domain import name_lists as n
        assert not n.is_loaded()
        n.preload_in_background().join()
        first = n.shared_gazetteer()
        print(n.is_loaded(), first is n.shared_gazetteer())
        """
    )
    assert out == "True True"


# --- labels that must name an organisation or role ---------------------------------------


@pytest.mark.parametrize(
    "partner",
    [
        "North West Ambulance Service",
        "Royal Oldham Hospital",
        "Crisis Resolution Home Treatment Team",
        "Greater Manchester Mental Health NHS Foundation Trust",
        "Adult Social Care",
    ],
)
def test_partner_organisations_and_learning_owners_pass(partner: str) -> None:
    assert check_organisation(partner) == partner


@pytest.mark.parametrize("person", ["John Smith", "Karen Ellis at the trust", "07700 900123"])
def test_an_untitled_name_is_not_an_organisation_or_owner(person: str) -> None:
    with pytest.raises(ValueError, match="not a person's name"):
        check_organisation(person)


def test_a_name_after_a_rank_is_an_officer_and_not_reported() -> None:
    assert found("PC Jones attended and Sgt Mark Davies reviewed it.") == []
    assert (K.NAME, "Mark Davies") in found("Mark Davies reviewed it.")
