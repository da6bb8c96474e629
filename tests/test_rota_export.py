"""Rota exports: .ics parsed back with its time zone (a night across the October clock
change), CSV with gaps, a printable view, and folder validation."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.rota import planning as rota_service
from rcrp_tui.services.rota.export import export_rota
from rcrp_tui.storage.db import Database
from tests.conftest import TEST_ADMIN

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def ctx(db: Database, clock: FixedClock) -> Ctx:
    admin = Ctx(db, TEST_ADMIN, clock)
    # Offset 7 puts team A's nights on Sat 24 and Sun 25 October 2026 (clocks go back).
    people.add_team(admin, "Team A", "2d2n4off-12h", 7)
    people.add_user(
        admin,
        username="ana.b",
        display_name="Ana | B",
        role=Role.FLOORWALKER,
        password="long-enough-password",
    )
    sup = people.add_user(
        admin,
        username="sup.a",
        display_name="Sup A",
        role=Role.SUPERVISOR,
        password="long-enough-password",
    )
    # Rotas are a supervisor's to plan, not an administrator's.
    return admin.as_actor(Actor(sup.id, sup.username, sup.display_name, Role.SUPERVISOR))


def test_ics_round_trip_keeps_local_times_across_clock_change(ctx: Ctx, tmp_path: Path) -> None:
    rota = rota_service.create_rota(
        ctx,
        name="Phase 2 / west",
        phase=2,
        go_live=date(2026, 10, 22),
        shift_pattern="2d2n4off-12h",
        window_days=8,
    )
    view = rota_service.rota_view(ctx, rota.id)
    walker = view.floorwalkers[0]
    night = next(s.key for s in view.slots if s.key.day == date(2026, 10, 24))
    rota_service.assign(ctx, rota.id, night, walker.id)

    result = export_rota(ctx, rota.id, tmp_path)
    names = sorted(p.name for p in result.files)
    assert names == ["Phase-2-west-ana.b.ics", "Phase-2-west.csv", "Phase-2-west.md"]

    cal = icalendar.Calendar.from_ical((tmp_path / "Phase-2-west-ana.b.ics").read_bytes())
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/London"]
    events = recurring_ical_events.of(cal).between(datetime(2026, 10, 1), datetime(2026, 11, 1))
    (event,) = events
    assert "TZID=Europe/London" in event.to_ical().decode()
    start, end = event.start, event.end
    assert start == datetime(2026, 10, 24, 19, 0, tzinfo=LONDON)
    assert end == datetime(2026, 10, 25, 7, 0, tzinfo=LONDON)
    assert end.astimezone(ZoneInfo("UTC")) - start.astimezone(ZoneInfo("UTC")) == timedelta(
        hours=13
    )

    rows = list(csv.reader((tmp_path / "Phase-2-west.csv").open(encoding="utf-8")))
    assert rows[0] == ["OFFICIAL-SENSITIVE"]
    body = [dict(zip(rows[1], r, strict=True)) for r in rows[2:]]
    assert [r["floorwalker"] for r in body] == ["GAP", "GAP", "Ana | B", "GAP"]
    assert body[2]["hours"] == "13" and body[2]["night"] == "yes"

    md = (tmp_path / "Phase-2-west.md").read_text(encoding="utf-8")
    assert "Ana \\| B" in md and "**GAP**" in md and "1 of 4 team-shifts (25.0%)" in md


def test_export_refuses_a_missing_folder(ctx: Ctx, tmp_path: Path) -> None:
    rota = rota_service.create_rota(
        ctx, name="R", phase=1, go_live=date(2026, 10, 22), shift_pattern="2d2n4off-12h"
    )
    with pytest.raises(ValidationFailed) as err:
        export_rota(ctx, rota.id, tmp_path / "nowhere")
    assert err.value.field == "folder" and "does not exist" in err.value.message
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ValidationFailed):
        export_rota(ctx, rota.id, tmp_path / "file.txt")
