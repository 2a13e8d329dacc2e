"""Audit plans: everything about a suite and an extract that is decided before data is read.

A plan is built once, from a suite and the extract's schema, and every backend executes
it without checking anything again. Building it runs every pre-flight check (the
expectation type exists and runs on this backend, its kwargs are valid, files it names
exist, regexes compile, row conditions were parsed, the columns exist, keys are named
where the source has no lines) and works out, for each rule:

- the kwargs GX runs: paths resolved, the dataset's timezone filled in, typed columns and
  row conditions replaced by helper columns the backend computes natively;
- the extract columns it reads (stored with each failing record);
- the helper columns: typed conversions (a value the rule cannot read becomes a stand-in
  that fails it), row conditions (evaluated by dqaudit's grammar, never by GX), and, on
  pandas, regular expressions (evaluated with RE2, which runs in linear time).

The results of a run echo the suite's own kwargs, never these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from dqaudit.errors import InputError
from dqaudit.expectations import gx_adapter
from dqaudit.expectations.conditions import Condition
from dqaudit.expectations.rules import catalogue, derivation_catalogue
from dqaudit.expectations.rules.references import resolve_kwargs
from dqaudit.expectations.suite_model import Rule, Suite
from dqaudit.expectations.value_types import (
    AGGREGATE_TYPES,
    ORDER_TYPES,
    Conversion,
    typed_rule,
)

PANDAS = catalogue.PANDAS
ColumnKind = Literal["text", "number", "datetime", "other"]
HELPER_PREFIX = "__dqaudit_"
# Rules that read the table's column list, which must not include the helper columns.
SCHEMA_TYPES = frozenset(
    {
        "expect_table_columns_to_match_set",
        "expect_table_columns_to_match_ordered_list",
        "expect_table_column_count_to_equal",
        "expect_table_column_count_to_be_between",
        "expect_column_to_exist",
    }
)
# Rules that read local datetimes; without a ``timezone`` kwarg they use the dataset's.
TIMEZONE_TYPES = frozenset(
    {
        "expect_column_pair_values_to_be_within_hours",
        "expect_multicolumn_datetimes_to_be_in_order",
        "expect_multicolumn_datetimes_to_be_within_hours",
    }
)
# Backends where dqaudit runs regex rules itself, with RE2 (linear time): pandas, and
# SQLite, whose REGEXP would otherwise be Python's backtracking ``re``. PostgreSQL and
# MariaDB use their own engines, bounded by the connector's statement timeout.
RE2_ENGINES = (PANDAS, "sqlite")
REGEX_TYPES = {
    "expect_column_values_to_match_regex": ("regex", True, "any"),
    "expect_column_values_to_not_match_regex": ("regex", False, "any"),
    "expect_column_values_to_match_regex_list": ("regex_list", True, None),
    "expect_column_values_to_not_match_regex_list": ("regex_list", False, None),
}
# Expectation families whose kwargs name every column they read.
KNOWN_SHAPES = (
    "expect_column_",
    "expect_table_",
    "expect_multicolumn_",
    "expect_compound_columns_",
    "expect_select_column_values_",
)


@dataclass(frozen=True)
class ExtractSchema:
    """What a plan needs to know of an extract without reading its rows."""

    source: str
    columns: tuple[str, ...]
    engine: str  # the rule engine: pandas, sqlite, postgresql, mariadb (later spark)
    has_lines: bool
    kinds: Mapping[str, ColumnKind] = field(default_factory=dict)

    def kind(self, column: str) -> ColumnKind:
        return self.kinds.get(column, "text")


@dataclass(frozen=True)
class TypedColumn:
    """A column read as numbers or datetimes; an unreadable value becomes ``stand_in``."""

    name: str
    conversion: Conversion
    stand_in: Any = None  # the forbidden value of a not_in_set rule ("in_set")


@dataclass(frozen=True)
class ConditionColumn:
    """A rule's row condition, evaluated by the backend into 1 (selected) or 0."""

    name: str
    condition: Condition
    label: str


@dataclass(frozen=True)
class RegexColumn:
    """1 where a value passes the rule's regex test (RE2), 0 where it fails, null if null."""

    name: str
    column: str
    patterns: tuple[str, ...]
    must_match: bool  # match_regex(_list) versus not_match_regex(_list)
    match_on: Literal["any", "all"]


