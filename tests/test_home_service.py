"""Each role's home figures against a hand-built control room (see ``home_helpers``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.statistics import wilson_interval
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import PermissionDenied
from rcrp_tui.services.home import summary as home
from tests.conftest import _postgres, _sqlite
from tests.home_helpers import NOW, HomeWorld, build_home_world


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HomeWorld]:
    """One control room per database for the whole file: these tests only read it."""
    databases = (
        _sqlite(tmp_path_factory.mktemp("home")) if request.param == "sqlite" else _postgres()
    )
    db = next(databases)
    yield build_home_world(db, FixedClock(NOW))
    databases.close()


def _at(ctx: Ctx, instant: datetime) -> Ctx:
    return Ctx(ctx.db, ctx.actor, FixedClock(instant))


def test_floorwalker_sees_next_shift_queue_drafts_and_own_alerts(world: HomeWorld) -> None:
    h = home.floorwalker_home(world.fw)
    assert h.duty.on_shift is None
    assert h.duty.next_shift is not None
    assert (h.duty.next_shift.team_name, h.duty.next_shift.shift_code) == ("Red", "night")
    assert h.duty.next_shift.start == datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
    # Two items assigned to them: one claimed (listed first), one still open.
    assert h.queue_count == 2
    assert [(e.item_id, e.status) for e in h.queue] == [
        (world.claimed_item, "claimed"),
        (world.assigned_item, "open"),
    ]
    # Four drawn: two theirs, one done by fw.two, one left for anyone.
    assert h.waiting_in_open_samples == 1
    assert h.drafts.count == 1 and [r.id for r in h.drafts.first] == [world.draft_review]
    # fw.two raised two alerts (one closed); only their own open one is listed here.
    assert h.alerts.count == 1 and [a.id for a in h.alerts.first] == [world.fw_alert]
    assert [f.note_id for f in h.authored_overdue.first] == [world.overdue_by_fw]
    assert h.authored_overdue.first[0].days_overdue == 4


def test_floorwalker_on_shift_during_the_night(world: HomeWorld) -> None:
    h = home.floorwalker_home(_at(world.fw, datetime(2026, 11, 24, 23, 0, tzinfo=UTC)))
    assert h.duty.on_shift is not None and h.duty.next_shift is None
    assert h.duty.on_shift.end == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    # After that night they hold no other shift: nothing next.
    later = home.floorwalker_home(_at(world.fw, datetime(2026, 11, 25, 8, 0, tzinfo=UTC)))
    assert later.duty == home.DutyStatus(None, None)


def test_qa_lead_sees_samples_queue_compliance_alerts_and_all_overdue(world: HomeWorld) -> None:
    h = home.qa_lead_home(world.qa)
    assert h.open_samples == 1
    (sample,) = h.samples
    assert (sample.name, sample.done, sample.total) == ("November dip", 1, 4)
    # Submitted: SEP, OCT1, OCT2, NOV2, FW2, CLOSED; moderated: NOV3; NOV1 was released.
    assert h.moderation.count == 7
    assert len(h.moderation.first) == 5
    # November (London): NOV1 (00:30 UTC on the 1st), NOV2, NOV3 failed, FW2, CLOSED.
    assert (h.this_month.month, h.this_month.reviews, h.this_month.compliant) == ("2026-11", 5, 4)
    assert h.this_month.compliance == wilson_interval(4, 5)
    # October (BST then GMT): OCT1 at 23:30 UTC on 30 September is 00:30 on 1 October in
    # London; OCT2 at 23:30 UTC on 31 October is still October. SEP (22:30 UTC) is not.
    assert (h.last_month.month, h.last_month.reviews, h.last_month.compliant) == ("2026-10", 2, 1)
    assert h.last_month.start == datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
    assert h.last_month.end == h.this_month.start == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    assert h.alerts.count == 2
    # Every team's overdue follow-ups, oldest due first; the one due today is not overdue.
    assert h.overdue.count == 3
    assert [f.note_id for f in h.overdue.first] == [
        world.overdue_blue,
        world.overdue_by_fw,
        world.overdue_by_sup,
    ]
    assert [f.days_overdue for f in h.overdue.first] == [8, 4, 1]


def test_this_month_against_last_just_after_the_clocks_go_back(world: HomeWorld) -> None:
    # Monday 26 October 2026: British Summer Time ended on Sunday the 25th.
    h = home.qa_lead_home(_at(world.qa, datetime(2026, 10, 26, 12, 0, tzinfo=UTC)))
    assert (h.this_month.month, h.last_month.month) == ("2026-10", "2026-09")
    assert h.this_month.start == datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
    assert h.this_month.end == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    assert h.last_month.start == datetime(2026, 8, 31, 23, 0, tzinfo=UTC)
    # The clock is fixed, but the reviews are all in the database: October counts both.
    assert (h.this_month.reviews, h.last_month.reviews) == (2, 1)


def test_month_turns_at_london_midnight_not_utc(world: HomeWorld) -> None:
    last_of_october = home.qa_lead_home(_at(world.qa, datetime(2026, 10, 31, 23, 59, tzinfo=UTC)))
    first_of_november = home.qa_lead_home(_at(world.qa, datetime(2026, 11, 1, 0, 1, tzinfo=UTC)))
    assert last_of_october.this_month.month == "2026-10"
    assert first_of_november.this_month.month == "2026-11"


def test_supervisor_sees_week_coverage_appeals_results_and_follow_ups(world: HomeWorld) -> None:
    h = home.supervisor_home(world.sup)
    assert h.team_name == "Red"
    # Red's shifts from now to a week on: nights on the 24th and 25th, days on 30 Nov and
    # 1 Dec (07:00 to 19:00, starting before 10:30). Only the night of the 24th is covered.
    cov = h.coverage
    assert (cov.total, cov.covered, cov.gap_count, cov.rotas) == (4, 1, 3, ("Phase 1",))
    assert [(g.day, g.shift_code) for g in cov.gaps] == [
        (date(2026, 11, 25), "night"),
        (date(2026, 11, 30), "day"),
        (date(2026, 12, 1), "day"),
    ]
    assert cov.gaps[0].is_night and cov.percent == 25.0
    assert h.alerts.count == 2
    # The post-incident appeal is not a live one.
    assert h.appeals.count == 1
    assert h.appeals.first[0].waiting_minutes == 20
    # Red's November: NOV1 and NOV2, both passed; NOV2 judged "should have deployed".
    assert (h.results.month.reviews, h.results.month.compliant) == (2, 2)
    assert h.results.should_have_deployed == 1
    assert h.team_overdue.count == 2
    assert [f.note_id for f in h.team_overdue.first] == [world.overdue_by_fw, world.overdue_by_sup]
    assert [f.note_id for f in h.authored_overdue.first] == [world.overdue_by_sup]
    assert h.authored_overdue.count == 1


def test_supervisor_without_a_team_sees_every_team(world: HomeWorld) -> None:
    # The same person as an account with no team (nothing is written to the database).
    ctx = Ctx(world.sup.db, replace(world.sup.actor, team_id=None), world.sup.clock)
    h = home.supervisor_home(ctx)
    assert h.team_name is None and h.coverage.scope == "every team"
    # Blue's four shifts join Red's; fw.two covers Blue's day on the 26th.
    assert (h.coverage.total, h.coverage.covered) == (8, 2)
    assert h.results.month.reviews == 5 and h.results.should_have_deployed == 1
    assert h.team_overdue.count == 0


def test_officer_sees_reviews_to_acknowledge_and_open_notes(world: HomeWorld) -> None:
    h = home.officer_home(world.officer)
    assert h.to_acknowledge.count == 1
    assert [r.id for r in h.to_acknowledge.first] == [world.released_review]
    # Four unsettled notes about CO-1, soonest follow-up first.
    assert h.notes_count == 4
    assert [n.follow_up_on for n in h.notes] == [
        date(2026, 11, 20),
        date(2026, 11, 23),
        date(2026, 11, 24),
        date(2026, 12, 10),
    ]
    assert [n.overdue for n in h.notes] == [True, True, False, False]
    assert h.notes[0].agreed_actions == "Re-read the toolkit on C05."


def test_administrator_summary(world: HomeWorld) -> None:
    h = home.administrator_home(world.admin)
    assert dict(h.users_by_role) == {
        "Administrator": 1,
        "QA lead": 1,
        "Supervisor": 1,
        "Floorwalker": 2,
        "Contact officer": 1,
    }
    assert (h.teams, h.contact_officers, h.last_import) == (2, 2, None)
    assert h.audit_entries >= h.audit_last_week > 0


@pytest.mark.parametrize(
    ("builder", "who"),
    [
        (home.floorwalker_home, "qa"),
        (home.qa_lead_home, "sup"),
        (home.supervisor_home, "fw"),
        (home.officer_home, "sup"),
        (home.administrator_home, "officer"),
    ],
)
def test_each_home_is_its_own_roles(world: HomeWorld, builder: object, who: str) -> None:
    with pytest.raises(PermissionDenied, match="home"):
        builder(getattr(world, who))  # type: ignore[operator]


def test_home_dispatches_on_the_role(world: HomeWorld) -> None:
    assert isinstance(home.home(world.fw), home.FloorwalkerHome)
    assert isinstance(home.home(world.officer), home.OfficerHome)


def test_a_week_without_rota_shifts_is_not_reported_as_without_gaps(world: HomeWorld) -> None:
    from rcrp_tui.ui.home import content as home_content

    h = home.supervisor_home(_at(world.sup, datetime(2027, 6, 1, 12, tzinfo=UTC)))
    assert h.coverage.total == 0
    panel = home_content.supervisor(h)["coverage"]
    assert "no rota has shifts" in panel.summary.plain
    assert panel.items == () and panel.empty == "No cover planned: add a rota (F8)."
