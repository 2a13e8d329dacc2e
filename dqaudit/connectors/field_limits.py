"""The longest field a file connector reads, checked before parsing.

A single 50 MB field took 15 s and 327 MB to read, and no records system exports such a
field: it is a broken or hostile extract. ``max_field_size`` (characters, default
``DEFAULT_MAX_FIELD_SIZE`` = 1 MiB) bounds every field of a CSV file, every field of a
fixed-width layout, and every cell of a workbook; above it the read stops with an error
naming the line (or cell) and column.

For a CSV file without quote characters every field lies between two delimiters or line
ends, so one vectorised pass over the bytes (in chunks, so memory stays small) finds any
field that is too long. Quoted files are read by the ``csv`` module, whose own field
limit is set to ``max_field_size`` for the read (see ``csv_field_limit``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from dqaudit.errors import InputError

DEFAULT_MAX_FIELD_SIZE = 1024 * 1024  # characters
_CHUNK_BYTES = 4 * 1024 * 1024


def max_field_size_option(options: Mapping[str, Any], where: str) -> int:
    """The ``max_field_size`` option: a whole number of characters from 1."""
    value = options.get("max_field_size", DEFAULT_MAX_FIELD_SIZE)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(
            f"{where}: option 'max_field_size' must be a whole number of characters from 1, "
            f"not {value!r}"
        )
    return value


def too_long(path: Path | str, line: int, column: int, length: str, limit: int) -> InputError:
    return InputError(
        f"{path}: line {line}, column {column}: a field of {length} characters is longer "
        f"than max_field_size ({limit:,}); check the extract, or raise max_field_size"
    )


def check_plain_fields(
    path: Path, data: bytes, encoding: str, delimiter: bytes, limit: int
) -> None:
    """Refuse a file without quotes whose longest field exceeds ``limit`` characters."""
    if len(data) <= limit:
        return
    arr = np.frombuffer(data, dtype=np.uint8)
    separator = delimiter[0]
    previous = -1  # the position of the last delimiter or newline seen
    for start in range(0, len(arr), _CHUNK_BYTES):
        chunk = arr[start : start + _CHUNK_BYTES]
        ends = np.flatnonzero((chunk == 10) | (chunk == separator)) + start
        if not len(ends):
            continue
        bounds = np.concatenate(([previous], ends))
        lengths = np.diff(bounds) - 1
        for position in np.flatnonzero(lengths > limit):
            _refuse_field(path, data, encoding, delimiter, int(bounds[position]) + 1,
                          int(bounds[position + 1]), limit)  # fmt: skip
        previous = int(ends[-1])
    if len(arr) - previous - 1 > limit:
        _refuse_field(path, data, encoding, delimiter, previous + 1, len(arr), limit)


def _refuse_field(
    path: Path, data: bytes, encoding: str, delimiter: bytes, start: int, end: int, limit: int
) -> None:
    """Raise if ``data[start:end]`` is over ``limit`` characters (not only bytes)."""
    characters = len(data[start:end].decode(encoding, errors="replace").rstrip("\r"))
    if characters <= limit:
        return  # long in bytes (accented letters in UTF-8), not in characters
    line = data.count(b"\n", 0, start) + 1
    line_start = data.rfind(b"\n", 0, start) + 1
    column = data.count(delimiter, line_start, start) + 1
    raise too_long(path, line, column, f"{characters:,}", limit)


@contextmanager
def csv_field_limit(limit: int) -> Iterator[None]:
    """The ``csv`` module's field limit (process-wide) set to ``limit`` for one read."""
    before = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def quoted_field_position(
    text: str, start_line: int, delimiter: str, quotechar: str, limit: int
) -> tuple[int, int]:
    """The (line, column) where the record starting on ``start_line`` has a field over
    ``limit`` characters: walked by hand, only once the ``csv`` module has refused it."""
    offset = 0
    for _ in range(start_line - 1):
        offset = text.index("\n", offset) + 1
    line, column, length, quoted, field_line = start_line, 1, 0, False, start_line
    position = offset
    while position < len(text):
        char = text[position]
        if quoted:
            if char == quotechar and text[position + 1 : position + 2] == quotechar:
                position += 1
                length += 1
            elif char == quotechar:
                quoted = False
            else:
                length += 1
        elif char == quotechar and length == 0:
            quoted = True
        elif char == delimiter:
            column, length, field_line = column + 1, 0, line
        elif char == "\n":
            break
        else:
            length += 1
        if char == "\n":
            line += 1
        if length > limit:
            return field_line, column
        position += 1
    return start_line, column
