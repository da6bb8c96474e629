"""The live demo: built around "today", so the control room is working now.

Two live demos, built for two different days (one a Thursday in December, one a Monday in
March whose rota runs into British Summer Time), are each checked for what a new user
sees at the demo's "now": decisions up to the last hour, floorwalkers on shift, gaps on
the rota ahead, this week's sample queue, an open live-risk alert from this shift and a
live 999 appeal whose stopwatch is running. Nothing in either demo happens after "now".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from rcrp_tui.domain.appeals import AppealRoute
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.shift_patterns import DEFAULT_TZ
from rcrp_tui.sample_data.demo import LiveWindow, build_demo, live_window
from rcrp_tui.services.appeals import queries as appeal_queries
from rcrp_tui.services.core import auth
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.demo_info import age_notice, demo_info, is_demo_only
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.rota import planning as rota
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import User, audit_table, decisions_table
from rcrp_tui.storage.sampling_models import sample_items_table, samples_table

DECISIONS = 800
SEED = 7
#: A Thursday in December, and a Monday in March (its rota crosses into summer time).
DAYS = (date(2026, 12, 3), date(2027, 3, 15))


@pytest.fixture(scope="module", params=DAYS, ids=str)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, LiveWindow]]:
    window = live_window(request.param)
    path = tmp_path_factory.mktemp("live") / "demo.db"
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db)
    assert build_demo(db, decisions=DECISIONS, seed=SEED, clock=FixedClock(window.now), live=window)
    yield db, window
    db.dispose()


def _ctx(db: Database, username: str, now: datetime) -> Ctx:
    with db.read() as session:
        user = session.execute(select(User).where(col(User.username) == username)).scalar_one()
        actor = auth.actor_for(user)
    return Ctx(db, actor, FixedClock(now))


def test_the_window_is_three_weeks_from_a_monday_go_live() -> None:
    for today in DAYS:
        window = live_window(today)
        assert window.go_live.weekday() == 0
        assert 21 <= (today - window.go_live).days <= 27
        local_now = window.now.astimezone(DEFAULT_TZ)
        assert (local_now.date(), local_now.hour) == (today, 14)
    assert live_window(DAYS[0]).go_live == date(2026, 11, 9)
    # With the real clock the demo's "now" is the moment given.
    moment = datetime(2026, 12, 3, 7, 5, tzinfo=UTC)
    assert live_window(date(2026, 12, 3), moment).now == moment


def test_decisions_run_from_go_live_to_the_last_hour(live: tuple[Database, LiveWindow]) -> None:
    db, window = live
    with db.engine.connect() as conn:
        first, last, count = conn.execute(
            select(
                func.min(decisions_table.c.received_at),
                func.max(decisions_table.c.received_at),
                func.count(),
            )
        ).one()
    go_live = datetime.combine(window.go_live, time(), tzinfo=DEFAULT_TZ)
    assert count == DECISIONS
    assert first >= go_live
    assert window.now - timedelta(hours=2) <= last < window.now


def test_nothing_happens_after_now(live: tuple[Database, LiveWindow]) -> None:
    db, window = live
    with db.engine.connect() as conn:
        latest = conn.execute(select(func.max(audit_table.c.at))).scalar_one()
    assert latest <= window.now


def test_floorwalkers_are_on_shift_now_and_the_gaps_lie_ahead(
    live: tuple[Database, LiveWindow],
) -> None:
    db, window = live
    sup = _ctx(db, "supervisor1", window.now)
    on_duty = rota.on_duty_now(sup)
    assert on_duty, "nobody on shift at the demo's now"
    assert all(d.start <= window.now < d.end for d in on_duty)
    # Phase 1's rota; phase 2's (qa_readiness) lies ahead.
    (info,) = [r for r in rota.list_rotas(sup) if r.phase == 1]
    assert info.go_live == window.go_live
    assert info.last_day == window.go_live + timedelta(days=41)
    gaps = rota.rota_view(sup, info.id).coverage.gaps
    assert len(gaps) == 3
    assert all(g.key.day > window.today for g in gaps)


def test_the_sample_was_drawn_this_week_and_its_queue_is_waiting(
    live: tuple[Database, LiveWindow],
) -> None:
    db, window = live
    s, i = samples_table.c, sample_items_table.c
    with db.engine.connect() as conn:
        (sample_id, drawn_at), *others = conn.execute(select(s.id, s.drawn_at).order_by(s.id)).all()
        statuses = dict(
            conn.execute(
                select(i.status, func.count()).where(i.sample_id == sample_id).group_by(i.status)
            ).all()
        )
    assert others == []
    monday = window.today - timedelta(days=window.today.weekday())
    assert monday <= drawn_at.astimezone(DEFAULT_TZ).date() <= window.today
    assert drawn_at < window.now
    assert statuses.get("open", 0) > 0, statuses
    assert statuses.get("done", 0) > 0, statuses


def test_an_open_live_risk_alert_was_raised_this_shift(
    live: tuple[Database, LiveWindow],
) -> None:
    db, window = live
    lead = _ctx(db, "qalead1", window.now)
    (alert,) = live_risk.open_alerts(lead)
    shifts = rota.on_duty_now(lead)
    assert any(d.start <= alert.raised_at for d in shifts)
    assert window.now - timedelta(hours=2) < alert.raised_at < window.now


def test_a_live_999_appeal_has_its_stopwatch_running(live: tuple[Database, LiveWindow]) -> None:
    db, window = live
    sup = _ctx(db, "supervisor1", window.now)
    rows = appeal_queries.page(sup, appeal_queries.AppealFilter(), limit=50).rows
    running = [a for a in rows if a.is_open and a.route is AppealRoute.LIVE_999]
    assert len(running) == 1
    (appeal,) = running
    assert window.now - timedelta(hours=4) < appeal.received_at < window.now
    minutes = appeal.waiting_minutes(FixedClock(window.now))
    assert minutes == int((window.now - appeal.received_at).total_seconds() // 60)
    assert minutes > 0
    assert all(a.received_at < window.now for a in rows)


def test_the_build_day_is_stored_and_its_age_said(live: tuple[Database, LiveWindow]) -> None:
    db, window = live
    info = demo_info(db)
    assert info is not None and info.live
    assert info.built_on == window.today
    assert is_demo_only(db)
    assert age_notice(info, window.today) == ""
    assert age_notice(info, window.today + timedelta(days=1)) == (
        "Demo built yesterday: rcrp-tui demo --rebuild for a current one"
    )
    assert age_notice(info, window.today + timedelta(days=5)) == (
        "Demo built 5 days ago: rcrp-tui demo --rebuild for a current one"
    )


def test_a_database_without_a_demo_has_no_age(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    schema.upgrade(db)
    assert demo_info(db) is None
    assert not is_demo_only(db)
    assert age_notice(None, date(2026, 12, 3)) == ""
    db.dispose()


# --- the command: --today, --rebuild ------------------------------------------------------


def _demo(path: Path, *args: str) -> int:
    from rcrp_tui.cli.main import main

    return main(["demo", "--database", str(path), "--no-open", "--decisions", "300", *args])


def _built_on(path: Path) -> date | None:
    db = Database(f"sqlite:///{path}")
    try:
        info = demo_info(db)
        return None if info is None else info.built_on
    finally:
        db.dispose()


def test_today_builds_for_that_day_and_rebuild_replaces_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.db"
    assert _demo(path, "--today", "2026-12-03") == 0
    assert _built_on(path) == date(2026, 12, 3)
    # Without --rebuild the existing demo is kept, whatever the day.
    assert _demo(path, "--today", "2026-12-10") == 0
    assert "Using the existing demo database" in capsys.readouterr().out
    assert _built_on(path) == date(2026, 12, 3)
    assert _demo(path, "--today", "2026-12-10", "--rebuild") == 0
    assert f"Removed the old demo database at {path}" in capsys.readouterr().out
    assert _built_on(path) == date(2026, 12, 10)
    db = Database(f"sqlite:///{path}")
    with db.engine.connect() as conn:
        count, last = conn.execute(
            select(func.count(), func.max(decisions_table.c.received_at))
        ).one()
    db.dispose()
    assert count == 300  # one demo, not two
    assert last.astimezone(DEFAULT_TZ).date() == date(2026, 12, 10)


def test_a_bad_today_is_refused_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        _demo(tmp_path / "demo.db", "--today", "3/12/2026")
    assert "argument --today: '3/12/2026' is not a date like 2026-10-01" in capsys.readouterr().err


def test_rebuild_refuses_a_database_that_is_not_a_demo(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Path(str(db.url.database))
    with db.write_connection() as conn:
        conn.execute(
            decisions_table.insert(),
            [
                {
                    "cad_ref": "REAL-1",
                    "source_system": "FORCE-CAD",
                    "received_at": datetime(2026, 11, 2, 10, tzinfo=UTC),
                    "category": "concern_for_welfare",
                    "caller_type": "public",
                    "outcome": "not_deployed",
                    "threshold_basis": "none",
                    "created_at": datetime(2026, 11, 2, 10, tzinfo=UTC),
                    "updated_at": datetime(2026, 11, 2, 10, tzinfo=UTC),
                }
            ],
        )
    db.dispose()
    assert _demo(path, "--rebuild") == 2
    assert "is not a demo database; --rebuild replaces only a demo" in capsys.readouterr().err
    assert _built_on(path) is None
    check = Database(f"sqlite:///{path}")
    with check.engine.connect() as conn:
        assert conn.execute(select(decisions_table.c.cad_ref)).scalars().all() == ["REAL-1"]
    check.dispose()


def test_rebuild_refuses_a_demo_holding_other_decisions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.db"
    assert _demo(path, "--today", "2026-12-03") == 0
    db = Database(f"sqlite:///{path}")
    with db.write_connection() as conn:
        row = conn.execute(select(decisions_table).limit(1)).mappings().one()
        conn.execute(
            decisions_table.insert(),
            [{**row, "id": None, "cad_ref": "REAL-1", "source_system": "FORCE-CAD"}],
        )
    db.dispose()
    capsys.readouterr()
    assert _demo(path, "--rebuild") == 2
    assert "holds decisions that are not the demo's" in capsys.readouterr().err
    assert _built_on(path) == date(2026, 12, 3)


def test_the_live_demo_and_its_build_day_on_both_databases(any_db: Database) -> None:
    window = live_window(date(2026, 12, 3))
    assert build_demo(any_db, decisions=300, seed=SEED, clock=FixedClock(window.now), live=window)
    info = demo_info(any_db)
    assert info is not None and info.built_on == window.today
    assert is_demo_only(any_db)
    lead = _ctx(any_db, "qalead1", window.now)
    (alert,) = live_risk.open_alerts(lead)
    assert window.now - timedelta(hours=2) < alert.raised_at < window.now
    assert rota.on_duty_now(lead)
    if not any_db.is_sqlite:
        from rcrp_tui.cli.app import _emptied_demo

        with pytest.raises(ValueError, match="--rebuild replaces a SQLite demo file"):
            _emptied_demo(any_db, any_db.url.render_as_string(hide_password=False))
        assert demo_info(any_db) is not None


def test_phase_1_training_came_before_go_live_and_phase_2_after(
    live: tuple[Database, LiveWindow],
) -> None:
    from rcrp_tui.services.training.records import list_training

    db, window = live
    entries = list_training(_ctx(db, "qalead1", window.now))
    phase_1 = [e.trained_on for e in entries if e.phase == 1 and e.trained_on is not None]
    phase_2 = [e.trained_on for e in entries if e.phase == 2 and e.trained_on is not None]
    assert len(phase_1) == 56 and max(phase_1) < window.go_live
    assert len(phase_2) == 17 and min(phase_2) > window.go_live
    assert max(phase_2) <= window.now.date()


def test_phase_1_is_live_and_phase_2_counts_down_on_any_day(
    live: tuple[Database, LiveWindow],
) -> None:
    from rcrp_tui.sample_data.qa_readiness import PHASE_2_AFTER
    from rcrp_tui.services.readiness.checklist import next_go_live, readiness

    db, window = live
    sup = _ctx(db, "supervisor1", window.now)
    phase_2 = window.go_live + timedelta(days=PHASE_2_AFTER)
    ahead = (phase_2 - window.today).days
    soon = next_go_live(sup)
    assert soon is not None and (soon.phase, soon.go_live) == (2, phase_2)
    assert soon.text == f"Phase 2 goes live in {ahead} days ({phase_2:%a %d %b %Y})"
    assert 21 <= ahead <= 28
    one = readiness(sup, 1)
    assert one.countdown.startswith(f"Phase 1 went live {(window.today - window.go_live).days}")
    items = {i.key: i for i in one.checklist.items}
    # Every first shift of phase 1 has started, so each briefing is delivered but one.
    assert "14 delivered" in items["shift-go-lives"].figure
    two = readiness(sup, 2)
    assert 0 < two.checklist.tally.done < two.checklist.tally.applicable
