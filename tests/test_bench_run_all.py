"""bench/run_all.py: the one table of every bench reads each figure, anchor and target
right, and a bench that needs what the machine lacks is skipped with the reason."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _run_all() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_all", BENCH / "run_all.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_all"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_bench_script_is_in_the_table_once() -> None:
    run_all = _run_all()
    listed = [b.script for b in run_all.BENCHES]
    assert len(listed) == len(set(listed))
    assert {p.name for p in BENCH.glob("bench_*.py")} - set(listed) == set()
    assert all((BENCH / s).exists() for s in listed)


def test_result_lines_give_figure_anchor_ratio_target_and_verdict_in_any_unit() -> None:
    run_all = _run_all()
    bench = run_all.Bench("x", "bench_x.py")
    output = (
        "noise\n"
        "RESULT report_md_s s=0.777 anchor_s=0.050 target_s=1.0\n"
        "RESULT import_xlsx_peak mb=250 anchor_mb=100 target_mb=200\n"
        "RESULT live_load_errors n=0 target_n=0\n"
        "RESULT serve_home ms=323\n"
    )
    rows = run_all.read(bench, output)
    got = [(r.figure, r.value, r.anchor, r.ratio, r.target, r.verdict) for r in rows]
    assert got == [
        ("report_md_s", "0.777 s", "0.050 s", "15.54x", "<= 1.000 s", "met"),
        ("import_xlsx_peak", "250 MB", "100 MB", "2.50x", "<= 200 MB", "missed"),
        ("live_load_errors", "0", "—", "—", "<= 0", "met"),
        ("serve_home", "323 ms", "—", "—", "—", "—"),
    ]


def test_a_bench_needing_what_is_not_here_is_skipped_with_the_reason(tmp_path: Path) -> None:
    run_all = _run_all()
    missing = str(tmp_path / "no-such-browser")
    bench = run_all.Bench("b", "bench_serve.py", needs=(missing, "RCRP_NO_SUCH_VARIABLE|py:nope"))
    rows = run_all.run(bench, full=False)
    assert [r.value for r in rows] == [
        f"skipped: needs {missing}, RCRP_NO_SUCH_VARIABLE or py:nope"
    ]
    assert run_all._present(f"{missing}|{sys.executable}")
    assert run_all._present("py:sqlalchemy")
    assert not run_all._present("no-such-program-rcrp")


def test_the_list_names_the_new_benches() -> None:
    listed = subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--list"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in ("bench_readiness.py", "bench_serve.py", "bench_live_load.py"):
        assert name in listed
    for name in ("bench_calibration.py", "bench_import_xlsx.py"):
        assert name in listed
