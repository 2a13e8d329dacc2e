"""Spark implementations of the police rule library's GX metrics, and a Spark validation.

``register()`` adds a SparkDFExecutionEngine implementation to every metric of
``gx_expectations`` that ``spark_rules`` covers, by declaring a provider with the same
metric name (GX keeps one implementation per metric and engine, so the pandas and SQL
ones stay as they are). It needs pyspark and is called by the Spark backend, never at
import of the library, so dqaudit runs without the ``spark`` extra.

``spark_validation`` is the Spark backend's validation (kept here rather than in
``gx_adapter``, so the adapter stays as the pandas and SQL backends use it): one
``validate`` call per suite with BASIC results passed to ``validate()`` itself (GX ignores
a ``result_format`` set on the expectation or suite), no samples, and a datasource that
does not persist the batch (GX persists it by default and never unpersists it); its
``SparkValidation.failing_rows`` streams each rule's failing rows from GX's own domain
and condition, as ``gx_sql.SqlValidation`` does for pushdown. ``validate_spark`` is
the same for outcomes only. Checked on GX 1.24.1 with pyspark 4.1.4.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from dqaudit.expectations.rules import spark_rules

# BASIC: counts only. GX's COMPLETE builds a dict per failing key in the driver, and with
# index columns it fails on a dotted column name (GX issue #12196).


def _kwarg_values(kwargs: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: kwargs[key] for key in keys if key in kwargs}


@cache
def register() -> None:
    """Register the Spark implementation of each library metric with GX (once).

    Each Spark provider declares the same metric name, domain keys and value keys as the
    library's pandas provider, read from GX's registry, so GX resolves the metric alike.
    """
    from dqaudit.expectations import gx_adapter

    gx_adapter.load_gx()  # GX and the library's expectations first
    from great_expectations.execution_engine import PandasExecutionEngine, SparkDFExecutionEngine
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
    from great_expectations.expectations.registry import get_metric_provider

    from dqaudit.expectations.rules import gx_expectations as library

    for expectation in library.EXPECTATIONS:
        kind = _snake(expectation.__name__)
        metric = expectation.map_metric
        pandas_provider, _ = get_metric_provider(f"{metric}.condition", PandasExecutionEngine())
        attributes: dict[str, Any] = {
            "condition_metric_name": metric,
            "condition_value_keys": tuple(getattr(pandas_provider, "condition_value_keys", ())),
            "condition_domain_keys": tuple(getattr(pandas_provider, "condition_domain_keys", ())),
            "__module__": __name__,
        }
        if kind in spark_rules.COLUMN_RULES:
            base: type = ColumnMapMetricProvider
            attributes["_spark"] = column_condition_partial(engine=SparkDFExecutionEngine)(
                _column_fn(spark_rules.COLUMN_RULES[kind])
            )
        elif kind in spark_rules.PAIR_RULES:
            base = ColumnPairMapMetricProvider
            attributes["_spark"] = column_pair_condition_partial(engine=SparkDFExecutionEngine)(
                _pair_fn(spark_rules.PAIR_RULES[kind])
            )
        elif kind in spark_rules.MULTICOLUMN_RULES:
            base = MulticolumnMapMetricProvider
            attributes["_spark"] = multicolumn_condition_partial(engine=SparkDFExecutionEngine)(
                _multi_fn(spark_rules.MULTICOLUMN_RULES[kind])
            )
        else:  # no Spark implementation: a plan refuses the rule on Spark (its engines)
            continue
        type(f"Spark{expectation.__name__}", (base,), attributes)


def _values(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The rule's own kwargs: GX adds its resolved metrics as ``_metrics``."""
    return {key: value for key, value in kwargs.items() if not key.startswith("_")}


def _column_fn(build: Any) -> Any:
    def _spark(cls: Any, column: Any, **kwargs: Any) -> Any:
        return build(column, **_values(kwargs))

    return _spark


def _pair_fn(build: Any) -> Any:
    def _spark(cls: Any, column_A: Any, column_B: Any, **kwargs: Any) -> Any:
        return build(column_A, column_B, **_values(kwargs))

    return _spark


def _multi_fn(build: Any) -> Any:
    def _spark(cls: Any, column_list: Any, **kwargs: Any) -> Any:
        values = [spark_rules.column(name) for name in column_list.columns]
        return build(values, **_values(kwargs))

    return _spark


