"""Excel extracts (.xlsx, .xlsm, .xls, .ods), read with python-calamine.

calamine (a Rust reader) is several times faster than openpyxl on large sheets and reports
merged cells. Every cell becomes text as Excel would show it plainly: 25 (stored as a
float) is "25", a date cell is "2023-01-02", a datetime "2023-01-02 03:04:05", so that a
workbook audits exactly like the same data exported to CSV. Rows are identified by their
sheet row number (the number Excel shows), blank rows are skipped, and a merged or blank
header cell is an error naming the cell, since a column without one name cannot be audited.
"""

from __future__ import annotations

import datetime as dt
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
from dqaudit.connectors.field_limits import DEFAULT_MAX_FIELD_SIZE, max_field_size_option
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
from dqaudit.connectors.workbook_checks import (
    LIMIT_OPTIONS,
    WorkbookLimits,
    check_workbook,
    formulas_option,
    limits_option,
)
from dqaudit.digests import sha256_bytes
from dqaudit.errors import InputError

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
LARGEST_EXACT_FLOAT = 2**53


def read_excel(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    header_row: int = 1,
    header: bool = True,
    columns: list[str] | None = None,
    on_bad_row: str = "error",
    types: dict[str, ColumnType] | None = None,
    limits: WorkbookLimits | None = None,
    formulas: str = "error",
    max_field_size: int = DEFAULT_MAX_FIELD_SIZE,
) -> FrameExtract:
    """Read one sheet as text; ``sheet`` is a name or a 1-based position (default: first).

    ``header_row`` is the sheet row holding the column names (rows above it, such as a
    title, are ignored); with ``header=False`` it is the first row of records and
    ``columns`` names them. Before the reader expands anything, the workbook is checked
    against ``limits`` and for formulas without a cached value (see workbook_checks); a
    cell longer than ``max_field_size`` characters is an error naming it.
    """
    path = Path(path)
    limits = limits or WorkbookLimits()
    data = read_file_bytes(path)
    sha256 = sha256_bytes(data)
    check_workbook(path, data, sheet, limits, formulas)
    worksheet = _open_sheet(path, data, sheet)
    name = worksheet.name
    where = f"{path} [sheet {name}]"
    if worksheet.height * worksheet.width > limits.max_cells:
        raise InputError(
            f"{where}: the sheet's grid is {worksheet.height:,} rows by {worksheet.width:,} "
            f"columns, more than max_cells ({limits.max_cells:,})"
        )
    if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
        raise InputError(f"{where}: header_row must be a row number from 1, not {header_row!r}")
    # The whole grid from A1, so that list positions are sheet rows and columns.
    rows = worksheet.to_python(skip_empty_area=False) if worksheet.height else []
    bad = BadRows(where, on_bad_row, unit="row")
    names: list[str] | None = None if header else columns
    if not header and columns is None:
        raise InputError(f"{where}: the sheet has no header row (header: false); give its columns")
    records: list[list[Any]] = []
    lines: list[int] = []
    width = len(names) if names is not None else 0
    first = 0  # the table's first column: its first named header cell
    for offset, row in enumerate(rows):
        number = offset + 1  # the row number Excel shows
        if number < header_row:
            continue
        cells = list(row)
        if header and names is None:
            first, names = _header_names(where, worksheet, cells, number)
            width = len(names)
            continue
        if _blank(cells):
            continue
        outside = [
            i
            for i in (*range(first), *range(first + width, len(cells)))
            if not _blank_cell(cells[i])
        ]
        if outside:
            bad.add(
                [number],
                f"cell {_cell(number, outside[0])} has a value but its column has no header",
            )
            continue
        record = cells[first : first + width]
        records.append(record + [""] * (width - len(record)))
        lines.append(number)
    if names is None:
        raise InputError(f"{where}: row {header_row} (the header row) is blank or beyond the data")
    if not records and not bad.rows:
        raise InputError(f"{where}: has a header row but no records")
    if not records:
        earliest = bad.sorted_rows()[0]
        raise InputError(
            f"{where}: every record is a bad row (first at row {earliest.line}: {earliest.reason})"
        )
    _check_cell_sizes(where, records, lines, first, max_field_size)
    frame = _text_frame(records, names)
    line_numbers = np.asarray(lines, dtype=np.int64)
    frame, line_numbers = apply_types(frame, line_numbers, types or {}, bad)
    fingerprint = Fingerprint(
        source=where, sha256=sha256, rows=len(frame), columns=[str(c) for c in frame.columns]
    )
    return FrameExtract(
        frame=frame,
        fingerprint=fingerprint,
        line_numbers=line_numbers,
        bad_rows=bad.sorted_rows(),
        bad_row_policy=BadRowPolicy(on_bad_row),
    )


def read_excel_header(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    header_row: int = 1,
    header: bool = True,
    columns: list[str] | None = None,
    limits: WorkbookLimits | None = None,
    formulas: str = "error",
) -> ExtractHeader:
    """The column names of one sheet: its header row (or ``columns``), checked as
    ``read_excel`` checks them, without turning the records into text."""
    path = Path(path)
    data = read_file_bytes(path)
    check_workbook(path, data, sheet, limits or WorkbookLimits(), formulas)
    worksheet = _open_sheet(path, data, sheet)
    where = f"{path} [sheet {worksheet.name}]"
    if not header:
        if columns is None:
            raise InputError(
                f"{where}: the sheet has no header row (header: false); give its columns"
            )
        return ExtractHeader(where, tuple(columns))
    if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
        raise InputError(f"{where}: header_row must be a row number from 1, not {header_row!r}")
    if worksheet.height:
        left = [""] * worksheet.start[1]  # iter_rows starts at the first used column
        for number, row in enumerate(worksheet.iter_rows(), start=1):
            if number == header_row:
                names = _header_names(where, worksheet, left + list(row), number)[1]
                return ExtractHeader(where, tuple(names))
    raise InputError(f"{where}: row {header_row} (the header row) is blank or beyond the data")


