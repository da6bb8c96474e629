"""Where the app can go: the single list of destinations.

Each destination feeds a global key binding, a command-palette entry and a line on the
help screen, and is shown only to roles that may use it. A screen is named by its
import path and imported only when first opened, so start-up stays quick.

To add a screen, add one ``Destination`` to ``DESTINATIONS`` in key order: the list's
order is the order of the footer, the help screen and the command palette. Its class
takes ``__init__(self, ctx: Ctx, **kwargs)``. Function keys f2..f12 are kept for
destinations (f1 is help).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission, can


@dataclass(frozen=True)
class Destination:
    """A place in the app a person can open by key, by command palette or from help."""

    id: str
    title: str
    key: str
    description: str
    screen: str  # "package.module:ClassName", imported lazily
    permission: Permission | None = None
    roles: tuple[Role, ...] | None = None

    def allows(self, role: Role) -> bool:
        """True when ``role`` may open this destination."""
        if self.roles is not None and role not in self.roles:
            return False
        return self.permission is None or can(role, self.permission)

    def load(self) -> type[Any]:
        """Import and return the screen class."""
        module_name, _, class_name = self.screen.partition(":")
        return getattr(importlib.import_module(module_name), class_name)


DESTINATIONS: list[Destination] = [
    Destination(
        id="decisions",
        title="Decisions",
        key="f2",
        description="Browse, search and filter control-room decisions",
        screen="rcrp_tui.ui.decisions.browser:DecisionBrowserScreen",
        permission=Permission.BROWSE_DECISIONS,
    ),
    Destination(
        id="samples",
        title="Samples",
        key="f3",
        description="Dip samples: plans, draws, the shared queue (take next, skip, replace) "
        "and results with confidence intervals",
        screen="rcrp_tui.ui.sampling.samples:SamplesScreen",
        permission=Permission.WORK_SAMPLES,
        roles=(Role.QA_LEAD, Role.FLOORWALKER),
    ),
    Destination(
        id="review",
        title="Review",
        key="f4",
        description="Score a decision against the toolkit (r in the decision browser); "
        "F4 resumes your latest draft",
        screen="rcrp_tui.ui.reviews.review:ReviewScreen",
        permission=Permission.SCORE_REVIEWS,
    ),
    Destination(
        id="reviews",
        title="Reviews",
        key="f5",
        description="QA reviews you may see; the moderation queue for QA leads",
        screen="rcrp_tui.ui.reviews.review_list:ReviewsScreen",
        roles=(Role.QA_LEAD, Role.FLOORWALKER, Role.SUPERVISOR, Role.CONTACT_OFFICER),
    ),
    Destination(
        id="cpd",
        title="Development record",
        key="f6",
        description="CPD: an officer's reviews, criterion trends and coaching notes; "
        "the team table with overdue follow-ups",
        screen="rcrp_tui.ui.coaching.cpd:CpdScreen",
        roles=(Role.QA_LEAD, Role.SUPERVISOR, Role.FLOORWALKER, Role.CONTACT_OFFICER),
    ),
    Destination(
        id="appeals",
        title="Partner appeals",
        key="f7",
        description="Partner appeals and disputes: live stopwatch, decide, themes, figures",
        screen="rcrp_tui.ui.appeals.appeal_list:AppealsScreen",
        permission=Permission.RECORD_APPEALS,
    ),
    Destination(
        id="rota",
        title="Floorwalking rota",
        key="f8",
        description="Six-week floorwalking rota: weeks, coverage, assign, swap, auto-fill",
        screen="rcrp_tui.ui.rota.week:RotaScreen",
        permission=Permission.VIEW_ROTA,
    ),
    Destination(
        id="live-risk",
        title="Live risk",
        key="f9",
        description="Open live-risk alerts found during review: see and close with a note",
        screen="rcrp_tui.ui.reviews.live_risk:LiveRiskScreen",
        permission=Permission.CLOSE_LIVE_RISK,
    ),
    Destination(
        id="kpis",
        title="KPIs and reports",
        key="f11",
        description="KPIs for a period against a baseline, weekly trends; export the "
        "OFFICIAL-SENSITIVE report (md, html, xlsx, csv, pdf)",
        screen="rcrp_tui.ui.kpis.kpis:KpiScreen",
        permission=Permission.VIEW_KPIS,
    ),
    Destination(
        id="home",
        title="Home",
        key="f12",
        description="What needs doing now: your role's queue, drafts, alerts, follow-ups",
        screen="rcrp_tui.ui.home.home:HomeScreen",
    ),
    Destination(
        id="import",
        title="Import",
        key="ctrl+l",
        description="Import a CAD export (CSV or .xlsx) by a profile: dry run, then import",
        screen="rcrp_tui.ui.importing.import_screen:ImportScreen",
        permission=Permission.IMPORT_DECISIONS,
    ),
    Destination(
        id="calibration",
        title="Calibration",
        key="ctrl+g",
        description="Calibration sessions: grade blind, reveal side by side, set references, "
        "agreement figures and grader drift",
        screen="rcrp_tui.ui.calibration.session_list:CalibrationScreen",
        roles=(Role.QA_LEAD, Role.FLOORWALKER),
    ),
    Destination(
        id="coaching_note",
        title="Coaching note",
        key="ctrl+n",
        description="Write a coaching note (c on a review or an officer's record)",
        screen="rcrp_tui.ui.coaching.note_editor:NoteEditorScreen",
        permission=Permission.WRITE_COACHING,
    ),
    Destination(
        id="readiness",
        title="Go-live readiness",
        key="ctrl+y",
        description="A phase's go-live checklists: evidenced items worked out from the data, "
        "manual items to update, readiness %, what blocks go-live; export the report",
        screen="rcrp_tui.ui.readiness.readiness:ReadinessScreen",
        permission=Permission.VIEW_READINESS,
    ),
]

#: Where a person lands after signing in: every role's home screen.
HOME = "home"


def home_for(role: Role) -> Destination | None:
    """Where ``role`` lands after signing in: its home, else the first place it may use."""
    home = find(HOME)
    if home is not None and home.allows(role):
        return home
    choices = available(role)
    return choices[0] if choices else None


def find(destination_id: str) -> Destination | None:
    """The destination with this id, or None when none is registered."""
    for destination in DESTINATIONS:
        if destination.id == destination_id:
            return destination
    return None


def available(role: Role) -> list[Destination]:
    """The destinations ``role`` may open, in registration order."""
    return [d for d in DESTINATIONS if d.allows(role)]
