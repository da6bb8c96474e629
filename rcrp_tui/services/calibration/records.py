"""Plain records the calibration services hand out, and the reads they share.

Everything that leaves the service layer is a frozen dataclass. Nothing here returns
another grader's answers: that is ``reveal`` and ``results``, behind the reveal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from rcrp_tui.domain.enums import Category, Role
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services.core.errors import NotFound, ServiceError
from rcrp_tui.storage.calibration_models import (
    calibration_answers_table,
    calibration_decisions_table,
    calibration_graders_table,
    calibration_scores_table,
    calibration_sessions_table,
)
from rcrp_tui.storage.models import decisions_table, users_table

_S = calibration_sessions_table.c
_CD = calibration_decisions_table.c
_G = calibration_graders_table.c
_SC = calibration_scores_table.c
_A = calibration_answers_table.c
_D = decisions_table.c
_U = users_table.c

#: Decisions in one session.
MIN_DECISIONS = 3
MAX_DECISIONS = 30
#: Graders in one session (two graders are needed for any agreement figure).
MIN_GRADERS = 2
#: Roles that may grade (score decisions) in a session.
GRADER_ROLES = (Role.FLOORWALKER, Role.QA_LEAD)


class SessionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ScoreStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class StillBlind(ServiceError):
    """The answers are hidden until the reveal (every grader submitted, or closed)."""


@dataclass(frozen=True)
class Person:
    user_id: int
    username: str
    display_name: str


@dataclass(frozen=True)
class GraderProgress:
    """How far one grader has got; says nothing of what they answered."""

    grader: Person
    submitted: int
    drafts: int
    decisions: int

    @property
    def done(self) -> bool:
        return self.submitted == self.decisions


@dataclass(frozen=True)
class SessionSummary:
    id: int
    title: str
    toolkit_row_id: int
    toolkit_key: str
    toolkit_version: str
    deadline: date
    status: SessionStatus
    created_by: str
    created_at: datetime
    revealed_at: datetime | None
    closed_at: datetime | None
    decisions: int
    graders: int
    submitted: int  # scores submitted, all graders
    row_version: int
    i_grade: bool = False  # the actor is one of its graders
    my_submitted: int = 0

    @property
    def revealed(self) -> bool:
        return self.revealed_at is not None

    @property
    def expected(self) -> int:
        """Scores the session needs: every grader, every decision."""
        return self.decisions * self.graders

    def overdue(self, today: date) -> bool:
        return self.status is SessionStatus.OPEN and today > self.deadline


@dataclass(frozen=True)
class SessionDecision:
    decision_id: int
    cad_ref: str
    category: Category
    received_at: datetime
    position: int


@dataclass(frozen=True)
class SessionDetail:
    """A session's status screen: its decisions and each grader's progress."""

    session: SessionSummary
    decisions: tuple[SessionDecision, ...]
    graders: tuple[GraderProgress, ...]


@dataclass(frozen=True)
class GraderAnswer:
    """One grader's answer to one criterion of one decision (None: unanswered)."""

    grader: Person
    answer: Answer | None
    note: str = ""


def summaries(session: Session, where: list[Any], actor_id: int | None) -> list[SessionSummary]:
    """Sessions matching ``where``, newest first, with their counts."""
    n_decisions = (
        select(func.count()).where(_CD.session_id == _S.id).correlate(calibration_sessions_table)
    ).scalar_subquery()
    n_graders = (
        select(func.count()).where(_G.session_id == _S.id).correlate(calibration_sessions_table)
    ).scalar_subquery()
    n_submitted = (
        select(func.count())
        .where(_SC.session_id == _S.id, _SC.status == ScoreStatus.SUBMITTED.value)
        .correlate(calibration_sessions_table)
    ).scalar_subquery()
    mine = (
        select(func.count())
        .where(
            _SC.session_id == _S.id,
            _SC.status == ScoreStatus.SUBMITTED.value,
            _SC.grader_user_id == actor_id,
        )
        .correlate(calibration_sessions_table)
    ).scalar_subquery()
    i_grade = (
        select(func.count())
        .where(_G.session_id == _S.id, _G.user_id == actor_id)
        .correlate(calibration_sessions_table)
    ).scalar_subquery()
    stmt = (
        select(
            calibration_sessions_table,
            _U.display_name.label("creator"),
            n_decisions.label("n_decisions"),
            n_graders.label("n_graders"),
            n_submitted.label("n_submitted"),
            mine.label("mine"),
            i_grade.label("i_grade"),
        )
        .join(users_table, _U.id == _S.created_by)
        .where(*where)
        .order_by(_S.id.desc())
    )
    return [
        SessionSummary(
            id=r.id,
            title=r.title,
            toolkit_row_id=r.toolkit_row_id,
            toolkit_key=r.toolkit_id,
            toolkit_version=r.toolkit_version,
            deadline=r.deadline,
            status=SessionStatus(r.status),
            created_by=r.creator,
            created_at=r.created_at,
            revealed_at=r.revealed_at,
            closed_at=r.closed_at,
            decisions=int(r.n_decisions),
            graders=int(r.n_graders),
            submitted=int(r.n_submitted),
            row_version=r.row_version,
            i_grade=bool(r.i_grade),
            my_submitted=int(r.mine),
        )
        for r in session.execute(stmt)
    ]


