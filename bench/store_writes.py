"""Store write benchmark: 1,000,000 failing keys into the audit store, SQLite and PostgreSQL.

Why: a run keeps every failing record (key and the values its rule read), so a large
extract with a systematic defect streams a million records into the store. Issue 16 sets
the target at >= 200,000 keys/s on SQLite and on PostgreSQL. The figure is measured
through the store's public API (``AuditStore.add_failing_records``, the call the engine
streams batches into), and next to it a reference: the same rows written by the bare
driver (sqlite3 ``executemany``; psycopg ``COPY``) into a table of the same shape, in
the same run, so the ratio says what the store's own layer costs.

Every round checks that the store holds exactly the rows written (count, first and
last key, a value read back): a fast wrong answer is not measured.

Usage: ``python bench/store_writes.py [--keys 1000000] [--batch 5000 --batch 50000]
[--rounds 2] [--strict]``. PostgreSQL is measured when DQAUDIT_TEST_PG_URL is set
(a scratch schema is created and dropped); otherwise it is skipped with a message.
Exit status: 0 measured, 1 a target missed under --strict, 2 a check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

TARGET_KEYS_PER_SECOND = 200_000


def records(count: int) -> list[tuple[str, dict[str, Any], str]]:
    """Failing records as the engine hands them over: key, values read, key source."""
    return [(f"WM/C/{n:07d}", {"station_code": "XX"}, "column") for n in range(count)]


CPU_SECONDS: dict[str, list[float]] = {}


def write_through_store(url: str, rows: list[Any], batch: int) -> float:
    """Seconds to stream ``rows`` into a fresh run through the store's API; checked.
    The CPU seconds of this process are kept too (``CPU_SECONDS``): on a busy machine
    they show what the write costs when the wall clock mostly shows the queue."""
    from dqaudit.expectations.suite import suite_from_dict
    from dqaudit.store import AuditStore

    store = AuditStore(url)
    try:
        suite = suite_from_dict({"name": "bench_store_writes", "expectations": []})
        run_id = store.start_run(suite, uuid.uuid4().hex)
        started, cpu = time.perf_counter(), time.process_time()
        for first in range(0, len(rows), batch):
            store.add_failing_records(run_id, 0, first, rows[first : first + batch])
        seconds = time.perf_counter() - started
        CPU_SECONDS.setdefault(f"{store.dialect} {batch}", []).append(time.process_time() - cpu)
        _check(store, run_id, rows)
        return seconds
    finally:
        store.close()


def _check(store: Any, run_id: str, rows: list[Any]) -> None:
    if store.runs.failing_count(run_id, 0) != len(rows):
        fail(f"the store holds {store.runs.failing_count(run_id, 0)} rows, not {len(rows)}")
    keys = store.runs.failing_keys(run_id, 0)
    if (keys[0], keys[-1]) != (rows[0][0], rows[-1][0]):
        fail("the stored keys are not the keys written, in order")
    first = next(iter(store.failing_records(run_id, 0)))
    if first.values != rows[0][1]:
        fail(f"values read back {first.values} differ from those written {rows[0][1]}")


def sqlite_reference(path: Path, rows: list[Any], batch: int) -> float:
    """The bare sqlite3 driver: executemany, one transaction per batch, same shape."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE ref (id INTEGER PRIMARY KEY, run_id TEXT, position INTEGER, seq INTEGER, "
        "record_key TEXT, record_values TEXT, key_source TEXT)"
    )
    connection.execute("CREATE INDEX ix_ref ON ref (run_id, position, seq)")
    started = time.perf_counter()
    for first in range(0, len(rows), batch):
        with connection:
            connection.executemany(
                "INSERT INTO ref (run_id, position, seq, record_key, record_values, key_source) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    ("r", 0, first + i, key, json.dumps(values), source)
                    for i, (key, values, source) in enumerate(rows[first : first + batch])
                ],
            )
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def postgres_reference(url: str, rows: list[Any], batch: int) -> float:
    """The bare psycopg driver: COPY, one transaction per batch, same shape."""
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as connection:
        connection.execute(
            "CREATE TABLE ref (id BIGSERIAL PRIMARY KEY, run_id TEXT, position INTEGER, "
            "seq BIGINT, record_key TEXT, record_values JSON, key_source TEXT)"
        )
        connection.execute("CREATE INDEX ix_ref ON ref (run_id, position, seq)")
        connection.commit()
        started = time.perf_counter()
        for first in range(0, len(rows), batch):
            with (
                connection.cursor() as cursor,
                cursor.copy(
                    "COPY ref (run_id, position, seq, record_key, record_values, key_source) "
                    "FROM STDIN"
                ) as copy,
            ):
                for i, (key, values, source) in enumerate(rows[first : first + batch]):
                    copy.write_row(("r", 0, first + i, key, json.dumps(values), source))
            connection.commit()
        return time.perf_counter() - started


