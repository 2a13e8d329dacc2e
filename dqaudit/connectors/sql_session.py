"""Read-only database sessions for the ``sql`` connector, and errors without passwords.

Audits only read records systems, and that is enforced by the database session itself,
not by inspecting SQL (which misses data-modifying CTEs such as
``WITH gone AS (DELETE ... RETURNING *) SELECT ...``):

- PostgreSQL: ``default_transaction_read_only=on`` (and ``statement_timeout``) are set as
  connection options, so every transaction of the session is read-only;
- MariaDB/MySQL: the session is made read-only (``tx_read_only``/``transaction_read_only``,
  and ``max_statement_time``/``max_execution_time``) by the driver's init command;
- SQLite: the file is opened with ``mode=ro`` (and ``PRAGMA query_only``), extension
  loading is off, and an authorizer on every connection denies ATTACH/DETACH (which
  ``VACUUM INTO`` also uses to create its file), every write, schema change and setting
  change, and the ``load_extension`` function.

A read-only transaction does not stop every write (``dblink_exec`` opens a second session;
``SELECT ... INTO OUTFILE`` writes a server file), so a user's query is also checked
before it is sent: see query_guard.

The same connection arguments are handed to Great Expectations for pushdown, so GX's own
engine is read-only too. Other databases are refused rather than trusted.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from dqaudit.connectors.base import DatabaseTarget
from dqaudit.credentials import safe_url
from dqaudit.errors import DqauditError, EngineError, InputError

CONNECT_TIMEOUT_S = 15
SUPPORTED = ("postgresql", "mysql", "mariadb", "sqlite")
# What the database says when a statement tried to write in a read-only session.
READ_ONLY_SIGNS = (
    "read-only transaction",  # PostgreSQL (SQLSTATE 25006)
    "read only transaction",  # MariaDB/MySQL 1792
    "readonly database",  # SQLite
    "attempt to write",  # SQLite
    "query_only",  # SQLite PRAGMA query_only
    "not authorized",  # SQLite: the audit session's authorizer denied it
    "authorization denied",  # SQLite: the same, for a statement that attaches (VACUUM INTO)
    "data-modifying statement",  # PostgreSQL: a writing CTE inside a cursor or subquery
)
TIMEOUT_SIGNS = (
    "statement timeout",  # PostgreSQL 57014
    "max_statement_time",  # MariaDB 1969
    "maximum statement execution time",  # MySQL 3024
    "interrupted",  # SQLite progress handler
)

# What the database says about a query that names something wrong (bad input, not a fault).
QUERY_SIGNS = (
    "no such table",
    "no such column",
    "syntax error",
    "does not exist",
    "doesn't exist",
    "unknown column",
)


SqlTarget = DatabaseTarget  # the sql connector's name for it


def sql_target(url: str, timeout: float | None, base_dir: Path | None = None) -> SqlTarget:
    """Check the URL and work out the read-only session settings for its database."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    display = safe_url(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise InputError(f"sql connector: '{display}' is not a database URL") from None
    backend = parsed.get_backend_name()
    password = str(parsed.password) if parsed.password else None
    if backend not in SUPPORTED:
        raise InputError(
            f"sql connector: {display}: read-only sessions are enforced only for "
            f"PostgreSQL, MariaDB/MySQL and SQLite, not '{backend}'; audits never risk "
            "writing to a records system"
        )
    target = SqlTarget(url, display, backend, url, {}, timeout, password)
    if backend == "sqlite":
        return _sqlite_target(target, parsed, base_dir)
    if backend == "postgresql":
        return _postgres_target(target, parsed)
    return _mysql_target(target, parsed)


def _postgres_target(target: SqlTarget, parsed: Any) -> SqlTarget:
    # standard_conforming_strings: backslashes in '...' are plain characters, as the query
    # guard's parser reads them, so a quote cannot mean one thing to each of them
    settings = ["-c default_transaction_read_only=on", "-c standard_conforming_strings=on"]
    if target.timeout:
        settings.append(f"-c statement_timeout={int(target.timeout * 1000)}")
    connect_args = {
        "options": " ".join(settings),
        "connect_timeout": CONNECT_TIMEOUT_S,
        # Always the extended protocol: a query string can then hold ONE statement, so
        # "...; COMMIT; BEGIN READ WRITE; DELETE ..." cannot step out of the read-only
        # transaction (psycopg would otherwise send a parameterless string as is).
        "prepare_threshold": 0,
    }
    return _with(target, target.url, {"connect_args": connect_args})


