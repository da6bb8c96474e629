"""Coaching notes and CPD records through the services: visibility, the personal-data
guard, the lifecycle's role rules, audit, overdue lists and the team table's figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.coaching import (
    NoteStatus,
    NoteText,
    Theme,
    Transition,
    Visibility,
    may_read,
)
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.services.coaching import cpd, cpd_export
from rcrp_tui.services.coaching import notes as coaching
from rcrp_tui.services.coaching.notes import CoachingNoteView, NoteInput
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rcrp_tui.services.core.free_text import OVERRIDE_ACTION, PersonalDataFound
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.storage.db import Database
from tests.coaching_helpers import build_team_scene, note_for
from tests.review_helpers import build_cast


def test_who_reads_which_note(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    normal = note_for(cast.floorwalker)
    restricted = note_for(cast.qa, visibility=Visibility.RESTRICTED)
    both = {normal.id, restricted.id}

    def ids(ctx: object) -> set[int]:
        return {n.id for n in coaching.list_notes(ctx)}  # type: ignore[arg-type]

    assert ids(cast.qa) == both
    assert ids(cast.supervisor) == both
    assert ids(cast.officer) == both
    assert ids(cast.floorwalker) == {normal.id}
    assert ids(cast.other_supervisor) == set()
    assert ids(cast.other_officer) == set()
    with pytest.raises(NotFound):
        coaching.get_note(cast.floorwalker, restricted.id)
    with pytest.raises(PermissionDenied):
        coaching.list_notes(cast.admin)
    assert normal.status is NoteStatus.OPEN and normal.author == "Fw One"


def test_writing_is_audited_and_checked(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    note = note_for(cast.supervisor, follow_up_on=date(2026, 12, 1), actions="Listen again")
    trail = audit.entries(cast.admin, entity="coaching_note", entity_id=note.id)
    assert [e.action for e in trail] == ["coaching_note_written"]
    assert trail[0].after is not None and trail[0].after["follow_up_on"] == "2026-12-01"
    with pytest.raises(PermissionDenied, match="own team"):
        note_for(cast.other_supervisor)
    with pytest.raises(PermissionDenied):
        note_for(cast.officer)
    with pytest.raises(ValidationFailed, match="Staff ID"):
        note_for(cast.qa, "CO-999")
    with pytest.raises(ValidationFailed, match="Follow-up date"):
        note_for(cast.qa, follow_up_on=date(2026, 11, 23))
    with pytest.raises(ValidationFailed, match="Follow-up date: agreed actions need a date"):
        note_for(cast.qa, actions="Something to do")
    assert len(coaching.list_notes(cast.qa)) == 1


def test_personal_data_is_refused_then_saved_with_an_audited_reason(
    db: Database, clock: FixedClock
) -> None:
    cast = build_cast(db, clock)
    leaky = NoteInput(
        staff_id="CO-101",
        theme=Theme.HUMAN_ERROR,
        text=NoteText("", "Caller Mrs Jones gave 07700 900123 twice.", ""),
    )
    with pytest.raises(PersonalDataFound) as refusal:
        coaching.write_note(cast.floorwalker, leaky)
    assert refusal.value.field == "What to develop"
    assert coaching.list_notes(cast.qa) == []  # nothing half-written
    saved = coaching.write_note(
        cast.floorwalker,
        leaky,
        override_reasons={"What to develop": "Number is the control room's test line"},
    )
    trail = audit.entries(cast.admin, entity="coaching_note", entity_id=saved.id)
    assert {e.action for e in trail} == {"coaching_note_written", OVERRIDE_ACTION}
    override = next(e for e in trail if e.action == OVERRIDE_ACTION)
    assert override.after is not None and override.after["field"] == "What to develop"


def test_lifecycle_through_the_services(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    note = note_for(cast.floorwalker)
    with pytest.raises(PermissionDenied):  # a floorwalker cannot acknowledge for the officer
        coaching.move(cast.floorwalker, note.id, Transition.ACKNOWLEDGE, row_version=1)
    with pytest.raises(NotFound):
        coaching.move(cast.other_officer, note.id, Transition.ACKNOWLEDGE, row_version=1)
    with pytest.raises(PersonalDataFound):
        coaching.move(
            cast.officer, note.id, Transition.ACKNOWLEDGE, row_version=1, comment="Dr Patel said"
        )
    acked = coaching.move(
        cast.officer, note.id, Transition.ACKNOWLEDGE, row_version=1, comment="Will do."
    )
    assert acked.status is NoteStatus.ACKNOWLEDGED and acked.acknowledgement_comment == "Will do."
    with pytest.raises(Conflict):
        coaching.move(cast.qa, note.id, Transition.FOLLOW_UP_DONE, row_version=1)
    with pytest.raises(PermissionDenied, match="must be follow up done first"):
        coaching.move(cast.qa, note.id, Transition.CLOSE, row_version=acked.row_version)
    with pytest.raises(NotFound):
        coaching.move(cast.other_supervisor, note.id, Transition.FOLLOW_UP_DONE, row_version=2)
    done = coaching.move(
        cast.supervisor, note.id, Transition.FOLLOW_UP_DONE, row_version=acked.row_version
    )
    closed = coaching.move(cast.floorwalker, note.id, Transition.CLOSE, row_version=3)
    assert closed.status is NoteStatus.CLOSED and closed.closed_at == clock.now()
    assert done.follow_up_done_at == clock.now()
    actions = [e.action for e in audit.entries(cast.admin, entity="coaching_note")]
    assert actions == [
        "coaching_note_close",
        "coaching_note_follow_up_done",
        "coaching_note_acknowledge",
        "coaching_note_written",
    ]


def test_overdue_lists_for_supervisor_and_author(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    due_today = note_for(cast.floorwalker, follow_up_on=date(2026, 11, 24), actions="Recap")
    note_for(cast.floorwalker, follow_up_on=date(2026, 11, 30), actions="Later")
    assert coaching.overdue_for_team(cast.supervisor) == []
    clock.instant = datetime(2026, 11, 24, 23, 59, tzinfo=UTC)
    assert coaching.overdue_for_author(cast.floorwalker) == []
    clock.instant = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert [n.id for n in coaching.overdue_for_team(cast.supervisor)] == [due_today.id]
    assert [n.id for n in coaching.overdue_for_author(cast.floorwalker)] == [due_today.id]
    assert coaching.overdue_for_author(cast.qa) == []
    assert coaching.overdue_for_team(cast.other_supervisor) == []
    with pytest.raises(PermissionDenied):
        coaching.overdue_for_team(cast.floorwalker)


def test_team_table_matches_hand_counts(any_db: Database, clock: FixedClock) -> None:
    cast = build_cast(any_db, clock)
    scene = build_team_scene(cast, clock)
    rows = {r.staff_id: r for r in cpd.team_table(cast.supervisor)}
    assert set(rows) == {"CO-101", "CO-103"}
    co101, co103 = rows["CO-101"], rows["CO-103"]
    # Two November reviews submitted (the October one and the draft do not count).
    assert co101.reviews_this_month == 2 and co101.below_quota
    assert co101.last_review_at == datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
    assert co101.open_notes == 1 and co101.overdue_follow_ups == 1  # the other is closed
    assert (co103.last_review_at, co103.open_notes, co103.overdue_follow_ups) == (None, 1, 0)
    assert co103.reviews_this_month == 0
    qa_view = cpd.team_table(cast.qa, co101_team := cast.supervisor.actor.team_id)
    assert [r.staff_id for r in qa_view] == ["CO-101", "CO-103"] and co101_team
    assert [r.staff_id for r in cpd.team_table(cast.supervisor, after_staff_id="CO-101")] == [
        "CO-103"
    ]
    with pytest.raises(PermissionDenied):
        cpd.team_table(cast.officer)
    assert scene.overdue_note


def test_officer_record_and_need_to_know(any_db: Database, clock: FixedClock) -> None:
    cast = build_cast(any_db, clock)
    scene = build_team_scene(cast, clock)
    full = cpd.officer_record(cast.supervisor, "CO-101")
    assert [r.review_id for r in full.reviews] == [
        scene.november_reviews[1],
        scene.november_reviews[0],
        scene.october_review,
    ]
    assert full.months[-2:] == ("2026-10", "2026-11") and len(full.months) == 6
    c05 = next(t for t in full.trends if t.code == "C05")
    assert c05.months[-2:] == (("2026-10", 1, 1), ("2026-11", 1, 2))
    assert c05.overall == pytest.approx(2 / 3)
    assert [n.id for n in full.open_actions] == [scene.overdue_note]
    assert full.notes[0].overdue is False and {n.id for n in full.notes} == {
        scene.overdue_note,
        scene.closed_note,
    }

    own = cpd.officer_record(cast.officer, "CO-101")
    # Only the released review reaches the officer.
    assert [r.review_id for r in own.reviews] == [scene.november_reviews[0]]
    assert own.reviews[0].status is ReviewStatus.RELEASED
    for ctx in (cast.other_officer, cast.other_supervisor, cast.floorwalker, cast.admin):
        with pytest.raises(PermissionDenied):
            cpd.officer_record(ctx, "CO-101")
    with pytest.raises(NotFound):
        cpd.officer_record(cast.qa, "CO-999")


def test_export_is_marked_at_top_and_bottom(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    cast = build_cast(db, clock)
    build_team_scene(cast, clock)
    path = cpd_export.export_record(cast.officer, "CO-101", tmp_path)
    text = path.read_text(encoding="utf-8")
    lines = text.strip().splitlines()
    assert lines[0] == lines[-1] == "**OFFICIAL-SENSITIVE**"
    assert path.name == "cpd-CO-101-20261126.md"
    assert "Re-read toolkit C05." in text and "OVERDUE" in text
    assert "CAD-0001" in text and "CAD-NOV" not in text  # unreleased review stays out
    with pytest.raises(ValidationFailed, match="Export folder"):
        cpd_export.export_record(cast.officer, "CO-101", path / "not-a-folder")


def test_sql_visibility_mirrors_the_rule(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    notes = [
        note_for(author, staff, visibility=vis)
        for author in (cast.floorwalker, cast.qa)
        for staff in ("CO-101", "CO-202")
        for vis in Visibility
    ]
    readers = (
        cast.qa,
        cast.floorwalker,
        cast.supervisor,
        cast.other_supervisor,
        cast.officer,
        cast.other_officer,
    )
    for ctx in readers:
        listed = {n.id for n in coaching.list_notes(ctx)}
        for note in notes:
            who = coaching.who_for(ctx, note.contact_officer_id, note.team_id, note.author_user_id)
            assert (note.id in listed) is may_read(who, note.visibility), (ctx.actor, note.id)


def test_criterion_codes_must_belong_to_the_toolkit(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)

    def write(codes: str, review_id: int | None) -> CoachingNoteView:
        return coaching.write_note(
            cast.qa,
            NoteInput(
                staff_id="CO-101",
                theme=Theme.GUIDELINES,
                text=NoteText("", "Ask the Article 2 questions.", ""),
                criteria=codes,
                review_id=review_id,
            ),
        )

    with pytest.raises(ValidationFailed) as refused:
        write("C05, C99", work.review.id)
    assert refused.value.field == "Criteria"
    assert refused.value.reason == "C99 is not a criterion of the review's toolkit"
    with pytest.raises(ValidationFailed, match="C98, C99 are not a criterion of any toolkit"):
        write("C98,C99", None)
    assert coaching.list_notes(cast.qa) == []
    assert write("c05", work.review.id).criteria == ("C05",)
