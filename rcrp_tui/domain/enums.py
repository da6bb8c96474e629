"""The fixed vocabularies of a decision: categories, caller types, outcomes and roles.

Values are stored as their ``value`` strings, so the database stays readable and a
vocabulary can grow without a schema change. ``label`` is what a person reads.
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry a human label."""

    @property
    def label(self) -> str:
        return _LABELS.get(self, self.value.replace("_", " ").capitalize())

    @classmethod
    def label_of(cls, value: str) -> str:
        """The label of a stored value; the value itself when it is not a member (a value
        from a newer vocabulary is shown as stored rather than failing)."""
        try:
            return cls(value).label
        except ValueError:
            return value

    @classmethod
    def parse(cls, raw: str) -> LabelledEnum:
        """Accept a value or a label, case-insensitively; raise ValueError naming the choices."""
        text = raw.strip().lower()
        for member in cls:
            if text in (member.value, member.label.lower()):
                return member
        choices = ", ".join(m.value for m in cls)
        raise ValueError(f"{raw!r} is not a known {cls.__name__}; expected one of: {choices}")


class Role(LabelledEnum):
    ADMINISTRATOR = "administrator"
    QA_LEAD = "qa_lead"
    SUPERVISOR = "supervisor"
    FLOORWALKER = "floorwalker"
    CONTACT_OFFICER = "contact_officer"


class Category(LabelledEnum):
    """RCRP incident category (stored apart from the implementation phase)."""

    CONCERN_FOR_WELFARE = "concern_for_welfare"
    WALK_OUT = "walk_out"
    AWOL = "awol"
    MEDICAL = "medical"
    CONVEYANCE = "conveyance"
    S136_S135 = "s136_s135"
    VOLUNTARY = "voluntary"
    OTHER = "other"


class CallerType(LabelledEnum):
    PUBLIC = "public"
    AMBULANCE = "ambulance"
    MENTAL_HEALTH_TRUST = "mental_health_trust"
    ACUTE_HOSPITAL = "acute_hospital"
    SOCIAL_CARE = "social_care"
    OTHER_PARTNER = "other_partner"

    @property
    def is_partner(self) -> bool:
        return self is not CallerType.PUBLIC


class Outcome(LabelledEnum):
    """What the control room did: deployed, or not deployed by which route."""

    DEPLOYED = "deployed"
    SIGNPOSTED = "signposted"
    TRANSFERRED_AMBULANCE = "transferred_ambulance"
    REFERRED_HEALTH = "referred_health"
    REFERRED_SOCIAL_CARE = "referred_social_care"

    @property
    def deployed(self) -> bool:
        return self is Outcome.DEPLOYED


class ThresholdBasis(LabelledEnum):
    """Which part of the police threshold the decision relied on (docs/domain-rules.md §2)."""

    CRIME = "crime"
    RISK_TO_LIFE = "risk_to_life"
    SERIOUS_HARM = "serious_harm"
    OTHER_DUTY = "other_duty"
    VIOLENCE = "violence"
    NONE = "none"


class Shift(LabelledEnum):
    """Shift types across the common control-room patterns."""

    DAY = "day"
    NIGHT = "night"
    EARLY = "early"
    LATE = "late"


_LABELS: dict[StrEnum, str] = {
    Role.QA_LEAD: "QA lead",
    Category.CONCERN_FOR_WELFARE: "Concern for welfare",
    Category.WALK_OUT: "Walk-out from healthcare",
    Category.AWOL: "AWOL (detained patient)",
    Category.MEDICAL: "Medical incident",
    Category.CONVEYANCE: "Conveyance",
    Category.S136_S135: "s136 / s135",
    Category.VOLUNTARY: "Voluntary patient",
    Category.OTHER: "Other",
    CallerType.PUBLIC: "Public",
    CallerType.AMBULANCE: "Ambulance service",
    CallerType.MENTAL_HEALTH_TRUST: "Mental-health trust",
    CallerType.ACUTE_HOSPITAL: "Acute hospital",
    CallerType.SOCIAL_CARE: "Social care",
    CallerType.OTHER_PARTNER: "Other partner",
    Outcome.DEPLOYED: "Deployed",
    Outcome.SIGNPOSTED: "Not deployed: signposted",
    Outcome.TRANSFERRED_AMBULANCE: "Not deployed: transferred to ambulance",
    Outcome.REFERRED_HEALTH: "Not deployed: referred to health",
    Outcome.REFERRED_SOCIAL_CARE: "Not deployed: referred to social care",
    ThresholdBasis.RISK_TO_LIFE: "Risk to life",
    ThresholdBasis.SERIOUS_HARM: "Serious harm",
    ThresholdBasis.OTHER_DUTY: "Other legal duty",
}
