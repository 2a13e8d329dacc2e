"""Great Expectations inside a database (pushdown): the other half of the GX adapter.

Split from :mod:`dqaudit.expectations.gx_adapter` (which keeps GX's import, the context,
suites, outcomes and in-memory validation) only to keep each module readable; the two are
the one door to GX (with the rule library's GX classes), and the workarounds listed in
gx_adapter's docstring apply here too. The API: ``SqlAsset``, ``validate_sql`` and
``SqlValidation.failing_rows``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from dqaudit.errors import EngineError
from dqaudit.expectations.gx_adapter import (
    REF_KEY,
    GxCheck,
    GxOutcome,
    build_suite,
    database_connection,
    ephemeral_context,
    first_line,
    outcome_of,
    quiet_gx,
)

# --- validation inside a database (pushdown) ----------------------------------------------

# Counts and outcomes only: GX's SQL key list is capped and fetched whole, so failing keys
# come from SqlValidation.failing_rows instead. partial_unexpected_count 0 keeps GX from
# pulling sample values out of the database.
SQL_RESULT_FORMAT = {
    "result_format": "BASIC",
    "partial_unexpected_count": 0,
    "return_unexpected_index_query": False,
}
# Metrics whose SQL "condition" is a query of its own (a window or GROUP BY over the table):
# their failing rows are the domain's rows whose value (or tuple) is duplicated.
DUPLICATE_METRICS = {"column_values.unique": "column", "compound_columns.unique": "column_list"}
# Rules counted by their own listing, each a server-side cursor waiting until its keys are
# streamed (see _open_listings); the others GX counts itself.
MAX_LISTINGS = 64


@dataclass(frozen=True)
class SqlAsset:
    """What GX validates in the database: a table (optionally in a schema) or a query."""

    connection_string: str
    engine_kwargs: dict[str, Any]
    table: str | None = None
    schema: str | None = None
    query: str | None = None


class SqlValidation:
    """GX's outcomes for a suite run inside a database, and the failing rows of each rule.

    ``failing_rows`` runs one keyed SELECT per rule (``listing_query``), built from GX's
    own condition for the expectation over GX's own domain (so ``row_condition`` and
    ``ignore_row_if`` apply, as they do to GX's count), ordered by key and streamed with
    ``yield_per``; on PostgreSQL that SELECT was opened before GX validated, and counted
    the rule for GX (see ``_open_listings``).
    """

    def __init__(
        self,
        batch: Any,
        expectations: dict[int, Any],
        outcomes: dict[int, GxOutcome],
        listings: _Listings | None = None,
    ):
        self._batch = batch
        self._expectations = expectations
        self.outcomes = outcomes
        self._listings = listings

    def failing_rows(
        self,
        ref: int,
        key_columns: list[str],
        value_columns: list[str],
        batch_size: int,
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Yield batches of rows: the key columns, then ``value_columns``, key order."""
        wanted = (tuple(key_columns), tuple(value_columns), batch_size)
        opened = None if self._listings is None else self._listings.take(ref, wanted)
        if opened is not None:
            yield from opened
            return
        query = listing_query(self._batch, self._expectations[ref], key_columns, value_columns)
        engine = self._batch.data.execution_engine.engine
        with database_connection(engine) as connection:
            result = connection.execution_options(yield_per=batch_size).execute(query)
            try:
                for partition in result.partitions():
                    yield [tuple(row) for row in partition]
            finally:
                result.close()


