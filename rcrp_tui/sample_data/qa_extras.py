"""The demo's further QA work: dip samples, partner appeals and coaching notes.

Added after ``qa_work`` (which it builds on: the samples skip decisions already reviewed,
notes point at released reviews), through the public services only, each step acting as
the demo user who would take it with the same fixed clock at its own moment. The size
does not depend on the number of decisions: a sample of thirty, a dozen appeals and
fifteen notes, all inside the first six weeks.

A ``demo_qa_extras`` audit row marks the work complete; until it exists the work may run
again, and each part already there (found by its plan name, or any appeal or note) is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.sample_data import qa_appeals, qa_coaching, qa_samples, qa_work
from rcrp_tui.services.core import audit, people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import audit_table

EXTRAS_ACTION = "demo_qa_extras"


@dataclass(frozen=True)
class ExtrasSummary:
    plans: int
    sample_items: dict[str, int]
    appeals: int
    notes: int


def is_added(db: Database) -> bool:
    """True when the demo's samples, appeals and coaching notes are complete in ``db``."""
    stmt = select(audit_table.c.id).where(audit_table.c.action == EXTRAS_ACTION).limit(1)
    with db.engine.connect() as conn:
        return conn.execute(stmt).first() is not None


def add_extras(
    ctx: Ctx,
    *,
    seed: int,
    go_live: date,
    days: int,
    progress: Callable[[str], None] | None = None,
    as_of: datetime | None = None,
) -> ExtrasSummary:
    """Add the samples, appeals and notes; ``ctx`` is the command line's (it reads accounts).

    The demo's "as of" moment is ``qa_work``'s: a live demo's "now", or the last afternoon
    of the six weeks. In a live demo nothing happens after it: the sample is drawn this
    week, and appeals and notes planned later are left out or left where they stand.
    """
    say = progress or (lambda _line: None)
    first, end = qa_work.window(go_live, days)
    until = as_of
    if as_of is None:
        as_of = end - timedelta(hours=8)
    clock = FixedClock(first)
    ctx_for = qa_work.actors(ctx, clock)
    users = people.list_users(ctx)
    names = [u.username for u in users]
    by_name = {name: ctx_for(name) for name in names}
    officers = {
        u.staff_id: u.username
        for u in users
        if u.role is Role.CONTACT_OFFICER and u.staff_id is not None
    }

    say("Drawing and working a dip sample…")
    samples = qa_samples.add_samples(
        ctx_for,
        clock,
        seed=seed,
        go_live=go_live,
        as_of=as_of,
        user_ids={u.username: u.id for u in users},
        this_week=until is not None,
    )
    say("Recording partner appeals…")
    appeals = qa_appeals.add_appeals(
        by_name, clock, seed=seed, first=first, as_of=as_of, until=until
    )
    say("Writing coaching notes…")
    notes = qa_coaching.add_notes(by_name, clock, first=first, officers=officers, until=until)

    summary = ExtrasSummary(samples.plans, samples.items, appeals, notes)
    with ctx.writing(Permission.IMPORT_DECISIONS) as session:
        audit.record(
            session,
            ctx,
            EXTRAS_ACTION,
            "demo",
            None,
            after={
                "seed": seed,
                "sampling_plans": summary.plans,
                "sample_items": summary.sample_items,
                "appeals": summary.appeals,
                "coaching_notes": summary.notes,
            },
        )
    return summary
