"""Failing records stream out of Spark in batches (toLocalIterator), keys in order.

Driver memory with a million failing rows is measured by bench/spark_keys.py, not here.
"""

from __future__ import annotations

import pytest

from tests.conftest import SPARK_SOCKET_WARNING

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings(SPARK_SOCKET_WARNING)]


def test_failing_rows_come_in_bounded_batches_in_key_order(spark) -> None:
    from pyspark.sql import functions as F

    from dqaudit.connectors.spark_records import failing_rows
    from dqaudit.expectations.rules.spark_rules import column, valid_format

    rows = [(f"F{i % 3}", f"K{i:04d}", str(i) if i % 4 else f"0{i}", "x") for i in range(1000)]
    frame = spark.createDataFrame(rows, "`force.code` string, k string, uprn string, other string")
    frame = frame.repartition(4)  # several partitions, none in key order
    failing = ~valid_format("uprn")(column("uprn"))
    batches = list(failing_rows(frame, ["force.code", "k"], failing, ["uprn", "k"], batch_size=60))
    flat = [row for batch in batches for row in batch]
    expected = sorted((f"F{i % 3}", f"K{i:04d}", f"0{i}") for i in range(0, 1000, 4))
    assert flat == expected  # key columns, then the rule's columns (a key is not repeated)
    assert [len(b) for b in batches] == [60] * 4 + [10]
    assert frame.where(failing).count() == len(flat)
    unordered = failing_rows(frame, ["k"], F.col("k") == "K0008", batch_size=1, order_by_key=False)
    assert list(unordered) == [[("K0008",)]]
    from pyspark.sql import Window

    # a window condition (as GX's uniqueness rules give) cannot go in WHERE: it still works
    duplicated = F.count("*").over(Window.partitionBy("other")) > 1
    assert sum(len(b) for b in failing_rows(frame, ["k"], duplicated)) == 1000
    with pytest.raises(ValueError, match="batch_size"):
        next(failing_rows(frame, ["k"], failing, batch_size=0))
