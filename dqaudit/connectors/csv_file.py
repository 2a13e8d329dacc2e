"""CSV extracts, read so that no value changes and every record keeps its line number.

Every cell is read as text and only an empty cell is null ("NA" and "NULL" are values).
Ragged rows are errors naming their line. Line numbers are physical: a record with a
quoted newline is identified by the line it starts on. The common case (no quote
characters in the file) is scanned with numpy; quoted files are scanned with ``csv``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dqaudit.connectors.base import Extract, Fingerprint
from dqaudit.errors import InputError

ENCODINGS_TRIED = ("utf-8", "cp1252")


@dataclass(frozen=True)
class CsvLayout:
    """Where the records are: the header's fields and each record's starting line."""

    header: list[str] | None
    record_lines: np.ndarray
    fields: int


def read_csv(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str = ",",
    quotechar: str = '"',
    header: bool = True,
    columns: list[str] | None = None,
) -> Extract:
    """Read a CSV file as text; errors name the file and line at fault."""
    path = Path(path)
    if len(delimiter) != 1 or len(quotechar) != 1:
        raise InputError(f"{path}: delimiter and quotechar must be single characters")
    before = _file_state(path)
    data = _read_bytes(path)
    encoding = _encoding(path, data, encoding)
    sha256 = hashlib.sha256(data).hexdigest()
    plain = delimiter.isascii() and quotechar.isascii() and quotechar.encode("ascii") not in data
    if plain:
        shape = _PlainShape.of(data, delimiter.encode("ascii"))
        del data  # pandas reads the file itself: faster, and the bytes need not stay in memory
        frame, lines = _read_plain(path, shape, encoding, delimiter, header, columns)
    else:
        layout = _scan_quoted(path, data, encoding, delimiter, quotechar, header)
        names = _column_names(path, layout.header, columns, layout.fields)
        if layout.header is not None and len(layout.record_lines) == 0:
            raise InputError(f"{path}: has a header row but no records")
        frame = _parse(path, io.BytesIO(data), encoding, delimiter, quotechar, header, names)
        lines = layout.record_lines
    if _file_state(path) != before:
        raise InputError(f"{path}: the file changed while it was being read; read it again")
    if len(frame) != len(lines):
        raise InputError(
            f"{path}: read {len(frame)} records but found {len(lines)} record "
            "lines; check the delimiter and quoting"
        )
    fingerprint = Fingerprint(
        source=str(path),
        sha256=sha256,
        rows=len(frame),
        columns=[str(c) for c in frame.columns],
    )
    return Extract(frame=frame, fingerprint=fingerprint, line_numbers=lines)


@dataclass(frozen=True)
class _PlainShape:
    """What byte counts say about a file without quotes: first line, lines, delimiters."""

    first_line: bytes
    lines: int
    delimiters: int

    @classmethod
    def of(cls, data: bytes, delimiter: bytes) -> _PlainShape:
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        return cls(_first_line(data), lines, data.count(delimiter))


def _file_state(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _read_plain(
    path: Path,
    shape: _PlainShape,
    encoding: str,
    delimiter: str,
    header: bool,
    columns: list[str] | None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """A file without quote characters: pandas parses, and two byte counts usually prove
    every line is one whole record; only when they do not is each line scanned."""
    first = shape.first_line.decode(encoding).lstrip("\ufeff").split(delimiter)
    names = _column_names(path, first if header else None, columns, len(first))
    try:
        frame = _parse(path, path, encoding, delimiter, '"', header, names)
    except InputError:
        _scan_plain(path, path.read_bytes(), encoding, ord(delimiter), header)  # names the line
        raise
    if header and len(frame) == 0:
        raise InputError(f"{path}: has a header row but no records")
    expected = len(frame) + (1 if header else 0)
    if shape.lines == expected and shape.delimiters == (len(names) - 1) * expected:
        # pandas refuses a line with too many fields, so these counts leave no room for a
        # short or blank line: record i is on line i + 1, after the header.
        start = 2 if header else 1
        return frame, np.arange(start, start + len(frame), dtype=np.int64)
    layout = _scan_plain(path, path.read_bytes(), encoding, ord(delimiter), header)
    return frame, layout.record_lines


def _first_line(data: bytes) -> bytes:
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end == -1 else end
        line = data[start:end].rstrip(b"\r")
        if line:
            return line
        start = end + 1
    return b""


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not data.strip():
        raise InputError(f"{path}: the file is empty")
    return data


def _encoding(path: Path, data: bytes, encoding: str | None) -> str:
    """The given encoding, checked; else UTF-8 (with or without BOM), else Windows-1252."""
    if encoding is not None:
        try:
            data.decode(encoding)
        except LookupError:
            raise InputError(f"{path}: unknown encoding '{encoding}'") from None
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InputError(
                f"{path}: line {line} is not valid {encoding} (byte {data[exc.start]:#04x}); "
                "give the file's real encoding"
            ) from None
        return encoding
    if data.startswith(b"\xef\xbb\xbf"):
        return _encoding(path, data, "utf-8-sig")
    for candidate in ENCODINGS_TRIED:
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    raise InputError(f"{path}: neither UTF-8 nor Windows-1252; give its encoding")


def _scan_plain(path: Path, data: bytes, encoding: str, delimiter: int, header: bool) -> CsvLayout:
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
    _check_ragged(path, line_numbers, fields, expected)
    return CsvLayout(header_fields, line_numbers.astype(np.int64), expected)


def _check_ragged(path: Path, lines: np.ndarray, fields: np.ndarray, expected: int) -> None:
    bad = np.flatnonzero(fields != expected)
    if len(bad):
        first = bad[0]
        raise InputError(
            f"{path}: line {int(lines[first])} has {int(fields[first])} fields but the header "
            f"has {expected} (ragged row; {len(bad)} such line(s) in the file)"
        )


def _scan_quoted(
    path: Path, data: bytes, encoding: str, delimiter: str, quotechar: str, header: bool
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
        raise InputError(f"{path}: line {reader.line_num}: malformed CSV: {exc}") from None
    expected = len(header_fields) if header_fields is not None else (fields[0] if fields else 0)
    line_array = np.asarray(lines, dtype=np.int64)
    _check_ragged(path, line_array, np.asarray(fields, dtype=np.int64), expected)
    return CsvLayout(header_fields, line_array, expected)


def _column_names(
    path: Path, header: list[str] | None, columns: list[str] | None, fields: int | None
) -> list[str]:
    names = columns if columns is not None else header
    if names is None:
        raise InputError(f"{path}: the file has no header row; give its column names")
    for number, name in enumerate(names, start=1):
        if not str(name).strip():
            raise InputError(f"{path}: column {number} of the header is blank; name it")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"{path}: column '{name}' appears twice in the header")
        seen.add(name)
    if columns is not None and fields is not None and len(columns) != fields:
        raise InputError(
            f"{path}: {len(columns)} column names given for {fields} fields per record"
        )
    return list(names)


def _parse(
    path: Path,
    source: Path | io.BytesIO,
    encoding: str,
    delimiter: str,
    quotechar: str,
    header: bool,
    names: list[str],
) -> pd.DataFrame:
    try:
        return pd.read_csv(
            source,
            sep=delimiter,
            quotechar=quotechar,
            encoding=encoding,
            header=0 if header else None,
            names=names,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=True,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot parse as CSV: {str(exc).strip()}") from None


class CsvConnector:
    """The ``csv`` connector: delimited text exports from records systems."""

    description = "Delimited text files (CSV), read as text with line numbers kept"
    options = frozenset({"path", "encoding", "delimiter", "quotechar", "header", "columns"})

    def extract(self, options: dict[str, Any], *, base_dir: Path) -> Extract:
        from dqaudit.connectors.registry import check_options

        check_options(options, self.options, {"path"}, "csv connector")
        path = Path(options["path"])
        if not path.is_absolute():
            path = base_dir / path
        header = options.get("header", True)
        if not isinstance(header, bool):
            raise InputError(
                f"csv connector: option 'header' must be true or false, not {header!r}"
            )
        return read_csv(
            path,
            encoding=options.get("encoding"),
            delimiter=options.get("delimiter", ","),
            quotechar=options.get("quotechar", '"'),
            header=header,
            columns=options.get("columns"),
        )
