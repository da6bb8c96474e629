"""Who may do what. The service layer asks here before every write and every read of
another person's results; screens ask here only to hide actions a role cannot take."""

from __future__ import annotations

from enum import StrEnum

from rcrp_tui.domain.enums import Role


class Permission(StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_TEAMS = "manage_teams"
    IMPORT_DECISIONS = "import_decisions"
    EDIT_DECISIONS = "edit_decisions"
    BROWSE_DECISIONS = "browse_decisions"
    VIEW_AUDIT = "view_audit"
    SCORE_REVIEWS = "score_reviews"
    MODERATE_REVIEWS = "moderate_reviews"
    RELEASE_REVIEWS = "release_reviews"
    ACKNOWLEDGE_OWN = "acknowledge_own"
    CLOSE_LIVE_RISK = "close_live_risk"
    MANAGE_TOOLKITS = "manage_toolkits"
    PLAN_SAMPLES = "plan_samples"
    WORK_SAMPLES = "work_samples"
    WRITE_COACHING = "write_coaching"
    MANAGE_ROTA = "manage_rota"
    OVERRIDE_ROTA_RULES = "override_rota_rules"
    VIEW_ROTA = "view_rota"
    RECORD_APPEALS = "record_appeals"
    DECIDE_APPEALS = "decide_appeals"
    VIEW_KPIS = "view_kpis"


_P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(
        {
            _P.MANAGE_USERS,
            _P.MANAGE_TEAMS,
            _P.IMPORT_DECISIONS,
            _P.EDIT_DECISIONS,
            _P.BROWSE_DECISIONS,
            _P.VIEW_AUDIT,
            _P.MANAGE_TOOLKITS,
            _P.MANAGE_ROTA,
            _P.VIEW_ROTA,
            _P.VIEW_KPIS,
        }
    ),
    Role.QA_LEAD: frozenset(
        {
            _P.BROWSE_DECISIONS,
            _P.EDIT_DECISIONS,
            _P.SCORE_REVIEWS,
            _P.MODERATE_REVIEWS,
            _P.RELEASE_REVIEWS,
            _P.CLOSE_LIVE_RISK,
            _P.MANAGE_TOOLKITS,
            _P.PLAN_SAMPLES,
            _P.WORK_SAMPLES,
            _P.WRITE_COACHING,
            _P.RECORD_APPEALS,
            _P.DECIDE_APPEALS,
            _P.VIEW_KPIS,
            _P.VIEW_AUDIT,
            _P.VIEW_ROTA,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            _P.BROWSE_DECISIONS,
            _P.CLOSE_LIVE_RISK,
            _P.WRITE_COACHING,
            _P.MANAGE_ROTA,
            _P.OVERRIDE_ROTA_RULES,
            _P.RECORD_APPEALS,
            _P.DECIDE_APPEALS,
            _P.VIEW_KPIS,
            _P.VIEW_ROTA,
        }
    ),
    Role.FLOORWALKER: frozenset(
        {
            _P.BROWSE_DECISIONS,
            _P.SCORE_REVIEWS,
            _P.WORK_SAMPLES,
            _P.WRITE_COACHING,
            _P.RECORD_APPEALS,
            _P.VIEW_ROTA,
        }
    ),
    Role.CONTACT_OFFICER: frozenset({_P.ACKNOWLEDGE_OWN}),
}


def can(role: Role, permission: Permission) -> bool:
    """True when ``role`` holds ``permission``."""
    return permission in ROLE_PERMISSIONS[role]
