"""Reading an Excel workbook (``.xlsx``) as the CSV reader reads a CSV export.

This is only a file-format layer: ``SheetReader`` gives a worksheet's rows as the
``csv`` module gives records (lists of strings, with the sheet row number of the row
just read in ``line_num``), so every row rule, conversion, skip and reject after it is
the CSV path's own (``importing.cad``).

The workbook is opened with openpyxl's read-only mode (``load_workbook(read_only=True,
data_only=True)``) and its sheet streamed one row at a time, in constant memory beyond
the workbook's shared-strings table (Excel keeps every distinct text of the file in one
list, which openpyxl reads when the workbook is opened). The rows are read by openpyxl's
own worksheet parser and cell conversion, through ``_rows``: openpyxl's
``iter_rows(values_only=True)`` keeps every row it has read as an empty XML element, and
a record of each row with a height or style, some 80 bytes a row (80 MB on a million
rows), so ``_rows`` drops each row once it is read. openpyxl is imported only when a
workbook is read (pinned, as ``_rows`` uses its parser's interface).

Cells become the text a CSV export would hold:

- an empty cell is ``""``; text is as it is (the converter trims it as it trims CSV);
- a whole number is written without a decimal point (``1.0`` is ``"1"``): codes and
  references typed as numbers read as the codes they are; other numbers keep up to 15
  significant digits, as Excel shows them;
- a date and time is Excel's own wall-clock value (a workbook holds no time zone),
  written in the first of the profile's ``[dates] formats`` that holds it exactly (the
  seconds, say), so it is read back, in the profile's time zone, as the same text in a
  CSV would be, clock changes included. If no format holds it exactly it is written
  ``YYYY-MM-DD HH:MM:SS`` and the row is rejected as not a date in the profile's
  formats: never rounded;
- ``TRUE``/``FALSE`` for a logical cell; a formula's last calculated value (the
  workbook is opened with ``data_only``), or its error text such as ``#N/A``.

The header is the sheet's first row. A row is as wide as the header: cells to the right
of the last header cell belong to no column and are not read (as no unmapped column is);
a row with no value in any cell is a blank row and is no record, as a blank line in a
CSV file is not.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from rcrp_tui.importing.errors import ImportFailed

#: The suffix of the files read as workbooks (anything else is read as CSV).
WORKBOOK_SUFFIXES = (".xlsx",)
#: An OLE compound file: how an encrypted (password-protected) workbook, or an old
#: binary ``.xls`` one, starts.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def is_workbook(path: Path) -> bool:
    """True if ``path`` is read as an Excel workbook (by its name: ``.xlsx``)."""
    return path.suffix.lower() in WORKBOOK_SUFFIXES


def check_workbook_file(path: Path) -> int:
    """The file's size, once it has proved it can be a workbook (or ImportFailed)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as raw:
            head = raw.read(8)
    except OSError as exc:
        raise ImportFailed(f"{path.name}: cannot read the file: {exc.strerror}") from None
    if not head:
        raise ImportFailed(f"{path.name}: the file is empty")
    if head == _OLE_MAGIC:
        raise ImportFailed(
            f"{path.name}: the workbook is password-protected (encrypted), or is an old "
            "Excel 97-2003 file saved under an .xlsx name. Open it in Excel and save it "
            "without a password as an Excel Workbook (.xlsx). Nothing was imported."
        )
    if not head.startswith(_ZIP_MAGIC):
        raise ImportFailed(
            f"{path.name}: not an Excel workbook (.xlsx); if it is a CSV export, give it a "
            ".csv name. Nothing was imported."
        )
    return size


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as raw:
            while chunk := raw.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise ImportFailed(f"{path.name}: cannot read the file: {exc.strerror}") from None
    return digest.hexdigest()


