"""Benchmark: ``rcrp-tui report --format md`` end to end on a million decisions, against the
same aggregate SQL run by the ``sqlite3`` command-line tool.

Uses bench/bench_kpis.py's database (built there once). Each run of the command is a
fresh process, as a person or a script at the command line starts it: Python start-up,
imports, the schema check, signing in (argon2 at the product's cost), the queries and the
Markdown, with the package's bytecode compiled first as an installed copy has it. The
anchor is every SELECT the report sends (captured from the service, with
its parameters) in one file, timed through ``sqlite3 FILE < queries.sql``. The two
alternate, and the median of ``--runs`` is printed with the ratio and the target (issue
20: at most 1.0 s end to end). Asserts nothing.

Run: ``python bench/bench_report_cli.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_kpis

from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.kpis import Period, previous_period
from rcrp_tui.sample_data.demo import DEMO_PASSWORD
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.kpis import figures as kpis
from rcrp_tui.services.kpis import report as reports

PERIOD = Period(date(2028, 1, 1), date(2028, 2, 16))  # 46 days
TARGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("sqlite3") is None:
        sys.exit("the sqlite3 command-line tool is not installed")
    db = bench_kpis.prepare(False)
    actor = bench_kpis._actor(db, Role.QA_LEAD)
    qa = Ctx(db, actor)
    baseline = previous_period(PERIOD)
    queries = bench_kpis.capture(
        db,
        lambda: reports.render(kpis.compute(qa, PERIOD, baseline), reports.ReportFormat.MARKDOWN),
    )
    db.dispose()
    sql = bench_kpis.FOLDER / "report-md.sql"
    sql.write_text("\n".join(queries) + "\n", encoding="utf-8")
    command = [
        str(Path(sys.executable).with_name("rcrp-tui")),
        "report",
        "--database",
        str(bench_kpis.DATABASE),
        "--from",
        PERIOD.first_day.isoformat(),
        "--to",
        PERIOD.end_day.isoformat(),
        "--format",
        "md",
        "--user",
        actor.username,
        "--password-stdin",
    ]

    def report() -> None:
        subprocess.run(
            command,
            input=DEMO_PASSWORD + "\n",
            text=True,
            stdout=subprocess.DEVNULL,
            check=True,
        )

    def anchor() -> None:
        with sql.open("rb") as stdin:
            subprocess.run(
                ["sqlite3", str(bench_kpis.DATABASE)],
                stdin=stdin,
                stdout=subprocess.DEVNULL,
                check=True,
            )

    # An installed copy has its bytecode compiled (pip does it at install); an editable
    # checkout under PYTHONDONTWRITEBYTECODE=1 would compile some 60 modules from source
    # on every run (about 60-90 ms of CPU), which no person's command pays.
    import rcrp_tui

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(rcrp_tui.__file__).parent)],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    report()  # warm the page cache
    anchor()
    ours, base, cpu = [], [], []
    for _ in range(args.runs):
        for times, fn in ((ours, report), (base, anchor)):
            started, started_cpu = time.perf_counter(), bench_kpis._cpu_seconds()
            fn()
            times.append(time.perf_counter() - started)
            if fn is report:
                cpu.append(bench_kpis._cpu_seconds() - started_cpu)
    o, b = statistics.median(ours), statistics.median(base)
    print(f"report --format md, {PERIOD.describe()}, {len(queries)} SQL statements:")
    print(
        f"  end to end {o:6.2f} s   same SQL in sqlite3 {b:6.3f} s   ratio {o / b:6.1f}x   "
        f"target <= {TARGET_S:.1f} s"
    )
    print(
        f"  the command's CPU time {statistics.median(cpu):6.2f} s (median; wall time "
        "exceeds it when other work shares the cores)"
    )
    print(f"RESULT report_md_s s={o:.3f} anchor_s={b:.3f} target_s={TARGET_S}")


if __name__ == "__main__":
    main()
