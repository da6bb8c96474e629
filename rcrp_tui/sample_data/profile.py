"""The shape of the demo control room's demand: what is called in, by whom, and what is done.

The figures are invented but follow the published picture (docs/domain-rules.md §1, §3, §8): concern
for welfare is the largest RCRP category; about two-thirds of callers are the public and
one-third partner agencies; around 40-45% of RCRP incidents are deployed, almost always
because part of the police threshold (crime, risk to life, serious harm, violence, another
legal duty) is met; evenings are busiest.

Every table here is plain data, so the whole joint distribution of a decision's codes can
be expanded once (:func:`decision_kinds`) and sampled in one vectorised draw.
"""

from __future__ import annotations

from dataclasses import dataclass

from rcrp_tui.domain.enums import CallerType, Category, Outcome, ThresholdBasis

_C = Category
_K = CallerType
_B = ThresholdBasis
_O = Outcome

#: Share of all RCRP decisions per category.
CATEGORY_WEIGHTS: dict[Category, float] = {
    _C.CONCERN_FOR_WELFARE: 0.42,
    _C.MEDICAL: 0.16,
    _C.WALK_OUT: 0.10,
    _C.CONVEYANCE: 0.08,
    _C.AWOL: 0.07,
    _C.S136_S135: 0.07,
    _C.VOLUNTARY: 0.06,
    _C.OTHER: 0.04,
}

#: The College of Policing phasing (docs/domain-rules.md §3); medical incidents run
#: alongside phase 1.
#: "Other" belongs to no phase.
CATEGORY_PHASE: dict[Category, int | None] = {
    _C.CONCERN_FOR_WELFARE: 1,
    _C.MEDICAL: 1,
    _C.WALK_OUT: 2,
    _C.AWOL: 2,
    _C.CONVEYANCE: 3,
    _C.S136_S135: 4,
    _C.VOLUNTARY: 4,
    _C.OTHER: None,
}

#: Who calls, per category (partner agencies dominate the health-system categories).
CALLER_WEIGHTS: dict[Category, dict[CallerType, float]] = {
    _C.CONCERN_FOR_WELFARE: {
        _K.PUBLIC: 0.89,
        _K.SOCIAL_CARE: 0.04,
        _K.MENTAL_HEALTH_TRUST: 0.03,
        _K.OTHER_PARTNER: 0.02,
        _K.AMBULANCE: 0.02,
    },
    _C.MEDICAL: {_K.PUBLIC: 0.87, _K.AMBULANCE: 0.10, _K.OTHER_PARTNER: 0.03},
    _C.WALK_OUT: {_K.ACUTE_HOSPITAL: 0.55, _K.MENTAL_HEALTH_TRUST: 0.30, _K.PUBLIC: 0.15},
    _C.AWOL: {_K.MENTAL_HEALTH_TRUST: 0.82, _K.ACUTE_HOSPITAL: 0.06, _K.PUBLIC: 0.12},
    _C.CONVEYANCE: {
        _K.AMBULANCE: 0.45,
        _K.MENTAL_HEALTH_TRUST: 0.30,
        _K.ACUTE_HOSPITAL: 0.15,
        _K.PUBLIC: 0.10,
    },
    _C.S136_S135: {_K.PUBLIC: 0.68, _K.MENTAL_HEALTH_TRUST: 0.24, _K.ACUTE_HOSPITAL: 0.08},
    _C.VOLUNTARY: {_K.PUBLIC: 0.60, _K.MENTAL_HEALTH_TRUST: 0.30, _K.ACUTE_HOSPITAL: 0.10},
    _C.OTHER: {_K.PUBLIC: 0.88, _K.SOCIAL_CARE: 0.06, _K.OTHER_PARTNER: 0.06},
}

