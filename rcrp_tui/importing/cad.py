"""Importing a CAD export (CSV, or an .xlsx workbook) into decisions, through a profile.

The file is streamed: read through the ``csv`` module in one pass, in constant memory,
with its SHA-256 and the bytes read (for the progress bar) taken from the same pass.
Before anything is written the file must prove it is readable: not empty, not binary,
in the profile's encoding, with every mapped column in its header.

Other terminals keep working while a file is imported. The whole file is read, converted
and staged in temporary tables on the import's own connection first, holding no lock on
the database; then one short write transaction merges the staged rows into
``decisions`` (``importing.merge``), writes the audit row and closes the import's
``import_runs`` marker. So the import is still all or nothing (a file that turns out to
be unreadable half-way, a byte in the wrong encoding or a broken quote, leaves nothing
behind), but the write lock is held for the merge only. One import runs at a time
(``importing.runs``).

Only the columns the profile maps are ever taken from a row: the others (addresses,
names, narrative) are parsed past by the ``csv`` module and dropped at once. That holds
for the rejects file too, which repeats a rejected row's mapped columns only.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import Connection
from sqlmodel import Session

from rcrp_tui.domain.permissions import Permission
from rcrp_tui.importing.errors import ImportFailed as ImportFailed
from rcrp_tui.importing.errors import ImportRunning as ImportRunning
from rcrp_tui.importing.fastpath import FastPath
from rcrp_tui.importing.incidents import SkippedIncidents
from rcrp_tui.importing.merge import Merge
from rcrp_tui.importing.profile import ImportProfile
from rcrp_tui.importing.report import (
    MAX_DISTINCT,
    SHOWN_REJECTS,
    ImportReport,
    ValueTally,
    unmapped_path_for,
)
from rcrp_tui.importing.rows import BrokenRecord, RowConverter, RowRejected, RowSkipped
from rcrp_tui.importing.runs import ImportRun, import_run
from rcrp_tui.importing.writer import BatchWriter, officer_lookup, team_lookup
from rcrp_tui.importing.xlsx import SheetReader, check_workbook_file, file_sha256, is_workbook
from rcrp_tui.private_files import open_private_text
from rcrp_tui.services.core import audit
from rcrp_tui.services.core.context import Ctx

DEFAULT_BATCH_SIZE = 5_000
#: How much of the file is checked for NUL bytes (text never has them) before reading.
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class ImportSummary:
    """What one import did. ``skipped_by_code`` counts non-RCRP rows by ``column=code``."""

    file_name: str
    sha256: str
    profile: str
    source_system: str
    total_rows: int
    inserted: int
    updated: int
    rejected: int
    skipped_by_code: dict[str, int] = field(default_factory=dict)
    rejects_path: Path | None = None
    #: Rows already stored with the same values: not written again.
    unchanged: int = 0
    #: Rows the SQL fast path converted and wrote (the rest took the Python path).
    fast_rows: int = 0
    #: The worksheet read, for an Excel workbook (its row numbers are the sheet's).
    sheet: str | None = None
    #: Things the person should know that are not counts (an earlier import that never
    #: finished, a rejects file that could not be renamed).
    notes: tuple[str, ...] = ()
    #: A dry run: the counts say what an import would do; nothing was written.
    dry_run: bool = False
    #: Counts by category and outcome, unmapped values, keys that never matched.
    report: ImportReport = field(default_factory=ImportReport)
    #: With ``[rows] duplicates``: the incidents (distinct CAD references) the rows
    #: made or skipped; inserted ... skipped then count incidents, not rows.
    incidents: int | None = None

    @property
    def skipped(self) -> int:
        return sum(self.skipped_by_code.values())

    def describe(self) -> str:
        """A few lines for a person: the counts, the commonest skipped codes, rejects."""
        would = "would insert" if self.dry_run else "inserted"
        by_incident = (
            f", {self.incidents:,} incidents (counted by incident; rejects by row)"
            if self.incidents is not None
            else ""
        )
        lines = [
            f"{'Dry run, nothing written: ' if self.dry_run else ''}"
            f"{self.file_name} ({self.profile} profile, source {self.source_system}): "
            f"{self.total_rows:,} rows read{by_incident}",
            f"  {would} {self.inserted:,}, {'update' if self.dry_run else 'updated'} "
            f"{self.updated:,}, unchanged {self.unchanged:,}, "
            f"{'skip' if self.dry_run else 'skipped'} {self.skipped:,} (not RCRP calls), "
            f"{'reject' if self.dry_run else 'rejected'} {self.rejected:,}",
        ]
        if self.skipped_by_code:
            top = sorted(self.skipped_by_code.items(), key=lambda item: (-item[1], item[0]))
            shown = ", ".join(f"{code} {n:,}" for code, n in top[:8])
            more = f" and {len(top) - 8} more codes" if len(top) > 8 else ""
            lines.append(f"  skipped by code: {shown}{more}")
        if self.rejects_path is not None:
            lines.append(f"  rejected rows, with line numbers and reasons: {self.rejects_path}")
        lines.extend(self.report.lines(self.rejected, self.rejects_path))
        lines.extend(f"  note: {note}" for note in self.notes)
        if self.sheet is not None:
            lines.insert(1, f"  sheet {self.sheet!r}: line numbers are its row numbers")
        return "\n".join(lines)

    def audit_record(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            **({"sheet": self.sheet} if self.sheet is not None else {}),
            "sha256": self.sha256,
            "profile": self.profile,
            "source_system": self.source_system,
            "total_rows": self.total_rows,
            **({"incidents": self.incidents} if self.incidents is not None else {}),
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rejected": self.rejected,
            **self.report.audit_record(),
        }


class _Tap(io.RawIOBase):
    """Counts and hashes the bytes on their way from the file to the text decoder."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self.sha256.update(memoryview(buffer)[:n])
            self.bytes_read += n
        return n or 0


