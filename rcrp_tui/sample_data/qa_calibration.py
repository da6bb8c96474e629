"""The demo's calibration sessions, written through the services as the demo users.

Session 1, closed: five decisions scored blind by QA lead 2 (the expert), Floorwalkers
1 and 2 (close to her, a slip or two each) and Floorwalker 3 (lenient: never marks
anything Not met or Partially met). On the second decision the critical criterion C05
splits two against two. Every grader submitted, so it revealed itself; QA lead 1 closed
it, took QA lead 2's answers as the reference and recorded C05 on that decision as a
consensus with a note.

Session 2, open: four decisions; QA lead 2 and Floorwalker 1 have submitted everything,
Floorwalker 4 has one draft, Floorwalker 5 has not started: it awaits two graders.

Everything is drawn from the seed and timed back from the demo's "now", so a build is
repeatable and a live demo's sessions are as recent as a fixed one's.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.sample_data import qa_work
from rcrp_tui.services.calibration import grading, reveal, sessions
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.storage.calibration_models import calibration_sessions_table
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import decisions_table

LEAD = "qalead1"
EXPERT = "qalead2"
CLOSED_GRADERS = (EXPERT, "floorwalker1", "floorwalker2", "floorwalker3")
LENIENT = "floorwalker3"
OPEN_GRADERS = (EXPERT, "floorwalker1", "floorwalker4", "floorwalker5")
CRITICAL = "C05"
CONSENSUS_NOTE = (
    "Agreed at the calibration meeting: the caller described a present and ongoing risk "
    "to life, so the Article 2 test was not reasoned; C05 is Not met."
)
_D = decisions_table.c


def is_added(db: Database) -> bool:
    """True when the demo's calibration sessions are in ``db``."""
    with db.engine.connect() as conn:
        return conn.execute(select(calibration_sessions_table.c.id).limit(1)).first() is not None


def _pick(ctx: Ctx, before: datetime, count: int, rng: random.Random, skip: set[str]) -> list[str]:
    """``count`` CAD references of decisions received in the week before ``before``."""
    with ctx.db.read() as session:
        refs = list(
            session.execute(
                select(_D.cad_ref)
                .where(_D.received_at < before, _D.received_at >= before - timedelta(days=7))
                .order_by(_D.received_at, _D.id)
                .limit(400)
            ).scalars()
        )
    refs = [r for r in refs if r not in skip]
    return rng.sample(refs, count) if len(refs) >= count else []


def _expert_answers(rng: random.Random, codes: list[str], split: bool) -> dict[str, Answer]:
    """What the expert marks: mostly Met, a few Partially met or Not met, C05 Not met on
    the decision the critical criterion splits on."""
    out: dict[str, Answer] = {}
    for code in codes:
        roll = rng.random()
        out[code] = Answer.NOT_MET if roll < 0.08 else Answer.PARTIAL if roll < 0.2 else Answer.MET
    if CRITICAL in out:
        out[CRITICAL] = Answer.NOT_MET if split else Answer.MET
    return out


def _grader_answers(
    rng: random.Random, grader: str, expert: dict[str, Answer], split: bool
) -> dict[str, Answer]:
    if grader == EXPERT:
        return dict(expert)
    if grader == LENIENT:
        return {c: Answer.MET for c in expert}
    out = dict(expert)
    # A slip or two: one step towards Met or away from it on a non-critical criterion.
    for code in rng.sample([c for c in expert if c != CRITICAL], 2):
        out[code] = {Answer.MET: Answer.PARTIAL, Answer.PARTIAL: Answer.MET}.get(
            out[code], Answer.PARTIAL
        )
    if split and CRITICAL in out:
        out[CRITICAL] = Answer.NOT_MET if grader == "floorwalker1" else Answer.MET
    return out


def _score(ctx: Ctx, sid: int, decision_id: int, answers: dict[str, Answer], submit: bool) -> None:
    work = grading.open_decision(ctx, sid, decision_id)
    entries = {c.code: AnswerEntry(answers[c.code]) for c in work.criteria if c.code in answers}
    failed = entries.get(CRITICAL, AnswerEntry()).answer is Answer.NOT_MET
    judgement = Judgement.SHOULD_HAVE_DEPLOYED if failed else Judgement.APPROPRIATE
    grading.save_score(
        ctx, sid, decision_id, entries, judgement, expected_version=work.row_version, submit=submit
    )


def add_calibration(
    ctx: Ctx, *, seed: int, as_of: datetime, progress: Callable[[str], None] | None = None
) -> int:
    """Add the two sessions as the demo users; return how many were added (0 when the
    demo has too few decisions to draw them from)."""
    say = progress or (lambda _line: None)
    say("Running calibration sessions…")
    rng = random.Random(f"{seed}-calibration")
    clock = FixedClock(as_of - timedelta(days=20))
    who = qa_work.actors(ctx, clock)
    first = _pick(ctx, clock.instant, 5, rng, set())
    if not first:
        say("Too few decisions for a calibration session: none added.")
        return 0
    detail = sessions.create_session(
        who(LEAD),
        title="Phase 1 calibration: welfare and medical",
        deadline=(clock.instant + timedelta(days=7)).date(),
        graders_usernames=list(CLOSED_GRADERS),
        cad_refs=first,
    )
    sid = detail.session.id
    split_on = detail.decisions[1].decision_id
    for n, d in enumerate(detail.decisions):
        clock.instant = as_of - timedelta(days=19 - n, hours=rng.randint(0, 6))
        work = grading.open_decision(who(EXPERT), sid, d.decision_id)
        codes = [c.code for c in work.criteria]
        expert = _expert_answers(rng, codes, d.decision_id == split_on)
        for grader in CLOSED_GRADERS:
            answers = _grader_answers(rng, grader, expert, d.decision_id == split_on)
            _score(who(grader), sid, d.decision_id, answers, submit=True)
    clock.instant = as_of - timedelta(days=13)
    sessions.close_session(who(LEAD), sid)
    reveal.set_reference(
        who(LEAD), sid, split_on, CRITICAL, answer=Answer.NOT_MET, note=CONSENSUS_NOTE
    )
    reveal.adopt_grader_answers(who(LEAD), sid, EXPERT)

    clock.instant = as_of - timedelta(days=3)
    second = _pick(ctx, clock.instant, 4, rng, set(first))
    if not second:
        return 1
    detail = sessions.create_session(
        who(LEAD),
        title="Phase 1 calibration: December",
        deadline=(as_of + timedelta(days=5)).date(),
        graders_usernames=list(OPEN_GRADERS),
        cad_refs=second,
    )
    sid = detail.session.id
    for n, d in enumerate(detail.decisions):
        clock.instant = as_of - timedelta(days=2, hours=-n)
        work = grading.open_decision(who(EXPERT), sid, d.decision_id)
        expert = _expert_answers(rng, [c.code for c in work.criteria], False)
        for grader in ("qalead2", "floorwalker1"):
            _score(who(grader), sid, d.decision_id, _grader_answers(rng, grader, expert, False),
                   submit=True)  # fmt: skip
        if n == 0:
            draft = dict(list(expert.items())[:6])
            _score(who("floorwalker4"), sid, d.decision_id, draft, submit=False)
    return 2
