"""Agreement statistics for a revealed session, each grader's drift, and the KPI summary.

Only submitted scores count (a draft left when a session closed is missing). N/A and an
unanswered criterion are missing ratings. The statistics are
:mod:`rcrp_tui.domain.calibration.agreement`; what each means is docs/calibration.md.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from rcrp_tui.domain.calibration import agreement
from rcrp_tui.domain.calibration.agreement import ORDER, Estimate, Rating, rating_of
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.force_settings import ForceSettings, load_force_settings
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.scoring import Answer, score
from rcrp_tui.services.calibration.records import (
    Person,
    SessionStatus,
    SessionSummary,
    summaries,
)
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import PermissionDenied
from rcrp_tui.storage.calibration_models import calibration_sessions_table
from rcrp_tui.storage.models import users_table

# Revealing and running sessions (with the sampling and free-text checks behind them) is
# imported where it is used: the KPI report reads only the latest closed session's
# summary, and `rcrp-tui report` should not pay for the rest (issue 20).
if TYPE_CHECKING:
    from rcrp_tui.services.calibration.reveal import CriterionSideBySide, ReferenceView, Revealed

_S = calibration_sessions_table.c
_U = users_table.c

#: Criteria listed as a grader's most often disagreed on.
MOST_DISAGREED = 5
#: A grader's mean score difference from the reference beyond this many points reads as
#: lenient (above) or severe (below).
DRIFT_POINTS = 5.0

#: Krippendorff's alpha by table. Alpha (with its 1,000-draw bootstrap interval) is a
#: pure function of the ratings, and a revealed session's ratings no longer change, so a
#: results screen reloaded after a reference answer is set does not draw it again.
_ALPHA_CACHE: dict[tuple[tuple[Rating, ...], ...], Estimate] = {}
_ALPHA_CACHE_MAX = 2000


def _alpha(table: Sequence[Sequence[Rating]]) -> Estimate:
    key = tuple(tuple(row) for row in table)
    found = _ALPHA_CACHE.get(key)
    if found is None:
        if len(_ALPHA_CACHE) >= _ALPHA_CACHE_MAX:
            _ALPHA_CACHE.clear()
        found = _ALPHA_CACHE[key] = agreement.krippendorff_alpha(table, "ordinal", ORDER)
    return found


#: A force's settings file replaces the shipped one when this is set.
FORCE_SETTINGS_ENV = "RCRP_FORCE_SETTINGS"


def force_settings() -> ForceSettings:
    """``$RCRP_FORCE_SETTINGS`` if set, else the shipped settings."""
    path = os.environ.get(FORCE_SETTINGS_ENV)
    return load_force_settings(Path(path)) if path else load_force_settings()


@dataclass(frozen=True)
class PairKappa:
    a: Person
    b: Person
    estimate: Estimate


@dataclass(frozen=True)
class GraderAgreement:
    """One grader's agreement with the reference answers."""

    grader: Person
    estimate: Estimate


@dataclass(frozen=True)
class AgreementFigures:
    """Every agreement statistic over one table of ratings."""

    raw: Estimate
    fleiss: Estimate
    alpha: Estimate  # Krippendorff, ordinal: Met > Partially met > Not met
    ac1: Estimate
    cohen: tuple[PairKappa, ...]
    with_reference: tuple[GraderAgreement, ...]
    divergence: str | None  # one line when Fleiss' kappa and AC1 tell different stories


@dataclass(frozen=True)
class CriterionResult:
    code: str
    question: str
    critical: bool
    figures: AgreementFigures


@dataclass(frozen=True)
class CriticalDisagreement:
    """A critical criterion on which the graders did not all give the same answer."""

    decision_id: int
    cad_ref: str
    code: str
    question: str
    answers: tuple[tuple[Person, Answer | None], ...]
    reference: ReferenceView | None


@dataclass(frozen=True)
class SessionResults:
    session: SessionSummary
    graders: tuple[Person, ...]
    overall: AgreementFigures  # every (decision, criterion) pair is one unit
    criteria: tuple[CriterionResult, ...]
    critical_disagreements: tuple[CriticalDisagreement, ...]
    references_set: int
    references_needed: int


