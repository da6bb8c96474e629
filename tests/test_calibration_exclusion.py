"""Calibration scores never reach an officer's figures: the KPIs, compliance, officer
records, team tables, review lists and home screens are the same with and without a
calibration session on the same data (SQLite and PostgreSQL).

The session is built to move every figure if it were counted: its graders mark the
critical criterion C05 Not met and judge should-have-deployed on decisions the KPI
fixture counts, and on d4, which has no review at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.calibration import sessions
from rcrp_tui.services.coaching import cpd
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.home import summary as home
from rcrp_tui.services.kpis import figures as kpis
from rcrp_tui.services.kpis import report as kpi_report
from rcrp_tui.services.reviews import lists as review_lists
from rcrp_tui.storage.db import Database
from tests import kpi_fixture
from tests.calibration_helpers import grade
from tests.conftest import FIXED_NOW
from tests.kpi_fixture import BASELINE, PERIOD

FIXED = datetime(2026, 1, 1, tzinfo=UTC)


def _plain(value: Any) -> Any:
    """``value`` with its generation time and calibration summary blanked."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: (FIXED if f.name == "generated_at" else None if f.name == "calibration" else
                     _plain(getattr(value, f.name)))
            for f in dataclasses.fields(value)
        }  # fmt: skip
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _officer_ctx(admin: Ctx, staff: str) -> Ctx:
    info = people.add_user(
        admin, username=staff.lower(), display_name=staff, role=Role.CONTACT_OFFICER,
        password="officer password 1", staff_id=staff,
    )  # fmt: skip
    officer_id = next(o.id for o in people.list_contact_officers(admin) if o.staff_id == staff)
    return Ctx(admin.db, Actor(info.id, info.username, staff, Role.CONTACT_OFFICER, None,
                               officer_id), admin.clock)  # fmt: skip


def test_a_calibration_session_changes_no_officer_figure(any_db: Database) -> None:
    data = kpi_fixture.build(any_db, FixedClock(FIXED_NOW))
    qa, fw, sup = data.qa, data.floorwalker, data.supervisor
    officer = _officer_ctx(data.admin, "CO-101")
    second = kpi_fixture._user(data.admin, "second.grader", Role.FLOORWALKER, "Red")
    figures: dict[str, Callable[[], Any]] = {
        "kpis": lambda: kpis.compute(qa, PERIOD, BASELINE),
        "kpis plain": lambda: kpis.compute(qa, PERIOD, BASELINE, plain=True),
        "officer CO-101": lambda: cpd.officer_record(qa, "CO-101"),
        "officer CO-202": lambda: cpd.officer_record(qa, "CO-202"),
        "own record": lambda: cpd.officer_record(officer, "CO-101"),
        "team": lambda: cpd.team_table(sup),
        "reviews (QA lead)": lambda: review_lists.list_reviews(qa),
        "reviews (floorwalker)": lambda: review_lists.list_reviews(fw),
        "reviews (officer)": lambda: review_lists.list_reviews(officer),
        "officer home": lambda: home.officer_home(officer),
        "QA lead home": lambda: home.qa_lead_home(qa),
        "supervisor home": lambda: home.supervisor_home(sup),
        "floorwalker home": lambda: home.floorwalker_home(fw),
    }
    before = {name: _plain(read()) for name, read in figures.items()}
    assert before["kpis"].compliance.total > 0  # the fixture has counted reviews to move

    ids = {
        ref: next(d.id for d in people_decisions(qa, ref)) for ref in ("CAD-0001", "CAD-0003",
                                                                       "CAD-0004", "CAD-0006")
    }  # fmt: skip
    detail = sessions.create_session(
        qa, title="Exclusion check", deadline=date(2026, 12, 1),
        graders_usernames=[fw.actor.username, second.actor.username], cad_refs=list(ids),
    )  # fmt: skip
    sid = detail.session.id
    for grader in (fw, second):
        for decision_id in ids.values():
            grade(grader, sid, decision_id, {"C05": Answer.NOT_MET, "C01": Answer.NOT_MET},
                  judgement=Judgement.SHOULD_HAVE_DEPLOYED)  # fmt: skip
    sessions.close_session(qa, sid)

    after = {name: _plain(read()) for name, read in figures.items()}
    for name in figures:
        assert after[name] == before[name], name
    # The report does gain its calibration section, and only that.
    report = kpis.compute(qa, PERIOD, BASELINE)
    assert report.calibration is not None and report.calibration.session_id == sid
    section = next(s for s in kpi_report.sections(report) if s.key == "Calibration")
    assert section.rows[0][0] == "Krippendorff's alpha (ordinal)"
    assert "never count in any other figure" in section.note


def people_decisions(ctx: Ctx, cad_ref: str) -> list[Any]:
    from rcrp_tui.services.decisions import queries

    found = queries.find_by_cad_ref(ctx, cad_ref)
    assert found, cad_ref
    return found


@pytest.mark.parametrize("name", ["reviews_of_decision"])
def test_the_review_prompt_lists_no_calibration_score(any_db: Database, name: str) -> None:
    data = kpi_fixture.build(any_db, FixedClock(FIXED_NOW))
    second = kpi_fixture._user(data.admin, "second.grader", Role.FLOORWALKER, "Red")
    d4 = people_decisions(data.qa, "CAD-0004")[0].id  # no review
    refs = ["CAD-0004", "CAD-0001", "CAD-0003"]
    sid = sessions.create_session(
        data.qa, title="Prompt", deadline=date(2026, 12, 1),
        graders_usernames=[data.floorwalker.actor.username, second.actor.username], cad_refs=refs,
    ).session.id  # fmt: skip
    grade(data.floorwalker, sid, d4)
    grade(second, sid, d4)
    # The browser's "already reviewed" prompt reads reviews_of_decision: still nothing.
    assert getattr(review_lists, name)(data.qa, d4) == []
    assert getattr(review_lists, name)(data.floorwalker, d4) == []
    assert sessions.sessions_of_decision(data.qa, d4) == (sid,)
