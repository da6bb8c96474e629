"""Rationale excerpts for demo decisions, composed from short control-room phrases.

An excerpt is: what was reported (per category), what the handler found against the
threshold (per basis), what was done (per outcome) and, sometimes, a closing line. The
phrases are generic on purpose: no names, addresses, phone numbers, dates of birth or
anything else that could identify a person (docs/domain-rules.md §9). A small share are thin
boilerplate ("THRIVE considered. NFA."), because real logs contain them and QA exists to
find them.
"""

from __future__ import annotations

from collections.abc import Callable

from rcrp_tui.domain.enums import Category, Outcome, ThresholdBasis

_C = Category
_B = ThresholdBasis
_O = Outcome

#: What was reported, per category, when the caller is a member of the public.
PUBLIC_SITUATIONS: dict[Category, tuple[str, ...]] = {
    _C.CONCERN_FOR_WELFARE: (
        "Caller concerned for adult neighbour not seen for several days.",
        "Family member reports adult not answering calls since this morning.",
        "Caller reports adult in distress in the street, now walked away.",
        "Caller concerned for adult known to mental-health services.",
        "Caller reports adult who made concerning statements on a call.",
        "Caller worried about elderly relative living alone, no answer at door.",
        "Caller passing on a concern from a friend; few details known.",
    ),
    _C.MEDICAL: (
        "Caller reports adult collapsed, conscious and breathing.",
        "Caller reports person unwell behind a locked door, responding verbally.",
        "Caller reports adult intoxicated and unwell in a public place.",
        "Caller reports fall at home, person unable to get up.",
    ),
    _C.WALK_OUT: (
        "Caller reports person in hospital clothing walking near the hospital.",
        "Relative reports patient has left A&E and gone home.",
    ),
    _C.AWOL: (
        "Relative reports detained patient has come home while on leave.",
        "Caller believes a patient absent from a ward is at a friend's address.",
    ),
    _C.CONVEYANCE: (
        "Relative asks police to take a patient to hospital for assessment.",
        "Caller asks for transport for a relative awaiting a mental-health bed.",
    ),
    _C.S136_S135: (
        "Caller reports person in crisis in a public place; s136 may be needed at scene.",
        "Caller reports person at height expressing intent to harm self.",
        "Caller reports person in distress on a bridge, refusing help from passers-by.",
    ),
    _C.VOLUNTARY: (
        "Relative asks police to return a voluntary patient to the ward.",
        "Voluntary patient asks police for transport home from the ward.",
    ),
    _C.OTHER: (
        "Caller seeking police advice on a health-related concern.",
        "Caller reports an argument at a care setting; no injury reported.",
        "Caller asks police to check on a relative after a missed appointment.",
    ),
}

#: What was reported, per category, when the caller is a partner agency.
PARTNER_SITUATIONS: dict[Category, tuple[str, ...]] = {
    _C.CONCERN_FOR_WELFARE: (
        "Partner agency unable to make contact for a planned visit.",
        "Care provider reports service user not at home at visit time.",
        "MH trust asks police to check on a service user after missed contact.",
        "Social care report concern after a call with a service user ended abruptly.",
    ),
    _C.MEDICAL: (
        "Ambulance service request police for entry; own clinical assessment done.",
        "Ambulance crew request police due to hostile bystanders at scene.",
        "Ambulance service ask police to attend a fall while crews are delayed.",
    ),
    _C.WALK_OUT: (
        "A&E reports informal patient left before assessment.",
        "Ward reports informal inpatient left the ward; capacity assessed as present.",
        "A&E reports patient left with cannula in situ, results pending.",
        "Hospital reports patient left after overdose, treatment incomplete.",
        "Ward reports confused patient left the building; hospital search under way.",
    ),
    _C.AWOL: (
        "MH trust reports detained patient (s3) failed to return from leave.",
        "Trust reports s2 patient absconded from ward; location believed known.",
        "Trust reports patient subject to s37/41 AWOL; risk to others assessed.",
        "Trust reports CTO patient recalled and not attended; location unknown.",
        "Ward reports detained patient absent after escorted leave; trust search done.",
    ),
    _C.CONVEYANCE: (
        "Trust requests police transport for patient to hospital; no violence history.",
        "Ambulance crew request assistance conveying patient showing aggression.",
        "Request to convey patient between sites; no escape risk identified.",
        "AMHP requests police to convey following assessment; ambulance delayed.",
    ),
    _C.S136_S135: (
        "Place of safety reports s136 handover not completed at 60 minutes; escalated.",
        "Place of safety at capacity; health ask police to wait with s136 patient.",
        "AMHP team request police attendance for s135(1) warrant.",
        "Request for police at s135(2) retaking; warrant obtained by trust.",
        "Place of safety asks police to stay past 60 minutes; exception not agreed.",
    ),
    _C.VOLUNTARY: (
        "Crisis team request police at voluntary assessment.",
        "Voluntary attendee left the assessment suite; no detention in place.",
        "Hospital asks police to return a voluntary patient who left.",
    ),
    _C.OTHER: (
        "Out-of-area service asks police to check on a person on their behalf.",
        "Request from a partner for police presence at a routine visit.",
    ),
}

