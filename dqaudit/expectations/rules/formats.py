"""Format rules written as regular expressions: UK postcode, NI number, VRM and UPRN.

Each pattern is written once, without anchors, in the regex subset PostgreSQL, MariaDB,
SQLite (Python ``re``) and pandas share, and matched against the whole value. Values are
case-sensitive: a lower-case postcode is a data-entry defect, not a postcode.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dqaudit.expectations.rules import sql

# The national standard (BS 7666 / Royal Mail PAF) postcode: outward code forms A9, A99,
# AA9, AA99, A9A and AA9A with letters barred by position (first: not Q, V, X; second:
# not I, J, Z; third of A9A: only A-H, J, K, P, S, T, U, W; fourth of AA9A: only A, B, E,
# H, M, N, P, R, V, W, X, Y), one space, and an inward code digit + two letters that are
# never C, I, K, M, O or V. GIR 0AA (Girobank) is the one exception.
_FIRST, _SECOND = "[A-PR-UWYZ]", "[A-HK-Y]"
_INWARD = "[0-9][ABD-HJLNP-UW-Z]{2}"
UK_POSTCODE = (
    "GIR 0AA|(?:"
    f"{_FIRST}[0-9]{{1,2}}|{_FIRST}{_SECOND}[0-9]{{1,2}}|"
    f"{_FIRST}[0-9][A-HJKPSTUW]|{_FIRST}{_SECOND}[0-9][ABEHMNPRVWXY]"
    f") {_INWARD}"
)

# National Insurance number: two prefix letters (neither D, F, I, Q, U, V; second not O;
# BG, GB, KN, NK, NT, TN and ZZ never issued), six digits, suffix A-D. The HMRC display
# form with spaces (QQ 12 34 56 C) is accepted too.
_NI_BARRED = set("DFIQUV")
_NI_NEVER_ISSUED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def _ni_prefix() -> str:
    """One alternative per allowed first letter, listing the second letters allowed after it."""
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    alternatives = []
    for first in letters:
        if first in _NI_BARRED:
            continue
        seconds = [
            s
            for s in letters
            if s not in _NI_BARRED and s != "O" and first + s not in _NI_NEVER_ISSUED
        ]
        alternatives.append(f"{first}[{''.join(seconds)}]")
    return "(?:" + "|".join(alternatives) + ")"


_NI_PREFIX = _ni_prefix()
NI_NUMBER = f"{_NI_PREFIX} ?[0-9]{{2}} ?[0-9]{{2}} ?[0-9]{{2}} ?[A-D]"

# Vehicle registration marks (DVLA), upper case, with or without the one space:
# current (2001-): AB12 CDE; prefix (1983-2001): A123 BCD; suffix (1963-1983): ABC 123D;
# dateless: 1-3 letters and 1-4 digits either way round, which includes Northern Ireland
# marks (ABZ 1234: a county code containing I or Z).
_MEMORY = "[A-HJ-PR-Y]"
_RANDOM = "[A-HJ-PR-Z]"
_YEAR = "[A-HJ-NPR-TV-Y]"
_SERIAL = "[1-9][0-9]{0,2}"
UK_VRM = (
    f"{_MEMORY}{{2}}[0-9]{{2}} ?{_RANDOM}{{3}}"
    f"|{_YEAR}{_SERIAL} ?[A-HJ-PR-Y]{{3}}"
    f"|[A-HJ-PR-Y]{{3}} ?{_SERIAL}{_YEAR}"
    "|[A-Z]{1,3} ?[1-9][0-9]{0,3}"
    "|[1-9][0-9]{0,3} ?[A-Z]{1,3}"
)

# Unique Property Reference Number: 1 to 12 digits, a positive integer (no leading zero).
UPRN = "[1-9][0-9]{0,11}"

PATTERNS = {
    "uk_postcode": UK_POSTCODE,
    "ni_number": NI_NUMBER,
    "uk_vrm": UK_VRM,
    "uprn": UPRN,
}


def matches(values: pd.Series, pattern: str) -> pd.Series:
    """True where the whole value matches ``pattern``; nulls are True (left to not-null rules)."""
    text = values.astype("string") if values.dtype != "string" else values
    ok = text.str.fullmatch(pattern).fillna(True).to_numpy(dtype=bool, copy=True)
    ok |= values.isna().to_numpy()
    return pd.Series(ok, index=values.index, dtype=bool)


def valid(name: str) -> Any:
    """The pandas validator of the named format."""
    pattern = PATTERNS[name]
    return lambda values: matches(values, pattern)


def sql_condition(name: str) -> Any:
    """The SQL condition builder of the named format: ``(column, engine) -> expression``."""
    pattern = PATTERNS[name]
    return lambda column, engine: sql.full_match(column, pattern, engine)


def valid_mask(values: pd.Series, name: str) -> np.ndarray:
    return matches(values, PATTERNS[name]).to_numpy()
