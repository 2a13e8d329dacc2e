"""GX registration of the audit rule families' expectations (boundary versions, shared points).

A companion of ``gx_expectations`` (which imports it, so one import registers every rule),
kept apart to keep both modules short. Each metric delegates to GX-free logic:
``boundary_versions`` and ``locations``. Pandas only.
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

from dqaudit.expectations.rules import boundary_versions, geometry, locations, timing

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


class ColumnPairValuesDqauditAreaCodeInForce(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.dqaudit_area_code_in_force"
    condition_domain_keys = PAIR_DOMAIN_KEYS
    condition_value_keys = (
        "areas",
        "area_property",
        "valid_from_property",
        "valid_to_property",
        "timezone",
    )

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        return boundary_versions.code_in_force(
            column_A,
            column_B,
            kwargs["areas"],
            kwargs["area_property"],
            kwargs["valid_from_property"],
            kwargs["valid_to_property"],
            kwargs["timezone"],
        )


class ExpectColumnPairValuesToBeAreaCodeInForce(ColumnPairMapExpectation):
    """Expect the area code (column_A) to belong to the boundary version in force on the
    date (column_B): the boundary-change audit. ``areas`` is a GeoJSON layer holding every
    version, each feature with ``area_property`` and its ``valid_from`` (inclusive) and
    ``valid_to`` (exclusive, blank while in force) dates. Retired codes, codes used before
    they existed and unknown codes fail; dates are local days in ``timezone``.
    Source: the force's own dated boundary layer (no national standard; the force report's
    2012/13 neighbourhood and sector boundary changes). Engines: pandas.
    """

    areas: str = pydantic.Field(description="GeoJSON layer of every boundary version")
    area_property: str = pydantic.Field(description="Feature property holding the area code")
    valid_from_property: str = boundary_versions.VALID_FROM
    valid_to_property: str = boundary_versions.VALID_TO
    timezone: str = timing.DEFAULT_TIMEZONE
    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = (
        "either_value_is_missing"
    )
    map_metric = "column_pair_values.dqaudit_area_code_in_force"
    success_keys = (
        "mostly",
        "ignore_row_if",
        "areas",
        "area_property",
        "valid_from_property",
        "valid_to_property",
        "timezone",
    )


class MulticolumnValuesDqauditMatchBoundaryVersion(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.dqaudit_match_boundary_version"
    condition_domain_keys = MULTI_DOMAIN_KEYS
    condition_value_keys = (
        "areas",
        "area_property",
        "valid_from_property",
        "valid_to_property",
        "crs",
        "metric_crs",
        "timezone",
    )

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list: pd.DataFrame, **kwargs: Any) -> pd.Series:
        x, y, code, date = (column_list.iloc[:, i] for i in range(4))
        return boundary_versions.point_in_version(
            x,
            y,
            code,
            date,
            kwargs["areas"],
            kwargs["area_property"],
            kwargs["valid_from_property"],
            kwargs["valid_to_property"],
            crs=kwargs["crs"],
            metric_crs=kwargs["metric_crs"],
            timezone=kwargs["timezone"],
        )


class ExpectMulticolumnValuesToMatchBoundaryVersion(MulticolumnMapExpectation):
    """Expect the point (first two columns) to lie in the polygon that the recorded area
    code (third column) had on the date (fourth column), in the dated boundary layer
    ``areas`` (see ExpectColumnPairValuesToBeAreaCodeInForce). Source: the force's own
    dated boundary layer. Engines: pandas.
    """

    areas: str = pydantic.Field(description="GeoJSON layer of every boundary version")
    area_property: str = pydantic.Field(description="Feature property holding the area code")
    valid_from_property: str = boundary_versions.VALID_FROM
    valid_to_property: str = boundary_versions.VALID_TO
    crs: str = geometry.BRITISH_NATIONAL_GRID
    metric_crs: str = geometry.BRITISH_NATIONAL_GRID
    timezone: str = timing.DEFAULT_TIMEZONE
    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = (
        "any_value_is_missing"
    )
    map_metric = "multicolumn_values.dqaudit_match_boundary_version"
    success_keys = (
        "mostly",
        "ignore_row_if",
        "areas",
        "area_property",
        "valid_from_property",
        "valid_to_property",
        "crs",
        "metric_crs",
        "timezone",
    )

    @pydantic.validator("column_list")
    def _four_columns(cls, value: list[str]) -> list[str]:
        if len(value) != 4:
            raise ValueError("column_list must name x, y, the area code and the date, in order")
        return value


class ColumnPairValuesDqauditSharedByAtMost(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.dqaudit_shared_by_at_most"
    condition_domain_keys = PAIR_DOMAIN_KEYS
    condition_value_keys = ("max_rows", "round_to")

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        return locations.shared_point_ok(column_A, column_B, kwargs["max_rows"], kwargs["round_to"])


class ExpectColumnPairValuesToBeSharedByAtMost(ColumnPairMapExpectation):
    """Expect no point (column_A, column_B) to be shared by more than ``max_rows`` rows:
    points used by an implausible number of incidents are default or unconfirmed
    locations. Coordinates compare as numbers, rounded to ``round_to`` units when it is
    positive; text that is not a number fails. Source: none published; ``max_rows`` is
    the force's threshold for unconfirmed incident locations. Engines: pandas.
    """

    max_rows: int = pydantic.Field(ge=1, description="Most rows that may share one point")
    round_to: float = pydantic.Field(default=0.0, ge=0)
    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = (
        "either_value_is_missing"
    )
    map_metric = "column_pair_values.dqaudit_shared_by_at_most"
    success_keys = ("mostly", "ignore_row_if", "max_rows", "round_to")
