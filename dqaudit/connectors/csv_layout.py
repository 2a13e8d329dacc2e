"""Where a CSV file's records are: its encoding, and the line each record starts on.

Split from :mod:`dqaudit.connectors.csv_file`, which parses the values: these scans work
on the file's bytes, so that every record keeps its physical line number and a ragged row
is named by its line. A file without quote characters is scanned with numpy; a quoted
file with ``csv``. ``on_bad_row`` skip/report leaves ragged rows out here (drop_ragged).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dqaudit.connectors.field_limits import quoted_field_position, too_long
from dqaudit.connectors.file_records import BadRows
from dqaudit.errors import InputError

ENCODINGS_TRIED = ("utf-8", "cp1252")
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class CsvLayout:
    """Where the records are: the header's fields and each record's starting line."""

    header: list[str] | None
    record_lines: np.ndarray
    fields: int
    dropped: bool = False  # bad rows were left out (on_bad_row skip/report)


@dataclass(frozen=True)
class PlainShape:
    """What byte counts say about a file without quotes: first line, lines, delimiters."""

    first_line: bytes
    lines: int
    delimiters: int

    @classmethod
    def of(cls, data: bytes, delimiter: bytes) -> PlainShape:
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        return cls(first_line(data), lines, data.count(delimiter))


def first_line(data: bytes) -> bytes:
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end == -1 else end
        line = data[start:end].rstrip(b"\r")
        if line:
            return line
        start = end + 1
    return b""


def detect_encoding(path: Path, data: bytes, encoding: str | None) -> str:
    """The given encoding, checked; else UTF-8 (with or without BOM), else Windows-1252."""
    if encoding is not None:
        try:
            data.decode(encoding)
        except LookupError:
            raise InputError(f"{path}: unknown encoding '{encoding}'") from None
        except UnicodeDecodeError as exc:
            # utf-8-sig reports positions after the BOM it removed: count from the file's start
            bom = len(BOM) if encoding == "utf-8-sig" and data.startswith(BOM) else 0
            offset = exc.start + bom
            line = data.count(b"\n", 0, offset) + 1
            column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
            raise InputError(
                f"{path}: line {line} is not valid {encoding} (byte {data[offset]:#04x} at "
                f"byte {column} of the line, offset {offset} in the file); give the file's "
                "real encoding"
            ) from None
        return encoding
    if data.startswith(BOM):
        return detect_encoding(path, data, "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:65536]:
        raise InputError(
            f"{path}: looks like UTF-16 or a binary file (NUL bytes); save it as UTF-8 "
            "(or Windows-1252) text first"
        )
    for candidate in ENCODINGS_TRIED:
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    raise InputError(f"{path}: neither UTF-8 nor Windows-1252; give its encoding")


def scan_plain(
    path: Path, data: bytes, encoding: str, delimiter: int, header: bool, bad: BadRows
) -> CsvLayout:
    """Fields per line, vectorised: without quotes every line is one record."""
    arr = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    if len(arr) and arr[-1] != 10:
        ends = np.append(ends, len(arr))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    has_cr = np.zeros(len(ends), dtype=bool)
    nonempty = lengths > 0
    has_cr[nonempty] = arr[ends[nonempty] - 1] == 13
    blank = (lengths - has_cr) == 0
    delimiters = np.flatnonzero(arr == delimiter)
    fields = np.bincount(np.searchsorted(ends, delimiters), minlength=len(ends)) + 1
    line_numbers = np.flatnonzero(~blank) + 1
    fields = fields[~blank]
    header_fields = None
    if header:
        header_line = data[starts[line_numbers[0] - 1] : ends[line_numbers[0] - 1]]
        header_fields = (
            header_line.decode(encoding).rstrip("\r").lstrip("\ufeff").split(chr(delimiter))
        )
        expected = len(header_fields)
        line_numbers, fields = line_numbers[1:], fields[1:]
    else:
        expected = int(fields[0])
    return _drop_ragged(path, header_fields, line_numbers.astype(np.int64), fields, expected, bad)


def _drop_ragged(
    path: Path,
    header: list[str] | None,
    lines: np.ndarray,
    fields: np.ndarray,
    expected: int,
    bad: BadRows,
) -> CsvLayout:
    """Ragged rows are errors naming the line, or (skip/report) bad rows left out."""
    ragged = fields != expected
    positions = np.flatnonzero(ragged)
    if not len(positions):
        return CsvLayout(header, lines, expected)
    if bad.policy == "error":
        first = positions[0]
        raise InputError(
            f"{path}: line {int(lines[first])} has {int(fields[first])} fields but the header "
            f"has {expected} (ragged row; {len(positions)} such line(s) in the file)"
        )
    bad.add(
        lines[positions],
        [f"{int(fields[p])} fields, expected {expected} (ragged row)" for p in positions],
    )
    return CsvLayout(header, lines[~ragged], expected, dropped=True)


def scan_quoted(
    path: Path,
    data: bytes,
    encoding: str,
    delimiter: str,
    quotechar: str,
    header: bool,
    bad: BadRows,
    max_field_size: int,
) -> CsvLayout:
    """Record start lines with the csv module, which understands quoted newlines."""
    text = data.decode(encoding).lstrip("\ufeff")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar, strict=True
    )
    header_fields: list[str] | None = None
    lines: list[int] = []
    fields: list[int] = []
    previous_end = 0
    try:
        for row in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not row:
                continue
            if header and header_fields is None:
                header_fields = row
                continue
            lines.append(start)
            fields.append(len(row))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            line, column = quoted_field_position(
                text, previous_end + 1, delimiter, quotechar, max_field_size
            )
            raise too_long(path, line, column, "more than that", max_field_size) from None
        raise InputError(f"{path}: line {reader.line_num}: malformed CSV: {exc}") from None
    expected = len(header_fields) if header_fields is not None else (fields[0] if fields else 0)
    line_array = np.asarray(lines, dtype=np.int64)
    field_array = np.asarray(fields, dtype=np.int64)
    return _drop_ragged(path, header_fields, line_array, field_array, expected, bad)