def listing_query(batch: Any, expectation: Any, keys: Sequence[str], values: Sequence[str]) -> Any:
    """The SELECT of the key and value columns of the expectation's failing rows, in key
    order: GX's own ``<map_metric>.condition`` over GX's own domain, or for uniqueness a
    GROUP BY of the duplicated values (GX's condition there is a window of its own)."""
    import sqlalchemy as sa
    from great_expectations.util import get_sqlalchemy_selectable
    from great_expectations.validator.metric_configuration import MetricConfiguration

    engine = batch.data.execution_engine
    metric = expectation.map_metric
    counted = counted_metric(expectation, engine)
    domain_kwargs = dict(counted.metric_domain_kwargs)
    selected: list[Any] = [sa.column(c) for c in dict.fromkeys([*keys, *values])]
    order: list[Any] = [sa.column(c) for c in keys]
    if metric in DUPLICATE_METRICS:
        return duplicate_query(engine, metric, domain_kwargs, selected).order_by(*order)
    with quiet_gx():
        condition, compute_kwargs, accessor_kwargs = _validator_on(batch).get_metric(
            MetricConfiguration(f"{metric}.condition", domain_kwargs, counted.metric_value_kwargs)
        )
        domain = engine.get_domain_records(domain_kwargs={**compute_kwargs, **accessor_kwargs})
    source: Any = get_sqlalchemy_selectable(domain)
    return sa.select(*selected).select_from(source).where(condition).order_by(*order)


def _validator_on(batch: Any) -> Any:
    """A Validator on the batch's engine (loading the batch into it, as batch.validate
    does); the metrics already resolved are answered from the engine's KnownMetrics."""
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
            runtime_configuration={"result_format": SQL_RESULT_FORMAT},
        )
    return dependencies.get_metric_configuration(f"{expectation.map_metric}.unexpected_count")


def duplicate_query(
    engine: Any, metric: str, domain_kwargs: dict[str, Any], selected: list[Any]
) -> Any:
    """The domain's rows whose value (or tuple) is duplicated: a GROUP BY of duplicated
    values, non-null as GX counts them."""
    import sqlalchemy as sa
    from great_expectations.util import get_sqlalchemy_selectable

    domain: Any = get_sqlalchemy_selectable(engine.get_domain_records(domain_kwargs=domain_kwargs))
    names = domain_kwargs[DUPLICATE_METRICS[metric]]
    names = [names] if isinstance(names, str) else list(names)
    columns: list[Any] = [sa.column(c) for c in names]
    duplicated = (
        sa.select(*columns)
        .select_from(domain)
        .where(*[c.is_not(None) for c in columns])
        .group_by(*columns)
        .having(sa.func.count() > 1)
    )
    match = columns[0].in_(duplicated) if len(columns) == 1 else sa.tuple_(*columns).in_(duplicated)
    return sa.select(*selected).select_from(domain).where(match)


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

    def count(self, engine: Any, counted: Any, number: int) -> None:
        """``number`` as the value of GX's ``unexpected_count`` metric and, where GX sums
        it in an aggregate (column map metrics), of its ``.aggregate_fn`` too: found in
        GX's own dependency graph of the metric, so the ids are GX's."""
        from great_expectations.validator.validation_graph import ValidationGraph

        graph = ValidationGraph(execution_engine=engine)
        with quiet_gx():
            graph.build_metric_dependency_graph(
                metric_configuration=counted,
                runtime_configuration={"result_format": SQL_RESULT_FORMAT},
            )
        self.values[counted.id] = number
        for edge in graph.edges:
            if edge.left.metric_name == f"{counted.metric_name}.aggregate_fn":
                self.values[edge.left.id] = number