def _figures(
    table: Sequence[Sequence[Rating]],
    reference: Sequence[Rating],
    people: Sequence[Person],
) -> AgreementFigures:
    fleiss = agreement.fleiss_kappa(table, ORDER)
    ac1 = agreement.gwet_ac1(table, ORDER)
    cohen = tuple(
        PairKappa(
            people[i],
            people[j],
            agreement.cohen_kappa([row[i] for row in table], [row[j] for row in table]),
        )
        for i, j in combinations(range(len(people)), 2)
    )
    with_ref = tuple(
        GraderAgreement(p, agreement.agreement_with_reference([row[i] for row in table], reference))
        for i, p in enumerate(people)
    )
    return AgreementFigures(
        raw=agreement.raw_agreement(table),
        fleiss=fleiss,
        alpha=_alpha(table),
        ac1=ac1,
        cohen=cohen,
        with_reference=with_ref,
        divergence=agreement.divergence_note(fleiss, ac1),
    )


def _ratings(c: CriterionSideBySide) -> tuple[list[Rating], Rating]:
    row = [rating_of(a.answer.value if a.answer else None) for a in c.answers]
    ref = rating_of(c.reference.answer.value) if c.reference else None
    return row, ref


def results_of(revealed: Revealed, *, per_criterion: bool = True) -> SessionResults:
    """The statistics of an already-revealed session (no database access).

    ``per_criterion=False`` leaves the per-criterion figures out (each Krippendorff
    interval is a 1,000-draw bootstrap): the KPI report needs only the overall ones."""
    people = revealed.graders
    per_code: dict[str, tuple[list[list[Rating]], list[Rating]]] = {}
    questions: dict[str, tuple[str, bool]] = {}
    all_rows: list[list[Rating]] = []
    all_refs: list[Rating] = []
    critical: list[CriticalDisagreement] = []
    for d in revealed.decisions:
        for c in d.criteria:
            row, ref = _ratings(c)
            table, refs = per_code.setdefault(c.code, ([], []))
            table.append(row)
            refs.append(ref)
            all_rows.append(row)
            all_refs.append(ref)
            questions[c.code] = (c.question, c.critical)
            if c.critical and not c.agreed:
                critical.append(
                    CriticalDisagreement(
                        d.decision.decision_id,
                        d.decision.cad_ref,
                        c.code,
                        c.question,
                        tuple((a.grader, a.answer) for a in c.answers),
                        c.reference,
                    )
                )
    criteria = tuple(
        CriterionResult(code, questions[code][0], questions[code][1], _figures(t, r, people))
        for code, (t, r) in per_code.items()
        if per_criterion
    )
    return SessionResults(
        session=revealed.session,
        graders=people,
        overall=_figures(all_rows, all_refs, people),
        criteria=criteria,
        critical_disagreements=tuple(critical),
        references_set=revealed.references_set,
        references_needed=revealed.references_needed,
    )


def session_results(ctx: Ctx, session_id: int) -> SessionResults:
    """Per criterion and overall: raw agreement, agreement with the reference per grader,
    Cohen's kappa per pair, Fleiss' kappa, Krippendorff's ordinal alpha, Gwet's AC1, the
    divergence note, and every critical criterion the graders split on. Refused with
    ``StillBlind`` before the reveal; a floorwalker sees only sessions they graded."""
    from rcrp_tui.services.calibration.reveal import revealed_answers

    return results_of(revealed_answers(ctx, session_id))


# --- drift ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionDrift:
    """One grader in one session, against the reference answers."""

    session_id: int
    title: str
    revealed_at: datetime
    agreement: Estimate  # with the reference
    mean_score_difference: float | None  # grader's score minus the reference's, in points
    decisions_compared: int
    lenient_verdicts: int  # grader PASS where the reference FAILs
    severe_verdicts: int  # grader FAIL where the reference PASSes
    #: Per criterion in this session: (code, answers matching the reference, compared).
    by_criterion: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class CriterionDisagreement:
    code: str
    question: str
    disagreed: int
    compared: int


@dataclass(frozen=True)
class TrendCell:
    """One criterion in one session: how many of the grader's answers matched the reference."""

    agreed: int
    compared: int

    @property
    def share(self) -> float:
        return self.agreed / self.compared


@dataclass(frozen=True)
class CriterionTrend:
    """One criterion across a grader's sessions, oldest first: a cell per session, None
    where the criterion had no answer of theirs with a reference in that session."""

    code: str
    question: str
    cells: tuple[TrendCell | None, ...]


