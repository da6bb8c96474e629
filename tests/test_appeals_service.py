"""Partner appeals through the service layer, on SQLite and PostgreSQL: linking by CAD
reference before and after the decision is imported, who may record and decide, the
audit trail, validation and the filtered, paged list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from rcrp_tui.domain.appeals import AppealOutcome, AppealRoute, PartnerType
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import CallerType, Category, Outcome, Role
from rcrp_tui.services.appeals import learning as appeal_learning
from rcrp_tui.services.appeals import qa as appeal_qa
from rcrp_tui.services.appeals import queries as appeal_queries
from rcrp_tui.services.appeals import recording as appeals
from rcrp_tui.services.appeals.queries import AppealFilter, AppealStatus
from rcrp_tui.services.appeals.recording import AppealInput
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import Conflict, PermissionDenied, ValidationFailed
from rcrp_tui.services.decisions.writes import DecisionInput, record_decision
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry
from tests.conftest import FIXED_NOW, TEST_ADMIN


def _ctx(db: Database, role: Role | None = None, clock: FixedClock | None = None) -> Ctx:
    actor = TEST_ADMIN if role is None else Actor(7, f"t-{role.value}", "T", role)
    return Ctx(db, actor, clock or FixedClock(FIXED_NOW))


def _decision(
    db: Database, ref: str, *, source: str = "CAD1", category: Category = Category.MEDICAL
) -> int:
    return record_decision(
        _ctx(db),
        DecisionInput(
            cad_ref=ref,
            source_system=source,
            received_at=FIXED_NOW - timedelta(hours=2),
            category=category,
            caller_type=CallerType.AMBULANCE,
            outcome=Outcome.TRANSFERRED_AMBULANCE,
        ),
    )


def _appeal(ref: str = "CAD-100", **kw: object) -> AppealInput:
    base: dict[str, object] = dict(
        cad_ref=ref,
        route=AppealRoute.LIVE_999,
        partner_type=PartnerType.AMBULANCE,
        partner_org="London Ambulance Service",
        original_decision="",
        received_at=FIXED_NOW - timedelta(minutes=20),
    )
    base.update(kw)
    return AppealInput(**base)  # type: ignore[arg-type]


def _actions(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_linked_at_once_when_the_decision_is_already_imported(any_db: Database) -> None:
    decision_id = _decision(any_db, "CAD-100")
    qa = _ctx(any_db, Role.QA_LEAD)
    appeal_id = appeals.record_appeal(qa, _appeal(" cad-100 "))
    detail = appeal_queries.get(qa, appeal_id)
    assert detail.appeal.decision_id == decision_id
    assert detail.appeal.cad_ref == "CAD-100"
    # The original decision came from the imported record.
    assert detail.appeal.original_decision == Outcome.TRANSFERRED_AMBULANCE.value
    assert detail.decision is not None and detail.decision.category is Category.MEDICAL
    assert appeals.link_pending(qa) == 0


def test_an_appeal_before_import_is_linked_afterwards(any_db: Database) -> None:
    fw = _ctx(any_db, Role.FLOORWALKER)
    with pytest.raises(ValidationFailed) as err:
        appeals.record_appeal(fw, _appeal("CAD-200"))
    assert err.value.field == "original_decision"
    appeal_id = appeals.record_appeal(fw, _appeal("CAD-200", original_decision="not deployed"))
    assert appeal_queries.get(fw, appeal_id).appeal.decision_id is None
    assert appeal_queries.get(fw, appeal_id).matching_decisions == 0
    decision_id = _decision(any_db, "CAD-200")
    assert appeals.link_pending(_ctx(any_db)) == 1  # as the import command runs it
    assert appeal_queries.get(fw, appeal_id).appeal.decision_id == decision_id
    assert appeals.link_pending(_ctx(any_db)) == 0
    assert _actions(any_db)[-1] == "appeal_linked"


def test_a_shared_cad_reference_links_only_with_its_source_system(any_db: Database) -> None:
    first = _decision(any_db, "CAD-300", source="CAD1")
    second = _decision(any_db, "CAD-300", source="CAD2")
    qa = _ctx(any_db, Role.QA_LEAD)
    with pytest.raises(ValidationFailed, match="more than one CAD system"):
        appeals.record_appeal(qa, _appeal("CAD-300"))
    vague = appeals.record_appeal(qa, _appeal("CAD-300", original_decision="signposted"))
    exact = appeals.record_appeal(qa, _appeal("CAD-300", source_system="CAD2"))
    assert appeal_queries.get(qa, vague).appeal.decision_id is None
    assert appeal_queries.get(qa, vague).matching_decisions == 2
    assert appeal_queries.get(qa, vague).appeal.original_decision == Outcome.SIGNPOSTED.value
    assert appeal_queries.get(qa, exact).appeal.decision_id == second
    assert appeals.link_pending(qa) == 0  # still ambiguous, left for a person
    with pytest.raises(ValidationFailed):
        appeals.set_source_system(qa, vague, "  ")
    assert appeals.set_source_system(qa, vague, "CAD1") == first
    assert appeal_queries.get(qa, vague).appeal.source_system == "CAD1"
    assert _actions(any_db)[-1] == "appeal_source_set"


RECORDERS = {Role.FLOORWALKER, Role.SUPERVISOR, Role.QA_LEAD}
DECIDERS = {Role.SUPERVISOR, Role.QA_LEAD}


@pytest.mark.parametrize("role", list(Role))
def test_who_may_record_and_decide(db: Database, role: Role) -> None:
    _decision(db, "CAD-400")
    ctx = _ctx(db, role)
    before = _actions(db)
    if role in RECORDERS:
        appeal_id = appeals.record_appeal(ctx, _appeal("CAD-400"))
        assert _actions(db) == [*before, "appeal_recorded"]
    else:
        with pytest.raises(PermissionDenied):
            appeals.record_appeal(ctx, _appeal("CAD-400"))
        assert _actions(db) == before
        appeal_id = appeals.record_appeal(_ctx(db, Role.SUPERVISOR), _appeal("CAD-400"))
    before = _actions(db)
    decide = lambda: appeals.decide_appeal(  # noqa: E731
        ctx,
        appeal_id,
        outcome=AppealOutcome.OVERTURNED,
        rationale="Risk to life on review of the call; units deployed.",
        expected_version=1,
    )
    if role in DECIDERS:
        decide()
        assert _actions(db) == [*before, "appeal_decided"]
        row = appeal_queries.get(ctx, appeal_id).appeal
        assert row.outcome is AppealOutcome.OVERTURNED and row.reviewed_by_role == role.value
        assert row.decided_at == FIXED_NOW and row.waiting_minutes(FixedClock(FIXED_NOW)) == 20
    else:
        with pytest.raises(PermissionDenied):
            decide()
        assert _actions(db) == before


def test_decide_is_audited_with_before_and_after_and_refuses_stale_edits(any_db: Database) -> None:
    sup = _ctx(any_db, Role.SUPERVISOR)
    appeal_id = appeals.record_appeal(sup, _appeal("CAD-500", original_decision="signposted"))
    appeals.set_themes(sup, appeal_id, ["Resources", "night cover"])
    with pytest.raises(Conflict):  # the theme edit moved the version on
        appeals.decide_appeal(
            sup, appeal_id, outcome=AppealOutcome.UPHELD, rationale="Fine.", expected_version=1
        )
    with pytest.raises(ValidationFailed) as err:
        appeals.decide_appeal(
            sup, appeal_id, outcome=AppealOutcome.UPHELD, rationale="  ", expected_version=2
        )
    assert err.value.field == "rationale"
    appeals.decide_appeal(
        sup,
        appeal_id,
        outcome=AppealOutcome.UPHELD,
        rationale="No risk to life; ambulance attending.",
        expected_version=2,
    )
    with pytest.raises(Conflict):
        appeals.decide_appeal(
            sup, appeal_id, outcome=AppealOutcome.OVERTURNED, rationale="x", expected_version=3
        )
    with any_db.read() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "appeal_decided")).one()
    assert entry.actor_role == "supervisor" and entry.entity_id == str(appeal_id)
    assert '"outcome": null' in (entry.before_json or "")
    assert '"outcome": "upheld"' in (entry.after_json or "")
    assert appeal_queries.get(sup, appeal_id).appeal.themes == ("night cover", "resources")


def test_learning_actions_and_qa_review_request(any_db: Database) -> None:
    sup = _ctx(any_db, Role.SUPERVISOR)
    appeal_id = appeals.record_appeal(sup, _appeal("CAD-600", original_decision="signposted"))
    with pytest.raises(ValidationFailed) as err:
        appeal_learning.add_learning_action(
            sup, appeal_id, action="Brief teams", owner="Mr Brown", due_date=date(2026, 12, 31)
        )
    assert err.value.field == "owner"
    with pytest.raises(ValidationFailed) as err:
        appeal_learning.add_learning_action(
            sup, appeal_id, action="Brief teams", owner="Team A", due_date=date(2026, 1, 1)
        )
    assert err.value.field == "due_date"
    with pytest.raises(PermissionDenied):
        appeal_learning.add_learning_action(
            _ctx(any_db, Role.FLOORWALKER),
            appeal_id,
            action="Brief teams",
            owner="Team A",
            due_date=date(2026, 12, 31),
        )
    action_id = appeal_learning.add_learning_action(
        sup,
        appeal_id,
        action="Brief night teams on AWOL risk",
        owner="Team C supervisors",
        due_date=date(2026, 12, 31),
    )
    appeal_learning.complete_learning_action(sup, action_id)
    first = appeal_qa.request_qa_review(_ctx(any_db, Role.FLOORWALKER), appeal_id)
    again = appeal_qa.request_qa_review(sup, appeal_id)
    assert first.requested_at == again.requested_at == FIXED_NOW
    detail = appeal_queries.get(sup, appeal_id)
    assert detail.appeal.qa_review_requested_at == FIXED_NOW
    assert [(a.owner, a.done_at) for a in detail.learning_actions] == [
        ("Team C supervisors", FIXED_NOW)
    ]
    assert _actions(any_db)[-3:] == [
        "learning_action_added",
        "learning_action_done",
        "appeal_qa_review_requested",
    ]


def test_recording_validates_each_field_and_writes_nothing_when_wrong(db: Database) -> None:
    fw = _ctx(db, Role.FLOORWALKER)
    cases = {
        "cad_ref": _appeal("bad ref!", original_decision="x"),
        "partner_org": _appeal(partner_org="Dr Patel", original_decision="x"),
        "received_at": _appeal(received_at=FIXED_NOW + timedelta(hours=1), original_decision="x"),
        "themes": _appeal(themes=("[bold]",), original_decision="x"),
    }
    for field, data in cases.items():
        with pytest.raises(ValidationFailed) as err:
            appeals.record_appeal(fw, data)
        assert err.value.field == field
    assert _actions(db) == []


def test_filters_and_paging(any_db: Database) -> None:
    _decision(any_db, "W-1", category=Category.CONCERN_FOR_WELFARE)
    _decision(any_db, "A-1", category=Category.AWOL)
    qa = _ctx(any_db, Role.QA_LEAD)
    t0 = FIXED_NOW - timedelta(days=10)
    ids = {
        "live_open": appeals.record_appeal(qa, _appeal("W-1", received_at=t0)),
        "post_amb": appeals.record_appeal(
            qa,
            _appeal("A-1", route=AppealRoute.POST_INCIDENT, received_at=t0 + timedelta(days=1)),
        ),
        "meeting_mh": appeals.record_appeal(
            qa,
            _appeal(
                "Z-9",
                route=AppealRoute.PARTNERSHIP_MEETING,
                partner_type=PartnerType.MENTAL_HEALTH_TRUST,
                partner_org="North Mental Health Trust",
                original_decision="signposted",
                received_at=t0 + timedelta(days=2),
                themes=("guidelines",),
            ),
        ),
    }
    appeals.decide_appeal(
        qa,
        ids["post_amb"],
        outcome=AppealOutcome.OVERTURNED,
        rationale="Deploy.",
        expected_version=1,
    )

    def found(**kw: object) -> set[int]:
        return {r.id for r in appeal_queries.page(qa, AppealFilter(**kw)).rows}  # type: ignore[arg-type]

    assert found() == set(ids.values())
    assert found(status=AppealStatus.OPEN) == {ids["live_open"], ids["meeting_mh"]}
    assert found(status=AppealStatus.CLOSED) == {ids["post_amb"]}
    assert found(routes=(AppealRoute.LIVE_999,)) == {ids["live_open"]}
    assert found(partner_types=(PartnerType.MENTAL_HEALTH_TRUST,)) == {ids["meeting_mh"]}
    assert found(categories=(Category.AWOL,)) == {ids["post_amb"]}
    assert found(outcomes=(AppealOutcome.OVERTURNED,)) == {ids["post_amb"]}
    assert found(theme="Guidelines") == {ids["meeting_mh"]}
    assert found(date_from=t0 + timedelta(hours=12), date_to=t0 + timedelta(days=2)) == {
        ids["post_amb"]
    }
    # Keyset paging, newest first, one row a page, there and back.
    first = appeal_queries.page(qa, limit=1)
    assert [r.id for r in first.rows] == [ids["meeting_mh"]]
    assert first.has_older and not first.has_newer
    second = appeal_queries.page(qa, older_than=first.rows[0].cursor, limit=1)
    assert (
        [r.id for r in second.rows] == [ids["post_amb"]] and second.has_newer and second.has_older
    )
    back = appeal_queries.page(qa, newer_than=second.rows[0].cursor, limit=1)
    assert [r.id for r in back.rows] == [ids["meeting_mh"]] and not back.has_newer
    with pytest.raises(PermissionDenied):
        appeal_queries.page(_ctx(any_db, Role.CONTACT_OFFICER))


def test_free_text_passes_the_personal_data_guard(any_db: Database) -> None:
    from rcrp_tui.services.core.free_text import PersonalDataFound

    sup = _ctx(any_db, Role.SUPERVISOR)
    appeal_id = appeals.record_appeal(sup, _appeal("CAD-700", original_decision="signposted"))
    leaky = "Spoke to the caller on 07700 900123; no risk to life."
    with pytest.raises(PersonalDataFound) as err:
        appeals.decide_appeal(
            sup, appeal_id, outcome=AppealOutcome.UPHELD, rationale=leaky, expected_version=1
        )
    assert err.value.field == "rationale"
    assert appeal_queries.get(sup, appeal_id).appeal.is_open  # nothing half-written
    with pytest.raises(PersonalDataFound):
        appeal_learning.add_learning_action(
            sup, appeal_id, action="Ring 07700 900123", owner="Team A", due_date=date(2026, 12, 1)
        )
    appeals.decide_appeal(
        sup,
        appeal_id,
        outcome=AppealOutcome.UPHELD,
        rationale=leaky,
        expected_version=1,
        override_reason="Control-room switchboard number, not a person's",
    )
    assert _actions(any_db)[-2:] == ["personal_data_override", "appeal_decided"]


def test_a_qa_lead_asking_for_review_puts_the_decision_in_a_targeted_sample(
    any_db: Database,
) -> None:
    from rcrp_tui.services.sampling import plans as sampling

    decision_id = _decision(any_db, "CAD-800")
    qa = _ctx(any_db, Role.QA_LEAD)
    linked = appeals.record_appeal(qa, _appeal("CAD-800"))
    waiting = appeals.record_appeal(qa, _appeal("CAD-801", original_decision="signposted"))
    # A supervisor's request is noted; the QA lead's puts it in a sample.
    noted = appeal_qa.request_qa_review(_ctx(any_db, Role.SUPERVISOR), linked)
    assert not noted.in_sample and noted.sample_id is None
    sampled = appeal_qa.request_qa_review(qa, linked)
    assert sampled.in_sample and sampled.sample_id is not None
    assert sampled.requested_at == noted.requested_at
    sample = sampling.get_sample(qa, sampled.sample_id)
    assert sample.size == 1 and sample.spec.target_ids == (decision_id,)
    again = appeal_qa.request_qa_review(qa, linked)
    assert again.in_sample and again.sample_id is None and "already" in again.message
    not_yet = appeal_qa.request_qa_review(qa, waiting)
    assert not not_yet.in_sample and "not imported" in not_yet.message
    assert _actions(any_db).count("sample.draw") == 1


def test_detail_lists_qa_reviews_of_the_linked_decision(db: Database) -> None:
    from rcrp_tui.services.core import people
    from rcrp_tui.services.reviews import saving as reviews

    decision_id = _decision(db, "CAD-900")
    info = people.add_user(
        _ctx(db),
        username="fw.rev",
        display_name="F",
        role=Role.FLOORWALKER,
        password="long-enough-password",
    )
    reviewer = Ctx(db, Actor(info.id, "fw.rev", "F", Role.FLOORWALKER), FixedClock(FIXED_NOW))
    appeal_id = appeals.record_appeal(reviewer, _appeal("CAD-900"))
    assert appeal_queries.get(reviewer, appeal_id).reviews == ()
    work = reviews.open_for_decision(reviewer, decision_id)
    detail = appeal_queries.get(reviewer, appeal_id)
    assert detail.reviews == ((work.review.id, "draft"),)
    other = appeals.record_appeal(reviewer, _appeal("CAD-901", original_decision="signposted"))
    with pytest.raises(ValidationFailed) as err:
        appeal_qa.link_review(reviewer, other, work.review.id)  # not that appeal's decision
    assert err.value.field == "review_id"
    appeal_qa.link_review(reviewer, appeal_id, work.review.id)
    assert appeal_queries.get(reviewer, appeal_id).appeal.review_id == work.review.id
    assert _actions(db)[-1] == "appeal_review_linked"


def test_an_empty_cad_reference_is_named_as_empty() -> None:
    from rcrp_tui.services.core.errors import ValidationFailed as _Refused
    from rcrp_tui.services.decisions.writes import normalise_cad_ref

    with pytest.raises(_Refused, match="is empty: type the CAD reference"):
        normalise_cad_ref("   ")
