"""The ``spark`` connector: sources, sessions, fingerprints, keys, and the query guard.

Spark-backed tests use the run's one local session (tests/conftest.py); the query guard
and option checks need no Spark and run everywhere sqlglot is installed.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from dqaudit.errors import EngineError, InputError
from tests.conftest import SPARK_SOCKET_WARNING

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings(SPARK_SOCKET_WARNING)]


def _connector():
    from dqaudit.connectors.registry import get_connector

    return get_connector("spark")


def extract(tmp_path: Path, **options):
    return _connector().extract(options, base_dir=tmp_path)


def _view(spark, rows, schema="k string, v string") -> str:
    name = f"dqaudit_t_{uuid.uuid4().hex[:10]}"
    spark.createDataFrame(rows, schema).createOrReplaceTempView(name)
    return name


# --- the query guard (sqlglot only) --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * FROM parquet.`/etc/passwd`", "a table name is letters"),
        ("SELECT * FROM csv.custody", "reads files directly"),
        ("SELECT reflect('java.lang.Runtime', 'getRuntime')", r"calls reflect\(\)"),
        ("SELECT java_method('java.lang.System', 'exit', 1)", r"calls java_method\(\)"),
        ("SELECT TRANSFORM(a) USING 'cat' AS (b) FROM t", "QUERYTRANSFORM"),
        ("SELECT * FROM read_files('/data')", "only tables and views named by identifiers"),
        ("SELECT * FROM range(10)", "only tables and views named by identifiers"),
        ("INSERT INTO t SELECT 1", "must be a SELECT, not 'INSERT'"),
        ("CACHE TABLE x AS SELECT 1", "must be a SELECT, not 'CACHE'"),
        ("SELECT 1; DROP TABLE t", "one SELECT statement, not several"),
        ("SELECT regexp_extract(a, '(a+)+$', 0) FROM t", r"REGEXP_EXTRACT\(\)"),
        ("SELECT /*+ BROADCAST(u) */ * FROM t", "HINT"),
        ("SELECT a FROM t LATERAL VIEW explode(arr) e AS a", "LATERAL"),
        ("SELECT a FROM", "not valid Spark SQL"),
        ("   ;", "is empty"),
    ],
)
def test_query_guard_refuses_what_is_not_a_plain_select(query: str, message: str) -> None:
    pytest.importorskip("sqlglot")
    from dqaudit.connectors.spark_query_guard import checked_query

    with pytest.raises(InputError, match=message):
        checked_query(query)


def test_query_guard_passes_a_select_and_returns_what_it_checked() -> None:
    pytest.importorskip("sqlglot")
    from dqaudit.connectors.spark_query_guard import checked_query

    query = (
        "with s as (select k, upper(v) as v from db.custody where v is not null) "
        "select s.k, s.v, count(*) over (partition by s.v) as n from s "
        "union all select k, v, 0 from db.archive where k in ('a', 'b');"
    )
    checked = checked_query(query)
    assert checked.startswith("WITH s AS (SELECT k, UPPER(v) AS v FROM db.custody")
    assert "UNION ALL" in checked and not checked.endswith(";")
    with pytest.raises(InputError, match="longer than"):
        checked_query("SELECT " + "a + " * 40_000 + "1")


def test_options_are_checked_before_spark_starts(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown option 'tabel'"):
        extract(tmp_path, tabel="db.t")
    with pytest.raises(InputError, match="exactly one of the options 'table', 'path' and 'query'"):
        extract(tmp_path, table="db.t", query="SELECT 1")
    with pytest.raises(InputError, match="'format' applies only with 'path'"):
        extract(tmp_path, table="db.t", format="csv")
    with pytest.raises(InputError, match=r"Spark setting 'spark\.jars' is not allowed"):
        extract(tmp_path, table="db.t", config={"spark.jars": "/tmp/evil.jar"})
    with pytest.raises(InputError, match="calls reflect"):
        extract(tmp_path, query="SELECT reflect('java.lang.Thread', 'sleep', 1000)")


def test_without_pyspark_the_error_says_what_to_install(monkeypatch, tmp_path: Path) -> None:
    import builtins

    from dqaudit.connectors import spark_session

    real_import = builtins.__import__

    def no_pyspark(name, *args, **kwargs):
        if name == "pyspark" or name.startswith("pyspark."):
            raise ImportError("No module named 'pyspark'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    assert "pip install 'dqaudit[spark]'" in (spark_session.spark_unavailable() or "")
    with pytest.raises(
        EngineError, match=r"pyspark is not installed; install .*dqaudit\[spark\].*openjdk-17"
    ):
        spark_session.open_session(master="local[1]")


def test_remote_urls_are_shown_without_their_token() -> None:
    from dqaudit.connectors.spark_session import display_remote

    assert (
        display_remote("sc://dbc.example:443/;token=SECRET;x-cluster=1") == "sc://dbc.example:443"
    )
    assert display_remote("sc://localhost:15002") == "sc://localhost:15002"


# --- sources on the local session -----------------------------------------------------------


def test_table_source_fingerprint_and_column_types(spark, tmp_path: Path) -> None:
    name = _view(spark, [("K1", 7), ("K2", None)], "k string, v bigint")
    result = extract(tmp_path, table=name)
    assert result.fingerprint.rows == 2
    assert result.fingerprint.columns == ["k", "v"]
    assert result.fingerprint.source == f"spark session local[1] table {name}"
    assert result.column_types == {"k": "string", "v": "bigint"}
    assert result.dataframe.count() == 2 and not result.remote
    with pytest.raises(
        InputError, match=r"cannot read table 'dqaudit_no_such_table'.*cannot be found"
    ):
        extract(tmp_path, table="dqaudit_no_such_table")
    with pytest.raises(InputError, match=r"must be \[catalog.\]db.name"):
        extract(tmp_path, table="db.t; DROP TABLE x")


def test_path_sources_csv_as_text_and_parquet_with_a_listing_fingerprint(
    spark, tmp_path: Path
) -> None:
    folder = tmp_path / "custody"
    folder.mkdir()
    (folder / "part1.csv").write_text("k,v\nK1,007\nK2,\n", encoding="utf-8")
    first = extract(tmp_path, path="custody", format="csv")
    assert first.column_types == {"k": "string", "v": "string"}  # text, as extracts are read
    assert first.fingerprint.rows == 2
    assert sorted(r["v"] or "" for r in first.dataframe.collect()) == ["", "007"]
    assert first.fingerprint.source.endswith(f"csv {folder}")
    again = extract(tmp_path, path=str(folder), format="CSV")
    assert again.fingerprint.sha256 == first.fingerprint.sha256
    time.sleep(0.01)
    (folder / "part1.csv").write_text("k,v\nK1,007\nK2,8\n", encoding="utf-8")
    os.utime(folder / "part1.csv", ns=(1, 2_000_000_000_000_000_000))
    changed = extract(tmp_path, path="custody", format="csv")
    assert changed.fingerprint.sha256 != first.fingerprint.sha256
    with_options = extract(tmp_path, path="custody", format="csv", reader_options={"header": False})
    assert with_options.fingerprint.rows == 3 and with_options.column_types == {
        "_c0": "string",
        "_c1": "string",
    }

    spark.createDataFrame([("K1", 5)], "k string, n int").write.parquet(str(tmp_path / "pq"))
    parquet = extract(tmp_path, path="pq", format="parquet")
    assert parquet.fingerprint.rows == 1 and parquet.column_types == {"k": "string", "n": "int"}

    with pytest.raises(InputError, match="path not found"):
        extract(tmp_path, path="nowhere", format="parquet")
    with pytest.raises(InputError, match="'format' is required with 'path'"):
        extract(tmp_path, path="pq")
    with pytest.raises(InputError, match="must be one of parquet, csv, delta, orc"):
        extract(tmp_path, path="pq", format="json")
    with pytest.raises(InputError, match="reader option 'path' is not allowed"):
        extract(tmp_path, path="pq", format="parquet", reader_options={"path": "/etc"})
    with pytest.raises(InputError, match="format delta needs Delta Lake"):
        extract(tmp_path, path="pq", format="delta")


def test_the_file_listing_without_a_pass_equals_the_listing_by_a_job(spark, tmp_path: Path) -> None:
    """The classic session's listing (relation files, Hadoop sizes and times, footer
    count) fingerprints exactly as the job over ``_metadata`` does (Spark Connect's)."""
    from dqaudit.connectors.spark import (
        _files_and_rows,
        _listed_by_a_job,
        _listed_by_the_file_system,
    )

    rows = [(f"K{i}", i) for i in range(50)]
    spark.createDataFrame(rows, "k string, n int").repartition(3).write.parquet(
        str(tmp_path / "pq")
    )
    (tmp_path / "csv").mkdir()
    for part in range(2):
        text = "k,v\n" + "".join(f"K{part}{i},{i}\n" for i in range(7))
        (tmp_path / "csv" / f"p{part}.csv").write_text(text, encoding="utf-8")
    for frame in (
        spark.read.parquet(str(tmp_path / "pq")),
        spark.read.option("header", True).csv(str(tmp_path / "csv")),
    ):
        quick = _listed_by_the_file_system(frame)
        assert quick is not None and _files_and_rows(frame) == quick
        assert quick == _listed_by_a_job(frame)
        files, counted = quick
        assert len(files) >= 2 and counted == frame.count()
    assert _listed_by_the_file_system(spark.range(3)) is None  # not a file source


def test_a_backtick_in_a_column_name_is_refused_before_anything_runs(spark, tmp_path: Path) -> None:
    """GX writes column names into Spark SQL text: a hostile header must not become SQL."""
    hostile = "`k` IS NULL OR reflect('java.lang.System', 'exit', 1) OR `k"
    spark.createDataFrame([("K1", "x")], ["k", hostile]).write.parquet(str(tmp_path / "pq"))
    with pytest.raises(InputError, match="contains a backtick"):
        extract(tmp_path, path="pq", format="parquet")


def test_header_reads_the_columns_without_counting(spark, tmp_path: Path) -> None:
    from dqaudit.connectors.registry import read_header

    name = _view(spark, [("K1", "a")], "k string, `with.dot` string")
    header = read_header("spark", {"table": name}, tmp_path)
    assert header is not None
    assert header.columns == ("k", "with.dot")
    assert (header.has_lines, header.dialect) == (False, "spark")
    assert header.source == f"spark session local[1] table {name}"


def test_query_source_runs_the_checked_text(spark, tmp_path: Path) -> None:
    name = _view(spark, [("K1", "a"), ("K2", "b"), ("K3", "b")])
    result = extract(tmp_path, query=f"select k, upper(v) as v from {name} where v = 'b'")
    assert sorted(tuple(r) for r in result.dataframe.collect()) == [("K2", "B"), ("K3", "B")]
    assert result.fingerprint.rows == 2 and result.label == "query"
    with pytest.raises(InputError, match=r"the query failed.*cannot be found"):
        extract(tmp_path, query="SELECT k FROM dqaudit_missing_view")


def test_an_existing_session_is_used_and_another_master_is_refused(spark, tmp_path: Path) -> None:
    from dqaudit.connectors.spark_session import open_session

    info = open_session()
    assert info.session is spark and not info.created
    assert open_session(master="local[1]").session is spark
    with pytest.raises(
        InputError, match=r"master 'local\[1\]' is already running.*asked for 'local\[2\]'"
    ):
        open_session(master="local[2]")
    with pytest.raises(InputError, match="is not a Spark master URL"):
        open_session(master="local[1]; rm -rf /")
    with pytest.raises(InputError, match="at most one of the options 'master' and 'remote'"):
        open_session(master="local[1]", remote="sc://localhost:15002")
    with pytest.raises(InputError, match="must be a Spark Connect URL"):
        open_session(remote="http://localhost:15002")


# --- keys -----------------------------------------------------------------------------------


def test_keys_must_be_named_present_and_never_blank(spark, tmp_path: Path) -> None:
    from dqaudit.connectors.spark import blank_key_counts, require_keys, require_no_blank_keys

    name = _view(
        spark,
        [("K1", "A"), ("", "B"), (None, None), ("K4", "D")],
        "k string, `force.code` string",
    )
    result = extract(tmp_path, table=name)
    with pytest.raises(InputError, match=r"must name its key columns.*no row order"):
        require_keys(result, [], "dataset custody")
    with pytest.raises(InputError, match="key column\\(s\\) id not in table"):
        require_keys(result, ["k", "id"], "dataset custody")
    keys = require_keys(result, ["k", "force.code"], "dataset custody")
    assert blank_key_counts(result, keys) == {"k": 2, "force.code": 1}
    with pytest.raises(
        InputError, match=r"'k' is blank in 2 row\(s\), 'force\.code' is blank in 1"
    ):
        require_no_blank_keys(result, keys, "dataset custody")
    require_no_blank_keys(
        extract(tmp_path, query=f"SELECT * FROM {name} WHERE k = 'K1'"), keys, "x"
    )
