"""Derived datasets built inside the database, for a dataset validated there (pushdown).

A suite whose dataset is read with pushdown keeps its records in the database: reading
them into pandas to add a derived column would defeat the point (and the memory bound).
Where every step of its derivation has a SQL form (``derived_kinds.Kind.sql``: today
``reference_exists``) and every input is itself read with pushdown from the *same*
database, the derived dataset is one SELECT over the dataset's own::

    SELECT d.col1, d.col2, ..., CASE WHEN ... EXISTS (SELECT ... FROM (<input's SELECT>)
           AS dqaudit_input_1_1 WHERE ...) THEN 'Y' ELSE 'N' END AS pnc_id_on_pnc
    FROM (<the dataset's SELECT>) AS dqaudit_derived

(PostgreSQL; an ``IN (SELECT ...)`` on SQLite and MariaDB, see ``integrity``), one level
per step, so a step may read the columns an earlier one added. It is built with
SQLAlchemy: table and column names come from the extracts and the suite and are quoted by
SQLAlchemy for the dialect, and the only literals rendered inline are dqaudit's own
('Y', 'N'). The dataset's and the inputs' SELECTs are the connector's (a quoted table, or
a user's query the query guard has passed), and the whole statement is passed through the
query guard again before it is used, so it reads as any audit query must. The SQL backend
then runs the plan on it like any other query: rows, keys and failing keys stay the
dataset's own, as on pandas.

Anything else is refused with an error naming the suite, the kind and the input, and what
to change: read the dataset with ``mode: pull`` (the derivation then runs on pandas).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from dqaudit.connectors.base import DatabaseExtract, Extract
from dqaudit.connectors.query_guard import check_query
from dqaudit.connectors.sql_session import same_database
from dqaudit.errors import EngineError, InputError
from dqaudit.expectations.rules import derived_kinds
from dqaudit.expectations.rules.references import ReferenceFile, derivation_input
from dqaudit.expectations.rules.sql import engine_name

TEXT_TYPE = "text"  # what column_types says of a derived column (the CASE gives text)
PULL = (
    "read the dataset and its inputs into memory (sql connector mode: pull), and the "
    "derivation runs on pandas"
)


def derive_in_database(
    suite: Any, extract: DatabaseExtract, steps: Sequence[Any], load: Callable[[str], Extract]
) -> tuple[DatabaseExtract, list[ReferenceFile]]:
    """The dataset's extract with every step's columns added by its SELECT, and the
    fingerprints of the inputs read (as the pandas path records them)."""
    for step in steps:
        kind = derived_kinds.KINDS.get(step.kind)
        if kind is None or kind.sql is None:
            inputs = ", ".join(f"'{v}'" for v in step.inputs.values())
            reading = f" (reading {inputs})" if inputs else ""
            raise InputError(
                f"{suite.source}: meta.dqaudit.derivation ({step.kind}){reading} builds its "
                f"columns in memory (pandas), and dataset {extract.fingerprint.source} is "
                f"validated in its database (pushdown); {PULL}"
            )
    read, references = _inputs(suite, extract, steps, load)
    engine = engine_name(extract.target.dialect)
    dialect = _dialect(extract)
    columns = list(extract.fingerprint.columns)
    select_sql = extract.select_sql
    for level, step in enumerate(steps, start=1):
        needs = {name: list(wanted) for name, wanted in step.options.required().items()}
        _require(columns, needs.pop("", []), suite, step.kind, "the dataset")
        subqueries = {}
        for number, (name, dataset) in enumerate(step.inputs.items(), start=1):
            loaded = read[dataset]
            available = list(loaded.fingerprint.columns)
            _require(available, needs.get(name, []), suite, step.kind, f"input '{name}'")
            alias = f"dqaudit_input_{level}_{number}"
            subqueries[name] = _subquery(loaded.select_sql, available, alias)
        alias = "dqaudit_derived" if level == 1 else f"dqaudit_derived_{level}"
        source = _subquery(select_sql, columns, alias)
        sql_form = derived_kinds.KINDS[step.kind].sql
        assert sql_form is not None  # checked above
        added = sql_form(source, subqueries, step.options, engine)
        for column in added:
            if column.name in columns:
                raise InputError(
                    f"{suite.source}: derivation {step.kind} would add column '{column.name}', "
                    "which the dataset already has"
                )
        statement = sa.select(*source.c, *added)
        select_sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        columns += [str(column.name) for column in added]
    _guard(suite, extract, select_sql)
    new = columns[len(extract.fingerprint.columns) :]
    derived = dataclasses.replace(
        extract,
        fingerprint=dataclasses.replace(extract.fingerprint, columns=columns),
        select_sql=select_sql,
        # the SQL backend reads a query's rows through select_sql (GX included); the table
        # name stays, for the catalogue's column types and the run's label
        query=select_sql,
        column_types={**extract.column_types, **dict.fromkeys(new, TEXT_TYPE)},
    )
    return derived, references


def _inputs(
    suite: Any, extract: DatabaseExtract, steps: Sequence[Any], load: Callable[[str], Extract]
) -> tuple[dict[str, DatabaseExtract], list[ReferenceFile]]:
    """Each input once, read with pushdown from the dataset's own database."""
    inputs: dict[str, DatabaseExtract] = {}
    references: list[ReferenceFile] = []
    for step in steps:
        for name, dataset in step.inputs.items():
            if dataset in inputs:
                continue
            loaded = load(dataset)
            if not isinstance(loaded, DatabaseExtract):
                raise InputError(
                    input_in_memory(suite, step.kind, name, dataset, extract.fingerprint.source)
                )
            if not same_database(loaded.target, extract.target):
                raise InputError(
                    input_elsewhere(
                        suite,
                        step.kind,
                        name,
                        dataset,
                        loaded.target.display,
                        extract.target.display,
                    )
                )
            inputs[dataset] = loaded
            references.append(derivation_input(dataset, loaded.fingerprint))
    return inputs, references


