"""``retention apply``: it deletes exactly what is due and nothing a legal hold keeps, on
SQLite and PostgreSQL; dependents go with their decision or stay, unlinked, under their own
rule; month counts stay exact; a SIGKILL part-way leaves everything; and the audit chain
still verifies after its oldest rows are purged, and still catches tampering."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from rcrp_tui.cli.main import main
from rcrp_tui.domain.appeals import AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.retention import parse_rules
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.core import audit, audit_verify
from rcrp_tui.services.core.audit_verify import ChainProblem
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import PermissionDenied, ServiceError
from rcrp_tui.services.ops import count_checks, db_ops, retention
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.sampling import plans as sampling
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage import audit_chain
from rcrp_tui.storage.appeal_models import appeals_table
from rcrp_tui.storage.coaching_models import coaching_notes_table
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import audit_chain_head_table, audit_table, decisions_table
from rcrp_tui.storage.retention_models import audit_purge_permit_table, legal_holds_table
from rcrp_tui.storage.review_models import (
    live_risk_table,
    review_answers_table,
    review_changes_table,
    reviews_table,
)
from rcrp_tui.storage.sampling_models import sample_items_table, samples_table
from tests.cli_helpers import add_account, as_user
from tests.coaching_helpers import note_for, submit_review
from tests.conftest import FIXED_NOW, TEST_ADMIN
from tests.review_helpers import Cast, build_cast

SPAWN = multiprocessing.get_context("spawn")
PATIENCE = 120.0
LATER = FIXED_NOW + timedelta(days=400)


def _rules(**keep: str) -> retention.RetentionRules:
    events = {
        "decisions": "decision date",
        "coaching_notes": "note closed",
        "appeals": "appeal decided",
        "audit_rows": "row written",
        "rota": "shift worked",
    }
    body = "".join(f'[{k}]\nkeep = "{v}"\nfrom = "{events[k]}"\n' for k, v in keep.items())
    return parse_rules(body, "test.toml")


def _ids(db: Database, table: Table) -> set[int]:
    with db.read() as session:
        return set(session.execute(select(table.c.id)).scalars())


def _appeal(cast: Cast, cad_ref: str = "CAD-0001") -> int:
    return appeals.record_appeal(
        cast.supervisor,
        AppealInput(
            cad_ref=cad_ref,
            route=AppealRoute.POST_INCIDENT,
            partner_type=PartnerType.AMBULANCE,
            partner_org="Partner organisation",
            original_decision="signposted",
            source_system="STORM",
        ),
    )


# --- the property: exactly the due records, nothing on hold ------------------------------


@dataclass(frozen=True)
class Case:
    hours_old: int
    reviews: int
    appeal: int | None  # hours since it was decided; -1 undecided; None no appeal
    hold: str  # "", "decision", "review" or "appeal"


@dataclass(frozen=True)
class Note:
    closed_hours_old: int | None
    on_case: int | None  # the index of the case whose first review it is written on


_HOURS = st.integers(min_value=0, max_value=150 * 24)
_CASES = st.lists(
    st.builds(
        Case,
        hours_old=_HOURS,
        reviews=st.integers(0, 2),
        appeal=st.one_of(st.none(), st.just(-1), _HOURS),
        hold=st.sampled_from(["", "", "decision", "review", "appeal"]),
    ),
    max_size=8,
)


class World:
    """One real review, coaching note and appeal, copied row by row for each example."""

    TABLES = (
        legal_holds_table,
        live_risk_table,
        coaching_notes_table,
        review_answers_table,
        review_changes_table,
        appeals_table,
        reviews_table,
        decisions_table,
    )

    def __init__(self, db: Database) -> None:
        self.db = db
        self.cast = build_cast(db, FixedClock(FIXED_NOW))
        review_id = submit_review(self.cast, self.cast.decision_id)
        note_for(self.cast.qa, review_id=review_id)
        _appeal(self.cast)
        with db.read() as session:
            self.templates = {
                t.name: dict(session.execute(select(t).limit(1)).one()._mapping)
                for t in (decisions_table, reviews_table, coaching_notes_table, appeals_table)
            }
            self.answers = [
                dict(r._mapping)
                for r in session.execute(
                    select(review_answers_table).where(
                        review_answers_table.c.review_id == review_id
                    )
                )
            ]
        self.baseline = {t.name: max(_ids(db, t), default=0) for t in self.TABLES}

    def _row(self, conn: Any, table: Table, **values: Any) -> int:
        row = {k: v for k, v in self.templates[table.name].items() if k != "id"} | values
        return int(conn.execute(insert(table).values(**row)).inserted_primary_key[0])

    def build(
        self, cases: list[Case], notes: list[Note]
    ) -> tuple[list[int], list[list[int]], list[int | None], list[int]]:
        decision_ids: list[int] = []
        review_ids: list[list[int]] = []
        appeal_ids: list[int | None] = []
        note_ids: list[int] = []
        with self.db.write_connection() as conn:
            for i, case in enumerate(cases):
                at = FIXED_NOW - timedelta(hours=case.hours_old)
                d = self._row(conn, decisions_table, cad_ref=f"P-{i}", received_at=at)
                decision_ids.append(d)
                rs = [self._row(conn, reviews_table, decision_id=d) for _ in range(case.reviews)]
                for r in rs:
                    for answer in self.answers:
                        row = {k: v for k, v in answer.items() if k != "id"} | {"review_id": r}
                        conn.execute(insert(review_answers_table).values(**row))
                review_ids.append(rs)
                a = None
                if case.appeal is not None:
                    decided = None if case.appeal < 0 else FIXED_NOW - timedelta(hours=case.appeal)
                    a = self._row(
                        conn, appeals_table, cad_ref=f"P-{i}", decision_id=d, decided_at=decided
                    )
                appeal_ids.append(a)
                target = {"decision": d, "review": rs[0] if rs else None, "appeal": a}.get(
                    case.hold
                )
                if target is not None:
                    conn.execute(
                        insert(legal_holds_table).values(
                            entity=case.hold,
                            entity_id=target,
                            reason="Inquest",
                            placed_at=FIXED_NOW,
                            placed_by="test",
                        )
                    )
            for note in notes:
                on = note.on_case
                review = review_ids[on][0] if on is not None and review_ids[on] else None
                closed = (
                    None
                    if note.closed_hours_old is None
                    else FIXED_NOW - timedelta(hours=note.closed_hours_old)
                )
                note_ids.append(
                    self._row(
                        conn,
                        coaching_notes_table,
                        review_id=review,
                        closed_at=closed,
                        status="closed" if closed else "open",
                    )
                )
        return decision_ids, review_ids, appeal_ids, note_ids

    def clean(self) -> None:
        with self.db.write_connection() as conn:
            for t in self.TABLES:
                conn.execute(delete(t).where(t.c.id > self.baseline[t.name]))


@pytest.fixture
def world(any_db: Database) -> World:
    return World(any_db)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cases=_CASES,
    notes=st.lists(
        st.builds(
            Note,
            closed_hours_old=st.one_of(st.none(), _HOURS),
            on_case=st.one_of(st.none(), st.integers(0, 7)),
        ),
        max_size=5,
    ),
    keep_days=st.tuples(st.integers(1, 120), st.integers(1, 120), st.integers(1, 120)),
)
def test_apply_deletes_exactly_the_due_records_and_nothing_a_hold_keeps(
    world: World, cases: list[Case], notes: list[Note], keep_days: tuple[int, int, int]
) -> None:
    db = world.db
    notes = [
        Note(
            n.closed_hours_old,
            n.on_case if n.on_case is not None and n.on_case < len(cases) else None,
        )
        for n in notes
    ]
    decisions_keep, notes_keep, appeals_keep = keep_days
    rules = _rules(
        decisions=f"{decisions_keep} days",
        coaching_notes=f"{notes_keep} days",
        appeals=f"{appeals_keep} days",
    )
    before = {t.name: _ids(db, t) for t in World.TABLES}
    try:
        d_ids, r_ids, a_ids, n_ids = world.build(cases, notes)
        ctx = Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))
        planned = {line.kind.value: line.due for line in retention.plan(ctx, rules)}
        result = retention.apply(ctx, rules)

        def old(hours: int, days: int) -> bool:
            return hours > days * 24  # strictly before the cut-off

        case_held = [
            c.hold == "decision"
            or (c.hold == "review" and c.reviews > 0)
            or (c.hold == "appeal" and c.appeal is not None)
            for c in cases
        ]
        gone_decisions = {
            d
            for d, c, held in zip(d_ids, cases, case_held, strict=True)
            if old(c.hours_old, decisions_keep) and not held
        }
        gone_appeals = {
            a
            for a, c, held in zip(a_ids, cases, case_held, strict=True)
            if a is not None
            and c.appeal is not None
            and c.appeal >= 0
            and old(c.appeal, appeals_keep)
            and not held
        }
        gone_notes = {
            n
            for n, note in zip(n_ids, notes, strict=True)
            if note.closed_hours_old is not None
            and old(note.closed_hours_old, notes_keep)
            and not (note.on_case is not None and r_ids[note.on_case] and case_held[note.on_case])
        }
        gone_reviews = {
            r for d, rs in zip(d_ids, r_ids, strict=True) if d in gone_decisions for r in rs
        }
        assert (planned["decisions"], planned["appeals"], planned["coaching_notes"]) == (
            len(gone_decisions),
            len(gone_appeals),
            len(gone_notes),
        )
        assert result.purged["decisions"].count == len(gone_decisions)

        def new(table: Table, ids: Any) -> set[int]:
            """The table's ids before the example, with the example's."""
            return before[table.name] | (set(ids) - {None})

        all_reviews = {r for rs in r_ids for r in rs}
        assert _ids(db, decisions_table) == new(decisions_table, d_ids) - gone_decisions
        assert _ids(db, reviews_table) == new(reviews_table, all_reviews) - gone_reviews
        assert _ids(db, appeals_table) == new(appeals_table, a_ids) - gone_appeals
        assert _ids(db, coaching_notes_table) == new(coaching_notes_table, n_ids) - gone_notes
        with db.read() as session:
            answers_left = set(
                session.execute(select(review_answers_table.c.review_id).distinct()).scalars()
            )
            # What stays points at nothing that went.
            assert not answers_left & gone_reviews
            linked = set(
                session.execute(
                    select(appeals_table.c.decision_id).where(
                        appeals_table.c.decision_id.is_not(None)
                    )
                ).scalars()
            )
            assert not linked & gone_decisions
            noted = set(
                session.execute(
                    select(coaching_notes_table.c.review_id).where(
                        coaching_notes_table.c.review_id.is_not(None)
                    )
                ).scalars()
            )
            assert not noted & gone_reviews
        assert count_checks.month_count_differences(db) == {}
    finally:
        world.clean()


# --- dependents and holds, through the services --------------------------------------------


def test_a_hold_keeps_the_whole_case_and_a_purge_takes_dependents_or_unlinks_them(
    any_db: Database,
) -> None:
    cast = build_cast(any_db, FixedClock(FIXED_NOW))
    plan = sampling.save_plan(
        cast.qa,
        "Whole case",
        PopulationFilter(),
        SamplingSpec(SamplingMethod.SIMPLE, size=1),
        seed=7,
    )
    sample_id = sampling.draw_sample(cast.qa, plan.id).id
    assert len(_ids(any_db, sample_items_table)) == 1
    review_id = submit_review(cast, cast.decision_id)
    live_risk.raise_live_risk(
        cast.floorwalker, review_id, escalated_to="Duty inspector", escalated_at=FIXED_NOW
    )
    note_id = note_for(cast.qa, review_id=review_id).id
    appeal_id = _appeal(cast)
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(LATER))
    rules = _rules(decisions="30 days")
    retention.place_hold(admin, "review", review_id, "Complaint under investigation")

    kept = retention.apply(admin, rules)
    assert kept.total == 0
    assert cast.decision_id in _ids(any_db, decisions_table)
    assert review_id in _ids(any_db, reviews_table)

    retention.release_hold(admin, "review", review_id, "Complaint closed")
    result = retention.apply(admin, rules)
    counts = {name: p.count for name, p in result.purged.items() if p.count}
    assert counts == {"decisions": 1, "reviews": 1, "live-risk alerts": 1, "sample items": 1}
    assert _ids(any_db, sample_items_table) == set()
    assert _ids(any_db, samples_table) == {sample_id}  # the sample's record stays
    assert result.unlinked == {"coaching notes": 1, "appeals": 1}
    assert _ids(any_db, decisions_table) == set()
    assert _ids(any_db, live_risk_table) == set()
    assert _ids(any_db, review_answers_table) == set()
    with any_db.read() as session:
        note = session.execute(
            select(coaching_notes_table.c.review_id, coaching_notes_table.c.row_version).where(
                coaching_notes_table.c.id == note_id
            )
        ).one()
        appeal = session.execute(
            select(appeals_table.c.decision_id).where(appeals_table.c.id == appeal_id)
        ).one()
        (after_json,) = (
            session.execute(
                select(audit_table.c.after_json).where(
                    audit_table.c.action == audit_chain.CHECKPOINT_ACTION
                )
            )
            .scalars()
            .all()[-1:]
        )
    assert note.review_id is None and note.row_version == 2  # kept, unlinked, version moved
    assert appeal.decision_id is None
    # One audit row: counts, ids and dates; no content.
    assert '"decisions": {"count": 1' in after_json
    assert "Chest pain" not in after_json and "Duty inspector" not in after_json
    checks = {r.name.split(" ")[0]: r for r in db_ops.check(any_db)}
    assert checks["month"].passed and checks["audit"].passed


def test_only_an_administrator_applies_retention(db: Database) -> None:
    cast = build_cast(db, FixedClock(FIXED_NOW))
    with pytest.raises(PermissionDenied):
        retention.apply(cast.qa, _rules(decisions="1 day"))
    assert cast.decision_id in _ids(db, decisions_table)


# --- the audit chain across a purge ---------------------------------------------------------


def _old_rows(db: Database, n: int) -> None:
    """``n`` audit rows written a year before LATER's cut-off."""
    ctx = Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))
    with db.write() as session:
        for i in range(n):
            audit.record(session, ctx, "test_event", "thing", i)


