"""Training records: CSV import (strict, all or nothing, idempotent), the list, and the
share trained per team and phase with its exact 90% line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from rcrp_tui.domain.clock import FixedClock
from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core import people
from rcrp_tui.services.core.context import Actor, Ctx
from rcrp_tui.services.core.errors import PermissionDenied, ValidationFailed
from rcrp_tui.services.training.records import (
    TrainingFileRejected,
    import_training_csv,
    list_training,
    training_share,
)
from rcrp_tui.storage.db import Database
from rcrp_tui.storage.models import AuditEntry, ContactOfficer, Team
from rcrp_tui.storage.training_models import TrainingRecord
from tests.conftest import FIXED_NOW, TEST_ADMIN

QA = Actor(None, "qa.lead", "QA lead", Role.QA_LEAD)


def _ctx(db: Database, actor: Actor = QA) -> Ctx:
    return Ctx(db, actor, FixedClock(FIXED_NOW))


def _officers(db: Database, team: str | None, prefix: str, count: int, active: bool = True) -> None:
    """Add ``count`` officers ``prefix-0000``… to ``team`` (made if new) in one insert."""
    with db.write() as session:
        team_id = None
        if team is not None:
            team_id = session.scalar(select(Team.id).where(Team.name == team))  # type: ignore[arg-type]
            if team_id is None:
                session.add(Team(name=team, shift_pattern="eln-8h"))
                session.flush()
                team_id = session.scalar(select(Team.id).where(Team.name == team))  # type: ignore[arg-type]
        session.execute(
            insert(ContactOfficer.__table__),  # type: ignore[attr-defined]
            [
                {"staff_id": f"{prefix}-{i:04d}", "team_id": team_id, "active": active}
                for i in range(count)
            ],
        )


def _csv(tmp_path: Path, text: str, name: str = "training.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _records(db: Database) -> list[tuple[str, int, date, str, int]]:
    with db.read() as session:
        return [
            tuple(r)  # type: ignore[misc]
            for r in session.execute(
                select(
                    ContactOfficer.staff_id,
                    TrainingRecord.phase,
                    TrainingRecord.trained_on,
                    TrainingRecord.course,
                    TrainingRecord.row_version,
                )
                .join(ContactOfficer, ContactOfficer.id == TrainingRecord.contact_officer_id)  # type: ignore[arg-type]
                .order_by(ContactOfficer.staff_id, TrainingRecord.phase)
            )
        ]


def _training_audit(db: Database) -> list[AuditEntry]:
    with db.read() as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "training_imported")
                .order_by(AuditEntry.id)  # type: ignore[arg-type]
            )
        )


def test_import_adds_then_a_reimport_changes_nothing_and_a_correction_is_audited(
    any_db: Database, tmp_path: Path
) -> None:
    _officers(any_db, "Blue", "CO", 3)
    ctx = _ctx(any_db)
    text = (
        "staff_id,phase,date,course\n"
        "CO-0000,1,2026-10-01,RCRP e-learning\n"
        "CO-0001,1,2026-10-02,\n"
        "CO-0001,2,2026-11-20,RCRP phase 2 briefing\n"
    )
    first = import_training_csv(ctx, _csv(tmp_path, text))
    assert (first.rows, first.added, first.changed, first.unchanged) == (3, 3, 0, 0)
    stored = _records(any_db)
    assert stored == [
        ("CO-0000", 1, date(2026, 10, 1), "RCRP e-learning", 1),
        ("CO-0001", 1, date(2026, 10, 2), "", 1),
        ("CO-0001", 2, date(2026, 11, 20), "RCRP phase 2 briefing", 1),
    ]

    again = import_training_csv(ctx, _csv(tmp_path, text))
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)
    assert _records(any_db) == stored  # no duplicate, no new version

    fixed = text.replace("2026-10-02,", "2026-10-03,Classroom")
    third = import_training_csv(ctx, _csv(tmp_path, fixed))
    assert (third.added, third.changed, third.unchanged) == (0, 1, 2)
    assert _records(any_db)[1] == ("CO-0001", 1, date(2026, 10, 3), "Classroom", 2)

    rows = _training_audit(any_db)
    assert [json.loads(r.after_json or "{}") for r in rows] == [
        {"file": "training.csv", "rows": 3, "added": 3, "changed": 0, "unchanged": 0},
        {"file": "training.csv", "rows": 3, "added": 0, "changed": 0, "unchanged": 3},
        {"file": "training.csv", "rows": 3, "added": 0, "changed": 1, "unchanged": 2},
    ]
    assert all(r.actor == "qa.lead" for r in rows)
    assert json.loads(rows[2].before_json or "{}") == {
        "changed": [
            {
                "staff_id": "CO-0001",
                "phase": 1,
                "trained_on": "2026-10-02",
                "course": "",
                "now_trained_on": "2026-10-03",
                "now_course": "Classroom",
            }
        ]
    }


def test_every_wrong_row_is_named_by_file_line_and_field_and_nothing_is_written(
    any_db: Database, tmp_path: Path
) -> None:
    _officers(any_db, "Blue", "CO", 2)
    ctx = _ctx(any_db)
    import_training_csv(ctx, _csv(tmp_path, "staff_id,phase,date\nCO-0000,1,2026-10-01\n"))
    before = _records(any_db)
    bad = (
        "staff_id,phase,date,course\n"
        "CO-0001,1,2026-10-02,Good row\n"  # good, but the file is refused whole
        "CO-0000,1,2026-10-05\n"  # 3 fields
        "CO-0001,2,2026-13-01,x\n"  # no such month
        "CO-0001,3,02/11/2026,x\n"  # not ISO
        "CO-9999,1,2026-10-01,x\n"  # unknown officer
        "CO-0000,12,2026-10-01,x\n"  # unknown phase
        "CO-0000,4,2026-11-25,x\n"  # after FIXED_NOW's day
        "CO-0001,1,2026-10-09,x\n"  # same officer and phase as line 2
        '"CO-0000",5,2026-10-01,"two\nlines"\n'
    )
    with pytest.raises(TrainingFileRejected) as caught:
        import_training_csv(ctx, _csv(tmp_path, bad, "november.csv"))
    assert caught.value.problems == (
        "november.csv, line 3, record: 3 fields, the header has 4",
        "november.csv, line 4, date: '2026-13-01' is not a real date",
        "november.csv, line 5, date: '02/11/2026' is not a date like 2026-11-02",
        "november.csv, line 6, staff_id: no contact officer CO-9999",
        "november.csv, line 7, phase: phase '12' is not a phase number from 1 to 9",
        "november.csv, line 8, date: 2026-11-25 is in the future (today is 2026-11-24)",
        "november.csv, line 9, staff_id: CO-0001 phase 1 is already on line 2",
        "november.csv, line 10, record: a field holds a line break",
    )
    assert caught.value.message.startswith(
        "november.csv: nothing was imported; 8 problems to put right first:\n"
        "  november.csv, line 3, record: 3 fields"
    )
    assert _records(any_db) == before
    assert len(_training_audit(any_db)) == 1  # only the first, good import


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("staff,phase,date\n", "no staff_id column; unknown column 'staff'"),
        ("staff_id,phase,date,date\n", "column date given twice"),
    ],
)
def test_a_wrong_header_or_empty_file_is_refused(
    db: Database, tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(ValidationFailed, match=expected):
        import_training_csv(_ctx(db), _csv(tmp_path, text))


def test_a_file_that_is_not_utf8_is_refused_and_excels_bom_is_read(
    db: Database, tmp_path: Path
) -> None:
    _officers(db, None, "CO", 1)
    path = tmp_path / "latin.csv"
    path.write_bytes("staff_id,phase,date,course\nCO-0000,1,2026-10-01,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(ValidationFailed, match="not UTF-8 text"):
        import_training_csv(_ctx(db), path)
    path.write_bytes("\ufeffstaff_id,phase,date\nCO-0000,1,2026-10-01\n".encode())
    assert import_training_csv(_ctx(db), path).added == 1


def test_only_qa_leads_and_administrators_record_training(db: Database, tmp_path: Path) -> None:
    _officers(db, "Blue", "CO", 1)
    path = _csv(tmp_path, "staff_id,phase,date\nCO-0000,1,2026-10-01\n")
    supervisor = Actor(None, "sup", "Sup", Role.SUPERVISOR, team_id=1)
    with pytest.raises(PermissionDenied, match="A supervisor may not record and import"):
        import_training_csv(_ctx(db, supervisor), path)
    assert import_training_csv(_ctx(db, TEST_ADMIN), path).added == 1
    assert training_share(_ctx(db, supervisor), 1).total.trained == 1
    floorwalker = Actor(None, "fw", "Fw", Role.FLOORWALKER)
    with pytest.raises(PermissionDenied, match="may not see training records"):
        training_share(_ctx(db, floorwalker), 1)


def _train(db: Database, prefix: str, count: int, phase: int = 1) -> None:
    """Record ``count`` of ``prefix``'s officers trained for ``phase`` (one insert)."""
    with db.write() as session:
        ids = list(
            session.scalars(
                select(ContactOfficer.id)
                .where(ContactOfficer.staff_id.like(f"{prefix}-%"))  # type: ignore[attr-defined]
                .order_by(ContactOfficer.staff_id)
                .limit(count)
            )
        )
        session.execute(
            insert(TrainingRecord.__table__),  # type: ignore[attr-defined]
            [
                {
                    "contact_officer_id": i,
                    "phase": phase,
                    "trained_on": date(2026, 10, 1),
                    "course": "",
                    "recorded_at": FIXED_NOW,
                    "recorded_by": "test",
                    "row_version": 1,
                }
                for i in ids
            ],
        )


