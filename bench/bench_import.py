"""Benchmark: importing a 1,000,000-row CAD export, against a bare ``sqlite3 .import``
and against the storage floor, in three scenarios.

Generates CSVs in the San Diego export's layout (address columns included) in a
temporary directory. For each scenario it times, alternating in the same run,

* bare: the ``sqlite3`` command-line shell's ``.import --csv`` of the same file into a
  table with no indexes (no parsing of dates or codes, no upsert);
* ours: ``import_file`` with the shipped ``san-diego`` profile into a fresh migrated
  database, in a child process, whose peak resident memory (``ru_maxrss``) is reported,
  with the share of rows the SQL fast path handled (the rest take the Python converter);
* floor: one ``INSERT ... SELECT`` of the decisions ours stored, in id order, into a
  fresh migrated database (the indexed table and its month- and day-count triggers, with
  no CSV parsing, conversion or Python in the loop). The import itself adds its new
  decisions to the count tables once per key instead of by those triggers
  (``importing.counting``).

The scenarios: ``ordered``, every row an RCRP call type (CW, 5150, 5150V) in time order,
the worst case for the importer (every row converted, checked and inserted);
``shuffled``, the same rows in a random order; ``mix``, the real export's mix (7% RCRP,
``--mix-share``), where most rows are skipped; and, only with ``--only units``, the RCRP
calls on two rows each (one per responding unit), shuffled, imported with
``[rows] duplicates = "merge"`` (one decision per incident; the floor is then that of
half as many decisions). Targets (issue 20): ordered at most 1.5x
its storage floor; shuffled at most 2x the ordered import; mix at most 2x its bare
import; peak memory at most 200 MB (issue 2). ``--repeat N`` runs each scenario N times
and reports the medians.

Run: ``python bench/bench_import.py [--rows N] [--repeat N] [--only SCENARIO]
[--mix-share F] [--keep DIR] [--python-path] [--rules] [--profile]`` (``--profile``:
where each import's CPU goes, by SQL statement, the rest being Python, the driver's
inserts and the commit; ``--python-path`` for
comparison: every row through the Python converter; ``--rules``: the profile also uses
``extract``, ``cases``, ``skip_when`` and ``duplicates = "merge"``, which change nothing
on these files but are evaluated on every row, so they take the Python path: compare
with ``--python-path`` for their own cost).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HEADER = [
    "incident_num",
    "date_time",
    "day_of_week",
    "address_number_primary",
    "address_dir_primary",
    "address_road_primary",
    "address_sfx_primary",
    "address_dir_intersecting",
    "address_road_intersecting",
    "address_sfx_intersecting",
    "call_type",
    "disposition",
    "beat",
    "priority",
]
CALL_TYPES = ["CW"] * 6 + ["5150"] * 3 + ["5150V"]
OTHER_CALL_TYPES = ["415", "SELENF", "459A", "T", "415V", "911", "HZRD", "1183"]
DISPOSITIONS = ["K"] * 12 + ["W", "CAN", "A", "R", "O", "U", "DUP"]
ROADS = ["05TH", "BROADWAY", "MARKET", "UNIVERSITY", "EL CAJON", "GARNET", "IMPERIAL"]


def generate(path: Path, rows: int, rcrp_share: float = 1.0, seed: int = 2023) -> None:
    """Write ``rows`` synthetic calls, all quoted like the real export; ``rcrp_share`` of
    them are RCRP call types (the real file: about 7%)."""
    rng = random.Random(seed)
    start = datetime(2023, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(HEADER)
        for n in range(rows):
            moment = start + timedelta(seconds=n * 30 + rng.randrange(30))
            writer.writerow(
                [
                    f"E{moment:%y%m}{n:08d}",
                    f"{moment:%Y-%m-%d %H:%M:%S}",
                    str(moment.isoweekday() % 7 + 1),
                    str(rng.randrange(0, 9000, 100)),
                    "",
                    rng.choice(ROADS),
                    "ST",
                    "",
                    "",
                    "",
                    rng.choice(CALL_TYPES if rng.random() < rcrp_share else OTHER_CALL_TYPES),
                    rng.choice(DISPOSITIONS),
                    str(rng.randrange(100, 900)),
                    str(rng.randrange(0, 5)),
                ]
            )


def children_cpu() -> float:
    """CPU seconds (user and system) of the finished child processes so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def bare_import(csv_path: Path, db_path: Path) -> tuple[float, float, str]:
    """Seconds and CPU seconds for the sqlite3 shell (or, without it, Python's sqlite3)
    to load the file."""
    columns = ", ".join(f'"{name}" TEXT' for name in HEADER)
    sqlite3_cli = shutil.which("sqlite3")
    if sqlite3_cli:
        script = f"CREATE TABLE calls ({columns});\n.import --csv --skip 1 {csv_path} calls\n"
        began, cpu = time.perf_counter(), children_cpu()
        subprocess.run([sqlite3_cli, str(db_path)], input=script, text=True, check=True)
        took = time.perf_counter() - began
        return took, children_cpu() - cpu, f"sqlite3 shell .import ({sqlite3_cli})"
    import sqlite3

    began, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(db_path)
    conn.execute(f"CREATE TABLE calls ({columns})")
    with csv_path.open(encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        conn.executemany(f"INSERT INTO calls VALUES ({', '.join('?' * len(HEADER))})", reader)
    conn.commit()
    conn.close()
    took, cpu = time.perf_counter() - began, time.process_time() - cpu
    return took, cpu, "Python sqlite3 executemany (no sqlite3 shell found)"


def storage_floor(imported: Path, db_path: Path) -> tuple[float, float]:
    """Seconds (and CPU seconds) to copy the imported decisions into a fresh migrated
    database with one ``INSERT ... SELECT``: the cost of the decisions table, its indexes
    and its count triggers, with no CSV parsing, conversion or Python in the loop."""
    import sqlite3

    from rcrp_tui.storage import schema
    from rcrp_tui.storage.db import Database

    db = Database(f"sqlite:///{db_path}")
    schema.upgrade(db)
    db.dispose()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("ATTACH DATABASE ? AS imported", (str(imported),))
    began, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO main.decisions SELECT * FROM imported.decisions ORDER BY id")
    conn.execute("COMMIT")
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    conn.close()
    return seconds, cpu


def peak_resident_kb() -> int:
    """This process's peak resident memory in KiB. Linux's ``ru_maxrss`` carries over the
    parent's peak into a child it starts, so the kernel's own high-water mark of this
    process (``VmHWM``) is read where there is one."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


#: ``--rules``: constructs of the profile language that hold on no row of these files.
RULES = """
[[fields.outcome.cases]]
when = { "disposition" = "NO SUCH CODE", "beat" = "" }
value = "signposted"

[rows]
skip_when = { "beat" = "NO SUCH BEAT" }
duplicates = "merge"
[rows.merge]
outcome = { prefer = ["deployed"] }
received_at = "earliest"
"""


def child(csv_path: Path, db_path: Path, fast: bool = True) -> None:
    """Run in a fresh interpreter: migrate, import, print seconds and peak memory."""
    from rcrp_tui.importing.cad import import_file
    from rcrp_tui.importing.profile import shipped_profile
    from rcrp_tui.services.core.context import DEMO_BUILDER, Ctx
    from rcrp_tui.storage import schema
    from rcrp_tui.storage.db import Database

    db = Database(f"sqlite:///{db_path}")
    schema.upgrade(db)
    profile = shipped_profile("san-diego")
    if os.environ.get("RCRP_BENCH_RULES"):
        from importlib import resources

        from rcrp_tui.importing.profile import SHIPPED_PACKAGE, parse_profile

        shipped = resources.files(SHIPPED_PACKAGE).joinpath("san-diego.toml")
        text = shipped.read_text(encoding="utf-8").replace(
            'column = "call_type"', "column = \"call_type\"\nextract = '^(?P<code>\\S+)'"
        )
        profile = parse_profile(text + RULES, Path("san-diego-rules.toml"))
        assert profile.uses_rules
    if os.environ.get("RCRP_BENCH_UNITS"):
        from importlib import resources

        from rcrp_tui.importing.profile import SHIPPED_PACKAGE, parse_profile

        shipped = resources.files(SHIPPED_PACKAGE).joinpath("san-diego.toml")
        text = shipped.read_text(encoding="utf-8")
        profile = parse_profile(text + UNITS, Path("san-diego-units.toml"))
    statements = _statement_cpu() if os.environ.get("RCRP_BENCH_PROFILE") else None
    began, cpu = time.perf_counter(), time.process_time()
    summary = import_file(Ctx(db, DEMO_BUILDER), csv_path, profile, fast=fast)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    if statements is not None:
        shown = sorted(statements.items(), key=lambda item: -item[1])
        for statement, used in shown[:8]:
            print(f"  {used:6.3f} s CPU  {statement}", file=sys.stderr)
        rest = cpu - sum(statements.values())
        print(
            f"  {rest:6.3f} s CPU  everything else (Python, staging inserts, commit)",
            file=sys.stderr,
        )
    peak_kb = peak_resident_kb()
    print(
        f"{seconds:.3f} {peak_kb} {summary.inserted} {summary.updated} {summary.rejected} "
        f"{summary.fast_rows} {summary.total_rows} {cpu:.3f}"
    )


def _statement_cpu() -> dict[str, float]:
    """CPU seconds of every SQL statement the import runs through SQLAlchemy, by the
    statement's first words and the table it writes or reads (filled as it runs)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    used: dict[str, float] = {}

    @event.listens_for(Engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_cpu"] = time.process_time()

    @event.listens_for(Engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        key = " ".join(statement.split()[:4])[:70]
        used[key] = used.get(key, 0.0) + time.process_time() - conn.info.pop("bench_cpu")

    return used


#: The ``units`` scenario's rules: one decision per incident from its unit rows.
UNITS = """
[rows]
duplicates = "merge"
[rows.merge]
outcome = { prefer = ["deployed"] }
received_at = "earliest"
"""


def unit_rows(source: Path, dest: Path, rows: int, seed: int = 2026) -> None:
    """``rows`` rows, one per responding unit: the first ``rows / 2`` calls of ``source``,
    each on two rows (the second unit's disposition ``W``, no dispatch), shuffled, so no
    incident's rows are next to each other."""
    with source.open(encoding="utf-8", newline="") as inp:
        reader = csv.reader(inp)
        header = next(reader)
        lines: list[list[str]] = []
        for row in reader:
            if len(lines) >= rows:
                break
            lines.append(row)
            lines.append([*row[:11], "W", *row[12:]])
    random.Random(seed).shuffle(lines)
    with dest.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows([header, *lines])


def shuffle_rows(source: Path, dest: Path, seed: int = 2026) -> None:
    """The same file with its data rows in a random order (the header stays first)."""
    with source.open(encoding="utf-8", newline="") as inp:
        header, *lines = inp.readlines()
    random.Random(seed).shuffle(lines)
    with dest.open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        out.writelines(lines)


def ours(
    csv_path: Path, db_path: Path, python_path: bool
) -> tuple[float, float, int, str, int, int]:
    """Seconds, CPU seconds, peak KiB, counts and fast-path rows of ``import_file`` in a
    fresh process."""
    mode = "python" if python_path else "fast"
    command = [sys.executable, __file__, "--child", str(csv_path), str(db_path), mode]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    if os.environ.get("RCRP_BENCH_PROFILE"):
        print(done.stderr, end="", flush=True)
    out = done.stdout.split()
    counts = f"inserted {int(out[2]):,}, updated {out[3]}, rejected {out[4]}"
    return float(out[0]), float(out[7]), int(out[1]), counts, int(out[5]), int(out[6])


@dataclass
class Scenario:
    """One scenario's medians: wall-clock seconds, and CPU seconds (steadier when the
    machine is shared: another process's load lengthens the wall time, not the CPU)."""

    name: str
    bare: float
    floor: float
    ours: float
    bare_cpu: float
    floor_cpu: float
    ours_cpu: float
    peak_kb: int


def run_scenario(
    name: str,
    csv_path: Path,
    work: Path,
    python_path: bool,
    scenarios: list[Scenario],
    repeat: int,
) -> None:
    """Bare import, ours and the floor, alternating ``repeat`` times; medians kept."""
    rounds: list[tuple[float, float, float, float, float, float]] = []
    peaks = []
    for _ in range(repeat):
        for stale in work.glob(f"{name}*.db*"):
            stale.unlink()  # each round from empty databases; disk use one scenario's
        bare_seconds, bare_cpu, how = bare_import(csv_path, work / f"{name}-bare.db")
        seconds, cpu, peak_kb, counts, fast_rows, total = ours(
            csv_path, work / f"{name}.db", python_path
        )
        floor, floor_cpu = storage_floor(work / f"{name}.db", work / f"{name}-floor.db")
        share = fast_rows / total if total else 0.0
        print(
            f"{name}: bare {bare_seconds:.2f} s (CPU {bare_cpu:.2f} s) [{how}], floor "
            f"{floor:.2f} s (CPU {floor_cpu:.2f} s), ours {seconds:.2f} s (CPU {cpu:.2f} s) "
            f"({counts}; fast path {share:.1%} of {total:,} rows; peak "
            f"{peak_kb / 1024:.0f} MB)",
            flush=True,
        )
        rounds.append((bare_seconds, floor, seconds, bare_cpu, floor_cpu, cpu))
        peaks.append(peak_kb)
    bare, floor, seconds, bare_cpu, floor_cpu, cpu = (
        statistics.median(column) for column in zip(*rounds, strict=True)
    )
    scenarios.append(
        Scenario(name, bare, floor, seconds, bare_cpu, floor_cpu, cpu, peak_kb=max(peaks))
    )
    for stale in work.glob(f"{name}*.db*"):
        stale.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--mix-share", type=float, default=0.07, help="share of RCRP rows in the real mix"
    )
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    parser.add_argument(
        "--python-path", action="store_true", help="without the SQL fast path (for comparison)"
    )
    parser.add_argument(
        "--only",
        choices=["ordered", "shuffled", "mix", "units"],
        action="append",
        help="run only these scenarios (default ordered, shuffled and mix)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds per scenario (medians are reported)"
    )
    parser.add_argument(
        "--rules", action="store_true", help="a profile using the language's rules (Python path)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="print where each import's CPU goes, by statement"
    )
    parser.add_argument("--child", nargs=3, metavar=("CSV", "DB", "FAST"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rules:
        os.environ["RCRP_BENCH_RULES"] = "1"  # read by the child processes
    if args.profile:
        os.environ["RCRP_BENCH_PROFILE"] = "1"
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.child[2] == "fast")
        return
    wanted = args.only or ["ordered", "shuffled", "mix"]
    work = args.keep or Path(tempfile.mkdtemp(prefix="rcrp-bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    for stale in work.glob("*.db*"):
        stale.unlink()  # a kept directory from an earlier run: start from empty databases
    scenarios: list[Scenario] = []
    try:
        rcrp = work / "calls-rcrp.csv"
        began = time.perf_counter()
        generate(rcrp, args.rows)
        size_mb = rcrp.stat().st_size / 1e6
        print(
            f"generated {args.rows:,} RCRP rows ({size_mb:.0f} MB) in "
            f"{time.perf_counter() - began:.1f} s",
            flush=True,
        )
        if "ordered" in wanted:
            run_scenario("ordered", rcrp, work, args.python_path, scenarios, args.repeat)
        if "shuffled" in wanted:
            shuffled = work / "calls-rcrp-shuffled.csv"
            shuffle_rows(rcrp, shuffled)
            run_scenario("shuffled", shuffled, work, args.python_path, scenarios, args.repeat)
        if "mix" in wanted:
            mix = work / "calls-mix.csv"
            generate(mix, args.rows, args.mix_share)
            run_scenario("mix", mix, work, args.python_path, scenarios, args.repeat)
        if "units" in wanted:
            units = work / "calls-units.csv"
            unit_rows(rcrp, units, args.rows)
            os.environ["RCRP_BENCH_UNITS"] = "1"  # the children read it: one decision an incident
            try:
                run_scenario("units", units, work, args.python_path, scenarios, args.repeat)
            finally:
                del os.environ["RCRP_BENCH_UNITS"]
        report(scenarios, args.rows, args.repeat)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def report(scenarios: list[Scenario], rows: int, repeat: int) -> None:
    """Two tables (wall clock, CPU): each figure with its anchors from the same run, and
    the targets judged on both."""

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    for kind, get in (
        ("wall clock", lambda s: (s.bare, s.floor, s.ours)),
        ("CPU", lambda s: (s.bare_cpu, s.floor_cpu, s.ours_cpu)),
    ):
        print()
        print(f"{rows:,} rows, {kind} seconds, median of {repeat} round(s) each")
        print(f"{'scenario':>8} | bare .import | storage floor |    ours | ours/floor | ours/bare")
        by = {}
        for s in scenarios:
            bare, floor, ours_ = get(s)
            by[s.name] = (bare, floor, ours_)
            print(
                f"{s.name:>8} | {bare:10.2f} s | {floor:11.2f} s | {ours_:5.2f} s | "
                f"{ours_ / floor:9.2f}x | {ours_ / bare:8.2f}x"
            )
        if "ordered" in by:
            ratio = by["ordered"][2] / by["ordered"][1]
            print(
                f"time-ordered RCRP ({kind}): {ratio:.2f}x the storage floor "
                f"(target <= 1.5x: {verdict(ratio <= 1.5)})"
            )
        if "ordered" in by and "shuffled" in by:
            ratio = by["shuffled"][2] / by["ordered"][2]
            print(
                f"shuffled RCRP ({kind}): {ratio:.2f}x the time-ordered import "
                f"(target <= 2x: {verdict(ratio <= 2)})"
            )
        if "mix" in by:
            ratio = by["mix"][2] / by["mix"][0]
            print(
                f"real mix ({kind}): {ratio:.2f}x the bare import "
                f"(target <= 2x: {verdict(ratio <= 2)})"
            )
        if kind == "CPU":
            # One line per target for bench/run_all.py (CPU seconds: steady under load).
            if "ordered" in by:
                o = by["ordered"]
                print(
                    f"RESULT import_ordered_cpu s={o[2]:.3f} anchor_s={o[1]:.3f} target_ratio=1.5"
                )
            if "ordered" in by and "shuffled" in by:
                sh, o = by["shuffled"], by["ordered"]
                print(
                    f"RESULT import_shuffled_cpu s={sh[2]:.3f} anchor_s={o[2]:.3f} target_ratio=2"
                )
            if "mix" in by:
                m = by["mix"]
                print(f"RESULT import_mix_cpu s={m[2]:.3f} anchor_s={m[0]:.3f} target_ratio=2")
    peak_mb = max(s.peak_kb for s in scenarios) / 1024 if scenarios else 0.0
    print(
        f"peak memory of an importing process: {peak_mb:.0f} MB (target <= 200 MB: "
        f"{verdict(peak_mb <= 200)})"
    )


if __name__ == "__main__":
    main()
