"""After the reveal: every grader's answers side by side, and the reference answers.

Nothing here answers before the session is revealed (every grader submitted every
decision, or the QA lead closed it): ``StillBlind`` says so instead. Only QA leads set a
reference answer, from one grader's answer or as a consensus with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.scoring import Answer, Judgement, ScoreResult, score
from rcrp_tui.domain.toolkit import Toolkit
from rcrp_tui.services.calibration.records import (
    GraderAnswer,
    Person,
    SessionDecision,
    SessionStatus,
    SessionSummary,
    StillBlind,
    answer_or_none,
    graders,
    lock_session,
    session_decisions,
    submitted_answers,
    submitted_judgements,
    summary,
)
from rcrp_tui.services.calibration.sessions import require_reader, session_detail
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, ValidationFailed
from rcrp_tui.services.core.free_text import guard_free_text
from rcrp_tui.services.reviews import toolkits
from rcrp_tui.storage.calibration_models import (
    NOTE_MAX,
    CalibrationReference,
    calibration_references_table,
)
from rcrp_tui.storage.models import users_table
from rcrp_tui.storage.review_models import toolkits_table

_R = calibration_references_table.c
_U = users_table.c

#: Where a reference answer came from.
FROM_GRADER = "grader"
CONSENSUS = "consensus"
#: How the personal-data guard names a reference answer's note.
REFERENCE_NOTE_FIELD = "Reference note"


@dataclass(frozen=True)
class ReferenceView:
    answer: Answer
    source: str  # FROM_GRADER | CONSENSUS
    source_grader: Person | None
    note: str
    set_by: str
    set_at: datetime
    row_version: int

    @property
    def described(self) -> str:
        """``Met (from Fw One)`` or ``Not met (consensus)``."""
        origin = f"from {self.source_grader.display_name}" if self.source_grader else self.source
        return f"{self.answer.label} ({origin})"


@dataclass(frozen=True)
class CriterionSideBySide:
    code: str
    question: str
    critical: bool
    answers: tuple[GraderAnswer, ...]  # one per grader, in the session's grader order
    reference: ReferenceView | None

    @property
    def agreed(self) -> bool:
        """Every grader who answered gave the same answer (N/A counted as an answer)."""
        given = {a.answer for a in self.answers if a.answer is not None}
        return len(given) <= 1


@dataclass(frozen=True)
class GraderResult:
    """One grader's overall result for one decision (None: not submitted)."""

    grader: Person
    judgement: Judgement | None
    result: ScoreResult | None


@dataclass(frozen=True)
class DecisionSideBySide:
    decision: SessionDecision
    criteria: tuple[CriterionSideBySide, ...]
    results: tuple[GraderResult, ...]

    @property
    def disagreements(self) -> int:
        return sum(1 for c in self.criteria if not c.agreed)


@dataclass(frozen=True)
class Revealed:
    session: SessionSummary
    graders: tuple[Person, ...]
    decisions: tuple[DecisionSideBySide, ...]

    @property
    def references_set(self) -> int:
        return sum(1 for d in self.decisions for c in d.criteria if c.reference is not None)

    @property
    def references_needed(self) -> int:
        return sum(len(d.criteria) for d in self.decisions)


def session_toolkit(session: Session, row_id: int) -> Toolkit:
    row = session.execute(
        select(toolkits_table.c.source, toolkits_table.c.toolkit_id).where(
            toolkits_table.c.id == row_id
        )
    ).one()
    return toolkits.parse_cached(row.source, f"{row.toolkit_id}.toml")


def references(session: Session, session_id: int) -> dict[tuple[int, str], ReferenceView]:
    """(decision id, criterion) -> the reference answer."""
    setter = users_table.alias("setter")
    source = users_table.alias("source")
    rows = session.execute(
        select(
            calibration_references_table,
            setter.c.display_name.label("setter_name"),
            source.c.username.label("source_username"),
            source.c.display_name.label("source_name"),
        )
        .join(setter, setter.c.id == _R.set_by)
        .outerjoin(source, source.c.id == _R.source_user_id)
        .where(_R.session_id == session_id)
    )
    return {
        (r.decision_id, r.criterion_code): ReferenceView(
            answer=Answer(r.answer),
            source=r.source,
            source_grader=Person(r.source_user_id, r.source_username, r.source_name)
            if r.source_user_id is not None
            else None,
            note=r.note,
            set_by=r.setter_name,
            set_at=r.set_at,
            row_version=r.row_version,
        )
        for r in rows
    }


def _revealed_summary(ctx: Ctx, session_id: int) -> SessionSummary:
    """The session, once the actor may see its answers; ``StillBlind`` before the reveal."""
    require_reader(ctx)
    found = session_detail(ctx, session_id).session  # scope: a grader's own sessions only
    if not found.revealed:
        raise StillBlind(
            f"The answers of calibration session {session_id} are hidden until every grader "
            "has submitted every decision or a QA lead closes the session "
            f"({found.submitted} of {found.expected} scores submitted)."
        )
    return found