def input_in_memory(suite: Any, kind: str, name: str, dataset: str, source: str) -> str:
    """Why an input read into memory cannot feed a derivation in the database."""
    return (
        f"{suite.source}: meta.dqaudit.derivation ({kind}) input '{name}' ({dataset}) is read "
        f"into memory, but the dataset ({source}) is validated in its database (pushdown); "
        f"read '{dataset}' with the sql connector's mode: pushdown from the same database, "
        f"or {PULL}"
    )


def input_elsewhere(
    suite: Any, kind: str, name: str, dataset: str, database: str, dataset_database: str
) -> str:
    """Why an input in another database cannot feed a derivation in the database."""
    return (
        f"{suite.source}: meta.dqaudit.derivation ({kind}) input '{name}' ({dataset}) is in "
        f"another database ({database}) than the dataset ({dataset_database}), and one query "
        f"cannot read both; {PULL}"
    )


def _subquery(select_sql: str, columns: list[str], alias: str) -> Any:
    """A SELECT's text as a subquery with named columns; its colons are not parameters."""
    text = sa.text(select_sql.replace(":", "\\:"))
    return text.columns(*[sa.column(c) for c in columns]).subquery(alias)


def _dialect(extract: DatabaseExtract) -> Any:
    """The database's SQLAlchemy dialect, to compile for (no connection needed). Named
    parameters, so a ``%`` in the dataset's query is never doubled for the driver: the
    text is SQL as the database reads it, as a connector's ``select_sql`` is."""
    dialect: Any = sa.engine.make_url(extract.target.engine_url).get_dialect()
    return dialect(paramstyle="named")


def _require(columns: list[str], needed: list[str], suite: Any, kind: str, what: str) -> None:
    for column in needed:
        if column not in columns:
            shown = ", ".join(columns[:30])
            raise InputError(
                f"{suite.source}: derivation {kind} needs column '{column}' in {what}; "
                f"its columns are: {shown} (set it in meta.dqaudit.derivation.options)"
            )


def _guard(suite: Any, extract: DatabaseExtract, select_sql: str) -> None:
    """The derived SELECT must pass the query guard, as a user's query must."""
    try:
        check_query(select_sql, extract.target.dialect)
    except InputError as exc:
        raise EngineError(
            f"{suite.source}: the derived dataset's query was refused by the query guard "
            f"({exc.message}); this is a fault in dqaudit, not in the suite"
        ) from None
