"""The review and answer day counts (migration 0021) give exactly the KPI review figures
that direct queries over the reviews give, after random runs of review writes through the
services (drafts, submissions, amendments, moderation, release), decisions moved to
another time or officer, hand-run statements changing several reviews of one decision at
once, and retention purges, on SQLite and PostgreSQL. Every figure is also checked against
a count made here in Python, so the two ways cannot agree on a wrong answer; and the
stored counts must equal a direct recount (``review_count_differences``, also run by
``rcrp-tui db check``)."""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select, update

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome
from rcrp_tui.domain.kpis import Period, previous_period
from rcrp_tui.domain.retention import parse_rules
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.importing.cad import import_file
from rcrp_tui.importing.profile import load_profile
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.kpis import figures as kpis
from rcrp_tui.services.kpis import review_counts
from rcrp_tui.services.ops import db_ops, retention
from rcrp_tui.services.ops.count_checks import review_count_differences
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.kpi_models import answer_day_counts_table, review_day_counts_table
from rcrp_tui.storage.models import decisions_table
from rcrp_tui.storage.review_models import review_answers_table, reviews_table
from tests.conftest import TEST_ADMIN
from tests.review_helpers import Cast, build_cast
from tests.test_import_cad import HEADER, PROFILE, _csv
from tests.test_kpi_counts import PERIODS, moments

_D, _R, _A = decisions_table.c, reviews_table.c, review_answers_table.c
REASON = "Second look at the criteria"
OFFICERS = ["CO-101", "CO-202", None]
LATER = datetime(2027, 6, 1, tzinfo=UTC)

officers = st.sampled_from(OFFICERS)
picks = st.integers(min_value=0, max_value=10_000)
seeds = st.integers(min_value=0, max_value=2**16)
judgements = st.sampled_from(list(Judgement))
decides = st.tuples(st.just("decide"), moments, officers, st.sampled_from(list(Category)))
steps = st.one_of(
    decides,
    st.tuples(st.just("score"), picks, st.sampled_from([0, 1]), seeds, judgements, st.booleans()),
    st.tuples(st.just("score"), picks, st.sampled_from([0, 1]), seeds, judgements, st.just(True)),
    st.tuples(st.just("amend"), picks, seeds, judgements),
    st.tuples(st.just("moderate"), picks, st.one_of(st.none(), seeds), judgements),
    st.tuples(st.just("release"), picks),
    st.tuples(st.just("move"), picks, moments, officers),
    st.tuples(st.just("bulk"), picks, st.sampled_from([s.value for s in ReviewStatus])),
    st.tuples(st.just("purge"), st.integers(min_value=0, max_value=40)),
)


@dataclass
class World:
    cast: Cast
    made: int = 0

    @property
    def db(self) -> Database:
        return self.cast.db

    @property
    def scorers(self) -> list[Ctx]:
        return [self.cast.qa, self.cast.qa2]


_WORLDS: dict[int, World] = {}


def _world(db: Database) -> World:
    if id(db) not in _WORLDS:
        _WORLDS.clear()
        # Late enough that every moment drawn is in the past (no decision is refused).
        _WORLDS[id(db)] = World(build_cast(db, FixedClock(LATER)))
    return _WORLDS[id(db)]


def _pick(db: Database, pick: int, *where: Any) -> int | None:
    with db.read() as session:
        ids = list(session.execute(select(_R.id).where(*where).order_by(_R.id)).scalars())
    return ids[pick % len(ids)] if ids else None


def _answers(seed: int, criteria: Any, complete: bool) -> dict[str, AnswerEntry]:
    rng = random.Random(seed)
    out = {}
    for c in criteria:
        choices: list[Answer | None] = [a for a in Answer if a is not Answer.NA or c.na_allowed]
        out[c.code] = AnswerEntry(rng.choice(choices if complete else [*choices, None]))
    return out


