"""Shared fixtures: a real SQLite file per test, and (with RCRP_TEST_POSTGRES_URL) a real
PostgreSQL database per test, both migrated by Alembic exactly as the app does it.

Two things make the suite quick without changing what it tests:

- The schema is migrated once per run into a template; each test gets a copy of it (SQLite:
  a copy of the migrated file; PostgreSQL: ``CREATE DATABASE ... TEMPLATE``). The copy is the
  database the migrations made, so every test still runs on the real migrated schema.
- Passwords are hashed with cheap argon2 parameters in the test process only, by replacing
  the hasher object in ``services.core.auth`` for the session (``_cheap_password_hashing``). The
  product has no setting for this; ``test_password_hashing.py`` checks the product's own
  parameters in a fresh process.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.private_files import create_private_file
from rcrp_tui.services.core import auth
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database

#: The instant every test's clock starts at, unless it says otherwise.
FIXED_NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
POSTGRES_URL = os.environ.get("RCRP_TEST_POSTGRES_URL")
#: An administrator for setting up test data through the services (no account behind it).
TEST_ADMIN = Actor(None, "test-admin", "Test administrator", Role.ADMINISTRATOR)
#: The hasher the product uses, as imported (before the session swaps in the cheap one).
PRODUCT_HASHER = auth._hasher
#: argon2id at its smallest cost (1 pass over 8 KiB, one lane): a hash takes microseconds
#: instead of about 0.15 s. For this test process only.
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Hash and verify passwords cheaply in this process for the whole run.

    Hundreds of tests add accounts and sign in; at the product's cost that alone took
    minutes. Subprocesses a test starts (real ``rcrp-tui`` processes) keep the product's
    hasher; they still verify these cheap hashes, as argon2 reads the cost from the hash.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "_hasher", TEST_HASHER)
        auth._stand_in.cache_clear()
        yield
    auth._stand_in.cache_clear()


def copy_database_file(template: Path, target: Path) -> None:
    """Copy a closed SQLite file to ``target``, created owner-only as the app creates it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    create_private_file(target)
    with template.open("rb") as source, target.open("r+b") as copy:
        shutil.copyfileobj(source, copy)


class _Templates:
    """The run's migrated templates, made on first use and removed when the run ends."""

    folder: Path | None = None
    sqlite: Path | None = None
    postgres: str | None = None


def sqlite_template() -> Path:
    """A SQLite file migrated to head once per run, closed (no WAL left), for copying."""
    if _Templates.sqlite is None:
        _Templates.folder = Path(tempfile.mkdtemp(prefix="rcrp-migrated-"))
        path = _Templates.folder / "migrated.db"
        template = Database(f"sqlite:///{path}")
        schema.upgrade(template)
        # Closing the last connection folds the WAL into the main file before copying.
        template.dispose()
        assert not path.with_name(path.name + "-wal").exists()
        _Templates.sqlite = path
    return _Templates.sqlite


def postgres_template() -> str:
    """A PostgreSQL database migrated to head once per run: the ``TEMPLATE`` of each test's
    database (a test skips when there is no server)."""
    if not POSTGRES_URL:
        pytest.skip("RCRP_TEST_POSTGRES_URL is not set: no PostgreSQL server for this run")
    if _Templates.postgres is None:
        name = f"rcrp_template_{uuid.uuid4().hex[:12]}"
        _admin_execute(f'CREATE DATABASE "{name}"')
        _Templates.postgres = name  # from here on it is dropped at the end of the run
        template = Database(_postgres_url(name))
        try:
            schema.upgrade(template)
        except BaseException:
            template.dispose()
            _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _Templates.postgres = None
            raise
        # CREATE DATABASE ... TEMPLATE refuses while anyone is connected to the template.
        template.dispose()
    return _Templates.postgres


@pytest.fixture(autouse=True, scope="session")
def _drop_templates() -> Iterator[None]:
    yield
    if _Templates.postgres is not None:
        _admin_execute(f'DROP DATABASE IF EXISTS "{_Templates.postgres}" WITH (FORCE)')
        _Templates.postgres = None
    if _Templates.folder is not None:
        shutil.rmtree(_Templates.folder, ignore_errors=True)
        _Templates.folder = _Templates.sqlite = None


def _admin_execute(statement: str) -> None:
    assert POSTGRES_URL
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def _postgres_url(database: str) -> str:
    assert POSTGRES_URL
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


def _sqlite(tmp_path: Path) -> Iterator[Database]:
    """A copy of the run's migrated SQLite template in ``tmp_path``."""
    path = tmp_path / "rcrp-test.db"
    copy_database_file(sqlite_template(), path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


def _postgres() -> Iterator[Database]:
    """A new PostgreSQL database made from the run's migrated template, dropped after."""
    template = postgres_template()
    name = f"rcrp_test_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    db = Database(_postgres_url(name))
    try:
        yield db
    finally:
        db.dispose()
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database in a real file (a copy of the run's migrated template)."""
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