def _python_encoding(encoding: str) -> str:
    # A UTF-8 byte-order mark (Excel writes one) is not part of the first column's name.
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def _check_not_binary(path: Path) -> int:
    try:
        size = path.stat().st_size
        with path.open("rb") as raw:
            head = raw.read(SNIFF_BYTES)
    except OSError as exc:
        raise ImportFailed(f"{path.name}: cannot read the file: {exc.strerror}") from None
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise ImportFailed(f"{path.name}: the file is empty")
    if head.startswith(b"PK\x03\x04"):
        raise ImportFailed(
            f"{path.name}: the file is a zip archive, such as an Excel workbook: give a "
            "workbook an .xlsx name to import it. Nothing was imported."
        )
    if b"\x00" in head:
        raise ImportFailed(
            f"{path.name}: the file contains NUL bytes: it is a binary file (or UTF-16 text), "
            "not a CSV export"
        )
    return size


def _locate_decode_error(path: Path, encoding: str) -> tuple[int, int]:
    """The line and byte offset of the first undecodable byte (only run on failure: the
    streaming decoder works in large chunks and cannot say where in a chunk it stopped)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, lines = 0, 1
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad = max(offset - len(pending) + exc.start, offset)
                return lines + chunk[: bad - offset].count(b"\n"), bad
            offset += len(chunk)
            lines += chunk.count(b"\n")
    return lines, offset


def _header_indexes(path: Path, header: list[str], profile: ImportProfile) -> dict[str, int]:
    names = [name.strip() for name in header]
    indexes: dict[str, int] = {}
    missing = []
    for column in profile.columns:
        found = [i for i, name in enumerate(names) if name == column]
        if not found:
            found = [i for i, name in enumerate(names) if name.lower() == column.lower()]
        if len(found) > 1:
            raise ImportFailed(f"{path.name}: the header has the column {column!r} twice")
        if not found:
            missing.append(column)
        else:
            indexes[column] = found[0]
    if missing:
        shown = ", ".join(repr(n) for n in names[:20]) + (" ..." if len(names) > 20 else "")
        raise ImportFailed(
            f"{path.name}: the header lacks the column(s) "
            f"{', '.join(repr(m) for m in missing)} that profile {profile.name!r} maps; "
            f"the file's columns are: {shown}. Nothing was imported."
        )
    return indexes


#: Told (bytes read, bytes in all) as the file is read; it may raise (an
#: ``ImportCancelled``, say) to stop the import, which then writes nothing.
ProgressCallback = Callable[[int, int], None]


@contextmanager
def _progress(show: bool | ProgressCallback, path: Path, total: int) -> Iterator[Any]:
    """An update(bytes read) function: a bar on the terminal, the caller's callback,
    or None."""
    if callable(show):
        callback = show
        yield lambda done: callback(min(done, total), total)
        return
    if not show:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task(f"Importing {path.name}", total=total)
        yield lambda done: progress.update(task, completed=done)


class _Rejects:
    """The rejects CSV, created only when the first row is rejected.

    It is written under a ``.partial`` name while the import runs and renamed to its
    own name only after the import has committed, so a rejects file by that name always
    describes an import that happened.
    """

    def __init__(self, path: Path, columns: tuple[str, ...], indexes: dict[str, int]) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.columns = columns
        self.indexes = [indexes[c] for c in columns]
        self._file: IO[str] | None = None
        self._writer: Any = None
        self.count = 0
        #: The first rejected rows, (line, reason), for the report.
        self.first: list[tuple[int, str]] = []

    def add(self, line: int, reason: str, values: Sequence[str]) -> None:
        if self._writer is None:
            self._file = open_private_text(self.partial)
            self._writer = csv.writer(self._file)
            self._writer.writerow(["line", "reason", *self.columns])
        original = [values[i] if i < len(values) else "" for i in self.indexes]
        self._writer.writerow([line, reason, *original])
        self.count += 1
        if len(self.first) < SHOWN_REJECTS:
            self.first.append((line, reason))

    def finish(self) -> None:
        """All rows read: close the file (an error here fails the import, unwritten)."""
        if self._file is not None:
            self._file.close()

    def discard(self) -> None:
        """The import failed: a rejects file would describe rows not imported."""
        if self._file is not None:
            self._file.close()
        self.partial.unlink(missing_ok=True)

    def publish(self) -> str | None:
        """The import committed: give the rejects file its name (and remove one left by an
        earlier import of this file when there are none now). Returns a note for the
        person if that failed: the import itself stands."""
        try:
            if self._file is None:
                # A rejects file left by an earlier import of this file would be read as
                # this import's: after a clean import there must be none (nor a partial
                # one left by an import that was killed).
                self.path.unlink(missing_ok=True)
                self.partial.unlink(missing_ok=True)
            else:
                self.partial.replace(self.path)
        except OSError as exc:
            if self._file is None:
                return (
                    f"A rejects file from an earlier import, {self.path}, could not be "
                    f"removed ({exc.strerror}); it does not describe this import."
                )
            return (
                f"The rejected rows are in {self.partial}: it could not be renamed to "
                f"{self.path.name} ({exc.strerror})."
            )
        return None


def _convert_rows(
    rows: Iterable[tuple[int, Sequence[str]]],
    converter: RowConverter,
    writer: BatchWriter,
    rejected: _Rejects,
    skipped: Counter[str],
    skips: SkippedIncidents | None = None,
) -> None:
    """The exact, Python path: convert each (line number, record), in file order.
    With ``skips`` (counting by incident) each skipped row's reference is kept too."""
    convert, ref_index = converter.convert, converter.names.index("cad_ref")
    add = writer.add
    reference = _reference(converter) if skips is not None else None
    for line, values in rows:
        if isinstance(values, BrokenRecord):
            rejected.add(line, values.reason, ())
            continue
        try:
            row = convert(values)
        except RowSkipped as skip:
            skipped[skip.key] += 1
            if reference is not None and skips is not None:
                skips.add(line, reference(values), skip.key)
            continue
        except RowRejected as reject:
            rejected.add(line, reject.reason, values)
            continue
        add(line, row[ref_index], row)


