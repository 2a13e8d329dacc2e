"""Shared fixtures: the CLI runner, workspaces, and the real database servers.

Database-backed tests run against the PostgreSQL server named by DQAUDIT_TEST_PG_URL
and the MariaDB server named by DQAUDIT_TEST_MYSQL_URL. Elsewhere they skip with a
reason; under CI=true a missing server is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dqaudit.cli import cli

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO / "sample_data"
REALDATA = REPO.parent / "shared" / "realdata"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(*args: str, input: str | None = None) -> Any:
    """Run the CLI in-process, as a user would, without swallowing exceptions."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, input=input)


def write_suite(path: Path, expectations: list[dict[str, Any]], **suite_meta: Any) -> Path:
    document = {"name": path.stem, "expectations": expectations}
    if suite_meta:
        document["meta"] = {"dqaudit": suite_meta}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def rule(kind: str, rule_id: str | None = None, meta: dict | None = None, **kwargs: Any) -> dict:
    governance = dict(meta or {})
    if rule_id:
        governance["rule_id"] = rule_id
    return {"type": kind, "kwargs": kwargs, "meta": {"dqaudit": governance}}


def realdata(*parts: str) -> Path:
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real published data not present: {path} (see shared/realdata/SOURCES.md)")
    return path


def _database_url(variable: str, default: str, what: str) -> str:
    url = os.environ.get(variable) or (default if IN_CI else "")
    if not url:
        pytest.skip(f"{what} tests need {variable} (e.g. {default})")
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # the server is down or unreachable
        message = f"{what} server at {variable} is not reachable: {type(exc).__name__}"
        if IN_CI:
            pytest.fail(message + " (required under CI=true)")
        pytest.skip(message)
    return url


@pytest.fixture
def pg_url() -> str:
    return _database_url(
        "DQAUDIT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test", "PostgreSQL"
    )


@pytest.fixture
def mysql_url() -> str:
    """The real MariaDB (or MySQL) server, as for PostgreSQL: skipped, or required in CI."""
    return _database_url(
        "DQAUDIT_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test", "MariaDB"
    )


@pytest.fixture
def pg_store_url(pg_url: str) -> Any:
    """A fresh PostgreSQL schema per test, so tests never see each other's runs."""
    import uuid

    import sqlalchemy as sa

    schema = f"dqaudit_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in pg_url else "?"
    yield f"{pg_url}{separator}options=-csearch_path%3D{schema}"
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.db'}"
    return request.getfixturevalue("pg_store_url")


@pytest.fixture
def template_workspace(tmp_path: Path) -> Path:
    """The workspace that 'dqaudit init' writes, with its suite approved, ready to run."""
    folder = tmp_path / "ws"
    result = invoke("init", str(folder))
    assert result.exit_code == 0, result.output
    approve(folder, "custody_records")
    return folder


def try_approve(folder: Path, suite: str, minute: str = "SIMB-2026-11", *extra: str) -> Any:
    """``dqaudit suite approve`` as the SIMB chair would run it; the result, unchecked."""
    return invoke(
        "suite",
        "approve",
        suite,
        "-w",
        str(folder),
        "--by",
        "A. Chair",
        "--board",
        "SIMB",
        "--minute",
        minute,
        *extra,
    )


def approve(folder: Path, suite: str, minute: str = "SIMB-2026-11") -> None:
    result = try_approve(folder, suite, minute)
    assert result.exit_code == 0, result.output


@pytest.fixture
def sample_data() -> Path:
    if not (SAMPLE_DATA / "manifest.json").is_file():
        pytest.fail("sample_data/manifest.json is missing; run python sample_data/generate.py")
    return SAMPLE_DATA


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


# --- Spark ---------------------------------------------------------------------------------
# One local Spark session for the whole run (starting a JVM takes seconds): one core, no UI,
# one shuffle partition. Spark tests skip with a reason without pyspark (the spark extra)
# or Java; under CI=true that is a failure. pyspark leaves the local sockets of collect()
# and toLocalIterator() to the garbage collector; Spark test modules filter exactly that
# ResourceWarning (SPARK_SOCKET_WARNING), nothing else.

SPARK_SOCKET_WARNING = "ignore:unclosed <socket.socket:ResourceWarning"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "spark: needs pyspark (dqaudit[spark]) and Java; uses the shared session"
    )
    config.addinivalue_line("markers", "xdist_group(name): run in one pytest-xdist process")


# `make test` runs the tests in two processes (pytest-xdist, --dist loadgroup). A test that
# uses a session-wide fixture that is expensive to build (the Spark JVM, the demo's three
# months of history) goes to one process with the others that use it, so it is built once.
_SHARED_SESSION_FIXTURES = ("spark", "demo_output")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        for fixture in _SHARED_SESSION_FIXTURES:
            if fixture in names:
                item.add_marker(pytest.mark.xdist_group(fixture))
                break


@pytest.fixture(scope="session")
def spark() -> Any:
    import sys

    from dqaudit.connectors.spark_session import quiet_pyspark_logs, spark_unavailable

    reason = spark_unavailable()
    if reason:
        if IN_CI:
            pytest.fail(f"Spark tests cannot run: {reason} (required under CI=true)")
        pytest.skip(f"Spark tests need pyspark and Java: {reason}")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("dqaudit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        # short-lived JVM: the quick JIT tier and the serial GC halve its CPU time
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    quiet_pyspark_logs()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """``dqaudit demo`` run once for the session (it audits three months of history):
    from another folder, with no --sample-data, so the installed sample data is used.
    Returns the output folder and the CLI result."""
    folder = tmp_path_factory.mktemp("demo")
    previous = Path.cwd()
    os.chdir(folder)
    try:
        result = invoke("demo", "--out", str(folder / "demo-output"))
    finally:
        os.chdir(previous)
    return folder / "demo-output", result
