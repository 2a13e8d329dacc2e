"""Record keys of rows in memory: the key columns joined with '|', or the physical line.

A row keeps its key. Only a row whose key is blank (a key part null or empty) is
identified by the line it starts on in its file, marked as such; a source without lines
(a database table read into memory) cannot do that, so a blank key part there is an
input error naming the key column and how many rows lack it, never a key with an empty
part. The same rule holds for database and Spark backends (checked in the database).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dqaudit.engine.backend import KEY_SEPARATOR, KeySource
from dqaudit.engine.pandas_eval import as_text
from dqaudit.errors import InputError


@dataclass(frozen=True)
class RowKeys:
    """One key per row, and which rows are identified by their line instead."""

    keys: np.ndarray  # of str
    by_line: np.ndarray  # of bool
    warnings: tuple[str, ...] = ()

    def source(self, position: int) -> KeySource:
        return KeySource.LINE if self.by_line[position] else KeySource.COLUMN


def row_keys(
    frame: pd.DataFrame, key_columns: tuple[str, ...], lines: np.ndarray | None, source: str
) -> RowKeys:
    """Keys for every row of ``frame`` (``lines`` is None where the source has no lines)."""
    rows = len(frame)
    if not key_columns:
        assert lines is not None, "the plan requires key columns where there are no lines"
        return RowKeys(lines.astype(str).astype(object), np.ones(rows, dtype=bool))
    parts = [as_text(frame[column]) for column in key_columns]
    blank = np.zeros(rows, dtype=bool)
    for part in parts:
        blank |= part.isna().to_numpy() | (part == "").fillna(False).to_numpy(bool)
    joined = parts[0] if len(parts) == 1 else parts[0].str.cat(parts[1:], sep=KEY_SEPARATOR)
    keys = joined.astype(object).to_numpy().copy()
    warnings = []
    if blank.any():
        count = int(blank.sum())
        names = ", ".join(key_columns)
        if lines is None:
            raise InputError(
                f"{source}: key column(s) {names} blank on {count} row(s); a database has no "
                "lines to identify them by, so every key part must be present"
            )
        positions = np.flatnonzero(blank)
        keys[positions] = lines[positions].astype(str)
        warnings.append(
            f"key column(s) {names} blank on {count} row(s) (first at line "
            f"{int(lines[positions[0]])}); those rows are identified by their line number"
        )
    duplicated = pd.Series(keys[~blank]).duplicated(keep=False)
    if duplicated.any():
        warnings.append(duplicate_warning(key_columns, int(duplicated.sum())))
    return RowKeys(keys, blank, tuple(warnings))


def duplicate_warning(key_columns: Sequence[str], rows: int) -> str:
    """The warning for keys that do not identify one record, the same on every backend."""
    return (
        f"key column(s) {', '.join(key_columns)} are not unique: "
        f"{rows} rows share a key with another row"
    )
