"""How text is read as a number or a datetime: one grammar for every backend.

Extracts are read as text ("007" stays "007"); a rule or a row condition that compares
numbers or datetimes reads its column through this grammar. pandas, SQL databases and
Spark would each accept different spellings if left to themselves (pandas reads "inf",
"20230301" and "2023-03"; PostgreSQL rejects "1e400"; SQLite reads "12abc" as 12), so the
grammar is written down here and every backend applies exactly it: a value outside it
is *unreadable*, never a null a rule would ignore.

Numbers: optional spaces, an optional sign, digits with an optional decimal point (or a
point and digits), an optional exponent of at most two digits, at most 200 digits before
the point: ``12``, `` -3.5 ``, ``.5``, ``5.``, ``1e3``. Not: ``inf``, ``NaN``, ``1,000``,
``1_000``, ``0x10``.

Datetimes: ``YYYY-MM-DD``, optionally followed by ``T`` or a space and ``HH:MM``,
``HH:MM:SS`` or ``HH:MM:SS.fraction`` (up to 9 digits), optionally followed by ``Z`` or
an offset ``+HH``, ``+HHMM`` or ``+HH:MM``; a real calendar date and time, year 1678 to
2261 (the range of nanosecond timestamps). A value with an offset is compared in UTC; a
value without one keeps its wall-clock time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

NUMBER_PATTERN = r"^[+-]?([0-9]{1,200}([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$"
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
TIME_PATTERN = r"[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
DATETIME_PATTERN = rf"^{DATE_PATTERN}({TIME_PATTERN})?$"
FIRST_YEAR, LAST_YEAR = 1678, 2261
# Stand-ins that make a rule fail on an unreadable value: below any lower bound, above any
# upper bound. Finite, so that every database can hold them.
LOW_NUMBER, HIGH_NUMBER = -1.7976931348623157e308, 1.7976931348623157e308
LOW_DATETIME_TEXT, HIGH_DATETIME_TEXT = "1677-09-22 00:00:00", "2262-04-11 00:00:00"


def read_numbers(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(float64 values, unreadable mask); nulls stay NaN and are not unreadable.

    Numeric columns (a typed database column, an Excel number) are used as they are;
    text goes through the grammar; anything else (a datetime) is unreadable.
    """
    import numpy as np
    import pandas as pd

    if pd.api.types.is_bool_dtype(values.dtype):
        return pd.Series(np.nan, index=values.index), values.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        return numbers, np.zeros(len(values), dtype=bool)
    present = values.notna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return pd.Series(np.nan, index=values.index), present
    text, is_text = _as_text(values)
    readable = text.str.strip(" ").str.fullmatch(NUMBER_PATTERN).fillna(False).to_numpy(bool)
    numbers = pd.Series(np.nan, index=values.index, dtype="float64")
    if readable.any():
        numbers[readable] = _grammar_floats(text[readable].str.strip(" "))
    numeric = _numeric_objects(values) & ~is_text
    if numeric.any():
        numbers[numeric] = pd.to_numeric(values[numeric], errors="coerce")
        readable |= numeric
    return numbers, present & ~readable


def read_datetimes(
    values: pd.Series, datetime_format: str | None = None
) -> tuple[pd.Series, np.ndarray]:
    """(naive datetime64[ns] values, unreadable mask); nulls stay NaT.

    With ``datetime_format`` (a strptime format in a rule's ``meta.dqaudit``) text is read
    with that format instead of the grammar (pandas only; SQL backends refuse it).
    """
    import numpy as np
    import pandas as pd

    present = values.notna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _naive_ns(values), np.zeros(len(values), dtype=bool)
    text, is_text = _as_text(values)
    stamps = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if datetime_format:
        parsed = pd.to_datetime(text, format=datetime_format, errors="coerce", utc=True)
        stamps = _naive_ns(parsed)
        return stamps, present & stamps.isna().to_numpy()
    stripped = text.str.strip(" ")
    candidate = stripped.str.fullmatch(DATETIME_PATTERN).fillna(False).to_numpy(bool)
    if candidate.any():
        chosen = stripped[candidate]
        # Four ASCII digits (the pattern matched): compared as text, as numbers compare,
        # without parsing a million years one by one.
        years = chosen.str.slice(0, 4)
        in_range = (years >= f"{FIRST_YEAR:04d}") & (years <= f"{LAST_YEAR:04d}")
        in_range = in_range.fillna(False).to_numpy(bool)
        positions = np.flatnonzero(candidate)[in_range]
        if len(positions):
            parsed = pd.to_datetime(
                stripped.iloc[positions], format="ISO8601", errors="coerce", utc=True
            )
            stamps.iloc[positions] = _naive_ns(parsed).to_numpy()
    stamps_present = stamps.notna().to_numpy()
    dated = _datetime_objects(values) & ~is_text
    if dated.any():
        converted = _naive_ns(pd.to_datetime(values[dated], errors="coerce", utc=True))
        stamps[dated] = converted
        stamps_present = stamps.notna().to_numpy()
    return stamps, present & ~stamps_present