def _step(world: World, step: tuple[Any, ...]) -> bool:
    """Take ``step``; False when there was nothing to take it on."""
    db, cast = world.db, world.cast
    kind = step[0]
    if kind == "decide":
        _, at, officer, category = step
        world.made += 1
        record_decision(
            cast.admin,
            DecisionInput(
                cad_ref=f"RC-{world.made:05d}",
                source_system="TEST",
                received_at=at,
                category=category,
                caller_type=CallerType.PUBLIC,
                outcome=Outcome.SIGNPOSTED,
                staff_id=officer,
                rationale="Assessed against the threshold.",
            ),
        )
    elif kind == "score":
        _, pick, who, seed, judgement, submit = step
        with db.read() as session:
            ids = list(session.execute(select(_D.id).order_by(_D.id)).scalars())
        if not ids:
            return False
        ctx = world.scorers[who]
        work = reviews.open_for_decision(ctx, ids[pick % len(ids)])
        view = work.review
        if view.status is ReviewStatus.DRAFT and submit:
            reviews.submit(ctx, view, _answers(seed, work.criteria, True), judgement)
        else:
            answers = _answers(seed, work.criteria, view.status is not ReviewStatus.DRAFT)
            reviews.save(ctx, view, answers, judgement, reason=REASON)
    elif kind == "amend":
        _, pick, seed, judgement = step
        review_id = _pick(db, pick, _R.status != ReviewStatus.DRAFT.value)
        if review_id is None:
            return False
        work = reviews.open_review(cast.qa, review_id)
        answers = _answers(seed, work.criteria, True)
        reviews.save(cast.qa, work.review, answers, judgement, reason=REASON)
    elif kind == "moderate":
        _, pick, seed, judgement = step
        review_id = _pick(db, pick, _R.status == ReviewStatus.SUBMITTED.value)
        if review_id is None:
            return False
        work = reviews.open_review(cast.qa, review_id)
        ctx = next(c for c in world.scorers if c.actor.user_id != work.review.reviewer_user_id)
        answers = None if seed is None else _answers(seed, work.criteria, True)
        reviews.moderate(ctx, work.review, answers=answers, judgement=judgement, reason=REASON)
    elif kind == "release":
        review_id = _pick(db, step[1], _R.status == ReviewStatus.MODERATED.value)
        if review_id is None:
            return False
        reviews.release(cast.qa, reviews.open_review(cast.qa, review_id).review)
    elif kind == "move":
        # A decision moved to another time or officer (a re-import, or a hand-run statement).
        _, pick, at, officer = step
        with db.write_connection() as conn:
            ids = list(conn.execute(select(_D.id).order_by(_D.id)).scalars())
            if not ids:
                return False
            officer_id = None if officer is None else cast.officer_ids[officer]
            conn.execute(
                update(decisions_table)
                .where(_D.id == ids[pick % len(ids)])
                .values(received_at=at, contact_officer_id=officer_id)
            )
    elif kind == "bulk":
        # One hand-run statement changing every review of a decision at once.
        _, pick, status = step
        review_id = _pick(db, pick)
        if review_id is None:
            return False
        with db.write_connection() as conn:
            decision = select(_R.decision_id).where(_R.id == review_id).scalar_subquery()
            conn.execute(
                update(reviews_table).where(_R.decision_id == decision).values(status=status)
            )
    elif kind == "purge":
        # Every decision received before the cut-off goes, with its reviews and answers.
        cutoff = datetime(2026, 2, 1, tzinfo=UTC) + timedelta(days=step[1])
        rules = parse_rules('[decisions]\nkeep = "1 day"\nfrom = "decision date"\n', "t.toml")
        ctx = Ctx(db, TEST_ADMIN, FixedClock(cutoff + timedelta(days=1)))
        retention.apply(ctx, rules)
    return True


