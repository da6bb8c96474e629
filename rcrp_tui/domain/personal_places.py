"""Street addresses, UK vehicle registrations and a person described by age and sex.

An address needs a house number or a flat and a street-type word ("14 Acacia Avenue",
"Flat 2, 27 Brook Street", "5 The Crescent"), or a named house ("Rose Cottage"): a road
named alone ("RTC on Oxford Road") is a place, not where someone lives. Vehicle
registrations are the three DVLA shapes in capitals: current ("AB12 CDE"), prefix
("A123 BCD") and suffix ("ABC 123D"), less the letter groups that are control-room
acronyms ("S136 MHA"). An age with a sex ("34-year-old man", "female aged 82") is only
reported when the same text names someone or gives an address (``scan`` decides that).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rcrp_tui.domain.personal_findings import Finding, PersonalDataKind

# --- street address ----------------------------------------------------------------------

_STREET_TYPES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Close|Crescent|Cres|Court|Ct|Way|Place|"
    "Gardens|Gdns|Grove|Gr|Terrace|Tce|Walk|Mews|Row|Square|Sq|Hill|Park|Parade|View|Rise|"
    "Green|Vale|Brow|Fold|Croft|Mount|Gate|Wharf|Boulevard|Circus|Crest|Dene|Drove|"
    "Embankment|Estate|Fields|Glade|Heights|Hollow|Meadow|Meadows|Oval|Passage|Promenade|"
    "Quay|Ridge|Strand|Villas|Yard|Approach|Bank|Chase|Common|Garth|Lea|Link|Nook|Orchard|"
    "Precinct|Reach|Ride|Wynd|Broadway|Causeway|Cottages|Buildings|Mansions|Apartments|"
    "Towers?|Point|House|Flats|Bridge|Parkway"
)
#: Every street-type word, for the name rules: a run of capitalised words with one is a place.
STREET_WORDS = frozenset(
    {*_STREET_TYPES.replace("?", "").split("|"), "Towers", "Parkway", "Bypass", "Expressway"}
)
# Words that are street types only after a street name, never a road alone: after "The"
# they make a street on their own ("5 The Crescent", "2 The Green").
_THE_STREETS = (
    "Crescent|Green|Close|Avenue|Drive|Grove|Mews|Parade|Square|Terrace|Walk|Row|Lane|Rise|"
    "Fold|Croft|Brow|Meadows|Paddock|Orchard|Spinney|Coppice|Glade|Dell|Willows|Beeches|"
    "Limes|Elms|Laurels|Hollies|Firs|Poplars|Oaks|Pines|Maltings|Sidings|Cloisters|Leys|"
    "Street|Boulevard|Causeway|Quadrant|Circle|Nook|Hamlet|Village|Chase|Gardens"
)
_NAME_WORD = r"(?:Mc|Mac|O['\u2019])?[A-Z][a-z'\u2019]+(?:-[A-Z][a-z]+)?"
_FLAT = r"(?:Flat|Apartment|Apt|Maisonette)\.?\s*\d{1,4}[A-Za-z]?"
_TOWN = rf"(?:,\s*(?!The\b){_NAME_WORD}(?:[ -]{_NAME_WORD})?(?![\w']))?"
_ADDRESS = re.compile(
    rf"(?<![\w:/.#-])(?=[\dFAM])(?:{_FLAT},?\s+)?"
    rf"(?:\d{{1,4}}[A-Za-z]?(?:-\d{{1,4}})?,?\s+"
    rf"(?:The\s+(?:{_THE_STREETS})|(?:{_NAME_WORD}\s+){{1,3}}(?:{_STREET_TYPES}))"
    rf"(?![\w-]){_TOWN}"
    rf"|{_FLAT},?\s+(?:{_NAME_WORD}\s+){{1,3}}(?:{_STREET_TYPES})(?![\w-]){_TOWN})"
)
# Named houses: "Rose Cottage", "Hill Top Farm", "The Old Vicarage".
_NAMED_HOUSE = re.compile(
    rf"(?<![\w-])(?=[A-Z])(?:(?:{_NAME_WORD}\s+){{1,2}}(?:Cottage|Farmhouse|Farm|Bungalow|Barn|Villa)"
    r"|The\s+Old\s+(?:Vicarage|Rectory|Parsonage|Manse|School|Schoolhouse|Forge|Mill|"
    r"Post\s+Office|Bakery|Dairy|Chapel|Smithy|Stables|Coach\s+House))(?![\w-])"
    rf"{_TOWN}"
)
# A building named as where someone lives: "her flat in Jubilee Court".
_HOME_BUILDING = re.compile(
    r"\b(?:flat|home|house|room|bedsit|address|lives|living|staying|stays|lodging)"
    r"\s+(?:is\s+)?(?:in|at)\s+"
    rf"(?P<building>(?:{_NAME_WORD}\s+){{1,2}}"
    r"(?:Court|House|Mansions|Towers?|Heights|Lodge|Point|Buildings|Apartments|Flats|Hall))"
    r"(?![\w-])"
)
# A number after these words is a call sign, a bed, a ward or a junction, not a house.
_NOT_A_HOUSE_NUMBER = re.compile(
    r"(?:\b(?:Alpha|Bravo|Charlie|Delta|Echo|Foxtrot|Golf|Hotel|India|Juliet|Kilo|Lima|Mike|"
    r"November|Oscar|Papa|Quebec|Romeo|Sierra|Tango|Uniform|Victor|Whiskey|Whisky|Xray|"
    r"X-ray|Yankee|Zulu|ward|bed|bay|room|unit|junction|jct|j|section|sector|gate|platform|"
    r"level|floor|route|bus|tram|car|van|cell|desk|channel|talkgroup|grade|priority|"
    r"the)\s+$)",
    re.IGNORECASE,
)


def find_addresses(text: str) -> Iterator[Finding]:
    """House numbers or flats with a street, and named houses, in ``text``."""
    for m in _ADDRESS.finditer(text):
        before = text[max(0, m.start() - 12) : m.start()]
        if not m.group().startswith(("Flat", "Apartment", "Apt", "Maisonette")) and (
            _NOT_A_HOUSE_NUMBER.search(before)
        ):
            continue
        yield Finding(
            PersonalDataKind.ADDRESS,
            m.start(),
            m.end(),
            m.group(),
            "a house number or flat with a street name: where someone lives",
        )
    for m in _HOME_BUILDING.finditer(text):
        yield Finding(
            PersonalDataKind.ADDRESS,
            m.start("building"),
            m.end("building"),
            m.group("building"),
            "the building someone lives in",
        )
    for m in _NAMED_HOUSE.finditer(text):
        yield Finding(
            PersonalDataKind.ADDRESS,
            m.start(),
            m.end(),
            m.group(),
            "a named house: where someone lives",
        )


# --- vehicle registration ----------------------------------------------------------------

# DVLA shapes in capitals. Current (2001 on): area letters, age identifier 02-29 or 51-79,
# three letters. Prefix (1983-2001): one letter, 1-3 digits, three letters. Suffix
# (1963-1983): three letters, 1-3 digits, one letter. I, Q and Z (and U, O in some places)
# are never issued where they are left out below.
_CURRENT = r"[A-HJ-PR-Y][A-HJ-PR-Y](?:0[2-9]|[12]\d|5[1-9]|[67]\d)\s?[A-HJ-PR-Z]{3}"
_PREFIX = r"[A-HJ-NPR-Y]\d{1,3}\s?(?P<p>[A-HJ-PR-Y]{3})"
_SUFFIX = r"(?P<s>[A-HJ-PR-Y]{3})\s?\d{1,3}[A-HJ-NPR-Y]"
_VEHICLE = re.compile(rf"(?<![\w/-])(?=[A-Z])(?:(?P<c>{_CURRENT})|{_PREFIX}|{_SUFFIX})(?![\w/-])")
# Three capitals typed next to a number in control-room text that are not plate letters.
_ACRONYM_TEXT = """
    MHA MCA NHS CAD RTC ASB PNC NFA ASC GMP MPS NWA YAS EMS CRT HTT MHL LPS DOB ETA UTC
    GMT BST THE AND FOR NOT WAS HAS ARE BUT YES ALL OFF CID SIO OIC TAC POL AMB HCP MIU ICU
    HDU CCU AMU ACC DCC EDT OOH SMS FYI TBC TBA RIP MSG RTA OCD PPE BWV VRM VEH REG MOT FPN
    HMP YOI SOS AWL ASD CPN CMH CMHT AMP PCC NPC CPS DVA DSH OST ACE MAR CAB NDM PIP SMT
    DOA EOD RPU ARV DOG TSG OPS BTP ABH GBH KPI RAG QAL AAA AED LAS SAS OPD"""
_ACRONYMS = frozenset(_ACRONYM_TEXT.split())


def find_vehicles(text: str) -> Iterator[Finding]:
    """UK number plates in ``text`` (current, prefix and suffix formats)."""
    for m in _VEHICLE.finditer(text):
        if m.group("c"):
            why = "UK number plate (two letters, two digits, three letters)"
        elif m.group("p"):
            if m.group("p") in _ACRONYMS:
                continue
            why = "UK number plate, prefix style (a letter, digits, three letters)"
        else:
            if m.group("s") in _ACRONYMS:
                continue
            why = "UK number plate, suffix style (three letters, digits, a letter)"
        yield Finding(PersonalDataKind.VEHICLE, m.start(), m.end(), m.group(), why)


# --- age and sex -------------------------------------------------------------------------

_SEX = (
    r"(?:man|woman|male|female|boy|girl|lady|gentleman|gent|lad|chap|mother|father|mum|dad|"
    r"son|daughter|brother|sister|husband|wife|grandson|granddaughter|grandmother|"
    r"grandfather|nephew|niece|boyfriend|girlfriend)"
)
_AGE_AND_SEX = re.compile(
    rf"(?<![\w-])(?:"
    rf"\d{{1,3}}\s*[- ]?\s*(?:years?|yrs?|yr)[- ]old\s+{_SEX}"
    rf"|\d{{1,3}}\s*(?:yo|y/o|y\.o\.|yrs?)\s+{_SEX}"
    rf"|{_SEX},?\s+(?:aged|age|of)\s+\d{{1,3}}"
    rf"|{_SEX}\s+in\s+(?:his|her|their)\s+(?:early\s+|mid\s+|mid-|late\s+)?"
    r"(?:\d0s|teens|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)"
    rf"|{_SEX},\s+\d{{1,3}}(?=[,.;)]|\s+(?:years|yrs|yo)\b)"
    rf"|\d{{1,3}},\s+{_SEX}(?=[,.;)])"
    r"|(?-i:\(\s*[MF],?\s*\d{1,3}\s*\)|\b\d{1,3}\s*[MF]\b(?=[,.;)])))",
    re.IGNORECASE,
)


def find_ages_and_sexes(text: str) -> Iterator[Finding]:
    """Descriptions like "34-year-old man" (``scan`` keeps them only beside a name/address)."""
    for m in _AGE_AND_SEX.finditer(text):
        yield Finding(
            PersonalDataKind.AGE_AND_SEX,
            m.start(),
            m.end(),
            m.group(),
            "an age and sex which, with the name or address also given here, point to one person",
        )
