"""The identifier and code-list rules as Great Expectations 1.x custom expectations.

Imported by ``gx_expectations`` (with it, the only modules of the library that import GX).
Each metric delegates to GX-free logic: a pandas function over the whole column and a
SQLAlchemy expression for PostgreSQL, SQLite and MariaDB, so every engine fails the same
rows. Nulls are ignored, as in GX core: a missing value is for a not-null rule to judge.
Each class docstring names the rule's published source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import pandas as pd
from great_expectations.compatibility import pydantic
from great_expectations.execution_engine import PandasExecutionEngine, SqlAlchemyExecutionEngine
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    ColumnPairMapMetricProvider,
    column_condition_partial,
    column_pair_condition_partial,
)

from dqaudit.expectations.rules import (
    check_characters,
    codelists,
    formats,
    record_dates,
    sql,
    vehicles,
)

SQL_ENGINES = ("postgresql", "sqlite", "mariadb")
PAIR_DOMAIN_KEYS = (
    "batch_id",
    "table",
    "column_A",
    "column_B",
    "row_condition",
    "condition_parser",
    "ignore_row_if",
)


def _sql_engine(name: str, kwargs: dict[str, Any]) -> str:
    engine = kwargs.get("_sqlalchemy_engine")
    dialect = getattr(engine, "dialect", None) or kwargs.get("_dialect")
    found = sql.engine_name(dialect)
    if found not in SQL_ENGINES:
        raise NotImplementedError(f"{name} is not implemented for the {found} engine")
    return found


def _column_metric(
    name: str,
    pandas_check: Callable[..., pd.Series],
    sql_check: Callable[..., Any],
    defaults: dict[str, Any] | None = None,
) -> type:
    """A column-map metric provider: True marks a valid value. ``defaults``: its kwargs."""
    defaults = defaults or {}

    def values(kwargs: dict[str, Any]) -> dict[str, Any]:
        return {key: kwargs.get(key, default) for key, default in defaults.items()}

    def _pandas(cls: Any, column: pd.Series, **kwargs: Any) -> pd.Series:
        return pandas_check(column, **values(kwargs))

    def _sqlalchemy(cls: Any, column: Any, **kwargs: Any) -> Any:
        return sql_check(column, _sql_engine(name, kwargs), **values(kwargs))

    attributes: dict[str, Any] = {
        "condition_metric_name": name,
        "condition_value_keys": tuple(defaults),
        "_pandas": column_condition_partial(engine=PandasExecutionEngine)(_pandas),
        "_sqlalchemy": column_condition_partial(engine=SqlAlchemyExecutionEngine)(_sqlalchemy),
        "__module__": __name__,
    }
    class_name = "".join(part.capitalize() for part in name.replace(".", "_").split("_"))
    return type(class_name, (ColumnMapMetricProvider,), attributes)


def _code_list_pandas(values: pd.Series, code_list: str) -> pd.Series:
    codes = codelists.load(code_list).codes
    text = values.astype("string") if values.dtype != "string" else values
    return (text.isin(codes) | values.isna()).astype(bool)


def _code_list_sql(column: Any, engine: str, code_list: str) -> Any:
    return sql.in_values(column, list(codelists.load(code_list).codes), engine)


def _checked_as_of(value: str | None) -> str | None:
    record_dates.parse_as_of(value)
    return value


_column_metric(
    "column_values.dqaudit_valid_pnc_id",
    check_characters.valid_pnc_id,
    check_characters.pnc_id_sql,
    {"allow_without_slash": False, "as_of": None},
)
_column_metric(
    "column_values.dqaudit_valid_cro_number",
    check_characters.valid_cro_number,
    check_characters.cro_number_sql,
)
_column_metric(
    "column_values.dqaudit_valid_asn", check_characters.valid_asn, check_characters.asn_sql
)
_column_metric(
    "column_values.dqaudit_valid_uk_postcode",
    formats.valid_postcode,
    formats.postcode_sql,
    {"format": "strict", "allow_bfpo": False, "allow_overseas_territories": False},
)
_column_metric(
    "column_values.dqaudit_valid_ni_number",
    formats.valid_ni_number,
    formats.ni_number_sql,
    {"allow_blank_suffix": False},
)
_column_metric(
    "column_values.dqaudit_valid_uk_vrm", vehicles.valid_vrm, vehicles.vrm_sql, {"as_of": None}
)
for _format in formats.SIMPLE_PATTERNS:
    _column_metric(
        f"column_values.dqaudit_valid_{_format}",
        formats.valid(_format),
        formats.sql_condition(_format),
    )
_column_metric(
    "column_values.dqaudit_in_code_list", _code_list_pandas, _code_list_sql, {"code_list": None}
)


class ExpectColumnValuesToBeValidPncId(ColumnMapExpectation):
    """Expect PNC IDs, ``YYYY/NNNNNNNC`` or ``YY/N{1,7}C``, with a correct check letter.

    The check letter is ``ZABCDEFGHJKLMNPQRTUVWXY``[int(YY + serial padded to 7) mod 23],
    YY being the last two digits of the year: 2001/0171310W, 2008/0056560Z, 79/163001B.
    A four-digit year after ``as_of`` (an ISO date; default: the day the rule runs) fails:
    no PNC ID is issued in the future. ``allow_without_slash`` also accepts the full form
    keyed without its slash (20010171310W). Source: the PNC ID format of the CJS Exchange
    Data Standards Catalogue ("Police National Computer Id") and the PNC's modulus-23 check.
    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    allow_without_slash: bool = False
    as_of: str | None = pydantic.Field(default=None, description="ISO date YYYY-MM-DD")
    map_metric = "column_values.dqaudit_valid_pnc_id"
    success_keys = ("mostly", "allow_without_slash", "as_of")

    _as_of = pydantic.validator("as_of", allow_reuse=True)(_checked_as_of)