def revealed_answers(ctx: Ctx, session_id: int) -> Revealed:
    """Every grader's submitted answers side by side, with the reference answers.

    Graders see it for their own sessions and QA leads for all, only once revealed.
    Drafts never show: a grader who did not submit a decision shows as unanswered.
    """
    return _build(ctx, _revealed_summary(ctx, session_id))


def revealed_for_report(ctx: Ctx, session_id: int) -> Revealed:
    """A closed session's answers for the KPI report's calibration figures (anyone who
    may see KPIs; the report shows only figures and names, never an answer)."""
    ctx.require(Permission.VIEW_KPIS)
    with ctx.db.read() as session:
        found = summary(session, session_id, ctx.actor.user_id)
    if found.status is not SessionStatus.CLOSED:
        raise StillBlind(f"Calibration session {session_id} is not closed.")
    return _build(ctx, found)


def _build(ctx: Ctx, found: SessionSummary) -> Revealed:
    session_id = found.id
    with ctx.db.read() as session:
        people = graders(session, session_id)
        decisions = session_decisions(session, session_id)
        kit = session_toolkit(session, found.toolkit_row_id)
        answers = submitted_answers(session, session_id)
        judgements = submitted_judgements(session, session_id)
        refs = references(session, session_id)
    out = []
    for d in decisions:
        criteria = kit.criteria_for(d.category)
        rows = []
        for c in criteria:
            rows.append(
                CriterionSideBySide(
                    code=c.code,
                    question=c.question,
                    critical=c.critical,
                    answers=tuple(
                        GraderAnswer(
                            p,
                            answer_or_none(
                                answers.get((d.decision_id, p.user_id), {}).get(c.code, (None, ""))[
                                    0
                                ]
                            ),
                            answers.get((d.decision_id, p.user_id), {}).get(c.code, (None, ""))[1],
                        )
                        for p in people
                    ),
                    reference=refs.get((d.decision_id, c.code)),
                )
            )
        results = []
        for p in people:
            key = (d.decision_id, p.user_id)
            if key not in judgements:
                results.append(GraderResult(p, None, None))
                continue
            given = {
                code: Answer(a) for code, (a, _n) in answers.get(key, {}).items() if a is not None
            }
            raw = judgements[key]
            results.append(
                GraderResult(p, Judgement(raw) if raw else None, score(criteria, given, kit.bands))
            )
        out.append(DecisionSideBySide(d, tuple(rows), tuple(results)))
    return Revealed(found, people, tuple(out))


