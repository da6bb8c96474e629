"""One optimistic-concurrency mechanism that a new table cannot forget, and saves that
change nothing leaving no trace."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Mapper
from sqlmodel import SQLModel

from rcrp_tui.domain.appeals import AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.appeals import queries as appeal_queries
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import Conflict
from rcrp_tui.storage import metadata  # noqa: F401  (registers every table)
from rcrp_tui.storage.appeal_models import Appeal
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry, Team, User
from rcrp_tui.storage.versioning import RECORD_NAMES, Versioned
from tests.conftest import FIXED_NOW, TEST_ADMIN

#: Tables that are never updated in place, so carry no row_version. Each says why. Adding a
#: table to this list is a decision to be argued in review, not a way round the test.
NOT_VERSIONED = {
    "audit_log": "append-only: the database refuses UPDATE and DELETE on it",
    "review_changes": "append-only history of a review",
    "toolkits": "each toolkit version is immutable once added (its SHA-256 is kept)",
    "decision_stratum_months": "counts kept exact by database triggers, never by services",
    "decision_day_counts": "counts kept exact by database triggers (migration 0020), never "
    "by services",
    "review_day_counts": "counts kept exact by database triggers (migration 0021), never "
    "by services",
    "answer_day_counts": "counts kept exact by database triggers (migration 0021), never "
    "by services",
    "review_answers": "rewritten whole with their review, under the review's version",
    "appeal_themes": "replaced with their appeal, under the appeal's version",
    "teams": "only ever inserted (people.add_team)",
    "contact_officers": "only ever inserted (people.add_contact_officer)",
    "rotas": "only ever inserted (rota.create_rota); their shifts are versioned",
    "audit_chain_head": "moved only by the audit insert trigger, under a row lock",
    "legal_holds": "only inserted (unique per record) and deleted; a release checks it deleted "
    "exactly one row, so two releases at once give one Conflict",
    "import_runs": "written only by the process holding the import lock (Database.import_lock)",
    "calibration_decisions": "inserted with their calibration session, never changed",
    "calibration_graders": "inserted with their calibration session, never changed",
    "calibration_answers": "rewritten whole with their calibration score, under its version",
    "audit_purge_permit": "inserted and deleted inside one retention apply transaction, never "
    "committed with a row in it",
    "change_counters": "counters only ever added to by one statement (change_feed.announce) "
    "under the SQLite write lock; nobody reads and writes them back",
}


def _mappers() -> dict[str, Mapper[object]]:
    registry = SQLModel._sa_registry  # type: ignore[attr-defined]
    return {m.local_table.name: m for m in registry.mappers}


def test_every_table_is_versioned_or_listed_as_never_updated() -> None:
    mappers = _mappers()
    forgotten = []
    for name in SQLModel.metadata.tables:
        if name in NOT_VERSIONED:
            continue
        mapper = mappers.get(name)
        if mapper is None or mapper.version_id_col is None:
            forgotten.append(name)
        else:
            assert mapper.version_id_col.name == "row_version", name
            assert issubclass(mapper.class_, Versioned), name
            assert name in RECORD_NAMES, f"{name}: name it for the conflict message"
    assert forgotten == [], (
        f"{forgotten}: inherit storage.versioning.Versioned, or list the table in "
        "NOT_VERSIONED with the reason it is never updated"
    )


def test_a_listed_table_is_really_unversioned() -> None:
    mappers = _mappers()
    for name in NOT_VERSIONED:
        mapper = mappers.get(name)
        assert mapper is None or mapper.version_id_col is None, f"{name} is versioned: unlist it"


def test_a_stale_orm_save_is_refused_as_conflict_naming_the_record(any_db: Database) -> None:
    admin = Ctx(any_db, TEST_ADMIN, FixedClock(FIXED_NOW))
    people.add_user(
        admin, username="ann", display_name="Ann", role=Role.QA_LEAD, password="long enough pw 1"
    )
    with any_db.read() as session:
        seen = session.execute(select(User).where(User.username == "ann")).scalar_one()
    # Someone else saves the account first.
    people.set_active(admin, "ann", False)
    with pytest.raises(Conflict, match="Someone else changed this user account"):
        people.set_active(admin, "ann", True, expected_version=seen.row_version)
    # The compare-and-set itself, without the service's own check: a save from the stale
    # copy matches no row, and nothing is written.
    with (
        pytest.raises(Conflict, match="user account at the same moment"),
        admin.writing(people.Permission.MANAGE_USERS) as session,
    ):
        stale = session.merge(seen, load=False)
        stale.display_name = "Overwritten"
        session.add(stale)
    with any_db.read() as session:
        row = session.execute(select(User).where(User.username == "ann")).scalar_one()
    assert (row.display_name, row.active, row.row_version) == ("Ann", False, 2)


def test_an_unversioned_table_has_no_row_version() -> None:
    assert "row_version" not in Team.__table__.c  # type: ignore[attr-defined]
    assert "row_version" not in AuditEntry.__table__.c  # type: ignore[attr-defined]


def _audit_count(db: Database) -> int:
    with db.read() as session:
        return len(session.execute(select(AuditEntry.id)).all())


def _appeal_row(db: Database, appeal_id: int) -> Appeal:
    with db.read() as session:
        row = session.get(Appeal, appeal_id)
    assert row is not None
    return row


def test_saving_the_same_appeal_themes_again_changes_nothing(any_db: Database) -> None:
    clock = FixedClock(FIXED_NOW)
    qa = Ctx(any_db, Actor(None, "qa", "QA", Role.QA_LEAD), clock)
    appeal_id = appeals.record_appeal(
        qa,
        AppealInput(
            cad_ref="CAD-1",
            route=AppealRoute.LIVE_999,
            partner_type=PartnerType.AMBULANCE,
            partner_org="London Ambulance Service",
            original_decision="signposted",
            received_at=FIXED_NOW - timedelta(minutes=5),
        ),
    )
    appeals.set_themes(qa, appeal_id, ["Resources"], expected_version=1)
    first = _appeal_row(any_db, appeal_id)
    assert first.row_version == 2  # a change of themes alone moves the appeal's version on
    audits = _audit_count(any_db)
    clock.advance(minutes=3)
    appeals.set_themes(qa, appeal_id, ["resources"], expected_version=2)
    again = _appeal_row(any_db, appeal_id)
    assert (again.row_version, again.updated_at) == (2, first.updated_at)
    assert appeal_queries.get(qa, appeal_id).appeal.themes == ("resources",)
    assert _audit_count(any_db) == audits
    # Deactivating an inactive account is the same rule for users.
    admin = Ctx(any_db, TEST_ADMIN, clock)
    people.add_user(
        admin, username="bob", display_name="Bob", role=Role.QA_LEAD, password="long enough pw 1"
    )
    people.set_active(admin, "bob", False)
    audits = _audit_count(any_db)
    people.set_active(admin, "bob", False)
    with any_db.read() as session:
        assert session.execute(select(User.row_version).where(User.username == "bob")).one()[0] == 2
    assert _audit_count(any_db) == audits


def test_inspect_sees_the_version_column() -> None:
    mapper = inspect(User)
    assert mapper.version_id_col is not None and mapper.version_id_col.name == "row_version"


def test_a_review_save_that_changes_nothing_changes_nothing(any_db: Database) -> None:
    from rcrp_tui.domain.scoring import Answer
    from rcrp_tui.services.reviews import saving as reviews
    from rcrp_tui.services.reviews.records import AnswerEntry
    from rcrp_tui.storage.models import AuditEntry
    from rcrp_tui.storage.review_models import ReviewChange
    from tests.review_helpers import build_cast

    clock = FixedClock(FIXED_NOW)
    cast = build_cast(any_db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    answers = {"C01": AnswerEntry(Answer.MET, "clear")}
    saved = reviews.save(cast.floorwalker, work.review, answers, None)
    assert saved.row_version == 2

    def trail() -> tuple[int, int]:
        with any_db.read() as session:
            return (
                len(session.execute(select(AuditEntry.id)).all()),
                len(session.execute(select(ReviewChange.id)).all()),
            )

    before = trail()
    clock.advance(minutes=5)
    again = reviews.save(cast.floorwalker, saved, dict(answers), None)
    assert (again.row_version, again.updated_at) == (2, saved.updated_at)
    assert trail() == before
    # A change to a note alone (a child row) is a change: the version moves on.
    noted = reviews.save(cast.floorwalker, again, {"C01": AnswerEntry(Answer.MET, "clearer")}, None)
    assert noted.row_version == 3 and noted.updated_at > saved.updated_at
    assert trail()[0] == before[0] + 1