def _number_text(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return f"{value:.15g}"


def datetime_text(formats: Sequence[str]) -> Callable[[datetime], str]:
    """A datetime cell -> the text of it in the first format that holds it exactly.

    Whether a format holds a value exactly depends only on its year (``%y``) and on
    which of its time, seconds and fraction are not zero, so that is checked once per
    shape of value (a strptime per cell would cost as much as the rest of the row).
    """
    chosen: dict[tuple[int, bool, bool, bool], str | None] = {}

    def exact(value: datetime, fmt: str) -> str | None:
        if fmt == "iso":
            return value.isoformat(sep=" ")
        try:
            text = value.strftime(fmt)
            return text if datetime.strptime(text, fmt) == value else None
        except ValueError:
            return None

    def text(value: datetime) -> str:
        value = value.replace(tzinfo=None)
        shape = (
            value.year,
            bool(value.hour or value.minute),
            bool(value.second),
            bool(value.microsecond),
        )
        if shape not in chosen:
            chosen[shape] = next((f for f in formats if exact(value, f) is not None), None)
        fmt = chosen[shape]
        if fmt is None:
            return value.isoformat(sep=" ")
        return value.isoformat(sep=" ") if fmt == "iso" else value.strftime(fmt)

    return text


def cell_converter(formats: Sequence[str]) -> Callable[[Any], str]:
    """A cell's value (as openpyxl reads it) -> the text a CSV export would hold."""
    when = datetime_text(formats)

    def convert(value: Any) -> str:
        kind = type(value)
        if kind is int:
            return str(value)
        if kind is float:
            return _number_text(value)
        if kind is datetime:
            return when(value)
        if kind is bool:
            return "TRUE" if value else "FALSE"
        if isinstance(value, date | time):
            return value.isoformat()
        return str(value)

    return convert


class SheetReader:
    """One worksheet's rows as ``csv.reader`` gives records: lists of strings, the first
    being the header; ``line_num`` is the sheet row number of the row just read."""

    def __init__(self, path: Path, raw: IO[bytes], sheet: str | None, formats: Sequence[str]):
        self.path = path
        self._raw = raw
        try:
            self._book = _load_workbook(raw)
        except Exception as exc:
            raise ImportFailed(
                f"{path.name}: not a readable Excel workbook ({_reason(exc)}). "
                "Nothing was imported."
            ) from None
        try:
            worksheet = self._pick(sheet)
            # Every row there is, not the dimensions the workbook states (some exporters
            # write A1 whatever the sheet holds).
            self._rows: Iterator[Sequence[Any]] = _rows(worksheet)
        except BaseException:
            self.close()
            raise
        self.sheet: str = worksheet.title
        self.line_num = 0
        self.width: int | None = None
        self._convert = cell_converter(formats)

    def _pick(self, sheet: str | None) -> Any:
        book = self._book
        sheets = [ws for ws in book.worksheets if hasattr(ws, "iter_rows")]
        names = ", ".join(repr(name) for name in book.sheetnames)
        if sheet is None:
            if not sheets:
                raise ImportFailed(f"{self.path.name}: the workbook has no sheet of rows")
            return sheets[0]
        found = [ws for ws in sheets if ws.title == sheet] or [
            ws for ws in sheets if ws.title.casefold() == sheet.strip().casefold()
        ]
        if not found:
            raise ImportFailed(
                f"{self.path.name}: the workbook has no sheet called {sheet!r}; its sheets "
                f"are: {names}. Nothing was imported."
            )
        return found[0]

    def position(self) -> int:
        """How far into the file the reading has come, in bytes (for a progress bar)."""
        try:
            return self._raw.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self._book.close()

    def __iter__(self) -> SheetReader:
        return self

    def __next__(self) -> list[str]:
        try:
            row = next(self._rows)
        except StopIteration:
            raise
        except Exception as exc:
            raise ImportFailed(
                f"{self.path.name}: sheet {self.sheet!r} is damaged after row "
                f"{self.line_num:,} ({_reason(exc)}). Nothing was imported."
            ) from None
        self.line_num += 1
        convert = self._convert
        if self.width is None:
            # The header: as wide as its last named column.
            cells = ["" if v is None else v if type(v) is str else convert(v) for v in row]
            while cells and not cells[-1].strip():
                cells.pop()
            if not cells:
                raise ImportFailed(
                    f"{self.path.name}: sheet {self.sheet!r} has no header in its first row "
                    "(the header must be row 1). Nothing was imported."
                )
            self.width = len(cells)
            return cells
        width = self.width
        if all(v is None for v in row):
            return []  # a blank row is no record
        cells = ["" if v is None else v if type(v) is str else convert(v) for v in row[:width]]
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        return cells


class StringTable:
    """A workbook's shared strings, packed: one UTF-8 buffer and where each one ends.

    openpyxl keeps them as a list of ``str`` (some 70 bytes each for a short text; a
    million distinct CAD references is a million strings); packed, a string costs its
    UTF-8 bytes and 8. The worksheet parser only indexes it (``table[n]``).
    """

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("Q")

    def append(self, text: str) -> None:
        self._data += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._data))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(f"shared string {index} does not exist")
        end = self._ends[index]
        start = self._ends[index - 1] if index else 0
        return self._data[start:end].decode("utf-8", "surrogatepass")