@dataclass(frozen=True)
class GraderDrift:
    """A grader across every revealed session with reference answers, oldest first."""

    grader: Person
    sessions: tuple[SessionDrift, ...]
    mean_score_difference: float | None
    decisions_compared: int
    lenient_verdicts: int
    severe_verdicts: int
    most_disagreed: tuple[CriterionDisagreement, ...]
    #: Agreement with the reference per criterion, session by session (the sessions are
    #: ``sessions``, in the same order), criteria in toolkit order.
    criteria_over_time: tuple[CriterionTrend, ...] = ()

    @property
    def verdict_difference(self) -> float | None:
        """(lenient - severe) verdicts as a share of decisions compared: above 0 passes
        more than the reference would, below 0 fails more."""
        if not self.decisions_compared:
            return None
        return (self.lenient_verdicts - self.severe_verdicts) / self.decisions_compared

    @property
    def direction(self) -> str:
        """``lenient``, ``severe``, ``in line`` or ``not enough data`` (in words, no colour)."""
        if self.mean_score_difference is None:
            return "not enough data"
        if self.mean_score_difference > DRIFT_POINTS:
            return "lenient"
        if self.mean_score_difference < -DRIFT_POINTS:
            return "severe"
        return "in line"


def _drift_sessions(ctx: Ctx) -> list[SessionSummary]:
    with ctx.db.read() as session:
        found = summaries(session, [_S.revealed_at.is_not(None)], ctx.actor.user_id)
    return sorted(found, key=lambda s: (s.revealed_at or s.created_at, s.id))


def grader_drift(ctx: Ctx, grader_username: str | None = None) -> tuple[GraderDrift, ...]:
    """Each grader's leniency or severity, agreement with the reference over time and the
    criteria they most often disagree on. A QA lead sees every grader (or the one named);
    a floorwalker sees only their own, and naming anyone else is refused."""
    from rcrp_tui.services.calibration.reveal import revealed_answers, session_toolkit
    from rcrp_tui.services.calibration.sessions import require_reader

    require_reader(ctx)
    if ctx.actor.role is not Role.QA_LEAD:
        if grader_username not in (None, ctx.actor.username):
            raise PermissionDenied("A floorwalker sees only their own calibration drift.")
        grader_username = ctx.actor.username
    sessions = _drift_sessions(ctx)
    per: dict[int, list[SessionDrift]] = {}
    people: dict[int, Person] = {}
    totals: dict[int, list[float]] = {}
    verdicts: dict[int, list[int]] = {}
    disagreed: dict[int, Counter[str]] = {}
    compared: dict[int, Counter[str]] = {}
    questions: dict[str, str] = {}
    qa_ctx = ctx if ctx.actor.role is Role.QA_LEAD else None
    for s in sessions:
        if qa_ctx is None and not s.i_grade:
            continue
        revealed = revealed_answers(ctx, s.id)
        with ctx.db.read() as session:
            kit = session_toolkit(session, s.toolkit_row_id)
        for i, p in enumerate(revealed.graders):
            if grader_username is not None and p.username != grader_username:
                continue
            people[p.user_id] = p
            diffs: list[float] = []
            lenient = severe = 0
            ratings: list[Rating] = []
            refs: list[Rating] = []
            matched: dict[str, list[int]] = {}  # code -> [agreed, compared], this session
            for d in revealed.decisions:
                mine: dict[str, Answer] = {}
                theirs: dict[str, Answer] = {}
                for c in d.criteria:
                    a = c.answers[i].answer
                    ratings.append(rating_of(a.value if a else None))
                    refs.append(rating_of(c.reference.answer.value) if c.reference else None)
                    questions[c.code] = c.question
                    if a is not None and c.reference is not None:
                        mine[c.code], theirs[c.code] = a, c.reference.answer
                        if a is Answer.NA and c.reference.answer is Answer.NA:
                            # Both N/A: nothing was judged, so it is neither a match nor
                            # a disagreement (N/A against a real answer is a disagreement).
                            continue
                        compared.setdefault(p.user_id, Counter())[c.code] += 1
                        tally = matched.setdefault(c.code, [0, 0])
                        tally[1] += 1
                        if a is not c.reference.answer:
                            disagreed.setdefault(p.user_id, Counter())[c.code] += 1
                        else:
                            tally[0] += 1
                if not mine:
                    continue
                crit = tuple(kit.criterion(code) for code in sorted(mine))
                g, r = score(crit, mine, kit.bands), score(crit, theirs, kit.bands)
                if g.percent is None or r.percent is None:
                    continue
                diffs.append(g.percent - r.percent)
                lenient += int(g.passed and not r.passed)
                severe += int(r.passed and not g.passed)
            if not any(x is not None for x in refs):
                continue  # no reference answers yet: nothing to drift from
            per.setdefault(p.user_id, []).append(
                SessionDrift(
                    s.id,
                    s.title,
                    s.revealed_at or s.created_at,
                    agreement.agreement_with_reference(ratings, refs),
                    sum(diffs) / len(diffs) if diffs else None,
                    len(diffs),
                    lenient,
                    severe,
                    tuple((code, t[0], t[1]) for code, t in matched.items()),
                )
            )
            totals.setdefault(p.user_id, []).extend(diffs)
            v = verdicts.setdefault(p.user_id, [0, 0, 0])
            v[0] += len(diffs)
            v[1] += lenient
            v[2] += severe
    out = []
    for uid, person in sorted(people.items(), key=lambda kv: kv[1].display_name):
        diffs = totals.get(uid, [])
        v = verdicts.get(uid, [0, 0, 0])
        seen = compared.get(uid, Counter())
        wrong = disagreed.get(uid, Counter())
        top = sorted(wrong, key=lambda code: (-wrong[code], code))[:MOST_DISAGREED]
        out.append(
            GraderDrift(
                grader=person,
                sessions=tuple(per.get(uid, [])),
                mean_score_difference=sum(diffs) / len(diffs) if diffs else None,
                decisions_compared=v[0],
                lenient_verdicts=v[1],
                severe_verdicts=v[2],
                most_disagreed=tuple(
                    CriterionDisagreement(code, questions[code], wrong[code], seen[code])
                    for code in top
                ),
                criteria_over_time=_over_time(per.get(uid, []), questions),
            )
        )
    return tuple(out)


