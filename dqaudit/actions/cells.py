"""Cell values that are safe in a spreadsheet: no formulas from data, and exact text.

A value starting with =, +, -, @, tab or CR would be run as a formula by Excel (CSV and
Excel formula injection).

- In a **workbook** (plan format 2) such a value is written as a string cell with Excel's
  quote-prefix style: Excel shows and keeps it as text, and the value read back is exactly
  the value written (``-1.45`` stays ``-1.45``, ``'x`` stays ``'x``).
- A **CSV** has no styles, so there (and in plans of format 1) the value gets a leading
  apostrophe; a value that already starts with an apostrophe gets one more, so
  ``restore`` gives back exactly the original.
"""

from __future__ import annotations

from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value[:1] in TRIGGERS


def neutralise(value: Any) -> Any:
    """A CSV cell: an apostrophe before formula-like text (and before a leading one)."""
    if isinstance(value, str) and value[:1] in (*TRIGGERS, QUOTE):
        return QUOTE + value
    return value


def restore(value: Any) -> Any:
    """Undo ``neutralise`` (CSV cells, and every text cell of a format-1 plan)."""
    if isinstance(value, str) and value[:1] == QUOTE and value[1:2] in (*TRIGGERS, QUOTE):
        return value[1:]
    return value
