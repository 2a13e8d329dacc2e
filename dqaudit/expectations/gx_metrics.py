"""Single GX metrics of an engine that validates in place (a database, Spark).

Split from :mod:`dqaudit.expectations.gx_adapter` to keep each module readable; like it,
gx_sql and gx_sql_metrics, this is one of the few modules that touch GX's internals (a
Validator on a batch, an expectation's dependency graph and its condition metric), named
in the import contract. The SQL backend and the Spark backend list a rule's failing rows
by GX's own condition over GX's own domain (``unexpected_condition``), and the SQL backend
hands GX counts it made itself under GX's own metric ids (``counted_metric``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dqaudit.expectations.gx_adapter import ephemeral_context, quiet_gx

# Counts and outcomes only, where dqaudit lists the failing rows itself (a database, Spark):
# GX's key lists there are capped or built in the driver. partial_unexpected_count 0 keeps
# GX from pulling sample values out of the data.
COUNTS_RESULT_FORMAT = {
    "result_format": "BASIC",
    "partial_unexpected_count": 0,
    "return_unexpected_index_query": False,
}


def validator_on(batch: Any) -> Any:
    """A Validator on the batch's engine (loading the batch into it, as batch.validate
    does), to ask GX for single metrics of an engine that validates in place."""
    from great_expectations.validator.validator import Validator

    return Validator(
        execution_engine=batch.data.execution_engine,
        data_context=ephemeral_context(),
        batches=[batch],
    )


def counted_metric(expectation: Any, engine: Any) -> Any:
    """The MetricConfiguration of the expectation's ``unexpected_count``, with the same
    id as the one GX resolves in ``graph_validate`` (which adds the active batch_id)."""
    config = expectation.configuration
    config.kwargs["batch_id"] = engine.batch_manager.active_batch_id
    with quiet_gx():
        dependencies = config.to_domain_obj().get_validation_dependencies(
            execution_engine=engine,
            runtime_configuration={"result_format": COUNTS_RESULT_FORMAT},
        )
    return dependencies.get_metric_configuration(f"{expectation.map_metric}.unexpected_count")


def unexpected_condition(batch: Any, expectation: Any, counted: Any) -> tuple[Any, Any]:
    """(GX's ``<map_metric>.condition`` for the expectation, GX's domain records it applies
    to), as the engine's own expressions: what a database or Spark lists failing rows by,
    so that a row condition and ``ignore_row_if`` apply as they do to GX's count."""
    from great_expectations.validator.metric_configuration import MetricConfiguration

    engine = batch.data.execution_engine
    with quiet_gx():
        condition, compute_kwargs, accessor_kwargs = validator_on(batch).get_metric(
            MetricConfiguration(
                f"{expectation.map_metric}.condition",
                dict(counted.metric_domain_kwargs),
                counted.metric_value_kwargs,
            )
        )
        domain = engine.get_domain_records(domain_kwargs={**compute_kwargs, **accessor_kwargs})
    return condition, domain


@dataclass(frozen=True)
class MetricGraph:
    """GX's metric dependency graph of a suite's validation: each metric by its id, and
    the ids each one needs resolved first."""

    metrics: dict[Any, Any]
    needs: dict[Any, set[Any]]


def suite_metric_graph(engine: Any, expectations: Iterable[Any]) -> MetricGraph:
    """The graph GX's ``graph_validate`` builds for ``expectations`` on the engine's
    active batch (with COUNTS_RESULT_FORMAT): what the counts made ahead of GX (SQL,
    Spark) are found in, under GX's own ids."""
    from great_expectations.validator.validation_graph import ValidationGraph

    runtime = {"result_format": COUNTS_RESULT_FORMAT}
    graph = ValidationGraph(execution_engine=engine)
    with quiet_gx():
        for expectation in expectations:
            config = expectation.configuration
            config.kwargs["batch_id"] = engine.batch_manager.active_batch_id
            dependencies = config.to_domain_obj().get_validation_dependencies(
                execution_engine=engine, runtime_configuration=runtime
            )
            for metric in dependencies.get_metric_configurations():
                graph.build_metric_dependency_graph(
                    metric_configuration=metric, runtime_configuration=runtime
                )
    metrics = {m.id: m for e in graph.edges for m in (e.left, e.right) if m is not None}
    needs: dict[Any, set[Any]] = {i: set() for i in metrics}
    for edge in graph.edges:
        if edge.right is not None:
            needs[edge.left.id].add(edge.right.id)
    return MetricGraph(metrics, needs)
