"""Spark sessions for the ``spark`` connector: which session, and what it needs to run.

dqaudit uses, in this order:

1. Spark Connect when a dataset names ``remote: sc://host:port`` (Databricks, a Connect
   server);
2. a new session on ``master`` when a dataset names one (``local[*]``, ``spark://...``,
   ``yarn``, ``k8s://...``), unless a session on another master is already running in
   this process, which is an error (one JVM holds one SparkContext);
3. the session already running in this process (a notebook, or ``spark-submit`` of a
   script that calls dqaudit), or the one ``spark-submit`` or ``SPARK_REMOTE`` configures;
4. otherwise a new ``local[*]`` session.

pyspark is optional (the ``spark`` extra) and imported only here and when a Spark
dataset is read; without it, or without Java, the error says what to install.
Only an allow-listed set of Spark settings may come from a dataset's ``config``: settings
such as ``spark.jars`` or ``spark.driver.extraJavaOptions`` would run code.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
from dataclasses import dataclass
from typing import Any

from dqaudit.errors import EngineError, InputError

INSTALL_HINT = (
    "install dqaudit's Spark support with: pip install 'dqaudit[spark]' (pyspark 4.1, "
    "pyarrow), and Java 17 (Debian/Ubuntu: apt-get install openjdk-17-jre-headless)"
)
DEFAULT_MASTER = "local[*]"
APP_NAME = "dqaudit"
_MASTER = re.compile(
    r"local(\[(\*|[1-9][0-9]*)(,[0-9]+)?\])?|local-cluster\[[0-9]+,[0-9]+,[0-9]+\]"
    r"|yarn|spark://[A-Za-z0-9_.\-:,]+|k8s://[A-Za-z0-9_.\-:/]+"
)
_REMOTE = re.compile(r"sc://[A-Za-z0-9_.\-]+(:[0-9]{1,5})?(/.*)?")
# Settings a dataset may give a session dqaudit starts: sizes and parallelism only.
ALLOWED_CONFIG = frozenset(
    {
        "spark.driver.memory",
        "spark.driver.maxResultSize",
        "spark.executor.memory",
        "spark.executor.cores",
        "spark.executor.instances",
        "spark.default.parallelism",
        "spark.sql.shuffle.partitions",
        "spark.sql.files.maxPartitionBytes",
        "spark.sql.session.timeZone",
        "spark.local.dir",
        "spark.ui.enabled",
    }
)
# Sessions dqaudit starts: no console progress bar, no UI port unless asked for.
# For a session dqaudit starts. The JVM option lets HotSpot compile the long methods
# Spark generates for an audit's many conditions in one pass (over 8,000 bytes of
# bytecode it otherwise interprets them: the custody benchmark's counting pass ran about
# 1.4 times slower without it). A user's own setting of the same key replaces it.
_JIT_LONG_METHODS = "-XX:-DontCompileHugeMethods"
_SESSION_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.extraJavaOptions": _JIT_LONG_METHODS,
    "spark.executor.extraJavaOptions": _JIT_LONG_METHODS,
}


@dataclass(frozen=True)
class SparkSessionInfo:
    """The session a dataset is read with, and how to describe it without credentials."""

    session: Any
    display: str
    remote: bool
    created: bool


def spark_unavailable() -> str | None:
    """Why Spark cannot run here (pyspark or Java missing), or None when it can."""
    try:
        import pyspark
    except ImportError:
        return f"pyspark is not installed; {INSTALL_HINT}"
    if not pyspark.__version__.startswith("4."):
        return f"pyspark {pyspark.__version__} is installed, dqaudit needs 4.x; {INSTALL_HINT}"
    if java_executable() is None:
        return f"no Java runtime found (JAVA_HOME or java on PATH); {INSTALL_HINT}"
    return None


def java_executable() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "java"), os.X_OK):
        return os.path.join(home, "bin", "java")
    return shutil.which("java")


def display_remote(remote: str) -> str:
    """A Spark Connect URL without its parameters (``/;token=...`` carries credentials)."""
    return str(remote).split("/;", 1)[0].split(";", 1)[0].rstrip("/")


def is_local_master(master: str) -> bool:
    return master == "local" or master.startswith(("local[", "local-cluster["))


def check_config(config: Any, where: str) -> dict[str, str]:
    """The dataset's ``config`` settings, each allow-listed, as strings."""
    if config in (None, ""):
        return {}
    if not isinstance(config, dict):
        raise InputError(f"{where}: option 'config' must be a mapping of Spark settings")
    settings: dict[str, str] = {}
    for name, value in config.items():
        if name not in ALLOWED_CONFIG:
            raise InputError(
                f"{where}: Spark setting '{name}' is not allowed in 'config' "
                f"(allowed: {', '.join(sorted(ALLOWED_CONFIG))})"
            )
        if isinstance(value, dict | list) or value is None:
            raise InputError(f"{where}: Spark setting '{name}' must be a single value")
        settings[str(name)] = str(value).lower() if isinstance(value, bool) else str(value)
    return settings


