"""The rule library as Great Expectations 1.x custom expectations.

This module, ``gx_identifiers`` (the identifier and code-list rules) and
``gx_audit_expectations`` (the audit rule families of issue 12), both imported here, are
the only modules of the library that import GX. Importing this one registers every
expectation (and its metric) with GX, so suites can name them like core expectations and
GX can serialise them; ``gx_adapter`` imports it when it loads GX. Each metric delegates
to the GX-free rule logic: a pandas function over the whole column and, for identifier
and code-list rules, a SQLAlchemy expression for PostgreSQL, SQLite and MariaDB.

Nulls are ignored, as in GX core: column rules never see them, pair and multicolumn rules
follow ``ignore_row_if``. Whether a value that is present is valid is the rule's answer.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from great_expectations.compatibility import pydantic
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import (
    ColumnPairMapExpectation,
    MulticolumnMapExpectation,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnPairMapMetricProvider,
    MulticolumnMapMetricProvider,
    column_pair_condition_partial,
)
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_condition_partial import (
    multicolumn_condition_partial,
)

from dqaudit.expectations.rules import geometry, timing
from dqaudit.expectations.rules.gx_audit_expectations import (
    ExpectColumnPairValuesToBeAreaCodeInForce,
    ExpectColumnPairValuesToBeSharedByAtMost,
    ExpectMulticolumnValuesToMatchBoundaryVersion,
)
from dqaudit.expectations.rules.gx_identifiers import (
    PAIR_DOMAIN_KEYS,
    ExpectColumnPairValuesToBeValidUkVrmOnDate,
    ExpectColumnValuesToBeInCodeList,
    ExpectColumnValuesToBeValidAsn,
    ExpectColumnValuesToBeValidCjsOffenceCode,
    ExpectColumnValuesToBeValidCroNumber,
    ExpectColumnValuesToBeValidNiNumber,
    ExpectColumnValuesToBeValidPncId,
    ExpectColumnValuesToBeValidUkPostcode,
    ExpectColumnValuesToBeValidUkVrm,
    ExpectColumnValuesToBeValidUprn,
)

MULTI_DOMAIN_KEYS = (
    "batch_id",
    "table",
    "column_list",
    "row_condition",
    "condition_parser",
    "ignore_row_if",
)


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
    Source: the force's own boundary file (e.g. the police force area boundaries published
    on data.police.uk); the projection is the OS British National Grid (EPSG:27700).
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
    Source: the force's own neighbourhood/sector boundary layer (not a published list).
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


AmbiguousReading = Literal["earliest", "latest", "flag"]


class MulticolumnDatetimesDqauditInOrder(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.dqaudit_datetimes_in_order"
    condition_domain_keys = MULTI_DOMAIN_KEYS
    condition_value_keys = ("timezone", "ambiguous")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list: pd.DataFrame, **kwargs: Any) -> pd.Series:
        return timing.in_order(column_list, kwargs["timezone"], kwargs["ambiguous"])


class ExpectMulticolumnDatetimesToBeInOrder(MulticolumnMapExpectation):
    """Expect the datetimes of each row never to go backwards in ``column_list`` order
    (arrest <= arrival <= detention authorised <= release). Values are read as
    timezone-aware datetimes in ``timezone``; blanks are skipped; text that is not a
    datetime fails. ``ambiguous`` says how a time in the repeated autumn hour is read:
    ``earliest`` (summer time), ``latest`` (GMT) or ``flag`` (default: a row whose verdict
    depends on the reading is not failed but listed as a warning). A time in the skipped
    spring hour is read as the clock before the change shows it (GMT). Source: the order
    of events in PACE 1984 ss.30, 37 and 41 (arrest, arrival at the station, authorised
    detention, release). Engines: pandas.
    """

    timezone: str = timing.DEFAULT_TIMEZONE
    ambiguous: AmbiguousReading = "flag"
    map_metric = "multicolumn_values.dqaudit_datetimes_in_order"
    success_keys = ("mostly", "ignore_row_if", "timezone", "ambiguous")


class ColumnPairValuesDqauditWithinHours(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.dqaudit_within_hours"
    condition_domain_keys = PAIR_DOMAIN_KEYS
    condition_value_keys = ("max_hours", "timezone", "ambiguous")

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        return timing.within_hours(
            column_A, column_B, kwargs["max_hours"], kwargs["timezone"], kwargs["ambiguous"]
        )


class ExpectColumnPairValuesToBeWithinHours(ColumnPairMapExpectation):
    """Expect column_B at or after column_A and at most ``max_hours`` later: a timeliness
    standard. Source: the PNC Code of Practice (Home Office, 2005) for court results, 75%
    of finalisations on PNC within 7 days (168 h) of the result reaching the police.

    A missing column_B counts as late, not as a null to ignore: a record never entered is
    late even when its start datetime is missing too, so by default (``neither``) no row
    is ignored. ``ignore_row_if: both_values_are_missing`` opts out of that for rows with
    neither datetime; ``either_value_is_missing`` is refused. Durations are real elapsed
    hours in ``timezone``; ``ambiguous`` works as in
    ``expect_multicolumn_datetimes_to_be_in_order``. Engines: pandas.
    """

    max_hours: float = pydantic.Field(gt=0)
    timezone: str = timing.DEFAULT_TIMEZONE
    ambiguous: AmbiguousReading = "flag"
    ignore_row_if: Literal["both_values_are_missing", "neither"] = "neither"
    map_metric = "column_pair_values.dqaudit_within_hours"
    success_keys = ("mostly", "ignore_row_if", "max_hours", "timezone", "ambiguous")


class MulticolumnDatetimesDqauditWithinHours(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.dqaudit_datetimes_within_hours"
    condition_domain_keys = MULTI_DOMAIN_KEYS
    condition_value_keys = ("max_hours", "timezone", "ambiguous")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list: pd.DataFrame, **kwargs: Any) -> pd.Series:
        return timing.within_hours_of_first(
            column_list, kwargs["max_hours"], kwargs["timezone"], kwargs["ambiguous"]
        )


class ExpectMulticolumnDatetimesToBeWithinHours(MulticolumnMapExpectation):
    """Expect the last column of ``column_list`` at most ``max_hours`` after the earliest
    present one of the others. Source: the PNC Code of Practice (Home Office, 2005) wants 90% of
    recordable offences on PNC within 24 hours of the person being "arrested, reported or
    summonsed" (100% within 3 days), so the clock starts at whichever of those times the
    record has, and a summons record without an arrest time is measured from its summons
    date (a date without a time is read as the start of that day, the strict reading).

    No start at all, a missing or early entry, or text that is not a datetime fails the
    row; ``ignore_row_if: all_values_are_missing`` opts out of failing rows with no
    datetime at all (``any_value_is_missing`` is refused: it would ignore every record
    never entered). ``timezone`` and ``ambiguous`` work as in
    ``expect_multicolumn_datetimes_to_be_in_order``. Engines: pandas.
    """

    max_hours: float = pydantic.Field(gt=0)
    timezone: str = timing.DEFAULT_TIMEZONE
    ambiguous: AmbiguousReading = "flag"
    ignore_row_if: Literal["all_values_are_missing", "never"] = "never"
    map_metric = "multicolumn_values.dqaudit_datetimes_within_hours"
    success_keys = ("mostly", "ignore_row_if", "max_hours", "timezone", "ambiguous")

    @pydantic.validator("column_list")
    def _start_and_end(cls, value: list[str]) -> list[str]:
        if len(value) < 2:
            raise ValueError("column_list must name the start column(s), then the entry column")
        return value


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
    ExpectColumnPairValuesToBeWithinBoundary,
    ExpectMulticolumnValuesToMatchBoundaryArea,
    ExpectMulticolumnDatetimesToBeInOrder,
    ExpectColumnPairValuesToBeWithinHours,
    ExpectMulticolumnDatetimesToBeWithinHours,
    ExpectColumnPairValuesToBeAreaCodeInForce,
    ExpectMulticolumnValuesToMatchBoundaryVersion,
    ExpectColumnPairValuesToBeSharedByAtMost,
)
