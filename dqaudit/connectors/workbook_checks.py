"""Checks on a workbook before any reader expands it: zip bombs, grid size and formulas.

An .xlsx/.xlsm/.ods file is a zip of XML parts. A 4.7 MB workbook expanded to 4.4 GB of
XML (65 s, 4.6 GB of memory) and a 27 MB one aborted the process; a sheet whose one cell
sits at XFD1048576 makes a dense reader build a grid of 17 billion cells. So, before
python-calamine sees the bytes:

1. every part's declared uncompressed size is checked against ``max_part_bytes``, the
   total against ``max_uncompressed_bytes``, and a part over 10 MiB may expand at most
   ``max_compression_ratio`` times its compressed size;
2. the chosen sheet's XML is inflated once, in chunks, and must inflate to exactly its
   declared size (a lying header cannot hide a bomb); on the way, its grid (last row x
   last column) is measured against ``max_cells``, and formula tags are looked for;
3. for .xlsx/.xlsm, a sheet with formulas is parsed (streaming) for formula cells that
   have no cached value: with ``formulas: error`` (the default) they are an error naming
   the cells, because a reader sees such a cell as empty and the audit would pass it;
   with ``formulas: cached`` the cached values are read and a formula without one is
   read as empty, as Excel would show it before recalculation.

A legacy .xls (BIFF) file is not compressed: its file size is bounded by
``max_uncompressed_bytes`` and its grid by the format itself (65,536 x 256 cells).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from xml.etree import ElementTree

from dqaudit.errors import InputError

FORMULA_POLICIES = ("error", "cached")
RATIO_FLOOR_BYTES = 10 * 1024 * 1024
SHOWN_CELLS = 5
_CHUNK = 1024 * 1024
_OVERLAP = 64


@dataclass(frozen=True)
class WorkbookLimits:
    """Bounds on what a workbook may expand to (connector options of the same names)."""

    max_part_bytes: int = 2 * 1024**3
    max_uncompressed_bytes: int = 3 * 1024**3
    max_compression_ratio: int = 100
    max_cells: int = 25_000_000


LIMIT_OPTIONS = tuple(WorkbookLimits.__dataclass_fields__)


def limits_option(options: Mapping[str, Any], where: str) -> WorkbookLimits:
    """The limit options, each a whole number from 1 (defaults as in WorkbookLimits)."""
    values = {}
    for name in LIMIT_OPTIONS:
        if name in options:
            value = options[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(
                    f"{where}: option '{name}' must be a whole number from 1, not {value!r}"
                )
            values[name] = value
    return WorkbookLimits(**values)


def formulas_option(options: Mapping[str, Any], where: str) -> str:
    value = options.get("formulas", "error")
    if value not in FORMULA_POLICIES:
        raise InputError(f"{where}: option 'formulas' must be error or cached, not {value!r}")
    return str(value)


def check_workbook(
    path: Any, data: bytes, sheet: str | int | None, limits: WorkbookLimits, formulas: str
) -> None:
    """Refuse a workbook that would expand past ``limits`` or hide formula results."""
    if not data.startswith(b"PK"):
        if len(data) > limits.max_uncompressed_bytes:  # .xls: not compressed
            raise InputError(
                f"{path}: is {len(data):,} bytes, more than max_uncompressed_bytes "
                f"({limits.max_uncompressed_bytes:,})"
            )
        return  # not a zip: the reader says what it is
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return  # the reader gives its own "not a readable workbook" error
    _check_declared_sizes(path, parts, limits)
    part = _sheet_part(archive, sheet)
    if part is None:
        return  # an .ods, or a sheet the reader will name as missing
    info = archive.getinfo(part)
    shape = _measure_sheet(path, data, info, limits)
    if shape.formulas and formulas == "error":
        missing = _formulas_without_values(archive, part)
        if missing:
            shown = ", ".join(missing[:SHOWN_CELLS])
            more = f" and {len(missing) - SHOWN_CELLS} more" if len(missing) > SHOWN_CELLS else ""
            raise InputError(
                f"{path} [part {part}]: {len(missing)} formula cell(s) have no cached value "
                f"({shown}{more}), so they would read as empty; open and save the workbook "
                "in Excel to calculate them, or set formulas: cached to read them as empty"
            )


def _check_declared_sizes(path: Any, parts: list[zipfile.ZipInfo], limits: WorkbookLimits) -> None:
    total = 0
    for info in parts:
        where = f"{path} [part {info.filename}]"
        if info.file_size > limits.max_part_bytes:
            raise InputError(
                f"{where}: expands to {info.file_size:,} bytes, more than max_part_bytes "
                f"({limits.max_part_bytes:,})"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
            raise InputError(
                f"{where}: expands {ratio:,.0f} times ({info.compress_size:,} to "
                f"{info.file_size:,} bytes), more than max_compression_ratio "
                f"({limits.max_compression_ratio}); a zip bomb?"
            )
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise InputError(
                f"{where}: the workbook's parts expand to more than max_uncompressed_bytes "
                f"({limits.max_uncompressed_bytes:,})"
            )


def _sheet_part(archive: zipfile.ZipFile, sheet: str | int | None) -> str | None:
    """The zip part holding the chosen sheet of an .xlsx/.xlsm, from workbook.xml."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return None
    try:
        book = ElementTree.fromstring(_small_part(archive, "xl/workbook.xml"))
        rels = ElementTree.fromstring(_small_part(archive, "xl/_rels/workbook.xml.rels"))
    except ElementTree.ParseError:
        return None
    targets = {r.get("Id"): r.get("Target", "") for r in rels if r.tag.endswith("Relationship")}
    sheets = [s for s in book.iter() if s.tag.rsplit("}", 1)[-1] == "sheet"]
    chosen = None
    if sheet is None or (isinstance(sheet, int) and not isinstance(sheet, bool)):
        position = 1 if sheet is None else int(sheet)
        chosen = sheets[position - 1] if 1 <= position <= len(sheets) else None
    else:
        chosen = next((s for s in sheets if s.get("name") == sheet), None)
    if chosen is None:
        return None
    rid = next((v for k, v in chosen.attrib.items() if k.endswith("}id")), None)
    target = targets.get(rid, "")
    part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    part = str(PurePosixPath(part))
    return part if part in names else None


