"""Failing records out of Spark in batches, never as one list in the driver.

``failing_rows`` selects the key columns and the rule's columns of the rows where a
boolean "failing" expression is True, and streams them with ``toLocalIterator``: Spark
sends one partition at a time, and Python holds at most one batch of ``batch_size``
rows (plus the partition the JVM is sending), whatever the number of failing rows.
``prefetchPartitions`` stays off, so a second partition is not buffered alongside.

Ordering by key (the default) makes the stream the same on every run, as pushdown's
``ORDER BY`` does; it costs Spark a sort, which spills to disk rather than growing the
driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

DEFAULT_BATCH_ROWS = 10_000
FAILING_FLAG = "__dqaudit_failing"


def column(name: str) -> Any:
    """A top-level column by its exact name: dots and backticks are part of the name.

    (``spark_rules.column`` is the same for the rule library, a layer above.)
    """
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def failing_rows(
    dataframe: Any,
    key_columns: list[str],
    failing: Any,
    value_columns: list[str] | tuple[str, ...] = (),
    *,
    batch_size: int = DEFAULT_BATCH_ROWS,
    order_by_key: bool = True,
) -> Iterator[list[tuple[Any, ...]]]:
    """Yield lists of at most ``batch_size`` rows: the key columns, then ``value_columns``.

    ``failing`` is a boolean Column (True = the row fails the rule); a null is not a
    failure, so rules must give True or False. It may be GX's own unexpected condition
    for the rule over GX's domain DataFrame (window functions included), so the rows are
    exactly those GX counted.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    names = list(dict.fromkeys([*key_columns, *value_columns]))
    # Through a column, not where(): GX's conditions for uniqueness rules are window
    # functions, which Spark does not allow in a WHERE clause.
    flagged = dataframe.withColumn(FAILING_FLAG, failing)
    selected = flagged.where(column(FAILING_FLAG)).select(*[column(name) for name in names])
    if order_by_key:
        selected = selected.orderBy(*[column(name) for name in key_columns])
    width = len(names)
    batch: list[tuple[Any, ...]] = []
    rows = selected.toLocalIterator(prefetchPartitions=False)
    try:
        for row in rows:
            batch.append(tuple(row[i] for i in range(width)))
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()  # stops the JVM side of an iterator the caller left early


RULE_TAG = "__dqaudit_rule"


def _row_shape(positions: list[int]) -> Any:
    """A function taking those positions of a row, as a tuple (an itemgetter: a
    million failing rows are a million calls)."""
    from operator import itemgetter

    if len(positions) == 1:
        only = positions[0]
        return lambda row: (row[only],)
    return itemgetter(*positions)


@dataclass(frozen=True)
class RuleRows:
    """One rule's part of a combined listing, tagged ``tag`` (a non-negative int), with
    the rule's ``value_columns``: the rows where ``failing`` is True, over the shared
    frame (``dataframe`` None) or over a frame of its own (a window condition, which
    must be evaluated over its own domain only)."""

    tag: int
    failing: Any
    value_columns: tuple[str, ...] = ()
    dataframe: Any = None


def failing_rows_by_rule(
    parts: list[RuleRows],
    shared: Any,
    key_columns: list[str],
    *,
    batch_size: int = DEFAULT_BATCH_ROWS,
) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    """Yield ``(tag, rows)`` batches for several rules, in tag order and, within a tag,
    key order; each row holds the key columns, then that part's value columns (as
    ``failing_rows`` lays them out).

    Why: each rule listed on its own is a job that reads the source again, and Spark's
    sort reads its input twice (once to sample the ranges). Here the rules over the
    ``shared`` frame are one pass over it (each row tagged with every rule it fails,
    exploded), a rule over a frame of its own is one more branch of a union, and the
    failing rows (only they) are kept, in memory or spilled to local disk, for the
    sort's two reads: the source is read once, whatever the number of rules. The sort
    is by (tag, key), so a caller taking rules in tag order (the runner takes them in
    plan order) gets each rule's rows in turn, streamed with ``toLocalIterator`` a
    partition at a time: the driver holds at most a batch.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if not parts:
        return
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    values = list(dict.fromkeys(name for part in parts for name in part.value_columns))
    values = [name for name in values if name not in key_columns]
    readers = {name: [p.tag for p in parts if name in p.value_columns] for name in values}
    tag = column(RULE_TAG)

    def laid_out(frame: Any) -> Any:
        """(tag, keys, values): a value only for the rules that store it, else null."""
        own = [F.when(tag.isin(readers[name]), column(name)).alias(name) for name in values]
        return frame.select(tag, *[column(k) for k in key_columns], *own)

    branches = []
    together = [part for part in parts if part.dataframe is None]
    if together:
        # a null where the row passes the rule; exploded, then the nulls dropped (not an
        # array filter: Spark evaluates higher-order functions without generated code)
        tags = F.array(*[F.when(p.failing, F.lit(p.tag)) for p in together])
        kept = [*key_columns, *values]
        exploded = shared.select(
            F.explode(tags).alias(RULE_TAG), *[column(name) for name in kept]
        ).where(tag.isNotNull())
        branches.append(laid_out(exploded))
    for part in parts:
        if part.dataframe is not None:
            flagged = part.dataframe.withColumn(FAILING_FLAG, part.failing)
            tagged = flagged.where(column(FAILING_FLAG)).select(
                F.lit(part.tag).alias(RULE_TAG), *[column(n) for n in [*key_columns, *values]]
            )
            branches.append(laid_out(tagged))
    selected = branches[0]
    for branch in branches[1:]:
        selected = selected.unionAll(branch)
    kept_rows = selected.persist(StorageLevel.MEMORY_AND_DISK)
    ordered = kept_rows.orderBy(tag, *[column(name) for name in key_columns])
    width = len(key_columns)
    picks = {
        part.tag: _row_shape(
            [
                *range(1, 1 + width),
                *(
                    1 + width + values.index(name)
                    for name in dict.fromkeys(part.value_columns)
                    if name not in key_columns
                ),
            ]
        )
        for part in parts
    }
    rows_out = ordered.toLocalIterator(prefetchPartitions=False)
    current = -1  # tags are non-negative
    batch: list[tuple[Any, ...]] = []
    try:
        for row in rows_out:
            row_tag = row[0]
            if row_tag != current:
                if batch:
                    yield current, batch
                current, batch = row_tag, []
            batch.append(picks[row_tag](row))
            if len(batch) >= batch_size:
                yield current, batch
                batch = []
        if batch:
            yield current, batch
    finally:
        close = getattr(rows_out, "close", None)
        if close is not None:
            close()
        kept_rows.unpersist()
