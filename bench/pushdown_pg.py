"""Pushdown benchmark: a 10,000,000-row custody table audited inside PostgreSQL.

Why: pushdown exists so that an audit of a large records table runs in the database and
the client stays small. This script

1. generates ``dqaudit_bench_custody`` inside PostgreSQL with ``generate_series`` (seconds,
   not minutes; reused while its size and generator version match), with about 0.1% of
   rows broken per rule of the custody suite;
2. runs, alternating the order each round, two whole processes and takes wall time and
   peak RSS of each from ``os.wait4``:

   (a) ``dqaudit audit run`` of a workspace whose dataset is the table in ``mode:
       pushdown``, with ``bench/custody_suite.json``'s GX core rules (its pandas row
       condition written for GX's SQL parser); failing keys stream into an SQLite store;
   (b) the same ten rules as plain SQL (``bench/pushdown_plain_sql.py``): per rule, the
       failing keys streamed from a server-side cursor and counted;

3. checks that (a) stored exactly the failing-key counts (b) found, rule by rule;
4. prints medians, the client's peak RSS against its target (< 1 GiB) and the wall-time
   ratio (a)/(b), and writes them to ``bench-data/pushdown_results.json``.

Usage: ``python bench/pushdown_pg.py [--rows 10000000] [--rounds 1]``. The database is
``$DQAUDIT_BENCH_PG_URL``, else ``$DQAUDIT_TEST_PG_URL``, else the local test server.
Exit status: 0 measured (or skipped: no PostgreSQL), 2 the runs disagree or failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = REPO / "bench-data" / "pushdown"
TABLE = "dqaudit_bench_custody"
GENERATOR_VERSION = "1"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RSS_TARGET_MIB = 1024

# Defects are placed by i % 1000, so every rule fails on about 0.1% of the rows.
GENERATE = f"""
CREATE UNLOGGED TABLE {TABLE} AS
WITH base AS (
  SELECT i, i % 1000 AS d,
         timestamp '2021-01-01' + ((i::bigint * 7919) % 126144000) * interval '1 second' AS t
  FROM generate_series(1, %(rows)s) AS i
)
SELECT
  CASE WHEN d = 7 THEN 'WM/C/' || lpad((i - 2)::text, 7, '0')
       WHEN d = 13 THEN 'WM-C-' || lpad((i - 1)::text, 7, '0')
       ELSE 'WM/C/' || lpad((i - 1)::text, 7, '0') END AS custody_ref,
  CASE WHEN d = 101 THEN NULL ELSE 'WM' || lpad((1 + i % 24)::text, 2, '0') END AS station_code,
  CASE WHEN d = 201 THEN timestamp '1900-01-01' ELSE t END AS arrest_datetime,
  t + interval '1 hour' AS arrival_datetime,
  t + interval '90 minutes' AS detention_authorised_datetime,
  CASE WHEN d = 301 THEN t + interval '30 minutes'
       WHEN d = 302 THEN NULL ELSE t + interval '11 hours' END AS release_datetime,
  CASE WHEN d = 401 THEN 5 WHEN d = 402 THEN 150 WHEN d = 403 THEN NULL
       ELSE 18 + i % 60 END AS age_at_arrival,
  CASE WHEN d = 501 THEN 'X' WHEN i % 10 = 0 THEN 'Y' WHEN i % 10 = 1 THEN 'N' END
    AS appropriate_adult,
  CASE WHEN d = 601 THEN 'IC9' ELSE 'IC' || (i % 7) END AS officer_ethnicity,
  CASE WHEN d = 701 THEN 'ZZ' ELSE (ARRAY['W1','W2','W3','W4','W9','M1','M2','M3','M9','A1',
       'A2','A3','A4','A9','B1','B2','B9','O2','O9','NS'])[1 + i % 20] END
    AS self_defined_ethnicity,
  CASE WHEN i % 500 = 0 THEN 'Y' ELSE 'N' END AS terrorism_act,
  CASE WHEN i % 500 = 0 THEN 'TACT s41 - pending investigation'
       WHEN d = 801 THEN 'Unknown'
       ELSE (ARRAY['To secure or preserve evidence','To obtain evidence by questioning',
             'Charged - awaiting court','Charged - for own protection','Breach of bail',
             'Warrant'])[1 + i % 6] END AS detention_reason
FROM base
"""


def database_url() -> str:
    return os.environ.get("DQAUDIT_BENCH_PG_URL") or os.environ.get(
        "DQAUDIT_TEST_PG_URL", DEFAULT_URL
    )


def ensure_table(url: str, rows: int) -> float | None:
    """Create the table unless one of this size and generator version exists."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    marker = f"dqaudit bench v{GENERATOR_VERSION} rows={rows}"
    with engine.begin() as connection:
        comment = connection.execute(
            sa.text("SELECT obj_description(to_regclass(:t), 'pg_class')"), {"t": TABLE}
        ).scalar()
        if comment == marker:
            return None
        started = time.perf_counter()
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
        connection.execute(sa.text(GENERATE.replace("%(rows)s", str(int(rows)))))
        connection.exec_driver_sql(f"COMMENT ON TABLE {TABLE} IS '{marker}'")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM ANALYZE {TABLE}")
    engine.dispose()
    return time.perf_counter() - started


