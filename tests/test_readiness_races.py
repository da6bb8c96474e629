"""Readiness records raced by four OS processes on SQLite and PostgreSQL: a manual item, a
go-live briefing and a KPI baseline, first saved (no row yet: the unique constraint
decides) and then changed (the row_version decides). Each round exactly one save, three
``Conflict``s and one audit row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from rcrp_tui.domain.readiness import ItemStatus
from rcrp_tui.services.readiness.briefings import BriefingInput, BriefingStatus, first_shifts
from rcrp_tui.services.readiness.checklist import ItemUpdate
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry
from tests.concurrency_harness import WORKERS, RacePool
from tests.readiness_helpers import PHASE, Force, build_force

ROUNDS = 4


@pytest.fixture(scope="module")
def pool() -> Iterator[RacePool]:
    racers = RacePool()
    yield racers
    racers.close()


@pytest.fixture
def force(any_db: Database) -> Force:
    return build_force(any_db)


def _url(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


def _audit(db: Database, action: str) -> int:
    with db.read() as session:
        stmt = select(func.count()).where(AuditEntry.action == action)  # type: ignore[arg-type]
        return int(session.exec(stmt).one())


def _race(
    pool: RacePool, force: Force, name: str, payloads: list[dict], actions: tuple[str, ...]
) -> None:  # type: ignore[type-arg]
    seen = None
    for n, payload in enumerate(payloads):
        before = sum(_audit(force.db, a) for a in actions)
        answers = pool.race(_url(force.db), name, [payload | {"seen": seen}] * WORKERS)
        kinds = sorted(a.kind for a in answers)
        assert kinds == ["conflict"] * (WORKERS - 1) + ["ok"], (n, [a.detail for a in answers])
        assert sum(_audit(force.db, a) for a in actions) - before == 1
        (ok,) = [a for a in answers if a.kind == "ok"]
        seen = ok.result  # the next round starts from the version saved


def test_a_manual_item_is_saved_once_a_round(pool: RacePool, force: Force) -> None:
    payloads = [
        {
            "actor": force.sup.actor,
            "phase": PHASE,
            "key": "media",
            "update": ItemUpdate(ItemStatus.IN_PROGRESS, f"Owner {n}", date(2026, 12, n + 1)),
        }
        for n in range(ROUNDS)
    ]
    _race(pool, force, "update_readiness_item", payloads,
          ("readiness_item_recorded", "readiness_item_changed"))  # fmt: skip


def test_a_briefing_is_saved_once_a_round(pool: RacePool, force: Force) -> None:
    shift = first_shifts(force.sup, PHASE)[0]
    payloads = [
        {
            "actor": force.qa.actor,
            "briefing": BriefingInput(
                PHASE,
                shift.team_id,
                shift.shift_code,
                BriefingStatus.PLANNED,
                f"Sgt {n}",
                shift.start - timedelta(minutes=30 + n),
            ),
        }
        for n in range(ROUNDS)
    ]
    _race(pool, force, "record_briefing", payloads, ("briefing_recorded", "briefing_changed"))


def test_a_baseline_is_set_once_a_round(pool: RacePool, force: Force) -> None:
    payloads = [
        {
            "actor": force.sup.actor,
            "phase": PHASE,
            "first": date(2026, 9, 1) + timedelta(days=n),
            "end": date(2026, 10, 1),
        }
        for n in range(ROUNDS)
    ]
    _race(pool, force, "set_baseline", payloads, ("kpi_baseline_set",))
