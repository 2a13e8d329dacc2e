"""Vehicle registration marks (VRMs): their written forms, and the day each was first issued.

Sources:

- Current format (from 1 September 2001): DVLA, "Vehicle registration numbers and number
  plates" (INF104): a two-letter memory tag, a two-digit age identifier, a space and three
  random letters. The age identifier changes on 1 March (the year's last two digits: 02
  from March 2002) and 1 September (the year plus 50: 51 from September 2001), so 01 was
  never issued (March 2001 plates were prefix Y plates), and 50 (March 2050) and 00
  (September 2050) are not issued before 2050.
- Prefix format (1983-2001): one year letter, 1 to 3 digits, three letters; the letter
  changed each 1 August from A (1983) to S (1998), then every six months: T (March 1999),
  V, W, X, Y (March 2001); I, O, Q, U and Z were not year letters. Q plates, which DVLA
  issues to vehicles whose age or identity is unknown (kit cars, some imports), use the
  same layout with Q and carry no age; they were introduced with the prefix system in 1983.
- Suffix format (1963-1983): three letters, 1 to 3 digits, one year letter: A (1963)
  to D changing each 1 January, E (January 1967), then each 1 August from F (1967) to
  Y (1982).
- Dateless marks (1 to 3 letters and 1 to 4 digits either way round) and Northern Ireland
  marks (a county code containing I or Z) carry no date.

The prefix and suffix letter dates are the widely published ones (e.g. the DVLA-era
tables reproduced by number-plate dealers); they were not confirmed from a DVLA document,
so each is the earliest day the letter could appear (suffix A from 1 January 1963,
Q from 1 January 1983): a doubtful date can only let a record pass, never fail it.

A mark is valid on a day when it is well formed and was issued on or before that day.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from dqaudit.expectations.rules import record_dates, sql

_MEMORY = "[A-HJ-PR-Y]"
_RANDOM = "[A-HJ-PR-Z]"
_SERIAL = "[1-9][0-9]{0,2}"

PREFIX_LETTERS = {
    **{letter: (1983 + n) * 10_000 + 801 for n, letter in enumerate("ABCDEFGHJKLMNPRS")},
    "T": 19_990_301,
    "V": 19_990_901,
    "W": 20_000_301,
    "X": 20_000_901,
    "Y": 20_010_301,
    "Q": 19_830_101,  # Q plates: no age; introduced in 1983
}
SUFFIX_LETTERS = {
    **{letter: (1963 + n) * 10_000 + 101 for n, letter in enumerate("ABCDE")},
    **{letter: (1967 + n) * 10_000 + 801 for n, letter in enumerate("FGHJKLMNPRSTVWXY")},
}

CURRENT = f"{_MEMORY}{{2}}[0-9]{{2}} ?{_RANDOM}{{3}}"
PREFIX = f"[{''.join(sorted(PREFIX_LETTERS))}]{_SERIAL} ?[A-HJ-PR-Y]{{3}}"
SUFFIX = f"[A-HJ-PR-Y]{{3}} ?{_SERIAL}[{''.join(sorted(SUFFIX_LETTERS))}]"
DATELESS = "[A-Z]{1,3} ?[1-9][0-9]{0,3}|[1-9][0-9]{0,3} ?[A-Z]{1,3}"
FORMS = (CURRENT, PREFIX, SUFFIX, DATELESS)  # no value matches two of them


def age_identifier_day(age: int) -> int:
    """The day number an age identifier 00-99 was (or will be) first issued."""
    if age == 1:
        return record_dates.NEVER
    if age == 0:
        return 20_500_901
    if age <= 50:
        return (2000 + age) * 10_000 + 301
    return (1950 + age) * 10_000 + 901


_AGE_DAYS = np.array([age_identifier_day(age) for age in range(100)], dtype=np.int64)
_PREFIX_DAYS = np.zeros(128, dtype=np.int64)
_SUFFIX_DAYS = np.zeros(128, dtype=np.int64)
for _letter, _day in PREFIX_LETTERS.items():
    _PREFIX_DAYS[ord(_letter)] = _day
for _letter, _day in SUFFIX_LETTERS.items():
    _SUFFIX_DAYS[ord(_letter)] = _day


def issue_days(values: pd.Series) -> np.ndarray:
    """The day each mark was first issued: 0 for a dateless mark, -1 if not a mark."""
    text = values.astype("string") if values.dtype != "string" else values
    days = np.full(len(values), -1, dtype=np.int64)
    for form in FORMS:
        matched = text.str.fullmatch(form).fillna(False).to_numpy(dtype=bool)
        if not matched.any():
            continue
        chosen = text[matched]
        if form == CURRENT:
            days[matched] = _AGE_DAYS[chosen.str.slice(2, 4).astype("int64").to_numpy()]
        elif form == PREFIX:
            days[matched] = _PREFIX_DAYS[[ord(v[0]) for v in chosen]]
        elif form == SUFFIX:
            days[matched] = _SUFFIX_DAYS[[ord(v[-1]) for v in chosen]]
        else:
            days[matched] = 0
    return days


def valid_vrm(values: pd.Series, as_of: str | None = None) -> pd.Series:
    """Well-formed marks issued by ``as_of`` (default today); nulls are True."""
    days = issue_days(values)
    ok = (days >= 0) & (days <= record_dates.as_of_day(as_of))
    ok |= values.isna().to_numpy()
    return pd.Series(ok, index=values.index, dtype=bool)


def valid_vrm_on_date(vrms: pd.Series, dates: pd.Series, as_of: str | None = None) -> pd.Series:
    """Well-formed marks issued by the record's date (``as_of`` where the date is blank).

    A date that is not an ISO date fails the row: the rule cannot tell. A blank mark is
    left to a not-null rule.
    """
    days = issue_days(vrms)
    numbers, missing, not_a_date = record_dates.day_numbers(dates)
    on = np.where(missing, record_dates.as_of_day(as_of), numbers)
    ok = (days >= 0) & (days <= on) & ~not_a_date
    ok |= vrms.isna().to_numpy()
    return pd.Series(ok, index=vrms.index, dtype=bool)


# --- SQL ---------------------------------------------------------------------------------


def _letter_day(letter: Any, days: dict[str, int]) -> Any:
    return sa.case(*[(letter == key, day) for key, day in sorted(days.items())], else_=-1)


def issue_day_sql(column: Any, engine: str) -> Any:
    """The issue day of each mark as a SQL expression (the same numbers as ``issue_days``)."""
    text = sql.as_text(column)
    big = sa.BigInteger()
    age = sql.to_integer(sql.substr(text, 3, 2))
    current = sa.case(
        (age == 1, sa.literal(record_dates.NEVER, big)),
        (age == 0, sa.literal(20_500_901, big)),
        (age <= 50, (age + 2000) * 10_000 + 301),
        else_=(age + 1950) * 10_000 + 901,
    )
    exact = sql.exact(text, engine)
    return sa.case(
        (sql.full_match(column, CURRENT, engine), current),
        (
            sql.full_match(column, PREFIX, engine),
            _letter_day(sql.substr(exact, 1, 1), PREFIX_LETTERS),
        ),
        (
            sql.full_match(column, SUFFIX, engine),
            _letter_day(sql.substr(exact, sql.length(text, engine), 1), SUFFIX_LETTERS),
        ),
        (sql.full_match(column, DATELESS, engine), sa.literal(0, big)),
        else_=sa.literal(-1, big),
    )


def vrm_sql(column: Any, engine: str, as_of: str | None = None) -> Any:
    day = issue_day_sql(column, engine)
    limit = record_dates.as_of_day(as_of)
    return sa.case((sa.and_(day >= 0, day <= limit), sa.true()), else_=sa.false())


def vrm_on_date_sql(vrm: Any, date: Any, engine: str, as_of: str | None = None) -> Any:
    day = issue_day_sql(vrm, engine)
    number, is_date = record_dates.day_number_sql(date, engine)
    limit = record_dates.as_of_day(as_of)
    return sa.case(
        (vrm.is_(None), sa.true()),
        (sa.and_(date.is_(None), day >= 0, day <= limit), sa.true()),
        (sa.and_(is_date, day >= 0, day <= number), sa.true()),
        else_=sa.false(),
    )
