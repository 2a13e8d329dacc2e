"""GX's metrics for a validation inside a database, computed ahead in few scans and handed
to GX, which still decides every verdict.

Split from :mod:`dqaudit.expectations.gx_sql` (validation in a database, rules' listings)
to keep each module readable; like it and gx_adapter, this module is one of the few that
touch GX's internals (its dependency graph, metric ids and execution engine), and the
import contract names it. ``KnownMetrics`` keeps values on GX's engine;
``prefetch_aggregates`` computes the suite's row and null counts in one scan per
dependency level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dqaudit.expectations.gx_adapter import quiet_gx
from dqaudit.expectations.gx_metrics import (
    COUNTS_RESULT_FORMAT,
    MetricGraph,
    counted_metric,
    suite_metric_graph,
    validator_on,
)


class KnownMetrics:
    """Metric values kept on GX's execution engine for the whole validation.

    GX resolves a metric graph per call (the suite, then each rule's condition for its
    listing), recomputing shared metrics such as ``table.row_count`` each time; this
    wraps the engine's ``resolve_metrics`` so that a metric already known (resolved once,
    or counted by a rule's listing: see ``_open_listings``) is answered from ``values``
    and only the others are handed to GX. GX still builds the graph and decides every
    verdict with its own code.
    """

    def __init__(self, engine: Any) -> None:
        self.values: dict[Any, Any] = {}
        self._resolve = engine.resolve_metrics
        engine.resolve_metrics = self.resolve

    def resolve(
        self, metrics_to_resolve: Any, metrics: Any = None, runtime_configuration: Any = None
    ) -> dict[Any, Any]:
        wanted = list(metrics_to_resolve)
        found = {m.id: self.values[m.id] for m in wanted if m.id in self.values}
        missing = [m for m in wanted if m.id not in found]
        if missing:
            resolved = self._resolve(missing, metrics, runtime_configuration)
            self.values.update(resolved)
            found.update(resolved)
        return found

    def resolve_all(self, wanted: set[Any], graph: MetricGraph) -> bool:
        """Resolve the metrics ``wanted`` (ids in ``graph``) with GX, level by level, each
        after what it needs; False when some cannot be reached."""
        while wanted - self.values.keys():
            ready = [
                graph.metrics[i]
                for i in wanted - self.values.keys()
                if graph.needs[i] <= self.values.keys()
            ]
            if not ready:
                return False
            self.resolve(ready, self.values, {"result_format": COUNTS_RESULT_FORMAT})
        return True

    def count(self, engine: Any, counted: Any, number: int | None) -> None:
        """``number`` as the value of GX's ``unexpected_count`` metric and, where GX sums
        it in an aggregate (column map metrics), of its ``.aggregate_fn`` too: found in
        GX's own dependency graph of the metric, so the ids are GX's."""
        from great_expectations.validator.validation_graph import ValidationGraph

        graph = ValidationGraph(execution_engine=engine)
        with quiet_gx():
            graph.build_metric_dependency_graph(
                metric_configuration=counted,
                runtime_configuration={"result_format": COUNTS_RESULT_FORMAT},
            )
        self.values[counted.id] = number
        for edge in graph.edges:
            if edge.left.metric_name == f"{counted.metric_name}.aggregate_fn":
                self.values[edge.left.id] = number


_WRAPPABLE = {"count", "sum", "min", "max"}


def prefetch_aggregates(
    batch: Any,
    built: dict[int, Any],
    listed: set[int],
    known: KnownMetrics,
    row_counts: Mapping[str | None, int],
) -> None:
    """GX's aggregate metrics of the whole suite (row and null counts, a column pair's
    filtered row count, the counts of rules no listing counts) in one scan per dependency
    level (GX's null counts depend on its row counts: two scans), where GX scans once per
    domain and level.

    The metrics are GX's own: its dependency graph of each expectation, each aggregate's
    expression from GX's own partial function, each domain's rows from GX's own
    ``get_domain_records``. A domain that is the batch filtered by WHERE clauses becomes
    ``CASE WHEN <where> THEN <argument> END`` inside the aggregate (the same rows: CASE
    takes the WHEN branch exactly where WHERE keeps the row). The values go to
    KnownMetrics, and GX decides every verdict; an aggregate or domain of any other
    shape, or a failing query, is left to GX's own path, and so are the counts of the
    ``listed`` rules (their listings count them, or GX if a listing finds no row).
    """
    engine = batch.data.execution_engine
    validator_on(batch)  # loads the batch into the engine (the active batch_id)
    graph = suite_metric_graph(engine, built.values())
    with quiet_gx():
        skip = {counted_metric(built[r], engine).id for r in listed if _counts_itself(built[r])}
        _seed_row_counts(graph, known, row_counts)
        for _ in range(3):  # row counts first, then the counts that depend on them
            if not _scan_aggregates(engine, graph, known, skip):
                return


def _seed_row_counts(
    graph: MetricGraph, known: KnownMetrics, row_counts: Mapping[str | None, int]
) -> None:
    """GX's ``table.row_count`` of the whole batch, and of the batch where a helper column
    is 1, from the caller's counts over the same SELECT (the extract's row count; the
    helper-count scan's count of rows each condition selects), so that the null counts
    depending on them need one scan, not two. Only domains of exactly that shape are
    seeded; any other is counted by the scans below, as before."""
    for metric in graph.metrics.values():
        if metric.metric_name != "table.row_count":
            continue
        domain = dict(metric.metric_domain_kwargs)
        domain.pop("batch_id", None)
        condition = domain.pop("row_condition", None)
        domain.pop("condition_parser", None)
        if domain.pop("table", None) is not None or any(domain.values()):
            continue  # a named table or filters: not the counted SELECT
        if condition is None:
            column = None
        else:
            column = _selected_column(condition)
            if column is None:
                continue
        if column in row_counts:
            known.values[metric.id] = row_counts[column]


def _selected_column(condition: Any) -> str | None:
    """The helper column of GX's serialised "column == 1" condition, else None."""
    if not isinstance(condition, Mapping):
        return None
    shape = dict(condition)
    column = shape.get("column")
    name = column.get("name") if isinstance(column, Mapping) else None
    expected = {"type": "comparison", "column": {"name": name}, "operator": "==", "parameter": 1}
    return name if isinstance(name, str) and shape == expected else None


def _scan_aggregates(engine: Any, graph: MetricGraph, known: KnownMetrics, skip: set[Any]) -> bool:
    """One scan of the aggregates whose dependencies are known; False when none is left."""
    import sqlalchemy as sa
    from great_expectations.util import convert_to_json_serializable

    runtime = {"result_format": COUNTS_RESULT_FORMAT}
    targets = _aggregates(engine, graph, known, skip)
    if not targets:
        return False
    direct, bundle = engine._build_direct_and_bundled_metric_computation_configurations(
        metrics_to_resolve=targets, metrics=known.values, runtime_configuration=runtime
    )
    base = engine.get_domain_records(domain_kwargs={})
    base_sql = _domain_where(base)[0]  # the root below any filter of the batch
    selects: list[Any] = []
    ids: list[Any] = []
    counted = [(c, sa.func.count(), _pair_domain(engine, c)) for c in direct]
    bundled = [(c, c.metric_fn, engine.get_domain_records(c.compute_domain_kwargs)) for c in bundle]
    for computation, aggregate, domain in [*counted, *bundled]:
        where = _domain_where(domain)
        expression = None if where is None else _wrapped(aggregate, where[1])
        if expression is not None and where is not None and where[0] == base_sql:
            selects.append(expression)
            ids.append(computation.metric_configuration.id)
    if not selects:
        return False
    query = sa.select(*selects).select_from(
        base.subquery() if isinstance(base, sa.Select) else base
    )
    try:
        row = engine.execute_query(query).fetchall()[0]
    except Exception:  # GX's own path counts them, and reports any error itself
        return False
    for metric_id, value in zip(ids, row, strict=True):
        known.values[metric_id] = convert_to_json_serializable(data=value)
    return True


def _pair_domain(engine: Any, computation: Any) -> Any:
    """The rows GX's ``filtered_row_count`` of a column pair counts (GX's own code for
    it is a count(*) of this domain: _sqlalchemy_column_pair_map_condition_filtered_row_count)."""
    from great_expectations.expectations.metrics.util import (
        get_dbms_compatible_metric_domain_kwargs,
    )

    metrics = computation.metric_provider_kwargs["metrics"]
    _, compute, accessor = metrics["unexpected_condition"]
    accessor = get_dbms_compatible_metric_domain_kwargs(
        metric_domain_kwargs=accessor, batch_columns_list=metrics["table.columns"]
    )
    return engine.get_domain_records(domain_kwargs=dict(**compute, **accessor))


def _counts_itself(expectation: Any) -> bool:
    return bool(getattr(expectation, "map_metric", None))


def _aggregates(engine: Any, graph: MetricGraph, known: KnownMetrics, skip: set[Any]) -> list[Any]:
    """The graph's aggregate metrics not yet known, their dependencies resolved first
    (GX's partial functions and conditions: expressions, no scan)."""
    from great_expectations.execution_engine.execution_engine import get_metric_provider
    from great_expectations.expectations.metrics.map_metric_provider import (
        column_pair_map_condition_auxilliary_methods as pairs,
    )

    metrics, needs = graph.metrics, graph.needs
    providers = {i: get_metric_provider(m.metric_name, engine)[1] for i, m in metrics.items()}
    aggregate = {i for i, provider in providers.items() if provider is None}
    pair_counts = {
        i
        for i, provider in providers.items()
        if provider is pairs._sqlalchemy_column_pair_map_condition_filtered_row_count
    }
    targets: list[Any] = []
    wanted: set[Any] = set()
    for metric_id in (aggregate | pair_counts) - known.values.keys() - skip:
        closure: set[Any] = set()
        stack = list(needs[metric_id] - known.values.keys())
        while stack:
            found = stack.pop()
            if found not in closure:
                closure.add(found)
                stack.extend(needs[found] - known.values.keys())
        if not closure & aggregate:  # an aggregate of an aggregate: GX resolves it
            targets.append(metrics[metric_id])
            wanted |= closure
    if not known.resolve_all(wanted, graph):
        return []
    return targets


def _domain_where(selectable: Any) -> tuple[str, Any]:
    """(the base's SQL, the WHERE clause) of a domain that is ``SELECT *`` from the
    batch filtered by WHERE clauses (nested, or as subqueries, as GX builds them); the
    base is the first selectable that is not such a filter."""
    import sqlalchemy as sa

    clauses: list[Any] = []
    while True:
        inner = selectable.element if isinstance(selectable, sa.Subquery) else selectable
        if not (isinstance(inner, sa.Select) and _filters(inner)):
            break
        clauses.append(inner.whereclause)
        selectable = inner.get_final_froms()[0]
    return str(selectable), (sa.and_(*clauses) if clauses else None)


def _filters(select: Any) -> bool:
    """Whether ``select`` is ``SELECT * FROM <one selectable> WHERE ...`` and nothing more."""
    columns = list(select._raw_columns)
    return (
        len(columns) == 1
        and str(columns[0]) == "*"
        and len(select.get_final_froms()) == 1
        and select.whereclause is not None
        and not (
            select._group_by_clauses
            or select._having_criteria
            or select._limit_clause is not None
            or select._offset_clause is not None
            or select._distinct
            or select._order_by_clauses
        )
    )


def _wrapped(aggregate: Any, where: Any) -> Any:
    """``aggregate`` over the rows ``where`` selects: its argument inside CASE WHEN."""
    import sqlalchemy as sa
    from sqlalchemy.sql.functions import FunctionElement

    if isinstance(aggregate, sa.Label):
        aggregate = aggregate.element
    name = getattr(aggregate, "name", "").lower()
    if not isinstance(aggregate, FunctionElement) or name not in _WRAPPABLE:
        return None
    arguments = list(aggregate.clauses)
    if any(isinstance(a, sa.sql.elements.UnaryExpression) for a in arguments):
        return None  # DISTINCT and the like
    if where is None:
        return aggregate
    if name == "count" and [str(a) for a in arguments] in ([], ["*"]):
        return sa.func.count(sa.case((where, 1)))
    if len(arguments) != 1:
        return None
    return getattr(sa.func, name)(sa.case((where, arguments[0])))
