"""Quality scores: the share of records passing a dimension's rules, and its RAG status.

A score is computed from rule outcomes only (counts of rows checked and failing), never
from record contents. Three weightings are offered because forces weigh differently:
``rows`` (default) counts every row checked once per rule, ``rules`` gives every rule the
same weight whatever its row count, ``risk`` weighs each rule by its likelihood × impact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from dqaudit.workspace.report_settings import RagThresholds

RED = "Red"


@dataclass(frozen=True)
class RuleOutcome:
    """What scoring needs of one rule's result: its dimension, risk and counts."""

    dimension: str | None
    likelihood: int | None
    impact: int | None
    success: bool | None
    unexpected: int | None
    checked: int | None
    errored: bool
    warning: bool = False

    @property
    def row_level(self) -> bool:
        """A rule that checked rows (table-level rules have no row counts)."""
        return not self.errored and self.success is not None and self.checked is not None

    @property
    def pass_rate(self) -> float | None:
        if not self.row_level or not self.checked:
            return None
        return 1.0 - min(self.unexpected or 0, self.checked) / self.checked


@dataclass(frozen=True)
class Score:
    """A dimension's (or a system's) score in percent, with the counts behind it."""

    value: float | None
    failing: int = 0
    checked: int = 0
    rules: int = 0
    table_failures: int = 0
    not_evaluated: int = 0
    warnings: int = 0

    def rag(self, thresholds: RagThresholds) -> str | None:
        """Red whenever a table-level check failed or a check could not be evaluated:
        the rows cannot be called good when the extract itself is wrong or unmeasured."""
        if self.table_failures or self.not_evaluated:
            return RED
        return thresholds.status(self.value)

    @property
    def measured(self) -> bool:
        """Warnings alone measure nothing: they never count for or against a score."""
        return bool(self.rules or self.table_failures or self.not_evaluated)

    def problems(self) -> list[str]:
        notes = []
        if self.table_failures:
            notes.append(f"{self.table_failures} table-level check(s) failed")
        if self.not_evaluated:
            notes.append(f"{self.not_evaluated} check(s) could not be evaluated")
        if self.warnings:
            notes.append(f"{self.warnings} warning rule(s) (mostly: 0) not scored")
        return notes


def is_warning(kwargs: object) -> bool:
    """A rule with ``mostly: 0`` never fails: it lists rows for checking (a PACE review
    postponed with a recorded reason is lawful), so those rows are not bad data."""
    if not isinstance(kwargs, dict):
        return False
    mostly = kwargs.get("mostly")
    return isinstance(mostly, int | float) and not isinstance(mostly, bool) and mostly == 0


def rows_checked(
    unexpected: int | None, element_count: int | None, unexpected_percent: float | None
) -> int | None:
    """The rows a rule actually judged: its non-null rows.

    GX's ``element_count`` includes null values, which a rule skips (only not-null rules
    judge them), while ``unexpected_percent`` is a share of the non-null values; so the
    non-null count is ``unexpected ÷ (unexpected_percent ÷ 100)``. When no row failed that
    cannot be recovered, and ``element_count`` is used (the pass rate is 100 % either way).
    """
    if element_count is None:
        return None
    if unexpected and unexpected_percent:
        return min(element_count, round(unexpected * 100 / unexpected_percent))
    return element_count


def score(outcomes: Iterable[RuleOutcome], weighting: str = "rows") -> Score:
    """Combine rule outcomes into one score, as README "SIMB summary" documents."""
    failing = checked = rules = table_failures = not_evaluated = warnings = 0
    weighted = weights = 0.0
    for outcome in outcomes:
        if outcome.warning:
            warnings += 1  # listed for checking, never counted against the score
            continue
        if outcome.errored or outcome.success is None:
            not_evaluated += 1
            continue
        if outcome.checked is None:
            table_failures += outcome.success is False
            continue
        rules += 1
        failing += min(outcome.unexpected or 0, outcome.checked)
        checked += outcome.checked
        rate = outcome.pass_rate
        if rate is None:
            continue  # a rule that checked no rows says nothing about quality
        weight = 1.0
        if weighting == "risk":
            weight = float((outcome.likelihood or 1) * (outcome.impact or 1))
        weighted += weight * rate
        weights += weight
    if weighting == "rows":
        value = 100.0 * (checked - failing) / checked if checked else None
    else:
        value = 100.0 * weighted / weights if weights else None
    if value is not None:
        value = round(value, 9)  # no float noise at a threshold: 5 of 100 failing is 95 %
    return Score(value, failing, checked, rules, table_failures, not_evaluated, warnings)


def floor_score(value: float) -> float:
    """A score rounded DOWN to two decimals: the one rounding every display uses (HTML text,
    chart labels, Excel values), so 99.996 % is never shown as a perfect 100 %, a score just
    under a threshold never as the threshold, and the HTML and the workbook always agree.
    The tiny tolerance keeps float noise (95.0 stored as 94.99999999) from dropping a cent."""
    return math.floor(value * 100 + 1e-6) / 100


def format_score(value: float | None) -> str:
    """Two decimals, rounded down (see :func:`floor_score`): 99.996 % shows as 99.99 %."""
    if value is None:
        return "–"
    return f"{floor_score(value):.2f} %"