def _small_part(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as stream:
        data = stream.read(16 * 1024 * 1024 + 1)
    if len(data) > 16 * 1024 * 1024:
        raise InputError(f"{archive.filename or 'workbook'} [part {name}]: unreasonably large")
    return data


@dataclass
class _SheetShape:
    rows: int = 0
    columns: int = 0
    formulas: bool = False
    prefix: str = ""


_ROOT = re.compile(rb"<(\w+:)?worksheet\b")


def _measure_sheet(path: Any, data: bytes, info: zipfile.ZipInfo, limits: WorkbookLimits) -> Any:
    """Inflate the sheet once: its true size, grid extent and whether it has formulas."""
    where = f"{path} [part {info.filename}]"
    shape = _SheetShape()
    tail = b""
    patterns: tuple[re.Pattern[bytes], ...] | None = None
    for chunk in _inflate(where, data, info):
        window = tail + chunk
        if patterns is None:
            root = _ROOT.search(window)
            shape.prefix = (root.group(1) or b"").decode() if root else ""
            patterns = _patterns(shape.prefix.encode())
            # (the <dimension> element is neither trusted nor used by the reader)
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise InputError(f"{where}: has a DTD, which workbook XML never has")
        row_tag, cell_ref, formula = patterns
        rows = [int(n) for n in row_tag.findall(window)]
        columns = set(cell_ref.findall(window))
        _grow(shape, max(map(_column_number, columns), default=0), max(rows, default=0))
        shape.formulas = shape.formulas or bool(formula.search(window))
        if shape.rows * shape.columns > limits.max_cells:
            raise InputError(
                f"{where}: the sheet's grid is {shape.rows:,} rows by {shape.columns:,} "
                f"columns, more than max_cells ({limits.max_cells:,})"
            )
        tail = window[-_OVERLAP:]
    return shape


def _patterns(prefix: bytes) -> tuple[re.Pattern[bytes], ...]:
    p = re.escape(prefix)
    return (
        re.compile(rb"<" + p + rb'row\b[^>]*?\sr="(\d+)"'),
        re.compile(rb"<" + p + rb'c\s+r="([A-Z]+)\d'),
        re.compile(rb"<" + p + rb"f[\s>/]"),
    )


def _grow(shape: _SheetShape, column: int, row: int) -> None:
    shape.columns = max(shape.columns, column)
    shape.rows = max(shape.rows, row)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


def _inflate(where: str, data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in chunks; more (or fewer) than its declared size is an error."""
    header = data[info.header_offset : info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise InputError(f"{where}: the zip's local header is damaged")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_length + extra_length
    compressed = memoryview(data)[start : start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        produced = len(compressed)
        for offset in range(0, len(compressed), _CHUNK):
            yield bytes(compressed[offset : offset + _CHUNK])
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        produced = 0
        pending = bytes(compressed)
        while pending and not inflater.eof:
            chunk = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            produced += len(chunk)
            if produced > info.file_size:
                raise InputError(
                    f"{where}: inflates past its declared size of {info.file_size:,} bytes "
                    "(a zip bomb with a false header?)"
                )
            if chunk:
                yield chunk
            elif not pending:
                break
    else:
        raise InputError(
            f"{where}: uses zip compression method {info.compress_type}, which workbooks do not use"
        )
    if produced != info.file_size:
        raise InputError(
            f"{where}: inflates to {produced:,} bytes, not its declared {info.file_size:,}"
        )


def _formulas_without_values(archive: zipfile.ZipFile, part: str) -> list[str]:
    """Cells (A1 references) holding a formula but no cached value, in sheet order.

    Excel writes the last calculated result in ``<v>``; a formula written by a program
    that does not calculate (openpyxl, many exporters) has no ``<v>``, or an empty one.
    An empty ``<v>`` of a text result (``t="str"``) is a cached empty string.
    """
    namespace = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    cell_tag, formula_tag, value_tag = (f"{namespace}{t}" for t in ("c", "f", "v"))
    missing = []
    with archive.open(part) as stream:
        for _event, element in ElementTree.iterparse(stream, events=("end",)):
            if element.tag != cell_tag:
                if element.tag.endswith("}row"):
                    element.clear()
                continue
            if element.find(formula_tag) is not None:
                value = element.find(value_tag)
                text_result = element.get("t") in ("str", "inlineStr")
                if value is None or (not value.text and not text_result):
                    missing.append(element.get("r") or "?")
    return missing
