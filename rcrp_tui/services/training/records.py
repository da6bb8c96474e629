"""Training records: import from CSV, list, and the share trained per team and phase.

The CSV has a header naming its columns: ``staff_id``, ``phase``, ``date`` (YYYY-MM-DD)
and, optionally, ``course``. Every record must have the header's number of fields. A file
with any wrong row is refused whole, each problem named by file, line and field; nothing
is written. A good file is written in one transaction with one audit row giving its
counts (added, changed, unchanged) and, for each corrected record, what it said before.
A row that matches the stored record exactly changes nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.domain.phases import parse_phase
from rcrp_tui.domain.shift_patterns import DEFAULT_TZ
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import Conflict, ServiceError, ValidationFailed
from rcrp_tui.services.core.free_text import find_personal_data
from rcrp_tui.storage.models import ContactOfficer, Team
from rcrp_tui.storage.training_models import COURSE_MAX, TrainingRecord

COLUMNS = ("staff_id", "phase", "date", "course")
REQUIRED = ("staff_id", "phase", "date")
#: Problems listed in the refusal before "and N more".
SHOWN_PROBLEMS = 20
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STAFF_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
_CHUNK = 500  # ids per IN (...) list, well inside both databases' parameter limits

_OFFICERS = ContactOfficer.__table__  # type: ignore[attr-defined]
_TEAMS = Team.__table__  # type: ignore[attr-defined]
_TRAINING = TrainingRecord.__table__  # type: ignore[attr-defined]
_CO = _OFFICERS.c
_T = _TEAMS.c
_TR = _TRAINING.c


class TrainingFileRejected(ServiceError):
    """The training CSV has wrong rows; ``problems`` names each (file, line, field)."""

    def __init__(self, file: str, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        shown = "\n  ".join(self.problems[:SHOWN_PROBLEMS])
        more = len(self.problems) - SHOWN_PROBLEMS
        tail = f"\n  …and {more:,} more" if more > 0 else ""
        count = len(self.problems)
        super().__init__(
            f"{file}: nothing was imported; {count:,} problem{'s' if count != 1 else ''} "
            f"to put right first:\n  {shown}{tail}"
        )


@dataclass(frozen=True)
class TrainingRow:
    line: int
    staff_id: str
    phase: int
    trained_on: date
    course: str


@dataclass(frozen=True)
class TrainingImport:
    file: str
    rows: int
    added: int
    changed: int
    unchanged: int


@dataclass(frozen=True)
class TrainingEntry:
    """One officer and phase: trained (date and course) or not (``trained_on`` None)."""

    staff_id: str
    team: str | None
    phase: int
    trained_on: date | None
    course: str


@dataclass(frozen=True)
class TrainingShare:
    """How many of a team's active contact officers are trained for a phase (``team``
    None: officers with no team; ``TrainingShareReport.total``: everyone)."""

    phase: int
    team: str | None
    trained: int
    officers: int

    @property
    def fraction(self) -> Fraction | None:
        return Fraction(self.trained, self.officers) if self.officers else None

    @property
    def percent(self) -> Fraction | None:
        """The exact percentage (None when the team has no active officers)."""
        return None if self.fraction is None else self.fraction * 100

    def meets(self, threshold_percent: int) -> bool:
        """True when at least ``threshold_percent`` % are trained, in exact whole numbers
        (899 of 1,000 is below 90; 900 of 1,000 meets it). No officers meets nothing."""
        return self.officers > 0 and self.trained * 100 >= threshold_percent * self.officers

    @property
    def percent_text(self) -> str:
        """One decimal place, rounded down, so a share below a line never reads as on it
        (8,999 of 10,000 is 89.9%, not 90.0%)."""
        if self.percent is None:
            return "no officers"
        tenths = (self.percent * 10).__floor__()
        return f"{tenths // 10}.{tenths % 10}%"


@dataclass(frozen=True)
class TrainingShareReport:
    phase: int
    teams: tuple[TrainingShare, ...]
    total: TrainingShare


# --- reading the file ---------------------------------------------------------------


def _problem(file: str, line: int, field: str, reason: str) -> str:
    return f"{file}, line {line:,}, {field}: {reason}"


def read_training_csv(
    path: Path,
    today: date,
    problems: list[str],
    named: list[tuple[int, str]] | None = None,
) -> list[TrainingRow]:
    """The file's rows that are well formed; each wrong one adds to ``problems``.

    ``named`` gains (line, staff id) for every record with a well-formed staff id, wrong
    or not, so an unknown staff id is reported with the row's other problems."""
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            name, f"the file is not UTF-8 text (byte {exc.start:,}); save it as CSV UTF-8"
        ) from None
    except OSError as exc:
        raise ValidationFailed(name, f"cannot read the file ({exc.strerror or exc})") from None
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationFailed(
            name, "the file is empty; the first line must be the header staff_id,phase,date"
        ) from None
    except csv.Error as exc:
        raise ValidationFailed(name, f"line 1: the header is not CSV ({exc})") from None
    names = [h.strip().lower() for h in header]
    unknown = [h for h in names if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in names]
    repeated = sorted({h for h in names if names.count(h) > 1})
    if unknown or missing or repeated:
        said = []
        if missing:
            said.append(f"no {', '.join(missing)} column")
        if unknown:
            said.append(f"unknown column {', '.join(repr(u) for u in unknown)}")
        if repeated:
            said.append(f"column {', '.join(repeated)} given twice")
        raise ValidationFailed(
            name,
            f"line 1: the header must name staff_id, phase, date and optionally course "
            f"({'; '.join(said)})",
        )
    where = {h: names.index(h) for h in names}
    rows: list[TrainingRow] = []
    seen: dict[tuple[str, int], int] = {}
    line = 1
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(_problem(name, start, "record", f"not valid CSV ({exc})"))
            break
        line = start
        if not values:
            continue  # a blank line holds no record
        if len(values) != len(names):
            problems.append(
                _problem(
                    name,
                    line,
                    "record",
                    f"{len(values)} fields, the header has {len(names)}",
                )
            )
            continue
        if reader.line_num != start:
            problems.append(_problem(name, line, "record", "a field holds a line break"))
            continue
        staff_id = values[where["staff_id"]].strip()
        if named is not None and _STAFF_ID_RE.match(staff_id):
            named.append((line, staff_id))
        row = _convert(name, line, values, where, today, problems)
        if row is None:
            continue
        key = (row.staff_id, row.phase)
        if key in seen:
            problems.append(
                _problem(
                    name,
                    line,
                    "staff_id",
                    f"{row.staff_id} phase {row.phase} is already on line {seen[key]:,}",
                )
            )
            continue
        seen[key] = line
        rows.append(row)
    return rows