def _mysql_target(target: SqlTarget, parsed: Any) -> SqlTarget:
    """MariaDB and MySQL name the read-only and timeout variables differently: ask first."""
    import sqlalchemy as sa

    probe = _create_engine(target, target.url, {"connect_args": _mysql_timeouts()})
    try:
        with probe.connect() as connection:
            version = str(connection.execute(sa.text("SELECT VERSION()")).scalar())
    except sa.exc.SQLAlchemyError as exc:
        raise database_error(exc, target, "cannot connect: ") from None
    finally:
        probe.dispose()
    if "mariadb" in version.lower():
        settings = ["tx_read_only = 1"]
        if target.timeout:
            settings.append(f"max_statement_time = {float(target.timeout)}")
    else:
        settings = ["transaction_read_only = 1"]
        if target.timeout:
            settings.append(f"max_execution_time = {int(target.timeout * 1000)}")
    connect_args = {**_mysql_timeouts(), "init_command": "SET SESSION " + ", ".join(settings)}
    return _with(target, target.url, {"connect_args": connect_args})


def _mysql_timeouts() -> dict[str, Any]:
    return {"connect_timeout": CONNECT_TIMEOUT_S}


def _sqlite_target(target: SqlTarget, parsed: Any, base_dir: Path | None) -> SqlTarget:
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise InputError(
            f"sql connector: {target.display}: give the path of an SQLite database file"
        )
    path = Path(database)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        raise InputError(f"sql connector: SQLite database file not found: {path}")
    return _with(
        target,
        "sqlite://",
        {"creator": _SqliteReadOnly(str(path.resolve()), target.timeout)},
    )


class _SqliteReadOnly:
    """Opens the file read-only (``mode=ro``); a timeout interrupts statements that overrun.

    SQLite has no statement timeout, so a progress handler interrupts work once the
    connection has been open longer than ``timeout``: for SQLite the limit covers the read.
    """

    def __init__(self, path: str, timeout: float | None) -> None:
        self.path = path
        self.timeout = timeout

    def __call__(self) -> sqlite3.Connection:
        uri = f"file:{quote(self.path)}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        connection.execute("PRAGMA query_only = 1")
        if hasattr(connection, "enable_load_extension"):  # absent where SQLite lacks it
            connection.enable_load_extension(False)
        connection.set_authorizer(sqlite_authorizer)
        if self.timeout:
            deadline = time.monotonic() + self.timeout
            connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        return connection


# What an audit session may do on SQLite: read tables and call functions (not
# load_extension), and read settings or table descriptions with PRAGMA.
_SQLITE_ALLOWED_ACTIONS = frozenset(
    {
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_FUNCTION,
        sqlite3.SQLITE_PRAGMA,
        sqlite3.SQLITE_TRANSACTION,
        sqlite3.SQLITE_SAVEPOINT,
        getattr(sqlite3, "SQLITE_RECURSIVE", 33),
    }
)
# PRAGMAs that take a table or index name and only describe it (SQLAlchemy uses them).
_SQLITE_DESCRIBING_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
    }
)
_SQLITE_DENIED_FUNCTIONS = frozenset({"load_extension", "writefile", "readfile", "edit"})


def sqlite_authorizer(
    action: int, first: str | None, second: str | None, database: str | None, trigger: str | None
) -> int:
    """SQLite's authorizer for audit sessions: anything not a read is denied.

    ATTACH and DETACH are denied (``VACUUM INTO`` attaches its output file, so it is
    denied too), as are INSERT/UPDATE/DELETE, CREATE/DROP/ALTER, REINDEX, ANALYZE and
    virtual tables; a PRAGMA may read a setting but not change one.
    """
    if action not in _SQLITE_ALLOWED_ACTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION:
        name = (second or "").lower()
        return sqlite3.SQLITE_DENY if name in _SQLITE_DENIED_FUNCTIONS else sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and second is not None:
        name = (first or "").lower()
        return sqlite3.SQLITE_OK if name in _SQLITE_DESCRIBING_PRAGMAS else sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _with(target: SqlTarget, engine_url: str, kwargs: dict[str, Any]) -> SqlTarget:
    return SqlTarget(
        target.url,
        target.display,
        target.dialect,
        engine_url,
        kwargs,
        target.timeout,
        target.password,
    )


