"""Fixed-width extracts: mainframe-style files such as PNC bulk extracts.

A layout file (YAML) gives each field's name, 1-based start, width and type. Each line is
one record; a record whose length does not match the layout is a bad row named by its
line number (an error by default; see ``on_bad_row``). Fields are cut by character
position, stripped of padding, and an all-space field is empty (null). Fields of type
``string`` stay text; other types (integer, number, date, datetime) are converted, and a
value that does not convert makes its record a bad row, as a ragged row does in a CSV.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dqaudit.connectors.base import (
    BadRowPolicy,
    Extract,
    ExtractHeader,
    Fingerprint,
    FrameExtract,
)
from dqaudit.connectors.csv_layout import detect_encoding
from dqaudit.connectors.field_limits import DEFAULT_MAX_FIELD_SIZE, max_field_size_option
from dqaudit.connectors.file_records import (
    BadRows,
    ColumnType,
    apply_types,
    bad_row_policy,
    read_file_bytes,
    type_name,
)
from dqaudit.digests import sha256_bytes
from dqaudit.errors import InputError
from dqaudit.workspace.yaml_input import read_yaml_file

FIELD_SETTINGS = frozenset({"name", "start", "width", "type", "format"})
LAYOUT_SETTINGS = frozenset({"fields", "encoding", "record_length"})


@dataclass(frozen=True)
class Field:
    name: str
    start: int  # 1-based, as layouts are written
    width: int
    type: ColumnType

    @property
    def end(self) -> int:
        """The last character position of the field (1-based, inclusive)."""
        return self.start + self.width - 1


@dataclass(frozen=True)
class Layout:
    path: Path
    fields: tuple[Field, ...]
    record_length: int
    encoding: str | None = None


def load_layout(path: str | Path) -> Layout:
    """Read and check a layout; errors name the layout file and the field at fault."""
    path = Path(path)
    document = read_yaml_file(path, "layout file").data
    if not isinstance(document, dict) or not isinstance(document.get("fields"), list):
        raise InputError(f"{path}: a layout needs 'fields', a list of name/start/width/type")
    unknown = set(document) - LAYOUT_SETTINGS
    if unknown:
        raise InputError(f"{path}: unknown layout setting '{sorted(unknown)[0]}'")
    fields = tuple(_field(path, number, item) for number, item in enumerate(document["fields"], 1))
    if not fields:
        raise InputError(f"{path}: the layout has no fields")
    _check_fields(path, fields)
    longest = max(f.end for f in fields)
    record_length = document.get("record_length", longest)
    if not isinstance(record_length, int) or record_length < longest:
        raise InputError(
            f"{path}: record_length {record_length!r} is shorter than the fields ({longest})"
        )
    encoding = document.get("encoding")
    return Layout(path, fields, record_length, str(encoding) if encoding else None)


def _field(path: Path, number: int, item: Any) -> Field:
    where = f"{path}: field {number}"
    if not isinstance(item, dict):
        raise InputError(f"{where} must be a mapping with name, start, width and type")
    unknown = set(item) - FIELD_SETTINGS
    if unknown:
        raise InputError(f"{where}: unknown setting '{sorted(unknown)[0]}'")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where} has no name")
    where = f"{path}: field {number} ({name})"
    for setting in ("start", "width"):
        value = item.get(setting)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputError(f"{where}: '{setting}' must be a whole number from 1, not {value!r}")
    declared = ColumnType(type_name(item.get("type"), where), item.get("format"))
    return Field(name, item["start"], item["width"], declared)


def _check_fields(path: Path, fields: tuple[Field, ...]) -> None:
    names: set[str] = set()
    for field in fields:
        if field.name in names:
            raise InputError(f"{path}: field '{field.name}' appears twice")
        names.add(field.name)
    ordered = sorted(fields, key=lambda f: f.start)
    for before, after in itertools.pairwise(ordered):
        if after.start <= before.end:
            raise InputError(
                f"{path}: fields '{before.name}' ({before.start}-{before.end}) and "
                f"'{after.name}' ({after.start}-{after.end}) overlap"
            )


def read_fixed_width(
    path: str | Path,
    layout: Layout,
    *,
    encoding: str | None = None,
    on_bad_row: str = "error",
    max_field_size: int = DEFAULT_MAX_FIELD_SIZE,
) -> FrameExtract:
    """Read a fixed-width file with its layout; every record keeps its line number.

    No field is wider than its layout says, so ``max_field_size`` bounds the layout's
    widths (a record of any other length is a bad row, never cut into fields).
    """
    path = Path(path)
    for field in layout.fields:
        if field.width > max_field_size:
            raise InputError(
                f"{layout.path}: field '{field.name}' is {field.width:,} characters wide, "
                f"more than max_field_size ({max_field_size:,}); check the layout, or raise "
                "max_field_size"
            )
    bad = BadRows(str(path), on_bad_row)
    data = read_file_bytes(path)
    encoding = detect_encoding(path, data, encoding or layout.encoding)
    sha256 = sha256_bytes(data)
    text = data.decode(encoding).lstrip("\ufeff")
    physical = text.split("\n")
    if physical and physical[-1] == "":
        physical.pop()  # the newline that ends the last record
    lines = pd.Series(physical, dtype="str").str.removesuffix("\r")
    line_numbers = np.arange(1, len(lines) + 1, dtype=np.int64)
    lengths = lines.str.len().to_numpy()
    wrong = lengths != layout.record_length
    if wrong.any():
        positions = np.flatnonzero(wrong)
        bad.add(
            line_numbers[positions],
            [
                f"the record is {int(lengths[p])} characters long; the layout "
                f"{layout.path.name} gives {layout.record_length}"
                for p in positions
            ],
        )
        lines = lines[~wrong].reset_index(drop=True)
        line_numbers = line_numbers[~wrong]
    if len(lines) == 0:
        raise InputError(f"{path}: no record has the layout's length ({layout.record_length})")
    frame = pd.DataFrame(
        {
            field.name: _cut(lines, field.start - 1, field.end).astype("str")
            for field in layout.fields
        }
    )
    types = {field.name: field.type for field in layout.fields}
    frame, line_numbers = apply_types(frame, line_numbers, types, bad)
    if len(frame) == 0:
        first = bad.sorted_rows()[0]
        raise InputError(
            f"{path}: every record is a bad row (first at line {first.line}: {first.reason})"
        )
    fingerprint = Fingerprint(
        source=str(path), sha256=sha256, rows=len(frame), columns=list(frame.columns)
    )
    return FrameExtract(
        frame=frame,
        fingerprint=fingerprint,
        line_numbers=line_numbers,
        bad_rows=bad.sorted_rows(),
        bad_row_policy=BadRowPolicy(on_bad_row),
    )


def _cut(lines: pd.Series, start: int, end: int) -> pd.Series:
    values = lines.str.slice(start, end).str.strip()
    return values.mask(values == "")


class FixedWidthConnector:
    """The ``fixed_width`` connector: mainframe-style files described by a YAML layout."""

    description = "Fixed-width (mainframe-style) files described by a YAML layout"
    options = frozenset({"path", "layout", "encoding", "on_bad_row", "max_field_size"})

    def extract(self, options: dict[str, Any], *, base_dir: Path) -> Extract:
        path, layout_path, where = self._paths(options, base_dir)
        return read_fixed_width(
            path,
            load_layout(layout_path),
            encoding=options.get("encoding"),
            on_bad_row=bad_row_policy(options, where),
            max_field_size=max_field_size_option(options, where),
        )

    def header(self, options: dict[str, Any], *, base_dir: Path) -> ExtractHeader:
        """The layout's field names, for ``suite lint``: the data file is not read."""
        path, layout_path, _where = self._paths(options, base_dir)
        layout = load_layout(layout_path)
        return ExtractHeader(str(path), tuple(field.name for field in layout.fields))

    def _paths(self, options: dict[str, Any], base_dir: Path) -> tuple[Path, Path, str]:
        from dqaudit.connectors.registry import check_options

        where = "fixed_width connector"
        check_options(options, self.options, {"path", "layout"}, where)
        path, layout_path = Path(options["path"]), Path(options["layout"])
        if not path.is_absolute():
            path = base_dir / path
        if not layout_path.is_absolute():
            layout_path = base_dir / layout_path
        return path, layout_path, where