#: Which part of the threshold, if any, the handler found, per category.
BASIS_WEIGHTS: dict[Category, dict[ThresholdBasis, float]] = {
    _C.CONCERN_FOR_WELFARE: {
        _B.NONE: 0.52,
        _B.RISK_TO_LIFE: 0.25,
        _B.SERIOUS_HARM: 0.10,
        _B.CRIME: 0.05,
        _B.VIOLENCE: 0.04,
        _B.OTHER_DUTY: 0.04,
    },
    _C.MEDICAL: {
        _B.NONE: 0.68,
        _B.RISK_TO_LIFE: 0.16,
        _B.VIOLENCE: 0.08,
        _B.CRIME: 0.05,
        _B.SERIOUS_HARM: 0.03,
    },
    _C.WALK_OUT: {
        _B.NONE: 0.58,
        _B.RISK_TO_LIFE: 0.18,
        _B.SERIOUS_HARM: 0.12,
        _B.OTHER_DUTY: 0.12,
    },
    _C.AWOL: {
        _B.OTHER_DUTY: 0.32,
        _B.NONE: 0.38,
        _B.RISK_TO_LIFE: 0.14,
        _B.SERIOUS_HARM: 0.10,
        _B.VIOLENCE: 0.06,
    },
    _C.CONVEYANCE: {_B.NONE: 0.72, _B.VIOLENCE: 0.18, _B.SERIOUS_HARM: 0.06, _B.CRIME: 0.04},
    _C.S136_S135: {
        _B.OTHER_DUTY: 0.40,
        _B.NONE: 0.32,
        _B.VIOLENCE: 0.14,
        _B.SERIOUS_HARM: 0.08,
        _B.RISK_TO_LIFE: 0.06,
    },
    _C.VOLUNTARY: {_B.NONE: 0.66, _B.VIOLENCE: 0.12, _B.SERIOUS_HARM: 0.12, _B.RISK_TO_LIFE: 0.10},
    _C.OTHER: {_B.NONE: 0.55, _B.CRIME: 0.25, _B.OTHER_DUTY: 0.10, _B.SERIOUS_HARM: 0.10},
}

#: Chance of deployment given the basis: near-certain when the threshold is met, rare
#: otherwise (the rare cases are the "deployed unnecessarily" and "should have deployed"
#: candidates QA is meant to find).
DEPLOY_GIVEN_BASIS: dict[ThresholdBasis, float] = {
    _B.RISK_TO_LIFE: 0.95,
    _B.CRIME: 0.90,
    _B.SERIOUS_HARM: 0.86,
    _B.VIOLENCE: 0.86,
    _B.OTHER_DUTY: 0.80,
    _B.NONE: 0.05,
}
#: Deployment with no part of the threshold met, just after go-live and once settled.
#: Handlers new to RCRP send police "to be safe" at first; as confidence grows over the
#: six weeks, this falls (published examples: Met 41% -> 29% deployed; docs/domain-rules.md §8).
DEPLOY_WITHOUT_THRESHOLD_AT_GO_LIVE = 0.12
DEPLOY_WITHOUT_THRESHOLD_SETTLED = 0.03
#: Days over which decisions move from the go-live mix to the settled mix.
SETTLING_DAYS = 42

#: Not-deployed routes per category.
ROUTE_WEIGHTS: dict[Category, dict[Outcome, float]] = {
    _C.CONCERN_FOR_WELFARE: {
        _O.SIGNPOSTED: 0.36,
        _O.REFERRED_HEALTH: 0.30,
        _O.REFERRED_SOCIAL_CARE: 0.22,
        _O.TRANSFERRED_AMBULANCE: 0.12,
    },
    _C.MEDICAL: {_O.TRANSFERRED_AMBULANCE: 0.80, _O.REFERRED_HEALTH: 0.14, _O.SIGNPOSTED: 0.06},
    _C.WALK_OUT: {_O.REFERRED_HEALTH: 0.82, _O.SIGNPOSTED: 0.12, _O.REFERRED_SOCIAL_CARE: 0.06},
    _C.AWOL: {_O.REFERRED_HEALTH: 0.92, _O.SIGNPOSTED: 0.08},
    _C.CONVEYANCE: {_O.TRANSFERRED_AMBULANCE: 0.62, _O.REFERRED_HEALTH: 0.38},
    _C.S136_S135: {_O.REFERRED_HEALTH: 0.94, _O.TRANSFERRED_AMBULANCE: 0.06},
    _C.VOLUNTARY: {
        _O.REFERRED_HEALTH: 0.70,
        _O.TRANSFERRED_AMBULANCE: 0.20,
        _O.SIGNPOSTED: 0.10,
    },
    _C.OTHER: {_O.SIGNPOSTED: 0.55, _O.REFERRED_SOCIAL_CARE: 0.25, _O.REFERRED_HEALTH: 0.20},
}

GRADES = ("P1", "P2", "P3", "P4")

#: Grade (P1 emergency … P4 resolved without deployment) given outcome and basis.
_GRADES_DEPLOYED: dict[ThresholdBasis, tuple[float, float, float, float]] = {
    _B.RISK_TO_LIFE: (0.80, 0.20, 0.0, 0.0),
    _B.CRIME: (0.30, 0.60, 0.10, 0.0),
    _B.VIOLENCE: (0.45, 0.50, 0.05, 0.0),
    _B.SERIOUS_HARM: (0.40, 0.55, 0.05, 0.0),
    _B.OTHER_DUTY: (0.10, 0.60, 0.30, 0.0),
    _B.NONE: (0.0, 0.40, 0.60, 0.0),
}
_GRADES_NOT_DEPLOYED_MET = (0.0, 0.30, 0.50, 0.20)
_GRADES_NOT_DEPLOYED_NONE = (0.0, 0.0, 0.35, 0.65)