def _verify(db: Database) -> audit_verify.ChainState:
    return audit_verify.verify_chain(Ctx(db, TEST_ADMIN))


def _purge(db: Database, at: datetime = LATER) -> retention.ApplyResult:
    return retention.apply(Ctx(db, TEST_ADMIN, FixedClock(at)), _rules(audit_rows="30 days"))


@pytest.mark.parametrize("keyed", [False, True])
def test_the_chain_verifies_after_a_purge_and_again_after_a_second(
    any_db: Database, monkeypatch: pytest.MonkeyPatch, keyed: bool
) -> None:
    if keyed:
        monkeypatch.setenv(audit_chain.KEY_ENV, "a-secret-kept-away-from-the-database")
    _old_rows(any_db, 7)
    first = _purge(any_db)
    assert first.checkpoint is not None
    assert (first.checkpoint["first_id"], first.checkpoint["last_id"]) == (1, 7)
    assert _ids(any_db, audit_table) == {8}  # only the apply's own row, the checkpoint
    state = _verify(any_db)
    assert state.intact, state.detail
    assert (state.rows, state.purged_rows, state.head_rows) == (1, 7, 8)
    assert "7 older rows purged" in state.describe()
    with any_db.read() as session:
        assert (
            session.execute(select(func.count()).select_from(audit_purge_permit_table)).scalar()
            == 0
        )

    # More rows, a later purge: the new checkpoint covers both purges.
    ctx = Ctx(any_db, TEST_ADMIN, FixedClock(LATER))
    with any_db.write() as session:
        audit.record(session, ctx, "test_event", "thing", "x")
    second = _purge(any_db, LATER + timedelta(days=60))
    assert second.checkpoint is not None
    assert (second.checkpoint["first_id"], second.checkpoint["last_id"]) == (8, 9)
    assert second.checkpoint["purged_total"] == 9
    state = _verify(any_db)
    assert state.intact, state.detail
    assert (state.rows, state.purged_rows) == (1, 9)


