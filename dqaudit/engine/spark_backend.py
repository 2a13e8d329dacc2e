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
                prepared = staged.select("*", *added) if added else staged
                wanted = _helper_measures(measures, _blank_keys(plan, self.kinds))
                row_checks = [r.check for r in plan.rules if not r.schema_rule]
                schema_rules = [r.check for r in plan.rules if r.schema_rule]
                outcomes: dict[int, Any] = {}
                if schema_rules:  # they read the extract's own columns, not the helpers
                    outcomes.update(spark_gx.validate_spark(dataframe, schema_rules))
                validation = None
                if row_checks:
                    # one job: the helpers' counts, blank keys and every count GX needs
                    validation = stack.enter_context(
                        spark_gx.spark_validation(
                            prepared,
                            row_checks,
                            extra=_aggregates(wanted),
                            rows=self.extract.fingerprint.rows,
                            listed=_listed_columns(plan),
                        )
                    )
                    values = validation.extra
                    outcomes.update(validation.outcomes)
                else:
                    values = list(prepared.agg(*_aggregates(wanted)).collect()[0])
                counts, blank = _read_counts(wanted, values)
                _refuse_blank_keys(plan, blank)
            audit = PreparedSpark(self.extract, plan, prepared, validation, outcomes, counts)
            stack.callback(audit.close)
            yield audit


class PreparedSpark:
    """The extract with its helper columns, validated by GX; keys streamed on demand.

    The failing rules' rows come from one Spark job for all of them (``_SharedStream``),
    in plan order then key order: the runner takes the rules in plan order, so each call
    of ``failing_records`` reads on from where the last stopped. A rule asked for out of
    that order is listed by a job of its own.
    """

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
        self._stream: _SharedStream | None = None

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
            if self._stream is None:
                self._stream = _SharedStream(self.validation, self._listed(), keys, batch_size)
            batches = self._stream.take(rule.position)
            if batches is None:
                batches = self.validation.failing_rows(rule.position, keys, values, batch_size)
            items = list(where.items())
            for rows in batches:
                if width == 1:  # the usual case, kept short: a million rows, a million keys
                    yield [
                        FailingRecord(key_text(row[0]), {n: plain(row[i]) for n, i in items})
                        for row in rows
                    ]
                    continue
                yield [
                    FailingRecord(
                        KEY_SEPARATOR.join(key_text(part) for part in row[:width]),
                        {n: plain(row[i]) for n, i in items},
                    )
                    for row in rows
                ]

    def _listed(self) -> dict[int, list[str]]:
        """The rules the runner lists (row-level, no error, GX counted failing rows), in
        plan order, with the columns each stores."""
        listed: dict[int, list[str]] = {}
        for rule in self.plan.rules:
            outcome = self._outcomes.get(rule.position)
            if (
                rule.row_level
                and not rule.schema_rule
                and outcome is not None
                and outcome.error is None
                and outcome.unexpected_count
            ):
                listed[rule.position] = list(rule.reads)
        return listed

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()

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


class _SharedStream:
    """One Spark job listing every failing rule's rows, handed out rule by rule.

    ``take(ref)`` gives the batches of rule ``ref`` while the job's rows are still at or
    before it (rows of a rule nobody asked for are passed over); None once the job has
    gone past it, or for a rule not in the job (the caller lists it on its own)."""

    def __init__(
        self, validation: Any, listed: dict[int, list[str]], keys: list[str], batch_size: int
    ) -> None:
        self._listed = listed
        self._source: Iterator[tuple[int, list[Any]]] | None = None
        self._validation, self._keys, self._batch_size = validation, keys, batch_size
        self._pending: tuple[int, list[Any]] | None = None
        self._done = False

    def take(self, ref: int) -> Iterator[list[Any]] | None:
        if ref not in self._listed or self._done:
            return None
        if self._pending is not None and self._pending[0] > ref:
            return None
        return self._batches(ref)

    def _batches(self, ref: int) -> Iterator[list[Any]]:
        if self._source is None:
            self._source = self._validation.failing_rows_by_rule(
                self._listed, self._keys, self._batch_size
            )
        while True:
            if self._pending is None:
                try:
                    self._pending = next(self._source)
                except StopIteration:
                    self._done = True
                    return
            tag, rows = self._pending
            if tag > ref:
                return
            self._pending = None
            if tag == ref:
                yield rows

    def close(self) -> None:
        if self._source is not None:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()
        self._done = True


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


def _listed_columns(plan: AuditPlan) -> list[str]:
    """The key columns and every row rule's own columns: all a failing record keeps."""
    names = [*plan.key_columns]
    for rule in plan.rules:
        if not rule.schema_rule:
            names.extend(rule.reads)
    return list(dict.fromkeys(names))


Wanted = list[tuple[str, str | None, Any]]


def _helper_measures(measures: Measures, blank_keys: list[tuple[str, Any]]) -> Wanted:
    """(helper or key column, label, boolean Column) for each count the run needs: rows
    each condition selects (label None), values a condition cannot read (its label),
    values a typed helper cannot read (""), blank key parts ("key")."""
    conditions, unreadable_typed = measures
    wanted: Wanted = []
    for name, selected, unreadable in conditions:
        wanted.append((name, None, selected))
        wanted.extend((name, label, bad) for label, bad in unreadable.items())
    wanted.extend((name, "", bad) for name, bad in unreadable_typed)
    wanted.extend((name, "key", blank) for name, blank in blank_keys)
    return wanted


def _aggregates(wanted: Wanted) -> list[Any]:
    """The counts as aggregate Columns, computed in the job that counts the suite for GX."""
    from pyspark.sql import functions as F

    return [
        F.sum(F.when(definite(measure), F.lit(1)).otherwise(F.lit(0))).alias(f"m{i}")
        for i, (_, _, measure) in enumerate(wanted)
    ]


def _read_counts(wanted: Wanted, values: list[Any]) -> tuple[HelperCounts, dict[str, int]]:
    counts = HelperCounts()
    blank: dict[str, int] = {}
    for (name, label, _), value in zip(wanted, values, strict=True):
        number = int(value or 0)
        if label is None:
            counts.selected[name] = number
        elif label == "":
            counts.unreadable[name] = number
        elif label == "key":
            blank[name] = number
        elif number:
            counts.condition_unreadable.setdefault(name, {})[label] = number
    return counts, blank


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
