"""An audit through Spark Connect (``remote: sc://host:port``) gives the same verdicts and
the same failing keys as the same audit on a classic session.

A real Connect server (tests/spark_connect_server.py) runs in a process of its own on
127.0.0.1; the client is dqaudit's spark connector with ``remote``. Under Connect there is
no JVM in the client: the file listing is made by a Spark job, and every expression the
backend builds must go over the wire.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import SPARK_SOCKET_WARNING

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings(SPARK_SOCKET_WARNING)]

SERVER = Path(__file__).with_name("spark_connect_server.py")
START_SECONDS = 180  # a JVM start on a loaded 2-core machine; not a timing assertion

SUITE = {
    "name": "connect",
    "expectations": [
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "eth", "value_set": ["W1", "W2"]},
            "meta": {"dqaudit": {"rule_id": "C-1"}},
        },
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {
                "column": "arrived",
                "min_value": "2020-01-01 00:00:00",
                "max_value": "2025-01-01 00:00:00",
            },
            "meta": {"dqaudit": {"rule_id": "C-2", "value_type": "datetime"}},
        },
        {
            "type": "expect_column_values_to_be_unique",
            "kwargs": {"column": "eth", "row_condition": 'arrived != ""'},
            "meta": {"dqaudit": {"rule_id": "C-3"}},
        },
        {
            "type": "expect_column_values_to_be_valid_pnc_id",
            "kwargs": {"column": "pnc", "mostly": 0.5},
            "meta": {"dqaudit": {"rule_id": "C-4"}},
        },
    ],
}
ROWS = [
    ("K1", "W1", "2024-01-01 10:00:00", "2001/0171310W"),
    ("K2", "XX", "bad", "2001/0171310X"),
    ("K3", "W1", None, None),
    ("K4", "W2", "2019-12-31 23:59:59", "79/163001B"),
    ("K5", "W2", "2024-06-30T08:00:00+01:00", "bad"),
]


@pytest.fixture(scope="module")
def connect_url(spark):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(SERVER), "serve", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ready = threading.Event()

    def wait_for_ready() -> None:
        assert server.stdout is not None
        for line in server.stdout:
            if line.strip() == "ready":
                ready.set()
                return

    threading.Thread(target=wait_for_ready, daemon=True).start()
    try:
        if not ready.wait(START_SECONDS):
            pytest.fail(f"the Spark Connect server did not start in {START_SECONDS} s")
        yield f"sc://127.0.0.1:{port}"
    finally:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.close()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()


def _documents(result):
    return [
        [r.rule.rule_id, r.success, r.unexpected_count, r.element_count, r.failing_keys, r.error]
        for r in result.results
    ]


def test_an_audit_through_spark_connect_equals_the_classic_session(
    spark, connect_url, tmp_path: Path
) -> None:
    import json
    import os

    from dqaudit.connectors.registry import get_connector
    from dqaudit.engine.run import run_suite

    path = tmp_path / "custody.parquet"
    spark.createDataFrame(ROWS, "k string, eth string, arrived string, pnc string").write.parquet(
        str(path)
    )
    client = subprocess.run(
        [sys.executable, str(SERVER), "audit", connect_url, str(path), json.dumps(SUITE)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert client.returncode == 0, client.stderr[-2000:]
    by_connect = json.loads(client.stdout.strip().splitlines()[-1])
    classic = get_connector("spark").extract(
        {"path": str(path), "format": "parquet"}, base_dir=tmp_path
    )
    by_classic = run_suite(classic, SUITE, key=["k"])
    assert by_connect["module"].startswith("pyspark.sql.connect")  # really over Connect
    assert by_connect["rows"] == classic.fingerprint.rows == 5
    assert by_connect["results"] == _documents(by_classic)
    found = {r[0]: r[4] for r in by_connect["results"]}
    assert found["C-1"] == ["K2"]
    assert found["C-2"] == ["K2", "K4"]  # unreadable, and before the range
    assert found["C-3"] == ["K1", "K3", "K4", "K5"]  # W1 twice, W2 twice
    assert found["C-4"] == ["K2", "K5"]
