"""The life of a review: draft → submitted → moderated → released → acknowledged.

Pure rules: given what someone wants to do, the review's status, their role and how they
relate to the review, say whether they may, and if not, why in words a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rcrp_tui.domain.enums import Role


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    MODERATED = "moderated"
    RELEASED = "released"
    ACKNOWLEDGED = "acknowledged"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Action(StrEnum):
    EDIT_DRAFT = "edit_draft"
    SUBMIT = "submit"
    AMEND = "amend"  # change a submitted review: needs a reason, goes into the history
    MODERATE = "moderate"
    RELEASE = "release"
    ACKNOWLEDGE = "acknowledge"


SCORERS = frozenset({Role.FLOORWALKER, Role.QA_LEAD})

S = ReviewStatus
#: The status an action moves a review to, from each status it may start in.
TRANSITIONS: dict[Action, dict[ReviewStatus, ReviewStatus]] = {
    Action.EDIT_DRAFT: {S.DRAFT: S.DRAFT},
    Action.SUBMIT: {S.DRAFT: S.SUBMITTED},
    Action.AMEND: {S.SUBMITTED: S.SUBMITTED, S.MODERATED: S.MODERATED},
    Action.MODERATE: {S.SUBMITTED: S.MODERATED},
    Action.RELEASE: {S.MODERATED: S.RELEASED},
    Action.ACKNOWLEDGE: {S.RELEASED: S.ACKNOWLEDGED},
}


@dataclass(frozen=True)
class Who:
    """The actor as the workflow sees them."""

    role: Role
    is_reviewer: bool = False  # wrote this review
    is_subject: bool = False  # the contact officer whose decision was reviewed


class WorkflowRefused(ValueError):
    """The action is not allowed; the message says why."""


def _who_may(action: Action, status: ReviewStatus, who: Who) -> str | None:
    """None when allowed, else the reason."""
    if action in (Action.EDIT_DRAFT, Action.SUBMIT):
        if who.role not in SCORERS:
            return f"a {who.role.label.lower()} does not score reviews"
        if not who.is_reviewer:
            return "only the reviewer who started this draft may change or submit it"
        return None
    if action is Action.AMEND:
        if who.role is Role.QA_LEAD:
            return None
        if status is S.SUBMITTED and who.is_reviewer and who.role in SCORERS:
            return None
        if status is S.MODERATED:
            return "after moderation only a QA lead may change the review"
        return "only the reviewer or a QA lead may change a submitted review"
    if action in (Action.MODERATE, Action.RELEASE):
        if who.role is not Role.QA_LEAD:
            return f"only a QA lead may {action.value} a review"
        if action is Action.MODERATE and who.is_reviewer:
            return "a review is moderated by a QA lead other than its reviewer"
        return None
    if action is Action.ACKNOWLEDGE:
        if who.role is not Role.CONTACT_OFFICER or not who.is_subject:
            return "only the contact officer whose decision it is may acknowledge the review"
        return None
    return f"unknown action {action}"


def next_status(action: Action, status: ReviewStatus, who: Who) -> ReviewStatus:
    """The status after ``action``; raise WorkflowRefused when it is not allowed."""
    targets = TRANSITIONS[action]
    if status not in targets:
        starts = " or ".join(s.value for s in targets)
        raise WorkflowRefused(
            f"cannot {action.value.replace('_', ' ')} a review that is {status.value} "
            f"(it must be {starts})"
        )
    reason = _who_may(action, status, who)
    if reason is not None:
        raise WorkflowRefused(reason)
    return targets[status]


def allowed(action: Action, status: ReviewStatus, who: Who) -> bool:
    """True when ``who`` may take ``action`` on a review in ``status``."""
    try:
        next_status(action, status, who)
    except WorkflowRefused:
        return False
    return True
