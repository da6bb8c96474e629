"""Per-shift go-live briefings on SQLite and PostgreSQL: which first shifts need one,
recording (validated, versioned, audited), and the 24-hour flag for one not planned."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rcrp_tui.services.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from rcrp_tui.services.readiness.briefings import (
    BriefingInput,
    BriefingStatus,
    briefings_due,
    first_shifts,
    record_briefing,
)
from rcrp_tui.storage.db import Database
from tests.conftest import FIXED_NOW
from tests.readiness_helpers import GO_LIVE, PHASE, audit_actions, audit_count, build_force


@pytest.fixture
def force(any_db: Database):  # type: ignore[no-untyped-def]
    return build_force(any_db)


def _planned(shift, **over):  # type: ignore[no-untyped-def]
    values = dict(
        phase=PHASE,
        team_id=shift.team_id,
        shift_code=shift.shift_code,
        status=BriefingStatus.PLANNED,
        delivered_by="Sgt Duty",
        delivered_at=shift.start - timedelta(minutes=30),
    )
    values.update(over)
    return BriefingInput(**values)


def test_each_team_needs_one_briefing_per_shift_type_on_its_first_such_shift(force) -> None:  # type: ignore[no-untyped-def]
    shifts = first_shifts(force.qa, PHASE)
    # Five teams on earlies, lates and nights: fifteen first shifts, each a distinct pair.
    assert len(shifts) == 15
    assert len({(s.team_id, s.shift_code) for s in shifts}) == 15
    assert {s.shift_code for s in shifts} == {"early", "late", "night"}
    assert all(s.day >= GO_LIVE and s.briefing is None for s in shifts)
    # Each is the earliest shift of its type for its team in the rota.
    from rcrp_tui.services.rota import planning

    view = planning.rota_view(force.qa, force.rota.id)
    for s in shifts:
        same = [x for x in view.slots if x.key.team_id == s.team_id and x.key.code == s.shift_code]
        assert min(x.key.day for x in same) == s.day
    assert first_shifts(force.qa, 3) == []  # phase 3 has no rota


def test_a_planned_briefing_is_recorded_changed_and_audited_once_per_change(force) -> None:  # type: ignore[no-untyped-def]
    shift = first_shifts(force.sup, PHASE)[0]
    info = record_briefing(force.sup, _planned(shift))
    assert info.status is BriefingStatus.PLANNED and info.row_version == 1
    stored = first_shifts(force.sup, PHASE)[0]
    assert stored.briefed and stored.briefing == info
    before = audit_count(force.db)
    # The same again changes nothing: no new version, no audit row.
    again = record_briefing(force.sup, _planned(shift), expected_version=1)
    assert again.row_version == 1 and audit_count(force.db) == before
    force.clock.instant = shift.start + timedelta(hours=1)
    done = record_briefing(
        force.qa,
        _planned(
            shift,
            status=BriefingStatus.DELIVERED,
            delivered_at=shift.start - timedelta(minutes=20),
            attendees=14,
        ),
        expected_version=1,
    )
    assert done.row_version == 2 and done.attendees == 14
    assert audit_actions(force.db)[-2:] == ["briefing_recorded", "briefing_changed"]


def test_a_stale_change_is_a_conflict_and_saves_nothing(force) -> None:  # type: ignore[no-untyped-def]
    shift = first_shifts(force.sup, PHASE)[0]
    record_briefing(force.sup, _planned(shift))
    before = audit_count(force.db)
    with pytest.raises(Conflict):
        record_briefing(force.qa, _planned(shift, delivered_by="Someone else"))  # saw none
    with pytest.raises(Conflict):
        record_briefing(force.qa, _planned(shift, delivered_by="Someone else"), expected_version=7)
    assert audit_count(force.db) == before
    assert first_shifts(force.sup, PHASE)[0].briefing.delivered_by == "Sgt Duty"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"delivered_by": "  "}, "delivered_by", "who will give it"),
        ({"delivered_at": None}, "delivered_at", "date and time"),
        ({"status": BriefingStatus.DELIVERED, "attendees": 3}, "delivered_at", "future"),
        ({"status": BriefingStatus.NOT_DELIVERED, "reason": ""}, "reason", "why"),
        ({"status": BriefingStatus.NOT_DELIVERED, "reason": "x" * 301}, "reason", "at most 300"),
    ],
)
def test_bad_input_is_refused_in_words(force, over, field, words) -> None:  # type: ignore[no-untyped-def]
    shift = first_shifts(force.sup, PHASE)[0]
    with pytest.raises(ValidationFailed) as caught:
        record_briefing(force.sup, _planned(shift, **over))
    assert caught.value.field == field and words in str(caught.value)
    assert first_shifts(force.sup, PHASE)[0].briefing is None


def test_delivered_needs_an_attendance_and_not_delivered_keeps_only_the_reason(force) -> None:  # type: ignore[no-untyped-def]
    shift = first_shifts(force.sup, PHASE)[0]
    force.clock.instant = shift.end
    with pytest.raises(ValidationFailed, match="how many attended"):
        record_briefing(force.sup, _planned(shift, status=BriefingStatus.DELIVERED))
    info = record_briefing(
        force.sup, _planned(shift, status=BriefingStatus.NOT_DELIVERED, reason="Storm demand")
    )
    assert (info.delivered_by, info.delivered_at, info.reason) == ("", None, "Storm demand")
    assert not first_shifts(force.sup, PHASE)[0].briefed


def test_only_a_first_shift_of_the_phase_takes_a_briefing_and_only_the_right_roles(force) -> None:  # type: ignore[no-untyped-def]
    shift = first_shifts(force.sup, PHASE)[0]
    with pytest.raises(NotFound):
        record_briefing(force.sup, _planned(shift, shift_code="afternoon"))
    with pytest.raises(NotFound):
        record_briefing(force.sup, _planned(shift, phase=5))
    with pytest.raises(PermissionDenied):
        record_briefing(force.fw, _planned(shift))
    record_briefing(force.admin, _planned(shift))  # administrators may


def test_a_first_shift_within_24_hours_with_no_briefing_is_due(force) -> None:  # type: ignore[no-untyped-def]
    shifts = first_shifts(force.sup, PHASE)
    soon = [s for s in shifts if FIXED_NOW < s.start <= FIXED_NOW + timedelta(hours=24)]
    later = [s for s in shifts if s.start > FIXED_NOW + timedelta(hours=24)]
    assert soon and later  # the fixture's go-live tomorrow gives both
    due = briefings_due(force.sup)
    assert [(s.team_id, s.shift_code) for s in due] == [
        (s.team_id, s.shift_code) for s in sorted(soon, key=lambda s: (s.start, s.team_name))
    ]
    # Planned: no longer due. Not delivered: a briefing the shift will not have, still due.
    record_briefing(force.sup, _planned(soon[0]))
    assert (soon[0].team_id, soon[0].shift_code) not in {
        (s.team_id, s.shift_code) for s in briefings_due(force.sup)
    }
    if len(soon) > 1:
        record_briefing(
            force.sup,
            _planned(soon[1], status=BriefingStatus.NOT_DELIVERED, reason="No supervisor free"),
        )
        assert (soon[1].team_id, soon[1].shift_code) in {
            (s.team_id, s.shift_code) for s in briefings_due(force.sup)
        }
    # One team only.
    team = soon[-1].team_id
    assert all(s.team_id == team for s in briefings_due(force.sup, team_id=team))


def test_the_supervisors_home_flags_a_first_shift_due_with_no_briefing(force) -> None:  # type: ignore[no-untyped-def]
    from rcrp_tui.services.home.summary import supervisor_home
    from rcrp_tui.ui.home.content import supervisor

    due = briefings_due(force.sup)
    home = supervisor_home(force.sup)
    assert [(b.team_name, b.shift_code, b.start) for b in home.coverage.briefings_due] == [
        (s.team_name, s.shift_code, s.start) for s in due
    ]
    panel = supervisor(home)["coverage"]
    lines = [item.text.plain for item in panel.items]
    assert lines[0].startswith("⚠ NO BRIEFING") and due[0].team_name in lines[0]
    assert "with no go-live briefing planned" in panel.summary.plain
    for shift in due:
        record_briefing(force.sup, _planned(shift))
    calm = supervisor_home(force.sup)
    assert calm.coverage.briefings_due == ()
    assert not any("NO BRIEFING" in i.text.plain for i in supervisor(calm)["coverage"].items)
