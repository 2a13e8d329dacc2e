"""The SQL backend: audit plans run inside the database (pushdown).

The plan's helper columns are added to the extract's SELECT as SQL expressions (typed
conversions and row conditions, see sql_eval), GX validates that query in the database
for outcomes and counts, and each failing rule's keys are streamed out with one keyed
SELECT built from GX's own condition over GX's own domain (on PostgreSQL that SELECT is
opened first and counts the rule for GX: gx_sql._open_listings). Only failing keys and
the columns the rule reads, for failing rows, ever leave the database. Sessions are the
connector's read-only ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dqaudit.connectors.base import DatabaseExtract, DatabaseTarget
from dqaudit.engine.backend import (
    KEY_SEPARATOR,
    FailingRecord,
    HelperCounts,
    RuleWarning,
    key_text,
    plain,
)
from dqaudit.engine.keys import duplicate_warning
from dqaudit.engine.plan import AuditPlan, ColumnKind, ExtractSchema, PlannedRule
from dqaudit.engine.sql_eval import SqlHelpers, definite, register_sqlite_functions, sa_text
from dqaudit.errors import DqauditError, InputError
from dqaudit.expectations import gx_adapter, gx_sql
from dqaudit.expectations.rules import sql as sql_rules
from dqaudit.expectations.rules.sql import engine_name

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


_BLANK = object()  # a measure's label: the rows whose key part is blank


class SqlBackend:
    """Runs plans on a DatabaseExtract, in its database."""

    def __init__(self, extract: DatabaseExtract) -> None:
        self.extract = extract
        self.engine = engine_name(extract.target.dialect)
        self.target = _with_functions(extract.target) if self.engine == "sqlite" else extract.target

    def schema(self) -> ExtractSchema:
        return ExtractSchema(
            source=self.extract.fingerprint.source,
            columns=tuple(self.extract.fingerprint.columns),
            engine=self.engine,
            has_lines=False,
            kinds=self._kinds(),
        )

    def _kinds(self) -> dict[str, ColumnKind]:
        """Column kinds of a table from the database's catalogue; a query's columns are
        read as text (always correct, since text goes through the grammar; only slower)."""
        if self.engine == "sqlite" or not self.extract.table:
            return {}
        with self._errors(), _engine(self.target) as engine:
            columns = sa.inspect(engine).get_columns(self.extract.table, self.extract.schema)
        kinds: dict[str, ColumnKind] = {}
        for column in columns:
            kind = column["type"]
            if isinstance(kind, sa.DateTime | sa.Date) and not getattr(kind, "timezone", False):
                kinds[column["name"]] = "datetime"
            elif isinstance(kind, sa.Integer | sa.Numeric) and not isinstance(kind, sa.Boolean):
                kinds[column["name"]] = "number"
            elif isinstance(kind, sa.String | sa.Text):
                kinds[column["name"]] = "text"
            else:
                kinds[column["name"]] = "other"
        return kinds

    @contextmanager
    def open(self, plan: AuditPlan) -> Iterator[PreparedSql]:
        helpers = SqlHelpers(self.engine, plan.schema.kinds)
        with self._errors():
            with _engine(self.target) as engine, engine.connect() as connection:
                dialect = connection.dialect  # initialised: knows the server's version
                counts = self._helper_counts(plan, helpers, connection)
            rows = [r.check for r in plan.rules if not r.schema_rule]
            schema_rules = [r.check for r in plan.rules if r.schema_rule]
            outcomes: dict[int, gx_adapter.GxOutcome] = {}
            if schema_rules:
                with gx_sql.validate_sql(self._asset(None), schema_rules) as validation:
                    outcomes.update(validation.outcomes)
            query = _helper_query(self.extract, plan, helpers, dialect)
            listed = {
                r.position: (plan.key_columns, r.reads)
                for r in plan.rules
                if r.row_level and not r.schema_rule
            }
            counted: dict[str | None, int] = {None: self.extract.fingerprint.rows}
            counted.update(counts.selected)
            with gx_sql.validate_sql(
                self._asset(query), rows, listed, row_counts=counted
            ) as validation:
                outcomes.update(validation.outcomes)
                prepared = PreparedSql(self, plan, validation, outcomes, counts)
                prepared.key_warnings = self._duplicate_keys(plan, outcomes)
                yield prepared

    def _asset(self, query: str | None) -> gx_sql.SqlAsset:
        extract = self.extract
        if query is None and extract.query is not None:
            query = extract.select_sql
        return gx_sql.SqlAsset(
            connection_string=self.target.engine_url,
            engine_kwargs=self.target.engine_kwargs,
            table=None if query is not None else extract.table,
            schema=None if query is not None else extract.schema,
            query=None if query is None else query.replace(":", "\\:"),
        )

    def _duplicate_keys(
        self, plan: AuditPlan, outcomes: dict[int, gx_adapter.GxOutcome]
    ) -> list[str]:
        """Keys shared by several rows are a warning, as on pandas (keys.duplicate_warning)."""
        if not plan.key_columns:
            return []
        shared = self._shared_by_gx(plan, outcomes)
        if shared is None:
            source = (
                sa.text(self.extract.select_sql)
                .columns(*[sa.column(c) for c in plan.key_columns])
                .subquery("dqaudit_keys")
            )
            parts = [
                sql_rules.exact(sa_text(source.c[n], self.engine), self.engine)
                for n in plan.key_columns
            ]
            groups = (
                sa.select(sa.func.count().label("n"))
                .select_from(source)
                .group_by(*parts)
                .having(sa.func.count() > 1)
                .subquery("dqaudit_shared")
            )
            with _engine(self.target) as engine, engine.connect() as connection:
                shared = connection.execute(sa.select(sa.func.sum(groups.c.n))).scalar()
        return [duplicate_warning(plan.key_columns, int(shared))] if shared else []

    def _shared_by_gx(
        self, plan: AuditPlan, outcomes: dict[int, gx_adapter.GxOutcome]
    ) -> int | None:
        """Rows sharing a key, as GX counted them for a uniqueness rule over exactly the
        key column, where that count is provably the same number: one text key column on
        PostgreSQL (whose text equality is the cast's; no key part is blank, checked
        first), the rule with no row condition. Saves a GROUP BY over the whole table."""
        if self.engine != "postgresql" or len(plan.key_columns) != 1:
            return None
        (key,) = plan.key_columns
        if plan.schema.kinds.get(key) != "text":
            return None
        for rule in plan.rules:
            check = rule.check
            if (
                not rule.schema_rule
                and check.expectation_type == "expect_column_values_to_be_unique"
                and check.kwargs.get("column") == key
                and set(check.kwargs) <= {"column", "mostly"}
            ):
                outcome = outcomes.get(rule.position)
                if outcome is not None and outcome.error is None:
                    return outcome.unexpected_count
        return None

    def _helper_counts(self, plan: AuditPlan, helpers: SqlHelpers, connection: Any) -> HelperCounts:
        """Rows each condition selects and values the helpers cannot read, and blank key
        parts: one query. A blank key part is an input error here: a database has no
        lines to fall back on."""
        counts = HelperCounts()
        measures: list[tuple[str, Any, Any]] = []
        for name in plan.key_columns:
            key: Any = sa.column(name)
            blank = sa.or_(key.is_(None), sa_text(key, self.engine) == "")
            measures.append((name, _BLANK, blank))
        for condition in plan.condition_columns:
            selected, unreadable = helpers.condition(condition.condition)
            measures.append((condition.name, None, selected))
            measures.extend((condition.name, label, bad) for label, bad in unreadable.items())
        aggregate = {name for rule in plan.rules for name in rule.aggregate_columns}
        for typed in plan.typed_columns:
            if typed.name in aggregate:
                measures.append((typed.name, "", helpers.unreadable(typed)))
        if not measures:
            return counts
        source = (
            sa.text(self.extract.select_sql)
            .columns(*[sa.column(c) for c in plan.schema.columns])
            .subquery("dqaudit_source")
        )
        sums = [sa.func.sum(sa.case((definite(m), 1), else_=0)) for _, _, m in measures]
        statement = _bind_to(sa.select(*sums), source)
        values = connection.execute(statement).one()
        for (name, label, _), value in zip(measures, values, strict=True):
            number = int(value or 0)
            if label is _BLANK:
                if number:
                    raise InputError(
                        f"{plan.schema.source}: key column {name} is blank on {number} row(s); "
                        "a database has no lines to identify them by, so every key part must "
                        "be present"
                    )
            elif label is None:
                counts.selected[name] = number
            elif label == "":
                counts.unreadable[name] = number
            elif number:
                counts.condition_unreadable.setdefault(name, {})[label] = number
        return counts

    @contextmanager
    def _errors(self) -> Iterator[None]:
        from sqlalchemy.exc import SQLAlchemyError

        from dqaudit.connectors.sql_session import database_error

        try:
            yield
        except SQLAlchemyError as exc:
            raise database_error(exc, self.target, "pushdown: ") from None
        except DqauditError as exc:
            exc.message = self.target.scrub(exc.message)
            exc.args = (exc.message,)
            raise


class PreparedSql:
    def __init__(
        self,
        backend: SqlBackend,
        plan: AuditPlan,
        validation: gx_sql.SqlValidation,
        outcomes: dict[int, gx_adapter.GxOutcome],
        counts: HelperCounts,
    ) -> None:
        self.backend = backend
        self.plan = plan
        self.validation = validation
        self.rows = backend.extract.fingerprint.rows
        self.key_warnings: list[str] = []
        self._outcomes = {
            position: dataclasses.replace(o, error=backend.target.scrub(o.error)) if o.error else o
            for position, o in outcomes.items()
        }
        self._counts = counts

    def outcomes(self) -> dict[int, gx_adapter.GxOutcome]:
        return self._outcomes

    def rule_warnings(self, rule: PlannedRule) -> list[RuleWarning]:
        return []  # the rules that list rows for checking (timing) run on pandas only

    def helper_counts(self) -> HelperCounts:
        return self._counts

    def failing_records(self, rule: PlannedRule, batch_size: int) -> Iterator[list[FailingRecord]]:
        keys = list(self.plan.key_columns)
        values = list(rule.reads)
        selected = list(dict.fromkeys([*keys, *values]))
        width = len(keys)
        with self.backend._errors():
            for rows in self.validation.failing_rows(rule.position, keys, values, batch_size):
                yield [
                    FailingRecord(
                        KEY_SEPARATOR.join(key_text(part) for part in row[:width]),
                        {name: plain(row[selected.index(name)]) for name in values},
                    )
                    for row in rows
                ]


def _helper_query(
    extract: DatabaseExtract, plan: AuditPlan, helpers: SqlHelpers, dialect: Any
) -> str | None:
    """The extract's SELECT with the helper columns added, as SQL text for GX."""
    expressions: list[Any] = []
    for typed in plan.typed_columns:
        expressions.append(helpers.typed(typed).label(typed.name))
    for condition in plan.condition_columns:
        selected, _ = helpers.condition(condition.condition)
        expressions.append(sa.case((selected, 1), else_=0).label(condition.name))
    for regex in plan.regex_columns:
        expressions.append(helpers.regex(regex).label(regex.name))
    if not expressions:
        return None
    source = (
        sa.text(extract.select_sql)
        .columns(*[sa.column(c) for c in plan.schema.columns])
        .subquery("dqaudit_source")
    )
    statement = _bind_to(sa.select(*source.c, *expressions), source)
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _bind_to(statement: Any, source: Any) -> Any:
    """Point the helpers' bare column references at the source subquery."""
    from sqlalchemy.sql import visitors

    def replace(element: Any) -> Any:
        bare = isinstance(element, sa.sql.elements.ColumnClause) and element.table is None
        return source.c[element.name] if bare and element.name in source.c else None

    return visitors.replacement_traverse(statement, {}, replace)  # type: ignore[call-overload]


def _with_functions(target: DatabaseTarget) -> DatabaseTarget:
    """SQLite connections that know the text grammar as SQL functions."""
    creator = target.engine_kwargs.get("creator")
    if creator is None:
        return target

    def connect() -> Any:
        return register_sqlite_functions(creator())

    return dataclasses.replace(target, engine_kwargs={**target.engine_kwargs, "creator": connect})


@contextmanager
def _engine(target: DatabaseTarget) -> Iterator[Engine]:
    from dqaudit.connectors.sql_session import open_engine

    engine = open_engine(target)
    try:
        yield engine
    finally:
        engine.dispose()
