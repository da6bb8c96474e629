"""The personal-data guard on criterion notes, live-risk closing notes and hand-typed
rationale excerpts: refused without a reason, saved with one, and the override audited
with what kind of data was found but never the data itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome
from rcrp_tui.domain.scoring import Answer
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.audit import AuditRow
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.core.free_text import OVERRIDE_ACTION, PersonalDataFound
from rcrp_tui.services.decisions import queries as decisions
from rcrp_tui.services.decisions.writes import RATIONALE_FIELD, DecisionInput, record_decision
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry, note_field
from rcrp_tui.storage.db import Database
from tests.conftest import FIXED_NOW
from tests.review_helpers import all_met, build_cast

PHONE = "07700 900123"
LEAKY = f"Caller gave {PHONE} as a contact number."


def _override(trail: list[AuditRow]) -> AuditRow:
    [row] = [e for e in trail if e.action == OVERRIDE_ACTION]
    return row


def _assert_no_match_stored(row: AuditRow) -> None:
    # The override row says what kind of data and why, never the data itself.
    assert PHONE not in json.dumps(row.after)
    assert row.before is None


def test_closing_note_is_refused_then_closed_with_an_audited_reason(
    db: Database, clock: FixedClock
) -> None:
    cast = build_cast(db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    alert = live_risk.raise_live_risk(
        cast.floorwalker,
        work.review.id,
        escalated_to="Force Incident Manager",
        escalated_at=FIXED_NOW - timedelta(minutes=2),
    )
    with pytest.raises(PersonalDataFound) as info:
        live_risk.close_alert(cast.supervisor, alert.id, LEAKY)
    assert info.value.field == live_risk.CLOSING_NOTE_FIELD
    assert [f.text for f in info.value.findings] == [PHONE]
    assert [a.id for a in live_risk.open_alerts(cast.qa)] == [alert.id]  # nothing written
    with pytest.raises(ValidationFailed, match="Reason"):
        live_risk.close_alert(cast.supervisor, alert.id, LEAKY, override_reason="  ")

    closed = live_risk.close_alert(
        cast.supervisor, alert.id, LEAKY, override_reason="Switchboard number, not the caller's"
    )
    assert not closed.is_open and closed.closing_note == LEAKY
    trail = audit.entries(cast.admin, entity="live_risk", entity_id=alert.id)
    assert {e.action for e in trail} == {"live_risk_raised", "live_risk_closed", OVERRIDE_ACTION}
    override = _override(trail)
    assert override.after == {
        "field": "Closing note",
        "kinds": ["phone"],
        "findings": 1,
        "reason": "Switchboard number, not the caller's",
    }
    assert override.actor == "sup.red"
    _assert_no_match_stored(override)


def test_clean_closing_note_needs_no_reason(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    alert = live_risk.raise_live_risk(
        cast.floorwalker, work.review.id, escalated_to="FIM", escalated_at=FIXED_NOW
    )
    live_risk.close_alert(cast.qa, alert.id, "Unit attended at 10:40; handed to crisis team.")
    trail = audit.entries(cast.admin, entity="live_risk", entity_id=alert.id)
    assert OVERRIDE_ACTION not in {e.action for e in trail}


def test_criterion_note_is_refused_then_saved_with_an_audited_reason(
    db: Database, clock: FixedClock
) -> None:
    cast = build_cast(db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    answers = all_met(work)
    code = work.criteria[0].code
    answers[code] = AnswerEntry(Answer.MET, f"Call back on {PHONE} was offered.")
    with pytest.raises(PersonalDataFound) as info:
        reviews.save(cast.floorwalker, work.review, answers, None)
    assert info.value.field == note_field(code) == f"{code} note"
    unchanged = reviews.open_review(cast.floorwalker, work.review.id).review
    assert unchanged.row_version == work.review.row_version and not unchanged.answers

    reason = "Force switchboard number"
    saved = reviews.save(
        cast.floorwalker, work.review, answers, None, override_reasons={f"{code} note": reason}
    )
    assert saved.answers[code].note == f"Call back on {PHONE} was offered."
    override = _override(audit.entries(cast.admin, entity="review", entity_id=saved.id))
    assert override.after == {
        "field": f"{code} note",
        "kinds": ["phone"],
        "findings": 1,
        "reason": reason,
    }
    _assert_no_match_stored(override)
    # The note is stored and unchanged: submitting does not ask about it again.
    judgement = work.toolkit.judgements[0].judgement if work.toolkit.judgements else None
    submitted = reviews.submit(cast.floorwalker, saved, answers, judgement)
    assert submitted.row_version == saved.row_version + 1


def test_changed_note_is_scanned_again(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    code = work.criteria[1].code
    first = reviews.save(
        cast.floorwalker, work.review, {code: AnswerEntry(None, "Asked about risk.")}, None
    )
    with pytest.raises(PersonalDataFound, match=f"{code} note"):
        reviews.save(
            cast.floorwalker, first, {code: AnswerEntry(None, "Spoke to Mrs Jones.")}, None
        )


def test_hand_typed_rationale_is_guarded(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    data = DecisionInput(
        cad_ref="CAD-0777",
        source_system="STORM",
        received_at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        category=Category.CONCERN_FOR_WELFARE,
        caller_type=CallerType.PUBLIC,
        outcome=Outcome.SIGNPOSTED,
        rationale="Daughter (jo.bloggs@example.com) to call back.",
    )
    with pytest.raises(PersonalDataFound) as info:
        record_decision(cast.admin, data)
    assert info.value.field == RATIONALE_FIELD
    assert decisions.count(cast.admin, decisions.DecisionFilter()) == 1  # only the cast's
    new_id = record_decision(cast.admin, data, override_reason="Generic team mailbox")
    override = _override(audit.entries(cast.admin, entity="decision", entity_id=new_id))
    assert override.after is not None and override.after["kinds"] == ["email"]
    assert "jo.bloggs" not in json.dumps(override.after)


def test_reason_for_a_change_and_acknowledgement_comment_are_guarded(
    db: Database, clock: FixedClock
) -> None:
    cast = build_cast(db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    answers = all_met(work)
    judgement = work.toolkit.judgements[0].judgement if work.toolkit.judgements else None
    submitted = reviews.submit(cast.floorwalker, work.review, answers, judgement)
    code = work.criteria[0].code
    lowered = {**answers, code: AnswerEntry(Answer.PARTIAL)}
    with pytest.raises(PersonalDataFound) as info:
        reviews.moderate(cast.qa, submitted, answers=lowered, reason="Per Dr Patel's advice")
    assert info.value.field == "Reason for the change"
    moderated = reviews.moderate(
        cast.qa,
        submitted,
        answers=lowered,
        reason="Per Dr Patel's advice",
        override_reasons={"Reason for the change": "Named clinician is the force lead"},
    )
    released = reviews.release(cast.qa, moderated)
    with pytest.raises(PersonalDataFound, match="Acknowledgement comment"):
        reviews.acknowledge(cast.officer, released, f"Call me on {PHONE}")
    done = reviews.acknowledge(
        cast.officer,
        released,
        f"Call me on {PHONE}",
        override_reasons={"Acknowledgement comment": "My own work mobile"},
    )
    assert done.acknowledgement_comment == f"Call me on {PHONE}"
    trail = audit.entries(cast.admin, entity="review", entity_id=done.id)
    overrides = [e.after for e in trail if e.action == OVERRIDE_ACTION]
    assert sorted(o["field"] for o in overrides if o) == [
        "Acknowledgement comment",
        "Reason for the change",
    ]