def _sqlite_raw(db: Database, *statements: str) -> None:
    """Someone with the database file: no triggers, no app."""
    import sqlite3

    conn = sqlite3.connect(str(db.url.database))
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def test_tampering_after_a_purge_is_still_caught(db: Database) -> None:
    _old_rows(db, 5)
    _purge(db)
    ctx = Ctx(db, TEST_ADMIN, FixedClock(LATER))
    with db.write() as session:
        for i in range(3):
            audit.record(session, ctx, "later_event", "thing", i)
    assert _verify(db).intact
    # Rows 6..9 remain (6 the checkpoint). Cut row 7 out with the guard dropped.
    _sqlite_raw(db, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE id = 7")
    state = _verify(db)
    assert (state.problem, state.broken_at) == (ChainProblem.MISSING, 7)


def test_a_checkpoint_cannot_hide_more_rows_purged_or_be_edited(db: Database) -> None:
    _old_rows(db, 5)
    _purge(db)
    ctx = Ctx(db, TEST_ADMIN, FixedClock(LATER))
    with db.write() as session:
        for i in range(3):
            audit.record(session, ctx, "later_event", "thing", i)
    # Removing the checkpoint row (the first row left) as well: the chain starts too late.
    _sqlite_raw(db, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE id = 6")
    state = _verify(db)
    assert state.problem is ChainProblem.MISSING and state.broken_at == 1, state.detail


def test_an_edited_checkpoint_is_caught(db: Database) -> None:
    _old_rows(db, 5)
    _purge(db)
    _sqlite_raw(
        db,
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET after_json = replace(after_json, '\"rows\": 5', '\"rows\": 4') "
        "WHERE id = 6",
    )
    state = _verify(db)
    assert (state.problem, state.broken_at) == (ChainProblem.ALTERED, 6), state.detail


def test_a_plain_delete_of_audit_rows_is_still_refused(any_db: Database) -> None:
    _old_rows(any_db, 3)
    for statement in ("DELETE FROM audit_log", "DELETE FROM audit_log WHERE id = 1"):
        with pytest.raises(DBAPIError, match="append-only"), any_db.write_connection() as conn:
            conn.execute(text(statement))
    # A permit covers only the rows up to the id it names.
    with pytest.raises(DBAPIError, match="append-only"), any_db.write_connection() as conn:
        conn.execute(insert(audit_purge_permit_table).values(up_to_id=1))
        conn.execute(text("DELETE FROM audit_log WHERE id = 2"))
    with pytest.raises(DBAPIError, match="append-only"), any_db.write_connection() as conn:
        conn.execute(update(audit_table).values(actor="someone else"))
    assert _ids(any_db, audit_table) == {1, 2, 3}
    assert _verify(any_db).intact


def test_a_left_over_purge_permit_is_reported(db: Database) -> None:
    _old_rows(db, 2)
    with db.write_connection() as conn:
        conn.execute(insert(audit_purge_permit_table).values(up_to_id=2))
    state = _verify(db)
    assert any("purge permit" in p for p in state.guard_problems)


def test_audit_rows_naming_a_held_record_stop_the_purge(db: Database) -> None:
    cast = build_cast(db, FixedClock(FIXED_NOW))
    _old_rows(db, 2)
    admin = Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))
    retention.place_hold(admin, "decision", cast.decision_id, "Inquest")
    with db.read() as session:
        first_naming = session.execute(
            select(func.min(audit_table.c.id)).where(
                audit_table.c.entity == "decision",
                audit_table.c.entity_id == str(cast.decision_id),
            )
        ).scalar_one()
    result = _purge(db)
    assert result.checkpoint is not None
    assert result.checkpoint["last_id"] == first_naming - 1
    assert min(_ids(db, audit_table)) == first_naming
    assert _verify(db).intact