def test_the_share_trained_per_team_is_exact_at_the_90_percent_line(any_db: Database) -> None:
    _officers(any_db, "Amber", "AM", 1000)
    _train(any_db, "AM", 899)  # 89.9%: below
    _officers(any_db, "Blue", "BL", 1000)
    _train(any_db, "BL", 900)  # 90.0%: on the line
    _officers(any_db, "Green", "GR", 10)
    _train(any_db, "GR", 9)  # 9 of 10
    _officers(any_db, "Red", "RD", 19)
    _train(any_db, "RD", 17)  # 89.47%
    _train(any_db, "RD", 19, phase=2)  # another phase counts for nothing in phase 1
    _officers(any_db, "Red", "RX", 5, active=False)
    _train(any_db, "RX", 5)  # inactive officers are not counted
    _officers(any_db, None, "NT", 2)  # officers with no team

    report = training_share(_ctx(any_db), 1)
    got = {s.team: (s.trained, s.officers, s.percent_text, s.meets(90)) for s in report.teams}
    assert got == {
        "Amber": (899, 1000, "89.9%", False),
        "Blue": (900, 1000, "90.0%", True),
        "Green": (9, 10, "90.0%", True),
        "Red": (17, 19, "89.4%", False),
        None: (0, 2, "0.0%", False),
    }
    assert [s.team for s in report.teams] == ["Amber", "Blue", "Green", "Red", None]
    assert (report.total.trained, report.total.officers) == (1825, 2031)
    assert report.teams[0].percent == Fraction(899, 10)
    assert report.teams[1].percent == 90
    phase2 = {s.team: (s.trained, s.officers) for s in training_share(_ctx(any_db), 2).teams}
    assert phase2["Red"] == (19, 19) and phase2["Amber"] == (0, 1000)


