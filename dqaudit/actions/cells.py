"""Cell values that are safe in a spreadsheet: no formulas from data, reversibly.

A value starting with =, +, -, @, tab or CR would be run as a formula by Excel (CSV and
Excel formula injection). It is written with a leading apostrophe; a value that already
starts with an apostrophe gets one more, so ``restore`` gives back exactly the original.
"""

from __future__ import annotations

from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in (*TRIGGERS, QUOTE):
        return QUOTE + value
    return value


def restore(value: Any) -> Any:
    if isinstance(value, str) and value[:1] == QUOTE and value[1:2] in (*TRIGGERS, QUOTE):
        return value[1:]
    return value
