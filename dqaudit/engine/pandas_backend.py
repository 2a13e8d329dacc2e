"""The pandas backend: audit plans on rows in memory (files, and databases read by pull).

Helper columns are computed with pandas (typed conversions, row conditions, RE2 regex
verdicts), GX validates the frame of the columns rules read plus the helpers in one call,
and GX's positional failing indices become the rows' keys and values, in file order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dqaudit.engine.backend import FailingRecord, HelperCounts, KeySource, RuleWarning, plain
from dqaudit.engine.keys import RowKeys, row_keys
from dqaudit.engine.pandas_eval import ConditionEvaluator, typed_values
from dqaudit.engine.plan import PANDAS, AuditPlan, ExtractSchema, PlannedRule
from dqaudit.errors import EngineError
from dqaudit.expectations import gx_adapter, regexes
from dqaudit.expectations.rules.timing import DEFAULT_TIMEZONE, clock_change_warning

if TYPE_CHECKING:
    from dqaudit.connectors.base import FrameExtract


class PandasBackend:
    """Runs plans on a FrameExtract."""

    engine = PANDAS

    def __init__(self, extract: FrameExtract) -> None:
        frame = extract.frame
        if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0:
            frame = frame.reset_index(drop=True)
        self.frame = frame
        self.extract = extract
        self.lines = extract.line_numbers
        if self.lines is not None and len(self.lines) != len(frame):
            raise EngineError(f"{len(self.lines)} line numbers given for {len(frame)} rows")

    def schema(self) -> ExtractSchema:
        kinds: dict[str, Any] = {}
        for column in self.frame.columns:
            dtype = self.frame[column].dtype
            if pd.api.types.is_datetime64_any_dtype(dtype):
                kinds[str(column)] = "datetime"
            elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
                kinds[str(column)] = "number"
            else:
                kinds[str(column)] = "text"
        return ExtractSchema(
            source=self.extract.fingerprint.source,
            columns=tuple(str(c) for c in self.frame.columns),
            engine=PANDAS,
            has_lines=self.lines is not None,
            kinds=kinds,
        )

    @contextmanager
    def open(self, plan: AuditPlan) -> Iterator[PreparedFrame]:
        yield PreparedFrame(self.frame, self.lines, plan)


class PreparedFrame:
    """The frame with its helper columns; GX runs once, when outcomes are first asked for."""

    def __init__(self, frame: pd.DataFrame, lines: np.ndarray | None, plan: AuditPlan) -> None:
        self.frame = frame
        self.plan = plan
        self.rows = len(frame)
        self.keys: RowKeys = row_keys(frame, plan.key_columns, lines, plan.schema.source)
        self.key_warnings = list(self.keys.warnings)
        self.counts = HelperCounts()
        self.work = self._work_frame()
        self._outcomes: dict[int, gx_adapter.GxOutcome] | None = None

    def _work_frame(self) -> pd.DataFrame:
        """The columns GX needs: those rules read, plus the helper columns."""
        frame, plan = self.frame, self.plan
        helpers: dict[str, pd.Series] = {}
        for typed in plan.typed_columns:
            values, unreadable = typed_values(frame[typed.conversion.column], typed)
            helpers[typed.name] = values
            self.counts.unreadable[typed.name] = unreadable
        evaluator = ConditionEvaluator(frame)
        for condition in plan.condition_columns:
            mask, counts = evaluator.evaluate(condition.condition)
            helpers[condition.name] = pd.Series(mask.astype(np.int8), index=frame.index)
            self.counts.selected[condition.name] = counts.selected
            self.counts.condition_unreadable[condition.name] = counts.unreadable
        for regex in plan.regex_columns:
            helpers[regex.name] = regexes.verdicts(
                frame[regex.column], regex.patterns, regex.must_match, regex.match_on
            )
        kept = plan.gx_columns()
        work = frame if kept is None else frame[kept]
        converted = {
            name: _naive_ns(work[name])
            for name in work.columns
            if pd.api.types.is_datetime64_any_dtype(work[name].dtype)
        }
        if converted:
            work = work.assign(**converted)  # GX is slow on pandas 3's datetime64[us]
        if helpers:
            work = pd.concat([work, pd.DataFrame(helpers, index=frame.index)], axis=1)
        return work

    def outcomes(self) -> dict[int, gx_adapter.GxOutcome]:
        """One GX call for the row rules; schema rules see the extract's own columns."""
        if self._outcomes is None:
            rows = [r.check for r in self.plan.rules if not r.schema_rule]
            schema = [r.check for r in self.plan.rules if r.schema_rule]
            outcomes = gx_adapter.validate_dataframe(self.work, rows) if rows else {}
            if schema:
                outcomes.update(gx_adapter.validate_dataframe(self.frame, schema))
            self._outcomes = outcomes
        return self._outcomes

    def helper_counts(self) -> HelperCounts:
        return self.counts

    def rule_warnings(self, rule: PlannedRule) -> list[RuleWarning]:
        """Timing rules with ``ambiguous: flag``: the rows (of those the row condition
        selects) whose verdict depends on how a repeated clock-change hour is read."""
        selected = None
        if rule.condition_column is not None:
            selected = self.work[rule.condition_column].to_numpy() == 1
        found = clock_change_warning(
            rule.rule.expectation_type,
            rule.check.kwargs,
            self.frame,
            self.plan.timezone or DEFAULT_TIMEZONE,
            selected,
        )
        if found is None:
            return []
        positions = np.flatnonzero(found.rows)
        return [RuleWarning(found.message, [str(self.keys.keys[p]) for p in positions])]

    def failing_records(self, rule: PlannedRule, batch_size: int) -> Iterator[list[FailingRecord]]:
        """The failing rows in file order; keys, sources and the rule's columns are taken
        for all failing positions at once per column (not row by row, nor whole rows)."""
        outcome = self.outcomes()[rule.position]
        positions = np.sort(np.asarray(outcome.unexpected_index_list or [], dtype=np.int64))
        columns = list(rule.reads)
        keys = self.keys.keys[positions]
        by_line = self.keys.by_line[positions]
        values = [_plain_values(self.frame[name], positions) for name in columns]
        for start in range(0, len(positions), batch_size):
            stop = start + batch_size
            yield [
                FailingRecord(
                    str(key),
                    dict(zip(columns, row, strict=True)),
                    KeySource.LINE if line else KeySource.COLUMN,
                )
                for key, line, *row in zip(
                    keys[start:stop].tolist(),
                    by_line[start:stop].tolist(),
                    *(column[start:stop] for column in values),
                    strict=True,
                )
            ]


def _plain_values(series: pd.Series, positions: np.ndarray) -> list[Any]:
    """The column's values at ``positions`` as JSON can store them (None for a null)."""
    taken = series.iloc[positions]
    dtype = taken.dtype
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return list(taken.to_numpy(dtype=object, na_value=None))  # text: str or None
    boxed = taken.astype(object).where(taken.notna(), None)
    return [plain(value) for value in boxed.tolist()]


def _naive_ns(series: pd.Series) -> pd.Series:
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.astype("datetime64[ns]")
