"""What the file connectors share: the ``on_bad_row`` policy and declared column types.

A malformed record (a ragged CSV row, a fixed-width record of the wrong length, a value
that is not of its column's declared type) is an error naming its line by default. With
``on_bad_row: skip`` or ``report`` it is left out of the audit and listed with the run,
with its line number and reason, so that it is never dropped silently; ``report`` also
makes the run fail, because a malformed record is itself a data-quality finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dqaudit.connectors.base import BAD_ROW_POLICIES, BadRow, BadRowPolicy
from dqaudit.errors import InputError

# Declared types and the names accepted for them (layouts often say "string"/"decimal").
TYPE_NAMES = {
    "text": "text",
    "string": "text",
    "integer": "integer",
    "number": "number",
    "decimal": "number",
    "date": "date",
    "datetime": "datetime",
}


@dataclass(frozen=True)
class ColumnType:
    """A declared column type; ``format`` is a strptime format for dates (default ISO 8601)."""

    name: str
    format: str | None = None


def bad_row_policy(options: Mapping[str, Any], where: str) -> BadRowPolicy:
    """The ``on_bad_row`` option, checked."""
    policy = options.get("on_bad_row", "error")
    if policy not in BAD_ROW_POLICIES:
        raise InputError(
            f"{where}: option 'on_bad_row' must be one of {', '.join(BAD_ROW_POLICIES)}, "
            f"not {policy!r}"
        )
    return BadRowPolicy(policy)


def bool_option(options: Mapping[str, Any], name: str, default: bool, where: str) -> bool:
    value = options.get(name, default)
    if not isinstance(value, bool):
        raise InputError(f"{where}: option '{name}' must be true or false, not {value!r}")
    return value


def column_names_option(options: Mapping[str, Any], where: str) -> list[str] | None:
    columns = options.get("columns")
    if columns is None:
        return None
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise InputError(
            f"{where}: option 'columns' must be a list of column names (quote names such as "
            "NO, YES, ON or OFF, which YAML reads as true or false)"
        )
    return list(columns)


def column_types(declared: Any, where: str) -> dict[str, ColumnType]:
    """``{column: type}`` or ``{column: {type: datetime, format: "%d/%m/%Y"}}``, checked."""
    if declared is None:
        return {}
    if not isinstance(declared, Mapping):
        raise InputError(f"{where}: 'types' must map column names to types")
    types = {}
    for column, spec in declared.items():
        fmt = None
        if isinstance(spec, Mapping):
            unknown = set(spec) - {"type", "format"}
            if unknown:
                raise InputError(
                    f"{where}: type of column '{column}' has unknown setting "
                    f"'{sorted(unknown)[0]}' (allowed: type, format)"
                )
            fmt = spec.get("format")
            spec = spec.get("type")
        types[str(column)] = ColumnType(type_name(spec, f"{where}: column '{column}'"), fmt)
    return types


def type_name(spec: Any, where: str) -> str:
    if not isinstance(spec, str) or spec.lower() not in TYPE_NAMES:
        known = ", ".join(sorted(TYPE_NAMES))
        raise InputError(f"{where}: unknown type {spec!r} (known types: {known})")
    return TYPE_NAMES[spec.lower()]


class BadRows:
    """Collects malformed records; under ``error`` the first one stops the read."""

    def __init__(self, source: str, policy: str, unit: str = "line") -> None:
        self.source = source
        self.policy = BadRowPolicy(policy)
        self.unit = unit  # how the file numbers its records: "line", or "row" in a sheet
        self.rows: list[BadRow] = []

    def add(self, lines: np.ndarray | list[int], reasons: list[str] | str) -> None:
        """Record malformed records; raise at once when the policy is ``error``."""
        lines = [int(line) for line in lines]
        if not lines:
            return
        if isinstance(reasons, str):
            reasons = [reasons] * len(lines)
        if self.policy is BadRowPolicy.ERROR:
            more = f" ({len(lines)} such record(s) in the file)" if len(lines) > 1 else ""
            raise InputError(
                f"{self.source}: {self.unit} {lines[0]}: {reasons[0]}{more}; fix the file, or set "
                "on_bad_row to skip or report"
            )
        self.rows.extend(BadRow(line, r) for line, r in zip(lines, reasons, strict=True))

    def sorted_rows(self) -> tuple[BadRow, ...]:
        return tuple(sorted(self.rows, key=lambda row: row.line))


def apply_types(
    frame: pd.DataFrame,
    lines: np.ndarray,
    types: dict[str, ColumnType],
    bad: BadRows,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Convert declared columns; a value that is not of its type makes its record bad.

    Columns without a declared type stay text, so "007" stays "007".
    """
    if not types:
        return frame, lines
    missing = [c for c in types if c not in frame.columns]
    if missing:
        shown = ", ".join(map(str, frame.columns))
        raise InputError(
            f"{bad.source}: 'types' names column '{missing[0]}', which is not in the "
            f"extract (columns: {shown})"
        )
    converted: dict[str, pd.Series] = {}
    failed = np.zeros(len(frame), dtype=bool)
    reasons: dict[int, str] = {}
    for column, declared in types.items():
        if declared.name == "text":
            continue
        values, wrong = _convert(frame[column], declared)
        converted[column] = values
        for position in np.flatnonzero(wrong & ~failed):
            reasons[int(position)] = f"column '{column}' is not a valid {declared.name}"
        failed |= wrong
    frame = frame.assign(**converted) if converted else frame
    if failed.any():
        positions = np.flatnonzero(failed)
        bad.add(lines[positions], [reasons[int(p)] for p in positions])
        keep = ~failed
        frame = frame.loc[keep].reset_index(drop=True)
        lines = lines[keep]
    return frame, lines


def _convert(series: pd.Series, declared: ColumnType) -> tuple[pd.Series, np.ndarray]:
    text = series.str.strip()
    present = text.notna().to_numpy()
    if declared.name in ("integer", "number"):
        numbers = pd.to_numeric(text, errors="coerce")
        wrong = present & numbers.isna().to_numpy()
        if declared.name == "integer":
            too_big = (numbers.abs() >= 2**63).to_numpy()
            wrong |= too_big
            numbers = numbers.where(~too_big)
            fractional = numbers.notna() & (numbers % 1 != 0)
            wrong |= fractional.to_numpy()
            numbers = numbers.where(~fractional)
            return numbers.astype("Int64"), wrong
        return numbers.astype("Float64"), wrong
    fmt = declared.format or "ISO8601"
    stamps = pd.to_datetime(text, format=fmt, errors="coerce")
    wrong = present & stamps.isna().to_numpy()
    return stamps.astype("datetime64[ns]"), wrong


def read_file_bytes(path: Path) -> bytes:
    """A file's bytes; a missing, unreadable or empty file is an error naming it."""
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
