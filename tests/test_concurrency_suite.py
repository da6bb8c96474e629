"""No lost update on any database: four OS processes make the same change at once.

For every versioned record, each round hands the same change, from the same seen version,
to four worker processes released together by a barrier (tests/concurrency_harness.py).
Exactly one must save; the other three must be told ``Conflict``; and the audit log must
hold exactly one row for the change. On PostgreSQL (READ COMMITTED) a check of
``row_version`` in Python after a plain read lets several through; the compare-and-set
at flush (``version_id_col``, storage/versioning.py) is what makes this hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from rcrp_tui.domain.appeals import AppealOutcome, AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
from rcrp_tui.services import appeals
from rcrp_tui.services.appeals import AppealInput
from rcrp_tui.services.context import COMMAND_LINE, Actor, Ctx
from rcrp_tui.services.decision_writes import DecisionInput, record_decision
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry
from tests.concurrency_harness import WORKERS, RacePool
from tests.concurrency_harness import Outcome as Answer
from tests.concurrency_ops import NOW, actor

ROUNDS = 25


@pytest.fixture(scope="module")
def pool() -> Iterator[RacePool]:
    racers = RacePool()
    yield racers
    racers.close()


def _url(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


def _audit_rows(db: Database, action: str, entity_id: object) -> int:
    with db.read() as session:
        stmt = select(func.count()).where(
            AuditEntry.action == action, AuditEntry.entity_id == str(entity_id)
        )
        return int(session.exec(stmt).one())


def _race_rounds(
    pool: RacePool,
    db: Database,
    name: str,
    payloads: list[list[dict[str, Any]]],
    *,
    action: str,
    entity_id: Callable[[dict[str, Any]], object],
) -> None:
    """Race every round; assert one success, three conflicts, one audit row each."""
    tally: list[tuple[int, int]] = []
    for round_payloads in payloads:
        answers: list[Answer] = pool.race(_url(db), name, round_payloads)
        kinds = [a.kind for a in answers]
        errors = [a.detail for a in answers if a.kind not in ("ok", "conflict")]
        assert not errors, errors
        tally.append((kinds.count("ok"), _audit_rows(db, action, entity_id(round_payloads[0]))))
    lost = sum(1 for ok, _ in tally if ok > 1)
    summary = (
        f"{name}: {lost} of {len(tally)} rounds saved more than once; "
        f"{sum(ok for ok, _ in tally)} successes, {sum(n for _, n in tally)} audit rows"
    )
    assert tally == [(1, 1)] * len(payloads), summary


def _decision(db: Database, ref: str) -> int:
    return record_decision(
        Ctx(db, COMMAND_LINE, FixedClock(NOW)),
        DecisionInput(
            cad_ref=ref,
            source_system="CAD1",
            received_at=NOW - timedelta(hours=2),
            category=Category.MEDICAL,
            caller_type=CallerType.AMBULANCE,
            outcome=Outcome.TRANSFERRED_AMBULANCE,
        ),
    )


def test_an_appeal_is_decided_once(pool: RacePool, any_db: Database) -> None:
    qa = Ctx(any_db, Actor(None, "qa", "QA", Role.QA_LEAD), FixedClock(NOW))
    rounds = []
    for n in range(ROUNDS):
        _decision(any_db, f"CAD-{n}")
        appeal_id = appeals.record_appeal(
            qa,
            AppealInput(
                cad_ref=f"CAD-{n}",
                route=AppealRoute.LIVE_999,
                partner_type=PartnerType.AMBULANCE,
                partner_org="London Ambulance Service",
                original_decision="",
                received_at=NOW - timedelta(minutes=20),
            ),
        )
        rounds.append(
            [
                {
                    "actor": actor(100 + w, Role.SUPERVISOR),
                    "id": appeal_id,
                    "seen": 1,
                    "outcome": AppealOutcome.UPHELD.value,
                    "rationale": f"Decided by racer {w}.",
                }
                for w in range(WORKERS)
            ]
        )
    _race_rounds(
        pool, any_db, "decide_appeal", rounds, action="appeal_decided", entity_id=lambda p: p["id"]
    )