def _load_workbook(raw: IO[bytes]) -> Any:
    """``openpyxl.load_workbook(raw, read_only=True, data_only=True)``, but with the
    shared-strings table read as ``_rows`` reads rows (each string's XML dropped once
    read: openpyxl keeps them all until the table is read, some 80 bytes a string) and
    kept packed in a ``StringTable``, and no sheet's size read (see ``UnsizedSheet``)."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.cell.text import Text
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.xml.constants import SHEET_MAIN_NS

    string_tag = f"{{{SHEET_MAIN_NS}}}si"

    def string_table(source: IO[bytes]) -> StringTable:
        # openpyxl's read_string_table, with each <si> removed from <sst> once read.
        strings = StringTable()
        table = None
        for event, node in iterparse(source, events=("start", "end")):
            if event == "start":
                if table is None:
                    table = node
                continue
            if node.tag == string_tag:
                strings.append(Text.from_tree(node).content.replace("x005F_", ""))
                node.clear()
                if table is not None:
                    table.remove(node)
        return strings

    class UnsizedSheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            # openpyxl reads the sheet's stated size when the workbook is opened, and
            # where a sheet states none it parses the whole sheet to find that out
            # (holding every row's XML): ``_rows`` needs no size.
            return None

    class StreamingReader(ExcelReader):
        def read_worksheets(self) -> None:
            # openpyxl's read_worksheets in read-only mode, with UnsizedSheet.
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    self.read_chartsheet(sheet, rel)
                    continue
                worksheet = UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                worksheet.sheet_state = sheet.state
                self.wb._sheets.append(worksheet)

        def read_strings(self) -> None:
            from openpyxl.xml.constants import SHARED_STRINGS

            part = self.package.find(SHARED_STRINGS)
            if part is not None:
                with self.archive.open(part.PartName[1:]) as source:
                    self.shared_strings = string_table(source)

    reader = StreamingReader(raw, read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _rows(worksheet: Any) -> Iterator[Sequence[Any]]:
    """A read-only worksheet's cell values row by row, as ``iter_rows(values_only=True)``
    gives them after ``reset_dimensions()`` (a missing row is ``()``), each row's XML
    dropped once it has been read so memory stays constant."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.worksheet._reader import DATA_TAG, ROW_TAG, WorkSheetParser

    class StreamingParser(WorkSheetParser):
        row_counter: int
        col_counter: int

        def parse(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
            rows = None
            for event, element in iterparse(self.source, events=("start", "end")):
                if event == "start":
                    if rows is None and element.tag == DATA_TAG:
                        rows = element
                    continue
                if element.tag == ROW_TAG:
                    row = self.parse_row(element)
                    element.clear()
                    if rows is not None:
                        rows.remove(element)  # the first child: the one just read
                    yield row

        def parse_row(self, row: Any) -> tuple[int, list[dict[str, Any]]]:
            # openpyxl's parse_row, without keeping each row's height and style.
            number = row.get("r")
            if number is None:
                self.row_counter += 1
            else:
                value = float(number)
                if not value.is_integer():
                    raise ValueError(f"{number} is not a valid row number")
                self.row_counter = int(value)
            self.col_counter = 0
            return self.row_counter, [self.parse_cell(cell) for cell in row]

    book = worksheet.parent
    with worksheet._get_source() as source:
        parser = StreamingParser(
            source,
            worksheet._shared_strings,
            data_only=book.data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        expected = 1
        for number, cells in parser.parse():
            while expected < number:
                expected += 1
                yield ()
            if number < expected:
                # openpyxl would drop such a row without a word.
                raise ValueError(f"row {number} comes after row {expected - 1}")
            expected += 1
            yield worksheet._get_row(cells, 1, None, True)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "..."
