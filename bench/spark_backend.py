"""Spark backend benchmark: the custody suite through dqaudit on Spark, against plain PySpark.

Why: issue 15 asks that an audit on Spark cost at most 1.5 times the same rules written
as plain PySpark filters that write the same failing keys, and that the Python driver
stay under 1 GiB with a million failing keys streamed into the audit store. Both run in
the same process, on the same ``local[2]`` session, over the same parquet files:

(a) dqaudit: ``run_suite`` on the spark connector's extract with every failing record
    streamed into a fresh SQLite audit store (``AuditStore.add_failing_records``, the
    call ``audit run`` uses): helper columns, GX's Spark engine (BASIC) for outcomes,
    then each failing rule's keys and columns out of GX's domain in key order;
(b) plain PySpark: each rule as the filter one would write by hand (``try_cast``,
    ``try_to_timestamp``, ``isin``, ``rlike``, a window count for uniqueness), the
    failing keys and the rule's columns ordered by key and streamed with
    ``toLocalIterator`` into the same kind of store.

The suite is ``bench/custody_suite.json`` (ten rules, about 0.1% failing each) plus one
rule that fails about 10% of rows (``custody_ref`` ending in 0): a million failing keys
at 10M rows. After each pair the failing keys of every rule must be identical (count and
a SHA-256 of the ordered keys); otherwise ``BENCHMARK FAILED`` and exit 2.

Data: ``bench-data/custody_<size>.parquet``, generated once by ``generate_custody`` in
chunks of 1M rows (in a child process, so pandas does not count in this process's peak
RSS), each chunk with its own seed and its references renumbered to stay unique.

Usage: ``python bench/spark_backend.py [--size 10000000] [--rounds 1] [--master local[2]]
[--strict]``. Reports wall seconds (median), the ratio a/b (target <= 1.5), the Python
driver's peak RSS (target < 1 GiB), and the JVM's peak RSS (VmHWM). ``--strict`` exits 1
when a target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench-data"
SUITE = ROOT / "bench" / "custody_suite.json"
CHUNK = 1_000_000
TARGET_RATIO = 1.5
TARGET_PEAK_MIB = 1024
MANY = {
    "type": "expect_column_values_to_not_match_regex",
    "kwargs": {"column": "custody_ref", "regex": "0$"},
    "meta": {"dqaudit": {"rule_id": "BEN-MANY", "rationale": "bench: ~10% of rows fail"}},
}


# --- data ---------------------------------------------------------------------------------


def data_path(size: int) -> Path:
    label = f"{size // 1_000_000}m" if size % 1_000_000 == 0 else str(size)
    return DATA / f"custody_{label}.parquet"


def ensure_data(size: int) -> Path:
    path = data_path(size)
    if (path / "_DONE").exists():
        return path
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--write-data", str(size)], check=True)
    print(f"generated {path.name} in {time.perf_counter() - started:.0f} s")
    return path


def write_data(size: int) -> None:
    """Chunks of ``generate_custody.build_frame`` (seed + chunk number), references
    renumbered to 0..size-1 so that they stay unique and seven digits long."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sys.path.insert(0, str(ROOT / "bench"))
    import generate_custody

    path = data_path(size)
    path.mkdir(parents=True, exist_ok=True)
    for number, start in enumerate(range(0, size, CHUNK)):
        rows = min(CHUNK, size - start)
        frame = generate_custody.build_frame(rows, generate_custody.DEFAULT_SEED + number)
        frame["custody_ref"] = frame["custody_ref"].str.replace(
            r"[0-9]{7}", lambda m, start=start: f"{int(m.group(0)) - 1 + start:07d}", regex=True
        )
        table = pa.Table.from_pandas(frame.astype("string"), preserve_index=False)
        pq.write_table(table, path / f"part-{number:03d}.parquet")
    (path / "_DONE").write_text("ok\n", encoding="ascii")


# --- the two ways ---------------------------------------------------------------------------


def suite_document() -> dict[str, Any]:
    document = json.loads(SUITE.read_text(encoding="utf-8"))
    document["expectations"].append(MANY)
    return document


