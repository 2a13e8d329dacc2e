"""Format rules written as regular expressions: postcode, NI number, UPRN, CJS offence code.

Each pattern is written once, without anchors, in the regex subset PostgreSQL, MariaDB,
SQLite (Python ``re``) and pandas share, and matched against the whole value, so every
engine fails the same rows. Values are case-sensitive unless a rule's kwarg says
otherwise (a lenient postcode), and a lenient match never folds case with a function
(engines fold non-ASCII letters differently): its character classes list both cases.
Vehicle registration marks, which carry a date, live in ``vehicles``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from dqaudit.expectations.rules import sql

# --- UK postcode ----------------------------------------------------------------------
# Source: Royal Mail Programmers' Guide to the Postcode Address File (PAF) and BS 7666-3,
# as summarised in the Government Data Standards Catalogue (e-GIF) postcode data type:
# outward code A9, A99, AA9, AA99, A9A or AA9A with letters barred by position (first: not
# Q, V, X; second: not I, J, Z; third of A9A: only A-H, J, K, P, S, T, U, W; fourth of
# AA9A: only A, B, E, H, M, N, P, R, V, W, X, Y), one space, and an inward code of a digit
# and two letters that are never C, I, K, M, O or V. GIR 0AA (Girobank) is the exception.
_FIRST, _SECOND = "[A-PR-UWYZ]", "[A-HK-Y]"
_THIRD_A9A, _FOURTH_AA9A = "[A-HJKPSTUW]", "[ABEHMNPRVWXY]"
_INWARD_LETTER = "[ABD-HJLNP-UW-Z]"
# British Forces Post Office numbers (BFPO 1 to BFPO 9999): the British Forces Post Office
# addressing standard. The BF1 postcodes introduced for BFPO in 2012 are ordinary postcodes.
BFPO = "BFPO [1-9][0-9]{0,3}"
# The UK-style postcodes of British Overseas Territories, one per territory (each
# territory's post office; listed in Wikipedia, "Postcodes in the United Kingdom",
# overseas territories): they are not UK postcodes and are off by default.
OVERSEAS_TERRITORIES = (
    "ASCN 1ZZ",  # Ascension Island
    "BBND 1ZZ",  # British Indian Ocean Territory
    "BIQQ 1ZZ",  # British Antarctic Territory
    "FIQQ 1ZZ",  # Falkland Islands
    "GX11 1AA",  # Gibraltar
    "PCRN 1ZZ",  # Pitcairn Islands
    "SIQQ 1ZZ",  # South Georgia and the South Sandwich Islands
    "STHL 1ZZ",  # St Helena
    "TDCU 1ZZ",  # Tristan da Cunha
    "TKCA 1ZZ",  # Turks and Caicos Islands
)
POSTCODE_FORMATS = ("strict", "lenient")


def _class_members(body: str) -> set[str]:
    """The characters of a (non-negated) regex character class body such as ``A-HK-Y``."""
    members, index = set(), 0
    while index < len(body):
        if index + 2 < len(body) and body[index + 1] == "-":
            members |= {chr(c) for c in range(ord(body[index]), ord(body[index + 2]) + 1)}
            index += 3
        else:
            members.add(body[index])
            index += 1
    return members


def _either_case(pattern: str) -> str:
    """``pattern`` with every letter matching in either case (ASCII only, as listed)."""
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "[":
            end = pattern.index("]", index)
            members = _class_members(pattern[index + 1 : end])
            members |= {m.lower() for m in members}
            out.append("[" + "".join(sorted(members)) + "]")
            index = end + 1
            continue
        out.append(f"[{char}{char.lower()}]" if "A" <= char <= "Z" else char)
        index += 1
    return "".join(out)


def postcode_pattern(
    *, lenient: bool = False, bfpo: bool = False, overseas_territories: bool = False
) -> str:
    """The whole-value postcode pattern for the rule's options.

    Strict: upper case with exactly one space. Lenient: matched after every space is
    removed, in either case, so ``b11ay`` is B1 1AY; letters are still checked by
    position, and the inward code is always the last three characters.
    """
    space = "" if lenient else " "
    outward = (
        f"{_FIRST}[0-9]{{1,2}}|{_FIRST}{_SECOND}[0-9]{{1,2}}|"
        f"{_FIRST}[0-9]{_THIRD_A9A}|{_FIRST}{_SECOND}[0-9]{_FOURTH_AA9A}"
    )
    alternatives = [f"GIR{space}0AA", f"(?:{outward}){space}[0-9]{_INWARD_LETTER}{{2}}"]
    if bfpo:
        alternatives.append(BFPO.replace(" ", space))
    if overseas_territories:
        alternatives.extend(code.replace(" ", space) for code in OVERSEAS_TERRITORIES)
    pattern = "|".join(alternatives)
    return _either_case(pattern) if lenient else pattern


def valid_postcode(
    values: pd.Series,
    format: str = "strict",
    allow_bfpo: bool = False,
    allow_overseas_territories: bool = False,
) -> pd.Series:
    lenient = _lenient(format)
    pattern = postcode_pattern(
        lenient=lenient, bfpo=allow_bfpo, overseas_territories=allow_overseas_territories
    )
    text = _text(values)
    return matches(text.str.replace(" ", "", regex=False) if lenient else text, pattern)


def postcode_sql(
    column: Any,
    engine: str,
    format: str = "strict",
    allow_bfpo: bool = False,
    allow_overseas_territories: bool = False,
) -> Any:
    lenient = _lenient(format)
    pattern = postcode_pattern(
        lenient=lenient, bfpo=allow_bfpo, overseas_territories=allow_overseas_territories
    )
    if lenient:
        column = sa.func.replace(sql.as_text(column), " ", "")
    return sql.full_match(column, pattern, engine)


def _lenient(format: str) -> bool:
    if format not in POSTCODE_FORMATS:
        raise ValueError(f"format must be one of {', '.join(POSTCODE_FORMATS)}, not {format!r}")
    return format == "lenient"


# --- National Insurance number ----------------------------------------------------------
# Source: HMRC National Insurance Manual NIM39110 ("What a NINO looks like"): two prefix
# letters, six digits, suffix A, B, C or D. D, F, I, Q, U and V are never either prefix
# letter, O is never the second. Prefixes never allocated: BG, GB, KN, NK, NT, TN, ZZ.
# Administrative prefixes that HMRC/DWP use for reference numbers that look like NINOs but
# are not (NIM39110, "Administrative numbers"): OO, CR, FY, MW, NC, PP, PY, PZ. OO, CR, FY,
# MW and NC were confirmed from the archived NIM39110 page; PP, PY and PZ from secondary
# summaries of it only. A blank suffix (a space, or nothing once an extract trims it) is
# allowed by the CJS data standards ("the final character can be A, B, C, D or space") and
# e-GIF submissions: only when the rule says so.
_NI_BARRED = set("DFIQUV")
NI_NEVER_ALLOCATED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
NI_ADMINISTRATIVE = frozenset({"OO", "CR", "FY", "MW", "NC", "PP", "PY", "PZ"})


def _ni_prefix() -> str:
    """One alternative per allowed first letter, listing the second letters allowed after it."""
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    barred = NI_NEVER_ALLOCATED | NI_ADMINISTRATIVE
    alternatives = []
    for first in letters:
        if first in _NI_BARRED:
            continue
        seconds = [
            s for s in letters if s not in _NI_BARRED and s != "O" and first + s not in barred
        ]
        alternatives.append(f"{first}[{''.join(seconds)}]")
    return "(?:" + "|".join(alternatives) + ")"


_NI_PREFIX = _ni_prefix()


def ni_number_pattern(allow_blank_suffix: bool = False) -> str:
    """HMRC's compact or display form (QQ 12 34 56 C); optionally with a blank suffix."""
    suffix = " ?[A-D]?" if allow_blank_suffix else " ?[A-D]"
    return f"{_NI_PREFIX} ?[0-9]{{2}} ?[0-9]{{2}} ?[0-9]{{2}}{suffix}"


