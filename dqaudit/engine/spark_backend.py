"""The Spark backend: audit plans run where the data lives, on a Spark cluster.

The plan's helper columns are added to the extract's DataFrame as Spark expressions
(typed conversions and row conditions, see spark_eval), GX's Spark execution engine
validates it for outcomes and counts (BASIC, passed to ``validate()``, no samples; GX's
own persisting is off, and the backend persists only the columns the rules need, for the
length of the audit), and each failing rule's keys and columns are streamed out of GX's
own domain and condition, ordered by key, with ``toLocalIterator`` in batches: only the
failing keys and the rule's columns, for failing rows, ever reach the driver, one batch
at a time. The runner checks their number against GX's ``unexpected_count``.

Spark has no lines: a dataset names its key, and a blank key part is an input error, as
on the database backends. Nothing here imports pyspark until a plan is opened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from dqaudit.engine.backend import (
    KEY_SEPARATOR,
    FailingRecord,
    HelperCounts,
    RuleWarning,
    key_text,
    plain,
)
from dqaudit.engine.plan import AuditPlan, ExtractSchema, PlannedRule
from dqaudit.engine.spark_eval import SparkHelpers, column, column_kinds, definite
from dqaudit.errors import DqauditError, EngineError, InputError
from dqaudit.timezones import DEFAULT_TIMEZONE

if TYPE_CHECKING:
    from dqaudit.connectors.spark import SparkExtract

SPARK = "spark"


class SparkBackend:
    """Runs plans on a SparkExtract, on its session."""

    engine = SPARK

    def __init__(self, extract: SparkExtract) -> None:
        self.extract = extract
        self.kinds = column_kinds(extract.column_types)

    def schema(self) -> ExtractSchema:
        return ExtractSchema(
            source=self.extract.fingerprint.source,
            columns=tuple(self.extract.fingerprint.columns),
            engine=SPARK,
            has_lines=False,
            kinds=self.kinds,
        )

    @contextmanager
    def open(self, plan: AuditPlan) -> Iterator[PreparedSpark]:
        from dqaudit.expectations.rules import spark_gx

        dataframe = self.extract.dataframe
        helpers = SparkHelpers(self.kinds, self.extract.column_types, _session_zone(dataframe))
        with ExitStack() as stack:
            with _spark_errors():
                staged, added, measures = _prepared(dataframe, plan, helpers)
                staged = _kept(staged, plan, helpers)
                stack.callback(staged.unpersist)
                staged = staged.persist(_storage_level())
                # the helpers read the persisted parsed columns: cheap, so not persisted
                prepared = staged.select("*", *added) if added else staged
                # one job: blank keys and the helpers' counts, filling the persisted frame
                counts, blank = _helper_counts(prepared, measures, _blank_keys(plan, self.kinds))
                _refuse_blank_keys(plan, blank)
                rows = [r.check for r in plan.rules if not r.schema_rule]
                schema_rules = [r.check for r in plan.rules if r.schema_rule]
                outcomes: dict[int, Any] = {}
                if schema_rules:  # they read the extract's own columns, not the helpers
                    outcomes.update(spark_gx.validate_spark(dataframe, schema_rules))
                validation = None
                if rows:
                    validation = stack.enter_context(spark_gx.spark_validation(prepared, rows))
                    outcomes.update(validation.outcomes)
            yield PreparedSpark(self.extract, plan, prepared, validation, outcomes, counts)


class PreparedSpark:
    """The extract with its helper columns, validated by GX; keys streamed on demand."""

    def __init__(
        self,
        extract: SparkExtract,
        plan: AuditPlan,
        prepared: Any,
        validation: Any,
        outcomes: dict[int, Any],
        counts: HelperCounts,
    ) -> None:
        self.plan = plan
        self.prepared = prepared
        self.validation = validation
        self.rows = extract.fingerprint.rows
        self.key_warnings: list[str] = []
        self._outcomes = outcomes
        self._counts = counts

    def outcomes(self) -> dict[int, Any]:
        return self._outcomes

    def helper_counts(self) -> HelperCounts:
        return self._counts

    def failing_records(self, rule: PlannedRule, batch_size: int) -> Iterator[list[FailingRecord]]:
        keys = list(self.plan.key_columns)
        values = list(rule.reads)
        selected = list(dict.fromkeys([*keys, *values]))
        where = {name: selected.index(name) for name in values}
        width = len(keys)
        with _spark_errors():
            for rows in self.validation.failing_rows(rule.position, keys, values, batch_size):
                yield [
                    FailingRecord(
                        KEY_SEPARATOR.join(key_text(part) for part in row[:width]),
                        {name: plain(row[index]) for name, index in where.items()},
                    )
                    for row in rows
                ]

    def rule_warnings(self, rule: PlannedRule) -> list[RuleWarning]:
        """Clock rules with ``ambiguous: flag``: the rows (of those the row condition
        selects) whose verdict depends on how a repeated clock-change hour is read, as
        timing.clock_change_warning lists them on pandas."""
        from dqaudit.expectations.rules import spark_rules, timing

        kind = rule.rule.expectation_type
        kwargs = rule.check.kwargs
        if kind not in timing.CLOCK_RULES:
            return []
        names = (
            [kwargs["column_A"], kwargs["column_B"]]
            if kind == timing.PAIR_WITHIN_HOURS
            else list(kwargs["column_list"])
        )
        zone = kwargs.get("timezone") or self.plan.timezone or DEFAULT_TIMEZONE
        with _spark_errors():
            flagged = spark_rules.clock_change_rows(
                kind, kwargs, [column(name) for name in names], zone
            )
            if flagged is None:
                return []
            if rule.condition_column is not None:
                flagged = flagged & definite(column(rule.condition_column) == 1)
            keys = list(self.plan.key_columns)
            found = self.prepared.where(flagged).select(*[column(k) for k in keys])
            listed = [
                KEY_SEPARATOR.join(key_text(part) for part in row)
                for row in found.orderBy(*[column(k) for k in keys]).toLocalIterator()
            ]
        if not listed:
            return []
        return [RuleWarning(timing.clock_change_message(len(listed), zone), listed)]


Measures = tuple[list[tuple[str, Any, dict[str, Any]]], list[tuple[str, Any]]]


def _prepared(
    dataframe: Any, plan: AuditPlan, helpers: SparkHelpers
) -> tuple[Any, list[Any], Measures]:
    """The extract's DataFrame with the text the plan reads as numbers or datetimes
    parsed (the only costly part, done once: the backend persists this frame), the plan's
    helper columns over it (lazy: nothing runs yet), and what the helpers' counts
    measure."""
    from pyspark.sql import functions as F

    if plan.regex_columns:  # the plan adds RE2 verdict columns on pandas and SQLite only
        raise EngineError("the Spark backend does not compute RE2 verdict columns")
    added: list[Any] = []
    for typed in plan.typed_columns:
        added.append(helpers.typed(typed).alias(typed.name))
    conditions = []
    for condition in plan.condition_columns:
        selected, unreadable = helpers.condition(condition.condition)
        conditions.append((condition.name, column(condition.name) == 1, unreadable))
        added.append(F.when(selected, F.lit(1)).otherwise(F.lit(0)).alias(condition.name))
    aggregate = {name for rule in plan.rules for name in rule.aggregate_columns}
    unreadable_typed = [
        (typed.name, helpers.unreadable(typed))
        for typed in plan.typed_columns
        if typed.name in aggregate
    ]
    parsed = helpers.parsed_columns()
    staged = dataframe.select("*", *parsed) if parsed else dataframe
    return staged, added, (conditions, unreadable_typed)


def _blank_keys(plan: AuditPlan, kinds: dict[str, Any]) -> list[tuple[str, Any]]:
    """Per key column, "this row's part is blank" (null, or empty text), as the SQL
    backend counts them."""
    blanks = []
    for name in plan.key_columns:
        value = column(name)
        blank = value.isNull()
        if kinds.get(name, "text") == "text":
            blank = blank | (value == "")
        blanks.append((name, blank))
    return blanks


def _refuse_blank_keys(plan: AuditPlan, blank: dict[str, int]) -> None:
    """A blank key part is an input error: Spark has no lines to fall back on."""
    for name in plan.key_columns:
        if blank.get(name):
            raise InputError(
                f"{plan.schema.source}: key column {name} is blank on {blank[name]} "
                "row(s); a database has no lines to identify them by, so every key "
                "part must be present"
            )


def _helper_counts(
    prepared: Any, measures: Measures, blank_keys: list[tuple[str, Any]]
) -> tuple[HelperCounts, dict[str, int]]:
    """Rows each condition selects, values the helpers cannot read, and blank key parts:
    one Spark job (the first over the persisted frame, which fills it)."""
    from pyspark.sql import functions as F

    conditions, unreadable_typed = measures
    counts = HelperCounts()
    wanted: list[tuple[str, str | None, Any]] = []
    for name, selected, unreadable in conditions:
        wanted.append((name, None, selected))
        wanted.extend((name, label, bad) for label, bad in unreadable.items())
    wanted.extend((name, "", bad) for name, bad in unreadable_typed)
    wanted.extend((name, "key", blank) for name, blank in blank_keys)
    sums = [
        F.sum(F.when(definite(m), F.lit(1)).otherwise(F.lit(0))).alias(f"m{i}")
        for i, (_, _, m) in enumerate(wanted)
    ]
    row = prepared.agg(F.count(F.lit(1)).alias("rows"), *sums).collect()[0]
    blank: dict[str, int] = {}
    for i, (name, label, _) in enumerate(wanted):
        number = int(row[f"m{i}"] or 0)
        if label is None:
            counts.selected[name] = number
        elif label == "":
            counts.unreadable[name] = number
        elif label == "key":
            blank[name] = number
        elif number:
            counts.condition_unreadable.setdefault(name, {})[label] = number
    return counts, blank


def _kept(staged: Any, plan: AuditPlan, helpers: SparkHelpers) -> Any:
    """Only the columns the row rules, their failing records and the helpers need: the
    key, the columns GX reads, the columns each rule stores, the columns row conditions
    test and the parsed columns. (Filling the persisted frame costs about as much per
    column as parsing it: Spark compresses each column as it stores it.)"""
    from dqaudit.expectations.conditions import columns_of

    read = plan.gx_columns()
    if read is None:
        return staged
    names = [*plan.key_columns, *read, *helpers.parsed_names()]
    names.extend(typed.conversion.column for typed in plan.typed_columns)
    for condition in plan.condition_columns:
        names.extend(columns_of(condition.condition))
    for rule in plan.rules:
        if not rule.schema_rule:
            names.extend(rule.reads)
    helper_names = {t.name for t in plan.typed_columns} | {c.name for c in plan.condition_columns}
    kept = [name for name in dict.fromkeys(names) if name not in helper_names]
    return staged.select(*[column(name) for name in kept])


def _storage_level() -> Any:
    """Memory, spilling to local disk: GX runs a job or more per rule, and then each
    failing rule's keys are read again; without it each job re-reads (and re-derives)
    the source."""
    from pyspark import StorageLevel

    return StorageLevel.MEMORY_AND_DISK


def _session_zone(dataframe: Any) -> str:
    try:
        return str(dataframe.sparkSession.conf.get("spark.sql.session.timeZone"))
    except Exception:  # a session that does not say: Spark's default is the JVM's zone
        return "UTC"


@contextmanager
def _spark_errors() -> Iterator[None]:
    """Spark's own errors as dqaudit's: an analysis error is the dataset's fault."""
    try:
        yield
    except DqauditError:
        raise
    except (TypeError, AttributeError, AssertionError):
        raise  # dqaudit's own mistakes keep their traceback
    except Exception as exc:
        from dqaudit.connectors.spark import _translate

        raise _translate(exc, "the audit failed") from None