def _open_sheet(path: Path, data: bytes, sheet: str | int | None) -> Any:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(_Bytes(data))
    except Exception as exc:  # calamine raises its own error types for unreadable files
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a readable Excel workbook ({reason})") from None
    names = list(workbook.sheet_names)
    listing = ", ".join(repr(n) for n in names) or "none"
    if sheet is None:
        sheet = 1
    if isinstance(sheet, bool) or not isinstance(sheet, int | str):
        raise InputError(f"{path}: option 'sheet' must be a sheet name or a number from 1")
    if isinstance(sheet, int):
        if not 1 <= sheet <= len(names):
            raise InputError(
                f"{path}: has {len(names)} sheet(s), so there is no sheet {sheet} "
                f"(sheets: {listing})"
            )
        sheet = names[sheet - 1]
    if sheet not in names:
        raise InputError(f"{path}: no sheet named {sheet!r} (sheets: {listing})")
    return workbook.get_sheet_by_name(sheet)


class _Bytes:
    """A file-like object over bytes already read (and hashed) once."""

    def __init__(self, data: bytes) -> None:
        import io

        self._buffer = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._buffer.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._buffer.seek(offset, whence)

    def tell(self) -> int:
        return self._buffer.tell()


def _header_names(
    where: str, worksheet: Any, cells: list[Any], number: int
) -> tuple[int, list[str]]:
    """The table's first column and its names; merged, blank and repeated names are errors."""
    if _blank(cells):
        raise InputError(f"{where}: row {number} (the header row) is blank")
    named = [i for i, cell in enumerate(cells) if not _blank_cell(cell)]
    first, last = named[0], named[-1]
    for (top, left), (bottom, right) in worksheet.merged_cell_ranges or []:
        if top <= number - 1 <= bottom and left <= last and right >= first:
            merged = f"{_cell(top + 1, left)}:{_cell(bottom + 1, right)}"
            raise InputError(
                f"{where}: header cell {_cell(number, left)} is merged ({merged}); "
                "unmerge it so that every column has its own name"
            )
    names = []
    seen: set[str] = set()
    for index in range(first, last + 1):
        name = (_text(cells[index]) or "").strip() if not _blank_cell(cells[index]) else ""
        if not name:
            raise InputError(f"{where}: header cell {_cell(number, index)} is blank; name it")
        if name in seen:
            raise InputError(f"{where}: column '{name}' appears twice in the header")
        seen.add(name)
        names.append(name)
    return first, names


def _check_cell_sizes(
    where: str, records: list[list[Any]], lines: list[int], first: int, limit: int
) -> None:
    """The first cell (in sheet order) holding more than ``limit`` characters, refused."""
    for position, record in enumerate(records):
        for index, value in enumerate(record):
            if isinstance(value, str) and len(value) > limit:
                raise InputError(
                    f"{where}: cell {_cell(lines[position], first + index)} holds "
                    f"{len(value):,} characters, more than max_field_size ({limit:,}); "
                    "check the workbook, or raise max_field_size"
                )


def _text_frame(records: list[list[Any]], names: list[str]) -> pd.DataFrame:
    columns = {}
    for index, name in enumerate(names):
        values = [_text(row[index]) for row in records]
        columns[name] = pd.array(values, dtype="str")
    return pd.DataFrame(columns)


def _text(value: Any) -> str | None:
    """A cell as plain text; an empty cell is null."""
    if isinstance(value, str):
        return value if value != "" else None
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < LARGEST_EXACT_FLOAT:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _blank_cell(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _blank(cells: list[Any]) -> bool:
    return all(_blank_cell(cell) for cell in cells)


def _cell(row: int, column: int) -> str:
    """An A1-style reference: row is 1-based, column 0-based."""
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return f"{letters}{row}"


class ExcelConnector:
    """The ``excel`` connector: one sheet of a workbook, every cell as text."""

    description = "Excel workbooks (.xlsx, .xlsm, .xls, .ods): one sheet, cells as text"
    options = frozenset(
        {
            "path",
            "sheet",
            "header_row",
            "header",
            "columns",
            "on_bad_row",
            "types",
            "formulas",
            "max_field_size",
            *LIMIT_OPTIONS,
        }
    )

    def extract(self, options: dict[str, Any], *, base_dir: Path) -> Extract:
        path, where = self._path(options, base_dir)
        return read_excel(
            path,
            sheet=options.get("sheet"),
            header_row=options.get("header_row", 1),
            header=bool_option(options, "header", True, where),
            columns=column_names_option(options, where),
            on_bad_row=bad_row_policy(options, where),
            types=column_types(options.get("types"), where),
            limits=limits_option(options, where),
            formulas=formulas_option(options, where),
            max_field_size=max_field_size_option(options, where),
        )

    def header(self, options: dict[str, Any], *, base_dir: Path) -> ExtractHeader:
        """The sheet's column names (its header row), for ``suite lint``."""
        path, where = self._path(options, base_dir)
        return read_excel_header(
            path,
            sheet=options.get("sheet"),
            header_row=options.get("header_row", 1),
            header=bool_option(options, "header", True, where),
            columns=column_names_option(options, where),
            limits=limits_option(options, where),
            formulas=formulas_option(options, where),
        )

    def _path(self, options: dict[str, Any], base_dir: Path) -> tuple[Path, str]:
        from dqaudit.connectors.registry import check_options

        where = "excel connector"
        check_options(options, self.options, {"path"}, where)
        path = Path(options["path"])
        return (path if path.is_absolute() else base_dir / path), where
