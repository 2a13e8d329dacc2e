"""Driver memory while every failing key streams out of Spark (toLocalIterator, batches).

Why: issue 15 requires every failing key of a Spark audit to reach the store without the
driver ever holding them as one list, with the Python driver's peak RSS under 1 GiB at
1M failing keys. This script measures exactly that part, with no store in the way:

1. starts a ``local[2]`` session (UI off) and warms it up with a small run;
2. streams the failing rows of a generated table, in which every row fails a police
   rule (an invalid postcode), through ``dqaudit.connectors.spark_records.failing_rows``
   at two sizes, ``--small`` (default 100,000) then ``--rows`` (default 1,000,000), each
   consumer writing every batch to a SQLite table as a store would and dropping it;
3. reports the Python driver's peak RSS (``ru_maxrss``) after each size, the growth
   from the small to the large run (bounded streaming: about zero; one list of 1M rows:
   hundreds of MiB), the JVM's peak RSS (VmHWM), and the rows per second.

``--collect`` adds a third run that does what must never be done (``collect()`` into
one list) to show the difference. Exit status 1 if the peak is 1 GiB or more, or the
growth from the small to the large run is more than a quarter of the large run's peak.

Usage: ``python bench/spark_keys.py [--rows 1000000] [--small 100000] [--batch 10000]
[--collect] [--unordered]``
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spark_backend import jvm_peak_mib, peak_rss_mib

MIB = 1024 * 1024


def table(spark: object, rows: int) -> object:
    from pyspark.sql import functions as F

    return spark.range(rows, numPartitions=8).select(  # type: ignore[attr-defined]
        F.format_string("C%09d", F.col("id")).alias("custody_ref"),
        F.format_string("b%d 1ay", F.col("id") % 97).alias("postcode"),  # lower case: invalid
        F.lit("not read").alias("other"),
    )


def stream(spark: object, rows: int, batch: int, ordered: bool) -> tuple[int, float]:
    from dqaudit.connectors.spark_records import failing_rows
    from dqaudit.expectations.rules.spark_rules import column, valid_postcode

    frame = table(spark, rows)
    failing = ~valid_postcode(column("postcode"))
    with tempfile.TemporaryDirectory() as folder:
        store = sqlite3.connect(Path(folder) / "keys.db")
        store.execute("CREATE TABLE failing (key TEXT, postcode TEXT)")
        started, count = time.perf_counter(), 0
        for rows_batch in failing_rows(
            frame, ["custody_ref"], failing, ["postcode"], batch_size=batch, order_by_key=ordered
        ):
            store.executemany("INSERT INTO failing VALUES (?, ?)", rows_batch)
            count += len(rows_batch)
        store.commit()
        seconds = time.perf_counter() - started
        stored = store.execute("SELECT count(*) FROM failing").fetchone()[0]
        store.close()
    if stored != count or count != rows:
        raise SystemExit(f"expected {rows} failing rows, streamed {count}, stored {stored}")
    return count, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--collect", action="store_true")
    parser.add_argument("--unordered", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from dqaudit.connectors.spark_session import open_session

    spark = open_session(master="local[2]").session
    ordered = not args.unordered
    stream(spark, 1000, args.batch, ordered)  # warm-up: JIT, Python workers, codegen
    print(f"after start-up            peak RSS {peak_rss_mib():7.1f} MiB")
    small, small_s = stream(spark, args.small, args.batch, ordered)
    small_peak = peak_rss_mib()
    print(
        f"{small:>9,} failing rows  peak RSS {small_peak:7.1f} MiB  {small / small_s:,.0f} rows/s"
    )
    large, large_s = stream(spark, args.rows, args.batch, ordered)
    large_peak = peak_rss_mib()
    print(
        f"{large:>9,} failing rows  peak RSS {large_peak:7.1f} MiB  {large / large_s:,.0f} rows/s"
    )
    growth = large_peak - small_peak
    print(f"growth from {small:,} to {large:,} rows: {growth:.1f} MiB")
    jvm = jvm_peak_mib()
    if jvm is not None:
        print(f"JVM (driver + local executors) peak RSS {jvm:.0f} MiB")
    if args.collect:
        started = time.perf_counter()
        everything = table(spark, args.rows).collect()
        print(
            f"for contrast, collect() of {len(everything):,} rows: peak RSS "
            f"{peak_rss_mib():.1f} MiB in {time.perf_counter() - started:.1f} s"
        )
    ok = large_peak < 1024 and growth <= large_peak / 4
    print("PASS" if ok else "FAIL", "(peak < 1 GiB and bounded growth)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