@dataclass(frozen=True)
class PlannedRule:
    """One rule as a backend runs it; ``check`` is what GX sees."""

    rule: Rule
    check: gx_adapter.GxCheck
    reads: tuple[str, ...]
    row_level: bool
    schema_rule: bool = False
    condition_column: str | None = None
    # typed helpers whose unreadable values make an aggregate (median, mean...) fail
    aggregate_columns: tuple[str, ...] = ()

    @property
    def position(self) -> int:
        return self.rule.position

    @property
    def label(self) -> str:
        return self.rule.label


@dataclass(frozen=True)
class AuditPlan:
    suite: Suite
    schema: ExtractSchema
    key_columns: tuple[str, ...]
    rules: tuple[PlannedRule, ...]
    typed_columns: tuple[TypedColumn, ...] = ()
    condition_columns: tuple[ConditionColumn, ...] = ()
    regex_columns: tuple[RegexColumn, ...] = ()
    timezone: str | None = None

    def gx_columns(self) -> list[str] | None:
        """The extract columns GX must see for the non-schema rules, or None for all.

        GX copies the frame for each rule's domain, so leaving out columns no rule reads
        (and text columns read only through a helper) saves real time on files.
        """
        read: set[str] = set()
        for planned in self.rules:
            if planned.schema_rule:
                continue
            if not planned.rule.expectation_type.startswith(KNOWN_SHAPES):
                return None
            read.update(_gx_columns(planned.check.kwargs))
        return [c for c in self.schema.columns if c in read]


def preflight(suite: Suite, engine: str) -> None:
    """The checks that need no extract: types, engines, kwargs, files, regexes.

    ``suite lint`` and ``suite approve`` run these too; a plan runs them again through
    ``build_plan`` (they are cheap once GX is imported).
    """
    _refuse_unsupported_derivation(suite, engine)
    for rule in suite.rules:
        _plan_rule(rule, suite, engine, None, _Helpers())


def plan_problems(
    suite: Suite,
    engine: str,
    schema: ExtractSchema | None = None,
    key: str | Sequence[str] | None = None,
    *,
    timezone: str | None = None,
) -> list[InputError]:
    """Every problem a plan would find, not just the first (``suite lint``, approval):
    the same checks as ``build_plan``, rule by rule; the columns only when ``schema``
    (the extract's header) is known."""
    problems: list[InputError] = []

    def attempt(check: Any) -> Any:
        try:
            return check()
        except InputError as exc:
            problems.append(exc)
            return None

    attempt(lambda: _refuse_unsupported_derivation(suite, engine))
    if schema is not None:
        attempt(lambda: _check_keys(schema, key_columns_of(key)))
    helpers = _Helpers()
    for rule in suite.rules:
        planned = attempt(lambda rule=rule: _plan_rule(rule, suite, engine, timezone, helpers))
        if planned is not None and schema is not None:
            attempt(lambda planned=planned: _check_columns(suite, schema, (planned,)))
    return problems


def build_plan(
    suite: Suite,
    schema: ExtractSchema,
    key: str | Sequence[str] | None = None,
    *,
    timezone: str | None = None,
) -> AuditPlan:
    """Check the suite against the extract's schema and plan every rule; InputError on
    the first problem, naming the suite, the rule and the setting."""
    _refuse_unsupported_derivation(suite, schema.engine)
    key_columns = key_columns_of(key)
    _check_keys(schema, key_columns)
    helpers = _Helpers()
    rules = tuple(_plan_rule(rule, suite, schema.engine, timezone, helpers) for rule in suite.rules)
    _check_columns(suite, schema, rules)
    return AuditPlan(
        suite=suite,
        schema=schema,
        key_columns=tuple(key_columns),
        rules=rules,
        typed_columns=tuple(helpers.typed.values()),
        condition_columns=tuple(helpers.conditions),
        regex_columns=tuple(helpers.regexes),
        timezone=timezone,
    )


def key_columns_of(key: str | Sequence[str] | None) -> list[str]:
    if key is None:
        return []
    if isinstance(key, str):
        return [k.strip() for k in key.split(",") if k.strip()]
    return [str(k) for k in key]


