"""CSV extracts, read so that no value changes and every record keeps its line number.

Every cell is read as text and only an empty cell is null ("NA" and "NULL" are values),
unless column ``types`` are declared. Ragged rows are errors naming their line, unless
``on_bad_row`` says to skip or report them. Line numbers are physical: a record with a
quoted newline is identified by the line it starts on. The common case (no quote
characters in the file) is scanned with numpy; quoted files are scanned with ``csv``
(the scans, and the encoding, are in csv_layout; a file without quotes is parsed by
pyarrow, see arrow_csv).
Only a file with bad rows under skip/report takes a slower path that rebuilds it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dqaudit.connectors.arrow_csv import read_plain_text
from dqaudit.connectors.base import (
    BadRowPolicy,
    Extract,
    ExtractHeader,
    Fingerprint,
    FrameExtract,
)
from dqaudit.connectors.csv_layout import (
    CsvLayout,
    PlainShape,
    detect_encoding,
    scan_plain,
    scan_quoted,
)
from dqaudit.connectors.field_limits import (
    DEFAULT_MAX_FIELD_SIZE,
    check_plain_fields,
    csv_field_limit,
    max_field_size_option,
)
from dqaudit.connectors.file_records import (
    BadRows,
    ColumnType,
    apply_types,
    bad_row_policy,
    bool_option,
    column_names_option,
    column_types,
    read_file_bytes,
)
from dqaudit.digests import sha256_bytes
from dqaudit.errors import InputError

HEADER_SNIFF_BYTES = 1 << 20  # a header row longer than this is refused


def read_csv(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str = ",",
    quotechar: str = '"',
    header: bool = True,
    columns: list[str] | None = None,
    on_bad_row: str = "error",
    types: dict[str, ColumnType] | None = None,
    max_field_size: int = DEFAULT_MAX_FIELD_SIZE,
) -> FrameExtract:
    """Read a CSV file as text; errors name the file and line at fault.

    ``on_bad_row`` (error, skip or report) decides what a ragged row or a value that is
    not of its declared type does; ``types`` declares column types (see file_records).
    A field longer than ``max_field_size`` characters is an error (see field_limits).
    """
    path = Path(path)
    if len(delimiter) != 1 or len(quotechar) != 1:
        raise InputError(f"{path}: delimiter and quotechar must be single characters")
    bad = BadRows(str(path), on_bad_row)
    before = _file_state(path)
    data = read_file_bytes(path)
    encoding = detect_encoding(path, data, encoding)
    sha256 = sha256_bytes(data)
    plain = delimiter.isascii() and quotechar.isascii() and quotechar.encode("ascii") not in data
    if plain:
        check_plain_fields(path, data, encoding, delimiter.encode("ascii"), max_field_size)
        shape = PlainShape.of(data, delimiter.encode("ascii"))
        del data  # pandas reads the file itself: faster, and the bytes need not stay in memory
        frame, lines = _read_plain(path, shape, encoding, delimiter, header, columns, bad)
    else:
        with csv_field_limit(max_field_size):
            layout = scan_quoted(
                path, data, encoding, delimiter, quotechar, header, bad, max_field_size
            )
            names = _column_names(path, layout.header, columns, layout.fields)
            if len(layout.record_lines) == 0:
                _no_records(path, layout.header is not None, bad)
            if layout.dropped:
                frame = _quoted_rows(data, encoding, delimiter, quotechar, layout, names)
            else:
                frame = _parse(
                    path, io.BytesIO(data), encoding, delimiter, quotechar, header, names
                )
        lines = layout.record_lines
    if _file_state(path) != before:
        raise InputError(f"{path}: the file changed while it was being read; read it again")
    if len(frame) != len(lines):
        raise InputError(
            f"{path}: read {len(frame)} records but found {len(lines)} record "
            "lines; check the delimiter and quoting"
        )
    frame, lines = apply_types(frame, lines, types or {}, bad)
    if len(frame) == 0:
        _no_records(path, header, bad)
    fingerprint = Fingerprint(
        source=str(path),
        sha256=sha256,
        rows=len(frame),
        columns=[str(c) for c in frame.columns],
    )
    return FrameExtract(
        frame=frame,
        fingerprint=fingerprint,
        line_numbers=lines,
        bad_rows=bad.sorted_rows(),
        bad_row_policy=BadRowPolicy(on_bad_row),
    )


def read_csv_header(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str = ",",
    quotechar: str = '"',
    header: bool = True,
    columns: list[str] | None = None,
    max_field_size: int = DEFAULT_MAX_FIELD_SIZE,
) -> ExtractHeader:
    """The column names alone: the file's first record (or ``columns``), read without
    reading the rest of the file; named and checked as ``read_csv`` names them."""
    path = Path(path)
    if len(delimiter) != 1 or len(quotechar) != 1:
        raise InputError(f"{path}: delimiter and quotechar must be single characters")
    if not header:
        return ExtractHeader(str(path), tuple(_column_names(path, None, columns, None)))
    try:
        with path.open("rb") as raw:
            start = raw.read(HEADER_SNIFF_BYTES)
    except FileNotFoundError:
        raise InputError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    # Where the first record ends is found on bytes (delimiters and quotes are ASCII), so
    # only the header's own bytes are decoded: a bad byte further on is the audit's to find.
    lines = start.splitlines(keepends=True)
    with csv_field_limit(max_field_size):
        scan = csv.reader(
            (line.decode("latin-1") for line in lines), delimiter=delimiter, quotechar=quotechar
        )
        try:
            first = next((row for row in scan if row), None)
        except csv.Error as exc:
            raise InputError(f"{path}: line {scan.line_num}: malformed CSV: {exc}") from None
        if first is None:
            raise InputError(f"{path}: the file is empty")
        if len(start) == HEADER_SNIFF_BYTES and scan.line_num >= len(lines):
            raise InputError(f"{path}: the header is longer than {HEADER_SNIFF_BYTES:,} bytes")
        header_bytes = b"".join(lines[: scan.line_num])
        encoding = detect_encoding(path, header_bytes, encoding)
        text = header_bytes.decode(encoding)
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
        first = next(row for row in rows if row)
    first[0] = first[0].lstrip("\ufeff")
    return ExtractHeader(str(path), tuple(_column_names(path, first, columns, len(first))))


def _no_records(path: Path, header: bool, bad: BadRows) -> None:
    if bad.rows:
        first = bad.sorted_rows()[0]
        raise InputError(
            f"{path}: every record is a bad row ({len(bad.rows)}; first at line "
            f"{first.line}: {first.reason})"
        )
    if header:
        raise InputError(f"{path}: has a header row but no records")


def _file_state(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _read_plain(
    path: Path,
    shape: PlainShape,
    encoding: str,
    delimiter: str,
    header: bool,
    columns: list[str] | None,
    bad: BadRows,
) -> tuple[pd.DataFrame, np.ndarray]:
    """A file without quote characters: pandas parses, and two byte counts usually prove
    every line is one whole record; only when they do not is each line scanned."""
    first = shape.first_line.decode(encoding).lstrip("\ufeff").split(delimiter)
    names = _column_names(path, first if header else None, columns, len(first))
    try:
        frame = read_plain_text(path, encoding, delimiter, header, first, names)
        if frame is None:  # something pyarrow might read differently: pandas decides
            frame = _parse(path, path, encoding, delimiter, '"', header, names)
    except InputError:
        data = path.read_bytes()
        layout = scan_plain(path, data, encoding, ord(delimiter), header, bad)  # names the line
        if not layout.dropped:
            raise
        return _plain_lines(path, data, encoding, delimiter, layout, names), layout.record_lines
    if header and len(frame) == 0:
        raise InputError(f"{path}: has a header row but no records")
    expected = len(frame) + (1 if header else 0)
    if shape.lines == expected and shape.delimiters == (len(names) - 1) * expected:
        # pandas refuses a line with too many fields, so these counts leave no room for a
        # short or blank line: record i is on line i + 1, after the header.
        start = 2 if header else 1
        return frame, np.arange(start, start + len(frame), dtype=np.int64)
    data = path.read_bytes()
    layout = scan_plain(path, data, encoding, ord(delimiter), header, bad)
    if layout.dropped:
        frame = _plain_lines(path, data, encoding, delimiter, layout, names)
    return frame, layout.record_lines


def _plain_lines(
    path: Path, data: bytes, encoding: str, delimiter: str, layout: CsvLayout, names: list[str]
) -> pd.DataFrame:
    """Parse only the good records' lines (the slow path, taken only when rows were dropped)."""
    physical = data.split(b"\n")
    body = b"\n".join(physical[line - 1] for line in layout.record_lines.tolist())
    if encoding == "utf-8-sig" and body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    return _parse(path, io.BytesIO(body), encoding, delimiter, '"', False, names)