def _convert(
    name: str,
    line: int,
    values: Sequence[str],
    where: dict[str, int],
    today: date,
    problems: list[str],
) -> TrainingRow | None:
    before = len(problems)
    staff_id = values[where["staff_id"]].strip()
    if not staff_id:
        problems.append(_problem(name, line, "staff_id", "empty; give the officer's staff id"))
    elif not _STAFF_ID_RE.match(staff_id):
        problems.append(
            _problem(
                name,
                line,
                "staff_id",
                f"{staff_id!r} is not a staff id (letters, digits and '-', at most 32)",
            )
        )
    phase = 0
    try:
        phase = parse_phase(values[where["phase"]])
    except ValueError as exc:
        problems.append(_problem(name, line, "phase", str(exc)))
    raw_date = values[where["date"]].strip()
    trained_on = None
    if not _DATE_RE.match(raw_date):
        problems.append(_problem(name, line, "date", f"{raw_date!r} is not a date like 2026-11-02"))
    else:
        try:
            trained_on = date.fromisoformat(raw_date)
        except ValueError:
            problems.append(_problem(name, line, "date", f"{raw_date!r} is not a real date"))
        else:
            if trained_on > today:
                problems.append(
                    _problem(name, line, "date", f"{raw_date} is in the future (today is {today})")
                )
    course = values[where["course"]].strip() if "course" in where else ""
    if len(course) > COURSE_MAX:
        problems.append(
            _problem(name, line, "course", f"{len(course)} characters, at most {COURSE_MAX}")
        )
    if len(problems) > before or trained_on is None:
        return None
    return TrainingRow(line, staff_id, phase, trained_on, course)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