def _snake(class_name: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def validate_spark(dataframe: Any, checks: list[Any]) -> dict[int, Any]:
    """Validate ``checks`` (gx_adapter.GxCheck) against a Spark DataFrame in one GX call.

    Returns gx_adapter.GxOutcome by ``ref``: outcomes and counts only (BASIC), never keys.
    The DataFrame is left unpersisted.
    """
    with spark_validation(dataframe, checks) as validation:
        return validation.outcomes


class SparkValidation:
    """GX's outcomes for a suite run on Spark, and the failing rows of each rule.

    ``failing_rows`` streams the rows of GX's own domain (``row_condition`` and
    ``ignore_row_if`` applied, as to GX's count) where GX's own unexpected condition for
    the expectation is true: the rows GX counted, never a re-statement of the rule. The
    same approach as ``gx_sql.SqlValidation`` for pushdown. ``failing_rows_by_rule`` does
    the same for several rules in one Spark job. ``extra`` holds the values of the
    caller's own aggregates, computed in the job that counted the suite for GX.
    """

    def __init__(
        self,
        batch: Any,
        expectations: dict[int, Any],
        outcomes: dict[int, Any],
        counts: Any = None,
    ):
        self._batch = batch
        self._expectations = expectations
        self.outcomes = outcomes
        self._conditions: dict[int, Any] = {} if counts is None else counts.conditions
        self._failing: dict[int, Any] = {} if counts is None else counts.failing
        self.extra: list[Any] = [] if counts is None else counts.extra

    def failing_rows(
        self, ref: int, key_columns: list[str], value_columns: list[str], batch_size: int
    ) -> Any:
        """Yield batches of rows: the key columns, then ``value_columns``, in key order."""
        from dqaudit.connectors.spark_records import failing_rows

        domain, condition = self.failing_condition(ref)
        yield from failing_rows(
            domain, key_columns, condition, value_columns, batch_size=batch_size
        )

    def failing_rows_by_rule(
        self,
        wanted: dict[int, list[str]],
        key_columns: list[str],
        batch_size: int,
    ) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
        """(ref, batch) for the rules ``wanted`` (ref -> value columns), in ref then key
        order, from one Spark job: each batch holds the key columns, then the rule's
        value columns."""
        from pyspark.sql import functions as F

        from dqaudit.connectors.spark_records import RuleRows, failing_rows_by_rule
        from dqaudit.expectations.rules.spark_gx_metrics import domain_predicate

        engine = self._batch.data.execution_engine
        parts = []
        for ref, values in wanted.items():
            known = self._conditions.get(ref)
            selected = None
            if known is not None and not known.window:
                selected = domain_predicate(engine, known.domain)
            if selected is not None and known is not None:  # GX's domain as a predicate
                parts.append(RuleRows(ref, selected & known.condition, tuple(values)))
            elif ref in self._failing:  # a window rule's rows, kept when GX's count was made
                rows = self._failing[ref]
                parts.append(RuleRows(ref, F.lit(True), tuple(values), dataframe=rows))
            else:
                domain, condition = self.failing_condition(ref)
                parts.append(RuleRows(ref, condition, tuple(values), dataframe=domain))
        yield from failing_rows_by_rule(
            parts, self._batch.data.dataframe, key_columns, batch_size=batch_size
        )

    def failing_condition(self, ref: int) -> tuple[Any, Any]:
        """(GX's domain DataFrame for the rule, its unexpected condition as a Column)."""
        from dqaudit.expectations import gx_metrics

        engine = self._batch.data.execution_engine
        if ref in self._conditions:
            known = self._conditions[ref]
            return engine.get_domain_records(domain_kwargs=known.domain), known.condition
        expectation = self._expectations[ref]
        counted = gx_metrics.counted_metric(expectation, engine)
        condition, domain = gx_metrics.unexpected_condition(self._batch, expectation, counted)
        return domain, condition


@contextmanager
def spark_validation(
    dataframe: Any,
    checks: list[Any],
    extra: Sequence[Any] = (),
    rows: int | None = None,
    listed: Sequence[str] | None = None,
) -> Iterator[SparkValidation]:
    """Validate ``checks`` against a Spark DataFrame in one GX call (BASIC, passed to
    ``validate()``, no samples), on a datasource that does not persist the batch; the
    DataFrame is unpersisted and the datasource removed on exit.

    GX's counts (and the caller's ``extra`` aggregate Columns) are computed first in one
    Spark job (spark_gx_metrics.prefetch_counts) and handed to GX, which judges every
    rule with its own code; ``rows`` is the DataFrame's row count where known, ``listed``
    the only columns failing rows will be listed with (keys and the rules' columns)."""
    from dqaudit.errors import EngineError
    from dqaudit.expectations import gx_adapter, gx_metrics
    from dqaudit.expectations.gx_sql_metrics import KnownMetrics
    from dqaudit.expectations.rules.spark_gx_metrics import prefetch_counts

    register()
    context = gx_adapter.ephemeral_context()
    suite = gx_adapter.build_suite(checks)
    name = f"dqaudit-{uuid.uuid4().hex}"
    datasource = context.data_sources.add_spark(name, persist=False)
    counts = None
    try:
        asset = datasource.add_dataframe_asset("extract")
        batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        built = {e.meta[gx_adapter.REF_KEY]: e for e in suite.expectations}
        with gx_adapter.quiet_gx():
            batch = batch_definition.get_batch(batch_parameters={"dataframe": dataframe})
            # a Spark error here is the data's: the backend words it for the dataset
            known = KnownMetrics(batch.data.execution_engine)
            counts = prefetch_counts(batch, built, known, extra, rows, listed)
            try:
                validation = batch.validate(suite, result_format=gx_metrics.COUNTS_RESULT_FORMAT)
            except Exception as exc:
                raise EngineError(
                    f"Great Expectations failed: {gx_adapter.first_line(exc)}"
                ) from exc
        outcomes = gx_adapter.outcomes_by_ref(
            validation.results, checks, index_required=False, adjust=_count_an_empty_domain
        )
        yield SparkValidation(batch, built, outcomes, counts)
    finally:
        if counts is not None:
            counts.release()
        context.data_sources.delete(name)
        if dataframe.is_cached:  # in case a session-level setting persisted it anyway
            dataframe.unpersist()


def _count_an_empty_domain(result: Any) -> None:
    """GX on Spark leaves ``unexpected_count`` out when the rule's domain is empty (a row
    condition selecting nothing); GX on pandas and SQL say 0, which is what it is."""
    from dqaudit.expectations import gx_adapter

    details = result.result
    if (
        isinstance(details, dict)
        and gx_adapter.exception_message(result.exception_info) is None
        and details.get("element_count") == 0
        and details.get("unexpected_count") is None
    ):
        details["unexpected_count"] = 0
