"""Calibration sessions through the services, on SQLite and PostgreSQL: creating,
grading blind, the reveal, reference answers, results and drift, roles and audit."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.calibration import grading, results, reveal, sessions
from rcrp_tui.services.calibration.records import ScoreStatus, SessionStatus, StillBlind
from rcrp_tui.services.coaching import cpd
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from rcrp_tui.services.reviews import lists as review_lists
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.services.sampling import plans
from rcrp_tui.services.sampling import results as sample_results
from rcrp_tui.services.sampling.population import PopulationFilter
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import audit_table
from tests.calibration_helpers import DEADLINE, CalCast, build, grade
from tests.conftest import FIXED_NOW


@pytest.fixture
def cast(any_db: Database) -> CalCast:
    return build(any_db, FixedClock(FIXED_NOW))


def _session(cast: CalCast, n: int = 3, graders: tuple[Ctx, ...] | None = None) -> int:
    who = graders or (cast.qa_grader, cast.fw_a, cast.fw_b)
    detail = sessions.create_session(
        cast.lead,
        title="November calibration",
        deadline=DEADLINE,
        graders_usernames=[g.actor.username for g in who],
        cad_refs=list(cast.cad_refs[:n]),
    )
    return detail.session.id


def _audit_actions(db: Database) -> list[str]:
    with db.read() as s:
        return list(
            s.execute(
                select(audit_table.c.action)
                .where(audit_table.c.action.like("calibration_%"))
                .order_by(audit_table.c.id)
            ).scalars()
        )


# --- creating ----------------------------------------------------------------------------


def test_a_qa_lead_creates_a_session_and_it_is_audited(cast: CalCast) -> None:
    detail = sessions.create_session(
        cast.lead,
        title="  November   calibration ",
        deadline=DEADLINE,
        graders_usernames=["fw.a", "fw.b", "qa.grader"],
        cad_refs=[r.lower() for r in cast.cad_refs[:4]],
    )
    s = detail.session
    assert (s.title, s.status, s.decisions, s.graders, s.deadline) == (
        "November calibration",
        SessionStatus.OPEN,
        4,
        3,
        DEADLINE,
    )
    assert (s.toolkit_key, s.revealed) == ("rcrp-national", False)
    assert [d.cad_ref for d in detail.decisions] == list(cast.cad_refs[:4])
    assert sorted(g.grader.username for g in detail.graders) == ["fw.a", "fw.b", "qa.grader"]
    assert all(g.submitted == 0 and g.decisions == 4 for g in detail.graders)
    assert _audit_actions(cast.lead.db) == ["calibration_session_created"]
    with cast.lead.db.read() as db:
        after = json.loads(
            db.execute(
                select(audit_table.c.after_json).where(
                    audit_table.c.action == "calibration_session_created"
                )
            ).scalar_one()
        )
    assert after["graders"] == ["fw.a", "fw.b", "qa.grader"]
    assert after["decision_ids"] == list(cast.decisions[:4])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cad_refs": ["CAD-0001", "CAD-0002"]}, "3 to 30 decisions; 2 chosen"),
        (
            {"cad_refs": ["CAD-0001", "CAD-0002", "CAD-9999"]},
            "no decision has the CAD reference CAD-9999",
        ),
        ({"graders_usernames": ["fw.a"]}, "at least 2 graders"),
        ({"graders_usernames": ["fw.a", "sup.red"]}, "sup.red is a supervisor"),
        ({"graders_usernames": ["fw.a", "nobody"]}, "there is no user nobody"),
        ({"title": "   "}, "give the session a title"),
        ({"deadline": date(2026, 11, 1)}, "has passed"),
    ],
)
def test_creating_refuses_wrong_input_in_plain_words(
    cast: CalCast, change: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {
        "title": "T",
        "deadline": DEADLINE,
        "graders_usernames": ["fw.a", "fw.b"],
        "cad_refs": list(cast.cad_refs[:3]),
        **change,
    }
    with pytest.raises(ValidationFailed, match=message):
        sessions.create_session(cast.lead, **args)  # type: ignore[arg-type]
    assert sessions.list_sessions(cast.lead) == []


def test_every_problem_with_a_new_session_is_named_at_once(cast: CalCast) -> None:
    args: dict[str, object] = {
        "title": " ",
        "deadline": date(2026, 11, 1),
        "graders_usernames": ["fw.a"],
        "cad_refs": ["CAD-0001", "CAD-9999"],
    }
    expected = [
        ("Title", "give the session a title"),
        ("Deadline", "has passed"),
        ("Graders", "at least 2 graders"),
        ("Decisions", "CAD-9999"),
    ]
    found = sessions.new_session_problems(cast.lead, **args)  # type: ignore[arg-type]
    assert [(p.field, w in p.reason) for p, (_f, w) in zip(found, expected, strict=True)] == [
        (f, True) for f, _w in expected
    ]
    with pytest.raises(sessions.SessionProblems) as refused:
        sessions.create_session(cast.lead, **args)  # type: ignore[arg-type]
    assert [p.field for p in refused.value.problems] == [f for f, _w in expected]
    assert refused.value.field == "Title"  # one message: the first, as before
    assert all(w in refused.value.message for _f, w in expected)
    assert sessions.list_sessions(cast.lead) == []
    # A deadline the form could not read is left out; the rest are still checked.
    none_day = sessions.new_session_problems(cast.lead, **{**args, "deadline": None})  # type: ignore[arg-type]
    assert [p.field for p in none_day] == ["Title", "Graders", "Decisions"]
    fine = {**args, "title": "T", "deadline": DEADLINE, "graders_usernames": ["fw.a", "fw.b"]}
    fine["cad_refs"] = list(cast.cad_refs[:3])
    assert sessions.new_session_problems(cast.lead, **fine) == ()  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        sessions.new_session_problems(cast.fw_a, **fine)  # type: ignore[arg-type]


def test_the_graders_to_choose_from_are_active_floorwalkers_and_qa_leads(cast: CalCast) -> None:
    names = [p.username for p in sessions.eligible_graders(cast.lead)]
    assert names == ["fw.a", "fw.b", "qa.grader", "qa.lead"]
    with pytest.raises(PermissionDenied):
        sessions.eligible_graders(cast.fw_a)


def test_only_a_qa_lead_creates_closes_and_sets_references(cast: CalCast) -> None:
    for ctx in (cast.fw_a, cast.supervisor, cast.officer, cast.admin):
        with pytest.raises(PermissionDenied):
            sessions.create_session(
                ctx,
                title="T",
                deadline=DEADLINE,
                graders_usernames=["fw.a", "fw.b"],
                cad_refs=list(cast.cad_refs[:3]),
            )
    sid = _session(cast)
    with pytest.raises(PermissionDenied):
        sessions.close_session(cast.fw_a, sid)
    sessions.close_session(cast.lead, sid)
    with pytest.raises(PermissionDenied):
        reveal.set_reference(cast.fw_a, sid, cast.decisions[0], "C05", answer=Answer.MET, note="x")


def test_decisions_drawn_from_a_saved_sampling_plan(cast: CalCast) -> None:
    from rcrp_tui.domain.sampling import SamplingMethod, SamplingSpec
    from rcrp_tui.services.sampling import plans
    from rcrp_tui.services.sampling.population import PopulationFilter

    plan = plans.save_plan(
        cast.lead, "All medical", PopulationFilter(), SamplingSpec(SamplingMethod.SIMPLE, size=4),
        seed=7,
    )  # fmt: skip
    first = sessions.create_session(
        cast.lead, title="From a plan", deadline=DEADLINE, graders_usernames=["fw.a", "fw.b"],
        plan_id=plan.id, plan_count=3,
    )  # fmt: skip
    again = sessions.create_session(
        cast.lead, title="Again", deadline=DEADLINE, graders_usernames=["fw.a", "fw.b"],
        plan_id=plan.id, plan_count=3,
    )  # fmt: skip
    ids = [d.decision_id for d in first.decisions]
    assert len(ids) == 3 and set(ids) <= set(cast.decisions)
    assert [d.decision_id for d in again.decisions] == ids  # the same plan draws the same
    with pytest.raises(ValidationFailed, match="draws only"):
        sessions.create_session(
            cast.lead, title="Too many", deadline=DEADLINE, graders_usernames=["fw.a", "fw.b"],
            plan_id=plan.id, plan_count=30,
        )  # fmt: skip


# --- grading ----------------------------------------------------------------------------


def test_a_grader_saves_drafts_edits_and_submits_once(cast: CalCast) -> None:
    sid = _session(cast)
    d = cast.decisions[0]
    work = grading.open_decision(cast.fw_a, sid, d)
    assert (work.status, work.row_version, work.editable, work.answers) == (None, None, True, {})
    first = grading.save_score(
        cast.fw_a, sid, d, {"C01": AnswerEntry(Answer.MET)}, None, expected_version=None
    )
    assert (first.status, first.answers["C01"].answer) == (ScoreStatus.DRAFT, Answer.MET)
    with pytest.raises(ValidationFailed, match="cannot submit yet: unanswered criteria"):
        grading.save_score(
            cast.fw_a, sid, d, first.answers, Judgement.APPROPRIATE,
            expected_version=first.row_version, submit=True,
        )  # fmt: skip
    with pytest.raises(Conflict, match="reload it"):
        grading.save_score(
            cast.fw_a, sid, d, {"C01": AnswerEntry(Answer.NOT_MET)}, None, expected_version=None
        )
    done = grade(cast.fw_a, sid, d, {"C05": Answer.NOT_MET})
    assert (done.status, done.editable) == (ScoreStatus.SUBMITTED, False)
    assert done.result.failed_critical == ("C05",)
    with pytest.raises(Conflict, match="submitted score cannot change"):
        grade(cast.fw_a, sid, d)
    work_list = grading.my_work(cast.fw_a, sid)
    assert [x.status for x in work_list.decisions] == [ScoreStatus.SUBMITTED, None, None]
    assert work_list.decisions[0].answered == work_list.decisions[0].applicable == 23
    assert _audit_actions(cast.lead.db) == [
        "calibration_session_created",
        "calibration_score_saved",
        "calibration_score_submitted",
    ]


def test_only_the_session_graders_may_grade_or_open_it(cast: CalCast) -> None:
    sid = _session(cast, graders=(cast.fw_a, cast.qa_grader))
    with pytest.raises(PermissionDenied, match="not a grader"):
        grading.open_decision(cast.fw_b, sid, cast.decisions[0])
    with pytest.raises(PermissionDenied, match="not a grader"):
        sessions.session_detail(cast.fw_b, sid)
    assert sessions.list_sessions(cast.fw_b) == []
    assert [s.id for s in sessions.list_sessions(cast.fw_a)] == [sid]
    for ctx in (cast.supervisor, cast.officer):
        with pytest.raises(PermissionDenied):
            sessions.list_sessions(ctx)
    with pytest.raises(NotFound):
        grading.open_decision(cast.fw_a, sid, cast.decisions[4])  # not in the session


# --- blindness ---------------------------------------------------------------------------


def test_before_submitting_a_grader_reads_nothing_of_others(cast: CalCast) -> None:
    """Every read service, called as the QA-lead grader who has not submitted decision d,
    gives nothing of fw.a's submitted answers for it nor of the officer's review of it."""
    d = cast.decisions[0]
    # An existing officer review of d by fw.b, submitted before the session.
    officer_review = reviews.open_for_decision(cast.fw_b, d)
    answers = {c.code: AnswerEntry(Answer.MET) for c in officer_review.criteria}
    reviews.submit(cast.fw_b, officer_review.review, answers, Judgement.APPROPRIATE)
    assert [r.id for r in review_lists.reviews_of_decision(cast.qa_grader, d)] == [
        officer_review.review.id
    ]

    sid = _session(cast)
    grade(cast.fw_a, sid, d, {"C05": Answer.NOT_MET, "C01": Answer.PARTIAL})
    blind = cast.qa_grader
    # Their own work: only their own (empty) answers.
    work = grading.open_decision(blind, sid, d)
    assert work.answers == {} and work.status is None
    mine = grading.my_work(blind, sid)
    assert all(x.status is None and x.answered == 0 for x in mine.decisions)
    # The session: progress counts only, no answers anywhere in it.
    detail = sessions.session_detail(blind, sid)
    assert "partial" not in repr(detail) and "not_met" not in repr(detail)
    # Side by side, results, drift: refused until the reveal.
    with pytest.raises(StillBlind, match="hidden until every grader"):
        reveal.revealed_answers(blind, sid)
    with pytest.raises(StillBlind):
        results.session_results(blind, sid)
    assert results.grader_drift(blind) == ()
    # The officer review of d: gone from every review read while blind.
    assert review_lists.reviews_of_decision(blind, d) == []
    assert officer_review.review.id not in [r.id for r in review_lists.list_reviews(blind)]
    with pytest.raises(NotFound):
        reviews.open_review(blind, officer_review.review.id)
    # Nor in the officer's development record, nor in a sample's item export.
    assert [r.review_id for r in cpd.officer_record(blind, "CO-101").reviews] == []
    assert [r.review_id for r in cpd.officer_record(cast.lead, "CO-101").reviews] == [
        officer_review.review.id
    ]
    plan = plans.save_plan(
        cast.lead, "All", PopulationFilter(include_reviewed=True),
        SamplingSpec(SamplingMethod.SIMPLE, size=5), seed=3,
    )  # fmt: skip
    sample_id = plans.draw_sample(cast.lead, plan.id).id

    def exported(ctx: Ctx) -> str:
        row = next(r for r in sample_results.export_csv(ctx, sample_id).splitlines() if
                   ",CAD-0001," in r)  # fmt: skip
        return row.split(",", 7)[7]

    assert exported(blind) == sample_results.HIDDEN_FOR_CALIBRATION + ",,,"
    assert exported(cast.lead).startswith("submitted,True,APPROPRIATE,")
    # The same for fw.a, who has submitted d but not the others: still blind to the session.
    with pytest.raises(StillBlind):
        reveal.revealed_answers(cast.fw_a, sid)
    # The QA lead running it sees progress, not answers, either.
    with pytest.raises(StillBlind):
        reveal.revealed_answers(cast.lead, sid)

    # Once the blind grader submits d, the review of d is theirs to see again.
    grade(blind, sid, d)
    assert [r.id for r in review_lists.reviews_of_decision(blind, d)] == [officer_review.review.id]
    assert reviews.open_review(blind, officer_review.review.id).review.id == (
        officer_review.review.id
    )
    assert [r.review_id for r in cpd.officer_record(blind, "CO-101").reviews] == [
        officer_review.review.id
    ]
    assert exported(blind).startswith("submitted,True,APPROPRIATE,")


def test_the_session_reveals_when_every_grader_has_submitted(cast: CalCast) -> None:
    sid = _session(cast)
    for g in (cast.qa_grader, cast.fw_a, cast.fw_b):
        for d in cast.decisions[:3]:
            assert sessions.session_detail(cast.lead, sid).session.revealed is False
            grade(g, sid, d, {"C15": Answer.PARTIAL} if g is cast.fw_b else None)
    summary = sessions.session_detail(cast.lead, sid).session
    assert summary.revealed and summary.status is SessionStatus.OPEN
    assert summary.submitted == summary.expected == 9
    side = reveal.revealed_answers(cast.fw_a, sid)
    c15 = next(c for c in side.decisions[0].criteria if c.code == "C15")
    assert [a.answer for a in c15.answers] == [Answer.MET, Answer.PARTIAL, Answer.MET]
    assert [a.grader.username for a in c15.answers] == ["fw.a", "fw.b", "qa.grader"]
    assert c15.agreed is False
    assert _audit_actions(cast.lead.db).count("calibration_session_revealed") == 1


def test_closing_reveals_and_stops_scoring_drafts_count_as_missing(cast: CalCast) -> None:
    sid = _session(cast)
    for d in cast.decisions[:3]:
        grade(cast.fw_a, sid, d)
        grade(cast.fw_b, sid, d, {"C05": Answer.NOT_MET})
    grade(cast.qa_grader, sid, cast.decisions[0], submit=False)  # a draft only
    closed = sessions.close_session(cast.lead, sid, expected_version=1)
    assert closed.status is SessionStatus.CLOSED and closed.revealed
    with pytest.raises(Conflict, match="already closed"):
        sessions.close_session(cast.lead, sid)
    with pytest.raises(Conflict, match="is closed"):
        grade(cast.qa_grader, sid, cast.decisions[1])
    side = reveal.revealed_answers(cast.lead, sid)
    c05 = next(c for c in side.decisions[0].criteria if c.code == "C05")
    assert [a.answer for a in c05.answers] == [Answer.MET, Answer.NOT_MET, None]
    result = results.session_results(cast.lead, sid)
    assert [(x.cad_ref, x.code) for x in result.critical_disagreements] == [
        (ref, "C05") for ref in cast.cad_refs[:3]
    ]
    assert _audit_actions(cast.lead.db)[-1] == "calibration_session_closed"


# --- references, results, drift ------------------------------------------------------------


def _closed_session_with_a_lenient_grader(cast: CalCast) -> int:
    """fw.a always Met (lenient); qa.grader and fw.b mark C01 Not met on the first two
    decisions and C05 Not met on the first; qa.grader is the reference."""
    sid = _session(cast)
    strict = {
        cast.decisions[0]: {"C01": Answer.NOT_MET, "C05": Answer.NOT_MET},
        cast.decisions[1]: {"C01": Answer.NOT_MET},
        cast.decisions[2]: {},
    }
    for d in cast.decisions[:3]:
        grade(cast.fw_a, sid, d)
        grade(cast.qa_grader, sid, d, strict[d])
        grade(cast.fw_b, sid, d, strict[d])
    sessions.close_session(cast.lead, sid)
    side = reveal.revealed_answers(cast.lead, sid)
    for dec in side.decisions:
        for c in dec.criteria:
            reveal.set_reference(
                cast.lead, sid, dec.decision.decision_id, c.code, from_grader="qa.grader"
            )
    return sid


def test_references_from_a_grader_or_by_consensus_with_a_note(cast: CalCast) -> None:
    sid = _session(cast)
    d = cast.decisions[0]
    with pytest.raises(StillBlind):
        reveal.set_reference(cast.lead, sid, d, "C05", answer=Answer.MET, note="agreed")
    for dd in cast.decisions[:3]:
        grade(cast.fw_a, sid, dd, {"C05": Answer.NOT_MET})
        grade(cast.fw_b, sid, dd)
        grade(cast.qa_grader, sid, dd)
    ref = reveal.set_reference(cast.lead, sid, d, "C05", from_grader="fw.a")
    assert (ref.answer, ref.source, ref.source_grader and ref.source_grader.username) == (
        Answer.NOT_MET, "grader", "fw.a",
    )  # fmt: skip
    with pytest.raises(ValidationFailed, match="say in a note"):
        reveal.set_reference(
            cast.lead, sid, d, "C05", answer=Answer.MET, expected_version=ref.row_version
        )
    with pytest.raises(Conflict):
        reveal.set_reference(cast.lead, sid, d, "C05", answer=Answer.MET, note="x")
    changed = reveal.set_reference(
        cast.lead, sid, d, "C05", answer=Answer.MET, expected_version=ref.row_version,
        note="The risk was not present and ongoing: ambulance first was right.",
    )  # fmt: skip
    assert (changed.answer, changed.source, changed.source_grader) == (
        Answer.MET, "consensus", None,
    )  # fmt: skip
    with pytest.raises(ValidationFailed, match="not a criterion"):
        reveal.set_reference(cast.lead, sid, d, "AW1", answer=Answer.MET, note="x")
    assert _audit_actions(cast.lead.db).count("calibration_reference_set") == 2


def test_results_give_every_statistic_per_criterion_and_overall(cast: CalCast) -> None:
    sid = _closed_session_with_a_lenient_grader(cast)
    r = results.session_results(cast.lead, sid)
    assert [g.username for g in r.graders] == ["fw.a", "fw.b", "qa.grader"]
    assert r.references_set == r.references_needed == 3 * 23
    c01 = next(c for c in r.criteria if c.code == "C01")
    # C01: (Met, Not met, Not met) twice, (Met, Met, Met) once: pair agreement 1/3, 1/3, 1.
    assert c01.figures.raw.value == pytest.approx((1 / 3 + 1 / 3 + 1) / 3)
    assert c01.figures.raw.n_units == 3 and c01.figures.raw.n_ratings == 9
    by_grader = {g.grader.username: g.estimate.value for g in c01.figures.with_reference}
    assert by_grader == {"fw.a": pytest.approx(1 / 3), "fw.b": 1.0, "qa.grader": 1.0}
    assert len(c01.figures.cohen) == 3
    pair = {(p.a.username, p.b.username): p.estimate for p in r.overall.cohen}
    assert pair[("fw.b", "qa.grader")].value == pytest.approx(1.0)
    assert r.overall.alpha.value is not None and r.overall.ac1.value is not None
    assert r.overall.alpha.value < 1.0 and r.overall.ac1.value > r.overall.fleiss.value  # type: ignore[operator]
    assert [(x.cad_ref, x.code) for x in r.critical_disagreements] == [(cast.cad_refs[0], "C05")]
    crit = r.critical_disagreements[0]
    assert [a for _, a in crit.answers] == [Answer.MET, Answer.NOT_MET, Answer.NOT_MET]
    assert crit.reference is not None and crit.reference.answer is Answer.NOT_MET


def test_drift_shows_the_lenient_grader_and_a_floorwalker_sees_only_their_own(
    cast: CalCast,
) -> None:
    sid = _closed_session_with_a_lenient_grader(cast)
    drift = {g.grader.username: g for g in results.grader_drift(cast.lead)}
    assert set(drift) == {"fw.a", "fw.b", "qa.grader"}
    lenient = drift["fw.a"]
    assert lenient.direction == "lenient" and lenient.mean_score_difference is not None
    assert lenient.mean_score_difference > 5
    # d1 fails the reference on C05 (critical) but fw.a passes it; d2 and d3 pass both.
    assert (lenient.lenient_verdicts, lenient.severe_verdicts, lenient.decisions_compared) == (
        1, 0, 3,
    )  # fmt: skip
    assert [(c.code, c.disagreed, c.compared) for c in lenient.most_disagreed] == [
        ("C01", 2, 3), ("C05", 1, 3),
    ]  # fmt: skip
    assert [s.session_id for s in lenient.sessions] == [sid]
    assert lenient.sessions[0].agreement.value == pytest.approx((69 - 3) / 69)
    assert drift["fw.b"].direction == "in line" and drift["fw.b"].mean_score_difference == 0
    own = results.grader_drift(cast.fw_b)
    assert [g.grader.username for g in own] == ["fw.b"]
    with pytest.raises(PermissionDenied, match="only their own"):
        results.grader_drift(cast.fw_b, "fw.a")
    assert [g.grader.username for g in results.grader_drift(cast.lead, "fw.a")] == ["fw.a"]


def test_the_kpi_summary_names_graders_below_the_force_threshold(
    cast: CalCast, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    assert results.latest_closed_summary(cast.lead) is None
    sid = _closed_session_with_a_lenient_grader(cast)
    summary = results.latest_closed_summary(cast.supervisor)  # a KPI reader, not a grader
    assert summary is not None and summary.session_id == sid
    assert summary.threshold == 0.8
    assert [g.grader.username for g in summary.below_threshold] == []  # 66/69 = 0.957
    from pathlib import Path

    settings = Path(str(tmp_path)) / "force.toml"
    settings.write_text("calibration_min_agreement = 0.99\n")
    monkeypatch.setenv(results.FORCE_SETTINGS_ENV, str(settings))
    strict = results.latest_closed_summary(cast.supervisor)
    assert strict is not None and [g.grader.username for g in strict.below_threshold] == ["fw.a"]
    with pytest.raises(PermissionDenied):
        results.latest_closed_summary(cast.fw_a)


def test_sessions_of_a_decision_give_only_numbers(cast: CalCast) -> None:
    sid = _session(cast)
    assert sessions.sessions_of_decision(cast.lead, cast.decisions[0]) == (sid,)
    assert sessions.sessions_of_decision(cast.lead, cast.decisions[4]) == ()
    assert sessions.sessions_of_decision(cast.officer, cast.decisions[0]) == ()
