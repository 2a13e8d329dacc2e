"""Great Expectations inside a database (pushdown): the other half of the GX adapter.

Split from :mod:`dqaudit.expectations.gx_adapter` (which keeps GX's import, the context,
suites, outcomes and in-memory validation) only to keep each module readable; the two are
the one door to GX (with the rule library's GX classes), and the workarounds listed in
gx_adapter's docstring apply here too. The API: ``SqlAsset``, ``validate_sql`` and
``SqlValidation.failing_rows``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
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
    outcomes_by_ref,
    quiet_gx,
)
from dqaudit.expectations.gx_metrics import (
    COUNTS_RESULT_FORMAT,
    counted_metric,
    unexpected_condition,
    validator_on,
)
from dqaudit.expectations.gx_sql_metrics import KnownMetrics, prefetch_aggregates

# --- validation inside a database (pushdown) ----------------------------------------------

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

    engine = batch.data.execution_engine
    metric = expectation.map_metric
    counted = counted_metric(expectation, engine)
    domain_kwargs = dict(counted.metric_domain_kwargs)
    selected: list[Any] = [sa.column(c) for c in dict.fromkeys([*keys, *values])]
    order: list[Any] = [sa.column(c) for c in keys]
    if metric in DUPLICATE_METRICS:
        return duplicate_query(engine, metric, domain_kwargs, selected).order_by(*order)
    condition, domain = unexpected_condition(batch, expectation, counted)
    source: Any = get_sqlalchemy_selectable(domain)
    return sa.select(*selected).select_from(source).where(condition).order_by(*order)


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
    validator_on(batch)  # loads the batch into the engine (the active batch_id)
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


@contextmanager
def validate_sql(
    asset: SqlAsset,
    checks: list[GxCheck],
    listed: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] | None = None,
    batch_size: int = 5000,
    row_counts: Mapping[str | None, int] | None = None,
) -> Iterator[SqlValidation]:
    """Validate all checks inside the database in one GX call; results keyed by ``ref``.

    GX gets the same engine arguments as dqaudit's own engine, so its sessions are
    read-only too. The datasource is removed (and its connections closed) on exit.
    ``listed`` names, per ref, the key and value columns its failing rows will be listed
    with (on PostgreSQL the rules are then counted by that listing: ``_open_listings``).
    ``row_counts`` are rows the caller has counted already over the same SELECT: the
    whole extract (key None) and the rows each helper column selects (key: its name, as
    in ``selected_rows_condition``); GX's ``table.row_count`` of exactly those domains is
    taken from them instead of a scan (``prefetch_aggregates``).
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
                prefetch_aggregates(batch, built, set(listed or {}), known, row_counts or {})
                listings = _open_listings(batch, built, listed or {}, known, batch_size)
                validation = batch.validate(suite, result_format=COUNTS_RESULT_FORMAT)
        except Exception as exc:
            raise EngineError(f"Great Expectations failed: {first_line(exc)}") from exc
        outcomes = outcomes_by_ref(validation.results, checks, index_required=False)
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
