"""Time a phase's go-live readiness and the supervisor's Home that shows it, against the
rota screen's own load of the same rota, measured in the same run.

    python bench/bench_readiness.py [--decisions N] [--runs N]

Builds a live demo (``--decisions``, default 200,000, over the days they need) in a
temporary folder, then times ``readiness`` for phase 1 (live) and phase 2 (planned),
``supervisor_home`` (which works out the next phase's readiness and the 24-hour briefing
flags) and, as the anchor, ``rota_view`` of phase 1's rota. Prints median wall-clock and
CPU milliseconds and each ratio to the anchor; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_kpis import medians_ms

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.sample_data.demo import build_demo, live_window
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.home import summary as home
from rcrp_tui.services.readiness.checklist import readiness
from rcrp_tui.services.rota import planning as rota
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import decisions_table, users_table

TODAY = date(2026, 12, 3)

#: The home screen's target; readiness is a part of the supervisor's Home.
HOME_TARGET_MS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    window = live_window(TODAY)
    with tempfile.TemporaryDirectory(prefix="rcrp-readiness-bench-") as folder:
        db = Database(f"sqlite:///{folder}/demo.db")
        schema.upgrade(db)
        build_demo(db, decisions=args.decisions, clock=FixedClock(window.now), live=window)
        u = users_table.c
        with db.read() as session:
            total = session.execute(select(func.count()).select_from(decisions_table))
            row = session.execute(
                select(u.id, u.username, u.display_name, u.team_id).where(
                    u.username == "supervisor1"
                )
            ).one()
            print(f"{total.scalar_one():,} decisions; {args.runs} runs; today {TODAY}")
        sup = Ctx(
            db,
            Actor(row.id, row.username, row.display_name, Role.SUPERVISOR, row.team_id),
            FixedClock(window.now),
        )
        phase_1 = next(r for r in rota.list_rotas(sup) if r.phase == 1)
        anchor, anchor_cpu = medians_ms(lambda: rota.rota_view(sup, phase_1.id), args.runs)
        print(f"  anchor: rota_view (phase 1)   {anchor:7.1f} ms wall {anchor_cpu:7.1f} ms CPU")
        for name, fn in (
            ("readiness phase 1", lambda: readiness(sup, 1)),
            ("readiness phase 2", lambda: readiness(sup, 2)),
            ("supervisor home", lambda: home.supervisor_home(sup)),
        ):
            wall, cpu = medians_ms(fn, args.runs)
            print(
                f"  {name:<28} {wall:7.1f} ms wall {cpu:7.1f} ms CPU  "
                f"({wall / anchor:.1f}x the anchor)"
            )
            # Target: well under the home screen's 300 ms.
            key = name.replace(" ", "_")
            print(f"RESULT {key} ms={wall:.1f} anchor_ms={anchor:.1f} target_ms={HOME_TARGET_MS}")
        db.dispose()


if __name__ == "__main__":
    main()
