"""Run one suite against one extract: typed conversions, one GX call, every failing key.

This is the library entry point behind ``dqaudit check`` and ``audit run``. GX gives
positional indices of failing rows; here they become the extract's keys (or physical line
numbers), vectorised, in file order.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dqaudit.connectors.base import DatabaseExtract
from dqaudit.engine.results import RuleResult, SuiteResult
from dqaudit.errors import EngineError, InputError
from dqaudit.expectations import gx_adapter
from dqaudit.expectations.rules.catalogue import counts_missing
from dqaudit.expectations.rules.references import resolve_kwargs
from dqaudit.expectations.suite import Rule, Suite, load_suite, suite_from_dict
from dqaudit.expectations.value_types import AGGREGATE_TYPES, Conversion, typed_rule

if TYPE_CHECKING:
    from dqaudit.connectors.base import Extract

KEY_SEPARATOR = "|"
# Expectation families whose kwargs name every column they read.
KNOWN_SHAPES = (
    "expect_column_",
    "expect_table_",
    "expect_multicolumn_",
    "expect_compound_columns_",
    "expect_select_column_values_",
)
# Rules that read the table's column list, which must not include the typed helpers.
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
LOW_NUMBER, HIGH_NUMBER = float("-inf"), float("inf")
LOW_DATETIME = pd.Timestamp.min.ceil("s").as_unit("ns")
HIGH_DATETIME = pd.Timestamp.max.floor("s").as_unit("ns")


def run_suite(
    data: pd.DataFrame | Extract,
    suite: Suite | str | Path | dict[str, Any],
    key: str | Sequence[str] | None = None,
    *,
    line_numbers: Sequence[int] | np.ndarray | None = None,
    source: str | None = None,
    timezone: str | None = None,
) -> SuiteResult:
    """Validate ``data`` against ``suite`` and return every failing row's key, per rule.

    ``key`` names the column(s) that identify a record. Without it, or where a key cell
    is blank, rows are identified by ``line_numbers`` (the physical line each record
    starts on; by default row position + 2, as in a CSV file with one header line).
    A pushdown extract (from the sql connector) is validated inside its database.
    ``timezone`` is the dataset's (dqaudit.yml): timeliness and order rules that do not
    set their own ``timezone`` read local datetimes in it.
    """
    if isinstance(data, DatabaseExtract):
        from dqaudit.engine.pushdown import run_pushdown

        return run_pushdown(data, suite, key)
    frame, lines, source = _unpack(data, line_numbers, source)
    suite = _coerce_suite(suite)
    key_columns = _key_columns(key)
    _check_columns(frame, suite, key_columns, source)
    keys, key_source, warnings = _record_keys(frame, key_columns, lines)
    work, checks = _prepare(frame, suite, timezone)
    outcomes = _validate(frame, work, checks)
    results = [_rule_result(rule, outcomes[rule.position], keys) for rule in suite.rules]
    warnings.extend(_rule_warnings(frame, results, keys, timezone))
    for result in results:
        unreadable = _unreadable_for_aggregate(frame, result.rule)
        if unreadable and result.error is None:
            result.success = False
            warnings.append(
                f"{result.rule.label}: {unreadable} value(s) could not be read as the rule "
                "needs, so its statistic over the column fails"
            )
    bad_rows = getattr(data, "bad_rows", ())
    policy = str(getattr(data, "bad_row_policy", "error"))
    if bad_rows:
        first = bad_rows[0]
        warnings.append(
            f"{len(bad_rows)} bad row(s) left out of the audit (on_bad_row: {policy}); first "
            f"at line {first.line}: {first.reason}"
        )
    return SuiteResult(
        suite_name=suite.name,
        rows=len(frame),
        key_source=key_source,
        results=results,
        warnings=warnings,
        key_columns=key_columns,
        suite=suite,
        bad_rows=list(bad_rows),
        bad_row_policy=policy,
    )


def _rule_warnings(
    frame: pd.DataFrame, results: list[RuleResult], keys: np.ndarray, timezone: str | None
) -> list[str]:
    """Per-rule warnings the rule library reports for rows it did not fail (pandas path).

    Today: timing rules with ``ambiguous: flag`` list the rows whose verdict depends on how
    a local time in the repeated autumn hour is read. Each goes on its rule's result
    (message, positions, keys) and, labelled, into the suite's warnings.
    """
    from dqaudit.expectations.rules.timing import DEFAULT_TIMEZONE, clock_change_warning

    messages = []
    for result in results:
        if result.error is not None:
            continue
        rule = result.rule
        found = clock_change_warning(
            rule.expectation_type, dict(rule.kwargs), frame, timezone or DEFAULT_TIMEZONE
        )
        if found is None:
            continue
        positions = np.flatnonzero(found.rows)
        result.warnings.append(found.message)
        result.warning_positions = positions
        result.warning_keys = [str(k) for k in keys[positions]]
        shown = ", ".join(result.warning_keys[:5])
        more = f" and {len(positions) - 5} more" if len(positions) > 5 else ""
        messages.append(f"{rule.label}: {found.message}: {shown}{more}")
    return messages


def _unpack(
    data: Any, line_numbers: Any, source: str | None
) -> tuple[pd.DataFrame, np.ndarray, str]:
    if isinstance(data, pd.DataFrame):
        frame = data
    else:  # an Extract from a connector
        frame = data.frame
        if line_numbers is None:
            line_numbers = data.line_numbers
        source = source or data.fingerprint.source
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0:
        frame = frame.reset_index(drop=True)
    if line_numbers is None:
        lines = np.arange(2, len(frame) + 2, dtype=np.int64)
    else:
        lines = np.asarray(line_numbers, dtype=np.int64)
        if len(lines) != len(frame):
            raise InputError(f"{len(lines)} line numbers given for {len(frame)} rows")
    return frame, lines, source or "the data"


def _coerce_suite(suite: Suite | str | Path | dict[str, Any]) -> Suite:
    if isinstance(suite, Suite):
        return suite
    if isinstance(suite, dict):
        return suite_from_dict(suite)
    return load_suite(suite)


def _key_columns(key: str | Sequence[str] | None) -> list[str]:
    if key is None:
        return []
    if isinstance(key, str):
        return [k.strip() for k in key.split(",") if k.strip()]
    return list(key)


def require_columns(columns: list[str], suite: Suite, key_columns: list[str], source: str) -> None:
    """Every key column and every column a rule reads is in the extract; else an
    InputError naming the rule, the column and the columns there are."""
    available = set(columns)
    shown = ", ".join(map(str, columns[:30]))
    for column in key_columns:
        if column not in available:
            raise InputError(f"key column '{column}' is not in {source}; its columns are: {shown}")
    for rule in suite.rules:
        for column in rule.columns:
            if column not in available:
                raise InputError(
                    f"{suite.source}: {rule.label} reads column '{column}', which is not in "
                    f"{source}; its columns are: {shown}"
                )


def _check_columns(frame: pd.DataFrame, suite: Suite, key_columns: list[str], source: str) -> None:
    require_columns(list(frame.columns), suite, key_columns, source)
    for rule in suite.rules:
        _check_rule_text(frame, suite, rule)


def _check_rule_text(frame: pd.DataFrame, suite: Suite, rule: Rule) -> None:
    """A row condition or regex that cannot work is the suite's fault (exit 2), not GX's."""
    import re

    for name in ("regex", "regex_list"):
        patterns = rule.kwargs.get(name)
        for pattern in patterns if isinstance(patterns, list) else [patterns]:
            if isinstance(pattern, str):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise InputError(
                        f"{suite.source}: {rule.label}: {name} {pattern!r} is not a valid "
                        f"regular expression ({exc})"
                    ) from None
    condition = rule.kwargs.get("row_condition")
    if isinstance(condition, str) and rule.kwargs.get("condition_parser") == "pandas":
        try:
            frame.head(0).query(condition, engine="python")
        except Exception as exc:  # pandas raises many kinds for a bad expression
            raise InputError(
                f"{suite.source}: {rule.label}: row_condition {condition!r} does not work on "
                f"this data: {str(exc).strip().splitlines()[0]}"
            ) from None


def _record_keys(
    frame: pd.DataFrame, key_columns: list[str], lines: np.ndarray
) -> tuple[np.ndarray, str, list[str]]:
    """One string key per row: the key column(s) joined with '|', else the line number."""
    if not key_columns:
        return lines, "line", []
    parts = [frame[c] for c in key_columns]
    blank = np.zeros(len(frame), dtype=bool)
    for part in parts:
        blank |= part.isna().to_numpy()
    # typed key columns (a database integer, say) join as their text
    parts = [p if pd.api.types.is_string_dtype(p.dtype) else p.astype(str) for p in parts]
    if blank.any():
        first = int(lines[np.flatnonzero(blank)[0]])
        warning = (
            f"key column(s) {', '.join(key_columns)} blank on {int(blank.sum())} row(s) "
            f"(first at line {first}); failing rows are identified by line number"
        )
        return lines, "line", [warning]
    joined = parts[0] if len(parts) == 1 else parts[0].str.cat(parts[1:], sep=KEY_SEPARATOR)
    keys = joined.astype(object).to_numpy()
    warnings = []
    duplicated = joined.duplicated(keep=False)
    if duplicated.any():
        warnings.append(
            f"key column(s) {', '.join(key_columns)} are not unique: "
            f"{int(duplicated.sum())} rows share a key with another row"
        )
    return keys, "column", warnings


def _prepare(
    frame: pd.DataFrame, suite: Suite, timezone: str | None = None
) -> tuple[pd.DataFrame, list[gx_adapter.GxCheck]]:
    """Build the frame GX sees: the columns rules read, plus the typed helpers they need.

    GX copies the whole frame for every rule's domain, so leaving out columns no rule
    reads (and text columns only read through a typed helper) saves real time.
    """
    helpers: dict[str, pd.Series] = {}
    helper_names: dict[tuple[str, str, str | None, str], str] = {}
    read: set[str] = set()
    whole_frame = False
    checks = []
    for rule in suite.rules:
        kwargs = resolve_kwargs(rule.expectation_type, dict(rule.kwargs), suite.path, rule.label)
        if timezone and rule.expectation_type in TIMEZONE_TYPES and "timezone" not in kwargs:
            kwargs["timezone"] = timezone
        plan = typed_rule(rule)
        if plan is not None:
            kwargs.update(plan.kwarg_overrides)
            for conversion in plan.conversions:
                cache_key = (
                    conversion.column,
                    conversion.value_type,
                    conversion.datetime_format,
                    conversion.unparseable,
                )
                if cache_key not in helper_names:
                    name = f"__dqaudit_{len(helper_names)}__{conversion.column}"
                    helpers[name] = _convert(frame[conversion.column], conversion, rule)
                    helper_names[cache_key] = name
                _point_at(kwargs, conversion, helper_names[cache_key])
        if (
            rule.expectation_type.startswith("expect_column_pair_")
            and "ignore_row_if" not in kwargs
            and not counts_missing(rule.expectation_type)
        ):
            # GX's default differs between pandas and SQL when one side is null.
            kwargs["ignore_row_if"] = "either_value_is_missing"
        columns = _columns_read(rule.expectation_type, kwargs, frame)
        if columns is None:
            whole_frame = True
        else:
            read.update(columns)
        checks.append(gx_adapter.GxCheck(rule.position, rule.label, rule.expectation_type, kwargs))
    kept = [c for c in frame.columns if whole_frame or c in read]
    work = frame[kept]
    for name in kept:
        if pd.api.types.is_datetime64_any_dtype(work[name].dtype):
            work[name] = _to_ns(work[name])  # GX is slow on pandas 3's datetime64[us]
    if helpers:
        work = pd.concat([work, pd.DataFrame(helpers, index=frame.index)], axis=1)
    return work, checks


def _columns_read(kind: str, kwargs: dict[str, Any], frame: pd.DataFrame) -> set[str] | None:
    """Columns of ``frame`` a rule reads, or None when its kwargs cannot be understood."""
    if not kind.startswith(KNOWN_SHAPES):
        return None
    names: set[str] = set()
    for key in ("column", "column_A", "column_B"):
        if isinstance(kwargs.get(key), str):
            names.add(kwargs[key])
    if kind != "expect_table_columns_to_match_set":
        for key in ("column_list", "column_set"):
            if isinstance(kwargs.get(key), list):
                names.update(c for c in kwargs[key] if isinstance(c, str))
    condition = kwargs.get("row_condition")
    if condition is not None:
        text = str(condition)
        names.update(c for c in frame.columns if c in text)
    return names & set(frame.columns)


def _validate(
    frame: pd.DataFrame, work: pd.DataFrame, checks: list[gx_adapter.GxCheck]
) -> dict[int, gx_adapter.GxOutcome]:
    """One GX call; rules about the table's columns see the extract's own columns."""
    if list(work.columns) == list(frame.columns):
        return gx_adapter.validate_dataframe(work, checks) if checks else {}
    schema = [c for c in checks if c.expectation_type in SCHEMA_TYPES]
    rows = [c for c in checks if c.expectation_type not in SCHEMA_TYPES]
    outcomes = gx_adapter.validate_dataframe(work, rows) if rows else {}
    if schema:
        outcomes.update(gx_adapter.validate_dataframe(frame, schema))
    return outcomes


def _point_at(kwargs: dict[str, Any], conversion: Conversion, new_name: str) -> None:
    if conversion.kwarg == "column_list":
        kwargs["column_list"] = [
            new_name if c == conversion.column else c for c in kwargs["column_list"]
        ]
    else:
        kwargs[conversion.kwarg] = new_name


def _to_ns(series: pd.Series) -> pd.Series:
    """Naive datetime64[ns]: GX is slow on [us], and offsets are compared in UTC."""
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.astype("datetime64[ns]")


def _convert(series: pd.Series, conversion: Conversion, rule: Rule) -> pd.Series:
    """Convert text to the rule's type; values that do not parse get a failing sentinel."""
    if conversion.value_type == "number":
        values = pd.to_numeric(series, errors="coerce").astype("float64")
        low, high = LOW_NUMBER, HIGH_NUMBER
    elif pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = _to_ns(series)
        low, high = LOW_DATETIME, HIGH_DATETIME
    else:
        fmt = conversion.datetime_format or "ISO8601"
        # utc=True: a column mixing GMT and BST offsets parses (each value to UTC) rather
        # than failing the whole run; values without an offset keep their wall-clock time.
        values = _to_ns(pd.to_datetime(series, format=fmt, errors="coerce", utc=True))
        low, high = LOW_DATETIME, HIGH_DATETIME
    unparseable = values.isna() & series.notna()
    if unparseable.any():
        if conversion.unparseable == "in_set":
            sentinel: Any = rule.kwargs["value_set"][0]
        else:
            sentinel = low if conversion.unparseable == "low" else high
        values = values.mask(unparseable, sentinel)
    return values