class PostgresSchema:
    """A scratch schema on the test server, dropped afterwards."""

    def __init__(self, base: str) -> None:
        self.base = base.split("?", 1)[0]
        self.name = f"dqaudit_bench_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        self._run(f'CREATE SCHEMA "{self.name}"')
        return f"{self.base}?options=-csearch_path%3D{self.name}"

    def __exit__(self, *_exc: object) -> None:
        self._run(f'DROP SCHEMA "{self.name}" CASCADE')

    def _run(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.base.replace("postgresql+psycopg://", "postgresql://")) as c:
            c.execute(statement)


def measure(label: str, rounds: int, once: Callable[[], float]) -> float:
    times = [once() for _ in range(rounds)]
    return statistics.median(times)


def fail(message: str) -> None:
    print(f"\nBENCHMARK FAILED: {message}", file=sys.stderr)
    raise SystemExit(2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, action="append", default=None)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()
    batches = args.batch or [5_000, 50_000]
    rows = records(args.keys)
    results: list[tuple[str, str, int, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="dqaudit-bench-") as folder:
        for batch in batches:
            store_s = measure(
                "sqlite",
                args.rounds,
                lambda b=batch: write_through_store(
                    f"sqlite:///{Path(folder) / f'store-{uuid.uuid4().hex}.db'}", rows, b
                ),
            )
            ref_s = measure(
                "sqlite ref",
                args.rounds,
                lambda b=batch: sqlite_reference(
                    Path(folder) / f"ref-{uuid.uuid4().hex}.db", rows, b
                ),
            )
            results.append(("SQLite", "sqlite", batch, store_s, ref_s))
    pg_url = os.environ.get("DQAUDIT_TEST_PG_URL")
    if pg_url:
        for batch in batches:
            with PostgresSchema(pg_url) as url:
                store_s = measure(
                    "pg", args.rounds, lambda u=url, b=batch: write_through_store(u, rows, b)
                )
            with PostgresSchema(pg_url) as url:
                ref_s = measure("pg ref", 1, lambda u=url, b=batch: postgres_reference(u, rows, b))
            results.append(("PostgreSQL", "postgresql", batch, store_s, ref_s))
    else:
        print("PostgreSQL: skipped (set DQAUDIT_TEST_PG_URL to measure it)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\nstore writes: {args.keys:,} failing keys, median of {args.rounds} round(s); "
        f"{os.cpu_count()} CPU(s), load average {load:.1f}"
    )
    print(f"{'database':<11} {'batch':>7} {'store keys/s':>13} {'driver keys/s':>14} "
          f"{'store/driver':>13} {'keys/CPU-s':>11}  target >= {TARGET_KEYS_PER_SECOND:,}/s")  # fmt: skip
    missed = False
    for database, dialect, batch, store_s, ref_s in results:
        rate, ref_rate = args.keys / store_s, args.keys / ref_s
        cpu = statistics.median(CPU_SECONDS[f"{dialect} {batch}"])
        verdict = "PASS" if rate >= TARGET_KEYS_PER_SECOND else "MISS"
        missed |= verdict == "MISS"
        print(
            f"{database:<11} {batch:>7,} {rate:>13,.0f} {ref_rate:>14,.0f} "
            f"{ref_s / store_s:>12.2f}x {args.keys / cpu:>11,.0f}  {verdict}"
        )
    print("store/driver: the store's rate as a share of the bare driver's (1.00x = as fast)")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