def same_database(first: SqlTarget, second: SqlTarget) -> bool:
    """Whether one statement in a session on ``first`` reads what ``second`` names.

    The same SQLite file; otherwise the same URL (server, database, user and options such
    as a search path, which decide what an unqualified table name means).
    """
    from sqlalchemy.engine import make_url

    if first.dialect != second.dialect:
        return False
    if first.dialect == "sqlite":
        path = _sqlite_file(first)
        return path is not None and path == _sqlite_file(second)
    return bool(make_url(first.url) == make_url(second.url))


def _sqlite_file(target: SqlTarget) -> str | None:
    creator = target.engine_kwargs.get("creator")
    return creator.path if isinstance(creator, _SqliteReadOnly) else None


def _create_engine(target: SqlTarget, url: str, kwargs: dict[str, Any]) -> Any:
    import sqlalchemy as sa
    from sqlalchemy.exc import NoSuchModuleError

    try:
        return sa.create_engine(url, **kwargs)
    except NoSuchModuleError:
        raise InputError(f"sql connector: unsupported database URL {target.display}") from None
    except ImportError as exc:
        raise EngineError(
            f"sql connector: the database driver for {target.display} is not installed "
            f"({exc.name}); for MariaDB/MySQL: pip install 'dqaudit[mysql]'"
        ) from None


def open_engine(target: SqlTarget) -> Any:
    """An engine whose every session is read-only; checked on the first connection."""
    import sqlalchemy as sa

    engine = _create_engine(target, target.engine_url, dict(target.engine_kwargs))
    try:
        with engine.connect() as connection:
            _check_read_only(connection, target)
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise database_error(exc, target, "cannot connect: ") from None
    except DqauditError:
        engine.dispose()
        raise
    return engine


def _check_read_only(connection: Any, target: SqlTarget) -> None:
    """Defence in depth: refuse to go on if the session did not become read-only."""
    import sqlalchemy as sa

    if target.dialect == "postgresql":
        state = connection.execute(sa.text("SHOW transaction_read_only")).scalar()
        read_only = str(state).lower() == "on"
    elif target.dialect in ("mysql", "mariadb"):
        init = target.engine_kwargs["connect_args"]["init_command"]
        variable = "tx_read_only" if "tx_read_only" in init else "transaction_read_only"
        read_only = bool(connection.execute(sa.text(f"SELECT @@session.{variable}")).scalar())
    else:
        read_only = bool(connection.exec_driver_sql("PRAGMA query_only").scalar())
    if not read_only:
        raise EngineError(
            f"sql connector: {target.display}: the session could not be made read-only; "
            "refusing to read from it"
        )


def database_error(exc: BaseException, target: SqlTarget, doing: str = "") -> DqauditError:
    """A one-line error naming the database (never its password), with the right exit code."""
    original = getattr(exc, "orig", None) or exc
    reason = target.scrub(str(original).strip().splitlines()[0] if str(original).strip() else "")
    reason = reason or type(original).__name__
    lowered = reason.lower()
    if any(sign in lowered for sign in READ_ONLY_SIGNS):
        return InputError(
            f"sql connector: {target.display}: the query tries to write, and audits only "
            f"read records systems; the read-only session refused it ({reason})"
        )
    if any(sign in lowered for sign in TIMEOUT_SIGNS):
        return EngineError(
            f"sql connector: {target.display}: the query ran longer than the timeout of "
            f"{target.timeout:g} s and was cancelled; raise 'timeout' or narrow the query"
            if target.timeout
            else f"sql connector: {target.display}: the query was cancelled ({reason})"
        )
    from sqlalchemy import exc as sa_exc

    query_fault = any(sign in lowered for sign in QUERY_SIGNS)
    if (isinstance(exc, sa_exc.ProgrammingError) or query_fault) and not doing:
        return InputError(f"sql connector: {target.display}: the query failed: {reason}")
    return EngineError(f"sql connector: {target.display}: {doing}{reason}")