def _over_time(
    sessions: Sequence[SessionDrift], questions: dict[str, str]
) -> tuple[CriterionTrend, ...]:
    codes: dict[str, None] = {}  # first seen first: the toolkit's order
    for s in sessions:
        codes.update((code, None) for code, _, _ in s.by_criterion)
    cells = [{code: TrendCell(a, n) for code, a, n in s.by_criterion} for s in sessions]
    return tuple(
        CriterionTrend(code, questions.get(code, ""), tuple(c.get(code) for c in cells))
        for code in codes
    )


def criterion_trend(ctx: Ctx, grader_username: str) -> GraderDrift | None:
    """One grader's drift with their agreement per criterion, session by session (the
    chart of ``criteria_over_time``); None when they have no revealed session with
    references. The same rule as :func:`grader_drift`: a QA lead may ask about anyone, a
    floorwalker only about themselves (anyone else is refused)."""
    found = grader_drift(ctx, grader_username)
    return found[0] if found else None


# --- the KPI report's section --------------------------------------------------------


@dataclass(frozen=True)
class CalibrationSummary:
    """The latest closed session's headline figures, for the KPI report."""

    session_id: int
    title: str
    closed_at: datetime | None
    alpha: Estimate
    ac1: Estimate
    threshold: float
    below_threshold: tuple[GraderAgreement, ...]  # agreement with the reference under it
    references_set: int
    references_needed: int
    #: Graders compared with the reference on too few answers to judge either way
    #: (fewer than ``agreement.MIN_UNITS``): neither below nor above the threshold.
    too_few_to_judge: tuple[GraderAgreement, ...] = ()


def latest_closed_summary(ctx: Ctx) -> CalibrationSummary | None:
    """The most recently closed session's alpha and AC1, and the graders whose agreement
    with the reference is below the force's ``calibration_min_agreement`` (None when no
    session has closed). For anyone who may see KPIs."""
    ctx.require(Permission.VIEW_KPIS)
    with ctx.db.read() as session:
        latest = session.execute(
            select(_S.id)
            .where(_S.status == SessionStatus.CLOSED.value)
            .order_by(_S.closed_at.desc(), _S.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    if latest is None:
        return None
    # The KPI reader may not be a calibration reader (a supervisor): read as the system.
    from rcrp_tui.services.calibration.reveal import revealed_for_report

    revealed = revealed_for_report(ctx, int(latest))
    people = revealed.graders
    rows: list[list[Rating]] = []
    refs: list[Rating] = []
    for d in revealed.decisions:
        for c in d.criteria:
            row, ref = _ratings(c)
            rows.append(row)
            refs.append(ref)
    alpha = _alpha(rows)
    with_reference = tuple(
        GraderAgreement(p, agreement.agreement_with_reference([r[i] for r in rows], refs))
        for i, p in enumerate(people)
    )
    threshold = force_settings().calibration_min_agreement
    below = tuple(
        g
        for g in with_reference
        if g.estimate.value is not None and not g.estimate.too_few and g.estimate.value < threshold
    )
    too_few = tuple(g for g in with_reference if g.estimate.too_few)
    return CalibrationSummary(
        session_id=revealed.session.id,
        title=revealed.session.title,
        closed_at=revealed.session.closed_at,
        alpha=alpha,
        ac1=agreement.gwet_ac1(rows, ORDER),
        threshold=threshold,
        below_threshold=below,
        references_set=revealed.references_set,
        references_needed=revealed.references_needed,
        too_few_to_judge=too_few,
    )