# --- all or nothing: SIGKILL part-way ------------------------------------------------------


def _apply_and_hang(url: str, stage: str, marker: str) -> None:
    """Child process: apply the schedule and freeze at ``stage``, inside the transaction."""
    db = Database(url)
    ctx = Ctx(db, TEST_ADMIN, FixedClock(LATER))

    def progress(name: str) -> None:
        if name == stage:
            Path(marker).write_text(name)
            time.sleep(PATIENCE)

    retention.apply(ctx, _rules(decisions="30 days", audit_rows="30 days"), progress)
    sys.exit(3)  # never reached while the parent is watching


def _state(db: Database) -> dict[str, object]:
    with db.read() as session:
        counts = {
            t.name: session.execute(select(func.count()).select_from(t)).scalar()
            for t in (decisions_table, reviews_table, review_answers_table, audit_table)
        }
        head = session.execute(select(audit_chain_head_table)).one()
    return {**counts, "head": tuple(head)}


@pytest.mark.parametrize("stage", ["decisions", "audit_rows"])
def test_a_retention_apply_killed_part_way_leaves_everything(
    any_db: Database, tmp_path: Path, stage: str
) -> None:
    cast = build_cast(any_db, FixedClock(FIXED_NOW))
    submit_review(cast, cast.decision_id)
    before = _state(any_db)
    marker = tmp_path / "frozen"
    url = any_db.url.render_as_string(hide_password=False)
    child = SPAWN.Process(target=_apply_and_hang, args=(url, stage, str(marker)))
    child.start()
    deadline = time.monotonic() + PATIENCE
    while not marker.exists() and child.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert marker.exists(), f"the child never reached {stage}"
    os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    child.join()
    assert child.exitcode == -signal.SIGKILL
    assert _state(any_db) == before
    assert all(r.passed for r in db_ops.check(any_db) if r.applies)
    # Nothing is left half-held: the same purge then runs to the end.
    result = retention.apply(
        Ctx(any_db, TEST_ADMIN, FixedClock(LATER)),
        _rules(decisions="30 days", audit_rows="30 days"),
    )
    assert result.purged["decisions"].count == 1 and result.checkpoint is not None
    assert _verify(any_db).intact


