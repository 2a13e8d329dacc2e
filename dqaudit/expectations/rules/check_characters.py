"""PNC ID, CRO number and Arrest/Summons Number: format and modulus-23 check character.

Sources: the PNC ID and CRO number layouts and check-character algorithm as used by the
Police National Computer and published in the CJS data standards (CJS Exchange Data
Standards Catalogue, "Police National Computer Id" and "Criminal Records Office Number");
the Arrest/Summons Number as validated by the Ministry of Justice's open-source Bichard7
(ministryofjustice/bichard7-next-core, ``isAsnValid.ts`` and ``Asn.ts``): a two-digit year,
a 6- or 7-character organisation unit (force, unit and system, with a one-character
top-level code in the 7-character, 21-character ASN), an 11-digit sequence and the check
letter over force + system + year + sequence. The published examples in the tests
(2001/0171310W, 1101ZD0100000448754K) come from those sources.

Each identifier ends in a check letter from the 23-letter alphabet ``ZABCDEFGHJKLMNPQRTUVWXY``
(index 0 is Z; I, O and S are left out), chosen by a number built from the identifier's
digits modulo 23. Whole columns are checked at once: one regex match per form proves a
value well formed, then the matched values become a byte matrix and their digit fields are
summed as exact int64 with numpy (the largest number, an ASN's 17 digits, fits; a float
would not, which is why the check never goes through floats). The same arithmetic is
written as SQLAlchemy expressions for SQL engines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from dqaudit.expectations.rules import record_dates, sql

CHECK_ALPHABET = "ZABCDEFGHJKLMNPQRTUVWXY"
_LETTERS = np.array(list(CHECK_ALPHABET))


def check_letter(number: int) -> str:
    """The check letter of a whole number (exact integer arithmetic)."""
    return CHECK_ALPHABET[number % 23]


# --- the written forms, and the number each form's check letter is computed from ---------

# A field's bounds: ("L", k) is k characters from the left, ("R", k) is length - k. The
# regex has already proved the field is digits, so its value is read straight from bytes.
Bound = tuple[str, int]
Fields = dict[str, np.ndarray]


@dataclass(frozen=True)
class Form:
    """One written form of an identifier: its regex, its digit fields and check number."""

    name: str
    regex: str
    fields: dict[str, tuple[Bound, Bound, int]]  # name -> (start, end, most digits)
    number: Callable[[Fields, Fields], np.ndarray]  # (values, widths) -> number


def _pnc_number(v: Fields, _w: Fields) -> np.ndarray:
    return v["yy"] * 10**7 + v["serial"]


def _cro_number(v: Fields, _w: Fields) -> np.ndarray:
    return v["yy"] * 10**6 + v["serial"]


def _cro_sf_number(v: Fields, w: Fields) -> np.ndarray:
    # YY then the serial zero-padded to five digits (a six-digit serial keeps all six).
    return v["yy"] * 10 ** np.maximum(w["serial"], 5) + v["serial"]


def _asn_number(v: Fields, _w: Fields) -> np.ndarray:
    # FF + SS + YY + sequence padded to 11: the unit code is not part of the check.
    return v["ff"] * 10**15 + v["ss"] * 10**13 + v["yy"] * 10**11 + v["seq"]


L, R = "L", "R"
PNC_ID_FORMS = (
    Form(
        "full YYYY/NNNNNNNC",
        r"[0-9]{2}(?P<yy>[0-9]{2})/(?P<serial>[0-9]{7})(?P<check>[A-Z])",
        {"yyyy": ((L, 0), (L, 4), 4), "yy": ((L, 2), (L, 4), 2), "serial": ((L, 5), (L, 12), 7)},
        _pnc_number,
    ),
    Form(
        "short YY/N{1,7}C",
        r"(?P<yy>[0-9]{2})/(?P<serial>[0-9]{1,7})(?P<check>[A-Z])",
        {"yy": ((L, 0), (L, 2), 2), "serial": ((L, 3), (R, 1), 7)},
        _pnc_number,
    ),
)
# The full form keyed without its slash (20010171310W), accepted when a rule allows it.
PNC_ID_WITHOUT_SLASH = Form(
    "full without slash YYYYNNNNNNNC",
    r"[0-9]{2}(?P<yy>[0-9]{2})(?P<serial>[0-9]{7})(?P<check>[A-Z])",
    {"yyyy": ((L, 0), (L, 4), 4), "yy": ((L, 2), (L, 4), 2), "serial": ((L, 4), (L, 11), 7)},
    _pnc_number,
)
CRO_FORMS = (
    Form(
        "standard N{1,6}/YYC",
        r"(?P<serial>[0-9]{1,6})/(?P<yy>[0-9]{2})(?P<check>[A-Z])",
        {"serial": ((L, 0), (R, 4), 6), "yy": ((R, 3), (R, 1), 2)},
        _cro_number,
    ),
    Form(
        "SF SFYY/N{1,6}C",
        r"SF(?P<yy>[0-9]{2})/(?P<serial>[0-9]{1,6})(?P<check>[A-Z])",
        {"yy": ((L, 2), (L, 4), 2), "serial": ((L, 5), (R, 1), 6)},
        _cro_sf_number,
    ),
)
ASN_FORMS = (
    Form(
        "full YYFFUUSSNNNNNNNNNNNC",
        r"(?P<yy>[0-9]{2})(?P<ff>[0-9]{2})(?P<uu>[A-Z0-9]{2})(?P<ss>[0-9]{2})"
        r"(?P<seq>[0-9]{11})(?P<check>[A-Z])",
        {
            "yy": ((L, 0), (L, 2), 2),
            "ff": ((L, 2), (L, 4), 2),
            "ss": ((L, 6), (L, 8), 2),
            "seq": ((L, 8), (L, 19), 11),
        },
        _asn_number,
    ),
    Form(
        "full 21 YYTFFUUSSNNNNNNNNNNNC",
        r"(?P<yy>[0-9]{2})(?P<top>[A-Z0-9])(?P<ff>[0-9]{2})(?P<uu>[A-Z0-9]{2})(?P<ss>[0-9]{2})"
        r"(?P<seq>[0-9]{11})(?P<check>[A-Z])",
        {
            "yy": ((L, 0), (L, 2), 2),
            "ff": ((L, 3), (L, 5), 2),
            "ss": ((L, 7), (L, 9), 2),
            "seq": ((L, 9), (L, 20), 11),
        },
        _asn_number,
    ),
    Form(
        "display YY/FFUU/SS/N{1,11}C",
        r"(?P<yy>[0-9]{2})/(?P<ff>[0-9]{2})(?P<uu>[A-Z0-9]{2})/(?P<ss>[0-9]{2})/"
        r"(?P<seq>[0-9]{1,11})(?P<check>[A-Z])",
        {
            "yy": ((L, 0), (L, 2), 2),
            "ff": ((L, 3), (L, 5), 2),
            "ss": ((L, 8), (L, 10), 2),
            "seq": ((L, 11), (R, 1), 11),
        },
        _asn_number,
    ),
)
_WIDTH = 32  # longer than any form
_LETTER_BYTES = np.frombuffer(CHECK_ALPHABET.encode("ascii"), dtype=np.uint8)


def _at(bound: Bound, lengths: np.ndarray) -> np.ndarray:
    side, k = bound
    return np.full(len(lengths), k, dtype=np.int64) if side == L else lengths - k


def _field(
    matrix: np.ndarray, lengths: np.ndarray, start: Bound, end: Bound, most: int
) -> tuple[np.ndarray, np.ndarray]:
    """(value, width) of a digit field, right-aligned: exact int64, no per-row Python."""
    first, stop = _at(start, lengths), _at(end, lengths)
    rows = np.arange(len(matrix))
    value = np.zeros(len(matrix), dtype=np.int64)
    for j in range(most):
        position = stop - 1 - j
        inside = position >= first
        digit = matrix[rows, np.maximum(position, 0)].astype(np.int64) - 48
        value += np.where(inside, digit, 0) * 10**j
    return value, stop - first


def _valid(values: pd.Series, forms: tuple[Form, ...], latest_year: int | None = None) -> pd.Series:
    """True where the value is well formed in one of ``forms`` with the right check letter.

    A form with a four-digit year (``yyyy``) also needs that year to be no later than
    ``latest_year``. Nulls are True: as in GX core, a missing value is for a not-null rule
    to judge.
    """
    text = values.astype("string") if values.dtype != "string" else values
    ok = np.zeros(len(values), dtype=bool)
    for form in forms:
        matched = text.str.fullmatch(_plain(form)).fillna(False).to_numpy(dtype=bool)
        if not matched.any():
            continue
        # The regex proved the value is ASCII, so it becomes a row of bytes.
        chosen = text[matched].to_numpy(dtype=object).astype(f"S{_WIDTH}")
        matrix = chosen.view(np.uint8).reshape(len(chosen), _WIDTH)
        lengths = (matrix != 0).sum(axis=1)
        parts = {name: _field(matrix, lengths, *spec) for name, spec in form.fields.items()}
        number = form.number(
            {k: v for k, (v, _) in parts.items()}, {k: w for k, (_, w) in parts.items()}
        )
        check = matrix[np.arange(len(matrix)), lengths - 1]
        good = _LETTER_BYTES[number % 23] == check
        if latest_year is not None and "yyyy" in parts:
            good &= parts["yyyy"][0] <= latest_year
        ok[np.flatnonzero(matched)] |= good
    ok |= values.isna().to_numpy()
    return pd.Series(ok, index=values.index)


def pnc_id_forms(allow_without_slash: bool = False) -> tuple[Form, ...]:
    return (*PNC_ID_FORMS, PNC_ID_WITHOUT_SLASH) if allow_without_slash else PNC_ID_FORMS


def valid_pnc_id(
    values: pd.Series, allow_without_slash: bool = False, as_of: str | None = None
) -> pd.Series:
    """PNC ID: ``YYYY/NNNNNNNC`` or ``YY/N{1,7}C``; check = letter of int(YY + serial padded to 7).

    A four-digit year later than ``as_of``'s (default: today's) is a PNC ID that cannot
    exist yet. The short form's two-digit year names no century, so it is not dated.
    """
    latest = record_dates.as_of_day(as_of) // 10_000
    return _valid(values, pnc_id_forms(allow_without_slash), latest)


def valid_cro_number(values: pd.Series) -> pd.Series:
    """CRO number: ``N{1,6}/YYC`` (serial padded to 6) or ``SFYY/N{1,6}C`` (padded to 5)."""
    return _valid(values, CRO_FORMS)


def valid_asn(values: pd.Series) -> pd.Series:
    """ASN: 20 characters ``YYFFUUSS`` + 11-digit sequence + check, the 21-character form
    with a top-level code before the force (``YYTFFUUSS``...), or ``YY/FFUU/SS/NC``."""
    return _valid(values, ASN_FORMS)


# --- SQL ---------------------------------------------------------------------------------


def _checked(text: Any, number: Any, check_at: Any) -> Any:
    position = sa.cast(number % 23, sa.Integer()) + 1
    letter = sql.substr(sa.literal(CHECK_ALPHABET), position, 1)
    return sql.substr(text, check_at, 1) == letter


def pnc_id_sql(
    column: Any, engine: str, allow_without_slash: bool = False, as_of: str | None = None
) -> Any:
    text = sql.as_text(column)
    n = sql.length(text, engine)
    i = sql.to_integer
    latest = record_dates.as_of_day(as_of) // 10_000
    in_time = i(sql.substr(text, 1, 4)) <= latest
    full = i(sql.substr(text, 3, 2)) * 10**7 + i(sql.substr(text, 6, 7))
    short = i(sql.substr(text, 1, 2)) * 10**7 + i(sql.substr(text, 4, n - 4))
    whens = [
        (
            sql.full_match(column, _plain(PNC_ID_FORMS[0]), engine),
            sa.and_(_checked(text, full, 13), in_time),
        ),
        (sql.full_match(column, _plain(PNC_ID_FORMS[1]), engine), _checked(text, short, n)),
    ]
    if allow_without_slash:
        bare = i(sql.substr(text, 3, 2)) * 10**7 + i(sql.substr(text, 5, 7))
        whens.append(
            (
                sql.full_match(column, _plain(PNC_ID_WITHOUT_SLASH), engine),
                sa.and_(_checked(text, bare, 12), in_time),
            )
        )
    return sa.case(*whens, else_=sa.false())


def cro_number_sql(column: Any, engine: str) -> Any:
    text = sql.as_text(column)
    n = sql.length(text, engine)
    i = sql.to_integer
    standard = i(sql.substr(text, n - 2, 2)) * 10**6 + i(sql.substr(text, 1, n - 4))
    width = sa.case(
        (n - 6 == 6, sa.literal(10**6, sa.BigInteger())), else_=sa.literal(10**5, sa.BigInteger())
    )
    sf = i(sql.substr(text, 3, 2)) * width + i(sql.substr(text, 6, n - 6))
    return sa.case(
        (sql.full_match(column, _plain(CRO_FORMS[0]), engine), _checked(text, standard, n)),
        (sql.full_match(column, _plain(CRO_FORMS[1]), engine), _checked(text, sf, n)),
        else_=sa.false(),
    )


def asn_sql(column: Any, engine: str) -> Any:
    text = sql.as_text(column)
    n = sql.length(text, engine)
    i = sql.to_integer

    def number(yy: Any, ff: Any, ss: Any, seq: Any) -> Any:
        big = sa.BigInteger()
        return (
            i(ff) * sa.literal(10**15, big)
            + i(ss) * sa.literal(10**13, big)
            + i(yy) * sa.literal(10**11, big)
            + i(seq)
        )

    s = sql.substr
    full = number(s(text, 1, 2), s(text, 3, 2), s(text, 7, 2), s(text, 9, 11))
    full_21 = number(s(text, 1, 2), s(text, 4, 2), s(text, 8, 2), s(text, 10, 11))
    display = number(s(text, 1, 2), s(text, 4, 2), s(text, 9, 2), s(text, 12, n - 12))
    full_form, full_21_form, display_form = ASN_FORMS
    return sa.case(
        (sql.full_match(column, _plain(full_form), engine), _checked(text, full, 20)),
        (sql.full_match(column, _plain(full_21_form), engine), _checked(text, full_21, 21)),
        (sql.full_match(column, _plain(display_form), engine), _checked(text, display, n)),
        else_=sa.false(),
    )


def _plain(form: Form) -> str:
    """The form's regex without group names (for SQL engines, and pandas' fullmatch)."""
    return re.sub(r"\(\?P<[a-z]+>", "(", form.regex)