class ExpectColumnValuesToBeValidCroNumber(ColumnMapExpectation):
    """Expect CRO numbers, ``N{1,6}/YYC`` or ``SFYY/N{1,6}C``, with a correct check letter.

    Standard form: letter of int(YY + serial padded to 6) mod 23; SF form: serial padded
    to 5. Source: the CRO number format of the CJS Exchange Data Standards Catalogue
    ("Criminal Records Office Number") and the modulus-23 check.
    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    map_metric = "column_values.dqaudit_valid_cro_number"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeValidAsn(ColumnMapExpectation):
    """Expect Arrest/Summons Numbers with a correct check letter.

    The 20-character form ``YYFFUUSSNNNNNNNNNNNC``, the 21-character form with a one
    character top-level code before the force (a 7-character organisation unit), or the
    display form with slashes and the sequence's leading zeros dropped
    (11/01ZD/01/448754K). The check letter is taken over int(FF + SS + YY + sequence
    padded to 11), the unit and top-level code excluded, in exact integer arithmetic.
    Source: the ASN validation of the Ministry of Justice's Bichard7
    (ministryofjustice/bichard7-next-core, isAsnValid.ts). Engines: pandas, PostgreSQL,
    SQLite, MariaDB.
    """

    map_metric = "column_values.dqaudit_valid_asn"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeValidUkPostcode(ColumnMapExpectation):
    """Expect postcodes in the national format (letters barred by position; GIR 0AA too).

    ``format: strict`` (default) wants upper case and exactly one space; ``lenient``
    ignores case and spaces (b11ay is B1 1AY) but still checks each letter by position.
    ``allow_bfpo`` accepts British Forces Post Office numbers (BFPO 1234) and
    ``allow_overseas_territories`` the ten UK-style overseas territory postcodes (ASCN 1ZZ,
    GX11 1AA, ...): both off by default, as a force gazetteer holds neither. Source: Royal
    Mail PAF Programmers' Guide / BS 7666 postcode format (e-GIF postcode data type).
    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    format: Literal["strict", "lenient"] = "strict"
    allow_bfpo: bool = False
    allow_overseas_territories: bool = False
    map_metric = "column_values.dqaudit_valid_uk_postcode"
    success_keys = ("mostly", "format", "allow_bfpo", "allow_overseas_territories")