def _unreadable_for_aggregate(frame: pd.DataFrame, rule: Rule) -> int:
    """Values an aggregate rule (median, mean, quantiles...) could not read."""
    if rule.expectation_type not in AGGREGATE_TYPES:
        return 0
    plan = typed_rule(rule)
    if plan is None:
        return 0
    total = 0
    for conversion in plan.conversions:
        series = frame[conversion.column]
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_datetime64_any_dtype(
            series.dtype
        ):
            continue
        if conversion.value_type == "number":
            parsed = pd.to_numeric(series, errors="coerce")
        else:
            fmt = conversion.datetime_format or "ISO8601"
            parsed = pd.to_datetime(series, format=fmt, errors="coerce", utc=True)
        total += int((parsed.isna() & series.notna()).sum())
    return total


def _rule_result(rule: Rule, outcome: gx_adapter.GxOutcome, keys: np.ndarray) -> RuleResult:
    result = RuleResult(
        rule=rule,
        success=outcome.success,
        unexpected_count=outcome.unexpected_count if outcome.is_row_level else None,
        error=outcome.error,
        element_count=outcome.element_count,
        unexpected_percent=outcome.unexpected_percent,
        observed_value=outcome.observed_value,
    )
    if outcome.error or not outcome.is_row_level:
        return result
    positions = np.sort(np.asarray(outcome.unexpected_index_list, dtype=np.int64))
    if outcome.unexpected_count is not None and len(positions) != outcome.unexpected_count:
        raise EngineError(
            f"{rule.label}: GX reported {outcome.unexpected_count} failing rows but returned "
            f"{len(positions)} of their positions; refusing to report a partial key list"
        )
    result.failing_positions = positions
    result.failing_keys = [str(k) for k in keys[positions]]
    return result
