"""Build the deterministic demo database (``rcrp-tui demo``).

Five teams on the 10-hour 6-on-4-off pattern, sixty contact officers, an account for each
role, and RCRP decisions from go-live. ``rcrp-tui demo`` builds a live demo
(``live_window``): go-live on the Monday about three weeks before today, decisions up to
the last whole hour, the six-week floorwalking rota still running. Without a window
(the tests) it is the fixed six weeks from go-live on Monday 5 October 2026
(Europe/London). The same seed and window always give the same decisions, column for
column; docs/demo.md describes the data and the accounts.

The accounts go through ``services.core.people`` (validated, audited). The decisions are a bulk
load: Core ``INSERT`` in large batches inside one transaction that also writes the single
``demo_built`` audit row, so either the whole demo is there or none of its decisions are.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select
from sqlmodel import Session

from rcrp_tui.domain.clock import Clock, SystemClock
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.shift_patterns import DEFAULT_TZ, load_patterns
from rcrp_tui.sample_data import qa_calibration, qa_extras, qa_readiness, qa_training, qa_work
from rcrp_tui.sample_data.accounts import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    SHIFT_PATTERN,
    TEAMS,
    create_people,
)
from rcrp_tui.sample_data.generator import (
    COLUMNS,
    SOURCE_SYSTEM,
    TIMESTAMP_COLUMNS,
    Roster,
    decision_rows,
)
from rcrp_tui.sample_data.schedule import hour_slots
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import DEMO_BUILDER, Ctx
from rcrp_tui.services.core.demo_info import DEMO_BUILT_ACTION
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import (
    audit_table,
    contact_officers_table,
    decisions_table,
    teams_table,
)

__all__ = [
    "DEFAULT_DECISIONS",
    "DEMO_ACCOUNTS",
    "DEMO_DAYS",
    "DEMO_PASSWORD",
    "GO_LIVE",
    "SOURCE_SYSTEM",
    "LiveWindow",
    "build_demo",
    "demo_days",
    "demo_roster",
    "is_built",
    "live_window",
]

#: Go-live of RCRP in the demo force; the decisions start at local midnight that day.
GO_LIVE = date(2026, 10, 5)
#: The national minimum floorwalking period.
DEMO_DAYS = 42
#: About 200 RCRP decisions a day: a large force's control room.
DEFAULT_DECISIONS = 200 * DEMO_DAYS
#: Above this many a day on average, a bigger ``decisions`` is spread over more days.
MAX_PER_DAY = 600
BATCH_SIZE = 25_000
BUILT_ACTION = DEMO_BUILT_ACTION
#: A live demo's go-live: the Monday on or before this many days before today.
LIVE_WEEKS_AGO = 21
#: With ``--today DATE`` the demo's "now" is this local hour on that day.
LIVE_HOUR = 14


@dataclass(frozen=True)
class LiveWindow:
    """A live demo: the local day it is built for, its go-live and its "now" (UTC)."""

    today: date
    go_live: date
    now: datetime

    @property
    def days(self) -> int:
        """Local days with decisions: go-live to today, today included."""
        return (self.today - self.go_live).days + 1


def live_window(today: date, now: datetime | None = None) -> LiveWindow:
    """The live demo for ``today``: go-live on the Monday 21 to 27 days before it.

    ``now`` is the build's moment (the real clock); without it the demo's "now" is
    14:00 local on ``today``, so ``--today DATE`` gives the same demo on any day.
    """
    back = today - timedelta(days=LIVE_WEEKS_AGO)
    go_live = back - timedelta(days=back.weekday())
    if now is None:
        now = datetime.combine(today, time(LIVE_HOUR), tzinfo=DEFAULT_TZ).astimezone(UTC)
    return LiveWindow(today=today, go_live=go_live, now=now.astimezone(UTC))


def demo_days(decisions: int) -> int:
    """How many days ``decisions`` decisions are spread over: six weeks, or longer."""
    return max(DEMO_DAYS, math.ceil(decisions / MAX_PER_DAY))


def is_built(db: Database) -> bool:
    """True when the database already holds a completed demo build (decisions and QA work)."""
    return _built_record(db) is not None and qa_work.is_added(db) and qa_extras.is_added(db)


def _built_record(db: Database) -> dict[str, Any] | None:
    """What the ``demo_built`` audit row recorded (seed, days...), or None before a build."""
    stmt = (
        select(audit_table.c.after_json)
        .where(audit_table.c.action == BUILT_ACTION)
        .order_by(audit_table.c.id)
        .limit(1)
    )
    with db.engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    loaded = json.loads(row[0] or "{}")
    return loaded if isinstance(loaded, dict) else {}


def build_demo(
    db: Database,
    *,
    decisions: int | None = None,
    seed: int = 2023,
    progress: Callable[[str], None] | None = None,
    clock: Clock | None = None,
    live: LiveWindow | None = None,
) -> bool:
    """Build the demo into ``db``; return False, changing nothing, if it is already there.

    After the decisions come the QA work (``qa_work``): a floorwalking rota, reviews in
    every state and live-risk alerts; then (``qa_extras``) dip samples, partner appeals
    and coaching notes, all written through the services as the demo users.

    ``decisions`` overrides the default (about 200 a day: six weeks' worth, 8,400, for the
    fixed window); large numbers are spread over more days (at most about 600 a day),
    which for a live demo start before go-live. ``live`` builds the demo around that
    window's today (``live_window``); without it the fixed six weeks from ``GO_LIVE``.
    ``progress`` receives short status lines.
    """
    if decisions is not None and decisions < 0:
        raise ValueError("--decisions must be zero or more")
    say = progress or (lambda _line: None)
    ctx = Ctx(db, DEMO_BUILDER, clock or SystemClock())
    ctx.require(Permission.IMPORT_DECISIONS)
    go_live: date
    as_of: datetime | None  # a live demo's "now"; None: the fixed window's
    built = _built_record(db)
    if built is not None:
        if (
            qa_work.is_added(db)
            and qa_extras.is_added(db)
            and qa_training.is_added(db)
            and qa_calibration.is_added(db)
            and qa_readiness.is_added(db)
        ):
            return False
        # A demo from before the QA work existed, or a build interrupted during it.
        seed = int(built.get("seed", seed))
        live = _recorded_window(built)
        go_live, as_of = (GO_LIVE, None) if live is None else (live.go_live, live.now)
        if not qa_work.is_added(db):
            qa_work.add_qa_work(
                ctx, seed=seed, go_live=go_live, days=DEMO_DAYS, progress=say, as_of=as_of
            )
        if not qa_extras.is_added(db):
            qa_extras.add_extras(
                ctx, seed=seed, go_live=go_live, days=DEMO_DAYS, progress=say, as_of=as_of
            )
        if not qa_training.is_added(db):
            qa_training.add_training(
                ctx, seed=seed, go_live=go_live, as_of=_as_of(go_live, as_of), progress=say
            )
        if not qa_calibration.is_added(db):
            qa_calibration.add_calibration(
                ctx, seed=seed, as_of=_as_of(go_live, as_of), progress=say
            )
        if not qa_readiness.is_added(db):
            qa_readiness.add_readiness(
                ctx, seed=seed, go_live=go_live, as_of=_as_of(go_live, as_of), progress=say
            )
        say("Demo QA work added.")
        return True
    if live is None:
        go_live, as_of = GO_LIVE, None
        total = DEFAULT_DECISIONS if decisions is None else decisions
        days = demo_days(total)
        first_day = GO_LIVE
    else:
        go_live, as_of = live.go_live, live.now
        total = 200 * live.days if decisions is None else decisions
        days = max(live.days, math.ceil(total / MAX_PER_DAY))
        first_day = live.today - timedelta(days=days - 1)

    say("Creating teams, contact officers and accounts…")
    create_people(ctx)
    roster = demo_roster(db)
    pattern = load_patterns()[SHIFT_PATTERN]
    slots = hour_slots(pattern, [offset for _name, offset in TEAMS], first_day, days)
    if as_of is not None:
        # Up to the last whole hour before the demo's "now".
        slots = [s for s in slots if s.start + timedelta(hours=1) <= as_of]

    say(f"Generating {total:,} decisions over {days} days from {first_day:%d %B %Y}…")
    done = 0
    with db.write_connection() as conn:
        indexes = _drop_secondary_indexes(conn)
        for batch in decision_rows(seed, total, slots, roster, BATCH_SIZE):
            _insert(conn, batch)
            done += len(batch)
            say(f"Decisions: {done:,}/{total:,}")
        if indexes:
            say("Indexing decisions…")
            for sql in indexes:
                conn.exec_driver_sql(sql)
        _record_built(conn, ctx, seed=seed, decisions=done, days=days, live=live)
    # The QA work is phase 1's floorwalking period, whatever the number of decisions.
    qa = qa_work.add_qa_work(
        ctx, seed=seed, go_live=go_live, days=DEMO_DAYS, progress=say, as_of=as_of
    )
    extras = qa_extras.add_extras(
        ctx, seed=seed, go_live=go_live, days=DEMO_DAYS, progress=say, as_of=as_of
    )
    trained = qa_training.add_training(
        ctx, seed=seed, go_live=go_live, as_of=_as_of(go_live, as_of), progress=say
    )
    calibration = qa_calibration.add_calibration(
        ctx, seed=seed, as_of=_as_of(go_live, as_of), progress=say
    )
    briefings = qa_readiness.add_readiness(
        ctx, seed=seed, go_live=go_live, as_of=_as_of(go_live, as_of), progress=say
    )
    say(
        f"QA work: {sum(qa.reviews.values())} reviews, rota with {qa.rota_gaps} gaps, "
        f"{qa.alerts_open} open live-risk alert, a sample of "
        f"{sum(extras.sample_items.values())}, {extras.appeals} appeals, "
        f"{extras.notes} coaching notes, {trained} training records, "
        f"{calibration} calibration sessions, {briefings} go-live briefings."
    )
    say(f"Demo ready: {done:,} decisions. Sign in as any demo account; password {DEMO_PASSWORD}")
    return True


def _as_of(go_live: date, as_of: datetime | None) -> datetime:
    """The demo's "now": a live demo's, else the fixed window's last afternoon (as qa_work)."""
    if as_of is not None:
        return as_of
    return qa_work.window(go_live, DEMO_DAYS)[1] - timedelta(hours=8)