def write_workspace(url: str) -> Path:
    """A workspace auditing the table in pushdown mode with the custody suite's rules."""
    workspace = OUT / "workspace"
    (workspace / "suites").mkdir(parents=True, exist_ok=True)
    suite = json.loads((BENCH / "custody_suite.json").read_text())
    suite["name"] = "custody_pushdown"
    suite.setdefault("meta", {})["dqaudit"] = {
        "system": "custody",
        "dataset": "records",
        "likelihood": 3,
        "impact": 4,
    }
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        if kwargs.get("condition_parser") == "pandas":  # GX's SQL parser, same condition
            kwargs["row_condition"] = 'col("terrorism_act")=="N"'
            kwargs["condition_parser"] = "great_expectations"
    (workspace / "suites" / "custody.json").write_text(json.dumps(suite, indent=2))
    (workspace / "dqaudit.yml").write_text(
        "systems:\n"
        "  custody:\n"
        "    owner: {name: Bench, email: bench@example.police.uk}\n"
        "    datasets:\n"
        "      records:\n"
        "        connector: sql\n"
        f"        options: {{url: '${{DQAUDIT_BENCH_URL}}', table: {TABLE}, mode: pushdown, "
        "timeout: 3600}\n"
        "        key: [custody_ref]\n"
        "store: sqlite:///audit.db\n"
    )
    return workspace


def measure(argv: list[str], env: dict[str, str], log: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS MiB and exit code of one whole process."""
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, code


def stored_counts(store: Path) -> dict[str, int]:
    with sqlite3.connect(store) as connection:
        run_id, status = connection.execute(
            "SELECT run_id, status FROM runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        if status != "complete":
            raise SystemExit(f"BENCHMARK FAILED: the dqaudit run ended {status}")
        counts = dict(
            connection.execute(
                "SELECT r.rule_id, count(f.id) FROM rule_results r LEFT JOIN failing_records f "
                "ON f.run_id = r.run_id AND f.position = r.position WHERE r.run_id = ? "
                "GROUP BY r.rule_id",
                (run_id,),
            ).fetchall()
        )
        reported = dict(
            connection.execute(
                "SELECT rule_id, unexpected_count FROM rule_results WHERE run_id = ?", (run_id,)
            ).fetchall()
        )
    for rule_id, count in counts.items():
        if reported[rule_id] is not None and reported[rule_id] != count:
            raise SystemExit(f"BENCHMARK FAILED: {rule_id} stored {count} keys of {reported}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--dqaudit",
        default=str(Path(sys.executable).parent / "dqaudit"),
        help="dqaudit executable to measure (e.g. another checkout's, for a before/after)",
    )
    args = parser.parse_args(argv)
    url = database_url()
    try:
        generation = ensure_table(url, args.rows)
    except Exception as exc:  # no server here: the file benchmarks still stand
        print(f"pushdown benchmark skipped: PostgreSQL at {url} unavailable ({type(exc).__name__})")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    workspace = write_workspace(url)
    env = {**os.environ, "DQAUDIT_BENCH_URL": url}
    dqaudit = args.dqaudit
    commands = {
        "a": [dqaudit, "audit", "run", "-w", str(workspace), "--allow-draft"],
        "b": [sys.executable, str(BENCH / "pushdown_plain_sql.py"), url, TABLE],
    }
    note = "reused" if generation is None else f"generated in {generation:.1f} s"
    print(f"table {TABLE}: {args.rows:,} rows ({note})")
    samples: dict[str, list[tuple[float, float]]] = {"a": [], "b": []}
    plain: dict[str, int] = {}
    for round_number in range(1, args.rounds + 1):
        order = ["a", "b"] if round_number % 2 else ["b", "a"]
        for label in order:
            if label == "a":
                (workspace / "audit.db").unlink(missing_ok=True)
            log = OUT / f"{label}-r{round_number}.log"
            wall, rss, code = measure(commands[label], env, log)
            if code not in (0, 1):
                print(log.read_text()[-3000:], file=sys.stderr)
                print(f"BENCHMARK FAILED: ({label}) exited {code}", file=sys.stderr)
                return 2
            samples[label].append((wall, rss))
            print(f"  round {round_number} ({label}) {wall:7.1f} s {rss:7.0f} MiB", flush=True)
            if label == "b":
                plain = json.loads(log.read_text().strip().splitlines()[-1])
        stored = stored_counts(workspace / "audit.db")
        if {k: v for k, v in stored.items() if v} != {k: v for k, v in plain.items() if v}:
            print(f"BENCHMARK FAILED: dqaudit {stored} != plain SQL {plain}", file=sys.stderr)
            return 2
    wall_a = statistics.median(s[0] for s in samples["a"])
    wall_b = statistics.median(s[0] for s in samples["b"])
    rss_a = max(s[1] for s in samples["a"])
    results = {
        "rows": args.rows,
        "rounds": args.rounds,
        "generation_s": generation,
        "dqaudit_pushdown_wall_s": wall_a,
        "dqaudit_peak_rss_mib": rss_a,
        "plain_sql_wall_s": wall_b,
        "plain_sql_peak_rss_mib": max(s[1] for s in samples["b"]),
        "wall_ratio": wall_a / wall_b,
        "rss_target_mib": RSS_TARGET_MIB,
        "failing_keys_per_rule": plain,
    }
    print(
        f"\npushdown benchmark: {args.rows:,} rows, {sum(plain.values()):,} failing keys "
        f"over {len(plain)} rules (counts agree)\n"
        f"(a) dqaudit audit run, pushdown  {wall_a:8.1f} s   peak RSS {rss_a:6.0f} MiB "
        f"({'PASS' if rss_a < RSS_TARGET_MIB else 'MISS'} < {RSS_TARGET_MIB} MiB)\n"
        f"(b) plain SQL, same rules        {wall_b:8.1f} s\n"
        f"wall ratio a/b                   {wall_a / wall_b:8.2f}"
    )
    out = REPO / "bench-data" / "pushdown_results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