def _quoted_rows(
    data: bytes,
    encoding: str,
    delimiter: str,
    quotechar: str,
    layout: CsvLayout,
    names: list[str],
) -> pd.DataFrame:
    """The good records of a quoted file, as text (the slow path, for dropped bad rows)."""
    keep = set(layout.record_lines.tolist())
    text = data.decode(encoding).lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    rows, previous_end = [], 0
    for row in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if row and start in keep:
            rows.append(row)
    frame = pd.DataFrame(rows, columns=names, dtype="str")
    return frame.mask(frame == "")


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
    options = frozenset(
        {
            "path",
            "encoding",
            "delimiter",
            "quotechar",
            "header",
            "columns",
            "on_bad_row",
            "types",
            "max_field_size",
        }
    )

    def extract(self, options: dict[str, Any], *, base_dir: Path) -> Extract:
        path, where = self._path(options, base_dir)
        return read_csv(
            path,
            encoding=options.get("encoding"),
            delimiter=str(options.get("delimiter", ",")),
            quotechar=str(options.get("quotechar", '"')),
            header=bool_option(options, "header", True, where),
            columns=column_names_option(options, where),
            on_bad_row=bad_row_policy(options, where),
            types=column_types(options.get("types"), where),
            max_field_size=max_field_size_option(options, where),
        )

    def header(self, options: dict[str, Any], *, base_dir: Path) -> ExtractHeader:
        """The file's column names (its first line), for ``suite lint``."""
        path, where = self._path(options, base_dir)
        return read_csv_header(
            path,
            encoding=options.get("encoding"),
            delimiter=str(options.get("delimiter", ",")),
            quotechar=str(options.get("quotechar", '"')),
            header=bool_option(options, "header", True, where),
            columns=column_names_option(options, where),
            max_field_size=max_field_size_option(options, where),
        )

    def _path(self, options: dict[str, Any], base_dir: Path) -> tuple[Path, str]:
        from dqaudit.connectors.registry import check_options

        where = "csv connector"
        check_options(options, self.options, {"path"}, where)
        path = Path(options["path"])
        return (path if path.is_absolute() else base_dir / path), where
