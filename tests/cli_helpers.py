"""Running ``rcrp-tui`` commands as a signed-in person in tests.

Accounts are added through the services (argon2 hashing, cheap in tests: see
``conftest.py``) and the command signs in with ``--user NAME --password-stdin``, the password
fed on standard input as a script would pipe it.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database, url_from_argument
from tests.conftest import TEST_ADMIN

PASSWORD = "cli-password-2026"


def add_account(
    where: Ctx | Path | str,
    username: str,
    role: Role,
    *,
    team: str | None = None,
    staff_id: str | None = None,
) -> None:
    """Add an account with :data:`PASSWORD` to a test database (a Ctx, or a file path)."""
    if isinstance(where, Ctx):
        ctx = where.as_actor(TEST_ADMIN)
    else:
        db = Database(url_from_argument(str(where)))
        schema.upgrade(db)
        ctx = Ctx(db, TEST_ADMIN)
    people.add_user(
        ctx,
        username=username,
        display_name=username.title(),
        role=role,
        password=PASSWORD,
        team=team,
        staff_id=staff_id,
    )


def as_user(
    monkeypatch: pytest.MonkeyPatch,
    username: str,
    *more_lines: str,
    password: str = PASSWORD,
) -> list[str]:
    """Arguments that sign ``username`` in; standard input holds the password (then
    ``more_lines``, such as a new account's password)."""
    monkeypatch.setattr(
        sys, "stdin", io.StringIO("".join(f"{x}\n" for x in (password, *more_lines)))
    )
    return ["--user", username, "--password-stdin"]
