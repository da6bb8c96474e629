"""What the two load benches share (bench_live_load.py: services and the feed without
Textual; bench_live_apps.py: the real app, headless): a throw-away PostgreSQL server and
database, the seeded floorwalkers and sample, cheap password hashes, percentiles, and the
check of what the terminals reported against the database."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

PASSWORD = "bench-password-1"
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def cheap_hashing() -> None:
    """Hash and verify passwords at argon2's smallest cost in this process, as the tests
    do (tests/conftest.py): twenty sign-ins at the product's cost would measure argon2.
    Call it in the parent before seeding and in each terminal before it signs in."""
    from argon2 import PasswordHasher

    from rcrp_tui.services.core import auth

    auth._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    auth._stand_in.cache_clear()


# ----- a throw-away PostgreSQL server, as .ci/postgres.sh starts one -----------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def throwaway_server() -> Iterator[str]:
    pg_ctl = shutil.which("pg_ctl") or "/usr/lib/postgresql/15/bin/pg_ctl"
    bin_dir = Path(pg_ctl).parent
    folder = Path(tempfile.mkdtemp(prefix="rcrp-bench-pg."))
    as_pg: list[str] = []
    if os.getuid() == 0:  # PostgreSQL refuses to run as root
        import pwd

        os.chown(folder, pwd.getpwnam("postgres").pw_uid, -1)
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = folder / "data"
    subprocess.run(
        [*as_pg, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
         "--no-sync"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
    )
    subprocess.run(
        [*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
         "-o", options, "start"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    name = f"rcrp_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def server(url: str | None) -> Iterator[str]:
    """``url`` when given, else a throw-away server for the length of the block."""
    if url:
        yield url
        return
    with throwaway_server() as started:
        yield started


# ----- the data ----------------------------------------------------------------------------


def seed(url: str, workers: int, items: int) -> int:
    """Teams, floorwalkers fw01.., ``items`` decisions and one sample of them all."""
    from rcrp_tui.domain.clock import FixedClock
    from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role, Shift, ThresholdBasis
    from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
    from rcrp_tui.services.core import people
    from rcrp_tui.services.core.context import Actor, Ctx
    from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
    from rcrp_tui.services.sampling import plans as sampling
    from rcrp_tui.services.sampling.population import PopulationFilter
    from rcrp_tui.storage import schema
    from rcrp_tui.storage.db import Database

    cheap_hashing()
    db = Database(url)
    schema.upgrade(db)
    admin = Ctx(db, Actor(None, "bench-setup", "Bench set-up", Role.ADMINISTRATOR),
                FixedClock(START + timedelta(days=60)))  # fmt: skip
    people.add_team(admin, "Team A", "2d2n4off-12h")
    people.add_contact_officer(admin, "CO-001", "Team A")
    qa = people.add_user(admin, username="qa", display_name="QA lead", role=Role.QA_LEAD,
                         password=PASSWORD)  # fmt: skip
    for n in range(1, workers + 1):
        people.add_user(admin, username=f"fw{n:02d}", display_name=f"Floorwalker {n}",
                        role=Role.FLOORWALKER, password=PASSWORD, team="Team A")  # fmt: skip
    for n in range(items):
        received = START + timedelta(minutes=7 * n)
        record_decision(
            admin,
            DecisionInput(
                cad_ref=f"CAD{n:07d}",
                source_system="BENCH",
                received_at=received,
                category=list(Category)[n % len(Category)],
                caller_type=CallerType.PUBLIC,
                outcome=list(Outcome)[n % len(Outcome)],
                threshold_basis=ThresholdBasis.NONE,
                staff_id="CO-001",
                shift=Shift.DAY if 7 <= received.hour < 19 else Shift.NIGHT,
                rationale="Assessed against the threshold.",
            ),
        )
    lead = admin.as_actor(Actor(qa.id, "qa", "QA lead", Role.QA_LEAD))
    spec = SamplingSpec(SamplingMethod.SIMPLE, size=items)
    plan = sampling.save_plan(lead, "Load bench", PopulationFilter(), spec, seed=11)
    sample_id = sampling.draw_sample(lead, plan.id).id
    db.dispose()
    return sample_id


# ----- figures and checks ------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def check_claims_and_completions(url: str, claims: int, completions: int) -> list[str]:
    """The claims and completions the terminals reported, against the audit log and the
    items' final states; an item claimed twice is named too."""
    from rcrp_tui.domain.sampling import SampleItemStatus
    from rcrp_tui.storage.db import Database
    from rcrp_tui.storage.models import AuditEntry
    from rcrp_tui.storage.sampling_models import sample_items_table

    db = Database(url)
    problems: list[str] = []
    with db.read() as session:
        audited = dict(
            session.execute(
                select(AuditEntry.action, func.count())  # type: ignore[call-overload]
                .where(AuditEntry.action.in_(("sample_item.claim", "sample_item.done")))  # type: ignore[attr-defined]
                .group_by(AuditEntry.action)
            ).all()
        )
        doubled = session.execute(
            select(func.count()).select_from(
                select(AuditEntry.entity_id)
                .where(AuditEntry.action == "sample_item.claim")
                .group_by(AuditEntry.entity_id)
                .having(func.count() > 1)
                .subquery()
            )
        ).scalar_one()
        done = session.execute(
            select(func.count()).where(sample_items_table.c.status == SampleItemStatus.DONE)
        ).scalar_one()
    db.dispose()
    if audited.get("sample_item.claim", 0) != claims:
        problems.append(f"{claims} claims reported, {audited.get('sample_item.claim', 0)} audited")
    if audited.get("sample_item.done", 0) != completions or done != completions:
        problems.append(f"{completions} completions reported, {done} items done")
    if doubled:
        problems.append(f"{doubled} items claimed twice")
    return problems
