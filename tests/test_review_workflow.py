"""Who may move a review from one status to the next: one case per role per transition."""

from __future__ import annotations

import pytest

from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.review_workflow import (
    Action,
    ReviewStatus,
    Who,
    WorkflowRefused,
    allowed,
    next_status,
)

S = ReviewStatus
# (action, from status, relation to the review) -> roles that may do it
CASES: list[tuple[Action, ReviewStatus, dict[str, bool], set[Role], ReviewStatus]] = [
    (Action.EDIT_DRAFT, S.DRAFT, {"is_reviewer": True}, {Role.FLOORWALKER, Role.QA_LEAD}, S.DRAFT),
    (Action.SUBMIT, S.DRAFT, {"is_reviewer": True}, {Role.FLOORWALKER, Role.QA_LEAD}, S.SUBMITTED),
    (
        Action.AMEND,
        S.SUBMITTED,
        {"is_reviewer": True},
        {Role.FLOORWALKER, Role.QA_LEAD},
        S.SUBMITTED,
    ),
    (Action.AMEND, S.MODERATED, {"is_reviewer": True}, {Role.QA_LEAD}, S.MODERATED),
    (Action.MODERATE, S.SUBMITTED, {}, {Role.QA_LEAD}, S.MODERATED),
    (Action.RELEASE, S.MODERATED, {}, {Role.QA_LEAD}, S.RELEASED),
    (Action.ACKNOWLEDGE, S.RELEASED, {"is_subject": True}, {Role.CONTACT_OFFICER}, S.ACKNOWLEDGED),
]


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0].value}-from-{c[1].value}")
def test_role_per_transition(
    role: Role, case: tuple[Action, ReviewStatus, dict[str, bool], set[Role], ReviewStatus]
) -> None:
    action, status, relation, roles, target = case
    who = Who(role, **relation)
    if role in roles:
        assert next_status(action, status, who) is target
    else:
        with pytest.raises(WorkflowRefused):
            next_status(action, status, who)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", list(ReviewStatus))
def test_actions_from_the_wrong_status_are_refused(action: Action, status: ReviewStatus) -> None:
    allowed_from = {c[1] for c in CASES if c[0] is action}
    everyone = Who(Role.QA_LEAD, is_reviewer=True, is_subject=True)
    if status not in allowed_from:
        with pytest.raises(WorkflowRefused, match="cannot"):
            next_status(action, status, everyone)


def test_only_the_reviewer_edits_their_draft() -> None:
    assert not allowed(Action.EDIT_DRAFT, S.DRAFT, Who(Role.FLOORWALKER, is_reviewer=False))
    with pytest.raises(WorkflowRefused, match="only the reviewer"):
        next_status(Action.SUBMIT, S.DRAFT, Who(Role.QA_LEAD))


def test_a_qa_lead_does_not_moderate_their_own_review() -> None:
    with pytest.raises(WorkflowRefused, match="other than its reviewer"):
        next_status(Action.MODERATE, S.SUBMITTED, Who(Role.QA_LEAD, is_reviewer=True))


def test_another_contact_officer_cannot_acknowledge() -> None:
    assert not allowed(Action.ACKNOWLEDGE, S.RELEASED, Who(Role.CONTACT_OFFICER))
