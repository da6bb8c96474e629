"""Reviews through the services: workflow, visibility, conflicts, history, toolkits."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rcrp_tui.services.reviews import lists as review_lists
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews import toolkits
from rcrp_tui.services.reviews.records import AnswerEntry, ReviewConflict
from rcrp_tui.storage.db import Database
from tests.review_helpers import all_met, build_cast


def test_full_workflow_on_any_database(any_db: Database, clock: FixedClock) -> None:
    cast = build_cast(any_db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    assert work.review.status is ReviewStatus.DRAFT
    assert work.review.toolkit_key == "rcrp-national" and work.review.toolkit_version == "1.0"
    assert {c.code for c in work.criteria} >= {"C05", "MD1"}
    assert "CW1" not in {c.code for c in work.criteria}

    answers = all_met(work) | {"C13": AnswerEntry(Answer.NA, "nothing disputed")}
    draft = reviews.save(cast.floorwalker, work.review, answers, None)
    assert draft.row_version == work.review.row_version + 1 and draft.score == 100.0

    with pytest.raises(ValidationFailed, match="no overall judgement"):
        reviews.submit(cast.floorwalker, draft, answers, None)
    submitted = reviews.submit(cast.floorwalker, draft, answers, Judgement.APPROPRIATE)
    assert submitted.status is ReviewStatus.SUBMITTED and submitted.submitted_at is not None

    with pytest.raises(PermissionDenied):
        reviews.moderate(cast.floorwalker, submitted)
    adjusted = dict(answers) | {"C05": AnswerEntry(Answer.NOT_MET)}
    with pytest.raises(ValidationFailed, match="reason"):
        reviews.moderate(cast.qa, submitted, answers=adjusted)
    moderated = reviews.moderate(cast.qa, submitted, answers=adjusted, reason="No Art. 2 test")
    assert moderated.status is ReviewStatus.MODERATED
    assert moderated.moderation_outcome == "adjusted" and not moderated.passed
    assert moderated.failed_critical == ("C05",)

    released = reviews.release(cast.qa, moderated)
    assert released.status is ReviewStatus.RELEASED
    with pytest.raises(NotFound):
        reviews.acknowledge(cast.other_officer, released)
    done = reviews.acknowledge(cast.officer, released, "Understood, thank you.")
    assert done.status is ReviewStatus.ACKNOWLEDGED
    assert done.acknowledgement_comment == "Understood, thank you."

    actions = [h.action for h in reviews.history(cast.qa, done.id)]
    assert actions == ["started", "edit_draft", "submit", "moderate", "release", "acknowledge"]
    trail = audit.entries(cast.admin, entity="review", entity_id=done.id)
    assert {e.action for e in trail} >= {"review_started", "review_moderate", "review_release"}


def test_submit_lists_unanswered_criteria(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    with pytest.raises(ValidationFailed) as info:
        reviews.submit(cast.floorwalker, work.review, {"C01": AnswerEntry(Answer.MET)}, None)
    assert "unanswered criteria: C02, C04" in info.value.message
    assert "no overall judgement" in info.value.message


def test_na_refused_where_not_allowed(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    with pytest.raises(ValidationFailed, match="C05: N/A is not allowed"):
        reviews.save(cast.floorwalker, work.review, {"C05": AnswerEntry(Answer.NA)}, None)


def test_resume_returns_the_same_draft(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    first = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    reviews.save(cast.floorwalker, first.review, {"C01": AnswerEntry(Answer.PARTIAL, "x")}, None)
    again = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    assert again.review.id == first.review.id
    assert again.review.answers["C01"] == AnswerEntry(Answer.PARTIAL, "x")


def test_changing_a_submitted_review_needs_a_reason(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    answers = all_met(work)
    sub = reviews.submit(cast.floorwalker, work.review, answers, Judgement.APPROPRIATE)
    changed = answers | {"C15": AnswerEntry(Answer.PARTIAL)}
    with pytest.raises(ValidationFailed, match="needs a reason"):
        reviews.save(cast.floorwalker, sub, changed, Judgement.APPROPRIATE)
    amended = reviews.save(
        cast.floorwalker, sub, changed, Judgement.APPROPRIATE, reason="Listened again"
    )
    last = reviews.history(cast.floorwalker, amended.id)[-1]
    assert (last.action, last.reason) == ("amend", "Listened again")
    assert last.before == {"C15": {"answer": "met", "note": ""}}
    assert last.after == {"C15": {"answer": "partial", "note": ""}}


def test_two_terminals_conflict_and_nothing_is_lost(tmp_path: Path, clock: FixedClock) -> None:
    from rcrp_tui.storage import schema

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    one, two = Database(url), Database(url)
    schema.upgrade(one)
    try:
        cast = build_cast(one, clock)
        qa_on_two = Ctx(two, cast.qa.actor, clock)
        work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
        sub = reviews.submit(cast.floorwalker, work.review, all_met(work), Judgement.APPROPRIATE)
        # Both terminals open the submitted review at the same version.
        mine = reviews.open_review(qa_on_two, sub.id).review
        theirs = reviews.open_review(cast.floorwalker, sub.id).review
        reviews.save(
            cast.floorwalker,
            theirs,
            dict(theirs.answers) | {"C02": AnswerEntry(Answer.NOT_MET)},
            Judgement.APPROPRIATE_RATIONALE_WEAK,
            reason="Markers not checked",
        )
        typed = dict(mine.answers) | {"C15": AnswerEntry(Answer.PARTIAL, "my note")}
        with pytest.raises(ReviewConflict) as info:
            reviews.save(qa_on_two, mine, typed, Judgement.APPROPRIATE, reason="tone")
        message = info.value.message
        assert "Fw One saved this review" in message
        assert "C02: Met → Not met" in message
        assert "judgement: Appropriate → Appropriate, rationale weak" in message
        # Saving what was typed over the current version works and keeps both edits visible.
        saved = reviews.save(
            qa_on_two, info.value.current, typed, Judgement.APPROPRIATE, reason="tone"
        )
        assert saved.answers["C15"] == AnswerEntry(Answer.PARTIAL, "my note")
        assert len(reviews.history(cast.qa, sub.id)) == 4
    finally:
        one.dispose()
        two.dispose()


def test_visibility_by_role(any_db: Database, clock: FixedClock) -> None:
    cast = build_cast(any_db, clock)
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    rid = work.review.id
    with pytest.raises(NotFound):
        reviews.open_review(cast.officer, rid)  # a draft is nobody's business yet
    assert review_lists.list_reviews(cast.supervisor) == []  # drafts hidden from supervisors
    sub = reviews.submit(cast.floorwalker, work.review, all_met(work), Judgement.APPROPRIATE)
    assert [r.id for r in review_lists.list_reviews(cast.supervisor)] == [rid]
    assert review_lists.list_reviews(cast.other_supervisor) == []
    assert review_lists.list_reviews(cast.officer) == []
    rel = reviews.release(cast.qa, reviews.moderate(cast.qa, sub))
    assert rel.moderation_outcome == "agreed"
    assert [r.id for r in review_lists.list_reviews(cast.officer)] == [rid]
    assert review_lists.list_reviews(cast.other_officer) == []
    with pytest.raises(NotFound):
        reviews.open_review(cast.other_officer, rid)
    with pytest.raises(PermissionDenied):
        review_lists.list_reviews(cast.admin)
    submitted = review_lists.list_reviews(cast.qa, statuses=(ReviewStatus.SUBMITTED,))
    assert submitted == []


def test_shipped_toolkit_is_installed_on_first_use_and_listed(
    db: Database, clock: FixedClock
) -> None:
    cast = build_cast(db, clock)
    listed = toolkits.list_toolkits(cast.admin)
    assert [(t.key, t.version, t.reviews) for t in listed] == [("rcrp-national", "1.0", 0)]
    toolkits.ensure_shipped(cast.admin)  # twice is harmless
    assert len(toolkits.list_toolkits(cast.admin)) == 1


def test_a_used_toolkit_version_never_changes(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    from rcrp_tui.domain.toolkit import shipped_toolkit_source

    cast = build_cast(db, clock)
    reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    same = tmp_path / "same.toml"
    same.write_text(shipped_toolkit_source(), encoding="utf-8")
    assert toolkits.add_from_file(cast.admin, same).added is False
    changed = tmp_path / "changed.toml"
    changed.write_text(shipped_toolkit_source().replace("Chest", "chest") + "\n# edit\n")
    with pytest.raises(Conflict, match="1 review"):
        toolkits.add_from_file(cast.admin, changed)
    bumped = tmp_path / "bumped.toml"
    bumped.write_text(shipped_toolkit_source().replace('version = "1.0"', 'version = "1.1"'))
    result = toolkits.add_from_file(cast.admin, bumped)
    assert result.added and result.info.version == "1.1"
    # The old review still reads against 1.0; a new review would use 1.1.
    old = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    assert old.review.toolkit_version == "1.0"
    with pytest.raises(PermissionDenied):
        toolkits.add_from_file(cast.floorwalker, bumped)


def test_broken_toolkit_file_adds_nothing(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    cast = build_cast(db, clock)
    bad = tmp_path / "bad.toml"
    bad.write_text('[toolkit]\nid = "x"\n')
    with pytest.raises(ValidationFailed, match=r"bad\.toml"):
        toolkits.add_from_file(cast.admin, bad)
    assert [t.key for t in toolkits.list_toolkits(cast.admin)] == ["rcrp-national"]


def test_merge_after_a_conflict_keeps_both_peoples_changes(db: Database, clock: FixedClock) -> None:
    from dataclasses import replace

    from rcrp_tui.services.reviews.records import merge_concurrent

    cast = build_cast(db, clock)
    base = reviews.open_for_decision(cast.floorwalker, cast.decision_id).review
    base = replace(base, answers={"C01": AnswerEntry(Answer.MET), "C02": AnswerEntry(Answer.MET)})
    theirs = replace(
        base,
        answers={"C01": AnswerEntry(Answer.NOT_MET), "C02": AnswerEntry(Answer.PARTIAL)},
        judgement=Judgement.SHOULD_HAVE_DEPLOYED,
    )
    mine = {"C01": AnswerEntry(Answer.MET), "C02": AnswerEntry(Answer.NA, "both changed")}
    merged, judgement = merge_concurrent(base, theirs, mine, None)
    assert merged["C01"] == AnswerEntry(Answer.NOT_MET)  # only they changed it
    assert merged["C02"] == AnswerEntry(Answer.NA, "both changed")  # both: mine is kept
    assert judgement is Judgement.SHOULD_HAVE_DEPLOYED


def test_racing_saves_one_wins_one_conflicts(any_db: Database, clock: FixedClock) -> None:
    from concurrent.futures import ThreadPoolExecutor

    cast = build_cast(any_db, clock)
    base = reviews.open_for_decision(cast.floorwalker, cast.decision_id).review

    def save(answer: Answer) -> str:
        try:
            reviews.save(cast.floorwalker, base, {"C01": AnswerEntry(answer)}, None)
        except ReviewConflict:
            return "conflict"
        return "saved"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(save, [Answer.MET, Answer.NOT_MET]))
    assert outcomes == ["conflict", "saved"]
    assert reviews.open_review(cast.floorwalker, base.id).review.row_version == 2
