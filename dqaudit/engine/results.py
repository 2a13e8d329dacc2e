"""Audit results and their JSON document, the contract shared by ``check`` and ``audit show``."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dqaudit.connectors.base import BadRow
from dqaudit.expectations.suite_model import Rule, Suite


class Outcome(StrEnum):
    """What an audit of one extract concluded (also each stored run's ``outcome``)."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"


PASSED, FAILED, ERROR = Outcome.PASSED, Outcome.FAILED, Outcome.ERROR

# The version of the result document (``check --json``, ``audit show --json``). Version 2
# added ``document_version`` and each result's ``line_keys``; everything of version 1 is
# kept as it was, so a reader of version 1 still reads version 2.
DOCUMENT_VERSION = 2


@dataclass
class RuleResult:
    """The outcome of one expectation.

    ``failing_keys`` holds every failing key (None for a table-level rule, or when the
    keys were streamed to the audit store instead); ``line_keys`` those of them that are
    line numbers, because the row's key was blank. ``warnings`` are this rule's own:
    values a condition or a typed rule could not read, a condition selecting no row.
    """

    rule: Rule
    success: bool | None
    unexpected_count: int | None = None
    failing_keys: list[str] | None = None
    error: str | None = None
    element_count: int | None = None
    unexpected_percent: float | None = None
    observed_value: Any = None
    line_keys: list[str] | None = None
    warnings: list[str] = field(default_factory=list)
    # Keys of the rows the rule listed for checking without failing them (a local time
    # in the repeated clock-change hour whose reading decides the verdict).
    warning_keys: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "expectation_type": self.rule.expectation_type,
            "kwargs": self.rule.kwargs,
            "rule_id": self.rule.rule_id,
            "success": self.success,
            "unexpected_count": self.unexpected_count,
            "failing_keys": self.failing_keys,
            "line_keys": self._line_keys(),
            "error": self.error,
        }

    def _line_keys(self) -> list[str] | None:
        """Those of ``failing_keys`` that are line numbers (None where those are None)."""
        if self.failing_keys is None:
            return None
        return list(self.line_keys or [])


@dataclass
class SuiteResult:
    """A suite run against one extract; ``to_dict`` is the documented JSON document."""

    suite_name: str
    rows: int | None
    key_source: str | None
    results: list[RuleResult] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    key_columns: list[str] = field(default_factory=list)
    suite: Suite | None = field(default=None, repr=False)
    # Records left out under on_bad_row skip/report; "report" fails the run.
    bad_rows: list[BadRow] = field(default_factory=list)
    bad_row_policy: str = "error"

    @property
    def status(self) -> Outcome:
        if self.error or any(r.error for r in self.results):
            return ERROR
        if any(r.success is False for r in self.results):
            return FAILED
        if self.bad_rows and self.bad_row_policy == "report":
            return FAILED
        return PASSED

    @property
    def bad_row_action(self) -> str:
        return "reported" if self.bad_row_policy == "report" else "skipped"

    def to_dict(self) -> dict[str, Any]:
        document = {
            "document_version": DOCUMENT_VERSION,
            "status": self.status,
            "suite": self.suite_name,
            "rows": self.rows,
            "key_source": self.key_source,
            "key_columns": list(self.key_columns),
            "error": self.error or self._first_rule_error(),
            "results": [r.to_dict() for r in self.results],
        }
        return document  # exactly the documented shape; bad rows are listed on stderr

    def bad_row_lines(self) -> list[str]:
        """One line per record left out, with its line number (``check`` prints them)."""
        return [f"line {row.line}: {row.reason} ({self.bad_row_action})" for row in self.bad_rows]

    def _first_rule_error(self) -> str | None:
        for result in self.results:
            if result.error:
                return f"{result.rule.label}: {result.error}"
        return None


def error_document(message: str, suite_name: str | None = None) -> dict[str, Any]:
    """The JSON document for a run that could not start or finish (exit 2 or 3)."""
    return {
        "document_version": DOCUMENT_VERSION,
        "status": ERROR,
        "suite": suite_name,
        "rows": None,
        "key_source": None,
        "key_columns": [],
        "error": message,
        "results": [],
    }