#: RCRP qualifier codes written on the CAD record (documented in docs/demo.md).
CATEGORY_QUALIFIER: dict[Category, str] = {
    _C.CONCERN_FOR_WELFARE: "RCRP-W",
    _C.WALK_OUT: "RCRP-WO",
    _C.AWOL: "RCRP-AW",
    _C.MEDICAL: "RCRP-M",
    _C.CONVEYANCE: "RCRP-CV",
    _C.S136_S135: "RCRP-136",
    _C.VOLUNTARY: "RCRP-V",
    _C.OTHER: "RCRP-O",
}
QUALIFIER_DEPLOYED = "RCRP-D"
QUALIFIER_NOT_DEPLOYED = "RCRP-ND"
QUALIFIER_PARTNER = "RCRP-PA"
QUALIFIER_SUPERVISOR = "RCRP-SUP"
#: Share of decisions closed without any qualifier code: a real QA finding (criterion 12).
MISSING_QUALIFIER_SHARE = 0.03

#: Relative demand per local hour of the day, 00:00 … 23:00: quiet small hours, busiest
#: in the evening.
HOUR_WEIGHTS: tuple[float, ...] = (
    6, 5, 4, 3, 3, 2, 3, 4, 6, 7, 8, 8,
    8, 8, 9, 9, 10, 11, 12, 13, 13, 12, 10, 8,
)  # fmt: skip
#: Relative demand per weekday, Monday … Sunday.
WEEKDAY_WEIGHTS: tuple[float, ...] = (1.0, 0.96, 0.97, 1.0, 1.08, 1.12, 1.03)


@dataclass(frozen=True)
class DecisionKind:
    """One combination of a decision's codes, with its probability."""

    category: Category
    phase: int | None
    caller_type: CallerType
    threshold_basis: ThresholdBasis
    outcome: Outcome
    grade: str
    probability: float


def _grades(outcome: Outcome, basis: ThresholdBasis) -> tuple[float, float, float, float]:
    if outcome is Outcome.DEPLOYED:
        return _GRADES_DEPLOYED[basis]
    return _GRADES_NOT_DEPLOYED_NONE if basis is _B.NONE else _GRADES_NOT_DEPLOYED_MET


def decision_kinds(deploy_without_threshold: float | None = None) -> list[DecisionKind]:
    """Every possible combination of codes with its probability (they sum to 1).

    ``deploy_without_threshold`` replaces the chance of deployment when no part of the
    threshold is met. The order and length of the list do not depend on it (it is
    always above zero), so a seeded draw over this list is reproducible and two lists
    for different moments line up kind for kind.
    """
    deploy_given_basis = dict(DEPLOY_GIVEN_BASIS)
    if deploy_without_threshold is not None:
        if not 0 < deploy_without_threshold < 1:
            raise ValueError("deploy_without_threshold must be between 0 and 1")
        deploy_given_basis[_B.NONE] = deploy_without_threshold
    kinds: list[DecisionKind] = []
    for category, p_cat in CATEGORY_WEIGHTS.items():
        for caller, p_caller in CALLER_WEIGHTS[category].items():
            for basis, p_basis in BASIS_WEIGHTS[category].items():
                deploy = deploy_given_basis[basis]
                outcomes = [(Outcome.DEPLOYED, deploy)] + [
                    (route, (1 - deploy) * p_route)
                    for route, p_route in ROUTE_WEIGHTS[category].items()
                ]
                for outcome, p_outcome in outcomes:
                    for grade, p_grade in zip(GRADES, _grades(outcome, basis), strict=True):
                        p = p_cat * p_caller * p_basis * p_outcome * p_grade
                        if p > 0:
                            kinds.append(
                                DecisionKind(
                                    category,
                                    CATEGORY_PHASE[category],
                                    caller,
                                    basis,
                                    outcome,
                                    grade,
                                    p,
                                )
                            )
    return kinds


def expected_share(kinds: list[DecisionKind], *, partner: bool = False) -> float:
    """The expected share of deployed decisions, or with ``partner`` of partner callers."""
    total = sum(k.probability for k in kinds)
    if partner:
        hit = sum(k.probability for k in kinds if k.caller_type.is_partner)
    else:
        hit = sum(k.probability for k in kinds if k.outcome is Outcome.DEPLOYED)
    return hit / total