@pytest.fixture
def app_role(any_db: Database) -> Iterator[str]:
    """A PostgreSQL login role granted by ``db grant`` (as the app connects), dropped after."""
    if any_db.is_sqlite:
        pytest.skip("database roles exist only on PostgreSQL")
    role = f"rcrp_app_{uuid.uuid4().hex[:8]}"
    with any_db.write_connection() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN PASSWORD 'app-password'")
    try:
        yield role
    finally:
        with any_db.write_connection() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")


def test_the_app_role_may_purge_records_but_not_audit_rows(any_db: Database, app_role: str) -> None:
    cast = build_cast(any_db, FixedClock(FIXED_NOW))
    submit_review(cast, cast.decision_id)
    owner_url = any_db.url.render_as_string(hide_password=False)
    assert main(["db", "grant", app_role, "--database", owner_url]) == 0
    app_db = Database(
        any_db.url.set(username=app_role, password="app-password").render_as_string(
            hide_password=False
        )
    )
    try:
        app = Ctx(app_db, TEST_ADMIN, FixedClock(LATER))
        before = _state(any_db)
        with pytest.raises(ServiceError, match="connected as the schema owner"):
            retention.apply(app, _rules(decisions="30 days", audit_rows="30 days"))
        assert _state(any_db) == before  # the decisions it had deleted came back too
        result = retention.apply(app, _rules(decisions="30 days"))
        assert result.purged["decisions"].count == 1
        assert _verify(any_db).intact
    finally:
        app_db.dispose()


