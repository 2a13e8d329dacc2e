"""The sql connector on real databases: read-only sessions, masked passwords, pushdown.

SQLite always; PostgreSQL and MariaDB are the real servers (DQAUDIT_TEST_PG_URL,
DQAUDIT_TEST_MYSQL_URL), skipped with a reason when absent and required under CI=true.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dqaudit.connectors.base import DatabaseExtract
from dqaudit.connectors.registry import get_connector
from dqaudit.engine.run import run_suite
from dqaudit.errors import EngineError
from tests.conftest import invoke, write_suite
from tests.test_conformance import EXPECTED, ROWS, SUITE, create_table, drop_table

PASSWORD = "S3cret-Pw0rd"


def _sql(url: str, statement: str, **params: Any) -> Any:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(sa.text(statement), params)
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def _with_password(url: str) -> str:
    return sa.make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """(dialect, url, table) holding the conformance records."""
    dialect = request.param
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'records.db'}"
    else:
        url = request.getfixturevalue("pg_url" if dialect == "postgresql" else "mysql_url")
    table = f"records_{uuid.uuid4().hex[:10]}"
    create_table(url, dialect, table)
    yield dialect, url, table
    drop_table(url, table)


def _suite(tmp_path: Path) -> Path:
    path = tmp_path / "conformance.json"
    path.write_text(json.dumps(SUITE), encoding="utf-8")
    return path


def _check(tmp_path: Path, *options: str, extra: tuple[str, ...] = ()) -> Any:
    args = ["check", "--suite", str(_suite(tmp_path)), "--key", "ref", "--connector", "sql"]
    for option in options:
        args += ["--option", option]
    return invoke(*args, *extra)


# --- pull and pushdown through the CLI ------------------------------------------------------


def test_pushdown_check_prints_the_same_document_as_pull(
    database: tuple[str, str, str], tmp_path: Path
) -> None:
    _dialect, url, table = database
    documents = {}
    for mode in ("pull", "pushdown"):
        result = _check(tmp_path, f"url={url}", f"table={table}", f"mode={mode}", extra=("--json",))
        assert result.exit_code == 1, result.output
        documents[mode] = json.loads(result.stdout)
    for document in documents.values():
        for entry in document["results"]:
            if entry["failing_keys"] is not None:
                entry["failing_keys"].sort()
    assert documents["pull"] == documents["pushdown"]
    keys = {r["rule_id"]: r["failing_keys"] for r in documents["pushdown"]["results"]}
    assert keys == EXPECTED


def test_pushdown_keys_come_in_key_order(database: tuple[str, str, str]) -> None:
    _dialect, url, table = database
    extract = get_connector("sql").extract(
        {"url": url, "table": table, "mode": "pushdown"}, base_dir=Path(".")
    )
    assert isinstance(extract, DatabaseExtract) and extract.fingerprint.rows == len(ROWS)
    result = run_suite(extract, SUITE, key="ref")
    for rule_result in result.results:
        if rule_result.failing_keys:
            assert rule_result.failing_keys == sorted(rule_result.failing_keys)


def test_a_query_can_be_audited_in_both_modes(database: tuple[str, str, str]) -> None:
    _dialect, url, table = database
    # '%' and ':' must reach the database as written (drivers use both for parameters).
    query = f"SELECT * FROM {table} WHERE disposal LIKE 'CH%' AND ref <> 'a:b'"
    for mode in ("pull", "pushdown"):
        extract = get_connector("sql").extract(
            {"url": url, "query": query, "mode": mode}, base_dir=Path(".")
        )
        from dqaudit.engine.run import run_suite

        result = run_suite(extract, SUITE, key="ref")
        keys = {r.rule.rule_id: sorted(r.failing_keys or []) for r in result.results}
        assert keys["CON-07"] == ["R17"]
        assert "R18" not in {k for v in keys.values() for k in v}  # NFA rows are not in it
        assert extract.fingerprint.source.endswith(" query")


# --- streaming into the store ---------------------------------------------------------------


def test_pushdown_streams_every_key_in_batches(database: tuple[str, str, str]) -> None:
    _dialect, url, table = database
    extract = get_connector("sql").extract(
        {"url": url, "table": table, "mode": "pushdown"}, base_dir=Path(".")
    )
    batches: list[tuple[int, int, list[tuple[str, dict]]]] = []
    result = run_suite(
        extract, SUITE, key="ref", sink=lambda *batch: batches.append(batch), batch_size=1
    )
    assert all(len(records) == 1 for _, _, records in batches)
    streamed: dict[int, list[str]] = {}
    for position, first_seq, records in batches:
        assert first_seq == len(streamed.get(position, []))
        streamed.setdefault(position, []).extend(record.key for record in records)
    by_id = {r.rule.position: r.rule.rule_id for r in result.results}
    assert {by_id[p]: keys for p, keys in streamed.items()} == {
        rule_id: keys for rule_id, keys in EXPECTED.items() if keys
    }
    # Only the rule's columns leave the database, never whole rows.
    values = {by_id[p]: records[0].values for p, _, records in batches}
    assert set(values["CON-03"]) == {"age"}
    assert set(values["CON-07"]) == {"charge_datetime", "disposal"}
    assert all(r.failing_keys is None for r in result.results if r.unexpected_count)


def test_a_key_count_that_differs_from_gx_is_an_error(database: tuple[str, str, str]) -> None:
    """The records system changes during the audit: a new failing row appears after GX
    counted. The partial (here: larger) key list must not be reported. On PostgreSQL
    each rule's count comes from the very statement that lists its keys (opened before
    GX validates), so the change cannot split them: the audit reports the table as it
    was when counted, every key list whole."""
    dialect, url, table = database
    extract = get_connector("sql").extract(
        {"url": url, "table": table, "mode": "pushdown"}, base_dir=Path(".")
    )
    changed = []

    def sink(position: int, first_seq: int, records: list) -> None:
        if not changed:  # another session, not the audit's read-only one, writes
            _sql(url, f"UPDATE {table} SET age = 999 WHERE ref = 'R01'")
            changed.append(True)

    if dialect == "postgresql":
        result = run_suite(extract, SUITE, key="ref", sink=sink)
        assert changed
        counts = {r.rule.rule_id: r.unexpected_count for r in result.results if r.unexpected_count}
        assert counts == {rule_id: len(keys) for rule_id, keys in EXPECTED.items() if keys}
        return
    with pytest.raises(EngineError, match=r"GX counted 2 failing rows but 3 were listed"):
        run_suite(extract, SUITE, key="ref", sink=sink)


def test_audit_run_stores_pushdown_keys_and_masks_the_password(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    """PostgreSQL here trusts local connections, so a password in the URL is accepted:
    it must never reach the store, the fingerprint, the output or the logs."""
    table = f"records_{uuid.uuid4().hex[:10]}"
    create_table(pg_url, "postgresql", table)
    try:
        workspace = _workspace(tmp_path, table, mode="pushdown")
        monkeypatch.setenv("RECORDS_DB_URL", _with_password(pg_url))
        with caplog.at_level("DEBUG"):
            run = invoke("audit", "run", "-w", str(workspace), "--allow-draft")
        assert run.exit_code == 1, run.output
        run_id = run.stdout.split(" run ")[1].split()[0].split(";")[0]
        shown = invoke("audit", "show", run_id, "-w", str(workspace), "--json")
        document = json.loads(shown.stdout)
        assert {r["rule_id"]: r["failing_keys"] for r in document["results"]} == EXPECTED
        assert document["run"]["source"].endswith(f"table {table}")
        assert "***" in document["run"]["source"]
        everything = run.output + shown.output + caplog.text
        everything += (workspace / "audit.db").read_bytes().decode("latin-1")
        assert PASSWORD not in everything
    finally:
        drop_table(pg_url, table)


def _workspace(folder: Path, table: str, mode: str) -> Path:
    workspace = folder / "ws"
    (workspace / "suites").mkdir(parents=True)
    (workspace / "dqaudit.yml").write_text(
        "systems:\n"
        "  custody:\n"
        "    owner: {name: Owner, email: owner@example.police.uk}\n"
        "    datasets:\n"
        "      records:\n"
        "        connector: sql\n"
        f"        options: {{url: '${{RECORDS_DB_URL}}', table: {table}, mode: {mode}}}\n"
        "        key: [ref]\n"
        "        sensitive: [pnc_id]\n",
        encoding="utf-8",
    )
    suite = dict(SUITE, meta={"dqaudit": {"system": "custody", "dataset": "records"}})
    (workspace / "suites" / "records.json").write_text(json.dumps(suite), encoding="utf-8")
    return workspace


def test_extract_preview_of_a_pushdown_dataset_masks_sensitive_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    create_table(url, "sqlite", "records")
    workspace = _workspace(tmp_path, "records", mode="pushdown")
    monkeypatch.setenv("RECORDS_DB_URL", url)
    result = invoke("extract", "preview", "custody", "records", "-w", str(workspace), "--rows", "3")
    assert result.exit_code == 0, result.output
    assert "pushdown" in result.stdout and "rows         24" in result.stdout
    assert "masked       pnc_id (sensitive)" in result.stdout
    assert "R01" in result.stdout and "R03" in result.stdout and "R04" not in result.stdout
    assert "1001" not in result.stdout  # R01's pnc_id is 21/1001B: masked


# --- audits never write ---------------------------------------------------------------------


def _writing_function(dialect: str, url: str, table: str) -> str:
    """A function that writes, called from a plain SELECT: SQL parsing cannot see it."""
    name = f"sneaky_{uuid.uuid4().hex[:8]}"
    if dialect == "postgresql":
        _sql(
            url,
            f"CREATE FUNCTION {name}() RETURNS integer LANGUAGE sql AS "
            f"$$ UPDATE {table} SET age = 1; SELECT 1 $$",
        )
    else:
        _sql(
            url,
            f"CREATE FUNCTION {name}() RETURNS INT MODIFIES SQL DATA "
            f"BEGIN UPDATE {table} SET age = 1; RETURN 1; END",
        )
    return name


def _ages(url: str, table: str) -> int:
    return int(_sql(url, f"SELECT count(*) FROM {table} WHERE age = 1"))


@pytest.mark.parametrize("mode", ["pull", "pushdown"])
@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"])  # SQLite: no writing functions
def test_a_select_that_writes_through_a_function_is_refused(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path, mode: str
) -> None:
    """The query guard refuses a function off its allow-list before the database is
    touched; if it ever let one through, the read-only session still refuses the write."""
    from dqaudit.connectors.sql_session import database_error, open_engine, sql_target

    url = request.getfixturevalue("pg_url" if dialect == "postgresql" else "mysql_url")
    table = f"records_{uuid.uuid4().hex[:10]}"
    create_table(url, dialect, table)
    request.addfinalizer(lambda: drop_table(url, table))
    function = _writing_function(dialect, url, table)
    try:
        query = f"query=SELECT t.*, {function}() AS x FROM {table} t"
        result = _check(tmp_path, f"url={url}", query, f"mode={mode}")
        assert result.exit_code == 2, result.output
        assert f"function {function} is not allowed in an audit query" in result.stderr
        assert _ages(url, table) == 0
        # the session underneath, called directly (as if the guard were bypassed)
        target = sql_target(url, 30)
        engine = open_engine(target)
        try:
            with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as connection:
                connection.execute(sa.text(f"SELECT {function}() AS x"))
        finally:
            engine.dispose()
        message = database_error(caught.value, target).message
        assert "the query tries to write" in message
        assert "read-only session refused it" in message
        assert _ages(url, table) == 0
    finally:
        _sql(url, f"DROP FUNCTION {function}")


def test_gx_own_sessions_are_read_only_too(pg_url: str) -> None:
    """Pushdown hands GX the same session settings: its queries cannot write either."""
    from dqaudit.connectors.sql_session import sql_target
    from dqaudit.expectations import gx_adapter, gx_sql

    table = f"records_{uuid.uuid4().hex[:10]}"
    create_table(pg_url, "postgresql", table)
    function = _writing_function("postgresql", pg_url, table)
    try:
        target = sql_target(pg_url, 30)
        asset = gx_sql.SqlAsset(
            target.engine_url,
            target.engine_kwargs,
            query=f"SELECT ref, {function}() AS x FROM {table}",
        )
        check = gx_adapter.GxCheck(0, "#1", "expect_column_values_to_not_be_null", {"column": "x"})
        with gx_sql.validate_sql(asset, [check]) as validation:
            outcome = validation.outcomes[0]
        assert outcome.error is not None and "read-only transaction" in outcome.error
        assert _ages(pg_url, table) == 0
    finally:
        _sql(pg_url, f"DROP FUNCTION {function}")
        drop_table(pg_url, table)


def test_a_data_modifying_cte_is_refused(pg_url: str, tmp_path: Path) -> None:
    table = f"records_{uuid.uuid4().hex[:10]}"
    create_table(pg_url, "postgresql", table)
    try:
        query = f"query=WITH gone AS (DELETE FROM {table} RETURNING *) SELECT * FROM gone"
        for mode in ("pull", "pushdown"):
            result = _check(tmp_path, f"url={pg_url}", query, f"mode={mode}")
            assert result.exit_code == 2, result.output
            assert "DELETE statement inside the SELECT is not allowed" in result.stderr
        assert int(_sql(pg_url, f"SELECT count(*) FROM {table}")) == len(ROWS)
    finally:
        drop_table(pg_url, table)


def test_sqlite_is_opened_read_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    create_table(url, "sqlite", "records")
    result = _check(tmp_path, f"url={url}", "query=DELETE FROM records RETURNING *")
    assert result.exit_code == 2, result.output
    assert "DELETE statement is not allowed" in result.stderr
    assert int(_sql(url, "SELECT count(*) FROM records")) == len(ROWS)


# --- bad input ------------------------------------------------------------------------------


def test_a_database_that_is_down_is_an_engine_error_without_the_password(
    pg_url: str, tmp_path: Path
) -> None:
    url = sa.make_url(_with_password(pg_url)).set(port=1).render_as_string(hide_password=False)
    result = _check(tmp_path, f"url={url}", "table=records", extra=("--json",))
    assert result.exit_code == 3
    assert "cannot connect" in result.stderr and "***" in result.stderr
    assert PASSWORD not in result.output
    assert json.loads(result.stdout)["status"] == "error"


def test_a_wrong_password_is_an_error_that_never_shows_it(mysql_url: str, tmp_path: Path) -> None:
    url = _with_password(mysql_url)
    result = _check(tmp_path, f"url={url}", "table=records", extra=("--json",))
    assert result.exit_code == 3, result.output
    assert "Access denied" in result.stderr
    assert PASSWORD not in result.output
    assert PASSWORD not in json.dumps(json.loads(result.stdout))


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb", "sqlite"])
def test_a_query_that_overruns_the_timeout_is_cancelled(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'records.db'}"
        create_table(url, "sqlite", "records")
        slow = (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) "
            "SELECT count(*) AS ref FROM n"
        )
    elif dialect == "postgresql":  # pg_sleep is not on the query guard's allow-list
        url = request.getfixturevalue("pg_url")
        slow = (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 500000000) SELECT count(*) AS ref FROM n"
        )
    else:  # nor is SLEEP: a join that takes minutes instead
        url = request.getfixturevalue("mysql_url")
        slow = (
            "SELECT count(*) AS ref FROM information_schema.columns a, "
            "information_schema.columns b, information_schema.columns c"
        )
    import time

    started = time.monotonic()
    result = _check(tmp_path, f"url={url}", f"query={slow}", "timeout=1")
    # the unbounded query runs for minutes: the generous bound only proves it was cancelled,
    # and holds on a loaded machine (the exit code and message are the real evidence)
    assert time.monotonic() - started < 90
    assert result.exit_code == 3, result.output
    assert "longer than the timeout of 1 s" in result.stderr


@pytest.mark.parametrize(
    "options, message",
    [
        (["url=mssql+pyodbc://u:p@host/db", "table=t"], "read-only sessions are enforced only"),
        (["url=sqlite:///nowhere.db", "table=t"], "SQLite database file not found"),
        (["url=not a url", "table=t"], "is not a database URL"),
        (["url=sqlite:///{db}"], "give exactly one of the options 'table' and 'query'"),
        (["url=sqlite:///{db}", "table=t", "query=SELECT 1"], "exactly one of"),
        (["url=sqlite:///{db}", "table=t", "mode=push"], "'mode' must be pull or pushdown"),
        (["url=sqlite:///{db}", "table=t", "timeout=soon"], "'timeout' must be a number"),
        (["url=sqlite:///{db}", "table=missing"], "cannot read table or view 'missing'"),
        (["url=sqlite:///{db}", "query=SELEC nonsense"], "'query' (SQLite): is not a SELECT"),
        (["url=sqlite:///{db}", "query=SELECT FROM WHERE ("], "'query' (SQLite): does not parse"),
        (["url=sqlite:///{db}", "query=SELECT * FROM missing"], "the query failed"),
        (["url=sqlite:///{db}", "table=records; DROP TABLE records"], "option 'table' must be"),
        (["url=sqlite:///{db}", "table=records", "colour=blue"], "unknown option 'colour'"),
    ],
)
def test_bad_settings_are_clear_input_errors(
    tmp_path: Path, options: list[str], message: str
) -> None:
    db = tmp_path / "records.db"
    create_table(f"sqlite:///{db}", "sqlite", "records")
    result = _check(tmp_path, *[o.format(db=db) for o in options])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_pushdown_needs_a_key(tmp_path: Path) -> None:
    db = tmp_path / "records.db"
    create_table(f"sqlite:///{db}", "sqlite", "records")
    suite = write_suite(tmp_path / "s.json", SUITE["expectations"])
    result = invoke(
        "check",
        str(db),
        "--suite",
        str(suite),
        "--option",
        "table=records",
        "--option",
        "mode=pushdown",
    )
    assert result.exit_code == 2
    assert "failing rows are named by key" in result.stderr


def test_a_sqlite_file_is_checked_by_its_extension(tmp_path: Path) -> None:
    db = tmp_path / "records.db"
    create_table(f"sqlite:///{db}", "sqlite", "records")
    result = invoke(
        "check",
        str(db),
        "--suite",
        str(_suite(tmp_path)),
        "--key",
        "ref",
        "--option",
        "table=records",
        "--json",
    )
    assert result.exit_code == 1, result.output
    keys = {r["rule_id"]: r["failing_keys"] for r in json.loads(result.stdout)["results"]}
    assert keys["CON-05"] == ["R11", "R12"]


def test_a_broken_run_is_recorded_as_an_error_not_half_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = _workspace(tmp_path, "records", mode="pushdown")
    monkeypatch.setenv("RECORDS_DB_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    run = invoke("audit", "run", "-w", str(workspace), "--allow-draft")
    assert run.exit_code == 2
    listing = invoke("audit", "list", "-w", str(workspace))
    assert " error " in listing.stdout and "complete" not in listing.stdout


def test_postgres_pushdown_query_cannot_smuggle_a_second_statement(
    pg_url: str, tmp_path: Path
) -> None:
    """'...; COMMIT; BEGIN READ WRITE; DELETE ...' must not escape the read-only session."""
    table = f"dq_victim_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE TABLE {table} (id integer)"))
        connection.execute(sa.text(f"INSERT INTO {table} VALUES (1), (2)"))
    suite = tmp_path / "count.json"
    suite.write_text(
        '{"name": "count", "expectations": [{"type": "expect_table_row_count_to_be_between",'
        ' "kwargs": {"min_value": 1}}]}'
    )
    query = (
        f"SELECT 1 AS id) x; COMMIT; BEGIN READ WRITE; DELETE FROM {table} WHERE id=1; "
        "COMMIT; SELECT * FROM (SELECT 1 AS id"
    )
    try:
        for mode in ("pushdown", "pull"):
            result = invoke(
                "check",
                "--suite",
                str(suite),
                "--connector",
                "sql",
                "--option",
                f"url={pg_url}",
                "--option",
                f"query={query}",
                "--option",
                f"mode={mode}",
                "--key",
                "id",
            )
            assert result.exit_code in (2, 3), result.output
        with engine.connect() as connection:
            assert connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 2
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP TABLE {table}"))
        engine.dispose()


@contextmanager
def _aggregate_statements() -> Iterator[list[str]]:
    """The aggregate statements (count, sum) any engine runs inside the block."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        aggregate = "count(" in statement or "sum(" in statement
        # (a column pair's own unexpected count is a query of its own, not an aggregate)
        if aggregate and "UnexpectedCountSubquery" not in statement:
            statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", seen)


def test_gx_aggregates_of_every_domain_share_one_scan_per_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GX's row and null counts of each domain (whole table, a row condition, a column
    pair's ignore_row_if) come from one scan per dependency level, not one per domain,
    and GX reaches the same verdicts and counts as its own per-domain queries."""
    from dqaudit.expectations import gx_adapter, gx_sql

    path = tmp_path / "pairs.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (k TEXT, flag TEXT, a INTEGER, b INTEGER)")
        connection.exec_driver_sql(
            "INSERT INTO t VALUES ('1','Y',5,1), ('2','Y',NULL,1), ('3','N',1,5), "
            "('4','N',NULL,NULL), ('5','Y',2,9), ('6',NULL,3,3)"
        )
    engine.dispose()
    checks = [
        gx_adapter.GxCheck(0, "#1", "expect_column_values_to_not_be_null", {"column": "a"}),
        gx_adapter.GxCheck(
            1,
            "#2",
            "expect_column_values_to_not_be_null",
            {
                "column": "a",
                "row_condition": 'col("flag")=="Y"',
                "condition_parser": "great_expectations",
            },
        ),
        gx_adapter.GxCheck(
            2,
            "#3",
            "expect_column_pair_values_a_to_be_greater_than_b",
            {"column_A": "a", "column_B": "b", "ignore_row_if": "either_value_is_missing"},
        ),
        gx_adapter.GxCheck(
            3, "#4", "expect_column_values_to_be_between", {"column": "b", "max_value": 4}
        ),
    ]
    asset = gx_sql.SqlAsset(f"sqlite:///{path}", {}, table="t")

    def validate() -> tuple[dict[int, Any], list[str]]:
        with _aggregate_statements() as statements, gx_sql.validate_sql(asset, checks) as run:
            outcomes = run.outcomes
        found = {r: (o.success, o.unexpected_count, o.element_count) for r, o in outcomes.items()}
        return found, statements

    merged, scans = validate()
    assert merged == {0: (False, 2, 6), 1: (False, 1, 3), 2: (False, 3, 6), 3: (False, 2, 6)}
    assert len(scans) == 2, scans  # row counts, then what depends on them
    monkeypatch.setattr(gx_sql, "prefetch_aggregates", lambda *args: None)
    own, scans = validate()
    assert own == merged
    assert len(scans) > 2


def test_row_counts_already_known_leave_one_scan(tmp_path: Path) -> None:
    """The extract's row count and the rows a helper column selects, counted by the
    caller over the same SELECT, stand in for GX's table.row_count of exactly those
    domains: the null counts then take one scan, with GX's verdicts and counts unchanged.
    A count for another domain's shape is not used."""
    from dqaudit.expectations import gx_adapter, gx_sql

    path = tmp_path / "helpers.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (k TEXT, sel INTEGER, a INTEGER)")
        connection.exec_driver_sql(
            "INSERT INTO t VALUES ('1',1,5), ('2',1,NULL), ('3',0,1), ('4',0,NULL), "
            "('5',1,2), ('6',0,3)"
        )
    engine.dispose()
    selected = gx_adapter.selected_rows_condition("sel")
    checks = [
        gx_adapter.GxCheck(0, "#1", "expect_column_values_to_not_be_null", {"column": "a"}),
        gx_adapter.GxCheck(
            1,
            "#2",
            "expect_column_values_to_not_be_null",
            {"column": "a", "row_condition": selected, "condition_parser": "great_expectations"},
        ),
    ]
    asset = gx_sql.SqlAsset(f"sqlite:///{path}", {}, table="t")

    def validate(counts: dict[str | None, int]) -> tuple[dict[int, Any], int]:
        with (
            _aggregate_statements() as statements,
            gx_sql.validate_sql(asset, checks, row_counts=counts) as run,
        ):
            outcomes = run.outcomes
        found = {r: (o.success, o.unexpected_count, o.element_count) for r, o in outcomes.items()}
        return found, len(statements)

    expected = {0: (False, 2, 6), 1: (False, 1, 3)}
    assert validate({}) == (expected, 2)
    assert validate({None: 6, "sel": 3}) == (expected, 1)
    assert validate({None: 6, "other": 3}) == (expected, 2)  # "sel" still needs its count