class _Listings:
    """Rules' keyed SELECTs opened before GX validates, as server-side cursors on one
    connection; each is streamed when its rule's keys are asked for."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._open: dict[int, tuple[tuple[Any, ...], list[Any], Any, Any]] = {}

    def open(self, ref: int, columns: tuple[Any, ...], result: Any) -> int:
        """Fetch the first batch; its ``count(*) OVER ()`` is the number of rows."""
        partitions = result.partitions()
        first = list(next(partitions, []))
        number = int(first[0][-1]) if first else 0
        if number:
            self._open[ref] = (columns, first, partitions, result)
        else:
            result.close()
        return number

    def take(self, ref: int, columns: tuple[Any, ...]) -> Iterator[list[Any]] | None:
        entry = self._open.pop(ref, None)
        if entry is None:
            return None
        if entry[0] != columns:
            entry[3].close()
            return None
        return self._stream(*entry[1:])

    @staticmethod
    def _stream(first: list[Any], partitions: Any, result: Any) -> Iterator[list[Any]]:
        try:
            yield [tuple(row)[:-1] for row in first]
            for partition in partitions:
                yield [tuple(row)[:-1] for row in partition]
        finally:
            result.close()

    def close(self) -> None:
        for entry in self._open.values():
            entry[3].close()
        self._open.clear()
        self._stack.close()


def _open_listings(
    batch: Any,
    built: dict[int, Any],
    listed: dict[int, tuple[tuple[str, ...], tuple[str, ...]]],
    known: KnownMetrics,
    batch_size: int,
) -> _Listings | None:
    """Count each listed rule with the keyed SELECT that lists its failing rows.

    Counting a rule and listing its rows are two scans of the same condition over the
    same domain (for uniqueness two GROUP BYs over the whole table, the costliest query
    of an audit). Here the listing runs first, with ``count(*) OVER ()`` beside each row:
    the first batch carries the number of rows, which GX receives as its
    ``unexpected_count`` (KnownMetrics.count; a count from GX's own condition over GX's
    own domain) and judges with its own code; the rows are streamed when the rule's keys
    are asked for. A rule with no failing row is left to GX to count (GX's sum over an
    empty domain is NULL, not 0). Only on PostgreSQL, whose server-side cursors wait on
    the server; elsewhere GX counts and each failing rule's listing runs afterwards.
    """
    import sqlalchemy as sa

    engine = batch.data.execution_engine
    if engine.dialect_name != "postgresql" or isinstance(engine.engine, sa.engine.Connection):
        return None
    refs = [r for r in listed if listed[r][0] and getattr(built[r], "map_metric", None)]
    if not refs:
        return None
    _validator_on(batch)  # loads the batch into the engine (the active batch_id)
    stack = ExitStack()
    try:
        connection = stack.enter_context(database_connection(engine.engine))
        listings = _Listings(stack)
        for ref in refs[:MAX_LISTINGS]:
            keys, values = listed[ref]
            query = listing_query(batch, built[ref], keys, values)
            query = query.add_columns(sa.func.count().over().label("dqaudit_rows"))
            result = connection.execution_options(yield_per=batch_size).execute(query)
            number = listings.open(ref, (keys, values, batch_size), result)
            if number:
                known.count(engine, counted_metric(built[ref], engine), number)
    except BaseException:
        stack.close()
        raise
    return listings


_WRAPPABLE = {"count", "sum", "min", "max"}


def _prefetch_aggregates(
    batch: Any, built: dict[int, Any], listed: set[int], known: KnownMetrics
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
    from great_expectations.validator.validation_graph import ValidationGraph

    engine = batch.data.execution_engine
    _validator_on(batch)  # loads the batch into the engine (the active batch_id)
    runtime = {"result_format": SQL_RESULT_FORMAT}
    graph = ValidationGraph(execution_engine=engine)
    with quiet_gx():
        skip = {counted_metric(built[r], engine).id for r in listed if _counts_itself(built[r])}
        for expectation in built.values():
            config = expectation.configuration
            config.kwargs["batch_id"] = engine.batch_manager.active_batch_id
            dependencies = config.to_domain_obj().get_validation_dependencies(
                execution_engine=engine, runtime_configuration=runtime
            )
            for metric in dependencies.get_metric_configurations():
                graph.build_metric_dependency_graph(
                    metric_configuration=metric, runtime_configuration=runtime
                )
        for _ in range(3):  # row counts first, then the counts that depend on them
            if not _scan_aggregates(engine, graph, known, skip):
                return


def _scan_aggregates(engine: Any, graph: Any, known: KnownMetrics, skip: set[Any]) -> bool:
    """One scan of the aggregates whose dependencies are known; False when none is left."""
    import sqlalchemy as sa
    from great_expectations.util import convert_to_json_serializable

    runtime = {"result_format": SQL_RESULT_FORMAT}
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


def _aggregates(engine: Any, graph: Any, known: KnownMetrics, skip: set[Any]) -> list[Any]:
    """The graph's aggregate metrics not yet known, their dependencies resolved first
    (GX's partial functions and conditions: expressions, no scan)."""
    from great_expectations.execution_engine.execution_engine import get_metric_provider
    from great_expectations.expectations.metrics.map_metric_provider import (
        column_pair_map_condition_auxilliary_methods as pairs,
    )

    metrics = {m.id: m for e in graph.edges for m in (e.left, e.right) if m is not None}
    needs: dict[Any, set[Any]] = {i: set() for i in metrics}
    for edge in graph.edges:
        if edge.right is not None:
            needs[edge.left.id].add(edge.right.id)
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
    while wanted - known.values.keys():
        ready = [
            metrics[i] for i in wanted - known.values.keys() if needs[i] <= known.values.keys()
        ]
        if not ready:
            return []
        known.resolve(ready, known.values, {"result_format": SQL_RESULT_FORMAT})
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


@contextmanager
def validate_sql(
    asset: SqlAsset,
    checks: list[GxCheck],
    listed: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] | None = None,
    batch_size: int = 5000,
) -> Iterator[SqlValidation]:
    """Validate all checks inside the database in one GX call; results keyed by ``ref``.

    GX gets the same engine arguments as dqaudit's own engine, so its sessions are
    read-only too. The datasource is removed (and its connections closed) on exit.
    ``listed`` names, per ref, the key and value columns its failing rows will be listed
    with (on PostgreSQL the rules are then counted by that listing: ``_open_listings``).
    """
    context = ephemeral_context()
    suite = build_suite(checks)
    name = f"dqaudit-{uuid.uuid4().hex}"
    try:
        with quiet_gx():
            datasource = context.data_sources.add_sql(
                name, connection_string=asset.connection_string, kwargs=asset.engine_kwargs
            )
    except Exception as exc:
        raise EngineError(f"Great Expectations cannot connect: {first_line(exc)}") from None
    batch = None
    listings: _Listings | None = None
    try:
        with quiet_gx():
            if asset.query is not None:
                data_asset = datasource.add_query_asset("extract", query=asset.query)
            elif asset.schema:
                data_asset = datasource.add_table_asset(
                    "extract", table_name=asset.table, schema_name=asset.schema
                )
            else:
                data_asset = datasource.add_table_asset("extract", table_name=asset.table)
            batch = data_asset.add_batch_definition_whole_table("whole").get_batch()
        built: dict[int, Any] = {e.meta[REF_KEY]: e for e in suite.expectations}
        known = KnownMetrics(batch.data.execution_engine)
        try:
            with quiet_gx():
                _prefetch_aggregates(batch, built, set(listed or {}), known)
                listings = _open_listings(batch, built, listed or {}, known, batch_size)
                validation = batch.validate(suite, result_format=SQL_RESULT_FORMAT)
        except Exception as exc:
            raise EngineError(f"Great Expectations failed: {first_line(exc)}") from exc
        by_ref = {check.ref: check for check in checks}
        outcomes: dict[int, GxOutcome] = {}
        for result in validation.results:
            ref = (result.expectation_config.meta or {}).get(REF_KEY)
            if ref not in by_ref:
                raise EngineError("GX returned a result that matches no expectation of the suite")
            outcomes[ref] = outcome_of(result, by_ref[ref], index_required=False)
        missing = [by_ref[ref].label for ref in by_ref if ref not in outcomes]
        if missing:
            raise EngineError(f"GX returned no result for {', '.join(missing)}")
        yield SqlValidation(batch, built, outcomes, listings)
    finally:
        if listings is not None:
            listings.close()
        _close_sql(datasource, batch)
        context.data_sources.delete(name)


def _close_sql(datasource: Any, batch: Any) -> None:
    """Close GX's connections now rather than when the garbage collector gets to them."""
    engines = [getattr(datasource, "_engine", None)]
    if batch is not None:
        engines.append(getattr(batch.data.execution_engine, "engine", None))
    for engine in engines:
        dispose = getattr(engine, "dispose", None)
        if dispose is not None:
            dispose()
        elif engine is not None and hasattr(engine, "close"):
            engine.close()