def test_the_share_is_one_grouped_query_reading_no_officer_rows(any_db: Database) -> None:
    from sqlalchemy import event

    _officers(any_db, "Blue", "BL", 50)
    _train(any_db, "BL", 45)
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
        statements.append(statement)

    event.listen(any_db.engine, "before_cursor_execute", seen)
    try:
        report = training_share(_ctx(any_db), 1)
    finally:
        event.remove(any_db.engine, "before_cursor_execute", seen)
    assert (report.total.trained, report.total.officers) == (45, 50)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "GROUP BY" in selects[0] and "count(" in selects[0].lower()


def test_the_list_shows_trained_and_not_trained_per_team_and_phase(
    any_db: Database, tmp_path: Path
) -> None:
    _officers(any_db, "Blue", "BL", 2)
    _officers(any_db, "Red", "RD", 1)
    ctx = _ctx(any_db)
    import_training_csv(
        ctx,
        _csv(
            tmp_path,
            "staff_id,phase,date,course\nBL-0000,1,2026-10-01,E-learning\nRD-0000,2,2026-10-04,\n",
        ),
    )
    blue1 = list_training(ctx, team="Blue", phase=1)
    assert [(e.staff_id, e.trained_on, e.course) for e in blue1] == [
        ("BL-0000", date(2026, 10, 1), "E-learning"),
        ("BL-0001", None, ""),
    ]
    every = list_training(ctx)
    assert [(e.staff_id, e.phase, e.trained_on is not None) for e in every] == [
        ("BL-0000", 1, True),
        ("BL-0000", 2, False),
        ("BL-0001", 1, False),
        ("BL-0001", 2, False),
        ("RD-0000", 1, False),
        ("RD-0000", 2, True),
    ]
    with pytest.raises(ValidationFailed, match="no team called 'Pink'"):
        list_training(ctx, team="Pink")


def test_an_officer_added_through_people_can_be_trained(db: Database, tmp_path: Path) -> None:
    admin = _ctx(db, TEST_ADMIN)
    people.add_team(admin, "Blue", "eln-8h")
    people.add_contact_officer(admin, "CO-77", "Blue")
    path = _csv(tmp_path, "staff_id,phase,date\nCO-77,1,2026-11-24\n")  # today is allowed
    assert import_training_csv(_ctx(db), path).added == 1
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(TrainingRecord)) == 1


def test_a_long_list_of_problems_shows_twenty_then_how_many_more(
    db: Database, tmp_path: Path
) -> None:
    rows = "".join(f"CO-{n:04d},0,2026-10-01\n" for n in range(25))
    with pytest.raises(TrainingFileRejected) as caught:
        import_training_csv(_ctx(db), _csv(tmp_path, "staff_id,phase,date\n" + rows))
    # Each row has an unknown phase and an unknown staff id: 50 problems.
    assert len(caught.value.problems) == 50
    message = caught.value.message
    assert "50 problems" in message and message.endswith("\n  …and 30 more")
    assert message.count("training.csv, line ") == 20


def test_a_course_title_holding_personal_data_is_refused(db: Database, tmp_path: Path) -> None:
    _officers(db, None, "CO", 1)
    path = _csv(tmp_path, "staff_id,phase,date,course\nCO-0000,1,2026-10-01,Call 07700 900123\n")
    with pytest.raises(TrainingFileRejected) as caught:
        import_training_csv(_ctx(db), path)
    assert caught.value.problems == (
        "training.csv, line 2, course: looks like personal data; give the course's title only",
    )
    assert _records(db) == []