FINDINGS: dict[ThresholdBasis, tuple[str, ...]] = {
    _B.NONE: (
        "No immediate risk to life identified.",
        "THRIVE: no threat or harm present and ongoing.",
        "Threshold not met: no crime, no real and immediate risk.",
        "Risk assessed as future or conditional, not immediate.",
        "THRIVE: vulnerability noted, risk low; no police power or duty engaged.",
    ),
    _B.RISK_TO_LIFE: (
        "Real and immediate risk to life identified (Art. 2).",
        "THRIVE: threat high, risk present and ongoing.",
        "Stated intent with means available; risk to life immediate.",
    ),
    _B.SERIOUS_HARM: (
        "Real and immediate risk of serious harm (Art. 3).",
        "THRIVE: harm high, vulnerability high.",
        "Person at risk of serious harm if not located.",
    ),
    _B.CRIME: (
        "Offence disclosed; crime to investigate.",
        "Crime occurring, suspect still present.",
        "Damage and threats reported; crime recorded.",
    ),
    _B.VIOLENCE: (
        "Violence towards staff reported; scene safety needed.",
        "Risk of violence to attending staff identified.",
        "Weapon mentioned; risk to partner staff.",
    ),
    _B.OTHER_DUTY: (
        "Police duty: missing-person procedure applies.",
        "Statutory duty engaged; missing-person risk assessment started.",
        "Police assumed responsibility earlier on this incident.",
    ),
}

ACTIONS: dict[Outcome, tuple[str, ...]] = {
    _O.DEPLOYED: (
        "Units deployed.",
        "Deployed; graded on risk.",
        "Officers assigned to attend.",
        "Deployed to support partner; police role limited to risk.",
    ),
    _O.SIGNPOSTED: (
        "Caller signposted to GP and NHS 111.",
        "Caller advised of the right agency; police will not attend.",
        "Signposted to out-of-hours services.",
    ),
    _O.TRANSFERRED_AMBULANCE: (
        "Warm transfer to ambulance completed.",
        "Call transferred to ambulance service; three-way call held.",
        "Ambulance already aware; details passed on.",
    ),
    _O.REFERRED_HEALTH: (
        "Referred to MH crisis team; trust to follow up.",
        "Referred back to the hospital, which keeps the duty of care.",
        "Referred to the mental-health trust to locate and return.",
        "Health partner agreed to respond; handover confirmed.",
    ),
    _O.REFERRED_SOCIAL_CARE: (
        "Referred to adult social care duty team.",
        "Referral made to the emergency duty team (social care).",
        "Care provider asked to revisit; social care informed.",
    ),
}

CLOSINGS_NOT_DEPLOYED: tuple[str, ...] = (
    "Caller advised to call back if circumstances change.",
    "Caller told police will not attend.",
    "Caller told police will not attend; call back if things change.",
    "Supervisor consulted.",
    "RCRP qualifier applied.",
    "",
    "",
)
CLOSINGS_DEPLOYED: tuple[str, ...] = (
    "Supervisor aware.",
    "Partner updated.",
    "RCRP qualifier applied.",
    "",
    "",
)
#: Thin rationales, the kind a QA review marks "rationale weak".
BOILERPLATE: tuple[str, ...] = (
    "THRIVE considered. NFA.",
    "RCRP. Not a police matter.",
    "As per RCRP.",
    "THRIVE done.",
)
BOILERPLATE_SHARE = 0.04

#: The word that marks a rationale recording supervisor involvement (for RCRP-SUP).
SUPERVISOR_WORD = "Supervisor"


#: The phrase groups one excerpt is drawn from.
Pieces = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def pieces(category: Category, partner: bool, basis: ThresholdBasis, outcome: Outcome) -> Pieces:
    """The situation, finding, action and closing phrases that fit one kind of decision."""
    situations = PARTNER_SITUATIONS if partner else PUBLIC_SITUATIONS
    closings = CLOSINGS_DEPLOYED if outcome is Outcome.DEPLOYED else CLOSINGS_NOT_DEPLOYED
    return situations[category], FINDINGS[basis], ACTIONS[outcome], closings


def compose(rand: Callable[[], float], parts: Pieces) -> str:
    """One rationale excerpt from ``parts``, chosen with ``rand`` (``random.Random.random``)."""
    if rand() < BOILERPLATE_SHARE:
        return BOILERPLATE[int(rand() * len(BOILERPLATE))]
    situations, findings, actions, closings = parts
    text = (
        f"{situations[int(rand() * len(situations))]} "
        f"{findings[int(rand() * len(findings))]} "
        f"{actions[int(rand() * len(actions))]}"
    )
    closing = closings[int(rand() * len(closings))]
    return f"{text} {closing}" if closing else text


def all_phrases() -> list[str]:
    """Every phrase an excerpt can contain (for checking the templates themselves)."""
    phrases = [p for group in PUBLIC_SITUATIONS.values() for p in group]
    phrases += [p for group in PARTNER_SITUATIONS.values() for p in group]
    phrases += [p for group in FINDINGS.values() for p in group]
    phrases += [p for group in ACTIONS.values() for p in group]
    phrases += [*CLOSINGS_NOT_DEPLOYED, *CLOSINGS_DEPLOYED, *BOILERPLATE]
    return [p for p in phrases if p]