def open_session(
    *,
    master: str | None = None,
    remote: str | None = None,
    config: dict[str, str] | None = None,
    where: str = "spark connector",
) -> SparkSessionInfo:
    """The Spark session to read a dataset with (see the module docstring for the order)."""
    reason = spark_unavailable()
    if reason and not (remote and reason.startswith("no Java")):
        raise EngineError(f"{where}: {reason}")
    if master and remote:
        raise InputError(f"{where}: give at most one of the options 'master' and 'remote'")
    config = dict(config or {})
    quiet_pyspark_logs()
    if remote:
        return _remote_session(str(remote), config, where)
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if master:
        master = str(master).strip()
        if not _MASTER.fullmatch(master):
            raise InputError(
                f"{where}: option 'master' {master!r} is not a Spark master URL "
                "(local[*], local[N], spark://host:port, yarn or k8s://...)"
            )
        if active is not None:
            running = _master_of(active)
            if running != master:
                raise InputError(
                    f"{where}: a Spark session on master '{running}' is already running in "
                    f"this process; remove the option 'master' to use it (asked for '{master}')"
                )
            return SparkSessionInfo(active, f"session {running}", False, False)
        return _new_session(master, config, where)
    if active is not None:
        return SparkSessionInfo(active, f"session {_master_of(active)}", _is_connect(active), False)
    if os.environ.get("PYSPARK_GATEWAY_PORT") or os.environ.get("SPARK_REMOTE"):
        # launched by spark-submit (or pointed at Spark Connect): its settings decide
        return _new_session(None, config, where)
    return _new_session(DEFAULT_MASTER, config, where)


def _remote_session(remote: str, config: dict[str, str], where: str) -> SparkSessionInfo:
    display = display_remote(remote)
    if not _REMOTE.fullmatch(remote):
        raise InputError(f"{where}: option 'remote' must be a Spark Connect URL sc://host:port")
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.remote(remote)
    for name, value in config.items():
        builder = builder.config(name, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # gRPC and pyspark raise many types; the URL may hold a token
        message = str(exc).replace(remote, display).splitlines()[0] if str(exc) else ""
        raise EngineError(
            f"{where}: cannot reach Spark Connect at {display}: {type(exc).__name__}: {message}"
        ) from None
    return SparkSessionInfo(session, display, True, True)


def _new_session(master: str | None, config: dict[str, str], where: str) -> SparkSessionInfo:
    from pyspark.sql import SparkSession

    if master is None or is_local_master(master):
        # Python UDF workers (geometry, datetimes) must import dqaudit: in local mode they
        # are started from PYSPARK_PYTHON, so that is this interpreter unless set already.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(APP_NAME)
    if master is not None:
        builder = builder.master(master)
    for name, value in {**_SESSION_DEFAULTS, **config}.items():
        builder = builder.config(name, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM failed to start: Java, memory, ports
        raise EngineError(
            f"{where}: cannot start Spark (master {master or 'from spark-submit'}): "
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        ) from None
    if not _is_connect(session):
        session.sparkContext.setLogLevel("ERROR")  # the JVM's warnings are not the user's
    running = _master_of(session)
    return SparkSessionInfo(session, f"session {running}", _is_connect(session), True)


def quiet_pyspark_logs() -> None:
    """pyspark logs every analysis error it raises, with its Java stack, to stderr.

    dqaudit turns those errors into messages of its own, so the loggers are silenced. They
    must be made by PySparkLogger (it passes extra arguments a plain Logger refuses).
    """
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


def _is_connect(session: Any) -> bool:
    return type(session).__module__.startswith("pyspark.sql.connect")


def _master_of(session: Any) -> str:
    if _is_connect(session):
        return "spark connect"
    try:
        return str(session.sparkContext.master)
    except Exception:  # a session without a reachable context
        return "unknown"
