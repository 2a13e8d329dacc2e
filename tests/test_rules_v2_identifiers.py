"""Issue 12 (police rules v2): each identifier and code-list fix, with its published source.

Every case runs the rule through dqaudit's pandas engine and through Great Expectations'
SQL execution inside real SQLite, PostgreSQL and MariaDB (tests/rules_sql_harness.py), and
asserts the same failing keys everywhere: the counter-example of the issue first. Dates
are always given (``as_of``), so no verdict here depends on the day the tests run.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from dqaudit.expectations.rules import check_characters as cc
from tests.conftest import invoke, rule, write_suite
from tests.rules_sql_harness import _validate, pandas_failing_keys, sql_failing_keys

EXTRACT_DATE = "2025-01-06"


def _pnc_id(year: int, serial: int, slash: bool = True) -> str:
    yy = f"{year % 100:02d}"
    return f"{year}{'/' if slash else ''}{serial:07d}{cc.check_letter(int(yy + f'{serial:07d}'))}"


@dataclass(frozen=True)
class Case:
    """A rule, its kwargs, values that must pass and values that must fail."""

    name: str
    kind: str
    kwargs: dict[str, Any]
    valid: tuple[str, ...]
    invalid: tuple[str, ...]

    def frame(self) -> pd.DataFrame:
        values = [*self.valid, *self.invalid, None]
        return pd.DataFrame({"k": [f"K{i:02d}" for i in range(len(values))], "v": values})

    def expected(self) -> list[str]:
        first = len(self.valid)
        return [f"K{i:02d}" for i in range(first, first + len(self.invalid))]


CODE_LIST = "expect_column_values_to_be_in_code_list"
CASES = [
    # CJS Exchange Data Standards Catalogue 6.0, self-defined ethnicity 18+1 (2011 Census
    # categories): Arab is O2 and Chinese is A4; O1 (Chinese) exists only in the old 16+1
    # list. The counter-example: O2 failed and O1 passed labelled Arab.
    Case(
        "ethnicity 18+1",
        CODE_LIST,
        {"code_list": "self_defined_ethnicity"},
        ("O2", "A4", "W3", "O9", "NS"),
        ("O1", "o2", "A5"),
    ),
    # Criminal Justice Hub jargon buster, "Ethnicity Self Defined Code" (CJS data standards,
    # 1 November 2021), the legacy ONS 16+1 list: O1 is Chinese; W3, A4 and O2 are not in it.
    Case(
        "ethnicity 16+1",
        CODE_LIST,
        {"code_list": "self_defined_ethnicity_16_1"},
        ("O1", "W1", "A9", "NS"),
        ("O2", "A4", "W3"),
    ),
    # OS AddressBase technical specification, LogicalStatusCode: "BLPU records will not have
    # a logical status value of 3" (3, alternative, is for LPIs); GeoPlace DEC-Addresses
    # 7.3.4.6 allows a BLPU 1, 5, 6, 7, 8 and 9. Counter-example: 3 passed for a BLPU.
    Case(
        "BLPU logical status",
        CODE_LIST,
        {"code_list": "blpu_logical_status"},
        ("1", "5", "6", "7", "8", "9"),
        ("3", "2", "4"),
    ),
    # OS AddressBase technical specification, RPCCode (definitions in force since epoch 64,
    # December 2018): 3 is a transitional position captured to high accuracy. The template
    # rule GAZ-ADR-010 (precise positions) must accept 1-3 and fail 4, 5 and 9.
    Case(
        "GAZ-ADR-010 representative point code",
        "expect_column_values_to_be_in_set",
        {"value_set": ["1", "2", "3"]},
        ("1", "2", "3"),
        ("4", "5", "9"),
    ),
    Case(
        "RPC code list",
        CODE_LIST,
        {"code_list": "representative_point_code"},
        ("1", "2", "3", "4", "5", "9"),
        ("0", "6", "7"),
    ),
    # CJS Data Standards Catalogue 6.0, "CJS Offence Code" (Criminal Justice Hub, 6 June
    # 2021): AAYYNNN, COMLNNN or XX00NNN with an optional A, B, C or I. Counter-example:
    # COML025 (murder, common law) failed the template's old regex.
    Case(
        "CJS offence code",
        "expect_column_values_to_be_valid_cjs_offence_code",
        {},
        ("COML025", "MD71101", "TH68010", "XX00001", "COML025A", "TH68010I"),
        ("COML25", "COML0250", "TH68010D", "coml025", "TH 68010", "T68010", "MD711011"),
    ),
    # DVLA INF104, "Vehicle registration numbers and number plates": Q plates are issued to
    # vehicles of unknown age or identity (since 1983); the current format began with 51 in
    # September 2001, so age identifier 01 was never issued, and 50 (March 2050) and 00
    # (September 2050) are not yet. 75 is issued from 1 September 2025: not on 6 January.
    Case(
        "VRM at the extract date",
        "expect_column_values_to_be_valid_uk_vrm",
        {"as_of": EXTRACT_DATE},
        ("Q123 BCD", "Q1 ABC", "AB24 CDE", "AB74 CDE", "AB51 CDE", "Y123 BCD", "ABC 123Y"),
        ("AB00 CDE", "AB01 CDE", "AB50 CDE", "AB75 CDE", "AB25 CDE", "I123 BCD"),
    ),
    Case(
        "VRM later on",
        "expect_column_values_to_be_valid_uk_vrm",
        {"as_of": "2025-09-01"},
        ("AB75 CDE", "AB25 CDE"),
        ("AB76 CDE", "AB26 CDE", "AB01 CDE"),
    ),
    # HMRC National Insurance Manual NIM39110, "Administrative numbers": OO, CR, FY, MW, NC
    # (and, from summaries of it, PP, PY, PZ) look like NINOs but are never issued.
    Case(
        "NI administrative prefixes",
        "expect_column_values_to_be_valid_ni_number",
        {},
        ("AB123456C", "CE123456D", "AB 12 34 56 C"),
        ("CR123456A", "FY123456A", "MW123456A", "NC123456A", "PP123456A", "PZ123456A"),
    ),
    # CJS data standards (Criminal Justice Hub, "National Insurance Number"): the final
    # character can be A, B, C, D or a space; allowed only when the rule says so.
    Case(
        "NI blank suffix not allowed",
        "expect_column_values_to_be_valid_ni_number",
        {},
        ("AB123456C",),
        ("AB123456 ", "AB123456", "AB 12 34 56"),
    ),
    Case(
        "NI blank suffix allowed",
        "expect_column_values_to_be_valid_ni_number",
        {"allow_blank_suffix": True},
        ("AB123456 ", "AB123456", "AB 12 34 56", "AB123456C"),
        ("AB123456E", "CR123456 ", "AB12345 "),
    ),
    # Royal Mail PAF / BS 7666 postcode format: lenient ignores case and spacing (the
    # issue's b11ay is B1 1AY) but still checks letters by position.
    Case(
        "postcode lenient",
        "expect_column_values_to_be_valid_uk_postcode",
        {"format": "lenient"},
        ("b11ay", "B1 1AY", "ec1a1bb", "Ec1A 1bB", "gir 0aa", "B 1 1 A Y"),
        ("qa11aa", "b11ac", "w1i1aa", "ec1z1aa", "b1-1ay", "BFPO 1234", "ASCN 1ZZ"),
    ),
    Case(
        "postcode strict",
        "expect_column_values_to_be_valid_uk_postcode",
        {},
        ("B1 1AY", "EC1A 1BB", "BF1 3AA"),
        # (GX11 1AA, Gibraltar, has the shape of a UK postcode, so the format alone
        # cannot refuse it; the postcode directory rule does.)
        ("b11ay", "B11AY", "b1 1ay", "BFPO 1234", "ASCN 1ZZ", "STHL 1ZZ"),
    ),
    # British Forces Post Office numbers and the UK-style overseas territory postcodes, on
    # by option only (off for a force gazetteer).
    Case(
        "postcode BFPO and overseas territories",
        "expect_column_values_to_be_valid_uk_postcode",
        {"allow_bfpo": True, "allow_overseas_territories": True},
        ("BFPO 1234", "BFPO 1", "ASCN 1ZZ", "GX11 1AA", "FIQQ 1ZZ", "TKCA 1ZZ", "B1 1AY"),
        ("BFPO 0", "BFPO 12345", "BFPO1234", "ASCN 1ZY", "bfpo 1234"),
    ),
    Case(
        "postcode lenient BFPO",
        "expect_column_values_to_be_valid_uk_postcode",
        {"format": "lenient", "allow_bfpo": True},
        ("bfpo1234", "BFPO 1234", "b11ay"),
        ("bfpo 12345", "ascn1zz"),
    ),
    # PNC ID (CJS Exchange Data Standards Catalogue, "Police National Computer Id"): the
    # year is when the PNC record was created, so a year after the extract date cannot be.
    Case(
        "PNC ID future year",
        "expect_column_values_to_be_valid_pnc_id",
        {"as_of": EXTRACT_DATE},
        (
            "2001/0171310W",
            _pnc_id(2025, 1234),
            "79/163001B",
            "31/163001" + cc.check_letter(310163001),
        ),
        (_pnc_id(2026, 1234), _pnc_id(2031, 1), "20010171310W"),
    ),
    Case(
        "PNC ID without slash allowed",
        "expect_column_values_to_be_valid_pnc_id",
        {"as_of": EXTRACT_DATE, "allow_without_slash": True},
        ("20010171310W", "2001/0171310W", _pnc_id(2024, 42, slash=False)),
        ("20010171310X", _pnc_id(2026, 42, slash=False), "010171310W"),
    ),
    # ASN as validated by the Ministry of Justice's Bichard7 (bichard7-next-core,
    # isAsnValid.ts: year, a 6- or 7-character organisation unit, 11-digit sequence, check):
    # the published 1101ZD0100000448754K with a one-character top-level code before the
    # force is the 21-character form; the check excludes unit and top-level code.
    Case(
        "ASN 21 characters",
        "expect_column_values_to_be_valid_asn",
        {},
        ("11B01ZD0100000448754K", "1101ZD0100000448754K", "11901AB0100000448754K"),
        ("11B01ZD0100000448754L", "11B01ZD010000448754K", "11b01ZD0100000448754K"),
    ),
]


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rules.db'}"
    return request.getfixturevalue("pg_url" if request.param == "postgresql" else "mysql_url")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_fix_fails_the_same_keys_on_pandas_and_every_sql_engine(
    case: Case, database_url: str
) -> None:
    kwargs = {"column": "v", **case.kwargs}
    frame = case.frame()
    expected = case.expected()
    assert pandas_failing_keys(frame, "k", case.kind, kwargs) == expected
    assert sql_failing_keys(database_url, frame, "k", case.kind, kwargs) == expected


# --- a VRM on the record's own date (DVLA INF104: 24 plates from 1 March 2024, 74 plates
# from 1 September 2024, prefix Y from 1 March 2001) ---------------------------------------

ON_DATE = "expect_column_pair_values_to_be_valid_uk_vrm_on_date"
SIGHTINGS = [
    # (vrm, date, valid)
    ("AB24 CDE", "2024-02-29", False),  # a 24 plate before 24 plates were issued
    ("AB24 CDE", "2024-03-01", True),
    ("AB74 CDE", "2024-08-31 23:59:59", False),
    ("AB74 CDE", "2024-09-01T00:00:00", True),
    ("Y123 BCD", "2001-02-28", False),
    ("Y123 BCD", "2001-03-01", True),
    ("Q123 BCD", "1990-06-01", True),
    ("ABZ 1234", "1950-01-01", True),  # Northern Ireland, dateless
    ("AB01 CDE", "2030-01-01", False),  # never issued
    ("AB24 CDE", "01/03/2024", False),  # not an ISO date: the rule cannot tell
    ("AB24 CDE", "2024-13-01", False),
    ("ab24 cde", "2024-06-01", False),
]


def _sightings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "k": [f"S{i:02d}" for i in range(len(SIGHTINGS))],
            "vrm": [v for v, _, _ in SIGHTINGS],
            "seen": [d for _, d, _ in SIGHTINGS],
        }
    )


def _invalid_sightings() -> list[str]:
    return [f"S{i:02d}" for i, (_, _, ok) in enumerate(SIGHTINGS) if not ok]


def test_vrm_on_date_fails_the_same_keys_on_pandas_and_every_sql_engine(database_url: str) -> None:
    kwargs = {"column_A": "vrm", "column_B": "seen"}
    frame = _sightings()
    expected = _invalid_sightings()
    assert pandas_failing_keys(frame, "k", ON_DATE, kwargs) == expected
    assert sql_failing_keys(database_url, frame, "k", ON_DATE, kwargs) == expected


def test_vrm_on_date_without_a_date_uses_as_of_when_the_row_is_kept(database_url: str) -> None:
    frame = pd.DataFrame(
        {"k": ["A", "B", "C"], "vrm": ["AB75 CDE", "AB74 CDE", None], "seen": [None, None, None]}
    )
    kwargs = {"column_A": "vrm", "column_B": "seen", "ignore_row_if": "neither"}
    for as_of, expected in (("2025-01-06", ["A"]), ("2025-09-01", [])):
        both = {**kwargs, "as_of": as_of}
        assert pandas_failing_keys(frame, "k", ON_DATE, both) == expected
        assert sql_failing_keys(database_url, frame, "k", ON_DATE, both) == expected


def test_vrm_on_date_reads_a_real_date_column(database_url: str) -> None:
    """A DATE column reads as ISO text on every engine, and as dates from pandas."""
    engine = sa.create_engine(database_url)
    table = sa.Table(
        f"dqaudit_vrm_{uuid.uuid4().hex[:10]}",
        sa.MetaData(),
        sa.Column("k", sa.String(8)),
        sa.Column("vrm", sa.String(10)),
        sa.Column("seen", sa.Date),
    )
    rows = [
        {"k": "A", "vrm": "AB24 CDE", "seen": dt.date(2024, 2, 29)},
        {"k": "B", "vrm": "AB24 CDE", "seen": dt.date(2024, 3, 1)},
    ]
    try:
        table.create(engine)
        with engine.begin() as connection:
            connection.execute(table.insert(), rows)
        kwargs = {"column_A": "vrm", "column_B": "seen"}
        assert sorted(_validate(database_url, table.name, "k", ON_DATE, kwargs)) == ["A"]
    finally:
        table.drop(engine, checkfirst=True)
        engine.dispose()
    frame = pd.DataFrame(rows)
    frame["seen"] = pd.to_datetime(frame["seen"])
    assert pandas_failing_keys(frame, "k", ON_DATE, {"column_A": "vrm", "column_B": "seen"}) == [
        "A"
    ]


# --- bad kwargs are named ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "kwargs", "named"),
    [
        ("expect_column_values_to_be_valid_uk_vrm", {"as_of": "06/01/2025"}, "as_of"),
        ("expect_column_values_to_be_valid_pnc_id", {"as_of": "2025-13-01"}, "as_of"),
        ("expect_column_values_to_be_valid_uk_postcode", {"format": "loose"}, "format"),
        ("expect_column_values_to_be_valid_ni_number", {"allow_blank_suffix": "maybe"}, "allow"),
    ],
)
def test_bad_kwargs_are_input_errors_naming_the_kwarg(
    tmp_path: Path, kind: str, kwargs: dict, named: str
) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_text("ref,v\nA1,x\n", encoding="utf-8")
    suite = write_suite(tmp_path / "suite.json", [rule(kind, "ID-1", column="v", **kwargs)])
    result = invoke("check", str(extract), "--suite", str(suite), "--key", "ref")
    assert result.exit_code == 2, result.output
    assert "ID-1" in result.output and "invalid kwargs" in result.output
    assert named in result.output and "Traceback" not in result.output