_SQLITE_INSERT = (
    f"INSERT INTO {decisions_table.name} ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in COLUMNS)})"
)
_TIMESTAMP_POSITIONS = frozenset(COLUMNS.index(c) for c in TIMESTAMP_COLUMNS)


def _insert(conn: Connection, batch: list[tuple[Any, ...]]) -> None:
    """Insert one batch of generated rows.

    On SQLite the rows already hold every value in its stored form (timestamps as the
    UTC text SQLAlchemy writes), so they go straight to the driver's ``executemany``:
    several times faster than binding a million dicts through the column types. Other
    databases get a Core insert with aware datetimes.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(_SQLITE_INSERT, batch)
        return
    rows = [
        {
            column: (
                datetime.fromisoformat(value).replace(tzinfo=UTC)
                if position in _TIMESTAMP_POSITIONS
                else value
            )
            for position, (column, value) in enumerate(zip(COLUMNS, row, strict=True))
        }
        for row in batch
    ]
    conn.execute(decisions_table.insert(), rows)


def _drop_secondary_indexes(conn: Connection) -> list[str]:
    """On SQLite, drop the decisions table's own indexes and return how to recreate them.

    Keeping four indexes up to date row by row, three of them in an order unrelated to
    the insert order, costs more than the load itself; building each once at the end
    from sorted data is quicker and leaves them compact. The drop happens inside the
    load's transaction, so a failed load leaves every index as it was. The unique
    constraint's automatic index stays: it cannot be dropped, and it is in CAD-reference
    order, which is the insert order.
    """
    if conn.dialect.name != "sqlite":
        return []
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
        (decisions_table.name,),
    ).all()
    for name, _sql in rows:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


def demo_roster(db: Database) -> Roster:
    """The demo teams' ids and their active officers' ids, in a fixed order."""
    o, t = contact_officers_table.c, teams_table.c
    with db.engine.connect() as conn:
        team_ids = {
            name: team_id
            for team_id, name in conn.execute(
                select(t.id, t.name).where(t.name.in_([n for n, _ in TEAMS]))
            )
        }
        officers: dict[int, list[tuple[str, int]]] = {tid: [] for tid in team_ids.values()}
        rows = conn.execute(
            select(o.id, o.staff_id, o.team_id).where(
                o.team_id.in_(list(team_ids.values())), o.active.is_(True)
            )
        )
        for officer_id, staff_id, team_id in rows:
            officers[team_id].append((staff_id, officer_id))
    ordered = [team_ids[name] for name, _offset in TEAMS]
    # Sorted by staff id so the same seed picks the same officers whatever the row ids.
    return Roster(
        team_ids=tuple(ordered),
        officer_ids=tuple(tuple(i for _s, i in sorted(officers[tid])) for tid in ordered),
    )


def _recorded_window(built: dict[str, Any]) -> LiveWindow | None:
    """The live window a ``demo_built`` record names, or None for the fixed window."""
    if "today" not in built:
        return None
    return LiveWindow(
        today=date.fromisoformat(built["today"]),
        go_live=date.fromisoformat(built["go_live"]),
        now=datetime.fromisoformat(built["as_of"]).astimezone(UTC),
    )


def _record_built(
    conn: Connection, ctx: Ctx, *, seed: int, decisions: int, days: int, live: LiveWindow | None
) -> None:
    first_day = GO_LIVE if live is None else live.today - timedelta(days=days - 1)
    after: dict[str, Any] = {
        "seed": seed,
        "decisions": decisions,
        "days": days,
        "first_day": first_day.isoformat(),
        "teams": len(TEAMS),
        "accounts": len(DEMO_ACCOUNTS),
        "source_system": SOURCE_SYSTEM,
    }
    if live is not None:
        # The build date the sign-in screen reads (services.core.demo_info).
        after |= {
            "today": live.today.isoformat(),
            "go_live": live.go_live.isoformat(),
            "as_of": live.now.isoformat(),
        }
    # The session joins the bulk load's transaction: the audit row commits with the rows.
    with Session(bind=conn) as session:
        audit.record(
            session,
            ctx,
            BUILT_ACTION,
            "demo",
            None,
            after=after,
        )
        session.flush()
