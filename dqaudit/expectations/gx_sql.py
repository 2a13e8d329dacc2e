"""Great Expectations inside a database (pushdown): the other half of the GX adapter.

Split from :mod:`dqaudit.expectations.gx_adapter` (which keeps GX's import, the context,
suites, outcomes and in-memory validation) only to keep each module readable; the two are
the one door to GX (with the rule library's GX classes), and the workarounds listed in
gx_adapter's docstring apply here too. The API: ``SqlAsset``, ``validate_sql`` and
``SqlValidation.failing_rows``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
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
# Uniqueness rules counted by their own key listing, each holding a connection of GX's pool
# open until its keys are streamed (see _hold_duplicates); the others GX counts itself.
MAX_HELD = 3


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

    ``failing_rows`` runs one keyed SELECT per rule, built from GX's own condition for the
    expectation over GX's own domain (so ``row_condition`` and ``ignore_row_if`` apply, as
    they do to GX's count), ordered by key and streamed with ``yield_per``.
    """

    def __init__(
        self,
        batch: Any,
        expectations: dict[int, Any],
        outcomes: dict[int, GxOutcome],
        held: dict[int, _Held] | None = None,
    ):
        self._batch = batch
        self._expectations = expectations
        self.outcomes = outcomes
        self._held = held or {}

    def close(self) -> None:
        """Close the keyed SELECTs opened for counting and never streamed."""
        while self._held:
            self._held.popitem()[1].close()

    def failing_rows(
        self,
        ref: int,
        key_columns: list[str],
        value_columns: list[str],
        batch_size: int,
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Yield batches of rows: the key columns, then ``value_columns``, key order."""
        held = self._held.pop(ref, None)
        if held is not None:
            try:
                if held.columns == (tuple(key_columns), tuple(value_columns), batch_size):
                    yield from held.rows()
                    return
            finally:
                held.close()
        query = self._failing_query(self._expectations[ref], key_columns, value_columns)
        engine = self._batch.data.execution_engine.engine
        with database_connection(engine) as connection:
            result = connection.execution_options(yield_per=batch_size).execute(query)
            try:
                for partition in result.partitions():
                    yield [tuple(row) for row in partition]
            finally:
                result.close()

    def _failing_query(self, expectation: Any, keys: list[str], values: list[str]) -> Any:
        import sqlalchemy as sa
        from great_expectations.util import get_sqlalchemy_selectable
        from great_expectations.validator.metric_configuration import MetricConfiguration

        engine = self._batch.data.execution_engine
        metric = expectation.map_metric
        counted = counted_metric(expectation, engine)
        domain_kwargs = dict(counted.metric_domain_kwargs)
        selected: list[Any] = [sa.column(c) for c in dict.fromkeys([*keys, *values])]
        order: list[Any] = [sa.column(c) for c in keys]
        domain: Any
        if metric in DUPLICATE_METRICS:
            return duplicate_query(engine, metric, domain_kwargs, selected).order_by(*order)
        validator = self._validator()
        with quiet_gx():
            condition, compute_kwargs, accessor_kwargs = validator.get_metric(
                MetricConfiguration(
                    f"{metric}.condition", domain_kwargs, counted.metric_value_kwargs
                )
            )
            domain = engine.get_domain_records(domain_kwargs={**compute_kwargs, **accessor_kwargs})
        source: Any = get_sqlalchemy_selectable(domain)
        return sa.select(*selected).select_from(source).where(condition).order_by(*order)

    def _validator(self) -> Any:
        """A Validator on the validation's engine: the metrics GX resolved for the suite
        (table.row_count, the conditions) are answered from its KnownMetrics."""
        return _validator_on(self._batch)


def _validator_on(batch: Any) -> Any:
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

    GX resolves a metric graph per call (the suite, then each failing rule's condition),
    recomputing shared metrics such as ``table.row_count`` each time; this wraps the
    engine's ``resolve_metrics`` so that a metric already known (resolved once, or counted
    by dqaudit with the very rows it lists: see ``_hold_duplicates``) is answered from
    ``values`` and only the others are handed to GX. GX still builds the graph and
    decides every verdict with its own code.
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


class _Held:
    """A uniqueness rule's keyed SELECT, opened before GX validates: its window count of
    all rows is the rule's unexpected_count, and its rows are streamed later."""

    def __init__(self, stack: ExitStack, columns: tuple[Any, ...], first: list[Any], rest: Any):
        self._stack = stack
        self.columns = columns
        self.count = int(first[0][-1]) if first else 0
        self._first = first
        self._rest = rest

    def rows(self) -> Iterator[list[tuple[Any, ...]]]:
        if self._first:
            yield [tuple(row)[:-1] for row in self._first]
        self._first = []
        for partition in self._rest:
            yield [tuple(row)[:-1] for row in partition]

    def close(self) -> None:
        self._stack.close()


def _hold_duplicates(
    batch: Any,
    built: dict[int, Any],
    listed: dict[int, tuple[tuple[str, ...], tuple[str, ...]]],
    known: KnownMetrics,
    batch_size: int,
) -> dict[int, _Held]:
    """Count each uniqueness rule with the keyed SELECT that lists its rows.

    A uniqueness count is a GROUP BY over the whole domain, the most expensive query of an
    audit; GX's (a window over the domain) and the key listing's would be two. Here the
    listing runs first with ``count(*) OVER ()`` beside each row: the first batch carries
    the count, which GX receives as the metric's value (KnownMetrics) and judges as its
    own; the rest is streamed when the rule's keys are asked for. Only on PostgreSQL,
    whose server-side cursor waits without holding the server; elsewhere GX counts.
    """
    import sqlalchemy as sa

    engine = batch.data.execution_engine
    if engine.dialect_name != "postgresql" or isinstance(engine.engine, sa.engine.Connection):
        return {}
    held: dict[int, _Held] = {}
    if not any(getattr(built[ref], "map_metric", None) in DUPLICATE_METRICS for ref in listed):
        return held
    _validator_on(batch)  # loads the batch into the engine, as batch.validate will
    for ref, (keys, values) in listed.items():
        if len(held) == MAX_HELD:
            break
        expectation = built[ref]
        metric = getattr(expectation, "map_metric", None)
        if metric not in DUPLICATE_METRICS or not keys:
            continue
        counted = counted_metric(expectation, engine)
        selected: list[Any] = [sa.column(c) for c in dict.fromkeys([*keys, *values])]
        query = duplicate_query(engine, metric, dict(counted.metric_domain_kwargs), selected)
        query = query.add_columns(sa.func.count().over().label("dqaudit_failing"))
        query = query.order_by(*[sa.column(c) for c in keys])
        stack = ExitStack()
        try:
            connection = stack.enter_context(database_connection(engine.engine))
            result = connection.execution_options(yield_per=batch_size).execute(query)
            stack.callback(result.close)
            partitions = result.partitions()
            first: list[Any] = list(next(partitions, []))
        except BaseException:
            stack.close()
            raise
        held[ref] = _Held(stack, (keys, values, batch_size), first, partitions)
        known.values.setdefault(counted.id, held[ref].count)
    return held


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
    with (uniqueness rules are then counted by that listing: ``_hold_duplicates``).
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
    held: dict[int, _Held] = {}
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
                held = _hold_duplicates(batch, built, listed or {}, known, batch_size)
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
        validation_ = SqlValidation(batch, built, outcomes, held)
        held = {}
        try:
            yield validation_
        finally:
            validation_.close()
    finally:
        for stream in held.values():
            stream.close()
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
