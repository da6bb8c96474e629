"""Calibration blindness, for every read that could show a decision's other scores.

A grader in an open calibration session who has not yet submitted their score of one of
its decisions must see nothing of anyone else's judgement of that decision: no other
grader's answers (``services/calibration`` refuses them until the reveal) and no review
of it (``services/reviews`` hides them, their own excepted). This is the one definition
both use. It lives in ``core`` because the review services may not import the
calibration ones (calibration builds on reviews).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from rcrp_tui.storage.calibration_models import (
    calibration_decisions_table,
    calibration_graders_table,
    calibration_scores_table,
    calibration_sessions_table,
)

OPEN = "open"
SUBMITTED = "submitted"

_S = calibration_sessions_table.c
_CD = calibration_decisions_table.c
_G = calibration_graders_table.c
_SC = calibration_scores_table.c


def blind_decision_ids(user_id: int | None) -> Any:
    """A SELECT of the decision ids ``user_id`` is blind to (nothing for no user).

    Blind: the user grades an open, unrevealed session holding the decision and has not
    submitted their score of it.
    """
    submitted = exists().where(
        _SC.session_id == _CD.session_id,
        _SC.decision_id == _CD.decision_id,
        _SC.grader_user_id == user_id,
        _SC.status == SUBMITTED,
    )
    return (
        select(_CD.decision_id)
        .join(calibration_sessions_table, _S.id == _CD.session_id)
        .join(calibration_graders_table, and_(_G.session_id == _S.id, _G.user_id == user_id))
        .where(_S.status == OPEN, _S.revealed_at.is_(None), ~submitted)
    )


def is_blind(session: Session, user_id: int | None, decision_id: int) -> bool:
    """True when ``user_id`` may not yet see others' judgements of ``decision_id``."""
    if user_id is None:
        return False
    stmt = blind_decision_ids(user_id).where(_CD.decision_id == decision_id).limit(1)
    return session.execute(stmt).first() is not None
