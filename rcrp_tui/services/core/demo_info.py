"""Whether a database is the demo, and how old it is (the sign-in screen's notice).

The demo builder writes one ``demo_built`` audit row; a live demo's row names the day it
was built for (``today``). Both are read here, before anyone signs in: they say nothing
about any decision or person. A database counts as a demo only while every decision in
it came from the demo's generator, so ``rcrp-tui demo --rebuild`` never replaces records
a force imported or recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from rcrp_tui.domain.shift_patterns import DEFAULT_TZ
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import audit_table, decisions_table

#: The audit action of the demo builder's one "built" row (``sample_data.demo``).
DEMO_BUILT_ACTION = "demo_built"
#: The ``source_system`` of every decision the demo generates.
DEMO_SOURCE_SYSTEM = "DEMO-CAD"


@dataclass(frozen=True)
class DemoInfo:
    """A demo database: the local day it was built for, and whether it is a live demo."""

    built_on: date
    live: bool


def demo_info(db: Database) -> DemoInfo | None:
    """The demo's build day, or None when ``db`` holds no demo."""
    a = audit_table.c
    # By entity first: ix_audit_entity finds the row without reading the whole log.
    stmt = (
        select(a.at, a.after_json)
        .where(a.entity == "demo", a.entity_id.is_(None), a.action == DEMO_BUILT_ACTION)
        .order_by(a.id)
        .limit(1)
    )
    with db.engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    try:
        after = json.loads(row.after_json or "{}")
        built_for = date.fromisoformat(after["today"])
    except (ValueError, KeyError, TypeError):
        # A demo built before the live demo: its build day is its audit row's.
        return DemoInfo(built_on=row.at.astimezone(DEFAULT_TZ).date(), live=False)
    return DemoInfo(built_on=built_for, live=True)


def is_demo_only(db: Database) -> bool:
    """True when ``db`` holds a demo and no decision from anywhere else."""
    if demo_info(db) is None:
        return False
    d = decisions_table.c
    stmt = select(d.id).where(d.source_system != DEMO_SOURCE_SYSTEM).limit(1)
    with db.engine.connect() as conn:
        return conn.execute(stmt).first() is None


def age_notice(info: DemoInfo | None, today: date) -> str:
    """What the sign-in screen says about a demo built before ``today`` ("" otherwise)."""
    if info is None or info.built_on >= today:
        return ""
    days = (today - info.built_on).days
    age = "yesterday" if days == 1 else f"{days} days ago"
    return f"Demo built {age}: rcrp-tui demo --rebuild for a current one"
