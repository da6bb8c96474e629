"""Find personal data in free text before it is saved.

QA records must hold the CAD reference and staff ids, never the identity of the person
the call was about (domain §9). Notes are typed by people under time pressure, so this
scanner looks for the identifiers that leak most often: UK phone numbers, postcodes,
NHS numbers, dates of birth, email addresses and a title followed by a name here, and,
in ``personal_names`` and ``personal_places``, names without a title, street addresses,
vehicle registrations and an age with a sex beside a name or address.

The text it reads is full of look-alikes: CAD references (``CAD-20261005-0042``), times
and shift ranges (``07:00-19:00``), grades (``P1``), sections (``s136``), staff ids
(``CO-1001``) and incident dates. Every rule is built to stay quiet on those, trading
a little recall for few false alarms, because a guard that cries wolf gets overridden
by habit. ``docs/personal-data-guard.md`` lists what is and is not caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from rcrp_tui.domain.personal_findings import Finding, PersonalDataKind
from rcrp_tui.domain.personal_names import NameGazetteer, find_names, shared_gazetteer
from rcrp_tui.domain.personal_places import find_addresses, find_ages_and_sexes, find_vehicles

__all__ = [
    "Finding",
    "NameGazetteer",
    "PersonalDataKind",
    "kinds_found",
    "nhs_check_digit_valid",
    "scan",
    "scan_fixed_shapes",
]


# --- email -------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)


def _emails(text: str) -> Iterator[Finding]:
    for m in _EMAIL.finditer(text):
        yield Finding(
            PersonalDataKind.EMAIL, m.start(), m.end(), m.group(), "looks like an email address"
        )


# --- NHS number ------------------------------------------------------------------------

# Ten digits, run together or spaced/hyphenated 3-3-4, not part of a longer number or
# reference (a hyphen or slash before or after means a CAD reference or a date).
_NHS = re.compile(r"(?<![\w/.-])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w/-]|\.\d)")


def nhs_check_digit_valid(digits: str) -> bool:
    """True when the 10-digit ``digits`` pass the NHS modulus-11 check.

    Weights 10 down to 2 apply to the first nine digits; the check digit is
    ``11 - (sum mod 11)``, where 11 means 0 and 10 means the number cannot exist.
    """
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_numbers(text: str) -> Iterator[Finding]:
    for m in _NHS.finditer(text):
        digits = m.group(1) + m.group(3) + m.group(4)
        if nhs_check_digit_valid(digits):
            yield Finding(
                PersonalDataKind.NHS_NUMBER,
                m.start(),
                m.end(),
                m.group(),
                "10 digits with a valid NHS check digit",
            )


# --- phone -------------------------------------------------------------------------------

# A candidate starts with +44, 0044 or a 0 (optionally bracketed) that is not inside
# another token; times ("07:00"), dates ("01/03") and references ("-0042") stop at the
# first character outside digits, single spaces, dots, hyphens and brackets.
_PHONE = re.compile(
    r"(?<![\w+/.:#-])(?P<prefix>(?:\+44|0044)[ -]?(?:\(0\)[ -]?)?|\(?)"
    r"(?P<body>\d+(?:\)?[ .-]?\(?\d+){0,7})"  # at most eight groups keeps this linear
)
_DIGIT_GROUP = re.compile(r"\d+")
_PHONE_PREFIXES = ("1", "2", "3", "7")


def _valid_national(national: str) -> bool:
    if not national.startswith("0") or national[1:2] not in _PHONE_PREFIXES:
        return False
    return len(national) == 11 or (len(national) == 10 and national.startswith("01"))


def _phone_end(text: str, m: re.Match[str]) -> tuple[int, str] | None:
    """The end of the longest valid UK number in the candidate, and its national digits.

    Trailing groups are dropped one at a time so "07700 900123 2 officers" still finds
    the number, while twelve digits run together are a reference, not a phone number.
    """
    international = m.group("prefix").strip("( ")
    body_start = m.start("body")
    ends: list[tuple[int, str]] = []
    digits = ""
    for group in _DIGIT_GROUP.finditer(m.group("body")):
        digits += group.group()
        ends.append((body_start + group.end(), digits))
    if ends and text[ends[-1][0] : ends[-1][0] + 1].isalpha():
        return None  # "07700900123abc" is a reference or a code, not a number typed alone
    for end, found in reversed(ends):
        national = found if not international or found.startswith("0") else "0" + found
        if _valid_national(national):
            return end, national
    return None


def _phones(text: str) -> Iterator[Finding]:
    for m in _PHONE.finditer(text):
        if not m.group("prefix").strip("( ") and not m.group("body").startswith("0"):
            continue
        hit = _phone_end(text, m)
        if hit is None:
            continue
        end, national = hit
        what = "mobile" if national.startswith("07") else "landline"
        yield Finding(
            PersonalDataKind.PHONE,
            m.start(),
            end,
            text[m.start() : end],
            f"UK {what} number format ({len(national)} digits)",
        )


# --- postcode ----------------------------------------------------------------------------

# The Royal Mail shapes A9, A99, AA9, AA99, A9A and AA9A, then the inward code 9AA.
# Requiring the inward code is what keeps "s136", "P1" and call signs out.
_POSTCODE = re.compile(
    r"\b([A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE
)
_ORDINALS = {"st", "nd", "rd", "th"}


def _postcodes(text: str) -> Iterator[Finding]:
    for m in _POSTCODE.finditer(text):
        outward, inward = m.group(1), m.group(2)
        if not m.group().isupper():
            # Typed in lower case: only the unambiguous shape (two-letter area, no
            # ordinal like "2nd" or unit like "3hr") counts, so "p2 2nd" is left alone.
            letters = sum(ch.isalpha() for ch in outward[:2])
            if letters < 2 or inward[1:].lower() in _ORDINALS | {"hr", "hrs"}:
                continue
            if not (m.group().islower() or outward.isupper()):
                continue
        yield Finding(
            PersonalDataKind.POSTCODE,
            m.start(),
            m.end(),
            m.group(),
            "UK postcode format (outward and inward code)",
        )


# --- date of birth -----------------------------------------------------------------------

_MONTHS = {
    name: index
    for index, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"""(?<![\w/.-])(?:
        (?P<d1>\d{{1,2}})(?P<sep>[/.-])(?P<m1>\d{{1,2}})(?P=sep)(?P<y1>\d{{4}}|\d{{2}})
      | (?P<y2>\d{{4}})-(?P<m2>\d{{1,2}})-(?P<d2>\d{{1,2}})
      | (?P<d3>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m3>{_MONTH_RE})\.?,?\s+
        (?P<y3>\d{{4}}|'?\d{{2}})
      | (?P<m4>{_MONTH_RE})\.?\s+(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y4>\d{{4}})
    )(?![\w/-])""",
    re.IGNORECASE | re.VERBOSE,
)
# Birth words straight before the date, joined to it only by punctuation or a linking
# word ("DOB: ", "born on ", "date of birth is "), or "(DOB)" right after it. Anything
# else between ("DOB unknown, seen 12/03/2026") breaks the link: that is an incident date.
_BIRTH_BEFORE = re.compile(
    r"(?:\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bborn\b|\bbirthday\b|\bb\.)"
    r"\s*[:=(,-]?\s*(?:(?:is|was|on|as|of|given\s+as|recorded\s+as|stated\s+as)\s+)?$",
    re.IGNORECASE,
)
_BIRTH_AFTER = re.compile(r"^\s*\(\s*(?:d\.?o\.?b\.?|date of birth|born)\s*\)", re.IGNORECASE)
_MAX_AGE = 110


def _date_parts(m: re.Match[str]) -> tuple[int, int, int] | None:
    g = m.groupdict()
    for day_key, month_key, year_key in (("d1", "m1", "y1"), ("d2", "m2", "y2"),
                                         ("d3", "m3", "y3"), ("d4", "m4", "y4")):  # fmt: skip
        if g[day_key] is None:
            continue
        raw_month = g[month_key]
        month = int(raw_month) if raw_month.isdigit() else _MONTHS[raw_month.lower()]
        return int(g[day_key]), month, int(g[year_key].lstrip("'"))
    return None


def _full_year(year: int, today: date | None) -> int:
    if year >= 100:
        return year
    # Two-digit birth years: the latest century that does not put the birth in the future.
    this_year = today.year if today else 2099
    century = this_year - this_year % 100
    return century + year if century + year <= this_year else century - 100 + year


def _plausible_birth(day: int, month: int, year: int, today: date | None) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    if today is None:
        return 1900 <= year <= 2100
    return born <= today and today.year - year <= _MAX_AGE


def _dates_of_birth(text: str, today: date | None) -> Iterator[Finding]:
    for m in _DATE.finditer(text):
        parts = _date_parts(m)
        if parts is None:
            continue
        day, month, year = parts
        year = _full_year(year, today)
        before = text[max(0, m.start() - 40) : m.start()]
        context = _BIRTH_BEFORE.search(before) or _BIRTH_AFTER.match(text[m.end() :])
        if context and _plausible_birth(day, month, year, today):
            yield Finding(
                PersonalDataKind.DATE_OF_BIRTH,
                m.start(),
                m.end(),
                m.group(),
                f"a full date next to {context.group().strip()!r}",
            )


# --- title and name ----------------------------------------------------------------------

# Title case only: "Dr's surgery" (possessive), "the dr said" and "MS" (the illness) are
# not a title before a name. Initials may sit between the title and the surname.
_TITLED_NAME = re.compile(
    r"\b(?P<title>Mrs|Mr|Ms|Miss|Mx|Dr)\.?[ \t]+(?:[A-Z]\.?[ \t]+)*"
    r"(?P<name>(?:Mc|Mac|O['\u2019]|D['\u2019])?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b"
)
# Capitalised words that follow a title in control-room writing without being a name.
_NOT_NAMES = {
    "Surgery", "Surgeries", "Practice", "Appointment", "Unknown", "Not", "The", "And", "Or",
    "On", "At", "To", "Was", "Is", "Has", "Had", "Said", "Called", "Rang", "Who", "Advised",
    "Attended", "Name", "Withheld", "Redacted", "Details",
    # "Ms Teams" and friends: office software typed in title case.
    "Teams", "Word", "Excel", "Forms", "Outlook",
}  # fmt: skip


def _titled_names(text: str) -> Iterator[Finding]:
    for m in _TITLED_NAME.finditer(text):
        if m.group("name") in _NOT_NAMES:
            continue
        yield Finding(
            PersonalDataKind.TITLED_NAME,
            m.start(),
            m.end(),
            m.group(),
            f"the title {m.group('title')!r} followed by a capitalised name",
        )


# --- all together ------------------------------------------------------------------------

# When two findings overlap, the earlier kind in this order wins (an email address can
# contain digits that look like a phone number, an NHS number must not be read as a date).
_PRIORITY = (
    PersonalDataKind.EMAIL,
    PersonalDataKind.NHS_NUMBER,
    PersonalDataKind.PHONE,
    PersonalDataKind.DATE_OF_BIRTH,
    PersonalDataKind.POSTCODE,
    PersonalDataKind.VEHICLE,
    PersonalDataKind.ADDRESS,
    PersonalDataKind.TITLED_NAME,
    PersonalDataKind.NAME,
    PersonalDataKind.AGE_AND_SEX,
)
# An age and sex identify someone only beside one of these.
_IDENTIFYING = {
    PersonalDataKind.TITLED_NAME,
    PersonalDataKind.NAME,
    PersonalDataKind.ADDRESS,
    PersonalDataKind.POSTCODE,
}


def scan_fixed_shapes(text: str, *, today: date | None = None) -> list[Finding]:
    """Only the fixed-shape rules (phone, postcode, NHS number, date of birth, email,
    title and name): the scanner as it was before names and addresses, kept as the
    speed anchor in ``bench/pii_corpus_report.py``."""
    return _keep_apart(
        [
            *_emails(text),
            *_nhs_numbers(text),
            *_phones(text),
            *_dates_of_birth(text, today),
            *_postcodes(text),
            *_titled_names(text),
        ]
    )


def _keep_apart(found: list[Finding]) -> list[Finding]:
    found.sort(key=lambda f: (_PRIORITY.index(f.kind), f.start))
    kept: list[Finding] = []
    for finding in found:
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: (f.start, f.end))


def scan(
    text: str, *, today: date | None = None, names: NameGazetteer | None = None
) -> list[Finding]:
    """Every piece of personal data found in ``text``, in order of position.

    ``today`` bounds a plausible date of birth (age 0 to 110); without it any year
    from 1900 to 2100 is accepted next to birth words. ``names`` is the gazetteer for
    names without a title; by default the shared one, loaded on first use (a call made
    while it loads waits for it).
    """
    gazetteer = names if names is not None else shared_gazetteer()
    found = [
        *_emails(text),
        *_nhs_numbers(text),
        *_phones(text),
        *_dates_of_birth(text, today),
        *_postcodes(text),
        *_titled_names(text),
        *find_vehicles(text),
        *find_addresses(text),
        *find_names(text, gazetteer),
    ]
    kept = _keep_apart(found)
    if any(f.kind in _IDENTIFYING for f in kept):
        kept = _keep_apart([*kept, *find_ages_and_sexes(text)])
    return kept


def kinds_found(findings: list[Finding]) -> list[PersonalDataKind]:
    """The distinct kinds in ``findings``, in a fixed order (for messages and audit rows)."""
    present = {f.kind for f in findings}
    return [kind for kind in PersonalDataKind if kind in present]
