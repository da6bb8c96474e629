"""The demo's QA work: rota with honest gaps, reviews in every state, live-risk alerts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from rcrp_tui.domain import personal_data
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Outcome
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.domain.toolkit import load_shipped
from rcrp_tui.sample_data import qa_work
from rcrp_tui.sample_data.demo import DEMO_DAYS, GO_LIVE
from rcrp_tui.sample_data.qa_reviews import DRAFTS
from rcrp_tui.services.core import auth
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.reviews import lists as review_lists
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.rota import planning as rota
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import User, decisions_table, users_table
from rcrp_tui.storage.review_models import (
    live_risk_table,
    review_answers_table,
    reviews_table,
)
from tests.conftest import FIXED_NOW, TEST_ADMIN
from tests.demo_helpers import SEED, demo_copy

_R, _A, _D, _U, _L = (
    reviews_table.c,
    review_answers_table.c,
    decisions_table.c,
    users_table.c,
    live_risk_table.c,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = demo_copy(tmp_path_factory.mktemp("qa") / "demo.db")
    yield db
    db.dispose()


def _ctx(db: Database, username: str) -> Ctx:
    with db.read() as session:
        user = session.execute(select(User).where(col(User.username) == username)).scalar_one()
        actor = auth.actor_for(user)
    return Ctx(db, actor, FixedClock(FIXED_NOW))


def _reviews(db: Database) -> list[dict[str, Any]]:
    """Every review with its decision and reviewer, in a form two builds can compare."""
    stmt = (
        select(
            _D.cad_ref,
            _D.outcome,
            _U.username,
            _R.status,
            _R.judgement,
            _R.score,
            _R.band,
            _R.failed_critical,
            _R.moderation_outcome,
            _R.moderation_reason,
            _R.acknowledgement_comment,
            _R.created_at,
            _R.submitted_at,
            _R.moderated_at,
            _R.released_at,
            _R.acknowledged_at,
            _R.id,
        )
        .join(decisions_table, _D.id == _R.decision_id)
        .join(users_table, _U.id == _R.reviewer_user_id)
        .order_by(_R.id)
    )
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def _answers(db: Database) -> list[tuple[Any, ...]]:
    stmt = select(_A.review_id, _A.criterion_code, _A.answer, _A.note).order_by(
        _A.review_id, _A.criterion_code
    )
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def _user(db: Database, username: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(_U.id).where(_U.username == username)).scalar_one())


def test_the_rota_is_auto_filled_with_three_gaps_after_go_live(demo: Database) -> None:
    ctx = _ctx(demo, "supervisor1")
    # Phase 1's rota; phase 2's (qa_readiness) lies ahead.
    [info] = [r for r in rota.list_rotas(ctx) if r.phase == 1]
    assert (info.name, info.phase, info.go_live, info.window_days) == (
        qa_work.ROTA_NAME,
        1,
        GO_LIVE,
        DEMO_DAYS,
    )
    view = rota.rota_view(ctx, info.id)
    gaps = view.coverage.gaps
    assert len(gaps) == qa_work.REMOVED_ASSIGNMENTS
    assert all(14 <= (g.key.day - GO_LIVE).days < 35 for g in gaps)
    assert view.coverage.first_gaps == ()
    walkers = {s.floorwalker_id for s in view.slots if s.floorwalker_id is not None}
    assert len(walkers) == 8


def test_reviews_are_in_every_state_mostly_released(demo: Database) -> None:
    rows = _reviews(demo)
    assert 150 <= len(rows) <= 250
    by_status = Counter(r["status"] for r in rows)
    assert set(by_status) == {s.value for s in ReviewStatus}
    assert by_status["released"] + by_status["acknowledged"] > len(rows) // 2
    assert by_status["draft"] == DRAFTS
    assert {r["username"] for r in rows if r["status"] == "draft"} == {"floorwalker1"}
    assert min(by_status["submitted"], by_status["moderated"]) >= 3
    reviewers = Counter(r["username"] for r in rows)
    assert {f"floorwalker{n}" for n in range(1, 9)} | {"qalead1", "qalead2"} == set(reviewers)
    # The QA lead service sees them all, paged in SQL.
    lead = _ctx(demo, "qalead2")
    listed = review_lists.list_reviews(lead, statuses=(ReviewStatus.SUBMITTED,), limit=500)
    assert len(listed) == by_status["submitted"]


def test_judgements_match_the_answers_and_the_decisions(demo: Database) -> None:
    rows = _reviews(demo)
    judged = Counter(r["judgement"] for r in rows if r["judgement"])
    assert judged[Judgement.APPROPRIATE] > len(rows) // 2
    for j in (
        Judgement.APPROPRIATE_RATIONALE_WEAK,
        Judgement.SHOULD_HAVE_DEPLOYED,
        Judgement.DEPLOYED_UNNECESSARILY,
    ):
        assert judged[j] >= 2, j
    for r in rows:
        missed = r["judgement"] == Judgement.SHOULD_HAVE_DEPLOYED
        assert ("C05" in r["failed_critical"].split(",")) is missed
        if r["judgement"] == Judgement.DEPLOYED_UNNECESSARILY:
            assert r["outcome"] == Outcome.DEPLOYED
    not_deployed = sum(r["outcome"] != Outcome.DEPLOYED for r in rows)
    assert not_deployed >= 150
    toolkit = load_shipped()
    answers = _answers(demo)
    assert {a[2] for a in answers} == {a.value for a in Answer}
    for _rid, code, answer, _note in answers:
        if answer == Answer.NA:
            assert toolkit.criterion(code).na_allowed, code


def test_acknowledged_reviews_are_the_demo_officers_and_times_are_in_the_six_weeks(
    demo: Database,
) -> None:
    rows = _reviews(demo)
    first, end = qa_work.window(GO_LIVE, DEMO_DAYS)
    for r in rows:
        stamps = [
            r[k]
            for k in (
                "created_at",
                "submitted_at",
                "moderated_at",
                "released_at",
                "acknowledged_at",
            )
            if r[k] is not None
        ]
        assert stamps == sorted(stamps)
        assert first <= stamps[0] and stamps[-1] < end
        if r["moderated_at"] is not None:
            assert r["moderation_outcome"] in ("agreed", "adjusted")
    stmt = (
        select(_D.contact_officer_id)
        .join(reviews_table, _R.decision_id == _D.id)
        .where(_R.status == ReviewStatus.ACKNOWLEDGED.value)
    )
    with demo.engine.connect() as conn:
        officers = set(conn.execute(stmt).scalars())
    demo_officers = {_ctx(demo, f"officer{n}").actor.contact_officer_id for n in (1, 2, 3)}
    assert officers and officers <= demo_officers


def test_one_open_live_risk_alert_to_a_desk_and_one_closed(demo: Database) -> None:
    ctx = _ctx(demo, "qalead1")
    [alert] = live_risk.open_alerts(ctx)
    assert alert.escalated_to == qa_work.OPEN_ALERT_DESK
    assert alert.raised_by == "Floorwalker 1"
    _first, end = qa_work.window(GO_LIVE, DEMO_DAYS)
    assert end - alert.raised_at < timedelta(days=7)
    with demo.engine.connect() as conn:
        closed = conn.execute(select(live_risk_table).where(_L.closed_at.is_not(None))).all()
        judgement = conn.execute(select(_R.judgement).where(_R.id == alert.review_id)).scalar_one()
    assert judgement == Judgement.SHOULD_HAVE_DEPLOYED
    assert len(closed) == 1
    assert closed[0].escalated_to == qa_work.CLOSED_ALERT_DESK
    assert closed[0].raised_by != _user(demo, "floorwalker1")


def test_no_personal_data_in_any_note(demo: Database) -> None:
    texts = [note for *_rest, note in _answers(demo) if note]
    for r in _reviews(demo):
        texts += [r["moderation_reason"] or "", r["acknowledgement_comment"] or ""]
    with demo.engine.connect() as conn:
        for row in conn.execute(select(_L.escalated_to, _L.closing_note)):
            texts += [row.escalated_to, row.closing_note or ""]
    assert len([t for t in texts if t]) > 100
    for text in texts:
        assert personal_data.scan(text) == [], text


def test_the_same_seed_gives_the_same_reviews(demo: Database, tmp_path: Path) -> None:
    again = demo_copy(tmp_path / "again.db", build="again")
    try:
        assert _reviews(again) == _reviews(demo)
        assert _answers(again) == _answers(demo)
        # Running the QA work again (as after an interruption) finds it all and adds nothing.
        ctx = Ctx(again, TEST_ADMIN, FixedClock(FIXED_NOW))
        before = (_reviews(again), _answers(again), _alerts(again))
        qa_work.add_qa_work(ctx, seed=SEED, go_live=GO_LIVE, days=DEMO_DAYS)
        assert (_reviews(again), _answers(again), _alerts(again)) == before
        assert [r.phase for r in rota.list_rotas(_ctx(again, "supervisor1"))] == [2, 1]
    finally:
        again.dispose()


def _alerts(db: Database) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(live_risk_table).order_by(_L.id))]


def test_each_demo_officer_has_a_released_review_waiting_to_be_read(demo: Database) -> None:
    for n in (1, 2, 3):
        mine = review_lists.list_reviews(_ctx(demo, f"officer{n}"), limit=100)
        statuses = {r.status for r in mine}
        assert ReviewStatus.RELEASED in statuses, n
        assert statuses <= {ReviewStatus.RELEASED, ReviewStatus.ACKNOWLEDGED}