# --- writing ------------------------------------------------------------------------


def import_training_csv(ctx: Ctx, path: Path) -> TrainingImport:
    """Import a training CSV all or nothing (see the module's docstring)."""
    ctx.require(Permission.RECORD_TRAINING)
    today = ctx.clock.now().astimezone(DEFAULT_TZ).date()
    problems: list[str] = []
    named: list[tuple[int, str]] = []
    rows = read_training_csv(path, today, problems, named)
    return import_training_rows(ctx, path.name, rows, problems, named)


def import_training_rows(
    ctx: Ctx,
    name: str,
    rows: Sequence[TrainingRow],
    problems: list[str] | None = None,
    named: Sequence[tuple[int, str]] | None = None,
) -> TrainingImport:
    """Write well-formed ``rows`` (from ``name``) all or nothing, audited once.

    ``problems`` already found in the file are reported with those found here (unknown
    staff ids, of ``named`` or else of ``rows``; personal data in a course title); any
    problem means nothing is written.
    """
    problems = [] if problems is None else problems
    if named is None:
        named = [(r.line, r.staff_id) for r in rows]
    with ctx.writing(Permission.RECORD_TRAINING) as session:
        officers = _officer_ids(session, sorted({staff_id for _line, staff_id in named}))
        for line, staff_id in named:
            if staff_id not in officers:
                problems.append(_problem(name, line, "staff_id", f"no contact officer {staff_id}"))
        for row in rows:
            if row.course and find_personal_data(ctx, row.course):
                problems.append(
                    _problem(
                        name,
                        row.line,
                        "course",
                        "looks like personal data; give the course's title only",
                    )
                )
        if problems:
            problems.sort(key=_line_of)
            raise TrainingFileRejected(name, problems)
        stored = _stored(session, sorted(set(officers.values())))
        added = changed = unchanged = 0
        corrected: list[dict[str, Any]] = []
        now = ctx.clock.now()
        for row in rows:
            officer_id = officers[row.staff_id]
            record = stored.get((officer_id, row.phase))
            if record is None:
                session.add(
                    TrainingRecord(
                        contact_officer_id=officer_id,
                        phase=row.phase,
                        trained_on=row.trained_on,
                        course=row.course,
                        recorded_at=now,
                        recorded_by=ctx.actor.username,
                    )
                )
                added += 1
            elif record.trained_on == row.trained_on and record.course == row.course:
                unchanged += 1
            else:
                corrected.append(
                    {
                        "staff_id": row.staff_id,
                        "phase": row.phase,
                        "trained_on": record.trained_on,
                        "course": record.course,
                        "now_trained_on": row.trained_on,
                        "now_course": row.course,
                    }
                )
                record.trained_on = row.trained_on
                record.course = row.course
                record.recorded_at = now
                record.recorded_by = ctx.actor.username
                session.add(record)
                changed += 1
        _flush_or_conflict(session, name)
        result = TrainingImport(name, len(rows), added, changed, unchanged)
        audit.record(
            session,
            ctx,
            "training_imported",
            "training_records",
            None,
            before={"changed": corrected} if corrected else None,
            after={
                "file": name,
                "rows": len(rows),
                "added": added,
                "changed": changed,
                "unchanged": unchanged,
            },
        )
        return result


def _flush_or_conflict(session: Session, name: str) -> None:
    """Write the rows; two imports adding the same officer and phase at once (the unique
    constraint refuses the second) are told so, in words, and nothing of this one stays.
    Any other integrity error is not that race and is not reported as one. PostgreSQL
    names the constraint; SQLite lists its columns."""
    try:
        session.flush()
    except IntegrityError as exc:
        text = str(exc.orig)
        if "uq_training_officer_phase" not in text and "training_records.phase" not in text:
            raise
        raise Conflict(
            f"Someone else imported training for the same officers at the same moment; "
            f"nothing was imported from {name}. Import it again: what they imported counts "
            "as unchanged."
        ) from None


