"""Precision and recall of the personal-data scanner over the test corpus, per kind and
overall, followed by every false alarm and miss; then what the name lists cost (load
time, memory, install size) and how long one 2,000-character note takes to scan, against
the fixed-shape rules alone (the scanner before names and addresses) in the same run.
Prints the figures; asserts nothing.

    python bench/pii_corpus_report.py            # everything
    python bench/pii_corpus_report.py --no-cost  # the corpus figures only
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# The corpus and its scorer live with the tests; run from anywhere in the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.personal_data_corpus import CORPUS_TODAY, load_corpus, report_lines, score_corpus

ROOT = Path(__file__).resolve().parent.parent

# Time first, then memory in another process: tracing allocations slows imports down.
_TIME_PROBE = """
import time
from rcrp_tui.domain.name_lists import load_gazetteer
started = time.perf_counter()
g = load_gazetteer()
print(time.perf_counter() - started, len(g.forenames), len(g.surnames), g.source, sep="|")
"""
_MEMORY_PROBE = """
import tracemalloc
from rcrp_tui.domain.name_lists import load_gazetteer
tracemalloc.start()
g = load_gazetteer()
current, peak = tracemalloc.get_traced_memory()
print(current, peak, sep="|")
"""


def _probe(code: str) -> list[str]:
    return (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        )
        .stdout.strip()
        .split("|")
    )


def _note(cases: list[str], size: int = 2000) -> str:
    """About ``size`` characters of corpus sentences, clean and personal alike."""
    out: list[str] = []
    length = 0
    for text in cases:
        if length >= size:
            break
        out.append(text)
        length += len(text) + 1
    return " ".join(out)[:size]


def _best_ms(fn: Callable[[], object], repeats: int = 30) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times)


def _folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def cost_lines() -> list[str]:
    from rcrp_tui.domain.name_lists import shared_gazetteer
    from rcrp_tui.domain.personal_data import scan, scan_fixed_shapes

    lines = [""]
    # Load cost in a fresh interpreter, so nothing is already imported.
    loads = [_probe(_TIME_PROBE) for _ in range(3)]
    seconds = statistics.median(float(load[0]) for load in loads)
    _, forenames, surnames, source = loads[0]
    current, peak = _probe(_MEMORY_PROBE)
    import faker

    installed = _folder_size(Path(faker.__file__).parent)
    lines += [
        f"name lists: {source}",
        f"  {forenames} forenames, {surnames} surnames",
        f"  load in a fresh process (median of 3): {seconds * 1000:.0f} ms",
        f"  memory held after loading: {int(current) / 2**20:.1f} MiB "
        f"(peak while loading {int(peak) / 2**20:.1f} MiB)",
        f"  faker installed size: {installed / 2**20:.1f} MiB",
    ]
    shared_gazetteer()
    cases = load_corpus()
    notes = {
        "corpus sentences in order": _note([case.text for case in cases]),
        "sentences with personal data only": _note([case.text for case in cases if case.kinds]),
    }
    for what, note in notes.items():
        anchor = _best_ms(lambda note=note: scan_fixed_shapes(note, today=CORPUS_TODAY))
        full = _best_ms(lambda note=note: scan(note, today=CORPUS_TODAY))
        lines += [
            f"scan of a {len(note)}-character note, {what} (best / median of 30):",
            f"  fixed-shape rules only (anchor): {anchor[0]:.2f} / {anchor[1]:.2f} ms",
            f"  full scanner:                    {full[0]:.2f} / {full[1]:.2f} ms "
            f"({full[1] / anchor[1]:.1f}x the anchor; budget 20 ms)",
        ]
    return lines


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    for line in report_lines(score_corpus(load_corpus())):
        print(line)
    if "--no-cost" not in args:
        for line in cost_lines():
            print(line)


if __name__ == "__main__":
    main()
