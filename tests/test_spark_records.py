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


def test_failing_rows_by_rule_one_job_in_rule_then_key_order(spark) -> None:
    """Several rules' failing rows from one pass, sorted by (rule, key): rules over the
    shared frame are tagged in one projection, a window rule keeps its own frame."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from dqaudit.connectors.spark_records import RuleRows, failing_rows_by_rule

    rows = [(f"K{i:03d}", i % 7, f"v{i % 5}", f"d{i % 60}") for i in range(300)]
    frame = spark.createDataFrame(rows, "k string, n int, `v.x` string, d string")
    frame = frame.repartition(3)
    own = frame.where(F.col("n") != 0)  # a window rule over a domain of its own
    parts = [
        RuleRows(2, F.col("n") == 3, ("n",)),
        RuleRows(5, (F.col("n") == 3) | (F.col("`v.x`") == "v1"), ("v.x", "k")),
        RuleRows(9, F.count("*").over(Window.partitionBy("d")) > 4, ("d",), dataframe=own),
    ]
    batches = list(failing_rows_by_rule(parts, frame, ["k"], batch_size=20))
    tags = [tag for tag, _ in batches]
    assert tags == sorted(tags) and set(tags) == {2, 5, 9}
    by_rule: dict[int, list[tuple]] = {}
    for tag, batch in batches:
        assert 0 < len(batch) <= 20
        by_rule.setdefault(tag, []).extend(batch)
    assert by_rule[2] == sorted((f"K{i:03d}", 3) for i in range(300) if i % 7 == 3)
    expected5 = sorted((f"K{i:03d}", f"v{i % 5}") for i in range(300) if i % 7 == 3 or i % 5 == 1)
    assert by_rule[5] == expected5  # the key is not repeated among the rule's columns
    # the window counts the rows of its own domain only (each d has 5 rows in all, fewer
    # where one has n == 0): over every row, all 300 would fail
    in_domain = [(f"K{i:03d}", i % 60) for i in range(300) if i % 7 != 0]
    per_d = {d: sum(1 for _, e in in_domain if e == d) for _, d in in_domain}
    assert by_rule[9] == sorted((k, f"d{d}") for k, d in in_domain if per_d[d] > 4)
    assert 0 < len(by_rule[9]) < 300
    wide = [RuleRows(1, F.count("*").over(Window.partitionBy("d")) > 4, ("d",), dataframe=frame)]
    assert sum(len(b) for _, b in failing_rows_by_rule(wide, frame, ["k"])) == 300
    assert list(failing_rows_by_rule([], frame, ["k"])) == []
    with pytest.raises(ValueError, match="batch_size"):
        next(failing_rows_by_rule(parts, frame, ["k"], batch_size=0))