def _python_figures(db: Database, period: Period) -> tuple[int, dict[str, Counter[str]]]:
    """The reviews that count in ``period`` and their answers per criterion, worked out
    here from the rows, without SQL grouping."""
    with db.read() as session:
        received = {d: t for d, t in session.execute(select(_D.id, _D.received_at))}
        latest: dict[int, int] = {}
        for review_id, decision_id, status in session.execute(
            select(_R.id, _R.decision_id, _R.status)
        ):
            if status != ReviewStatus.DRAFT.value:
                latest[decision_id] = max(latest.get(decision_id, 0), review_id)
        counted = {r for d, r in latest.items() if period.start <= received[d] < period.end}
        answers: dict[str, Counter[str]] = {}
        for review_id, code, answer in session.execute(
            select(_A.review_id, _A.criterion_code, _A.answer)
        ):
            if review_id in counted:
                answers.setdefault(code, Counter())[answer] += 1
    return len(counted), answers


def assert_both_ways_agree(world: World) -> None:
    db, qa = world.db, world.cast.qa
    assert review_count_differences(db) == {}
    for period in PERIODS:
        baseline = previous_period(period)
        fast = kpis.compute(qa, period, baseline)
        direct = kpis.compute(qa, period, baseline, use_counts=False)
        assert fast == direct, period
        counted, answers = _python_figures(db, period)
        assert fast.coverage.reviews_counted == counted
        assert {c.result.code: c.result for c in fast.criteria}.keys() == answers.keys()
        for row in fast.criteria:
            tally = answers[row.result.code]
            assert (row.result.met, row.result.partial) == (tally["met"], tally["partial"])
            assert (row.result.not_met, row.result.not_applicable) == (
                tally["not_met"],
                tally["na"],
            )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.lists(decides, min_size=1, max_size=6),
    then=st.lists(steps, max_size=14),
)
def test_counts_and_direct_queries_give_identical_review_figures(
    any_db: Database, first: list[tuple[Any, ...]], then: list[tuple[Any, ...]]
) -> None:
    world = _world(any_db)
    for step in [*first, *then]:
        # A step the services refuse (not the reviewer, nothing changed...) writes nothing.
        with contextlib.suppress(ServiceError):
            if _step(world, step):
                event(f"{step[0]} done")
    assert_both_ways_agree(world)


SOME_STEPS: list[tuple[Any, ...]] = [
    ("decide", datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "CO-101", Category.MEDICAL),
    ("decide", datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "CO-202", Category.AWOL),
    ("decide", datetime(2026, 10, 25, 0, 30, tzinfo=UTC), None, Category.WALK_OUT),
    ("score", 0, 0, 1, Judgement.APPROPRIATE, True),
    ("score", 0, 1, 2, Judgement.SHOULD_HAVE_DEPLOYED, True),
    ("score", 1, 0, 3, Judgement.APPROPRIATE, False),
    ("score", 2, 1, 4, Judgement.APPROPRIATE, True),
    ("score", 3, 0, 5, Judgement.WRONG_AGENCY_OR_ROUTE, True),
]


