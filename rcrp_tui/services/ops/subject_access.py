"""A subject access export: everything the product holds about one staff id.

For a contact officer's subject access request (Data Protection Act 2018, Part 3): the
person's record and accounts, the decisions they handled, the reviews of those decisions
(scores, answers and comments), the coaching notes about them, their acknowledgements,
the partner appeals about their decisions, the calibration scores and answers they gave
as a grader (one of their accounts; a calibration score tests the grader, so it is
personal data about them, drafts included), and every audit row that names them, as the
actor (one of their accounts) or as the subject (their accounts, their contact officer
record, their decisions, the reviews of them, the coaching notes about them, the appeals
about their decisions, their calibration scores).

QA leads and administrators only. The file is Markdown or PDF, marked OFFICIAL-SENSITIVE
at the top and bottom (PDF: on every page), written owner-only through
``private_files``; fpdf2 is imported only when a PDF is asked for. Each section is read a
page of rows at a time (keyset pages by id) and, for Markdown, written as it is read, so a
person with years of decisions never puts a whole table in memory. The export adds one
audit row: who exported, about which staff id, in which format and how many records of
each kind: never their content.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy import Connection, Select, String, and_, cast, or_, select

from rcrp_tui.domain.clock import ensure_utc
from rcrp_tui.domain.permissions import Permission
from rcrp_tui.private_files import open_private_text, write_private
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import NotFound, ValidationFailed
from rcrp_tui.services.core.export_marking import MARKING, md_cell
from rcrp_tui.storage.appeal_models import appeals_table
from rcrp_tui.storage.calibration_models import (
    calibration_answers_table,
    calibration_scores_table,
    calibration_sessions_table,
)
from rcrp_tui.storage.coaching_models import coaching_notes_table
from rcrp_tui.storage.models import (
    audit_table,
    contact_officers_table,
    decisions_table,
    teams_table,
    users_table,
)
from rcrp_tui.storage.review_models import review_answers_table, reviews_table
from rcrp_tui.storage.training_models import training_records_table

#: Rows read per query: a page of one section.
PAGE_SIZE = 1000
EMPTY = "\u2014"

_D, _R, _N = decisions_table.c, reviews_table.c, coaching_notes_table.c
_A, _U, _AP = audit_table.c, users_table.c, appeals_table.c
_ANS = review_answers_table.c
_TR = training_records_table.c
_CS, _CA = calibration_scores_table.c, calibration_answers_table.c
_CSESS = calibration_sessions_table.c


class SubjectFormat(StrEnum):
    MARKDOWN = "md"
    PDF = "pdf"


@dataclass(frozen=True)
class SubjectAccessResult:
    path: Path
    staff_id: str
    counts: dict[str, int]


class Writer(Protocol):
    """Where the export goes: Markdown written as it is read, or a PDF built up."""

    def heading(self, level: int, text: str) -> None: ...

    def paragraph(self, text: str) -> None: ...

    def table(self, header: tuple[str, ...], rows: Iterator[tuple[str, ...]]) -> int: ...


def cell(value: object) -> str:
    """A stored value as the export shows it: UTC times to the minute, yes/no, an em dash
    for nothing."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{ensure_utc(value):%Y-%m-%d %H:%M}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class MarkdownWriter:
    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def heading(self, level: int, text: str) -> None:
        self.out.write(f"{'#' * level} {md_cell(text)}\n\n")

    def paragraph(self, text: str) -> None:
        self.out.write(f"{text}\n\n")

    def table(self, header: tuple[str, ...], rows: Iterator[tuple[str, ...]]) -> int:
        n = 0
        for row in rows:
            if n == 0:
                self.out.write("| " + " | ".join(header) + " |\n")
                self.out.write("|" + " --- |" * len(header) + "\n")
            self.out.write("| " + " | ".join(md_cell(c) for c in row) + " |\n")
            n += 1
        self.out.write("\n" if n else "None.\n\n")
        return n


# --- the sections ------------------------------------------------------------------------


def _pages(conn: Connection, stmt: Select[Any], id_column: Any) -> Iterator[Any]:
    """Every row of ``stmt`` in id order, read ``PAGE_SIZE`` at a time."""
    after: int | None = None
    while True:
        page_stmt = stmt.order_by(id_column).limit(PAGE_SIZE)
        if after is not None:
            page_stmt = page_stmt.where(id_column > after)
        page = conn.execute(page_stmt).all()
        yield from page
        if len(page) < PAGE_SIZE:
            return
        after = page[-1].id


