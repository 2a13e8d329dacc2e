"""The rule library as Great Expectations 1.x custom expectations.

This and its companion ``gx_audit_expectations`` (the audit rule families of issue 12,
imported here) are the only modules of the library that import GX. Importing it registers every
expectation (and its metric) with GX, so suites can name them like core expectations and
GX can serialise them; ``gx_adapter`` imports it when it loads GX. Each metric delegates
to the GX-free rule logic: a pandas function over the whole column and, for identifier
and code-list rules, a SQLAlchemy expression for PostgreSQL, SQLite and MariaDB.

Nulls are ignored, as in GX core: column rules never see them, pair and multicolumn rules
follow ``ignore_row_if``. Whether a value that is present is valid is the rule's answer.
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
    MulticolumnMapExpectation,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    ColumnPairMapMetricProvider,
    MulticolumnMapMetricProvider,
    column_condition_partial,
    column_pair_condition_partial,
)
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_condition_partial import (
    multicolumn_condition_partial,
)

from dqaudit.expectations.rules import check_characters, codelists, formats, geometry, sql, timing
from dqaudit.expectations.rules.gx_audit_expectations import (
    ExpectColumnPairValuesToBeAreaCodeInForce,
    ExpectColumnPairValuesToBeSharedByAtMost,
    ExpectMulticolumnValuesToMatchBoundaryVersion,
)

PAIR_DOMAIN_KEYS = (
    "batch_id",
    "table",
    "column_A",
    "column_B",
    "row_condition",
    "condition_parser",
    "ignore_row_if",
)
MULTI_DOMAIN_KEYS = (
    "batch_id",
    "table",
    "column_list",
    "row_condition",
    "condition_parser",
    "ignore_row_if",
)


def _sql_engine(kwargs: dict[str, Any]) -> str:
    engine = kwargs.get("_sqlalchemy_engine")
    dialect = getattr(engine, "dialect", None) or kwargs.get("_dialect")
    return sql.engine_name(dialect)


def _column_metric(
    name: str,
    pandas_check: Callable[..., pd.Series],
    sql_check: Callable[..., Any] | None,
    value_keys: tuple[str, ...] = (),
) -> type:
    """A column-map metric provider: True marks a valid value."""

    def _pandas(cls: Any, column: pd.Series, **kwargs: Any) -> pd.Series:
        return pandas_check(column, **{key: kwargs[key] for key in value_keys})

    attributes: dict[str, Any] = {
        "condition_metric_name": name,
        "condition_value_keys": value_keys,
        "_pandas": column_condition_partial(engine=PandasExecutionEngine)(_pandas),
        "__module__": __name__,
    }
    if sql_check is not None:

        def _sqlalchemy(cls: Any, column: Any, **kwargs: Any) -> Any:
            engine = _sql_engine(kwargs)
            if engine not in ("postgresql", "sqlite", "mariadb"):
                raise NotImplementedError(f"{name} is not implemented for the {engine} engine")
            return sql_check(column, engine, **{key: kwargs[key] for key in value_keys})

        attributes["_sqlalchemy"] = column_condition_partial(engine=SqlAlchemyExecutionEngine)(
            _sqlalchemy
        )
    class_name = "".join(part.capitalize() for part in name.replace(".", "_").split("_"))
    return type(class_name, (ColumnMapMetricProvider,), attributes)


def _code_list_pandas(values: pd.Series, code_list: str) -> pd.Series:
    codes = codelists.load(code_list).codes
    text = values.astype("string") if values.dtype != "string" else values
    return (text.isin(codes) | values.isna()).astype(bool)


def _code_list_sql(column: Any, engine: str, code_list: str) -> Any:
    return sql.in_values(column, list(codelists.load(code_list).codes), engine)


_column_metric(
    "column_values.dqaudit_valid_pnc_id",
    check_characters.valid_pnc_id,
    check_characters.pnc_id_sql,
)
_column_metric(
    "column_values.dqaudit_valid_cro_number",
    check_characters.valid_cro_number,
    check_characters.cro_number_sql,
)
_column_metric(
    "column_values.dqaudit_valid_asn", check_characters.valid_asn, check_characters.asn_sql
)
for _format in formats.PATTERNS:
    _column_metric(
        f"column_values.dqaudit_valid_{_format}",
        formats.valid(_format),
        formats.sql_condition(_format),
    )
_column_metric(
    "column_values.dqaudit_in_code_list", _code_list_pandas, _code_list_sql, ("code_list",)
)


class ExpectColumnValuesToBeValidPncId(ColumnMapExpectation):
    """Expect PNC IDs, ``YYYY/NNNNNNNC`` or ``YY/N{1,7}C``, with a correct check letter.

    The check letter is ``ZABCDEFGHJKLMNPQRTUVWXY``[int(YY + serial padded to 7) mod 23],
    YY being the last two digits of the year: 2001/0171310W, 2008/0056560Z, 79/163001B.
    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    map_metric = "column_values.dqaudit_valid_pnc_id"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeValidCroNumber(ColumnMapExpectation):
    """Expect CRO numbers, ``N{1,6}/YYC`` or ``SFYY/N{1,6}C``, with a correct check letter.

    Standard form: letter of int(YY + serial padded to 6) mod 23; SF form: serial padded
    to 5. Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    map_metric = "column_values.dqaudit_valid_cro_number"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeValidAsn(ColumnMapExpectation):
    """Expect Arrest/Summons Numbers with a correct check letter.

    Full form ``YYFFUUSSNNNNNNNNNNNC`` (20 characters) or the display form with slashes and
    the sequence's leading zeros dropped (11/01ZD/01/448754K). The check letter is taken
    over int(FF + SS + YY + sequence padded to 11), the unit excluded, in exact integer
    arithmetic. Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    map_metric = "column_values.dqaudit_valid_asn"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeValidUkPostcode(ColumnMapExpectation):
    """Expect postcodes in the national standard format, upper case, one space (GIR 0AA too).

    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    map_metric = "column_values.dqaudit_valid_uk_postcode"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeValidNiNumber(ColumnMapExpectation):
    """Expect National Insurance numbers: allowed prefix letters, six digits, suffix A-D.

    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    map_metric = "column_values.dqaudit_valid_ni_number"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeValidUkVrm(ColumnMapExpectation):
    """Expect UK vehicle registration marks: current, prefix, suffix, dateless or NI format.

    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    map_metric = "column_values.dqaudit_valid_uk_vrm"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeValidUprn(ColumnMapExpectation):
    """Expect UPRNs: 1 to 12 digits, no leading zero. Engines: pandas, PostgreSQL, SQLite, MariaDB."""

    map_metric = "column_values.dqaudit_valid_uprn"
    success_keys = ("mostly",)


class ExpectColumnValuesToBeInCodeList(ColumnMapExpectation):
    """Expect values to be codes of a code list: a built-in list's name or a YAML/CSV file.

    Codes are compared exactly (case and spaces count) on every engine.
    Engines: pandas, PostgreSQL, SQLite, MariaDB.
    """

    code_list: str = pydantic.Field(description="Built-in code list name, or a .yml/.csv file")
    map_metric = "column_values.dqaudit_in_code_list"
    success_keys = ("mostly", "code_list")


# --- gazetteer ---------------------------------------------------------------------------


class ColumnPairValuesDqauditWithinBoundary(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.dqaudit_within_boundary"
    condition_domain_keys = PAIR_DOMAIN_KEYS
    condition_value_keys = ("boundary", "crs", "tolerance_m", "metric_crs")

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        return geometry.within_boundary(
            column_A,
            column_B,
            kwargs["boundary"],
            crs=kwargs["crs"],
            tolerance_m=kwargs["tolerance_m"],
            metric_crs=kwargs["metric_crs"],
        )


class ExpectColumnPairValuesToBeWithinBoundary(ColumnPairMapExpectation):
    """Expect points (column_A = easting or longitude, column_B = northing or latitude) inside
    a GeoJSON boundary, such as the force area.

    ``crs`` is the points' CRS (EPSG:27700 British National Grid by default, EPSG:4326 for
    longitude/latitude); the boundary is WGS84 unless the file declares otherwise.
    ``tolerance_m`` accepts points that close outside. Text that is not a number fails.
    Engines: pandas (shapely, pyproj).
    """

    boundary: str = pydantic.Field(description="GeoJSON file of the boundary polygon(s)")
    crs: str = geometry.BRITISH_NATIONAL_GRID
    tolerance_m: float = pydantic.Field(default=0.0, ge=0)
    metric_crs: str = geometry.BRITISH_NATIONAL_GRID
    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = (
        "either_value_is_missing"
    )
    map_metric = "column_pair_values.dqaudit_within_boundary"
    success_keys = ("mostly", "ignore_row_if", "boundary", "crs", "tolerance_m", "metric_crs")


class MulticolumnValuesDqauditMatchBoundaryArea(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.dqaudit_match_boundary_area"
    condition_domain_keys = MULTI_DOMAIN_KEYS
    condition_value_keys = ("areas", "area_property", "crs", "metric_crs")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list: pd.DataFrame, **kwargs: Any) -> pd.Series:
        x, y, code = (column_list.iloc[:, i] for i in range(3))
        return geometry.area_agrees(
            x,
            y,
            code,
            kwargs["areas"],
            kwargs["area_property"],
            crs=kwargs["crs"],
            metric_crs=kwargs["metric_crs"],
        )


class ExpectMulticolumnValuesToMatchBoundaryArea(MulticolumnMapExpectation):
    """Expect the recorded area code (third column) to be the code of the polygon that the
    point (first two columns) falls in: the boundary-change audit for neighbourhoods and
    sectors. ``areas`` is a GeoJSON layer whose features carry ``area_property``.
    Engines: pandas (shapely, pyproj).
    """

    areas: str = pydantic.Field(description="GeoJSON layer of area polygons")
    area_property: str = pydantic.Field(description="Feature property holding the area code")
    crs: str = geometry.BRITISH_NATIONAL_GRID
    metric_crs: str = geometry.BRITISH_NATIONAL_GRID
    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = (
        "any_value_is_missing"
    )
    map_metric = "multicolumn_values.dqaudit_match_boundary_area"
    success_keys = ("mostly", "ignore_row_if", "areas", "area_property", "crs", "metric_crs")

    @pydantic.validator("column_list")
    def _three_columns(cls, value: list[str]) -> list[str]:
        if len(value) != 3:
            raise ValueError("column_list must name x, y and the area code column, in that order")
        return value


# --- custody and timeliness ----------------------------------------------------------------


class MulticolumnDatetimesDqauditInOrder(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.dqaudit_datetimes_in_order"
    condition_domain_keys = MULTI_DOMAIN_KEYS
    condition_value_keys = ("timezone",)

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list: pd.DataFrame, **kwargs: Any) -> pd.Series:
        return timing.in_order(column_list, kwargs["timezone"])


class ExpectMulticolumnDatetimesToBeInOrder(MulticolumnMapExpectation):
    """Expect the datetimes of each row never to go backwards in ``column_list`` order
    (arrest <= arrival <= detention authorised <= release). Values are read as
    timezone-aware datetimes in ``timezone``; blanks are skipped; text that is not a
    datetime fails. Engines: pandas.
    """

    timezone: str = timing.DEFAULT_TIMEZONE
    map_metric = "multicolumn_values.dqaudit_datetimes_in_order"
    success_keys = ("mostly", "ignore_row_if", "timezone")


class ColumnPairValuesDqauditWithinHours(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.dqaudit_within_hours"
    condition_domain_keys = PAIR_DOMAIN_KEYS
    condition_value_keys = ("max_hours", "timezone")

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        return timing.within_hours(column_A, column_B, kwargs["max_hours"], kwargs["timezone"])


class ExpectColumnPairValuesToBeWithinHours(ColumnPairMapExpectation):
    """Expect column_B at or after column_A and at most ``max_hours`` later: the PNC Code of
    Practice timeliness rules (arrest/summons entered within 24 h for 90%, ...).

    A missing column_B counts as late, not as a null to ignore: a record never entered on
    PNC is late even when its arrest datetime is missing too, so by default (``neither``)
    no row is ignored. ``ignore_row_if: both_values_are_missing`` opts out of that for
    rows with neither datetime; ``either_value_is_missing`` is refused. Durations are real
    elapsed hours in ``timezone``. Engines: pandas.
    """

    max_hours: float = pydantic.Field(gt=0)
    timezone: str = timing.DEFAULT_TIMEZONE
    ignore_row_if: Literal["both_values_are_missing", "neither"] = "neither"
    map_metric = "column_pair_values.dqaudit_within_hours"
    success_keys = ("mostly", "ignore_row_if", "max_hours", "timezone")


EXPECTATIONS = (
    ExpectColumnValuesToBeValidPncId,
    ExpectColumnValuesToBeValidCroNumber,
    ExpectColumnValuesToBeValidAsn,
    ExpectColumnValuesToBeValidUkPostcode,
    ExpectColumnValuesToBeValidNiNumber,
    ExpectColumnValuesToBeValidUkVrm,
    ExpectColumnValuesToBeValidUprn,
    ExpectColumnValuesToBeInCodeList,
    ExpectColumnPairValuesToBeWithinBoundary,
    ExpectMulticolumnValuesToMatchBoundaryArea,
    ExpectMulticolumnDatetimesToBeInOrder,
    ExpectColumnPairValuesToBeWithinHours,
    ExpectColumnPairValuesToBeAreaCodeInForce,
    ExpectMulticolumnValuesToMatchBoundaryVersion,
    ExpectColumnPairValuesToBeSharedByAtMost,
)
