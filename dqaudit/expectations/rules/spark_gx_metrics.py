"""GX's counts of a whole suite on Spark in one Spark job, handed to GX, which still decides
every verdict; and GX's own condition and domain of each rule, to list its failing rows.

Why: GX's Spark engine runs a job per domain and level for its row and null counts and
one more per rule for each map rule's ``unexpected_count`` (a filter and a count), and
asking it for a rule's condition afterwards builds a Validator per rule. On a source that
is read again by every job (a parquet extract, a table) that is a scan per job. Here every
count GX needs (``table.row_count``, each map rule's ``unexpected_count`` and the
``filtered_row_count`` of a column pair or column list) is one aggregate in a single
``agg`` over the batch, with the rows of its domain selected by a ``when``:

- the expression counted is GX's own: its condition metric for the rule, resolved by GX
  (an expression, no job), summed as GX's own aggregate sums it
  (``sum(when(condition, 1).otherwise(0))`` where GX aggregates, a count of the
  ``True`` rows where GX filters and counts);
- the domain is GX's own ``get_domain_records`` written as one predicate: GX's row
  condition through GX's ``condition_to_filter_clause``, GX's ``filter_conditions``
  (the text GX itself filters by), then ``ignore_row_if`` as GX applies it to column
  pairs and lists. ``DataFrame.filter`` keeps a row where its predicate is true, and
  ``when`` takes its branch exactly there, so the rows are the same;
- a window condition (uniqueness: a count over the column's partition of the domain)
  cannot be evaluated outside its domain, and any domain or metric of another shape, is
  left to GX's own path.

The values go to KnownMetrics (gx_sql_metrics) on GX's engine; GX builds its graph and
judges each rule with its own code. The backend then lists each failing rule's rows from
GX's own domain DataFrame and condition, and the runner checks that their number is the
count given here: a domain written differently from GX's would fail the run, never change
a verdict silently. Like gx_adapter and gx_metrics, this module touches GX's internals and
is named in the import contract. Checked on GX 1.24.1 with pyspark 4.1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dqaudit.expectations.gx_adapter import quiet_gx
from dqaudit.expectations.gx_metrics import (
    MetricGraph,
    counted_metric,
    suite_metric_graph,
    validator_on,
)
from dqaudit.expectations.gx_sql_metrics import KnownMetrics

_UNEXPECTED = ".unexpected_count"
_FILTERED = ".filtered_row_count"


@dataclass
class SparkCounts:
    """What the one job found: the caller's own aggregates, in order, and, per rule ref,
    GX's condition for the rule, the domain kwargs it applies to, and whether it is a
    window condition (true only over its own domain's rows)."""

    extra: list[Any] = field(default_factory=list)
    conditions: dict[int, RuleCondition] = field(default_factory=dict)
    # per window rule: its failing rows (every column), persisted, as counted for GX
    failing: dict[int, Any] = field(default_factory=dict)

    def release(self) -> None:
        for rows in self.failing.values():
            rows.unpersist()
        self.failing.clear()


@dataclass(frozen=True)
class RuleCondition:
    condition: Any
    domain: dict[str, Any]
    window: bool


def prefetch_counts(
    batch: Any,
    built: dict[int, Any],
    known: KnownMetrics,
    extra: Sequence[Any] = (),
    rows: int | None = None,
    listed: Sequence[str] | None = None,
) -> SparkCounts:
    """GX's counts of the suite ``built`` (rule ref -> GX expectation) and the caller's
    ``extra`` aggregate Columns, in one ``agg`` over the batch; the counts go to ``known``.

    ``rows`` is the batch's row count where the caller knows it (the extract's): GX's
    conditions depend on ``table.row_count``, so without it GX counts the rows before
    its conditions can be built. ``listed`` names the columns a window rule's failing
    rows are kept with (the key and the rules' columns); None keeps every column."""
    engine = batch.data.execution_engine
    validator_on(batch)  # loads the batch into the engine (the active batch_id)
    graph = suite_metric_graph(engine, built.values())
    metrics, needs = graph.metrics, graph.needs
    with quiet_gx():
        counted = {
            ref: counted_metric(e, engine)
            for ref, e in built.items()
            if getattr(e, "map_metric", None)
        }
        if rows is not None:
            _seed_row_counts(engine, metrics, known, rows)
        conditions = _resolve_conditions(graph, known)
        targets = _targets(engine, metrics, needs, known, conditions)
    found = SparkCounts()
    for ref, metric in counted.items():
        condition_id = _condition_of(metric, needs, metrics)
        if condition_id in known.values:
            condition, compute, accessor = known.values[condition_id]
            window = _is_window(engine, metrics[condition_id].metric_name, condition)
            found.conditions[ref] = RuleCondition(condition, {**compute, **accessor}, window)
            if window and metric.id not in known.values:
                _count_window_rule(engine, found, ref, metric, known, listed)
    aggregates = [*extra, *(aggregate for _, aggregate in targets)]
    if not aggregates:
        return found
    try:
        values = list(batch.data.dataframe.agg(*aggregates).collect()[0])
    except Exception:  # GX's own path counts the suite, and reports any error per rule
        if not extra:
            return found
        targets = []
        values = list(batch.data.dataframe.agg(*extra).collect()[0])
    found.extra = values[: len(extra)]
    with quiet_gx():
        for (metric, _), value in zip(targets, values[len(extra) :], strict=True):
            known.count(engine, metric, None if value is None else int(value))
    return found


def _seed_row_counts(engine: Any, metrics: dict[Any, Any], known: KnownMetrics, rows: int) -> None:
    """``rows`` as GX's ``table.row_count`` of the whole batch (no row condition, no
    filter); a filtered domain's count is left to the counting job or to GX."""
    for metric in metrics.values():
        if metric.metric_name != "table.row_count" or metric.id in known.values:
            continue
        domain = dict(metric.metric_domain_kwargs)
        if domain.pop("batch_id", engine.batch_manager.active_batch_id) != (
            engine.batch_manager.active_batch_id
        ):
            continue
        if not any(domain.values()):
            known.count(engine, metric, rows)


def _count_window_rule(
    engine: Any,
    found: SparkCounts,
    ref: int,
    metric: Any,
    known: KnownMetrics,
    listed: Sequence[str] | None,
) -> None:
    """A window rule's ``unexpected_count`` as GX's own value function counts it (GX's
    domain records, GX's condition as a column, the rows where it is True), with those
    rows kept (memory, spilling to disk): listing them later reads them back instead of
    computing the window (a shuffle of the whole column) a second time."""
    from pyspark import StorageLevel
    from pyspark.sql import Column
    from pyspark.sql import functions as F

    condition = found.conditions[ref]
    if not isinstance(condition.condition, Column):
        return
    flag = "__unexpected"
    domain = engine.get_domain_records(domain_kwargs=condition.domain)
    rows = domain.withColumn(flag, condition.condition)
    rows = rows.filter(F.col(flag) == True).drop(flag)  # noqa: E712 (GX's own test)
    if listed is not None:  # only what the listing reads: no other column is computed
        rows = rows.select(*[F.col("`" + n.replace("`", "``") + "`") for n in listed])
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        number = rows.count()
    except Exception:  # GX's own path counts it, and reports any error for the rule
        rows.unpersist()
        return
    found.failing[ref] = rows
    with quiet_gx():
        known.count(engine, metric, number)


def _condition_of(metric: Any, needs: dict[Any, set[Any]], metrics: dict[Any, Any]) -> Any:
    """The id of the ``.condition`` metric a count depends on (directly or through its
    ``.aggregate_fn``), or None."""
    stack, seen = [metric.id], set()
    while stack:
        found = stack.pop()
        if found in seen:
            continue
        seen.add(found)
        if metrics[found].metric_name.endswith(".condition"):
            return found
        stack.extend(needs.get(found, ()))
    return None


def _resolve_conditions(graph: MetricGraph, known: KnownMetrics) -> set[Any]:
    """Resolve every ``.condition`` metric of the graph with GX (expressions, no job):
    they and what they depend on (the batch's columns and types), level by level."""
    conditions = {i for i, m in graph.metrics.items() if m.metric_name.endswith(".condition")}
    wanted: set[Any] = set()
    stack = list(conditions)
    while stack:
        found = stack.pop()
        if found not in wanted:
            wanted.add(found)
            stack.extend(graph.needs[found])
    known.resolve_all(wanted, graph)  # what cannot be reached is left to GX
    return conditions


def _targets(
    engine: Any,
    metrics: dict[Any, Any],
    needs: dict[Any, set[Any]],
    known: KnownMetrics,
    conditions: set[Any],
) -> list[tuple[Any, Any]]:
    """(metric, aggregate Column) for each count of a shape written here."""
    from great_expectations.execution_engine.execution_engine import get_metric_provider
    from pyspark.sql import Column

    targets = []
    for metric in metrics.values():
        if metric.id in known.values:
            continue
        name = metric.metric_name
        if name == "table.row_count":
            domain = dict(metric.metric_domain_kwargs)
            aggregate = _count_in(engine, domain)
        elif name.endswith(_UNEXPECTED) or name.endswith(_FILTERED):
            condition_id = _condition_of(metric, needs, metrics)
            if condition_id not in conditions or condition_id not in known.values:
                continue
            condition, compute, accessor = known.values[condition_id]
            if _is_window(engine, metrics[condition_id].metric_name, condition):
                continue  # over its own domain only: counted on its own
            if not isinstance(condition, Column):
                continue  # a condition GX gives as SQL text: GX counts it
            domain = _accessed_domain(compute, accessor, known, metrics, needs, metric)
            if name.endswith(_FILTERED):
                aggregate = _count_in(engine, domain)
            else:
                count_fn = get_metric_provider(name, engine)[1]
                aggregated = getattr(count_fn, "metric_fn_type", None) is None
                aggregate = _unexpected_in(engine, domain, condition, aggregated=aggregated)
        else:
            continue
        if aggregate is not None:
            targets.append((metric, aggregate))
    return targets


def _is_window(engine: Any, condition_name: str, condition: Any = None) -> bool:
    """Whether GX's condition is a window function (uniqueness: a count over the
    column's partition), which gives its verdict only over its own domain's rows: by
    GX's type of the condition function, or by a window (``OVER``) in the expression
    (GX's compound uniqueness calls its window function a map condition). A condition
    wrongly taken for a window is still listed right (over its own domain), only in a
    job of its own; one wrongly not taken for it would fail the counting job, and GX
    would then count the whole suite itself."""
    from great_expectations.execution_engine.execution_engine import get_metric_provider
    from great_expectations.expectations.metrics.metric_provider import (
        MetricPartialFunctionTypes,
    )

    condition_fn = get_metric_provider(condition_name, engine)[1]
    kind = getattr(condition_fn, "metric_fn_type", None)
    if kind == MetricPartialFunctionTypes.WINDOW_CONDITION_FN:
        return True
    return condition is not None and " OVER (" in str(condition).upper()


def _accessed_domain(
    compute: dict[str, Any],
    accessor: dict[str, Any],
    known: KnownMetrics,
    metrics: dict[Any, Any],
    needs: dict[Any, set[Any]],
    metric: Any,
) -> dict[str, Any]:
    """GX's ``dict(**compute, **accessor)``, the column names made as GX makes them for
    the batch (``get_dbms_compatible_metric_domain_kwargs`` with ``table.columns``)."""
    from great_expectations.expectations.metrics.util import (
        get_dbms_compatible_metric_domain_kwargs,
    )

    columns = next(
        (
            known.values[i]
            for i in needs.get(metric.id, ())
            if metrics[i].metric_name == "table.columns" and i in known.values
        ),
        None,
    )
    accessed = dict(accessor)
    if columns is not None:
        accessed = get_dbms_compatible_metric_domain_kwargs(
            metric_domain_kwargs=accessed, batch_columns_list=columns
        )
    return {**compute, **accessed}


def _count_in(engine: Any, domain: dict[str, Any]) -> Any:
    from pyspark.sql import functions as F

    selected = domain_predicate(engine, domain)
    return None if selected is None else F.count(F.when(selected, F.lit(1)))


def _unexpected_in(engine: Any, domain: dict[str, Any], condition: Any, *, aggregated: bool) -> Any:
    """GX's count of the condition over the domain: its aggregate (a sum, null over an
    empty domain) or its filter-and-count (``__unexpected == True``, 0 when empty)."""
    from pyspark.sql import functions as F

    selected = domain_predicate(engine, domain)
    if selected is None:
        return None
    if aggregated:
        return F.sum(F.when(selected, F.when(condition, 1).otherwise(0)))
    return F.count(F.when(selected & (condition == True), F.lit(1)))  # noqa: E712


def domain_predicate(engine: Any, domain: dict[str, Any]) -> Any:
    """GX's ``SparkDFExecutionEngine.get_domain_records(domain)`` as one boolean Column
    over the batch, or None for a shape not written here (a named table, another batch, a
    legacy text row condition)."""
    from great_expectations.expectations.row_conditions import (
        Condition,
        PassThroughCondition,
        deserialize_row_condition,
    )
    from pyspark.sql import functions as F

    if domain.get("table"):
        return None
    batch_id = domain.get("batch_id")
    if batch_id is not None and batch_id != engine.batch_manager.active_batch_id:
        return None
    parts: list[Any] = []
    row_condition = domain.get("row_condition")
    if row_condition:
        if isinstance(row_condition, dict):
            row_condition = deserialize_row_condition(row_condition)
        if not isinstance(row_condition, Condition) or isinstance(
            row_condition, PassThroughCondition
        ):
            return None
        clause = engine.condition_to_filter_clause(row_condition)
        parts.append(F.expr(clause) if isinstance(clause, str) else clause)
    filters = domain.get("filter_conditions") or []
    if filters:
        parts.append(F.expr(engine._combine_row_conditions(filters).condition))
    if "column" not in domain:
        ignored = _ignored(domain)
        if ignored is False:
            return None
        if ignored is not None:
            parts.append(~ignored)
    if not parts:
        return F.lit(True)
    selected = parts[0]
    for part in parts[1:]:
        selected = selected & part
    return selected


def _ignored(domain: dict[str, Any]) -> Any:
    """GX's ``ignore_row_if`` of a column pair or list as a Column (the rows GX drops),
    None where GX drops none, False for a value GX refuses (left to GX to report)."""
    from pyspark.sql import functions as F

    ignore = domain.get("ignore_row_if")
    if ignore is None:
        return None
    if "column_A" in domain and "column_B" in domain:
        missing = [F.col(domain["column_A"]).isNull(), F.col(domain["column_B"]).isNull()]
        every = {"both_values_are_missing": True, "either_value_is_missing": False}
        none_value = "neither"
    elif "column_list" in domain:
        missing = [F.col(name).isNull() for name in domain["column_list"]]
        every = {"all_values_are_missing": True, "any_value_is_missing": False}
        none_value = "never"
    else:
        return None
    if ignore == none_value:
        return None
    if ignore not in every:
        return False
    combined = missing[0]
    for part in missing[1:]:
        combined = (combined & part) if every[ignore] else (combined | part)
    return combined