def _cells(rows: Iterator[Any]) -> Iterator[tuple[str, ...]]:
    for row in rows:
        yield tuple(cell(v) for v in row)


def _json(raw: str | None) -> str:
    if not raw:
        return EMPTY
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class _Subject:
    """The staff id's rows, and the conditions that find everything about them."""

    def __init__(self, conn: Connection, staff_id: str) -> None:
        co = contact_officers_table.c
        found = conn.execute(
            select(co.id, co.staff_id, co.active, teams_table.c.name)
            .select_from(contact_officers_table)
            .outerjoin(teams_table, teams_table.c.id == co.team_id)
            .where(co.staff_id == staff_id)
        ).first()
        if found is None:
            raise NotFound(
                f"There is no contact officer with staff id {staff_id}; nothing was written."
            )
        self.officer_id, self.staff_id, self.active, self.team = found
        self.user_ids = list(
            conn.execute(select(_U.id).where(_U.contact_officer_id == self.officer_id)).scalars()
        )
        self.decisions = _D.contact_officer_id == self.officer_id
        self.their_decision_ids = select(_D.id).where(self.decisions)
        self.their_review_ids = select(_R.id).where(_R.decision_id.in_(self.their_decision_ids))
        self.their_note_ids = select(_N.id).where(_N.contact_officer_id == self.officer_id)
        self.their_appeal_ids = select(_AP.id).where(_AP.decision_id.in_(self.their_decision_ids))
        # As a grader: a calibration score tests the person who gave it (their accounts).
        self.graded = _CS.grader_user_id.in_(self.user_ids)
        self.their_calibration_score_ids = select(_CS.id).where(self.graded)

    def audit_condition(self) -> Any:
        def named(entity: str, ids: Any) -> Any:
            return and_(_A.entity == entity, _A.entity_id.in_(ids))

        def as_text(query: Select[Any]) -> Any:
            (column,) = query.selected_columns
            return query.with_only_columns(cast(column, String))

        users = [str(u) for u in self.user_ids]
        return or_(
            _A.actor_user_id.in_(self.user_ids),
            named("user", users),
            named("contact_officer", [str(self.officer_id)]),
            named("decision", as_text(self.their_decision_ids)),
            named("review", as_text(self.their_review_ids)),
            named("coaching_note", as_text(self.their_note_ids)),
            named("appeal", as_text(self.their_appeal_ids)),
            named("calibration_score", as_text(self.their_calibration_score_ids)),
        )