class _Helpers:
    """Helper columns of a plan, shared between rules that need the same one."""

    def __init__(self) -> None:
        self.typed: dict[tuple[Any, ...], TypedColumn] = {}
        self.conditions: list[ConditionColumn] = []
        self.regexes: list[RegexColumn] = []
        self.count = 0

    def name(self, column: str, what: str) -> str:
        self.count += 1
        safe = re.sub(r"\W", "_", column)[:40]
        return f"{HELPER_PREFIX}{self.count}_{what}_{safe}"

    def typed_column(self, conversion: Conversion, stand_in: Any) -> TypedColumn:
        identity = (
            conversion.column,
            conversion.value_type,
            conversion.unparseable,
            conversion.datetime_format,
            repr(stand_in),
        )
        if identity not in self.typed:
            name = self.name(conversion.column, conversion.value_type)
            self.typed[identity] = TypedColumn(name, conversion, stand_in)
        return self.typed[identity]


def _plan_rule(
    rule: Rule, suite: Suite, engine: str, timezone: str | None, helpers: _Helpers
) -> PlannedRule:
    kind = rule.expectation_type
    label = f"{suite.source}: {rule.label}"
    if not gx_adapter.is_known_expectation(kind):
        raise InputError(
            f"{label}: unknown expectation type '{kind}' (not a Great Expectations core or "
            "dqaudit expectation; see 'dqaudit rules list')"
        )
    catalogue.require_engine(kind, engine, label)
    if kind in ORDER_TYPES and engine != PANDAS:
        raise InputError(
            f"{label}: {kind} compares each row with the one before it, and a database "
            f"table or Spark dataset has no row order; it runs on files (pandas), not on {engine}"
        )
    if rule.datetime_format and engine != PANDAS:
        raise InputError(
            f"{label}: meta.dqaudit.datetime_format is read on files (pandas) only; on "
            f"{engine} datetimes are read as ISO 8601 text or the database's own type"
        )
    kwargs = resolve_kwargs(kind, dict(rule.kwargs), suite.path, label)
    if timezone and kind in TIMEZONE_TYPES and "timezone" not in kwargs:
        kwargs["timezone"] = timezone
    _check_regexes(kwargs, label)
    aggregate: list[str] = []
    try:
        typed = typed_rule(rule)
    except InputError as exc:
        raise InputError(f"{suite.source}: {exc.message}") from None
    if typed is not None:
        kwargs.update(typed.kwarg_overrides)
        for conversion in typed.conversions:
            stand_in = rule.kwargs["value_set"][0] if conversion.unparseable == "in_set" else None
            helper = helpers.typed_column(conversion, stand_in)
            _point_at(kwargs, conversion, helper.name)
            if kind in AGGREGATE_TYPES:
                aggregate.append(helper.name)
    pair = kind.startswith("expect_column_pair_")
    if pair and "ignore_row_if" not in kwargs and not catalogue.counts_missing(kind):
        # GX's default differs between pandas and SQL when one side is null.
        kwargs["ignore_row_if"] = "either_value_is_missing"
    if kind in REGEX_TYPES and engine in RE2_ENGINES:
        kind, kwargs = _regex_helper(rule, kwargs, helpers)
    condition_column = None
    if rule.condition is not None:
        condition_column = helpers.name("condition", "rows")
        helpers.conditions.append(ConditionColumn(condition_column, rule.condition, label))
        kwargs.pop("condition_parser", None)
        kwargs["row_condition"] = gx_adapter.selected_rows_condition(condition_column)
    check = gx_adapter.GxCheck(rule.position, label, kind, kwargs)
    gx_adapter.check_kwargs(check)
    return PlannedRule(
        rule=rule,
        check=check,
        reads=rule.reads,
        row_level=gx_adapter.is_row_level(kind),
        schema_rule=kind in SCHEMA_TYPES,
        condition_column=condition_column,
        aggregate_columns=tuple(aggregate),
    )


