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

from dqaudit.reports.config import RagThresholds

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

    def rag(self, thresholds: RagThresholds) -> str | None:
        """Red whenever a table-level check failed or a check could not be evaluated:
        the rows cannot be called good when the extract itself is wrong or unmeasured."""
        if self.table_failures or self.not_evaluated:
            return RED
        return thresholds.status(self.value)

    @property
    def measured(self) -> bool:
        return bool(self.rules or self.table_failures or self.not_evaluated)

    def problems(self) -> list[str]:
        notes = []
        if self.table_failures:
            notes.append(f"{self.table_failures} table-level check(s) failed")
        if self.not_evaluated:
            notes.append(f"{self.not_evaluated} check(s) could not be evaluated")
        return notes


def score(outcomes: Iterable[RuleOutcome], weighting: str = "rows") -> Score:
    """Combine rule outcomes into one score, as README "SIMB summary" documents."""
    failing = checked = rules = table_failures = not_evaluated = 0
    weighted = weights = 0.0
    for outcome in outcomes:
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
    return Score(value, failing, checked, rules, table_failures, not_evaluated)


def format_score(value: float | None) -> str:
    """Two decimals, rounded down: 99.996 % shows as 99.99 %, never as a perfect 100.00 %,
    and a score just under a threshold never shows as the threshold."""
    if value is None:
        return "–"
    return f"{math.floor(value * 100 + 1e-6) / 100:.2f} %"
