"""Whether a database holds any decisions, for the command line's "which database" line.

A report run on the wrong database (a new, empty default one instead of the demo's) reads
"Decisions in period: 0" as if it were a finding. Any signed-in person may learn whether
any decision is stored at all: it tells nothing about any decision.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from rcrp_tui.services.core.context import Ctx
from rcrp_tui.storage.models import decisions_table


def holds_decisions(ctx: Ctx) -> bool:
    with ctx.db.read() as session:
        return bool(session.execute(select(exists().select_from(decisions_table))).scalar())