def _reference(converter: RowConverter) -> Callable[[Sequence[str]], str]:
    """A skipped row's CAD reference as the converter reads it ("" if it has none)."""
    spec = converter.profile.fields["cad_ref"]
    if spec.column is not None and not spec.uses_rules:
        # One column, no rules: normalised as the converter does, short of its check
        # (a reference that fails it is on no converted row either).
        index = converter.indexes[spec.column]
        return lambda values: values[index].strip().upper()

    def reference(values: Sequence[str]) -> str:
        try:
            return str(converter.field_value("cad_ref", values))
        except (RowRejected, RowSkipped):
            return ""

    return reference


def _swallowed(
    values: Sequence[str], mapped: frozenset[int], delimiter: str, width: int
) -> list[int]:
    """The cells of a record over several lines that may hold other records' lines: a
    mapped cell with a line break (no mapped value has one), or any cell whose lines hold
    as many delimiters as a whole record."""
    return [
        i
        for i, cell in enumerate(values)
        if ("\n" in cell or "\r" in cell) and (i in mapped or cell.count(delimiter) >= width - 1)
    ]


def _open_quote(path: Path, start: int, end: int, detail: str) -> ImportFailed:
    return ImportFailed(
        f"{path.name}: a quote opened on line {start:,} is not closed where it should be "
        f"({detail}; read up to line {end:,}). Nothing was imported."
    )