def summary(session: Session, session_id: int, actor_id: int | None) -> SessionSummary:
    found = summaries(session, [_S.id == session_id], actor_id)
    if not found:
        raise NotFound(f"There is no calibration session {session_id}.")
    return found[0]


def session_decisions(session: Session, session_id: int) -> tuple[SessionDecision, ...]:
    rows = session.execute(
        select(_CD.decision_id, _CD.position, _D.cad_ref, _D.category, _D.received_at)
        .join(decisions_table, _D.id == _CD.decision_id)
        .where(_CD.session_id == session_id)
        .order_by(_CD.position)
    )
    return tuple(
        SessionDecision(r.decision_id, r.cad_ref, Category(r.category), r.received_at, r.position)
        for r in rows
    )


def graders(session: Session, session_id: int) -> tuple[Person, ...]:
    rows = session.execute(
        select(_U.id, _U.username, _U.display_name)
        .join(calibration_graders_table, _G.user_id == _U.id)
        .where(_G.session_id == session_id)
        .order_by(_U.display_name, _U.id)
    )
    return tuple(Person(r.id, r.username, r.display_name) for r in rows)


def progress(session: Session, session_id: int) -> tuple[GraderProgress, ...]:
    people = graders(session, session_id)
    n = len(session_decisions(session, session_id))
    counts: dict[tuple[int, str], int] = {}
    for grader_id, status, count in session.execute(
        select(_SC.grader_user_id, _SC.status, func.count())
        .where(_SC.session_id == session_id)
        .group_by(_SC.grader_user_id, _SC.status)
    ):
        counts[(int(grader_id), status)] = int(count)
    return tuple(
        GraderProgress(
            p,
            counts.get((p.user_id, ScoreStatus.SUBMITTED.value), 0),
            counts.get((p.user_id, ScoreStatus.DRAFT.value), 0),
            n,
        )
        for p in people
    )


def submitted_answers(
    session: Session, session_id: int
) -> dict[tuple[int, int], dict[str, tuple[str | None, str]]]:
    """(decision id, grader id) -> criterion -> (answer, note), submitted scores only.

    Only for reads that have checked the session is revealed."""
    out: dict[tuple[int, int], dict[str, tuple[str | None, str]]] = {}
    for r in session.execute(
        select(_SC.decision_id, _SC.grader_user_id, _A.criterion_code, _A.answer, _A.note)
        .join(calibration_answers_table, _A.score_id == _SC.id)
        .where(_SC.session_id == session_id, _SC.status == ScoreStatus.SUBMITTED.value)
    ):
        out.setdefault((r.decision_id, r.grader_user_id), {})[r.criterion_code] = (r.answer, r.note)
    return out


def submitted_judgements(session: Session, session_id: int) -> dict[tuple[int, int], str | None]:
    return {
        (r.decision_id, r.grader_user_id): r.judgement
        for r in session.execute(
            select(_SC.decision_id, _SC.grader_user_id, _SC.judgement).where(
                _SC.session_id == session_id, _SC.status == ScoreStatus.SUBMITTED.value
            )
        )
    }


def lock_session(session: Session, session_id: int) -> None:
    """Take the session's row lock (PostgreSQL; SQLite's write transaction already holds
    the database) so writes to one session run one after another: two graders submitting
    their last decisions at once cannot both miss the reveal, and two first saves of the
    same score or reference cannot both insert."""
    session.execute(select(_S.id).where(_S.id == session_id).with_for_update())


def answer_or_none(raw: str | None) -> Answer | None:
    return Answer(raw) if raw else None
