"""The product hashes passwords with argon2id at full cost; only this test run is cheap.

``conftest.py`` swaps the hasher in ``services.core.auth`` for a cheap one for the whole test
session. These tests prove the swap stays inside the tests: a fresh Python process (no
conftest) hashes with the product's parameters, and the object the module made before the
swap has them too.
"""

from __future__ import annotations

import subprocess
import sys

from argon2 import Type
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlmodel import select

from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core import auth, people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import User
from tests.conftest import PRODUCT_HASHER, TEST_ADMIN, TEST_HASHER

#: argon2id, 3 passes over 64 MiB in 4 lanes: RFC 9106's second recommended option, which
#: is argon2-cffi's default.
PRODUCT_PREFIX = "$argon2id$v=19$m=65536,t=3,p=4$"


def test_the_product_hasher_uses_the_rfc_9106_low_memory_parameters() -> None:
    assert PRODUCT_HASHER.type is Type.ID
    assert PRODUCT_HASHER.time_cost == RFC_9106_LOW_MEMORY.time_cost == 3
    assert PRODUCT_HASHER.memory_cost == RFC_9106_LOW_MEMORY.memory_cost == 65536
    assert PRODUCT_HASHER.parallelism == RFC_9106_LOW_MEMORY.parallelism == 4
    assert PRODUCT_HASHER.hash_len == RFC_9106_LOW_MEMORY.hash_len
    assert PRODUCT_HASHER.salt_len == RFC_9106_LOW_MEMORY.salt_len


def test_a_process_without_the_test_set_up_stores_full_cost_hashes() -> None:
    # What the installed product writes: a new interpreter, as `rcrp-tui` starts one.
    code = "from rcrp_tui.services.core import auth; print(auth.hash_password('a password'))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.startswith(PRODUCT_PREFIX), out


def test_this_test_run_hashes_cheaply_and_says_so_in_the_hash(db: Database) -> None:
    assert auth._hasher is TEST_HASHER
    people.add_user(
        Ctx(db, TEST_ADMIN),
        username="cheap",
        display_name="Cheap",
        role=Role.QA_LEAD,
        password="a password 123",
    )
    with db.read() as session:
        stored = session.exec(select(User.password_hash).where(User.username == "cheap")).one()
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    # The product verifies such a hash (argon2 reads the cost from the hash itself) and
    # would rehash it with its own parameters at the next sign-in.
    assert PRODUCT_HASHER.verify(stored, "a password 123")
    assert PRODUCT_HASHER.check_needs_rehash(stored)