class Sink:
    """Failing records into an audit store, with a digest of each rule's ordered keys."""

    def __init__(self, store: Any, run_id: str) -> None:
        self.store, self.run_id = store, run_id
        self.digests: dict[int, Any] = {}
        self.counts: dict[int, int] = {}

    def __call__(self, position: int, first: int, records: list[Any]) -> None:
        self.write(position, first, [(r.key, r.values, r.key_source) for r in records])

    def write(self, position: int, first: int, rows: list[tuple[str, Any, str]]) -> None:
        self.store.add_failing_records(self.run_id, position, first, rows)
        digest = self.digests.setdefault(position, hashlib.sha256())
        for key, _values, _source in rows:
            digest.update(key.encode() + b"\n")
        self.counts[position] = self.counts.get(position, 0) + len(rows)

    def summary(self) -> dict[int, tuple[int, str]]:
        return {p: (self.counts[p], self.digests[p].hexdigest()) for p in sorted(self.counts)}


def fresh_store(folder: Path, suite: Any) -> tuple[Any, str]:
    from dqaudit.store import AuditStore

    store = AuditStore(f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.db'}")
    return store, store.start_run(suite, uuid.uuid4().hex)


def with_dqaudit(info: Any, path: Path, document: dict[str, Any], folder: Path) -> Sink:
    from dqaudit.connectors.spark import extract_path
    from dqaudit.engine.run import run_suite
    from dqaudit.expectations.suite import suite_from_dict

    suite = suite_from_dict(document)
    store, run_id = fresh_store(folder, suite)
    sink = Sink(store, run_id)
    extract = extract_path(info, str(path), "parquet", {})
    result = run_suite(extract, suite, key=["custody_ref"], sink=sink)
    errors = [r.error for r in result.results if r.error]
    if errors:
        fail(f"dqaudit reported errors: {errors}")
    store.close()
    return sink


def plain_rules(document: dict[str, Any]) -> list[tuple[int, Any, list[str]]]:
    """(position, failing condition, columns read) for each rule, by hand."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    def c(name: str) -> Any:
        return F.col(f"`{name}`")

    def outside(name: str, values: list[str]) -> Any:
        return c(name).isNotNull() & ~c(name).isin(values)

    def stamp(name: str) -> Any:
        return F.try_to_timestamp(F.trim(c(name)))

    age = F.trim(c("age_at_arrival")).try_cast("double")
    arrest = stamp("arrest_datetime")
    low, high = F.lit("2020-01-01 00:00:00").cast("timestamp"), F.lit("2025-12-31 23:59:59")
    release, authorised = stamp("release_datetime"), stamp("detention_authorised_datetime")
    conditions: dict[str, tuple[Any, list[str]]] = {
        "BEN-001": (c("station_code").isNull(), ["station_code"]),
        "BEN-002": (
            c("custody_ref").isNotNull()
            & (F.count(F.lit(1)).over(Window.partitionBy(c("custody_ref"))) > 1),
            ["custody_ref"],
        ),
        "BEN-003": (
            c("custody_ref").isNotNull() & ~c("custody_ref").rlike(r"^WM/C/\d{7}$"),
            ["custody_ref"],
        ),
        "BEN-006": (
            c("age_at_arrival").isNotNull() & (age.isNull() | (age < 10) | (age > 110)),
            ["age_at_arrival"],
        ),
        "BEN-007": (
            c("arrest_datetime").isNotNull()
            & (arrest.isNull() | (arrest < low) | (arrest > high.cast("timestamp"))),
            ["arrest_datetime"],
        ),
        "BEN-008": (
            c("release_datetime").isNotNull()
            & c("detention_authorised_datetime").isNotNull()
            & (release.isNull() | authorised.isNull() | (release < authorised)),
            ["release_datetime", "detention_authorised_datetime"],
        ),
        "BEN-MANY": (
            c("custody_ref").isNotNull() & c("custody_ref").rlike("0$"),
            ["custody_ref"],
        ),
    }
    rules = []
    for position, expectation in enumerate(document["expectations"]):
        rule_id = expectation["meta"]["dqaudit"]["rule_id"]
        kwargs = expectation["kwargs"]
        if rule_id in conditions:
            condition, reads = conditions[rule_id]
        else:  # the in-set rules
            column = kwargs["column"]
            condition, reads = outside(column, kwargs["value_set"]), [column]
            if "row_condition" in kwargs:  # terrorism_act == "N"
                condition = (c("terrorism_act") == "N") & condition
                reads = [column, "terrorism_act"]
        rules.append((position, F.coalesce(condition, F.lit(False)), reads))
    return rules


def with_plain_pyspark(session: Any, path: Path, document: dict[str, Any], folder: Path) -> Sink:
    from pyspark.sql import functions as F

    from dqaudit.expectations.suite import suite_from_dict

    store, run_id = fresh_store(folder, suite_from_dict(document))
    sink = Sink(store, run_id)
    frame = session.read.parquet(str(path))
    for position, condition, reads in plain_rules(document):
        names = list(dict.fromkeys(["custody_ref", *reads]))
        failing = (
            frame.withColumn("__failing", condition)
            .where(F.col("__failing"))
            .select(*[F.col(f"`{n}`") for n in names])
            .orderBy("custody_ref")
        )
        batch: list[tuple[str, Any, str]] = []
        written = 0
        for row in failing.toLocalIterator(prefetchPartitions=False):
            values = {name: row[name] for name in reads}
            batch.append((row["custody_ref"], values, "column"))
            if len(batch) >= 5000:
                sink.write(position, written, batch)
                written += len(batch)
                batch = []
        if batch:
            sink.write(position, written, batch)
    store.close()
    return sink


# --- measuring ------------------------------------------------------------------------------


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def jvm_peak_mib() -> float | None:
    try:
        from pyspark import SparkContext

        pid = SparkContext._gateway.proc.pid  # type: ignore[union-attr]
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except Exception:  # not classic local Spark
        return None
    return None


def fail(message: str) -> None:
    print(f"BENCHMARK FAILED: {message}")
    raise SystemExit(2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--write-data", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_data:
        write_data(args.write_data)
        return 0
    path = ensure_data(args.size)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from dqaudit.connectors.spark_session import open_session

    info = open_session(
        master=args.master,
        config={"spark.driver.memory": "3g", "spark.sql.shuffle.partitions": "8"},
    )
    document = suite_document()
    times: dict[str, list[float]] = {"a": [], "b": []}
    with tempfile.TemporaryDirectory() as folder:
        # warm-up on the first file only: JIT, codegen, GX's import and registry
        first = sorted(path.glob("part-*.parquet"))[0]
        with_dqaudit(info, first, document, Path(folder))
        with_plain_pyspark(info.session, first, document, Path(folder))
        for round_number in range(args.rounds):
            order = ["b", "a"] if round_number % 2 == 0 else ["a", "b"]
            found: dict[str, Any] = {}
            for label in order:
                started = time.perf_counter()
                if label == "a":
                    found[label] = with_dqaudit(info, path, document, Path(folder))
                else:
                    found[label] = with_plain_pyspark(info.session, path, document, Path(folder))
                times[label].append(time.perf_counter() - started)
                print(f"round {round_number + 1} ({label}) {times[label][-1]:.1f} s", flush=True)
            if found["a"].summary() != found["b"].summary():
                fail(f"keys differ: dqaudit {found['a'].summary()} plain {found['b'].summary()}")
            summary = found["a"].summary()
    keys = sum(count for count, _ in summary.values())
    most = max(count for count, _ in summary.values())
    a, b = statistics.median(times["a"]), statistics.median(times["b"])
    ratio, peak, jvm = a / b, peak_rss_mib(), jvm_peak_mib()
    print(f"{args.size:,} rows on {args.master}; {len(summary)} failing rules, {keys:,} keys")
    print(f"(a) dqaudit Spark backend, keys into the store   {a:8.1f} s")
    print(f"(b) plain PySpark filters, keys into the store   {b:8.1f} s")
    verdict = "PASS" if ratio <= TARGET_RATIO else "MISS"
    print(f"ratio a/b {ratio:.2f} (target <= {TARGET_RATIO}) {verdict}")
    memory = "PASS" if peak < TARGET_PEAK_MIB else "MISS"
    print(f"Python driver peak RSS {peak:.0f} MiB with {most:,} keys in one rule {memory}")
    if jvm is not None:
        print(f"JVM (driver + local executors, spark.driver.memory 3g) peak RSS {jvm:.0f} MiB")
    missed = verdict == "MISS" or memory == "MISS"
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    raise SystemExit(main())
