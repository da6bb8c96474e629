"""A grader's own work in a calibration session: what to score, and saving it.

A grader saves a draft as often as they like and submits each decision once; after that
it is fixed. Nothing here ever returns another grader's answers, nor any review of the
decision: the grader scores blind (docs/calibration.md, "Blindness").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlmodel import Session

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.scoring import Judgement, ScoreResult, missing_for_submit, score
from rcrp_tui.domain.toolkit import Criterion, Toolkit
from rcrp_tui.services.calibration.records import (
    ScoreStatus,
    SessionDecision,
    SessionStatus,
    SessionSummary,
    answer_or_none,
    lock_session,
    session_decisions,
    summary,
)
from rcrp_tui.services.calibration.sessions import reveal_if_complete
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rcrp_tui.services.core.free_text import guard_free_text
from rcrp_tui.services.decisions.queries import DecisionRow, decision_row_from, decision_row_query
from rcrp_tui.services.reviews import toolkits
from rcrp_tui.services.reviews.checks import validated_answers
from rcrp_tui.services.reviews.records import AnswerEntry, note_field
from rcrp_tui.storage.calibration_models import (
    CalibrationAnswer,
    CalibrationScore,
    CalibrationSession,
    calibration_answers_table,
    calibration_graders_table,
    calibration_scores_table,
)
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.versioning import touch

_SC = calibration_scores_table.c
_A = calibration_answers_table.c
_G = calibration_graders_table.c
_D = decisions_table.c


@dataclass(frozen=True)
class MyDecision:
    """One decision on a grader's list, with how far they have got (their own work only)."""

    decision: SessionDecision
    status: ScoreStatus | None  # None: not started
    answered: int
    applicable: int
    updated_at: datetime | None


@dataclass(frozen=True)
class MyWork:
    session: SessionSummary
    decisions: tuple[MyDecision, ...]

    @property
    def submitted(self) -> int:
        return sum(1 for d in self.decisions if d.status is ScoreStatus.SUBMITTED)


@dataclass(frozen=True)
class CalibrationWork:
    """Everything the review screen needs to score one decision for calibration.

    ``answers`` and ``judgement`` are the grader's own; ``row_version`` is None until the
    first save. ``editable`` is False once submitted or once the session is closed.
    """

    session: SessionSummary
    decision: DecisionRow
    toolkit: Toolkit
    criteria: tuple[Criterion, ...]
    answers: Mapping[str, AnswerEntry]
    judgement: Judgement | None
    status: ScoreStatus | None
    row_version: int | None
    result: ScoreResult
    editable: bool
    submitted_at: datetime | None = None


def _require_grader(session: Session, ctx: Ctx, session_id: int) -> SessionSummary:
    ctx.require(Permission.GRADE_CALIBRATION)
    found = summary(session, session_id, ctx.actor.user_id)
    if not found.i_grade:
        raise PermissionDenied(f"You are not a grader in calibration session {session_id}.")
    return found


def my_work(ctx: Ctx, session_id: int) -> MyWork:
    """The grader's list: every decision of the session with their own progress on it."""
    with ctx.db.read() as session:
        found = _require_grader(session, ctx, session_id)
        decisions = session_decisions(session, session_id)
        kit = toolkits.parse_cached(*_toolkit_source(session, found.toolkit_row_id))
        rows = {
            r.decision_id: r
            for r in session.execute(
                select(
                    _SC.decision_id,
                    _SC.status,
                    _SC.updated_at,
                    select(func.count())
                    .where(_A.score_id == _SC.id, _A.answer.is_not(None))
                    .correlate(calibration_scores_table)
                    .scalar_subquery()
                    .label("answered"),
                ).where(_SC.session_id == session_id, _SC.grader_user_id == ctx.actor.user_id)
            )
        }
    out = []
    for d in decisions:
        r = rows.get(d.decision_id)
        applicable = len(kit.criteria_for(d.category))
        out.append(
            MyDecision(
                d,
                ScoreStatus(r.status) if r else None,
                min(int(r.answered), applicable) if r else 0,
                applicable,
                r.updated_at if r else None,
            )
        )
    return MyWork(found, tuple(out))


def _toolkit_source(session: Session, row_id: int) -> tuple[str, str]:
    from rcrp_tui.storage.review_models import toolkits_table

    row = session.execute(
        select(toolkits_table.c.source, toolkits_table.c.toolkit_id).where(
            toolkits_table.c.id == row_id
        )
    ).one()
    return row.source, f"{row.toolkit_id}.toml"


def _own_score(
    session: Session, session_id: int, decision_id: int, grader_id: int | None
) -> CalibrationScore | None:
    return session.execute(
        select(CalibrationScore).where(
            CalibrationScore.session_id == session_id,  # type: ignore[arg-type]
            CalibrationScore.decision_id == decision_id,  # type: ignore[arg-type]
            CalibrationScore.grader_user_id == grader_id,  # type: ignore[arg-type]
        )
    ).scalar_one_or_none()