# --- the command ------------------------------------------------------------------------


def test_the_apply_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rcrp.db"
    add_account(path, "ada", Role.ADMINISTRATOR)
    db = Database(f"sqlite:///{path}")
    with db.write_connection() as conn:
        conn.execute(
            insert(decisions_table).values(
                cad_ref="OLD-1",
                source_system="TEST",
                received_at=datetime(2019, 5, 1, 9, tzinfo=FIXED_NOW.tzinfo),
                category="concern_for_welfare",
                caller_type="public",
                outcome="deployed",
                threshold_basis="none",
                created_at=FIXED_NOW,
                updated_at=FIXED_NOW,
            )
        )
    rules = tmp_path / "rules.toml"
    rules.write_text('[decisions]\nkeep = "6 years"\nfrom = "decision date"\n')
    args = ["retention", "apply", "--rules", str(rules), "--database", str(path)]
    # No terminal to confirm on and no --yes: refused before any sign-in, nothing deleted.
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    assert main([*args, "--user", "ada"]) == 2
    assert "add --yes" in capsys.readouterr().err
    assert len(_ids(db, decisions_table)) == 1

    assert main([*args, "--yes", *as_user(monkeypatch, "ada")]) == 0
    out = capsys.readouterr().out
    assert "decisions: 1 deleted (ids 1 to 1, dated 2019-05-01 to 2019-05-01)" in out
    assert "records what was deleted" in out
    assert _ids(db, decisions_table) == set()
    assert main(["db", "check", "--database", str(path)]) == 0
    assert main([*args, "--yes", *as_user(monkeypatch, "ada")]) == 0
    assert "Nothing is due for deletion; nothing was deleted." in capsys.readouterr().out


def test_a_restore_over_a_database_purged_since_the_backup_says_the_rows_were_purged(
    db: Database, tmp_path: Path
) -> None:
    _old_rows(db, 5)
    copy = db_ops.backup(Ctx(db, TEST_ADMIN), tmp_path / "before-purge.db").copy
    _purge(db)  # the copy's last audit row is among those purged
    url = db.url.render_as_string(hide_password=False)
    with pytest.raises(db_ops.OperationRefused) as refused:
        db_ops.restore(copy, url, force=False, sign_in=lambda d: Ctx(d, TEST_ADMIN))
    message = " ".join(str(refused.value).split())
    assert "no longer holds row" in message and "retention apply" in message, message
    assert "not the one in the copy" not in message