def _line_of(problem: str) -> int:
    match = re.search(r", line ([\d,]+), ", problem)
    return int(match.group(1).replace(",", "")) if match else 0


def _officer_ids(session: Session, staff_ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(staff_ids):
        for staff_id, officer_id in session.execute(
            select(_CO.staff_id, _CO.id).where(_CO.staff_id.in_(chunk))
        ):
            found[staff_id] = officer_id
    return found


def _stored(session: Session, officer_ids: Sequence[int]) -> dict[tuple[int, int], TrainingRecord]:
    stored: dict[tuple[int, int], TrainingRecord] = {}
    for chunk in _chunks(officer_ids):
        for record in session.scalars(
            select(TrainingRecord).where(_TR.contact_officer_id.in_(chunk))
        ):
            stored[(record.contact_officer_id, record.phase)] = record
    return stored


# --- reading ------------------------------------------------------------------------


def _check_team(session: Session, team: str | None) -> None:
    if team is not None and session.execute(select(_T.id).where(_T.name == team)).first() is None:
        raise ValidationFailed("team", f"no team called {team!r}")


def recorded_phases(ctx: Ctx) -> list[int]:
    """The phases any training is recorded for, in order."""
    ctx.require(Permission.VIEW_TRAINING)
    with ctx.db.read() as session:
        return list(session.scalars(select(_TR.phase).distinct().order_by(_TR.phase)))


def list_training(
    ctx: Ctx, *, team: str | None = None, phase: int | None = None
) -> list[TrainingEntry]:
    """Each active contact officer (of ``team``) for ``phase`` (else for each phase any
    training is recorded for): trained with date and course, or not trained."""
    ctx.require(Permission.VIEW_TRAINING)
    phases = [phase] if phase is not None else recorded_phases(ctx)
    entries: list[TrainingEntry] = []
    with ctx.db.read() as session:
        _check_team(session, team)
        for number in phases:
            query = (
                select(_CO.staff_id, _T.name, _TR.trained_on, _TR.course)
                .select_from(_OFFICERS)
                .outerjoin(_TEAMS, _T.id == _CO.team_id)
                .outerjoin(_TRAINING, and_(_TR.contact_officer_id == _CO.id, _TR.phase == number))
                .where(_CO.active.is_(True))
                .order_by(_CO.staff_id)
            )
            if team is not None:
                query = query.where(_T.name == team)
            entries.extend(
                TrainingEntry(staff_id, team_name, number, trained_on, course or "")
                for staff_id, team_name, trained_on, course in session.execute(query)
            )
    entries.sort(key=lambda e: (e.staff_id, e.phase))
    return entries


def training_share(ctx: Ctx, phase: int) -> TrainingShareReport:
    """Active contact officers and how many are trained for ``phase``, per team and in
    all, counted by the database (one grouped query; no officer rows are read)."""
    ctx.require(Permission.VIEW_TRAINING)
    with ctx.db.read() as session:
        query = (
            select(_T.name, func.count(_CO.id), func.count(_TR.id))
            .select_from(_OFFICERS)
            .outerjoin(_TEAMS, _T.id == _CO.team_id)
            .outerjoin(_TRAINING, and_(_TR.contact_officer_id == _CO.id, _TR.phase == phase))
            .where(_CO.active.is_(True))
            .group_by(_T.name)
        )
        teams = [
            TrainingShare(phase, name, int(trained), int(officers))
            for name, officers, trained in session.execute(query)
        ]
    teams.sort(key=lambda s: (s.team is None, s.team or ""))
    total = TrainingShare(
        phase, None, sum(s.trained for s in teams), sum(s.officers for s in teams)
    )
    return TrainingShareReport(phase, tuple(teams), total)
