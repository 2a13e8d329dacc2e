"""Issue 11 item 2: audits only read, enforced by what a session may call.

The exact routes that wrote through a "read-only" audit on main: PostgreSQL
``dblink_exec`` (deleted a source row), MariaDB ``SELECT ... INTO OUTFILE`` (wrote a server
file), SQLite ``ATTACH`` and ``VACUUM INTO`` (created files). Each is refused by the query
guard before the database is touched, and on SQLite also by the session's authorizer.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dqaudit.connectors.query_guard import check_query, check_table
from dqaudit.connectors.sql_session import database_error, open_engine, sql_target
from dqaudit.errors import InputError
from tests.test_conformance import ROWS, create_table, drop_table
from tests.test_connectors_sql import _check, _sql

# --- the guard on its own (no database) -----------------------------------------------------

REFUSED = [
    # (database, query, what the message names)
    ("postgresql", "SELECT dblink_exec('dbname=test', 'DELETE FROM t')", "function dblink_exec"),
    ("postgresql", "SELECT public.dblink_exec('x', 'y')", "function dblink_exec"),
    ("postgresql", "SELECT \"dblink_exec\"('x', 'y')", "function dblink_exec"),
    ("postgresql", "SELECT * FROM dblink('c', 'select 1') AS t(a int)", "function dblink"),
    ("postgresql", "SELECT lo_export(1, '/tmp/x')", "function lo_export"),
    ("postgresql", "SELECT pg_read_file('/etc/passwd')", "function pg_read_file"),
    (
        "postgresql",
        "SELECT set_config('default_transaction_read_only', 'off', false)",
        "set_config",
    ),
    ("postgresql", "SELECT nextval('s')", "function nextval"),
    ("postgresql", "SELECT query_to_xml('DELETE FROM t', true, true, '')", "query_to_xml"),
    ("postgresql", "WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone", "DELETE"),
    ("postgresql", "WITH x AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM x", "UPDATE"),
    ("postgresql", "SELECT * INTO copy_of_t FROM t", "SELECT ... INTO"),
    ("postgresql", "SELECT * FROM t FOR UPDATE", "FOR UPDATE"),
    ("postgresql", "SELECT 1; DELETE FROM t", "2 statements"),
    ("postgresql", "COPY t TO '/tmp/x'", "COPY"),
    ("postgresql", "EXPLAIN ANALYZE DELETE FROM t", "EXPLAIN"),
    ("postgresql", "SET default_transaction_read_only = off", "SET"),
    ("postgresql", "COMMIT", "COMMIT"),
    ("postgresql", "SELECT FROM WHERE (", "does not parse"),
    ("mariadb", "SELECT * FROM t INTO OUTFILE '/tmp/x'", "INTO is not allowed"),
    ("mariadb", "SELECT a INTO DUMPFILE '/tmp/x' FROM t", "INTO is not allowed"),
    ("mariadb", "SELECT 1 /*!50000 , sys_exec('id') */ FROM t", "executable comment"),
    ("mariadb", "SELECT 1 /*M! , sys_exec('id') */ FROM t", "executable comment"),
    ("mariadb", "SELECT sys_exec('id')", "function sys_exec"),
    ("mariadb", "SELECT load_file('/etc/passwd')", "function load_file"),
    ("mariadb", "SELECT sleep(100)", "function sleep"),
    ("mariadb", "SELECT get_lock('x', 10)", "function get_lock"),
    ("sqlite", "SELECT load_extension('/tmp/evil.so')", "function load_extension"),
    ("sqlite", "ATTACH DATABASE '/tmp/x.db' AS x", "ATTACH"),
    ("sqlite", "VACUUM INTO '/tmp/x.db'", "VACUUM"),
    ("sqlite", "PRAGMA query_only = 0", "PRAGMA"),
    ("sqlite", "DELETE FROM records RETURNING *", "DELETE"),
    ("sqlite", "VALUES (1)", "VALUES"),
    ("sqlite", "SELEC nonsense", "is not a SELECT"),
]


@pytest.mark.parametrize("database, query, named", REFUSED)
def test_the_guard_refuses_what_could_write_or_escape(
    database: str, query: str, named: str
) -> None:
    with pytest.raises(InputError) as caught:
        check_query(query, database)
    message = caught.value.message
    assert message.startswith("sql connector: option 'query' (")
    assert named in message
    label = {"postgresql": "PostgreSQL", "mariadb": "MariaDB/MySQL", "sqlite": "SQLite"}
    assert f"({label[database]})" in message


def test_a_refused_function_names_the_allow_list_shortened() -> None:
    with pytest.raises(InputError) as caught:
        check_query("SELECT dblink_exec('a', 'b')", "postgresql")
    message = caught.value.message
    assert "function dblink_exec is not allowed in an audit query (allowed: abs, " in message
    assert "more (see the connectors documentation)" in message


ALLOWED = [
    (
        "postgresql",
        "SELECT a::int, CAST(b AS text), substr(a, 1, 2), length(a), a ~ 'x', a ~* 'y', "
        "upper(trim(a)), coalesce(a, '') || 'x', to_char(d, 'YYYY'), date_trunc('day', d), "
        "extract(year FROM d), now(), d - interval '1 day', split_part(a, '-', 1), "
        "regexp_replace(a, 'x', 'y'), string_agg(a, ','), count(*) FILTER (WHERE a > '1'), "
        "row_number() OVER (PARTITION BY a ORDER BY b) FROM s.t WHERE a LIKE 'WM%' "
        "AND d::date > '2020-01-01' AND a IN (SELECT b FROM u) GROUP BY 1 HAVING count(*) > 1",
    ),
    ("postgresql", "WITH a AS (SELECT 1 AS x) SELECT x FROM a UNION ALL SELECT 2"),
    ("postgresql", "SELECT t.a, u.b FROM t JOIN u ON t.id = u.id LEFT JOIN v USING (id)"),
    (
        "mariadb",
        "SELECT date_format(d, '%Y'), concat(a, b), ifnull(a, b), str_to_date(a, '%d/%m/%Y'), "
        "datediff(a, b), locate('x', a), cast(a AS char), year(d) FROM t WHERE a REGEXP 'x'",
    ),
    (
        "sqlite",
        "SELECT strftime('%Y', a), ifnull(a, b), iif(a, 1, 2), typeof(a), julianday(a), "
        "substr(a, 1, 2), a || b, date(a) FROM t WHERE a GLOB 'x*' -- a comment",
    ),
]


@pytest.mark.parametrize("database, query", ALLOWED)
def test_the_guard_passes_ordinary_audit_queries(database: str, query: str) -> None:
    check_query(query, database)


@pytest.mark.parametrize("table", ["records", "pnc.nominals", "Custody_2024"])
def test_plain_table_names_pass(table: str) -> None:
    assert check_table(table)[1] == table.rpartition(".")[2]


@pytest.mark.parametrize(
    "table", ["records; DROP TABLE records", "a.b.c", "t --", "(SELECT 1)", '"x"', ""]
)
def test_a_table_that_is_not_plain_identifiers_is_refused(table: str) -> None:
    with pytest.raises(InputError, match="option 'table' must be a table or view name"):
        check_table(table)


# --- PostgreSQL: dblink_exec ----------------------------------------------------------------


def _dblink_schema(url: str, request: pytest.FixtureRequest) -> str | None:
    """The schema holding dblink, installed into a schema of our own if need be; None
    when the contrib package is not installed on this server."""
    schema = f"dq_guard_{uuid.uuid4().hex[:8]}"
    available = _sql(url, "SELECT count(*) FROM pg_available_extensions WHERE name = 'dblink'")
    if not available:
        return None
    # dblink is one per database: hold a lock while this test installs, uses and drops it,
    # so another test process (or another run on the same server) waits its turn
    engine = sa.create_engine(url)
    holder = engine.connect()
    holder.execute(sa.text("SELECT pg_advisory_lock(7366917)"))
    holder.commit()

    def release() -> None:
        holder.execute(sa.text("SELECT pg_advisory_unlock(7366917)"))
        holder.close()
        engine.dispose()

    request.addfinalizer(release)
    installed = _sql(
        url,
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'dblink'",
    )
    if installed:
        return str(installed)
    _sql(url, f"CREATE SCHEMA {schema}")
    _sql(url, f"CREATE EXTENSION IF NOT EXISTS dblink SCHEMA {schema}")

    def remove() -> None:
        _sql(url, "DROP EXTENSION IF EXISTS dblink")
        _sql(url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    request.addfinalizer(remove)
    return schema


# dblink is installed once per database, not per schema: the tests that install and drop
# it run in one test process, one after another
DBLINK = pytest.mark.xdist_group("postgres-dblink")


@DBLINK
@pytest.mark.parametrize("mode", ["pull", "pushdown"])
def test_dblink_exec_cannot_delete_through_an_audit(
    pg_url: str, request: pytest.FixtureRequest, tmp_path: Path, mode: str
) -> None:
    table = f"records_{uuid.uuid4().hex[:10]}"
    create_table(pg_url, "postgresql", table)
    request.addfinalizer(lambda: drop_table(pg_url, table))
    schema = _dblink_schema(pg_url, request)
    function = f"{schema}.dblink_exec" if schema else "dblink_exec"
    connection = sa.make_url(pg_url)
    remote = f"dbname={connection.database} user={connection.username} host={connection.host}"
    query = f"query=SELECT t.*, {function}('{remote}', 'DELETE FROM {table}') AS x FROM {table} t"
    result = _check(tmp_path, f"url={pg_url}", query, f"mode={mode}")
    assert result.exit_code == 2, result.output
    assert "function dblink_exec is not allowed in an audit query" in result.stderr
    assert int(_sql(pg_url, f"SELECT count(*) FROM {table}")) == len(ROWS)


@DBLINK
def test_dblink_exec_writes_through_a_read_only_session_so_the_guard_is_needed(
    pg_url: str, request: pytest.FixtureRequest
) -> None:
    """Why the guard exists: the read-only transaction alone lets dblink_exec write."""
    schema = _dblink_schema(pg_url, request)
    if schema is None:
        pytest.skip("the dblink extension (postgresql-contrib) is not installed on this server")
    table = f"records_{uuid.uuid4().hex[:10]}"
    create_table(pg_url, "postgresql", table)
    request.addfinalizer(lambda: drop_table(pg_url, table))
    connection = sa.make_url(pg_url)
    remote = f"dbname={connection.database} user={connection.username} host={connection.host}"
    engine = open_engine(sql_target(pg_url, 30))
    try:
        with engine.connect() as session:
            session.execute(
                sa.text(f"SELECT {schema}.dblink_exec(:remote, :statement)"),
                {"remote": remote, "statement": f"DELETE FROM {table} WHERE ref = 'R01'"},
            )
    finally:
        engine.dispose()
    assert int(_sql(pg_url, f"SELECT count(*) FROM {table}")) == len(ROWS) - 1


# --- MariaDB: SELECT ... INTO OUTFILE -------------------------------------------------------


@pytest.mark.parametrize("mode", ["pull", "pushdown"])
@pytest.mark.parametrize("into", ["INTO OUTFILE", "INTO DUMPFILE"])
def test_select_into_outfile_writes_no_file(
    mysql_url: str, request: pytest.FixtureRequest, tmp_path: Path, mode: str, into: str
) -> None:
    table = f"records_{uuid.uuid4().hex[:10]}"
    create_table(mysql_url, "mariadb", table)
    request.addfinalizer(lambda: drop_table(mysql_url, table))
    target = Path(f"/tmp/dqaudit_outfile_{uuid.uuid4().hex}")
    columns = "ref" if into == "INTO DUMPFILE" else "*"
    query = f"query=SELECT {columns} FROM {table} {into} '{target}'"
    result = _check(tmp_path, f"url={mysql_url}", query, f"mode={mode}")
    assert result.exit_code == 2, result.output
    assert "INTO is not allowed in an audit query" in result.stderr
    assert "(MariaDB/MySQL)" in result.stderr
    assert not target.exists()


def test_an_executable_comment_is_refused_on_mariadb(mysql_url: str, tmp_path: Path) -> None:
    table = f"records_{uuid.uuid4().hex[:10]}"
    create_table(mysql_url, "mariadb", table)
    try:
        target = Path(f"/tmp/dqaudit_outfile_{uuid.uuid4().hex}")
        query = f"query=SELECT * FROM {table} /*!50000 INTO OUTFILE '{target}' */"
        result = _check(tmp_path, f"url={mysql_url}", query)
        assert result.exit_code == 2, result.output
        assert "executable comment" in result.stderr
        assert not target.exists()
    finally:
        drop_table(mysql_url, table)


# --- SQLite: ATTACH and VACUUM INTO, by the guard and by the authorizer ---------------------


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "records.db"
    create_table(f"sqlite:///{path}", "sqlite", "records")
    return path


@pytest.mark.parametrize(
    "statement, named",
    [("ATTACH DATABASE '{file}' AS other", "ATTACH"), ("VACUUM INTO '{file}'", "VACUUM")],
)
def test_sqlite_attach_and_vacuum_into_create_no_file(
    sqlite_db: Path, tmp_path: Path, statement: str, named: str
) -> None:
    created = tmp_path / "created.db"
    url = f"sqlite:///{sqlite_db}"
    # the guard, through the CLI
    result = _check(tmp_path, f"url={url}", "query=" + statement.format(file=created))
    assert result.exit_code == 2, result.output
    assert named in result.stderr and "(SQLite)" in result.stderr
    assert not created.exists()
    # the authorizer, through the connector's own session
    target = sql_target(url, 30)
    engine = open_engine(target)
    try:
        with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as session:
            session.exec_driver_sql(statement.format(file=created))
    finally:
        engine.dispose()
    assert re.search("not authorized|authorization denied", str(caught.value))
    assert "read-only session refused it" in database_error(caught.value, target).message
    assert not created.exists()


@pytest.mark.parametrize(
    "statement",
    [
        "PRAGMA query_only = 0",
        "PRAGMA writable_schema = 1",
        "SELECT load_extension('/nonexistent/evil')",
        "CREATE TEMP TABLE scratch (a)",
        "DETACH DATABASE main",
        "INSERT INTO records (ref) VALUES ('X')",
    ],
)
def test_the_sqlite_authorizer_denies_writes_and_setting_changes(
    sqlite_db: Path, statement: str
) -> None:
    engine = open_engine(sql_target(f"sqlite:///{sqlite_db}", 30))
    try:
        with engine.connect() as session:
            with pytest.raises(sa.exc.DBAPIError, match=r"not authorized|authorization denied"):
                session.exec_driver_sql(statement)
            assert session.exec_driver_sql("PRAGMA query_only").scalar() == 1
    finally:
        engine.dispose()
    assert int(_sql(f"sqlite:///{sqlite_db}", "SELECT count(*) FROM records")) == len(ROWS)


def test_the_sqlite_authorizer_still_lets_an_audit_read(sqlite_db: Path) -> None:
    engine = open_engine(sql_target(f"sqlite:///{sqlite_db}", 30))
    try:
        with engine.connect() as session:
            rows = session.exec_driver_sql("SELECT upper(ref) FROM records").fetchall()
            described = session.exec_driver_sql('PRAGMA main.table_info("records")').fetchall()
            names: Any = sa.inspect(session).get_columns("records")
    finally:
        engine.dispose()
    assert len(rows) == len(ROWS) and described and names
