"""What the personal-data scanner reports: the kinds of identifier and one finding.

Kept apart from the rules so that each family of rules (``personal_data`` for fixed
shapes, ``personal_names`` for names, ``personal_places`` for addresses, vehicles and
descriptions) can build findings without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PersonalDataKind(StrEnum):
    """What sort of identifier a finding is."""

    PHONE = "phone"
    POSTCODE = "postcode"
    NHS_NUMBER = "nhs_number"
    DATE_OF_BIRTH = "date_of_birth"
    EMAIL = "email"
    TITLED_NAME = "titled_name"
    NAME = "name"
    ADDRESS = "address"
    VEHICLE = "vehicle_registration"
    AGE_AND_SEX = "age_and_sex"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    PersonalDataKind.PHONE: "Phone number",
    PersonalDataKind.POSTCODE: "Postcode",
    PersonalDataKind.NHS_NUMBER: "NHS number",
    PersonalDataKind.DATE_OF_BIRTH: "Date of birth",
    PersonalDataKind.EMAIL: "Email address",
    PersonalDataKind.TITLED_NAME: "Title and name",
    PersonalDataKind.NAME: "Name",
    PersonalDataKind.ADDRESS: "Street address",
    PersonalDataKind.VEHICLE: "Vehicle registration",
    PersonalDataKind.AGE_AND_SEX: "Age and sex",
}


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: where it is (``text[start:end]``) and why it was flagged."""

    kind: PersonalDataKind
    start: int
    end: int
    text: str
    explanation: str
