"""Results of a sample: compliance with Wilson intervals, judgements, strata, weights, CSV.

A sampled decision counts once it has a review past draft (submitted, moderated, released
or acknowledged); the latest such review is used. Skipped and replaced items never count,
but the report says how many there were.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Subquery, and_, func, literal, select
from sqlmodel import Session

from rcrp_tui.domain.criterion_results import CriterionResult
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.sampling import SampleItemStatus
from rcrp_tui.domain.scoring import Judgement
from rcrp_tui.domain.statistics import Proportion, weighted_proportion, wilson_interval
from rcrp_tui.private_files import write_private
from rcrp_tui.services.core.blindness import blind_decision_ids
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.export_marking import csv_safe
from rcrp_tui.services.sampling.plans import check_sample_exists
from rcrp_tui.services.sampling.population import LIVE_ITEM_STATUSES
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.review_models import review_answers_table, reviews_table
from rcrp_tui.storage.sampling_models import sample_items_table

_I = sample_items_table.c
_R = reviews_table.c
_A = review_answers_table.c
_D = decisions_table.c


@dataclass(frozen=True)
class StratumResult:
    stratum: str
    in_sample: int
    reviewed: int
    compliance: Proportion


@dataclass(frozen=True)
class SampleResults:
    sample_id: int
    in_sample: int
    reviewed: int
    skipped: int
    replaced: int
    overall: Proportion
    weighted: Proportion | None  # only when design weights differ (oversampling)
    criteria: tuple[CriterionResult, ...]
    judgements: tuple[tuple[str, int], ...]
    strata: tuple[StratumResult, ...]


def judgement_label(code: str) -> str:
    """The label of a judgement code in ``SampleResults.judgements``; other text as it is
    ("none recorded", and codes from a newer vocabulary)."""
    try:
        return Judgement(code).label
    except ValueError:
        return code


def _latest_reviews() -> Subquery:
    return (
        select(_R.decision_id, func.max(_R.id).label("review_id"))
        .where(_R.status != ReviewStatus.DRAFT.value)
        .group_by(_R.decision_id)
        .subquery()
    )


def _reviewed_rows(
    session: Session, sample_id: int
) -> list[tuple[str, float, int, bool, str | None]]:
    latest = _latest_reviews()
    stmt = (
        select(_I.stratum, _I.design_weight, _R.id, _R.passed, _R.judgement)
        .join(latest, latest.c.decision_id == _I.decision_id)
        .join(reviews_table, _R.id == latest.c.review_id)
        .where(_I.sample_id == sample_id, _I.status.in_(LIVE_ITEM_STATUSES))
        .order_by(_I.position)
    )
    return [(s, float(w), int(r), bool(p), j) for s, w, r, p, j in session.execute(stmt)]


def results(ctx: Ctx, sample_id: int) -> SampleResults:
    """Compliance overall, per criterion and per stratum, for a finished or partial sample."""
    ctx.require(Permission.PLAN_SAMPLES)
    with ctx.db.read() as session:
        check_sample_exists(session, sample_id)
        statuses = dict(
            session.execute(
                select(_I.status, func.count()).where(_I.sample_id == sample_id).group_by(_I.status)
            ).all()
        )
        per_stratum = dict(
            session.execute(
                select(_I.stratum, func.count())
                .where(_I.sample_id == sample_id, _I.status.in_(LIVE_ITEM_STATUSES))
                .group_by(_I.stratum)
            ).all()
        )
        rows = _reviewed_rows(session, sample_id)
        answers = session.execute(
            select(_A.criterion_code, _A.answer, func.count())
            .where(_A.review_id.in_([r[2] for r in rows]))
            .group_by(_A.criterion_code, _A.answer)
        ).all()
    passed = [r[3] for r in rows]
    weights = [r[1] for r in rows]
    weighted = weighted_proportion(passed, weights) if rows and len(set(weights)) > 1 else None
    by_code: dict[str, Counter[str]] = defaultdict(Counter)
    for code, answer, n in answers:
        by_code[code][answer or "unanswered"] += int(n)
    criteria = tuple(CriterionResult.tally(code, c) for code, c in sorted(by_code.items()))
    stratum_passes: dict[str, list[bool]] = defaultdict(list)
    for stratum, _w, _rid, ok, _j in rows:
        stratum_passes[stratum].append(ok)
    strata = tuple(
        StratumResult(
            stratum=key,
            in_sample=int(per_stratum.get(key, 0)),
            reviewed=len(stratum_passes[key]),
            compliance=wilson_interval(sum(stratum_passes[key]), len(stratum_passes[key])),
        )
        for key in sorted(set(per_stratum) | set(stratum_passes))
    )
    judgements = Counter(r[4] or "none recorded" for r in rows)
    return SampleResults(
        sample_id=sample_id,
        in_sample=sum(int(statuses.get(s, 0)) for s in LIVE_ITEM_STATUSES),
        reviewed=len(rows),
        skipped=int(statuses.get(SampleItemStatus.SKIPPED, 0)),
        replaced=int(statuses.get(SampleItemStatus.REPLACED, 0)),
        overall=wilson_interval(sum(passed), len(passed)),
        weighted=weighted,
        criteria=criteria,
        judgements=tuple(sorted(judgements.items(), key=lambda kv: (-kv[1], kv[0]))),
        strata=strata,
    )


CSV_COLUMNS = (
    "position",
    "cad_ref",
    "stratum",
    "design_weight",
    "item_status",
    "reason",
    "replacement_of_item",
    "review_status",
    "passed",
    "judgement",
    "score",
)


#: The review status written for a review the reader may not see yet (calibration).
HIDDEN_FOR_CALIBRATION = "hidden until your calibration score is submitted"


def export_csv(ctx: Ctx, sample_id: int) -> str:
    """Every item of the sample with its review outcome, as CSV text (one row per item)."""
    ctx.require(Permission.PLAN_SAMPLES)
    latest = _latest_reviews()
    stmt = (
        select(
            _I.position,
            _D.cad_ref,
            _I.stratum,
            _I.design_weight,
            _I.status,
            _I.reason,
            _I.replacement_of_item_id,
            _R.status,
            _R.passed,
            _R.judgement,
            _R.score,
        )
        .join(decisions_table, _D.id == _I.decision_id)
        .outerjoin(latest, latest.c.decision_id == _I.decision_id)
        .outerjoin(reviews_table, _R.id == latest.c.review_id)
        .where(_I.sample_id == sample_id)
        .order_by(_I.position)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    me = ctx.actor.user_id
    # A grader in a calibration session does not see others' reviews of a decision they
    # have still to score there (services/core/blindness.py): said so, not left blank.
    hidden = (
        and_(
            _R.reviewer_user_id != me,
            _I.decision_id.in_(blind_decision_ids(me)),
        ).label("hidden")
        if me is not None
        else literal(False).label("hidden")
    )
    stmt = stmt.add_columns(hidden)
    with ctx.db.read() as session:
        check_sample_exists(session, sample_id)
        for row in session.execute(stmt):
            values = list(row)[:-1]
            if row.hidden:
                values[7:] = [HIDDEN_FOR_CALIBRATION, None, None, None]
            elif values[7] is None:  # no review yet: leave the review columns empty
                values[8] = None
            writer.writerow(["" if v is None else csv_safe(v) for v in values])
    return out.getvalue()


def write_csv(ctx: Ctx, sample_id: int, path: Path) -> int:
    """Write ``export_csv`` to ``path``; returns the number of item rows."""
    text = export_csv(ctx, sample_id)
    write_private(path, text)
    return text.count("\n") - 1
