"""Pushdown runs: Great Expectations validates inside the database; keys stream out.

Outcomes and counts come from GX, run on the database. GX cannot list every failing key
itself (its SQL key list is capped and fetched whole, and its index query ignores
``row_condition``), so for each failing rule the adapter runs one keyed SELECT built from
GX's own condition and domain, ordered by key and streamed in batches, either into the
audit store (``sink``) or into the result (``check``). A key count that differs from GX's
``unexpected_count`` is an error: a partial key list is never reported as complete. Only
failing keys and the columns the rule reads, for failing rows, leave the database.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dqaudit.engine.results import RuleResult, SuiteResult
from dqaudit.engine.runner import KEY_SEPARATOR, _coerce_suite, _key_columns, require_columns
from dqaudit.errors import DqauditError, EngineError, InputError
from dqaudit.expectations import gx_adapter
from dqaudit.expectations.suite import Rule, Suite
from dqaudit.expectations.value_types import typed_rule

if TYPE_CHECKING:
    from dqaudit.connectors.base import DatabaseExtract

RECORD_BATCH = 5_000
# (rule position, sequence number of the batch's first record, [(key, values), ...])
Sink = Callable[[int, int, list[tuple[str, dict[str, Any]]]], None]


def run_pushdown(
    extract: DatabaseExtract,
    suite: Suite | str | Path | dict[str, Any],
    key: str | Sequence[str] | None = None,
    *,
    sink: Sink | None = None,
    batch_size: int = RECORD_BATCH,
) -> SuiteResult:
    """Validate a pushdown extract in its database; every failing key, streamed.

    With ``sink``, failing records go to it in batches and ``failing_keys`` stay None
    (the store holds them); without, they are collected into the result, as for files.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from dqaudit.connectors.sql_session import database_error

    source = extract
    target = source.target
    suite = _coerce_suite(suite)
    key_columns = _key_columns(key)
    columns = list(extract.fingerprint.columns)
    where = extract.fingerprint.source
    _check_columns(columns, suite, key_columns, where)
    checks = [_check(rule) for rule in suite.rules]
    asset = gx_adapter.SqlAsset(
        connection_string=target.engine_url,
        engine_kwargs=target.engine_kwargs,
        table=source.table,
        schema=source.schema,
        query=None if source.query is None else source.select_sql.replace(":", "\\:"),
    )
    results: list[RuleResult] = []
    blank_keys = 0
    try:
        with gx_adapter.validate_sql(asset, checks) as validation:
            for rule in suite.rules:
                outcome = validation.outcomes[rule.position]
                result = RuleResult(
                    rule=rule,
                    success=outcome.success,
                    unexpected_count=outcome.unexpected_count if outcome.is_row_level else None,
                    error=target.scrub(outcome.error) if outcome.error else None,
                    element_count=outcome.element_count,
                    unexpected_percent=outcome.unexpected_percent,
                    observed_value=outcome.observed_value,
                )
                if outcome.error is None and outcome.is_row_level:
                    blank_keys += _stream_keys(
                        validation, rule, result, key_columns, columns, sink, batch_size
                    )
                results.append(result)
    except SQLAlchemyError as exc:
        raise database_error(exc, target, "pushdown: ") from None
    except DqauditError as exc:
        exc.message = target.scrub(exc.message)
        exc.args = (exc.message,)
        raise
    warnings = []
    if blank_keys:
        warnings.append(
            f"{blank_keys} failing row(s) have a blank key column "
            f"({', '.join(key_columns)}); their key is listed with the blank part empty"
        )
    return SuiteResult(
        suite_name=suite.name,
        rows=extract.fingerprint.rows,
        key_source="column",
        results=results,
        warnings=warnings,
        key_columns=key_columns,
        suite=suite,
    )


def _check_columns(columns: list[str], suite: Suite, key_columns: list[str], where: str) -> None:
    if not key_columns:
        raise InputError(
            f"{where}: pushdown names failing rows by key; give the dataset's key column(s) "
            "(key: in dqaudit.yml, or --key)"
        )
    require_columns(columns, suite, key_columns, where)


def _check(rule: Rule) -> gx_adapter.GxCheck:
    """The rule as GX runs it in SQL: the database's own types, no text conversions."""
    typed_rule(rule)  # the same checks of value_type and bounds as for files
    kwargs = dict(rule.kwargs)
    if rule.expectation_type.startswith("expect_column_pair_") and "ignore_row_if" not in kwargs:
        kwargs["ignore_row_if"] = "either_value_is_missing"  # as for files: engines agree
    return gx_adapter.GxCheck(rule.position, rule.label, rule.expectation_type, kwargs)


def _values_read(rule: Rule, columns: list[str]) -> list[str]:
    """The columns a rule reads: its kwargs' columns and any named in its row condition."""
    names = list(rule.columns)
    condition = rule.kwargs.get("row_condition")
    if isinstance(condition, str):
        names.extend(c for c in columns if c in condition and c not in names)
    return names


def _stream_keys(
    validation: gx_adapter.SqlValidation,
    rule: Rule,
    result: RuleResult,
    key_columns: list[str],
    columns: list[str],
    sink: Sink | None,
    batch_size: int,
) -> int:
    """Fetch the rule's failing rows by key; return how many had a blank key part."""
    expected = result.unexpected_count or 0
    keys: list[str] | None = [] if sink is None else None
    result.failing_keys = keys
    if expected == 0:
        return 0
    values = _values_read(rule, columns)
    selected = list(dict.fromkeys([*key_columns, *values]))
    width = len(key_columns)
    fetched = blank = 0
    for rows in validation.failing_rows(rule.position, key_columns, values, batch_size):
        records = []
        for row in rows:
            parts = row[:width]
            blank += any(part is None for part in parts)
            record_key = KEY_SEPARATOR.join("" if p is None else _text(p) for p in parts)
            record = {name: _plain(row[selected.index(name)]) for name in values}
            records.append((record_key, record))
        if sink is not None:
            sink(rule.position, fetched, records)
        else:
            keys.extend(record_key for record_key, _ in records)  # type: ignore[union-attr]
        fetched += len(rows)
    if fetched != expected:
        raise EngineError(
            f"{rule.label}: GX counted {expected} failing rows in the database but the key "
            f"query returned {fetched}; refusing to report a partial key list"
        )
    return blank


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _plain(value: Any) -> Any:
    """A database value as JSON can store it (failing records keep the rule's columns)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)
