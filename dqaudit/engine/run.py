"""Run a suite: build its plan, pick the backend once from the extract's type, execute.

This is the library entry point behind ``dqaudit check`` and ``audit run``. Whatever the
backend, results are assembled here the same way: GX's outcome per rule, a rule reading
values it cannot read fails (aggregates) or says so (conditions), and every failing
record is streamed, either into the audit store (``sink``) or into the result; a key
count different from GX's ``unexpected_count`` is an error, never a partial list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dqaudit.connectors.base import DatabaseExtract, Fingerprint, FrameExtract
from dqaudit.engine.backend import (
    RECORD_BATCH,
    Backend,
    FailingRecord,
    HelperCounts,
    KeySource,
    PreparedAudit,
)
from dqaudit.engine.plan import AuditPlan, PlannedRule, build_plan
from dqaudit.engine.results import RuleResult, SuiteResult
from dqaudit.errors import EngineError, InputError
from dqaudit.expectations.suite import load_suite, suite_from_dict
from dqaudit.expectations.suite_model import Suite

if TYPE_CHECKING:
    from dqaudit.connectors.base import Extract

# (rule position, sequence number of the batch's first record, records)
Sink = Callable[[int, int, list[FailingRecord]], None]


def run_suite(
    data: pd.DataFrame | Extract,
    suite: Suite | str | Path | dict[str, Any],
    key: str | Sequence[str] | None = None,
    *,
    line_numbers: Sequence[int] | np.ndarray | None = None,
    source: str | None = None,
    timezone: str | None = None,
    sink: Sink | None = None,
    batch_size: int = RECORD_BATCH,
) -> SuiteResult:
    """Validate ``data`` against ``suite`` and return every failing row's key, per rule.

    ``key`` names the column(s) that identify a record. Without it, or where a key cell
    is blank, rows of a file are identified by ``line_numbers`` (the physical line each
    record starts on; for a bare DataFrame, row position + 2, as in a CSV file with one
    header line). A database extract is validated inside its database. ``timezone`` is
    the dataset's: timeliness and order rules that set none read local datetimes in it.
    With ``sink``, failing records go to it in batches and ``failing_keys`` stay None.
    """
    extract = as_extract(data, line_numbers, source)
    backend = backend_for(extract)
    plan = build_plan(coerce_suite(suite), backend.schema(), key, timezone=timezone)
    return run_plan(plan, backend, sink=sink, batch_size=batch_size, extract=extract)


def backend_for(extract: Extract) -> Backend:
    """The backend for an extract, chosen once, from its type."""
    if isinstance(extract, FrameExtract):
        from dqaudit.engine.pandas_backend import PandasBackend

        return PandasBackend(extract)
    if isinstance(extract, DatabaseExtract):
        from dqaudit.engine.sql_backend import SqlBackend

        return SqlBackend(extract)
    from dqaudit.connectors.spark import SparkExtract

    if isinstance(extract, SparkExtract):
        from dqaudit.engine.spark_backend import SparkBackend

        return SparkBackend(extract)
    raise InputError(
        f"the connector returned {type(extract).__name__}, which no dqaudit backend runs "
        "(a connector returns a FrameExtract, a DatabaseExtract or a SparkExtract)"
    )


def as_extract(
    data: Any, line_numbers: Sequence[int] | np.ndarray | None, source: str | None
) -> Extract:
    if not isinstance(data, pd.DataFrame):
        return data
    if line_numbers is None:
        lines = np.arange(2, len(data) + 2, dtype=np.int64)
    else:
        lines = np.asarray(line_numbers, dtype=np.int64)
        if len(lines) != len(data):
            raise InputError(f"{len(lines)} line numbers given for {len(data)} rows")
    fingerprint = Fingerprint(source or "the data", "-", len(data), [str(c) for c in data.columns])
    return FrameExtract(data, fingerprint, lines)


def coerce_suite(suite: Suite | str | Path | dict[str, Any]) -> Suite:
    if isinstance(suite, Suite):
        return suite
    if isinstance(suite, dict):
        return suite_from_dict(suite)
    return load_suite(suite)


def run_plan(
    plan: AuditPlan,
    backend: Backend,
    *,
    sink: Sink | None = None,
    batch_size: int = RECORD_BATCH,
    extract: Extract | None = None,
) -> SuiteResult:
    """Execute a plan on its backend and assemble the result the same way for all."""
    with backend.open(plan) as audit:
        outcomes = audit.outcomes()
        counts = audit.helper_counts()
        results = []
        for planned in plan.rules:
            result = _rule_result(planned, outcomes, counts)
            if result.error is None and planned.row_level and result.unexpected_count:
                _collect(audit, planned, result, sink, batch_size)
            elif planned.row_level and result.error is None:
                result.failing_keys, result.line_keys = ([], []) if sink is None else (None, None)
            if result.error is None:
                _listed_for_checking(audit, planned, result)
            results.append(result)
        warnings = list(audit.key_warnings)
        rows = audit.rows
    for result in results:
        warnings.extend(f"{result.rule.label}: {warning}" for warning in result.warnings)
    bad_rows: tuple[Any, ...] = ()
    policy = "error"
    if isinstance(extract, FrameExtract):
        bad_rows, policy = extract.bad_rows, str(extract.bad_row_policy)
        if bad_rows:
            first = bad_rows[0]
            warnings.append(
                f"{len(bad_rows)} bad row(s) left out of the audit (on_bad_row: {policy}); "
                f"first at line {first.line}: {first.reason}"
            )
    return SuiteResult(
        suite_name=plan.suite.name,
        rows=rows,
        key_source="column" if plan.key_columns else "line",
        results=results,
        warnings=warnings,
        key_columns=list(plan.key_columns),
        suite=plan.suite,
        bad_rows=list(bad_rows),
        bad_row_policy=policy,
    )


def _rule_result(
    planned: PlannedRule, outcomes: dict[int, Any], counts: HelperCounts
) -> RuleResult:
    outcome = outcomes[planned.position]
    result = RuleResult(
        rule=planned.rule,
        success=outcome.success,
        unexpected_count=outcome.unexpected_count if outcome.is_row_level else None,
        error=outcome.error,
        element_count=outcome.element_count,
        unexpected_percent=outcome.unexpected_percent,
        observed_value=outcome.observed_value,
    )
    unreadable = sum(counts.unreadable.get(name, 0) for name in planned.aggregate_columns)
    if unreadable and result.error is None:
        result.success = False
        result.warnings.append(
            f"{unreadable} value(s) could not be read as the rule needs, so its statistic "
            "over the column fails"
        )
    if planned.condition_column is not None:
        for column, count in counts.condition_unreadable.get(planned.condition_column, {}).items():
            result.warnings.append(
                f"row_condition: {count} value(s) of {column} could not be read, so those "
                "rows are not selected"
            )
        if counts.selected.get(planned.condition_column) == 0:
            result.warnings.append("row_condition selects no row, so the rule checked nothing")
    return result


def _listed_for_checking(audit: PreparedAudit, planned: PlannedRule, result: RuleResult) -> None:
    """Rows the rule library lists on this rule without failing them: a warning naming
    the first keys, and every key on the result (``warning_keys``)."""
    for warning in audit.rule_warnings(planned):
        shown = ", ".join(warning.keys[:5])
        more = f" and {len(warning.keys) - 5} more" if len(warning.keys) > 5 else ""
        result.warnings.append(f"{warning.message}: {shown}{more}")
        result.warning_keys = [*(result.warning_keys or []), *warning.keys]


def _collect(
    audit: PreparedAudit,
    planned: PlannedRule,
    result: RuleResult,
    sink: Sink | None,
    batch_size: int,
) -> None:
    """Stream the rule's failing records; their number must be GX's count."""
    keys: list[str] | None = [] if sink is None else None
    lines: list[str] | None = [] if sink is None else None
    fetched = 0
    for records in audit.failing_records(planned, batch_size):
        if sink is not None:
            sink(planned.position, fetched, records)
        else:
            assert keys is not None and lines is not None
            keys.extend(record.key for record in records)
            lines.extend(r.key for r in records if r.key_source is KeySource.LINE)
        fetched += len(records)
    if fetched != result.unexpected_count:
        raise EngineError(
            f"{planned.label}: GX counted {result.unexpected_count} failing rows but "
            f"{fetched} were listed; refusing to report a partial key list"
        )
    result.failing_keys, result.line_keys = keys, lines