def test_more_weeks_than_ranges_are_bucketed_by_case_with_the_same_figures(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``MAX_RANGES`` weeks or months the counts are bucketed by one ``CASE``."""
    world = _world(any_db)
    for step in SOME_STEPS:
        assert _step(world, step)
    assert_both_ways_agree(world)
    monkeypatch.setattr(review_counts, "MAX_RANGES", 0)
    assert_both_ways_agree(world)


def test_the_migration_fills_the_review_counts_from_existing_reviews(any_db: Database) -> None:
    from alembic import command

    world = _world(any_db)
    for step in SOME_STEPS[:7]:
        assert _step(world, step)
    cfg = schema._config()
    with any_db.write_connection() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0021@-1")
    assert "0021" not in schema.current_revisions(any_db)
    # Written while nothing keeps counts: a submitted review with answers, and a draft.
    with any_db.write_connection() as conn:
        # The second decision has only a draft review: this one makes it counted.
        decision = sorted(conn.execute(select(_D.id)).scalars())[1]
        template = conn.execute(select(reviews_table).limit(1)).mappings().one()
        row = {k: v for k, v in template.items() if k != "id"}
        review_id = conn.execute(
            insert(reviews_table).values(
                {**row, "decision_id": decision, "status": "submitted", "judgement": None}
            )
        ).inserted_primary_key[0]
        conn.execute(insert(reviews_table).values({**row, "decision_id": decision}))
        conn.execute(
            insert(review_answers_table),
            [
                {"review_id": review_id, "criterion_code": code, "answer": answer, "note": ""}
                for code, answer in (("C01", "met"), ("C02", None), ("C03", "na"))
            ],
        )
    schema.upgrade(any_db)
    assert "0021" in schema.current_revisions(any_db)
    assert review_count_differences(any_db) == {}
    with any_db.read() as session:
        reviewed = session.execute(select(func.sum(review_day_counts_table.c.n))).scalar()
        answered = session.execute(select(func.sum(answer_day_counts_table.c.answers))).scalar()
        counted = session.execute(
            select(func.count(func.distinct(_R.decision_id))).where(_R.status != "draft")
        ).scalar()
    assert reviewed == counted == 3
    assert answered and answered > 3
    assert_both_ways_agree(world)


def test_a_reimport_moving_reviewed_decisions_keeps_the_review_counts(
    any_db: Database, tmp_path: Path
) -> None:
    """Decisions with counted reviews moved by a re-import to another day, across a
    London midnight in BST, and to another officer (or none)."""
    world = _world(any_db)
    admin = world.cast.admin
    profile_path = tmp_path / "test-force.toml"
    profile_path.write_text(PROFILE, encoding="utf-8")
    profile = load_profile(profile_path)
    times = ["28/03/2026 23:59", "31/05/2026 23:30", "24/10/2026 23:59", "31/12/2026 23:59"]
    rows = [
        [f"IMP-{i}", when, "CFW", "DEP", "CO-101", "G1", "", "1 High St"]
        for i, when in enumerate(times)
    ]
    import_file(admin, _csv(tmp_path / "first.csv", rows, HEADER), profile)
    with any_db.read() as session:
        imported = list(
            session.execute(select(_D.id).where(_D.cad_ref.like("IMP-%")).order_by(_D.id)).scalars()
        )
    for n, decision_id in enumerate(imported):
        work = reviews.open_for_decision(world.cast.qa, decision_id)
        answers = _answers(n, work.criteria, True)
        reviews.submit(world.cast.qa, work.review, answers, list(Judgement)[n % len(Judgement)])
    assert_both_ways_agree(world)
    with any_db.read() as session:
        before = dict(session.execute(select(_D.id, _D.contact_officer_id)).all())
    moved = [
        [r[0], "01/06/2026 00:30" if i % 2 else "31/12/2026 23:30", "CFW", "DEP",
         "CO-202" if i % 2 else "", *r[5:]]
        for i, r in enumerate(rows)
    ]  # fmt: skip
    summary = import_file(admin, _csv(tmp_path / "second.csv", moved, HEADER), profile)
    assert summary.updated == len(rows)
    with any_db.read() as session:
        after = dict(session.execute(select(_D.id, _D.contact_officer_id)).all())
    assert all(after[d] != before[d] for d in imported)
    assert_both_ways_agree(world)


def test_db_check_reports_a_review_count_written_by_hand(any_db: Database) -> None:
    world = _world(any_db)
    for step in SOME_STEPS:
        assert _step(world, step)
    checks = {r.name.split(" ")[0]: r for r in db_ops.check(any_db)}
    assert checks["review"].passed, checks["review"].detail
    with any_db.write_connection() as conn:
        conn.execute(update(answer_day_counts_table).values(met=answer_day_counts_table.c.met + 1))
    checks = {r.name.split(" ")[0]: r for r in db_ops.check(any_db)}
    assert not checks["review"].passed
    assert "review count(s) differ: answer " in checks["review"].detail
    assert checks["day"].passed