def _work(ctx: Ctx, session: Session, session_id: int, decision_id: int) -> CalibrationWork:
    found = _require_grader(session, ctx, session_id)
    if decision_id not in {d.decision_id for d in session_decisions(session, session_id)}:
        raise NotFound(f"Decision {decision_id} is not in calibration session {session_id}.")
    decision = decision_row_from(
        session.execute(decision_row_query().where(_D.id == decision_id)).one()
    )
    kit = toolkits.parse_cached(*_toolkit_source(session, found.toolkit_row_id))
    criteria = kit.criteria_for(decision.category)
    row = _own_score(session, session_id, decision_id, ctx.actor.user_id)
    answers: dict[str, AnswerEntry] = {}
    if row is not None:
        for a in session.execute(
            select(_A.criterion_code, _A.answer, _A.note).where(_A.score_id == row.id)
        ):
            answers[a.criterion_code] = AnswerEntry(answer_or_none(a.answer), a.note)
    status = ScoreStatus(row.status) if row else None
    result = score(
        criteria, {c: e.answer for c, e in answers.items() if e.answer is not None}, kit.bands
    )
    return CalibrationWork(
        session=found,
        decision=decision,
        toolkit=kit,
        criteria=criteria,
        answers=answers,
        judgement=Judgement(row.judgement) if row and row.judgement else None,
        status=status,
        row_version=row.row_version if row else None,
        result=result,
        editable=found.status is SessionStatus.OPEN and status is not ScoreStatus.SUBMITTED,
        submitted_at=row.submitted_at if row else None,
    )


def open_decision(ctx: Ctx, session_id: int, decision_id: int) -> CalibrationWork:
    """One decision to score, with the grader's own answers so far (nothing of others')."""
    with ctx.db.read() as session:
        return _work(ctx, session, session_id, decision_id)


def save_score(
    ctx: Ctx,
    session_id: int,
    decision_id: int,
    answers: Mapping[str, AnswerEntry],
    judgement: Judgement | None,
    *,
    expected_version: int | None,
    submit: bool = False,
    override_reasons: Mapping[str, str] | None = None,
) -> CalibrationWork:
    """Save the grader's draft, or submit it (every applicable criterion answered and a
    judgement given). ``expected_version`` is the ``row_version`` the screen showed (None
    before the first save). A submitted score cannot change. Submitting the last missing
    score of the session reveals it."""
    if ctx.actor.user_id is None:
        raise PermissionDenied("Calibration scores are made by a signed-in grader.")
    now = ctx.clock.now()
    with ctx.writing(Permission.GRADE_CALIBRATION) as session:
        lock_session(session, session_id)
        current = _work(ctx, session, session_id, decision_id)
        if current.session.status is not SessionStatus.OPEN:
            raise Conflict(
                f"Calibration session {session_id} is closed; scores can no longer change."
            )
        if current.status is ScoreStatus.SUBMITTED:
            raise Conflict("You have submitted this decision; a submitted score cannot change.")
        if current.row_version != expected_version:
            raise Conflict(
                "You saved this decision elsewhere (another screen or terminal) after you "
                "opened it; reload it to see that save. Nothing was saved here."
            )
        clean = validated_answers(current.toolkit, current.criteria, answers, judgement)
        row = _own_score(session, session_id, decision_id, ctx.actor.user_id)
        if row is None:
            row = CalibrationScore(
                session_id=session_id,
                decision_id=decision_id,
                grader_user_id=ctx.actor.user_id,
                status=ScoreStatus.DRAFT.value,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
        score_id = row.id or 0
        for code in sorted(clean):
            note = clean[code].note
            if note and note != current.answers.get(code, AnswerEntry()).note:
                guard_free_text(
                    session,
                    ctx,
                    field=note_field(code),
                    text=note,
                    override_reason=(override_reasons or {}).get(note_field(code)),
                    entity="calibration_score",
                    entity_id=score_id,
                )
        result = score(
            current.criteria,
            {c: e.answer for c, e in clean.items() if e.answer is not None},
            current.toolkit.bands,
        )
        if submit:
            missing = missing_for_submit(result, judgement)
            if missing:
                raise ValidationFailed("calibration", "cannot submit yet: " + "; ".join(missing))
        before = _flat(current.answers, current.judgement)
        after = _flat(clean, judgement)
        if not submit and before == after and current.row_version is not None:
            return current  # a save that changes nothing changes nothing
        row.judgement = judgement.value if judgement else None
        row.updated_at = now
        if submit:
            row.status = ScoreStatus.SUBMITTED.value
            row.submitted_at = now
        touch(row)
        session.add(row)
        session.flush()
        session.execute(delete(calibration_answers_table).where(_A.score_id == score_id))
        for code, entry in sorted(clean.items()):
            session.add(
                CalibrationAnswer(
                    score_id=score_id,
                    criterion_code=code,
                    answer=entry.answer.value if entry.answer else None,
                    note=entry.note,
                )
            )
        audit.record(
            session,
            ctx,
            "calibration_score_submitted" if submit else "calibration_score_saved",
            "calibration_score",
            score_id,
            before={"session_id": session_id, "decision_id": decision_id, **before}
            if current.row_version is not None
            else None,
            after={"session_id": session_id, "decision_id": decision_id, **after},
        )
        if submit:
            srow = session.get(CalibrationSession, session_id)
            assert srow is not None
            reveal_if_complete(ctx, session, srow)
        session.flush()
        return _work(ctx, session, session_id, decision_id)


def _flat(answers: Mapping[str, AnswerEntry], judgement: Judgement | None) -> dict[str, object]:
    return {
        "judgement": judgement.value if judgement else None,
        "answers": {
            code: {"answer": e.answer.value if e.answer else None, "note": e.note}
            for code, e in sorted(answers.items())
        },
    }


__all__ = [
    "AnswerEntry",
    "CalibrationWork",
    "MyDecision",
    "MyWork",
    "my_work",
    "open_decision",
    "save_score",
]