def _write(conn: Connection, subject: _Subject, out: Writer, ctx: Ctx) -> dict[str, int]:
    counts: dict[str, int] = {}
    out.heading(1, f"Subject access export: staff id {subject.staff_id}")
    out.paragraph(
        f"Everything rcrp-tui holds about staff id {subject.staff_id}, exported "
        f"{cell(ctx.clock.now())} by {ctx.actor.username} ({ctx.actor.role.value}). "
        "Times are UTC. The sections are: accounts, training records, decisions handled, "
        "reviews of those decisions, review answers and comments, coaching notes, "
        "acknowledgements, partner appeals about those decisions, their calibration scores "
        "and answers as a grader, and audit rows naming the person."
    )
    out.heading(2, "Contact officer record and accounts")
    out.paragraph(
        f"Contact officer {subject.officer_id}: team {subject.team or EMPTY}, "
        f"{'active' if subject.active else 'inactive'}."
    )
    counts["accounts"] = out.table(
        ("account", "username", "name", "role", "active", "created"),
        _cells(
            _pages(
                conn,
                select(
                    _U.id, _U.username, _U.display_name, _U.role, _U.active, _U.created_at
                ).where(_U.contact_officer_id == subject.officer_id),
                _U.id,
            )
        ),
    )
    out.heading(2, "Training records")
    counts["training records"] = out.table(
        ("record", "phase", "trained on", "course", "recorded", "recorded by"),
        _cells(
            _pages(
                conn,
                select(
                    _TR.id, _TR.phase, _TR.trained_on, _TR.course, _TR.recorded_at, _TR.recorded_by
                ).where(_TR.contact_officer_id == subject.officer_id),
                _TR.id,
            )
        ),
    )
    out.heading(2, "Decisions handled")
    counts["decisions"] = out.table(
        ("id", "CAD ref", "received", "category", "caller", "outcome", "threshold", "rationale"),
        _cells(
            _pages(
                conn,
                select(
                    _D.id,
                    _D.cad_ref,
                    _D.received_at,
                    _D.category,
                    _D.caller_type,
                    _D.outcome,
                    _D.threshold_basis,
                    _D.rationale,
                ).where(subject.decisions),
                _D.id,
            )
        ),
    )
    out.heading(2, "Reviews of those decisions")
    review_query = (
        select(
            _R.id,
            _D.cad_ref,
            _R.status,
            _R.score,
            _R.passed,
            _R.band,
            _R.judgement,
            _R.failed_critical,
            _R.submitted_at,
            _R.moderation_outcome,
            _R.moderation_reason,
            _R.released_at,
        )
        .join(decisions_table, _D.id == _R.decision_id)
        .where(subject.decisions)
    )
    counts["reviews"] = out.table(
        (
            "id",
            "CAD ref",
            "status",
            "score",
            "passed",
            "band",
            "judgement",
            "failed critical",
            "submitted",
            "moderation",
            "moderation reason",
            "released",
        ),
        _cells(_pages(conn, review_query, _R.id)),
    )
    out.heading(2, "Review answers and comments")
    counts["review answers"] = out.table(
        ("answer id", "review", "criterion", "answer", "comment"),
        _cells(
            _pages(
                conn,
                select(_ANS.id, _ANS.review_id, _ANS.criterion_code, _ANS.answer, _ANS.note)
                .join(reviews_table, _R.id == _ANS.review_id)
                .join(decisions_table, _D.id == _R.decision_id)
                .where(subject.decisions),
                _ANS.id,
            )
        ),
    )
    out.heading(2, "Coaching notes")
    counts["coaching notes"] = out.table(
        (
            "id",
            "written",
            "review",
            "theme",
            "criteria",
            "went well",
            "to develop",
            "agreed actions",
            "follow up on",
            "status",
            "closed",
        ),
        _cells(
            _pages(
                conn,
                select(
                    _N.id,
                    _N.created_at,
                    _N.review_id,
                    _N.theme,
                    _N.criteria_codes,
                    _N.went_well,
                    _N.to_develop,
                    _N.agreed_actions,
                    _N.follow_up_on,
                    _N.status,
                    _N.closed_at,
                ).where(_N.contact_officer_id == subject.officer_id),
                _N.id,
            )
        ),
    )
    out.heading(2, "Acknowledgements")
    acknowledged = out.table(
        ("review", "acknowledged", "comment"),
        _cells(
            _pages(
                conn,
                select(_R.id, _R.acknowledged_at, _R.acknowledgement_comment)
                .join(decisions_table, _D.id == _R.decision_id)
                .where(subject.decisions, _R.acknowledged_at.is_not(None)),
                _R.id,
            )
        ),
    )
    acknowledged += out.table(
        ("coaching note", "acknowledged", "comment"),
        _cells(
            _pages(
                conn,
                select(_N.id, _N.acknowledged_at, _N.acknowledgement_comment).where(
                    _N.contact_officer_id == subject.officer_id, _N.acknowledged_at.is_not(None)
                ),
                _N.id,
            )
        ),
    )
    counts["acknowledgements"] = acknowledged
    out.heading(2, "Partner appeals about those decisions")
    counts["appeals"] = out.table(
        (
            "id",
            "CAD ref",
            "route",
            "partner",
            "organisation",
            "original decision",
            "received",
            "outcome",
            "decided",
            "rationale",
        ),
        _cells(
            _pages(
                conn,
                select(
                    _AP.id,
                    _AP.cad_ref,
                    _AP.route,
                    _AP.partner_type,
                    _AP.partner_org,
                    _AP.original_decision,
                    _AP.received_at,
                    _AP.outcome,
                    _AP.decided_at,
                    _AP.rationale,
                ).where(_AP.decision_id.in_(subject.their_decision_ids)),
                _AP.id,
            )
        ),
    )
    _calibration(conn, subject, out, counts)
    out.heading(2, "Audit rows naming them")

    def audit_rows() -> Iterator[tuple[str, ...]]:
        stmt = select(
            _A.id,
            _A.at,
            _A.actor,
            _A.actor_role,
            _A.action,
            _A.entity,
            _A.entity_id,
            _A.before_json,
            _A.after_json,
        ).where(subject.audit_condition())
        for row in _pages(conn, stmt, _A.id):
            *head, before, after = row
            yield (*(cell(v) for v in head), _json(before), _json(after))

    counts["audit rows"] = out.table(
        ("row", "at", "actor", "role", "action", "record", "record id", "before", "after"),
        audit_rows(),
    )
    out.paragraph(f"End of the export about staff id {subject.staff_id}.")
    return counts


