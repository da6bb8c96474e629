"""Time every role's home screen over a million decisions and a hundred thousand reviews,
against the same SQL run by the ``sqlite3`` command-line tool.

    python bench/bench_home.py [--runs N] [--rebuild]

Uses the database ``bench_kpis.py`` builds and keeps under /tmp/rcrp-kpi-bench (the demo
with 1,000,000 decisions plus 100,000 submitted reviews), building it first if needed.
The clock is fixed in the middle of the reviewed range, so "this month" and "last month"
both hold reviews. Prints the median wall-clock and CPU times per role and the ratio to
the sqlite3 tool; asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_kpis  # the shared 1M-decision database and the timing helpers

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.home import summary as home
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import decisions_table, users_table
from rcrp_tui.storage.review_models import reviews_table

# The bench reviews are all submitted at this instant: make it "last month".
NOW = datetime(2030, 2, 10, 12, 0, tzinfo=UTC)


def _actor(db: Database, role: Role) -> Actor:
    """The first active account of ``role``, with its team or officer record."""
    u = users_table.c
    with db.read() as session:
        row = session.execute(
            select(u.id, u.username, u.display_name, u.team_id, u.contact_officer_id)
            .where(u.role == role.value, u.active.is_(True))
            .order_by(u.id)
            .limit(1)
        ).first()
    if row is None:
        sys.exit(f"the bench database has no {role.value} account")
    return Actor(row.id, row.username, row.display_name, role, row.team_id, row.contact_officer_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    args = parser.parse_args()
    if shutil.which("sqlite3") is None:
        sys.exit("the sqlite3 command-line tool is not installed")
    # Built if need be and upgraded to this version's schema, as the other benches do.
    db = bench_kpis.prepare(args.rebuild)
    with db.read() as session:
        n_decisions = session.execute(select(func.count()).select_from(decisions_table))
        n_reviews = session.execute(select(func.count()).select_from(reviews_table))
        print(
            f"database {bench_kpis.DATABASE}: {n_decisions.scalar_one():,} decisions, "
            f"{n_reviews.scalar_one():,} reviews; clock {NOW:%d %b %Y %H:%M} UTC; "
            f"{args.runs} runs"
        )
    clock = FixedClock(NOW)
    builders = {
        Role.QA_LEAD: home.qa_lead_home,
        Role.SUPERVISOR: home.supervisor_home,
        Role.FLOORWALKER: home.floorwalker_home,
        Role.CONTACT_OFFICER: home.officer_home,
        Role.ADMINISTRATOR: home.administrator_home,
    }
    for role, build in builders.items():
        ctx = Ctx(db, _actor(db, role), clock)
        bench_kpis.compare(f"{role.label} home", db, lambda c=ctx, b=build: b(c), args.runs)  # type: ignore[misc]
    db.dispose()


if __name__ == "__main__":
    main()
