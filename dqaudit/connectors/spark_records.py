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
