"""One verdict everywhere: PASS / FAIL / draft n/m decided by domain/verdict.py (issue 14)."""

from __future__ import annotations

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.review_workflow import ReviewStatus
from rcrp_tui.domain.scoring import Answer, Judgement, ScoreResult, score
from rcrp_tui.domain.toolkit import load_shipped
from rcrp_tui.domain.verdict import Outcome, verdict
from rcrp_tui.services.coaching.cpd import officer_record
from rcrp_tui.services.coaching.cpd_export import record_markdown
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.lists import list_reviews
from rcrp_tui.services.reviews.records import AnswerEntry, ReviewWork
from rcrp_tui.storage.db import Database
from rcrp_tui.ui.home.content import _result
from rcrp_tui.ui.reviews.panels import score_bar
from rcrp_tui.ui.reviews.review_list import result_words
from tests.review_helpers import all_met, build_cast


def _score(work: ReviewWork, answers: dict[str, AnswerEntry]) -> ScoreResult:
    given = {c: e.answer for c, e in answers.items() if e.answer is not None}
    return score(work.criteria, given, work.toolkit.bands)


def test_the_rules() -> None:
    assert verdict(draft=True, answered=23, applicable=23, band_passes=True).words == "draft 23/23"
    half = verdict(draft=False, answered=7, applicable=23, band_passes=True)
    assert half.outcome is Outcome.INCOMPLETE and half.words == "incomplete 7/23"
    failed = verdict(
        draft=False, answered=23, applicable=23, band_passes=True, failed_critical=("C05",)
    )
    assert failed.outcome is Outcome.FAIL and failed.words == "FAIL (critical C05 not met)"
    assert verdict(draft=False, answered=5, applicable=5, band_passes=True).words == "PASS"
    assert verdict(draft=False, answered=5, applicable=5, band_passes=False).words == "FAIL"


def test_a_half_answered_score_never_passes() -> None:
    toolkit = load_shipped()
    criteria = toolkit.criteria[:10]
    answers = {c.code: Answer.MET for c in criteria[:3]}
    result = score(criteria, answers, toolkit.bands)
    assert result.percent == 100.0 and not result.passed
    assert "PASS" not in result.describe()


def test_a_failed_critical_criterion_reads_fail() -> None:
    toolkit = load_shipped()
    criteria = toolkit.criteria
    critical = next(c for c in criteria if c.critical)
    answers = {c.code: Answer.MET for c in criteria} | {critical.code: Answer.NOT_MET}
    text = score(criteria, answers, toolkit.bands).describe()
    assert " FAIL " in text and f"CRITICAL FAILED: {critical.code}" in text


def test_every_view_shows_the_same_verdict(db: Database, clock: FixedClock) -> None:
    cast = build_cast(db, clock)
    fw = cast.floorwalker
    work = reviews.open_for_decision(fw, cast.decision_id)
    some = dict(list(all_met(work).items())[:7])
    draft = reviews.save(fw, work.review, some, None)
    assert not draft.passed
    [listed] = list_reviews(cast.qa)
    n = len(work.criteria)
    assert listed.verdict.words == f"draft 7/{n}"
    assert "PASS" not in result_words(listed) and f"draft 7/{n}" in result_words(listed)
    assert "PASS" not in _result(listed) and f"draft 7/{n}" in _result(listed)
    bar = score_bar(_score(work, some), work, None, ReviewStatus.DRAFT, False).plain
    assert "PASS" not in bar and f"draft 7/{n} answered" in bar

    answers = all_met(work) | {"C05": AnswerEntry(Answer.NOT_MET)}
    done = reviews.submit(fw, draft, answers, Judgement.APPROPRIATE)
    [listed] = list_reviews(cast.qa)
    assert listed.verdict.outcome is Outcome.FAIL
    assert "FAIL (critical C05 not met)" in result_words(listed)
    assert "FAIL" in _result(listed)
    bar = score_bar(_score(work, answers), work, done.judgement, done.status, False)
    assert " FAIL ✗ CRITICAL FAILED: C05" in bar.plain
    record = officer_record(cast.qa, "CO-101")
    assert "FAIL (critical C05 not met)" in record_markdown(record)
