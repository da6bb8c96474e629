"""The review services build on the decision services' public helpers only, and those
helpers give the same decision as ``decisions.get``."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.services.decisions import queries as decisions
from rcrp_tui.services.decisions.queries import decision_row_from, decision_row_query
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import decisions_table
from tests.review_helpers import build_cast

REVIEW_MODULES = (
    "rcrp_tui.services.reviews.saving",
    "rcrp_tui.services.reviews.records",
    "rcrp_tui.services.reviews.lists",
    "rcrp_tui.services.reviews.actions",
    "rcrp_tui.services.reviews.live_risk",
)


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rcrp_tui"):
            found += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            ]
    return found


def test_review_services_import_no_private_names() -> None:
    for name in REVIEW_MODULES:
        origin = importlib.util.find_spec(name).origin  # type: ignore[union-attr]
        assert _private_imports(Path(str(origin))) == [], name


def test_public_decision_row_helpers_match_get(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    with db.read() as session:
        row = session.execute(
            decision_row_query().where(decisions_table.c.id == cast.decision_id)
        ).one()
    assert decision_row_from(row) == decisions.get(cast.admin, cast.decision_id)
