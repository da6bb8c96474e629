"""Shared fixtures: a real SQLite file per test, and (with RCRP_TEST_POSTGRES_URL) a real
PostgreSQL database per test, both migrated by Alembic exactly as the app does it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.context import Actor, Ctx
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database

#: The instant every test's clock starts at, unless it says otherwise.
FIXED_NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
POSTGRES_URL = os.environ.get("RCRP_TEST_POSTGRES_URL")
#: An administrator for setting up test data through the services (no account behind it).
TEST_ADMIN = Actor(None, "test-admin", "Test administrator", Role.ADMINISTRATOR)


def _sqlite(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'rcrp-test.db'}")
    schema.upgrade(db)
    yield db
    db.dispose()


def _postgres() -> Iterator[Database]:
    if not POSTGRES_URL:
        pytest.skip("RCRP_TEST_POSTGRES_URL is not set: no PostgreSQL server for this run")
    name = f"rcrp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    schema.upgrade(db)
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database in a real file."""
    yield from _sqlite(tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield from _sqlite(tmp_path)
    else:
        yield from _postgres()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIXED_NOW)


@pytest.fixture
def admin_ctx(db: Database, clock: FixedClock) -> Ctx:
    """Command-line administrator on the SQLite test database."""
    return Ctx(db, TEST_ADMIN, clock)
