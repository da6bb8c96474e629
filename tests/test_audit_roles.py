"""The application's least-privilege PostgreSQL role (``rcrp-tui db grant``), proved on the
real server: it writes audited changes, and cannot rewrite, delete, empty or unguard the
audit log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from rcrp_tui.cli.main import main
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.services.core import people
from rcrp_tui.services.core.audit_verify import verify_chain
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.db import Database
from tests.conftest import FIXED_NOW, TEST_ADMIN, _postgres


@pytest.fixture
def pg() -> Iterator[Database]:
    yield from _postgres()


def _ctx(db: Database) -> Ctx:
    return Ctx(db, TEST_ADMIN, FixedClock(FIXED_NOW))


def _url(db: Database, user: str | None = None) -> str:
    url = db.url if user is None else db.url.set(username=user, password="app-password")
    return url.render_as_string(hide_password=False)


@pytest.fixture
def app_role(pg: Database) -> Iterator[str]:
    """A login role made by the test, granted by the CLI, dropped afterwards."""
    role = f"rcrp_app_{uuid.uuid4().hex[:8]}"
    with pg.write_connection() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN PASSWORD 'app-password'")
    try:
        yield role
    finally:
        with pg.write_connection() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")


FORBIDDEN = [
    "UPDATE audit_log SET action = 'changed'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_truncate",
    "DROP TRIGGER audit_log_append_only ON audit_log",
    "DROP TRIGGER audit_log_chain_insert ON audit_log",
    "DROP TABLE audit_log",
    "UPDATE audit_chain_head SET row_count = 0",
    "DELETE FROM audit_chain_head",
    "TRUNCATE audit_chain_head",
    "ALTER TABLE audit_chain_head DISABLE TRIGGER ALL",
]


@pytest.mark.postgres
def test_the_app_role_writes_audited_changes_but_cannot_touch_the_audit_log(
    pg: Database, app_role: str, capsys: pytest.CaptureFixture[str]
) -> None:
    people.add_contact_officer(_ctx(pg), "CO-owner", None)  # a row the owner wrote
    assert main(["db", "grant", app_role, "--database", _url(pg)]) == 0
    assert "only read and add audit rows" in capsys.readouterr().out
    app = Database(_url(pg, app_role))
    try:
        with app.read() as session:
            assert session.execute(text("SELECT current_user")).scalar_one() == app_role
        people.add_contact_officer(_ctx(app), "CO-app", None)  # writes an audit row
        for statement in FORBIDDEN:
            with pytest.raises(DBAPIError), app.write() as session:
                session.execute(text(statement))
        state = verify_chain(_ctx(app))
        assert state.intact, state.detail
        assert state.rows == 2 and state.guard_problems == ()
        with app.read() as session:
            actions = session.execute(text("SELECT action FROM audit_log ORDER BY id")).scalars()
            assert list(actions) == ["officer_added", "officer_added"]
    finally:
        app.dispose()


@pytest.mark.postgres
def test_db_upgrade_can_grant_the_app_role(pg: Database, app_role: str) -> None:
    assert main(["db", "upgrade", "--database", _url(pg), "--app-role", app_role]) == 0
    app = Database(_url(pg, app_role))
    try:
        people.add_contact_officer(_ctx(app), "CO-app", None)
        with pytest.raises(DBAPIError), app.write() as session:
            session.execute(text("TRUNCATE audit_log"))
    finally:
        app.dispose()


@pytest.mark.postgres
def test_the_owner_cannot_be_made_the_app_role(
    pg: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with pg.read() as session:
        owner = session.execute(text("SELECT current_user")).scalar_one()
    assert main(["db", "grant", owner, "--database", _url(pg)]) == 2
    assert "owns the schema" in capsys.readouterr().err


@pytest.mark.postgres
def test_a_disabled_trigger_is_reported_by_verify(pg: Database) -> None:
    people.add_contact_officer(_ctx(pg), "CO-1", None)
    with pg.write_connection() as conn:
        conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_truncate")
    state = verify_chain(_ctx(pg))
    assert state.intact
    assert state.guard_problems == ("trigger audit_log_no_truncate on audit_log is disabled",)


def test_sqlite_has_no_roles_to_grant(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "grant", "rcrp_app", "--database", f"{tmp_path}/x.db"]) == 2
    assert "only on PostgreSQL" in capsys.readouterr().err
