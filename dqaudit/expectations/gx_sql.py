"""Great Expectations inside a database (pushdown): the other half of the GX adapter.

Split from :mod:`dqaudit.expectations.gx_adapter` (which keeps GX's import, the context,
suites, outcomes and in-memory validation) only to keep each module readable; the two are
the one door to GX (with the rule library's GX classes), and the workarounds listed in
gx_adapter's docstring apply here too. The API: ``SqlAsset``, ``validate_sql`` and
``SqlValidation.failing_rows``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dqaudit.errors import EngineError

if TYPE_CHECKING:
    pass

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

    def __init__(self, batch: Any, expectations: dict[int, Any], outcomes: dict[int, GxOutcome]):
        self._batch = batch
        self._expectations = expectations
        self.outcomes = outcomes

    def failing_rows(
        self,
        ref: int,
        key_columns: list[str],
        value_columns: list[str],
        batch_size: int,
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Yield batches of rows: the key columns, then ``value_columns``, key order."""
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
        with quiet_gx():
            dependencies = expectation.get_validation_dependencies(
                execution_engine=engine,
                runtime_configuration={"result_format": SQL_RESULT_FORMAT},
            )
        metric = expectation.map_metric
        counted = dependencies.get_metric_configuration(f"{metric}.unexpected_count")
        domain_kwargs = dict(counted.metric_domain_kwargs)
        selected: list[Any] = [sa.column(c) for c in dict.fromkeys([*keys, *values])]
        order: list[Any] = [sa.column(c) for c in keys]
        domain: Any
        if metric in DUPLICATE_METRICS:
            domain = get_sqlalchemy_selectable(
                engine.get_domain_records(domain_kwargs=domain_kwargs)
            )
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
            match = (
                columns[0].in_(duplicated)
                if len(columns) == 1
                else sa.tuple_(*columns).in_(duplicated)
            )
            return sa.select(*selected).select_from(domain).where(match).order_by(*order)
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
        from great_expectations.validator.validator import Validator

        return Validator(
            execution_engine=self._batch.data.execution_engine,
            data_context=ephemeral_context(),
            batches=[self._batch],
        )


@contextmanager
def validate_sql(asset: SqlAsset, checks: list[GxCheck]) -> Iterator[SqlValidation]:
    """Validate all checks inside the database in one GX call; results keyed by ``ref``.

    GX gets the same engine arguments as dqaudit's own engine, so its sessions are
    read-only too. The datasource is removed (and its connections closed) on exit.
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
            try:
                validation = batch.validate(suite, result_format=SQL_RESULT_FORMAT)
            except Exception as exc:
                raise EngineError(f"Great Expectations failed: {first_line(exc)}") from exc
        by_ref = {check.ref: check for check in checks}
        outcomes: dict[int, GxOutcome] = {}
        built: dict[int, Any] = {}
        for result in validation.results:
            ref = (result.expectation_config.meta or {}).get(REF_KEY)
            if ref not in by_ref:
                raise EngineError("GX returned a result that matches no expectation of the suite")
            outcomes[ref] = outcome_of(result, by_ref[ref], index_required=False)
        for expectation in suite.expectations:
            built[expectation.meta[REF_KEY]] = expectation
        missing = [by_ref[ref].label for ref in by_ref if ref not in outcomes]
        if missing:
            raise EngineError(f"GX returned no result for {', '.join(missing)}")
        yield SqlValidation(batch, built, outcomes)
    finally:
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
