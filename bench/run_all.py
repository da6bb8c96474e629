"""Run every bench (each in its quick form) and print one table: figure, anchor, ratio,
target, met or missed.

    python bench/run_all.py [--only NAME ...] [--quick | --full] [--list] [--from-logs]

Each bench runs as its own process with the arguments below (``--full``: the bench's
own defaults, which can take many minutes each); its whole output is kept in
/tmp/rcrp-bench-logs/NAME.txt. A bench that prints ``RESULT name key=value ...`` lines
(``ms``/``s`` the figure, ``anchor_ms``/``anchor_s`` the anchor measured in the same run,
``target_ms``/``target_s``/``target_ratio`` the target) is read from those; for the
older ones a pattern picks the headline figure out of the text. A bench that fails, or
whose figure cannot be read, says so in the table instead of a number; one that needs
what this machine lacks (PostgreSQL, Chromium) is skipped with the reason. Benches that
build a database of a million decisions build it once and keep it under /tmp, so the
first run takes longer. Asserts nothing; the figures are only comparable with their
anchors on the same machine in the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
LOGS = Path("/tmp/rcrp-bench-logs")


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    quick: tuple[str, ...] = ()
    #: For benches without RESULT lines: (label, pattern with a ``v`` group, unit).
    figures: tuple[tuple[str, str, str], ...] = ()
    anchor: tuple[str, str] | None = None  # (pattern with a ``v`` group, unit)
    target: str = "—"
    limit: float | None = None  # met when figure <= limit (same unit as the figure)
    #: What it cannot run without, each one of: an environment variable (NAME), a file
    #: (/path), a program on the PATH (name), a Python module (py:name); "a|b": either.
    needs: tuple[str, ...] = field(default=())


# One line per bench that prints RESULT lines (see the module's docstring):
#     Bench("name", "bench_name.py", (quick arguments...), needs=(...)),
#: A server to use, or the programs to start a throw-away one.
_POSTGRES = "RCRP_TEST_POSTGRES_URL|pg_ctl|/usr/lib/postgresql/15/bin/pg_ctl"
_LIVE_QUICK = ("--workers", "5", "--seconds", "20", "--anchor-seconds", "5")

BENCHES = (
    Bench("startup", "bench_startup.py", ("--runs", "3")),
    Bench("browser page", "bench_browser_page.py", ("--pages", "50")),
    Bench("pgdn", "bench_pgdn.py", ("--presses", "200")),
    Bench("kpis", "bench_kpis.py", ("--runs", "3", "--quick")),
    Bench("report md", "bench_report_cli.py", ("--runs", "3")),
    Bench(
        "home",
        "bench_home.py",
        ("--runs", "3"),
        figures=(("QA lead home", r"wall\s+service\s+(?P<v>[\d.]+) ms", "ms"),),
        anchor=(r"wall\s+service\s+[\d.]+ ms\s+sqlite3 CLI\s+(?P<v>[\d.]+) ms", "ms"),
        target="<= 1.5x anchor, < 300 ms",
        limit=300.0,
    ),
    Bench(
        "sampling",
        "bench_sampling.py",
        ("--runs", "3"),
        figures=(("stratified draw", r"median (?P<v>[\d.]+) ms", "ms"),),
        anchor=(r"floor, one grouped count over the index: median (?P<v>[\d.]+) ms", "ms"),
        target="<= 150 ms",
        limit=150.0,
    ),
    Bench(
        "import",
        "bench_import.py",
        ("--rows", "200000"),
        figures=(("import", r"time-ordered RCRP \(CPU\): (?P<v>[\d.]+)x", "x"),),
        target="ordered <= 1.5x floor; shuffled <= 2x ordered; mix <= 2x bare",
    ),
    Bench(
        "import + save",
        "bench_import_concurrent_save.py",
        ("--rows", "200000"),
        figures=(("save during import", r"median save (?P<v>[\d.]+) ms", "ms"),),
        anchor=(r"idle database: median (?P<v>[\d.]+) ms", "ms"),
        target="no save fails",
    ),
    Bench(
        "audit verify",
        "bench_audit_verify.py",
        ("--rows", "200000"),
        figures=(("audit verify", r"audit verify:\s+(?P<v>[\d.]+) s", "s"),),
        anchor=(r"bare read \+ sha256:\s+(?P<v>[\d.]+) s", "s"),
    ),
    Bench(
        "backup",
        "bench_backup.py",
        ("--decisions", "100000"),
        figures=(("backup", r"(?m)^\S.*?\s(?P<v>[\d.]+) s\s+[\d.]+x the anchor", "s"),),
        anchor=(r"anchor: copyfile \+ sha256\s+(?P<v>[\d.]+) s", "s"),
    ),
    Bench(
        "retention",
        "bench_retention.py",
        ("--decisions", "50000"),
        figures=(("retention apply", r"retention apply\S*\s+(?P<v>[\d.]+) s", "s"),),
        anchor=(r"anchor: bare DELETE\s+(?P<v>[\d.]+) s", "s"),
    ),
    Bench(
        "appeals",
        "bench_appeals.py",
        ("--decisions", "50000", "--appeals", "5000"),
        figures=(
            ("appeals next page", r"next page, no filter\s+median\s+(?P<v>[\d.]+) ms", "ms"),
            ("appeal figures", r"figures, whole period[^\n]*?median\s+(?P<v>[\d.]+) ms", "ms"),
        ),
    ),
    Bench(
        "coaching",
        "bench_coaching.py",
        figures=(("coaching team table", r"team_table[^\n]*?median\s+(?P<v>[\d.]+) ms", "ms"),),
    ),
    Bench(
        "reviews",
        "bench_reviews.py",
        figures=(
            ("review save draft", r"save draft[^\n]*?median\s+(?P<v>[\d.]+) ms", "ms"),
            ("review submit", r"submit\s[^\n]*?median\s+(?P<v>[\d.]+) ms", "ms"),
        ),
    ),
    Bench(
        "cpd export",
        "bench_cpd_export.py",
        ("--runs", "3"),
        figures=(("CPD export", r"median\s+(?P<v>[\d.]+) ms", "ms"),),
    ),
    Bench(
        "rota autofill",
        "bench_rota_autofill.py",
        figures=(
            (
                "42-day autofill, 3 floorwalkers",
                r"3 floorwalkers[^\n]*?median (?P<v>[\d.]+) ms",
                "ms",
            ),
        ),
        target="< 2 s",
        limit=2000.0,
    ),
    Bench(
        "concurrency",
        "bench_concurrency.py",
        ("--rounds", "50"),
        needs=("RCRP_TEST_POSTGRES_URL",),
    ),
    # Real headless apps on PostgreSQL (a throw-away server unless RCRP_TEST_POSTGRES_URL).
    Bench("live apps", "bench_live_apps.py", ("--apps", "5", "--seconds", "30")),
    Bench(
        "demo build",
        "bench_demo.py",
        ("50000",),
        figures=(("demo decisions", r"decisions\s+(?P<v>[\d.]+) s", "s"),),
    ),
    Bench("readiness", "bench_readiness.py", ("--decisions", "50000", "--runs", "3")),
    Bench("calibration", "bench_calibration.py", ("--runs", "3")),
    Bench("import xlsx", "bench_import_xlsx.py", ("--rows", "100000")),
    Bench("serve", "bench_serve.py", ("--runs", "2"), needs=("/usr/bin/chromium", "py:playwright")),
    Bench("live load", "bench_live_load.py", _LIVE_QUICK, needs=(_POSTGRES,)),
)

#: How a RESULT unit is shown ("n" is a count).
_UNITS = {"mb": "MB", "n": ""}
_RESULT = re.compile(r"^RESULT (?P<name>\S+) (?P<rest>.*)$", re.MULTILINE)


@dataclass
class Row:
    bench: str
    figure: str
    value: str
    anchor: str = "—"
    ratio: str = "—"
    target: str = "—"
    verdict: str = "—"


def _num(text: str) -> str:
    value = float(text)
    if "." not in text and value.is_integer():
        return f"{int(value):,}"  # printed whole (a count, whole MB or ms): shown whole
    return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"


def from_results(bench: Bench, output: str) -> list[Row]:
    rows = []
    for match in _RESULT.finditer(output):
        pairs = dict(p.split("=", 1) for p in match["rest"].split() if "=" in p)
        # The figure is the first key that is not an anchor or a target: ms, s, mb, n ...
        unit = next((k for k in pairs if not k.startswith(("anchor_", "target_"))), None)
        if unit is None:
            continue
        value = float(pairs[unit])
        shown = _UNITS.get(unit, unit)
        row = Row(bench.name, match["name"], f"{_num(pairs[unit])} {shown}".rstrip())
        anchor = pairs.get(f"anchor_{unit}")
        if anchor:
            row.anchor = f"{_num(anchor)} {shown}".rstrip()
            row.ratio = f"{value / float(anchor):.2f}x" if float(anchor) else "—"
        if f"target_{unit}" in pairs:
            limit = float(pairs[f"target_{unit}"])
            row.target = f"<= {_num(pairs[f'target_{unit}'])} {shown}".rstrip()
            row.verdict = "met" if value <= limit else "missed"
        elif "target_ratio" in pairs and anchor:
            limit = float(pairs["target_ratio"])
            row.target = f"<= {limit:g}x anchor"
            row.verdict = "met" if value / float(anchor) <= limit else "missed"
        rows.append(row)
    return rows


def from_patterns(bench: Bench, output: str) -> list[Row]:
    rows = []
    for label, pattern, unit in bench.figures:
        match = re.search(pattern, output)
        if match is None:
            rows.append(Row(bench.name, label, "not read (see log)"))
            continue
        value = float(match["v"])
        row = Row(bench.name, label, f"{_num(match['v'])} {unit}", target=bench.target)
        if bench.anchor is not None:
            found = re.search(bench.anchor[0], output)
            if found is not None:
                row.anchor = f"{_num(found['v'])} {bench.anchor[1]}"
                row.ratio = f"{value / float(found['v']):.2f}x" if float(found["v"]) else "—"
        if bench.limit is not None:
            row.verdict = "met" if value <= bench.limit else "missed"
        rows.append(row)
    return rows


def read(bench: Bench, output: str) -> list[Row]:
    return from_results(bench, output) or from_patterns(bench, output)


def from_log(bench: Bench) -> list[Row]:
    log = LOGS / f"{bench.name.replace(' ', '-')}.txt"
    missing = [n.replace("|", " or ") for n in bench.needs if not _present(n)]
    if missing and not log.exists():
        return [Row(bench.name, "—", f"skipped: needs {', '.join(missing)}")]
    if not log.exists():
        return [Row(bench.name, "—", "no log yet")]
    return read(bench, log.read_text(encoding="utf-8")) or [Row(bench.name, "—", "no figure")]


def _present(need: str) -> bool:
    """Whether one thing a bench needs is here (see ``Bench.needs``)."""
    if "|" in need:
        return any(_present(n) for n in need.split("|"))
    if need.startswith("/"):
        return Path(need).exists()
    if need.startswith("py:"):
        return importlib.util.find_spec(need[3:]) is not None
    if need.isupper():
        return bool(os.environ.get(need))
    return shutil.which(need) is not None


def run(bench: Bench, full: bool) -> list[Row]:
    missing = [n.replace("|", " or ") for n in bench.needs if not _present(n)]
    if missing:
        reason = f"skipped: needs {', '.join(missing)}"
        print(f"  {bench.name}: {reason}", file=sys.stderr, flush=True)
        return [Row(bench.name, "—", reason)]
    command = [sys.executable, str(HERE / bench.script), *(() if full else bench.quick)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    took = time.perf_counter() - started
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{bench.name.replace(' ', '-')}.txt"
    log.write_text(f"$ {' '.join(command)}\n{done.stdout}\n{done.stderr}", encoding="utf-8")
    print(f"  {bench.name}: {took:.0f} s, exit {done.returncode}", file=sys.stderr, flush=True)
    if done.returncode != 0:
        return [Row(bench.name, "—", f"failed (exit {done.returncode}, see {log})")]
    rows = read(bench, done.stdout)
    return rows or [Row(bench.name, "—", f"ran; no headline figure (see {log})")]


def table(rows: list[Row]) -> str:
    head = ("bench", "figure", "value", "anchor (same run)", "ratio", "target", "met?")
    cells = [
        head,
        *((r.bench, r.figure, r.value, r.anchor, r.ratio, r.target, r.verdict) for r in rows),
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(head))).rstrip() for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benches")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="each bench's own defaults")
    size.add_argument(
        "--quick", action="store_true", help="each bench's quick form, small sizes (the default)"
    )
    parser.add_argument("--list", action="store_true", help="list the benches and stop")
    parser.add_argument(
        "--from-logs", action="store_true", help="print the table from the last logs, run nothing"
    )
    args = parser.parse_args()
    if args.list:
        for b in BENCHES:
            print(f"{b.name:<16} {b.script} {' '.join(b.quick)}")
        return
    chosen = [b for b in BENCHES if not args.only or b.name in args.only]
    unknown = set(args.only or ()) - {b.name for b in BENCHES}
    if unknown:
        sys.exit(f"no such bench: {', '.join(sorted(unknown))} (see --list)")
    if args.from_logs:
        print(table([row for bench in chosen for row in from_log(bench)]))
        return
    load = os.getloadavg()[0]
    print(f"running {len(chosen)} benches; load average {load:.2f} on {os.cpu_count()} CPUs")
    rows: list[Row] = []
    for bench in chosen:
        rows += run(bench, args.full)
    print(table(rows))
    print(f"load average at the end {os.getloadavg()[0]:.2f}; logs in {LOGS}")


if __name__ == "__main__":
    main()