def _calibration(conn: Connection, subject: _Subject, out: Writer, counts: dict[str, int]) -> None:
    """Their calibration scores and answers as a grader (docs/calibration.md): a test of
    how they grade, so personal data about them, drafts included."""
    out.heading(2, "Calibration scores given as a grader")
    counts["calibration scores"] = out.table(
        ("score", "session", "session title", "CAD ref", "status", "judgement", "started",
         "submitted"),
        _cells(
            _pages(
                conn,
                select(
                    _CS.id, _CS.session_id, _CSESS.title, _D.cad_ref, _CS.status, _CS.judgement,
                    _CS.created_at, _CS.submitted_at,
                )
                .join(calibration_sessions_table, _CSESS.id == _CS.session_id)
                .join(decisions_table, _D.id == _CS.decision_id)
                .where(subject.graded),
                _CS.id,
            )
        ),
    )  # fmt: skip
    out.heading(2, "Calibration answers given as a grader")
    counts["calibration answers"] = out.table(
        ("answer id", "session", "CAD ref", "criterion", "answer", "comment", "status",
         "submitted"),
        _cells(
            _pages(
                conn,
                select(
                    _CA.id, _CS.session_id, _D.cad_ref, _CA.criterion_code, _CA.answer,
                    _CA.note, _CS.status, _CS.submitted_at,
                )
                .join(calibration_scores_table, _CS.id == _CA.score_id)
                .join(decisions_table, _D.id == _CS.decision_id)
                .where(subject.graded),
                _CA.id,
            )
        ),
    )  # fmt: skip


def export_subject_access(
    ctx: Ctx, staff_id: str, output: Path, fmt: SubjectFormat = SubjectFormat.MARKDOWN
) -> SubjectAccessResult:
    """Write everything held about ``staff_id`` to ``output`` and audit the export."""
    ctx.require(Permission.EXPORT_SUBJECT_ACCESS)
    staff_id = staff_id.strip()
    if not staff_id:
        raise ValidationFailed("staff id", "say whose records to export")
    if output.is_dir():
        raise ValidationFailed("output", f"{output} is a folder; name the file to write")
    if not output.parent.is_dir():
        raise ValidationFailed("output", f"{output.parent}: no such folder")
    with ctx.db.read() as session:
        options = {} if ctx.db.is_sqlite else {"isolation_level": "REPEATABLE READ"}
        conn = session.connection(execution_options=options)  # one snapshot throughout
        subject = _Subject(conn, staff_id)
        try:
            if fmt is SubjectFormat.PDF:
                # Imported here: fpdf2 is only loaded by someone who asks for a PDF.
                from rcrp_tui.services.ops.subject_access_pdf import PdfWriter

                pdf = PdfWriter(f"Subject access: {subject.staff_id}")
                counts = _write(conn, subject, pdf, ctx)
                write_private(output, pdf.output())
            else:
                with open_private_text(output) as out:
                    out.write(f"**{MARKING}**\n\n")
                    counts = _write(conn, subject, MarkdownWriter(out), ctx)
                    out.write(f"**{MARKING}**\n")
        except OSError as exc:
            _remove(output)
            raise ValidationFailed("output", f"{output} cannot be written: {exc}") from None
        except BaseException:
            _remove(output)  # never leave half an export of someone's records behind
            raise
    try:
        with ctx.writing(Permission.EXPORT_SUBJECT_ACCESS) as session:
            audit.record(
                session,
                ctx,
                "subject_access_exported",
                "contact_officer",
                subject.officer_id,
                after={"staff_id": subject.staff_id, "format": fmt.value, "counts": counts},
            )
    except BaseException:
        _remove(output)  # an export the audit log does not record must not exist
        raise
    return SubjectAccessResult(output, subject.staff_id, counts)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
