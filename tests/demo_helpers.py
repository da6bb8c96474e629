"""The small demo (800 decisions, seed 11) that several test modules read, built once per run.

``build_demo`` takes seconds; ``test_demo_extras.py`` and ``test_demo_qa_work.py`` each read
the same demo and each compare it with a second, independent build of the same seed. Each
build is made once per test process and every caller gets its own copy of the file.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.sample_data.demo import build_demo
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from tests.conftest import FIXED_NOW, copy_database_file

# Small enough to build quickly, big enough to have a choice of decisions every day.
DECISIONS = 800
SEED = 11
_built: dict[str, Path] = {}


def demo_copy(target: Path, *, build: str = "first") -> Database:
    """A private copy at ``target`` of the demo build named ``build``: ``"first"`` is the
    demo the modules read, ``"again"`` a second build of the same seed made apart from it."""
    if build not in _built:
        folder = Path(tempfile.mkdtemp(prefix=f"rcrp-demo-{build}-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "demo.db"
        db = Database(f"sqlite:///{path}")
        schema.upgrade(db)
        assert build_demo(db, decisions=DECISIONS, seed=SEED, clock=FixedClock(FIXED_NOW))
        # Closing the last connection folds the WAL into the main file before copying.
        db.dispose()
        _built[build] = path
    copy_database_file(_built[build], target)
    return Database(f"sqlite:///{target}")
