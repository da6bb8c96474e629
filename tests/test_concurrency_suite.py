"""No lost update on any database: four OS processes make the same change at once.

For every versioned record people change, each round hands the same change, from the same
seen version, to four worker processes released together by a barrier
(tests/concurrency_harness.py), through the real service. Exactly one must save; the other
three must be told ``Conflict``; and the audit log must gain exactly one row. On PostgreSQL
(READ COMMITTED) a check of ``row_version`` in Python after a plain read let several
through (before the compare-and-set, 23 of 25 rounds of deciding an appeal saved more than
once); the compare-and-set at flush (``version_id_col``, storage/versioning.py) is what
makes this hold. The sample queue's take-next is raced the same way: no item is handed out
twice.

Leave and sampling plans are only ever inserted, and decisions are changed only by the
importer, so they have no update to race here (two plans of one name: see the last test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from rcrp_tui.domain.appeals import AppealOutcome, AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.coaching import Transition
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services.appeals import learning as appeal_learning
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.core import people
from rcrp_tui.services.core.auth import REFUSED
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.services.rota import planning as rota
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling import queue as sample_queue
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry, User
from rcrp_tui.storage.training_models import TrainingRecord
from tests.coaching_helpers import note_for
from tests.concurrency_harness import WORKERS, RacePool
from tests.concurrency_ops import NOW
from tests.review_helpers import Cast, build_cast

ROUNDS = 25
Payload = dict[str, Any]


@pytest.fixture(scope="module")
def pool() -> Iterator[RacePool]:
    racers = RacePool()
    yield racers
    racers.close()


@pytest.fixture
def cast(any_db: Database) -> Cast:
    return build_cast(any_db, FixedClock(NOW))


def _url(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


def _audit_rows(db: Database, actions: tuple[str, ...]) -> int:
    with db.read() as session:
        stmt = select(func.count()).where(AuditEntry.action.in_(actions))  # type: ignore[attr-defined]
        return int(session.exec(stmt).one())


def race_rounds(
    pool: RacePool,
    db: Database,
    name: str,
    rounds: list[Payload] | Callable[[int], Payload],
    *,
    audit: tuple[str, ...],
) -> None:
    """Race ``name`` ROUNDS times, all four workers with the same payload each round.

    ``rounds`` is the payloads, or a function of the round number that reads the seen
    version afresh (for a record raced again round after round). Asserts one success and
    three conflicts a round, and exactly one new audit row a round.
    """
    tally: list[tuple[int, int]] = []
    for n in range(ROUNDS):
        payload = rounds(n) if callable(rounds) else rounds[n]
        before = _audit_rows(db, audit)
        answers = pool.race(_url(db), name, [payload] * WORKERS)
        faults = [a.detail for a in answers if a.kind not in ("ok", "conflict")]
        assert not faults, faults
        tally.append(([a.kind for a in answers].count("ok"), _audit_rows(db, audit) - before))
    lost = sum(1 for ok, _ in tally if ok > 1)
    summary = (
        f"{name}: {lost} of {len(tally)} rounds saved more than once; "
        f"{sum(ok for ok, _ in tally)} successes, {sum(n for _, n in tally)} audit rows"
    )
    assert tally == [(1, 1)] * ROUNDS, summary


def _decision(cast: Cast, ref: str) -> int:
    return record_decision(
        cast.admin,
        DecisionInput(
            cad_ref=ref,
            source_system="STORM",
            received_at=NOW - timedelta(hours=2),
            category=Category.MEDICAL,
            caller_type=CallerType.AMBULANCE,
            outcome=Outcome.TRANSFERRED_AMBULANCE,
            staff_id="CO-101",
        ),
    )


def _appeal(ctx: Ctx, ref: str) -> int:
    return appeals.record_appeal(
        ctx,
        AppealInput(
            cad_ref=ref,
            route=AppealRoute.LIVE_999,
            partner_type=PartnerType.AMBULANCE,
            partner_org="London Ambulance Service",
            original_decision="signposted",
            received_at=NOW - timedelta(minutes=20),
        ),
    )


def test_an_appeal_is_decided_once(pool: RacePool, any_db: Database, cast: Cast) -> None:
    sup = cast.supervisor
    rounds = [
        {
            "actor": sup.actor,
            "id": _appeal(sup, f"CAD-{n}"),
            "seen": 1,
            "outcome": AppealOutcome.UPHELD.value,
            "rationale": "No risk to life; ambulance attending.",
        }
        for n in range(ROUNDS)
    ]
    race_rounds(pool, any_db, "decide_appeal", rounds, audit=("appeal_decided",))


def test_an_appeals_themes_are_set_once_a_round(
    pool: RacePool, any_db: Database, cast: Cast
) -> None:
    sup = cast.supervisor
    appeal_id = _appeal(sup, "CAD-T")

    def round_(n: int) -> Payload:
        seen = _version(any_db, "appeals", appeal_id)
        return {"actor": sup.actor, "id": appeal_id, "seen": seen, "themes": [f"tag {n}"]}

    race_rounds(pool, any_db, "set_themes", round_, audit=("appeal_themes_set",))


def test_a_learning_action_is_done_once(pool: RacePool, any_db: Database, cast: Cast) -> None:
    sup = cast.supervisor
    appeal_id = _appeal(sup, "CAD-L")
    rounds = [
        {
            "actor": sup.actor,
            "seen": 1,
            "id": appeal_learning.add_learning_action(
                sup,
                appeal_id,
                action=f"Brief the night shift on item {n}.",
                owner="Control room training team",
                due_date=date(2026, 12, 31),
            ),
        }
        for n in range(ROUNDS)
    ]
    race_rounds(pool, any_db, "complete_action", rounds, audit=("learning_action_done",))


def test_a_coaching_note_moves_once(pool: RacePool, any_db: Database, cast: Cast) -> None:
    sup, officer = cast.supervisor, cast.officer
    rounds = [
        {
            "actor": officer.actor,
            "id": note_for(sup).id,
            "seen": 1,
            "transition": Transition.ACKNOWLEDGE.value,
        }
        for _ in range(ROUNDS)
    ]
    race_rounds(pool, any_db, "move_note", rounds, audit=("coaching_note_acknowledge",))


def test_a_review_draft_is_saved_once(pool: RacePool, any_db: Database, cast: Cast) -> None:
    fw = cast.floorwalker
    rounds = []
    for n in range(ROUNDS):
        work = reviews.open_for_decision(fw, _decision(cast, f"CAD-R{n}"))
        rounds.append(
            {
                "actor": fw.actor,
                "base": work.review,
                "answers": {"C01": AnswerEntry(Answer.MET, f"note {n}")},
            }
        )
    race_rounds(pool, any_db, "save_review", rounds, audit=("review_edit_draft",))


def test_a_live_risk_alert_is_closed_once(pool: RacePool, any_db: Database, cast: Cast) -> None:
    fw, sup = cast.floorwalker, cast.supervisor
    review_id = reviews.open_for_decision(fw, cast.decision_id).review.id
    rounds = [
        {
            "actor": sup.actor,
            "id": live_risk.raise_live_risk(
                fw,
                review_id,
                escalated_to="Force Incident Manager",
                escalated_at=NOW - timedelta(minutes=5),
            ).id,
            "seen": 1,
            "note": "Unit attended; person safe.",
        }
        for _ in range(ROUNDS)
    ]
    race_rounds(pool, any_db, "close_alert", rounds, audit=("live_risk_closed",))


def _rota(cast: Cast) -> tuple[Ctx, int, list[Any], int]:
    sup = cast.supervisor
    walker = people.add_user(
        cast.admin,
        username="walker",
        display_name="Walker",
        role=Role.FLOORWALKER,
        password="long-enough-password",
    )
    for i, name in enumerate(("Green", "Amber", "Violet")):
        people.add_team(cast.admin, name, "eln-8h", i * 2)
    info = rota.create_rota(
        sup, name="Phase 1", phase=1, go_live=date(2026, 11, 2), shift_pattern="eln-8h"
    )
    keys = [s.key for s in rota.rota_view(sup, info.id).slots]
    return sup, info.id, keys, walker.id


def test_a_rota_gap_is_filled_once(pool: RacePool, any_db: Database, cast: Cast) -> None:
    sup, rota_id, keys, walker = _rota(cast)
    rounds = [
        {"actor": sup.actor, "rota": rota_id, "key": keys[n], "walker": walker}
        for n in range(ROUNDS)
    ]
    audit = ("rota_assigned", "rota_assigned_override")
    race_rounds(pool, any_db, "assign_shift", rounds, audit=audit)


def test_a_rota_shift_is_unassigned_once(pool: RacePool, any_db: Database, cast: Cast) -> None:
    sup, rota_id, keys, walker = _rota(cast)
    for key in keys[:ROUNDS]:
        rota.assign(sup, rota_id, key, walker, "Cover agreed with the team")
    view = rota.rota_view(sup, rota_id)
    rounds = [
        {"actor": sup.actor, "rota": rota_id, "key": s.key, "seen": s.row_version}
        for s in view.slots[:ROUNDS]
    ]
    assert all(r["seen"] == 1 for r in rounds)
    race_rounds(pool, any_db, "unassign_shift", rounds, audit=("rota_unassigned",))


def _sample(cast: Cast, name: str, size: int) -> int:
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=size)
    plan = sampling.save_plan(cast.qa, name, PopulationFilter(), spec, seed=7)
    return sampling.draw_sample(cast.qa, plan.id).id


def test_a_sample_item_is_skipped_once(pool: RacePool, any_db: Database, cast: Cast) -> None:
    for n in range(ROUNDS + 5):
        _decision(cast, f"CAD-S{n}")
    sample_id = _sample(cast, "Skips", ROUNDS)
    items = sample_queue.queue_page(cast.qa, sample_id, limit=ROUNDS)
    rounds = [
        {
            "actor": cast.floorwalker.actor,
            "id": item.id,
            "seen": item.row_version,
            "reason": "Duplicate call",
        }
        for item in items
    ]
    race_rounds(pool, any_db, "skip_item", rounds, audit=("sample_item.skipped",))


def test_a_sample_is_closed_once(pool: RacePool, any_db: Database, cast: Cast) -> None:
    for n in range(ROUNDS + 5):
        _decision(cast, f"CAD-C{n}")
    rounds = [
        {"actor": cast.qa.actor, "id": _sample(cast, f"Close {n}", 1), "seen": 1}
        for n in range(ROUNDS)
    ]
    race_rounds(pool, any_db, "close_sample", rounds, audit=("sample.close",))


def test_a_user_account_changes_once_a_round(pool: RacePool, any_db: Database, cast: Cast) -> None:
    people.add_user(
        cast.admin,
        username="target",
        display_name="Target",
        role=Role.QA_LEAD,
        password="long-enough-password",
    )

    def round_(n: int) -> Payload:
        return {
            "actor": cast.admin.actor,
            "username": "target",
            "active": n % 2 == 1,  # deactivate, activate, deactivate, ...
            "seen": _version(any_db, "users", None, username="target"),
        }

    race_rounds(pool, any_db, "set_active", round_, audit=("user_activated", "user_deactivated"))


def test_take_next_never_hands_an_item_out_twice(
    pool: RacePool, any_db: Database, cast: Cast
) -> None:
    for n in range(70):
        _decision(cast, f"CAD-Q{n}")
    sample_id = _sample(cast, "Queue", 60)
    walkers = [
        people.add_user(
            cast.admin,
            username=f"racer{w}",
            display_name=f"Racer {w}",
            role=Role.FLOORWALKER,
            password="long-enough-password",
        )
        for w in range(WORKERS)
    ]
    from rcrp_tui.services.core.context import Actor

    payloads = [
        {"actor": Actor(w.id, w.username, w.display_name, Role.FLOORWALKER), "sample": sample_id}
        for w in walkers
    ]
    answers = pool.race(_url(any_db), "take_all", payloads)
    assert [a.kind for a in answers] == ["ok"] * WORKERS, [a.detail for a in answers]
    taken = [item for a in answers for item in a.result]
    assert len(taken) == len(set(taken)) == 60
    assert _audit_rows(any_db, ("sample_item.claim",)) == 60
    assert _audit_rows(any_db, ("sample_item.done",)) == 60


def test_four_wrong_passwords_at_once_all_count(
    pool: RacePool, any_db: Database, cast: Cast
) -> None:
    # Signing in counts failures on the user row; a lost race is retried, never lost and
    # never shown as anything but the one refusal every failed sign-in gets.
    people.add_user(
        cast.admin,
        username="target",
        display_name="Target",
        role=Role.QA_LEAD,
        password="long-enough-password",
    )
    wrong = {"username": "target", "password": "not the password"}
    answers = pool.race(_url(any_db), "sign_in", [wrong] * WORKERS)
    assert {(a.kind, a.detail) for a in answers} == {("refused", REFUSED)}
    with any_db.read() as session:
        failed = session.exec(select(User.failed_sign_ins).where(User.username == "target")).one()
    assert failed == WORKERS
    assert _audit_rows(any_db, ("sign_in_failed",)) == WORKERS


def test_a_training_file_imported_four_times_at_once_is_written_once(
    pool: RacePool, any_db: Database, cast: Cast, tmp_path: Path
) -> None:
    # New records race on the (officer, phase) unique constraint, corrections on the
    # records' row_version: either way one import writes, the others are told Conflict or
    # (coming after it) find every row unchanged; nothing is doubled, nothing fails.
    officers = [f"TR-{n}" for n in range(20)]
    for staff_id in officers:
        people.add_contact_officer(cast.admin, staff_id, None)
    for phase, day, expect in ((1, "2026-10-01", 0), (2, "2026-10-02", 0), (1, "2026-10-05", 1)):
        file = tmp_path / f"round-{phase}-{day}.csv"
        file.write_text(
            "staff_id,phase,date\n" + "".join(f"{s},{phase},{day}\n" for s in officers),
            encoding="utf-8",
        )
        before = _audit_rows(any_db, ("training_imported",))
        payload = {"actor": cast.admin.actor, "file": str(file)}
        answers = pool.race(_url(any_db), "import_training", [payload] * WORKERS)
        assert {a.kind for a in answers} <= {"ok", "conflict"}, [a.detail for a in answers]
        oks = [a.result for a in answers if a.kind == "ok"]
        written = [r for r in oks if r != (0, 0, 20)]
        assert written == [(0, 20, 0) if expect else (20, 0, 0)], oks
        assert _audit_rows(any_db, ("training_imported",)) - before == len(oks)
        with any_db.read() as session:
            stored = session.exec(
                select(func.count()).where(TrainingRecord.phase == phase)  # type: ignore[arg-type]
            ).one()
            dates = set(
                session.exec(select(TrainingRecord.trained_on).where(TrainingRecord.phase == phase))
            )
        assert stored == 20 and dates == {date.fromisoformat(day)}


def _version(db: Database, table: str, row_id: int | None, **where: str) -> int:
    from sqlalchemy import text

    with db.read() as session:
        if row_id is not None:
            sql, params = f"SELECT row_version FROM {table} WHERE id = :v", {"v": row_id}
        else:
            (column, value), *_ = where.items()
            sql, params = f"SELECT row_version FROM {table} WHERE {column} = :v", {"v": value}
        return int(session.execute(text(sql), params).scalar_one())
