"""Spark Connect for the tests, as two processes of their own (pyspark refuses a remote
session in a process that runs a classic one, as the test process does):

- ``python spark_connect_server.py serve PORT``: a local[1] Spark with the Connect plugin
  on 127.0.0.1:PORT, until its standard input closes;
- ``python spark_connect_server.py audit URL PATH SUITE_JSON``: dqaudit's spark connector
  with ``remote: URL`` reads the parquet at PATH and runs the suite keyed by ``k``,
  printing one JSON document of its results, as a force's client talks to Databricks.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pyspark.sql import SparkSession


def serve(port: str) -> None:
    session = (
        SparkSession.builder.master("local[1]")
        .appName("dqaudit-tests-connect")
        .config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin")
        .config("spark.connect.grpc.binding.address", "127.0.0.1")
        .config("spark.connect.grpc.binding.port", port)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    print("ready", flush=True)
    sys.stdin.read()
    session.stop()


def audit(url: str, path: str, suite: str) -> None:
    import json

    from dqaudit.connectors.registry import get_connector
    from dqaudit.engine.run import run_suite

    extract = get_connector("spark").extract(
        {"remote": url, "path": path, "format": "parquet"}, base_dir=Path(path).parent
    )
    result = run_suite(extract, json.loads(suite), key=["k"])
    print(
        json.dumps(
            {
                "module": type(extract.dataframe).__module__,
                "rows": extract.fingerprint.rows,
                "results": [
                    [
                        r.rule.rule_id,
                        r.success,
                        r.unexpected_count,
                        r.element_count,
                        r.failing_keys,
                        r.error,
                    ]
                    for r in result.results
                ],
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        audit(*sys.argv[2:5])
