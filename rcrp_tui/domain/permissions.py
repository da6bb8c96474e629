"""Who may do what. The service layer asks here before every write and every read of
another person's results; screens ask here only to hide actions a role cannot take.

This table is the only one: the README's roles table is :func:`roles_table`'s output, and a
test fails when the two differ. Why the lines fall where they do (README, "Roles"):

* An administrator runs the system (accounts, teams, imports, toolkits, the audit log)
  and does no QA work: rotas belong to supervisors, scoring to floorwalkers and QA leads.
  Recording a decision by hand is loading CAD data, the import's job, so it is theirs.
* A QA lead sets the scoring standard (writes the toolkit's TOML) but does not install it:
  the administrator adds it, so no one changes the standard they mark against alone. A QA
  lead scores decisions, so does not create the decisions they score.
* Training records (who is trained for which phase) are go-live readiness evidence: the
  QA lead who owns the QA plan and the administrator who loads the force's data record and
  import them; supervisors see them (their team's share) but do not record them.
* Go-live readiness (the checklists, per-shift go-live briefings, the KPI baseline) is
  the programme's shared record: the QA lead, the supervisors who run the shifts and the
  administrator each keep their part of it up to date; floorwalkers and contact officers
  are briefed, and do not keep it.
"""

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
    BACK_UP_DATABASE = "back_up_database"
    APPLY_RETENTION = "apply_retention"
    EXPORT_SUBJECT_ACCESS = "export_subject_access"
    RECORD_TRAINING = "record_training"
    VIEW_TRAINING = "view_training"
    RUN_CALIBRATION = "run_calibration"
    GRADE_CALIBRATION = "grade_calibration"
    VIEW_READINESS = "view_readiness"
    EDIT_READINESS = "edit_readiness"
    RECORD_BRIEFINGS = "record_briefings"


_P = Permission

#: What each permission lets a person do, in the words of the README and of a refusal
#: ("A floorwalker may not plan the floorwalking rota.").
DESCRIPTIONS: dict[Permission, str] = {
    _P.MANAGE_USERS: "manage user accounts",
    _P.MANAGE_TEAMS: "manage teams and contact officers",
    _P.IMPORT_DECISIONS: "import decisions",
    _P.EDIT_DECISIONS: "record a decision by hand",
    _P.BROWSE_DECISIONS: "browse decisions",
    _P.VIEW_AUDIT: "read the audit log",
    _P.SCORE_REVIEWS: "score decisions",
    _P.MODERATE_REVIEWS: "moderate reviews",
    _P.RELEASE_REVIEWS: "release reviews",
    _P.ACKNOWLEDGE_OWN: "see and acknowledge their own released reviews and coaching notes",
    _P.CLOSE_LIVE_RISK: "close live-risk alerts",
    _P.MANAGE_TOOLKITS: "add toolkits",
    _P.PLAN_SAMPLES: "plan and draw dip samples",
    _P.WORK_SAMPLES: "work the sample queue",
    _P.WRITE_COACHING: "write coaching notes",
    _P.MANAGE_ROTA: "plan the floorwalking rota",
    _P.OVERRIDE_ROTA_RULES: "override a rota rule with a reason",
    _P.VIEW_ROTA: "see the floorwalking rota",
    _P.RECORD_APPEALS: "record partner appeals",
    _P.DECIDE_APPEALS: "decide partner appeals",
    _P.VIEW_KPIS: "see KPIs and export reports",
    _P.BACK_UP_DATABASE: "back up or restore the whole database",
    _P.APPLY_RETENTION: "plan and apply the retention schedule",
    _P.EXPORT_SUBJECT_ACCESS: "export everything held about a staff id (subject access)",
    _P.RECORD_TRAINING: "record and import contact officers' training",
    _P.VIEW_TRAINING: "see training records and the share trained",
    _P.RUN_CALIBRATION: "run calibration sessions and set their reference answers",
    _P.GRADE_CALIBRATION: "score decisions in calibration sessions",
    _P.VIEW_READINESS: "see go-live readiness and export its report",
    _P.EDIT_READINESS: "update go-live checklist items and the KPI baseline",
    _P.RECORD_BRIEFINGS: "record per-shift go-live briefings",
}

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
            _P.VIEW_ROTA,
            _P.VIEW_KPIS,
            _P.BACK_UP_DATABASE,
            _P.APPLY_RETENTION,
            _P.EXPORT_SUBJECT_ACCESS,
            _P.RECORD_TRAINING,
            _P.VIEW_TRAINING,
            _P.VIEW_READINESS,
            _P.EDIT_READINESS,
            _P.RECORD_BRIEFINGS,
        }
    ),
    Role.QA_LEAD: frozenset(
        {
            _P.BROWSE_DECISIONS,
            _P.SCORE_REVIEWS,
            _P.MODERATE_REVIEWS,
            _P.RELEASE_REVIEWS,
            _P.CLOSE_LIVE_RISK,
            _P.PLAN_SAMPLES,
            _P.WORK_SAMPLES,
            _P.WRITE_COACHING,
            _P.RECORD_APPEALS,
            _P.DECIDE_APPEALS,
            _P.VIEW_KPIS,
            _P.VIEW_AUDIT,
            _P.VIEW_ROTA,
            _P.EXPORT_SUBJECT_ACCESS,
            _P.RECORD_TRAINING,
            _P.VIEW_TRAINING,
            _P.RUN_CALIBRATION,
            _P.GRADE_CALIBRATION,
            _P.VIEW_READINESS,
            _P.EDIT_READINESS,
            _P.RECORD_BRIEFINGS,
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
            _P.VIEW_TRAINING,
            _P.VIEW_READINESS,
            _P.EDIT_READINESS,
            _P.RECORD_BRIEFINGS,
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
            _P.GRADE_CALIBRATION,
        }
    ),
    Role.CONTACT_OFFICER: frozenset({_P.ACKNOWLEDGE_OWN}),
}


def can(role: Role, permission: Permission) -> bool:
    """True when ``role`` holds ``permission``."""
    return permission in ROLE_PERMISSIONS[role]


def roles_table() -> str:
    """The README's roles table (Markdown), made from :data:`ROLE_PERMISSIONS`."""
    lines = ["| role | may |", "| --- | --- |"]
    for role, granted in ROLE_PERMISSIONS.items():
        may = "; ".join(DESCRIPTIONS[p] for p in Permission if p in granted)
        lines.append(f"| {role.label} | {may} |")
    return "\n".join(lines)