def set_reference(
    ctx: Ctx,
    session_id: int,
    decision_id: int,
    criterion_code: str,
    *,
    from_grader: str | None = None,
    answer: Answer | None = None,
    note: str = "",
    expected_version: int | None = None,
    override_reasons: dict[str, str] | None = None,
) -> ReferenceView:
    """Record the reference answer for one criterion of one decision (QA lead only).

    Either ``from_grader`` (a grader's username: their submitted answer becomes the
    reference) or ``answer`` with a ``note`` saying what the meeting agreed (a consensus).
    ``expected_version`` is the version of the reference the screen showed (None when it
    showed none). Allowed once the session is revealed, open or closed.
    """
    ctx.require(Permission.RUN_CALIBRATION)
    if ctx.actor.role is not Role.QA_LEAD:  # pragma: no cover - the permission says so
        raise ValidationFailed("reference", "only a QA lead sets reference answers")
    found = _revealed_summary(ctx, session_id)
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(REFERENCE_NOTE_FIELD, f"at most {NOTE_MAX} characters")
    if (from_grader is None) == (answer is None):
        raise ValidationFailed(
            "Reference", "take one grader's answer, or give the consensus answer, not both"
        )
    with ctx.writing(Permission.RUN_CALIBRATION) as session:
        lock_session(session, session_id)
        decisions = {d.decision_id: d for d in session_decisions(session, session_id)}
        if decision_id not in decisions:
            raise NotFound(f"Decision {decision_id} is not in calibration session {session_id}.")
        kit = session_toolkit(session, found.toolkit_row_id)
        codes = {c.code for c in kit.criteria_for(decisions[decision_id].category)}
        if criterion_code not in codes:
            raise ValidationFailed(
                "Criterion",
                f"{criterion_code} is not a criterion of {kit.key} {kit.version} for "
                f"{decisions[decision_id].category.label}",
            )
        source_user_id: int | None = None
        source_name: str | None = None
        source = CONSENSUS
        if from_grader is not None:
            person = next(
                (p for p in graders(session, session_id) if p.username == from_grader), None
            )
            if person is None:
                raise ValidationFailed(
                    "Reference", f"{from_grader} is not a grader in session {session_id}"
                )
            given = submitted_answers(session, session_id).get((decision_id, person.user_id), {})
            raw = given.get(criterion_code, (None, ""))[0]
            if raw is None:
                raise ValidationFailed(
                    "Reference",
                    f"{person.display_name} gave no submitted answer to {criterion_code} here; "
                    "give the consensus answer instead",
                )
            answer = Answer(raw)
            source, source_user_id = FROM_GRADER, person.user_id
            source_name = person.display_name
        elif not note:
            raise ValidationFailed(
                REFERENCE_NOTE_FIELD, "say in a note what the meeting agreed and why"
            )
        assert answer is not None
        if kit.criterion(criterion_code).na_allowed is False and answer is Answer.NA:
            raise ValidationFailed("Reference", f"N/A is not allowed for {criterion_code}")
        row = session.execute(
            select(CalibrationReference).where(
                CalibrationReference.session_id == session_id,  # type: ignore[arg-type]
                CalibrationReference.decision_id == decision_id,  # type: ignore[arg-type]
                CalibrationReference.criterion_code == criterion_code,  # type: ignore[arg-type]
            )
        ).scalar_one_or_none()
        seen = None if row is None else row.row_version
        if seen != expected_version:
            raise Conflict(
                "Someone else set this reference answer at the same moment; reload the "
                "session to see theirs."
            )
        if note:
            guard_free_text(
                session,
                ctx,
                field=REFERENCE_NOTE_FIELD,
                text=note,
                override_reason=(override_reasons or {}).get(REFERENCE_NOTE_FIELD),
                entity="calibration_session",
                entity_id=session_id,
            )
        before = None
        if row is None:
            row = CalibrationReference(
                session_id=session_id,
                decision_id=decision_id,
                criterion_code=criterion_code,
                answer=answer.value,
                source=source,
                source_user_id=source_user_id,
                note=note,
                set_by=ctx.actor.user_id or 0,
                set_at=ctx.clock.now(),
            )
        else:
            before = {"answer": row.answer, "source": row.source, "note": row.note}
            if (row.answer, row.source, row.source_user_id, row.note) == (
                answer.value,
                source,
                source_user_id,
                note,
            ):
                return references(session, session_id)[(decision_id, criterion_code)]
            row.answer, row.source, row.source_user_id, row.note = (
                answer.value,
                source,
                source_user_id,
                note,
            )
            row.set_by, row.set_at = ctx.actor.user_id or 0, ctx.clock.now()
        session.add(row)
        session.flush()
        audit.record(
            session,
            ctx,
            "calibration_reference_set",
            "calibration_session",
            session_id,
            before=None
            if before is None
            else {"decision_id": decision_id, "criterion": criterion_code, **before},
            after={
                "decision_id": decision_id,
                "criterion": criterion_code,
                "answer": answer.value,
                "source": source,
                "from_grader": from_grader,
                # The name the side-by-side and the reference's detail show.
                "from_grader_name": source_name,
                "note": note,
            },
        )
        return references(session, session_id)[(decision_id, criterion_code)]


def adopt_grader_answers(ctx: Ctx, session_id: int, grader_username: str) -> int:
    """Take one grader's submitted answers as the reference for every criterion that has
    no reference yet (QA lead only; one transaction, one audit row). Returns how many
    references were set. A criterion the grader left unanswered stays without one."""
    ctx.require(Permission.RUN_CALIBRATION)
    found = _revealed_summary(ctx, session_id)
    with ctx.writing(Permission.RUN_CALIBRATION) as session:
        lock_session(session, session_id)
        person = next(
            (p for p in graders(session, session_id) if p.username == grader_username), None
        )
        if person is None:
            raise ValidationFailed(
                "Reference", f"{grader_username} is not a grader in session {session_id}"
            )
        have = set(references(session, session_id))
        given = submitted_answers(session, session_id)
        kit = session_toolkit(session, found.toolkit_row_id)
        now = ctx.clock.now()
        added: list[tuple[int, str]] = []
        for d in session_decisions(session, session_id):
            answers = given.get((d.decision_id, person.user_id), {})
            for c in kit.criteria_for(d.category):
                raw = answers.get(c.code, (None, ""))[0]
                if raw is None or (d.decision_id, c.code) in have:
                    continue
                session.add(
                    CalibrationReference(
                        session_id=session_id,
                        decision_id=d.decision_id,
                        criterion_code=c.code,
                        answer=raw,
                        source=FROM_GRADER,
                        source_user_id=person.user_id,
                        note="",
                        set_by=ctx.actor.user_id or 0,
                        set_at=now,
                    )
                )
                added.append((d.decision_id, c.code))
        if added:
            session.flush()
            audit.record(
                session,
                ctx,
                "calibration_references_adopted",
                "calibration_session",
                session_id,
                after={
                    "from_grader": grader_username,
                    "from_grader_name": person.display_name,
                    "references": len(added),
                },
            )
        return len(added)