def valid_ni_number(values: pd.Series, allow_blank_suffix: bool = False) -> pd.Series:
    return matches(_text(values), ni_number_pattern(allow_blank_suffix))


def ni_number_sql(column: Any, engine: str, allow_blank_suffix: bool = False) -> Any:
    return sql.full_match(column, ni_number_pattern(allow_blank_suffix), engine)


# --- UPRN and CJS offence code ------------------------------------------------------------
# UPRN: GeoPlace/OS, a positive integer of up to 12 digits (no leading zero).
UPRN = "[1-9][0-9]{0,11}"
# CJS offence code: CJS Data Standards Catalogue 6.0, "CJS Offence Code" (as published by
# the Criminal Justice Hub jargon buster, 6 June 2021): AAYYNNN (act or source code, year
# of the act, three-digit offence reason, e.g. MD71101), COMLNNN (common law, e.g. COML025
# murder) or XX00NNN (an indictment), each with an optional eighth character A
# (attempting), B (aiding and abetting), C (conspiring) or I (inciting).
CJS_OFFENCE_CODE = "(?:[A-Z]{2}[0-9]{2}|COML)[0-9]{3}[ABCI]?"

SIMPLE_PATTERNS = {"uprn": UPRN, "cjs_offence_code": CJS_OFFENCE_CODE}


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string") if values.dtype != "string" else values


def matches(values: pd.Series, pattern: str) -> pd.Series:
    """True where the whole value matches ``pattern``; nulls are True (left to not-null rules)."""
    text = _text(values)
    ok = text.str.fullmatch(pattern).fillna(True).to_numpy(dtype=bool, copy=True)
    ok |= values.isna().to_numpy()
    return pd.Series(ok, index=values.index, dtype=bool)


def valid(name: str) -> Any:
    """The pandas validator of a format without options (``uprn``, ``cjs_offence_code``)."""
    pattern = SIMPLE_PATTERNS[name]
    return lambda values: matches(values, pattern)


def sql_condition(name: str) -> Any:
    """The SQL condition builder of a format without options: ``(column, engine) -> expr``."""
    pattern = SIMPLE_PATTERNS[name]
    return lambda column, engine: sql.full_match(column, pattern, engine)
