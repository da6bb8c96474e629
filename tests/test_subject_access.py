"""The subject access export: everything held about one staff id and nothing about anyone
else, marked OFFICIAL-SENSITIVE, owner-only, audited with counts and no content, for QA
leads and administrators only, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from rcrp_tui.cli.main import main
from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.coaching import Transition
from rcrp_tui.domain.enums import Role
from rcrp_tui.domain.scoring import Answer, Judgement
from rcrp_tui.services.calibration import grading as cal_grading
from rcrp_tui.services.calibration import sessions as cal_sessions
from rcrp_tui.services.coaching import notes as coaching
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import NotFound, PermissionDenied
from rcrp_tui.services.ops import subject_access
from rcrp_tui.services.ops.subject_access import SubjectFormat, export_subject_access
from rcrp_tui.services.reviews import saving as reviews
from rcrp_tui.services.reviews.records import AnswerEntry
from rcrp_tui.services.training.records import import_training_csv
from rcrp_tui.storage import schema
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import audit_table, decisions_table
from tests.cli_helpers import as_user
from tests.coaching_helpers import add_decision, note_for
from tests.conftest import FIXED_NOW
from tests.review_helpers import PASSWORD, Cast, all_met, build_cast
from tests.test_retention_apply import _appeal

COMMENT = "Understood; I will ask the Article 2 questions."
OTHER_RATIONALE = "Blue team rationale that must not appear."


def _scene(db: Database) -> Cast:
    """CO-101 with two decisions, a released and acknowledged review with a comment, an
    acknowledged coaching note and an appeal; CO-202 with a decision of their own."""
    cast = build_cast(db, FixedClock(FIXED_NOW))
    work = reviews.open_for_decision(cast.floorwalker, cast.decision_id)
    first = work.criteria[0].code
    answers = all_met(work) | {first: AnswerEntry(Answer.MET, "Asked about breathing.")}
    submitted = reviews.submit(cast.floorwalker, work.review, answers, Judgement.APPROPRIATE)
    released = reviews.release(cast.qa, reviews.moderate(cast.qa, submitted))
    reviews.acknowledge(cast.officer, released, COMMENT)
    note = note_for(cast.qa, review_id=released.id)
    coaching.move(cast.officer, note.id, Transition.ACKNOWLEDGE, row_version=note.row_version)
    add_decision(cast, "CAD-0102", "CO-101", FIXED_NOW - timedelta(days=2))
    _appeal(cast)
    other = add_decision(cast, "CAD-0202", "CO-202", FIXED_NOW - timedelta(days=1))
    training = Path(tempfile.mkdtemp()) / "training.csv"
    training.write_text(
        "staff_id,phase,date,course\n"
        "CO-101,1,2026-10-01,RCRP e-learning\n"
        "CO-202,1,2026-10-02,Other officer's course\n",
        encoding="utf-8",
    )
    import_training_csv(cast.qa, training)
    with db.write_connection() as conn:
        conn.execute(
            decisions_table.update()
            .where(decisions_table.c.id == other)
            .values(rationale=OTHER_RATIONALE)
        )
    return cast


def test_the_markdown_export_holds_everything_about_them_and_nothing_else(
    any_db: Database, tmp_path: Path
) -> None:
    cast = _scene(any_db)
    out = tmp_path / "sar.md"
    result = export_subject_access(cast.qa, "CO-101", out)
    body = out.read_text(encoding="utf-8")
    lines = body.strip().splitlines()
    assert lines[0] == lines[-1] == "**OFFICIAL-SENSITIVE**"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert result.counts == {
        "accounts": 1,
        "training records": 1,
        "decisions": 2,
        "reviews": 1,
        "review answers": result.counts["review answers"],
        "coaching notes": 1,
        "acknowledgements": 2,
        "appeals": 1,
        "calibration scores": 0,
        "calibration answers": 0,
        "audit rows": result.counts["audit rows"],
    }
    assert result.counts["review answers"] > 1 and result.counts["audit rows"] >= 5
    for expected in (
        "CAD-0001",
        "CAD-0102",
        "Chest pain, conscious and breathing",  # the decision's rationale
        "Asked about breathing.",  # a review comment
        "| 1 | 2026-10-01 | RCRP e-learning |",  # their training record
        COMMENT,  # the acknowledgement
        "Ask the Article 2 questions before deciding.",  # the coaching note
        "Partner organisation",  # the appeal
        "co.101",  # their account, and audit rows naming it
        "| co.101 | contact_officer | review_acknowledge |",  # as the actor
        "| coaching_note_acknowledge |",
        "| user_added | user |",  # as the subject: their account
        "| appeal_recorded | appeal |",  # an appeal about their decision
    ):
        assert expected in body, expected
    assert "CAD-0202" not in body and OTHER_RATIONALE not in body
    assert "Other officer's course" not in body

    with any_db.read() as session:
        row = session.execute(
            select(audit_table.c.actor, audit_table.c.after_json).where(
                audit_table.c.action == "subject_access_exported"
            )
        ).one()
    facts = json.loads(row.after_json)
    assert row.actor == "qa.one"
    assert facts == {"staff_id": "CO-101", "format": "md", "counts": result.counts}


def test_a_graders_own_calibration_scores_and_answers_are_in_their_export(
    any_db: Database, tmp_path: Path
) -> None:
    cast = build_cast(any_db, FixedClock(FIXED_NOW))
    people.add_contact_officer(cast.admin, "CO-303", "Red")
    grader = cast._user("fw.three", Role.FLOORWALKER, "Red", staff="CO-303")
    other = cast.floorwalker
    refs = ["CAD-0001"]
    for i in (1, 2):
        refs.append(f"CAD-C{i}")
        add_decision(cast, f"CAD-C{i}", "CO-101", FIXED_NOW - timedelta(days=i))
    sid = cal_sessions.create_session(
        cast.qa, title="Subject calibration", deadline=date(2026, 12, 4),
        graders_usernames=["fw.three", other.actor.username], cad_refs=refs,
    ).session.id  # fmt: skip
    decisions = [d.decision_id for d in cal_sessions.session_detail(cast.qa, sid).decisions]

    def score(ctx: Ctx, decision: int, note: str, *, submit: bool = True) -> str:
        work = cal_grading.open_decision(ctx, sid, decision)
        answers = {c.code: AnswerEntry(Answer.MET) for c in work.criteria}
        first = work.criteria[0].code
        answers[first] = AnswerEntry(Answer.PARTIAL, note)
        cal_grading.save_score(
            ctx, sid, decision, answers, Judgement.APPROPRIATE,
            expected_version=work.row_version, submit=submit,
        )  # fmt: skip
        return first

    first = score(grader, decisions[0], "Grader three's reasoning.")
    score(grader, decisions[1], "Still thinking.", submit=False)  # a draft is theirs too
    score(other, decisions[0], "Another grader's note that must not appear.")
    out = tmp_path / "sar.md"
    result = export_subject_access(cast.qa, "CO-303", out)
    body = out.read_text(encoding="utf-8")
    n_criteria = len(cal_grading.open_decision(grader, sid, decisions[0]).criteria)
    assert result.counts["calibration scores"] == 2
    assert result.counts["calibration answers"] == 2 * n_criteria
    assert "## Calibration answers given as a grader" in body
    submitted = f"{FIXED_NOW:%Y-%m-%d %H:%M}Z"
    assert (
        f"| {sid} | CAD-0001 | {first} | partial | Grader three's reasoning. | submitted | "
        f"{submitted} |"
    ) in body
    assert f"| {sid} | Subject calibration | CAD-0001 | submitted | APPROPRIATE |" in body
    assert "Still thinking. | draft |" in body
    assert "Another grader's note" not in body
    # Their submission's audit row is among the rows naming them.
    assert "| fw.three | floorwalker | calibration_score_submitted |" in body
    # The decisions' officer gets no calibration scores: they test the grader, not them.
    officer = export_subject_access(cast.qa, "CO-101", tmp_path / "co101.md")
    assert officer.counts["calibration answers"] == 0
    assert "Grader three's reasoning." not in (tmp_path / "co101.md").read_text("utf-8")


def test_paging_loses_no_row(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cast = _scene(db)
    for i in range(5):
        add_decision(cast, f"CAD-P{i}", "CO-101", FIXED_NOW - timedelta(days=3 + i))
    whole = export_subject_access(cast.qa, "CO-101", tmp_path / "whole.md")
    monkeypatch.setattr(subject_access, "PAGE_SIZE", 2)
    paged = export_subject_access(cast.qa, "CO-101", tmp_path / "paged.md")
    assert paged.counts["decisions"] == whole.counts["decisions"] == 7
    # The first export's own audit row names them too.
    assert paged.counts["audit rows"] == whole.counts["audit rows"] + 1
    body = (tmp_path / "paged.md").read_text(encoding="utf-8")
    assert all(f"CAD-P{i}" in body for i in range(5))


def test_the_pdf_export_is_marked_on_every_page(any_db: Database, tmp_path: Path) -> None:
    cast = _scene(any_db)
    for i in range(40):  # enough for several pages
        add_decision(cast, f"CAD-M{i:02d}", "CO-101", FIXED_NOW - timedelta(days=3 + i))
    out = tmp_path / "sar.pdf"
    result = export_subject_access(cast.admin, "CO-101", out, SubjectFormat.PDF)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    pages = [page.extract_text() for page in PdfReader(out).pages]
    assert len(pages) > 2
    assert all(p.count("OFFICIAL-SENSITIVE") == 2 for p in pages)  # header and footer
    text = " ".join(" ".join(p.split()) for p in pages)
    assert "Asked about breathing." in text and COMMENT in text and "CAD-M39" in text
    assert "CAD-0202" not in text
    assert result.counts["decisions"] == 42


def test_markdown_does_not_load_fpdf() -> None:
    code = (
        "import sys, rcrp_tui.services.ops.subject_access, rcrp_tui.cli.ops; "
        "assert 'fpdf' not in sys.modules, 'fpdf loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("who", ["floorwalker", "supervisor", "officer"])
def test_only_qa_leads_and_administrators_export(db: Database, tmp_path: Path, who: str) -> None:
    cast = build_cast(db, FixedClock(FIXED_NOW))
    out = tmp_path / "sar.md"
    with pytest.raises(PermissionDenied):
        export_subject_access(getattr(cast, who), "CO-101", out)
    assert not out.exists()


def test_an_unknown_staff_id_writes_nothing(db: Database, tmp_path: Path) -> None:
    cast = build_cast(db, FixedClock(FIXED_NOW))
    out = tmp_path / "sar.md"
    with pytest.raises(NotFound, match="no contact officer with staff id CO-999"):
        export_subject_access(cast.qa, "CO-999", out)
    assert not out.exists()


def test_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rcrp.db"
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db)
    _scene(db)
    out = tmp_path / "co101.pdf"
    args = ["subject-access", "CO-101", "--format", "pdf", "--output", str(out)]
    assert (
        main([*args, "--database", str(path), *as_user(monkeypatch, "qa.one", password=PASSWORD)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "marked OFFICIAL-SENSITIVE" in printed and "decisions" in printed
    assert out.read_bytes().startswith(b"%PDF")
    args = ["subject-access", "CO-101", "--output", str(tmp_path / "x.md")]
    assert (
        main([*args, "--database", str(path), *as_user(monkeypatch, "fw.one", password=PASSWORD)])
        == 2
    )
    assert not (tmp_path / "x.md").exists()