def _regex_helper(
    rule: Rule, kwargs: dict[str, Any], helpers: _Helpers
) -> tuple[str, dict[str, Any]]:
    """A regex rule on pandas runs as "the RE2 verdict column is 1", so GX never runs a
    backtracking regex over hostile text; nulls stay null, so GX ignores them as before."""
    name, must_match, match_on = REGEX_TYPES[rule.expectation_type]
    value = kwargs[name]
    patterns = (value,) if isinstance(value, str) else tuple(value)
    if match_on is None:
        match_on = kwargs.get("match_on", "any")
    column = kwargs["column"]
    helper = RegexColumn(
        helpers.name(column, "regex"),
        column,
        patterns,
        must_match,
        match_on,  # type: ignore[arg-type]
    )
    helpers.regexes.append(helper)
    rewritten = {
        key: value for key, value in kwargs.items() if key not in ("column", name, "match_on")
    }
    rewritten.update(column=helper.name, value_set=[1])
    return "expect_column_values_to_be_in_set", rewritten


def _check_regexes(kwargs: dict[str, Any], label: str) -> None:
    """A regex must compile in RE2 (linear time, no lookarounds or backreferences), the
    engine every backend's verdict is defined by."""
    from dqaudit.expectations import regexes

    for name in ("regex", "regex_list"):
        value = kwargs.get(name)
        for pattern in value if isinstance(value, list) else [value]:
            if isinstance(pattern, str):
                problem = regexes.problem(pattern)
                if problem:
                    raise InputError(
                        f"{label}: {name} {pattern!r} is not a valid regular expression "
                        f"for dqaudit (RE2 syntax): {problem}"
                    )


def _point_at(kwargs: dict[str, Any], conversion: Conversion, helper: str) -> None:
    if conversion.kwarg == "column_list":
        kwargs["column_list"] = [
            helper if c == conversion.column else c for c in kwargs["column_list"]
        ]
    else:
        kwargs[conversion.kwarg] = helper


def _gx_columns(kwargs: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for key in ("column", "column_A", "column_B"):
        if isinstance(kwargs.get(key), str):
            names.add(kwargs[key])
    for key in ("column_list", "column_set"):
        if isinstance(kwargs.get(key), list):
            names.update(c for c in kwargs[key] if isinstance(c, str))
    return {n for n in names if not n.startswith(HELPER_PREFIX)}


def _check_keys(schema: ExtractSchema, key_columns: list[str]) -> None:
    available = set(schema.columns)
    shown = ", ".join(schema.columns[:30])
    for column in key_columns:
        if column not in available:
            raise InputError(
                f"key column '{column}' is not in {schema.source}; its columns are: {shown}"
            )
    if not key_columns and not schema.has_lines:
        raise InputError(
            f"{schema.source}: a database has no lines, so failing rows are named by key; "
            "give the dataset's key column(s) (key: in dqaudit.yml)"
        )


def _check_columns(suite: Suite, schema: ExtractSchema, rules: tuple[PlannedRule, ...]) -> None:
    available = set(schema.columns)
    shown = ", ".join(schema.columns[:30])
    for planned in rules:
        for column in planned.reads:
            if column not in available:
                raise InputError(
                    f"{suite.source}: {planned.rule.label} reads column '{column}', which is "
                    f"not in {schema.source}; its columns are: {shown}"
                )


def _refuse_unsupported_derivation(suite: Suite, engine: str) -> None:
    """Every derivation step must run on the engine: on a database (pushdown) only the
    kinds with a SQL form do (``reference_exists``), the rest build their columns in memory."""
    spec = (suite.meta.get("dqaudit") or {}).get("derivation")
    if spec is None or engine == PANDAS:
        return
    items = spec if isinstance(spec, list) else [spec]
    kinds = [str(item.get("kind")) for item in items if isinstance(item, dict)]
    unsupported = [
        kind for kind in kinds if engine not in derivation_catalogue.derivation_engines(kind)
    ]
    if not unsupported and len(kinds) == len(items):
        return
    shown = ", ".join(dict.fromkeys(unsupported)) or "a step without a kind"
    there = [d.kind for d in derivation_catalogue.DERIVATIONS if engine in d.engines]
    hint = f" (the derivations that do: {', '.join(there)})" if there else ""
    # how to read it into memory depends on where it lives now
    into_memory = (
        "export it to a file, or read it with a file connector"
        if engine == "spark"
        else "sql connector mode: pull"
    )
    raise InputError(
        f"{suite.source}: meta.dqaudit.derivation ({shown}) builds its dataset in memory "
        f"(pandas); it does not run on {engine}{hint}, so read the dataset into memory "
        f"({into_memory}) to run this suite"
    )