class ExpectColumnValuesToBeValidNiNumber(ColumnMapExpectation):
    """Expect National Insurance numbers: allowed prefix letters, six digits, suffix A-D.

    Prefixes never allocated (BG, GB, KN, NK, NT, TN, ZZ) and administrative prefixes that
    are never issued to a person (OO, CR, FY, MW, NC, PP, PY, PZ) fail. With
    ``allow_blank_suffix`` a blank suffix (a space, or none) passes, as the CJS data
    standards allow. Source: HMRC National Insurance Manual NIM39110.
    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    allow_blank_suffix: bool = False
    map_metric = "column_values.dqaudit_valid_ni_number"
    success_keys = ("mostly", "allow_blank_suffix")


class ExpectColumnValuesToBeValidUkVrm(ColumnMapExpectation):
    """Expect UK vehicle registration marks: current, prefix (Q plates too), suffix,
    dateless or Northern Ireland format, issued by ``as_of`` (an ISO date; default: the
    day the rule runs). Age identifier 01 was never issued, 50 and 00 not before 2050; a
    mark newer than ``as_of`` fails. For the record's own date use
    expect_column_pair_values_to_be_valid_uk_vrm_on_date. Source: DVLA INF104 "Vehicle
    registration numbers and number plates" (see ``vehicles``).
    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    as_of: str | None = pydantic.Field(default=None, description="ISO date YYYY-MM-DD")
    map_metric = "column_values.dqaudit_valid_uk_vrm"
    success_keys = ("mostly", "as_of")

    _as_of = pydantic.validator("as_of", allow_reuse=True)(_checked_as_of)


class ExpectColumnValuesToBeValidUprn(ColumnMapExpectation):
    """Expect UPRNs: 1 to 12 digits, no leading zero. Source: GeoPlace/OS, the UPRN is a
    positive integer of up to 12 digits. Engines: pandas, PostgreSQL, SQLite, MariaDB."""

    map_metric = "column_values.dqaudit_valid_uprn"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeValidCjsOffenceCode(ColumnMapExpectation):
    """Expect CJS offence codes: ``AAYYNNN`` (act code, year of the act, offence reason:
    MD71101), ``COMLNNN`` (common law: COML025 murder) or ``XX00NNN`` (an indictment), each
    with an optional eighth letter A (attempting), B (aiding and abetting), C (conspiring)
    or I (inciting). Source: CJS Data Standards Catalogue 6.0, "CJS Offence Code".
    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    map_metric = "column_values.dqaudit_valid_cjs_offence_code"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeInCodeList(ColumnMapExpectation):
    """Expect values to be codes of a code list: a built-in list's name or a YAML/CSV file.

    Codes are compared exactly (case and spaces count) on every engine. Source: the code
    list's own data file, which names its publisher, edition and address.
    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    code_list: str = pydantic.Field(description="Built-in code list name, or a .yml/.csv file")
    map_metric = "column_values.dqaudit_in_code_list"
    success_keys = ("mostly", "code_list")


# --- a VRM on the record's date ----------------------------------------------------------


class ColumnPairValuesDqauditValidUkVrmOnDate(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.dqaudit_valid_uk_vrm_on_date"
    condition_domain_keys = PAIR_DOMAIN_KEYS
    condition_value_keys = ("as_of",)

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        return vehicles.valid_vrm_on_date(column_A, column_B, kwargs.get("as_of"))

    @column_pair_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column_A: Any, column_B: Any, **kwargs: Any) -> Any:
        engine = _sql_engine(cls.condition_metric_name, kwargs)
        return vehicles.vrm_on_date_sql(column_A, column_B, engine, kwargs.get("as_of"))


class ExpectColumnPairValuesToBeValidUkVrmOnDate(ColumnPairMapExpectation):
    """Expect the VRM in column_A to be well formed and issued by the record's date in
    column_B (ISO 8601 text, or a DATE/TIMESTAMP column): a 24 plate on a sighting of
    February 2024, before 24 plates were issued on 1 March 2024, fails. Text that is not a
    date fails the row; a blank date is judged against ``as_of`` (default today) when
    ``ignore_row_if`` lets the row through. Source: DVLA INF104 (see ``vehicles``).
    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    as_of: str | None = pydantic.Field(default=None, description="ISO date YYYY-MM-DD")
    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = (
        "either_value_is_missing"
    )
    map_metric = "column_pair_values.dqaudit_valid_uk_vrm_on_date"
    success_keys = ("mostly", "ignore_row_if", "as_of")

    _as_of = pydantic.validator("as_of", allow_reuse=True)(_checked_as_of)


EXPECTATIONS = (
    ExpectColumnValuesToBeValidPncId,
    ExpectColumnValuesToBeValidCroNumber,
    ExpectColumnValuesToBeValidAsn,
    ExpectColumnValuesToBeValidUkPostcode,
    ExpectColumnValuesToBeValidNiNumber,
    ExpectColumnValuesToBeValidUkVrm,
    ExpectColumnValuesToBeValidUprn,
    ExpectColumnValuesToBeValidCjsOffenceCode,
    ExpectColumnValuesToBeInCodeList,
    ExpectColumnPairValuesToBeValidUkVrmOnDate,
)