def _check_constants(
    path: Path,
    profile: ImportProfile,
    officers: Mapping[str, object],
    teams: Mapping[str, object],
) -> None:
    """A constant staff id or team must exist: every row would carry it."""
    for name, known, what in (("staff_id", officers, "contact officer"), ("team", teams, "team")):
        spec = profile.fields.get(name)
        if spec is not None and spec.constant is not None and spec.constant not in known:
            raise ImportFailed(
                f"{path.name}: profile {profile.name!r} gives every row the {what} "
                f"{spec.constant!r} ([fields.{name}] constant), and there is no such {what}. "
                "Add it first or change the profile. Nothing was imported."
            )


@dataclass
class _Staged:
    """What reading the file found, before anything is written."""

    sha256: str
    total: int
    skipped: Counter[str]
    rejected: _Rejects
    fast_rows: int
    merge: Merge
    officers: dict[str, tuple[int, int | None]]
    teams: dict[str, int]
    tally: ValueTally
    by_category_outcome: dict[tuple[str, str], int]
    #: Distinct references made or skipped, when counting by incident.
    incidents: int | None = None
    #: The worksheet read, for an Excel workbook.
    sheet: str | None = None


def import_file(
    ctx: Ctx,
    path: Path,
    profile: ImportProfile,
    *,
    rejects_path: Path | None = None,
    show_progress: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    fast: bool = True,
    dry_run: bool = False,
    sheet: str | None = None,
    progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Import ``path`` by ``profile``; raise ImportFailed (writing nothing) if unreadable,
    ImportRunning if another import is running.

    A file named ``.xlsx`` is read as an Excel workbook (``importing.xlsx``): the sheet
    called ``sheet`` (else the profile's ``[excel] sheet``, else the first), its rows
    then taken exactly as a CSV file's records. ``progress`` is told (bytes read, bytes
    in all) every few thousand rows, on the importing thread; an exception it raises
    stops the import before anything is written.

    With ``dry_run`` the file is read, converted, staged and counted against
    ``decisions`` exactly as an import does it, and then nothing is written to the
    database (no decisions, no audit row, no ``import_runs`` row): the summary says what
    the import would do. Its rejects and unmapped-values files are named
    ``FILE.dry-run.rejects.csv`` and ``FILE.dry-run.unmapped.csv`` by default, so they
    are never taken for an import's.

    The file is read, converted and staged on the import's own connection without any
    lock on the database; the decisions, the import's audit row and the closing of its
    ``import_runs`` row are then written in one short transaction. On SQLite most rows
    take the SQL fast path (see ``importing.fastpath``) unless ``fast`` is false; the
    result is the same either way.
    """
    ctx.require(Permission.IMPORT_DECISIONS)
    workbook = is_workbook(path)
    if sheet is not None and not workbook:
        raise ImportFailed(
            f"{path.name}: a sheet can be chosen only in an .xlsx workbook. Nothing was imported."
        )
    size = check_workbook_file(path) if workbook else _check_not_binary(path)
    reading = _Reading(show_progress, batch_size, fast, sheet or profile.sheet, progress)
    if dry_run:
        rejects = rejects_path or path.with_name(path.name + ".dry-run.rejects.csv")
        return _dry_run(ctx, path, profile, rejects, size, reading)
    rejects = rejects_path or path.with_name(path.name + ".rejects.csv")
    with import_run(ctx, path.name) as run, ctx.db.own_connection() as conn:
        now = ctx.clock.now()
        staged = _stage(conn, path, profile, rejects, size, now, reading)
        try:
            summary = _merge(ctx, conn, run, path, profile, staged, rejects)
        except BaseException:
            staged.rejected.discard()
            raise
    return _published(summary, staged, run.notes)


@dataclass(frozen=True)
class _Reading:
    """How the file is read: progress shown or told, batches, the fast path, the sheet."""

    show_progress: bool
    batch_size: int
    fast: bool
    sheet: str | None
    progress: ProgressCallback | None


def _dry_run(
    ctx: Ctx, path: Path, profile: ImportProfile, rejects: Path, size: int, reading: _Reading
) -> ImportSummary:
    """Stage the file as an import does, count as its merge does, write nothing."""
    with ctx.db.own_connection() as conn:
        now = ctx.clock.now()
        staged = _stage(conn, path, profile, rejects, size, now, reading)
        try:
            # The merge's own counting, in a read transaction that is then ended: the
            # import's write never runs (and the temporary tables go with the connection).
            counts = staged.merge.count()
            conn.rollback()
        except BaseException:
            staged.rejected.discard()
            raise
    summary = _summary(path, profile, staged, counts, rejects, dry_run=True)
    return _published(summary, staged, [])


def _summary(
    path: Path,
    profile: ImportProfile,
    staged: _Staged,
    counts: tuple[int, int, int],
    rejects: Path,
    *,
    dry_run: bool,
) -> ImportSummary:
    inserted, updated, unchanged = counts
    tally = staged.tally
    return ImportSummary(
        file_name=path.name,
        sha256=staged.sha256,
        profile=profile.name,
        source_system=profile.source_system,
        total_rows=staged.total,
        inserted=inserted,
        updated=updated,
        unchanged=unchanged,
        rejected=staged.rejected.count,
        skipped_by_code=dict(staged.skipped),
        rejects_path=rejects if staged.rejected.count else None,
        fast_rows=staged.fast_rows,
        sheet=staged.sheet,
        dry_run=dry_run,
        incidents=staged.incidents,
        report=ImportReport(
            by_category_outcome=staged.by_category_outcome,
            unmapped=tally.unmapped(),
            never_matched=tally.never_matched(),
            columns=tally.columns(),
            first_rejects=tuple(staged.rejected.first),
            overflow=tally.overflowed(),
            never_held=tally.never_held(),
        ),
    )


def _published(summary: ImportSummary, staged: _Staged, notes: list[str]) -> ImportSummary:
    """After the import committed (or the dry run counted): give the rejects file its
    name and write every unmapped value to its CSV file beside it."""
    notes = list(notes)
    note = staged.rejected.publish()
    if note is not None:
        notes.append(note)
        if staged.rejected.count:
            summary = replace(summary, rejects_path=staged.rejected.partial)
    unmapped = unmapped_path_for(staged.rejected.path)
    report = summary.report
    try:
        report.write_unmapped(unmapped)
    except OSError as exc:
        notes.append(f"The unmapped values could not be written to {unmapped} ({exc.strerror}).")
    else:
        report = replace(report, unmapped_path=unmapped)
    return replace(summary, notes=tuple(notes), report=report)


def _stage(
    conn: Connection,
    path: Path,
    profile: ImportProfile,
    rejects: Path,
    size: int,
    now: datetime,
    reading: _Reading,
) -> _Staged:
    """Read, convert and stage the whole file in temporary tables; write nothing."""
    skipped: Counter[str] = Counter()
    total = 0
    fast_rows = 0
    rejected: _Rejects | None = None
    batch_size, fast = reading.batch_size, reading.fast
    show_progress = reading.progress or reading.show_progress
    with ExitStack() as stack:
        reader: Any
        sheet: str | None = None
        if is_workbook(path):
            # The rows of one worksheet, as csv.reader gives records (importing.xlsx).
            sha256 = file_sha256(path)
            book = SheetReader(
                path, stack.enter_context(path.open("rb")), reading.sheet, profile.date_formats
            )
            stack.callback(book.close)
            reader, sheet, position = book, book.sheet, book.position
            digest: Callable[[], str] = lambda: sha256  # noqa: E731
        else:
            tap = _Tap(stack.enter_context(path.open("rb")))
            text = io.TextIOWrapper(
                io.BufferedReader(tap, 1 << 20),
                encoding=_python_encoding(profile.encoding),
                newline="",
            )
            # strict: a quote closed in the middle of a field ('"ab"c') is an error, not text.
            reader = csv.reader(
                text, delimiter=profile.delimiter, quotechar=profile.quotechar, strict=True
            )
            position, digest = (lambda: tap.bytes_read), tap.sha256.hexdigest
        try:
            header = next(reader, None)
            if header is None or not any(name.strip() for name in header):
                raise ImportFailed(f"{path.name}: the file is empty (no header row)")
            indexes = _header_indexes(path, header, profile)
            officers = officer_lookup(conn) if "staff_id" in profile.fields else {}
            teams = team_lookup(conn) if "team" in profile.fields else {}
            _check_constants(path, profile, officers, teams)
            converter = RowConverter(profile, indexes, officers=officers, teams=teams, now=now)
            writer = BatchWriter(
                conn, profile, converter.names, now, officers, teams, batch_size=batch_size
            )
            rejected = _Rejects(rejects, profile.columns, indexes)
            tally = ValueTally(profile, indexes)
            tally.condition_hits = converter.condition_hits
            tally_key, tally_seen = tally.key, tally.seen
            skips = SkippedIncidents(conn) if profile.duplicates else None
            update = stack.enter_context(_progress(show_progress, path, size))

            width = len(header)
            mapped = frozenset(indexes.values())

            def records() -> Iterator[tuple[int, list[str]]]:
                """Every record with the header's number of fields, by the line it starts
                on; the structural rules (docs/import-profiles.md, "Row rules") are
                applied here, before either the SQL or the Python path sees a row."""
                nonlocal total
                while True:
                    start = reader.line_num + 1
                    try:
                        values = next(reader)
                    except StopIteration:
                        return
                    except csv.Error as exc:
                        raise _open_quote(path, start, reader.line_num, str(exc)) from None
                    if not values:
                        continue  # a blank line is no record
                    total += 1
                    if update is not None and not total & 0x1FFF:
                        update(position())  # by rows read, as most rows may be skipped
                    end = reader.line_num
                    if len(values) != width:
                        if end > start:
                            raise _open_quote(
                                path,
                                start,
                                end,
                                f"the record runs to line {end:,} and has {len(values):,} "
                                f"fields, the header has {width:,}",
                            )
                        # Which cell is which is unknown: the rejects file repeats none.
                        reason = f"line {start:,}: {len(values):,} fields, the header has {width:,}"
                        yield start, BrokenRecord(reason)
                        continue
                    if end > start:
                        swallowed = _swallowed(values, mapped, profile.delimiter, width)
                        if swallowed:
                            names = ", ".join(header[i].strip() for i in swallowed)
                            yield (
                                start,
                                BrokenRecord(
                                    f"line {start:,}: {names} holds a line break and the record "
                                    f"runs to line {end:,}: a quote opened on line {start:,} may "
                                    f"have taken in lines {start + 1:,} to {end:,} (rejected with "
                                    "it)"
                                ),
                            )
                            continue
                    # The report's tally (importing.report.ValueTally), inline: once a row.
                    key = tally_key(values)
                    if key in tally_seen:
                        tally_seen[key] += 1
                    elif len(tally_seen) < MAX_DISTINCT:
                        tally_seen[key] = 1
                    else:
                        tally.overflow += 1
                    yield start, values

            plan = (
                FastPath.for_import(conn, profile, indexes, converter, officers, teams)
                if fast and conn.dialect.name == "sqlite"
                else None
            )
            if plan is None:
                _convert_rows(records(), converter, writer, rejected, skipped, skips)
            else:
                plan.stage(records(), skipped)
                plan.classify(now, writer.table)
                _convert_rows(plan.odd_rows(), converter, writer, rejected, skipped)
                writer.flush()
                fast_rows = plan.finish()
            writer.close()
            rejected.finish()
            merge = Merge(
                conn,
                profile.source_system,
                writer.compared,
                profile if profile.duplicates else None,
            )
            by_incident = merge.prepare(skips)
            incidents = None
            if by_incident is not None:
                skipped = by_incident
                incidents = merge.references + sum(by_incident.values())
            by_category_outcome = merge.by_category_outcome()
            # End the read transaction the staging ran in: the temporary tables stay.
            conn.commit()
            if update is not None:
                update(size)
        except UnicodeDecodeError as exc:
            if rejected is not None:
                rejected.discard()
            line, offset = _locate_decode_error(path, _python_encoding(profile.encoding))
            raise ImportFailed(
                f"{path.name}: not readable as {profile.encoding} at line {line} "
                f"(byte {offset}: {exc.reason}); set [csv] encoding in the profile. "
                "Nothing was imported."
            ) from None
        except csv.Error as exc:
            if rejected is not None:
                rejected.discard()
            raise ImportFailed(
                f"{path.name}: not a readable CSV file at line {reader.line_num}: {exc}. "
                "Nothing was imported."
            ) from None
        except BaseException:
            if rejected is not None:
                rejected.discard()
            raise
    return _Staged(
        sha256=digest(),
        total=total,
        skipped=skipped,
        rejected=rejected,
        fast_rows=fast_rows,
        merge=merge,
        officers=dict(officers),
        teams=dict(teams),
        tally=tally,
        by_category_outcome=by_category_outcome,
        incidents=incidents,
        sheet=sheet,
    )


def _merge(
    ctx: Ctx,
    conn: Connection,
    run: ImportRun,
    path: Path,
    profile: ImportProfile,
    staged: _Staged,
    rejects: Path,
) -> ImportSummary:
    """The one write transaction: decisions, the audit row, the closed run marker."""
    with ctx.db.write_on(conn):
        # Rows were checked against the officers and teams as they were when the file
        # was read; if those changed since, the checks no longer hold.
        now_officers = officer_lookup(conn) if "staff_id" in profile.fields else {}
        now_teams = team_lookup(conn) if "team" in profile.fields else {}
        if now_officers != staged.officers or now_teams != staged.teams:
            raise ImportFailed(
                f"{path.name}: contact officers or teams were changed while the file was "
                "being read, so its rows were checked against lists that no longer hold. "
                "Nothing was imported; run the import again."
            )
        counts = staged.merge.run()
        summary = _summary(path, profile, staged, counts, rejects, dry_run=False)
        with Session(bind=conn) as session:
            audit.record(
                session,
                ctx,
                "decisions_imported",
                "import",
                path.name,
                after=summary.audit_record(),
            )
            session.flush()
        run.close(conn, ctx.clock.now())
    # The temporary tables go with the connection (Database.own_connection discards it).
    return summary