def _grammar_floats(text: pd.Series) -> np.ndarray:
    """Text the number grammar accepts, as float64, correctly rounded. pyarrow's cast
    parses in C over the whole column (pandas' to_numeric goes value by value); where
    it refuses anything, to_numeric decides, as before."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return pc.cast(pa.array(text.array), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return pd.to_numeric(text, errors="coerce").to_numpy("float64")


def _as_text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The values that are text, as a string series (others null), and which were text."""
    import pandas as pd

    if pd.api.types.is_string_dtype(values.dtype) and not pd.api.types.is_object_dtype(
        values.dtype
    ):
        return values.astype("string"), values.notna().to_numpy()
    is_text = values.map(lambda v: isinstance(v, str)).to_numpy(bool)
    text = values.where(is_text).astype("string")
    return text, is_text


def _numeric_objects(values: pd.Series) -> np.ndarray:
    import numbers

    import numpy as np

    if not _holds_objects(values):  # a text column (pandas' str dtype) holds only text
        return np.zeros(len(values), dtype=bool)
    return values.map(
        lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool) and v == v
    ).to_numpy(bool)


def _datetime_objects(values: pd.Series) -> np.ndarray:
    import datetime as dt

    import numpy as np

    if not _holds_objects(values):
        return np.zeros(len(values), dtype=bool)
    return values.map(lambda v: isinstance(v, dt.datetime | dt.date)).to_numpy(bool)


def _holds_objects(values: pd.Series) -> bool:
    """Whether a column may hold Python objects of any type (numbers and datetimes read
    from a workbook or a database among text), which then are looked at one by one."""
    import pandas as pd

    return pd.api.types.is_object_dtype(values.dtype) or not pd.api.types.is_string_dtype(
        values.dtype
    )


def _naive_ns(series: pd.Series) -> pd.Series:
    """Naive datetime64[ns]: values with an offset are compared in UTC."""
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.astype("datetime64[ns]")


def number_from(value: object) -> float | None:
    """One value read as a number by the grammar (None: unreadable or null).

    The scalar twin of ``read_numbers``, for backends that read one value at a time
    (SQLite runs it as a registered SQL function).
    """
    import re

    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value == value else None
    if not isinstance(value, str):
        return None
    text = value.strip(" ")
    if not re.fullmatch(NUMBER_PATTERN, text):
        return None
    return float(text)


def datetime_text_from(value: object) -> str | None:
    """One value read as a datetime by the grammar, as naive UTC text
    ``YYYY-MM-DD HH:MM:SS.ffffff`` (None: unreadable or null); fractions beyond
    microseconds are dropped."""
    import datetime as dt
    import re

    if not isinstance(value, str):
        return None
    text = value.strip(" ")
    match = re.fullmatch(
        r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})"
        r"(?::([0-9]{2})(?:[.]([0-9]{1,9}))?)?(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?",
        text,
    )
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        return None
    try:
        stamp = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
        )
    except ValueError:
        return None
    if offset and offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
        stamp -= sign * dt.timedelta(minutes=minutes)
    return stamp.strftime("%Y-%m-%d %H:%M:%S.%f")
