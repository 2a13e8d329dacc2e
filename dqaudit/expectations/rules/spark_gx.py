"""Spark implementations of the police rule library's GX metrics, and a Spark validation.

``register()`` adds a SparkDFExecutionEngine implementation to every metric of
``gx_expectations`` that ``spark_rules`` covers, by declaring a provider with the same
metric name (GX keeps one implementation per metric and engine, so the pandas and SQL
ones stay as they are). It needs pyspark and is called by the Spark backend, never at
import of the library, so dqaudit runs without the ``spark`` extra.

``validate_spark`` is the prototype of the adapter's Spark validation (to move into
``gx_adapter`` with the backend): one ``validate`` call per suite with BASIC results
passed to ``validate()`` itself (GX ignores a ``result_format`` set on the expectation or
suite), no samples, and a datasource that does not persist the batch (GX persists it by
default and never unpersists it). Checked on GX 1.24.1 with pyspark 4.1.4.
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from dqaudit.expectations.rules import spark_rules

# BASIC: counts only. GX's COMPLETE builds a dict per failing key in the driver, and with
# index columns it fails on a dotted column name (GX issue #12196).
SPARK_RESULT_FORMAT = {
    "result_format": "BASIC",
    "partial_unexpected_count": 0,
    "return_unexpected_index_query": False,
}


def _kwarg_values(kwargs: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: kwargs[key] for key in keys if key in kwargs}


@cache
def register() -> None:
    """Register the Spark implementation of each library metric with GX (once)."""
    from dqaudit.expectations import gx_adapter

    gx_adapter._gx()  # GX and the library's expectations first
    from great_expectations.execution_engine import SparkDFExecutionEngine
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

    from dqaudit.expectations.rules import gx_expectations as library

    for expectation in library.EXPECTATIONS:
        kind = _snake(expectation.__name__)
        metric = expectation.map_metric
        if kind in spark_rules.COLUMN_RULES:
            build = spark_rules.COLUMN_RULES[kind]
            keys = ("code_list",) if kind.endswith("_in_code_list") else ()

            def _column(cls: Any, column: Any, _build: Any = build, **kwargs: Any) -> Any:
                return _build(column, **kwargs)

            type(
                f"Spark{expectation.__name__}",
                (ColumnMapMetricProvider,),
                {
                    "condition_metric_name": metric,
                    "condition_value_keys": keys,
                    "_spark": column_condition_partial(engine=SparkDFExecutionEngine)(_column),
                    "__module__": __name__,
                },
            )
        elif kind in spark_rules.PAIR_RULES:
            build = spark_rules.PAIR_RULES[kind]

            def _pair(cls: Any, a: Any, b: Any, _build: Any = build, **kwargs: Any) -> Any:
                kwargs.pop("_metrics", None)
                return _build(a, b, **kwargs)

            type(
                f"Spark{expectation.__name__}",
                (ColumnPairMapMetricProvider,),
                {
                    "condition_metric_name": metric,
                    "condition_domain_keys": library.PAIR_DOMAIN_KEYS,
                    "condition_value_keys": _value_keys(library, metric),
                    "_spark": column_pair_condition_partial(engine=SparkDFExecutionEngine)(_pair),
                    "__module__": __name__,
                },
            )
        elif kind in spark_rules.MULTICOLUMN_RULES:
            build = spark_rules.MULTICOLUMN_RULES[kind]

            def _multi(cls: Any, frame: Any, _build: Any = build, **kwargs: Any) -> Any:
                kwargs.pop("_metrics", None)
                values = [spark_rules.column(name) for name in frame.columns]
                return _build(values, **kwargs)

            type(
                f"Spark{expectation.__name__}",
                (MulticolumnMapMetricProvider,),
                {
                    "condition_metric_name": metric,
                    "condition_domain_keys": library.MULTI_DOMAIN_KEYS,
                    "condition_value_keys": _value_keys(library, metric),
                    "_spark": multicolumn_condition_partial(engine=SparkDFExecutionEngine)(_multi),
                    "__module__": __name__,
                },
            )


def _snake(class_name: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def _value_keys(library: Any, metric: str) -> tuple[str, ...]:
    """The value keys the library's own provider of ``metric`` declares."""
    for value in vars(library).values():
        if isinstance(value, type) and getattr(value, "condition_metric_name", None) == metric:
            return tuple(value.condition_value_keys)
    raise LookupError(f"no provider of {metric} in {library.__name__}")


def validate_spark(dataframe: Any, checks: list[Any]) -> dict[int, Any]:
    """Validate ``checks`` (gx_adapter.GxCheck) against a Spark DataFrame in one GX call.

    Returns gx_adapter.GxOutcome by ``ref``: outcomes and counts only (BASIC), never keys.
    The DataFrame is left unpersisted.
    """
    from dqaudit.errors import EngineError
    from dqaudit.expectations import gx_adapter

    register()
    context = gx_adapter._context()
    suite = gx_adapter._suite(checks)
    name = f"dqaudit-{uuid.uuid4().hex}"
    datasource = context.data_sources.add_spark(name, persist=False)
    try:
        asset = datasource.add_dataframe_asset("extract")
        batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        with gx_adapter._quiet_gx():
            batch = batch_definition.get_batch(batch_parameters={"dataframe": dataframe})
            try:
                validation = batch.validate(suite, result_format=SPARK_RESULT_FORMAT)
            except Exception as exc:
                raise EngineError(
                    f"Great Expectations failed: {gx_adapter._first_line(exc)}"
                ) from exc
    finally:
        context.data_sources.delete(name)
        if dataframe.is_cached:  # in case a session-level setting persisted it anyway
            dataframe.unpersist()
    by_ref = {check.ref: check for check in checks}
    outcomes: dict[int, Any] = {}
    for result in validation.results:
        ref = (result.expectation_config.meta or {}).get(gx_adapter.REF_KEY)
        if ref not in by_ref:
            raise EngineError("GX returned a result that matches no expectation of the suite")
        outcomes[ref] = gx_adapter._outcome(result, by_ref[ref], index_required=False)
    missing = [by_ref[ref].label for ref in by_ref if ref not in outcomes]
    if missing:
        raise EngineError(f"GX returned no result for {', '.join(missing)}")
    return outcomes
