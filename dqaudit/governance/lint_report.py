"""What ``suite lint`` reports: problems with their severity, the report of one suite,
and how a problem is tied to the setting at fault and to the names it may have meant."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from dqaudit.expectations.suite_model import Rule, Suite

REPORT_VERSION = 1


class Severity(StrEnum):
    ERROR = "error"
    UNSET = "to be set"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One problem: ``expectation`` is 1-based (None: the suite as a whole)."""

    severity: Severity
    message: str
    expectation: int | None = None
    rule_id: str | None = None
    setting: str | None = None
    suggestions: tuple[str, ...] = ()

    def describe(self) -> str:
        text = f"{self.severity}: {self.message}"
        if self.rule_id and f"rule {self.rule_id}" not in self.message:
            text += f" [rule {self.rule_id}]"
        if self.setting and self.setting not in self.message:
            text += f" [{self.setting}]"
        if self.suggestions:
            text += "; did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        return text

    def to_dict(self, file: str) -> dict[str, Any]:
        return {
            "severity": str(self.severity),
            "file": file,
            "expectation": self.expectation,
            "rule_id": self.rule_id,
            "setting": self.setting,
            "message": self.message,
            "suggestions": list(self.suggestions),
        }


@dataclass(frozen=True)
class LintReport:
    """Every problem of one suite file; ``columns_from`` names the header checked against."""

    file: str
    suite: Suite | None
    problems: tuple[Problem, ...]
    columns_from: str | None = None

    def of(self, severity: Severity) -> list[Problem]:
        return [p for p in self.problems if p.severity is severity]

    @property
    def errors(self) -> list[Problem]:
        return self.of(Severity.ERROR)

    @property
    def clean(self) -> bool:
        """Nothing wrong and nothing left to set (warnings allowed)."""
        return not self.errors and not self.of(Severity.UNSET)

    @property
    def name(self) -> str:
        return self.suite.name if self.suite else Path(self.file).stem

    def summary(self) -> str:
        counts = (
            f"{len(self.errors)} error(s), {len(self.of(Severity.UNSET))} to be set, "
            f"{len(self.of(Severity.WARNING))} warning(s)"
        )
        checked = (
            f"columns checked against {self.columns_from}"
            if self.columns_from
            else "columns not checked"
        )
        return f"{self.file} (suite {self.name}): {counts}; {checked}"

    def describe(self) -> str:
        """For people: every problem on its own line, then the summary."""
        return "\n".join([*(p.describe() for p in self.problems), self.summary()])

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "file": self.file,
            "suite": self.suite.name if self.suite else None,
            "clean": self.clean,
            "columns_checked_against": self.columns_from,
            "counts": {str(s): len(self.of(s)) for s in Severity},
            "problems": [p.to_dict(self.file) for p in self.problems],
        }


def close_columns(name: str, columns: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Columns a misspelt name may mean: the same name in another case first."""
    same = [c for c in columns if c.casefold() == name.casefold()]
    if same:
        return tuple(same[:2])
    return closest(name, columns)


def closest(word: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """The candidates nearest to a misspelt ``word``: the best, and any as good as it."""
    scored = sorted(
        ((difflib.SequenceMatcher(None, word, c).ratio(), c) for c in candidates),
        reverse=True,
    )
    if not scored or scored[0][0] < 0.6:
        return ()
    best = scored[0][0]
    return tuple(c for ratio, c in scored[:3] if ratio >= best - 0.02)


def suite_setting(message: str) -> str:
    if "derivation" in message:
        return "meta.dqaudit.derivation"
    return "key" if "key" in message else "meta.dqaudit"


KWARG_PATTERNS = (
    re.compile(r"invalid kwargs: ([A-Za-z_]\w*):"),
    re.compile(r"kwarg '([A-Za-z_]\w*)'"),
    re.compile(r": ([A-Za-z_]\w*) file not found"),
    re.compile(r": (regex|regex_list) .* is not a valid regular expression"),
)


def rule_setting(rule: Rule, message: str) -> str:
    """Which setting of a rule a plan problem is about, from the plan's own wording."""
    if "unknown expectation type" in message or "runs on" in message:
        return "type"
    for name in ("datetime_format", "value_type"):
        if f"meta.dqaudit.{name}" in message:
            return f"meta.dqaudit.{name}"
    missing = re.search(r"reads column '(.*?)', which is not in", message)
    if missing:
        column = missing.group(1)
        for key in ("column", "column_A", "column_B", "column_list", "column_set"):
            value = rule.kwargs.get(key)
            if value == column or (isinstance(value, list) and column in value):
                return f"kwargs.{key}"
        return "kwargs.row_condition"
    for pattern in KWARG_PATTERNS:
        found = pattern.search(message)
        if found:
            return f"kwargs.{found.group(1)}"
    return "kwargs"
