"""Regular expressions from suites, run with RE2 (through pyarrow), never by backtracking.

A suite's regex is hostile input: Python's ``re`` (and so GX's ``str.contains``) can take
exponential time on a pattern such as ``^(a+)+$``. RE2 runs in time linear in the text.
Its syntax differs from Python's in ways suites can meet, documented in docs/suites.md:
no lookarounds (``(?=``, ``(?!``, ``(?<=``) or backreferences (``\\1``); ``$`` matches only
at the very end (not before a trailing newline); ``\\d``, ``\\w`` and ``\\s`` are ASCII.
A pattern RE2 cannot compile is an input error naming the rule, before any data is read.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

MAX_PATTERN = 10_000


@lru_cache(maxsize=1024)
def problem(pattern: str) -> str | None:
    """Why RE2 cannot run ``pattern``, or None when it can."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(pattern) > MAX_PATTERN:
        return f"longer than {MAX_PATTERN} characters"
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern)  # compiles it
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        return str(exc).removeprefix("Invalid regular expression: ").strip()
    return None


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    import re2

    return re2.compile(pattern)


def search(pattern: str, value: object) -> int | None:
    """1 when RE2 finds ``pattern`` in the value's text, 0 when not, None for a null; one
    value at a time (SQLite runs it as a registered SQL function)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return 1 if _compiled(pattern).search(text) else 0


def verdicts(
    values: pd.Series, patterns: tuple[str, ...], must_match: bool, match_on: Literal["any", "all"]
) -> pd.Series:
    """1.0 where a value passes the rule, 0.0 where it fails, NaN where it is null.

    A value matches a pattern when the pattern is found anywhere in it (as GX's
    ``match_regex`` searches), read as the text GX would compare (``str(value)``).
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    present = values.notna().to_numpy()
    text = values[present]
    if not (pd.api.types.is_string_dtype(text.dtype) and not pd.api.types.is_object_dtype(text)):
        text = text.map(str)
    array = pa.array(text.to_numpy(dtype=object), type=pa.string())
    found = [
        np.asarray(pc.match_substring_regex(array, pattern).to_numpy(zero_copy_only=False), bool)
        for pattern in patterns
    ]
    if not found:
        passed = np.ones(len(text), dtype=bool)
    elif not must_match:  # not_match_regex(_list): no pattern may be found
        passed = ~np.logical_or.reduce(found)
    elif match_on == "all":
        passed = np.logical_and.reduce(found)
    else:
        passed = np.logical_or.reduce(found)
    result = np.full(len(values), np.nan)
    result[present] = passed.astype(float)
    return pd.Series(result, index=values.index)
