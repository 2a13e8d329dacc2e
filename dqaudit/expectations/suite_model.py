"""What a suite is once read: its rules, their governance metadata, and the hash approval binds.

Reading a suite file (strictly, every problem collected) is ``dqaudit.expectations.suite``;
this module is the data it produces, which the engine, the store, governance and the
reports all share. It stays free of loading so those layers depend on the shape of a
suite, not on how a file is checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dqaudit.digests import sha256_text
from dqaudit.errors import InputError
from dqaudit.expectations.conditions import Condition, columns_of

DIMENSIONS = (
    "completeness",
    "uniqueness",
    "validity",
    "consistency",
    "timeliness",
    "accuracy",
)
VALUE_TYPES = ("number", "datetime")
DEFAULT_RISK_SCALE = 5

# Keys of an expectation that name the columns it reads.
COLUMN_KWARGS = ("column", "column_A", "column_B")
COLUMN_LIST_KWARGS = ("column_list", "column_set")


@dataclass(frozen=True)
class Rule:
    """One expectation of a suite, with its dqaudit metadata pulled out of ``meta``."""

    position: int
    expectation_type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]
    rule_id: str | None = None
    dimension: str | None = None
    likelihood: int | None = None
    impact: int | None = None
    rationale: str | None = None
    remediation: str | None = None
    value_type: str | None = None
    datetime_format: str | None = None
    condition: Condition | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """How errors name this expectation: position, rule id and type."""
        rule = f"rule {self.rule_id}, " if self.rule_id else ""
        return f"expectation #{self.position + 1} ({rule}{self.expectation_type})"

    @property
    def columns(self) -> list[str]:
        """The data columns named in the kwargs, in kwargs order, without repeats."""
        names: list[str] = []
        for key in COLUMN_KWARGS:
            value = self.kwargs.get(key)
            if isinstance(value, str) and value not in names:
                names.append(value)
        if self.expectation_type == "expect_table_columns_to_match_set":
            return names  # column_set there lists expected columns, not columns read
        for key in COLUMN_LIST_KWARGS:
            value = self.kwargs.get(key)
            if isinstance(value, list):
                names.extend(v for v in value if isinstance(v, str) and v not in names)
        return names

    @property
    def reads(self) -> tuple[str, ...]:
        """Every data column the rule reads: its kwargs' columns, then its row condition's.

        This is the one answer to "which columns does a rule read": it decides which
        values (personal data) are stored with each failing record, so the condition is
        parsed, never searched for names as text.
        """
        names = list(self.columns)
        if self.condition is not None:
            names.extend(c for c in columns_of(self.condition) if c not in names)
        return tuple(names)


@dataclass(frozen=True)
class Suite:
    """A loaded suite: its rules in file order and the suite-level ``meta.dqaudit``."""

    name: str
    rules: tuple[Rule, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    system: str | None = None
    dataset: str | None = None
    purpose: str | None = None
    likelihood: int | None = None
    impact: int | None = None
    path: Path | None = None

    @property
    def source(self) -> str:
        return str(self.path) if self.path else f"suite '{self.name}'"

    def effective_risk(self, rule: Rule) -> tuple[int | None, int | None]:
        """Rule likelihood and impact, each falling back to the suite's."""
        likelihood = rule.likelihood if rule.likelihood is not None else self.likelihood
        impact = rule.impact if rule.impact is not None else self.impact
        return likelihood, impact

    @property
    def risk_score(self) -> int:
        """The suite's highest likelihood × impact, over the suite and each of its rules."""
        scores = [(self.likelihood or 0) * (self.impact or 0)]
        for rule in self.rules:
            likelihood, impact = self.effective_risk(rule)
            scores.append((likelihood or 0) * (impact or 0))
        return max(scores)

    def canonical(self) -> dict[str, Any]:
        """What approval is bound to: rules and their risk, not wording, ids or GX version."""
        expectations = []
        for rule in self.rules:
            likelihood, impact = self.effective_risk(rule)
            item: dict[str, Any] = {
                "type": rule.expectation_type,
                "kwargs": rule.kwargs,
                "rule_id": rule.rule_id,
                "dimension": rule.dimension,
                "likelihood": likelihood,
                "impact": impact,
            }
            if rule.value_type is not None:
                item["value_type"] = rule.value_type
            if rule.datetime_format is not None:
                item["datetime_format"] = rule.datetime_format
            expectations.append(item)
        expectations.sort(key=canonical_json)
        document = {
            "name": self.name,
            "system": self.system,
            "dataset": self.dataset,
            "expectations": expectations,
        }
        # A derived dataset (rules across tables) is part of what is approved.
        derivation = (self.meta.get("dqaudit") or {}).get("derivation")
        if derivation is not None:
            document["derivation"] = derivation
        # So is an explicit audit cadence: it overrides the one the risk band sets.
        schedule = (self.meta.get("dqaudit") or {}).get("schedule")
        if schedule is not None:
            document["schedule"] = schedule
        return document

    @property
    def hash(self) -> str:
        """SHA-256 of the canonical form; a reordering or a wording fix leaves it unchanged."""
        return sha256_text(canonical_json(self.canonical()))

    @property
    def draft(self) -> bool:
        """Whether the suite is marked as a draft (``meta.dqaudit.draft: true``), as
        ``suite draft`` writes it: approval refuses it until the board removes the mark."""
        return (self.meta.get("dqaudit") or {}).get("draft") is True

    def governance_problems(self) -> list[SuiteProblem]:
        """Every missing binding: audits bind suites to datasets and findings to rule ids."""
        problems = [
            SuiteProblem(
                f"{self.source}: meta.dqaudit.{key} is missing; a suite run by "
                "'audit run' must name the system and dataset it audits",
                setting=f"meta.dqaudit.{key}",
            )
            for key in ("system", "dataset")
            if not getattr(self, key)
        ]
        problems += [
            SuiteProblem(
                f"{self.source}: {rule.label} has no meta.dqaudit.rule_id; "
                "findings and action plans key on it",
                position=rule.position,
                setting="meta.dqaudit.rule_id",
            )
            for rule in self.rules
            if not rule.rule_id
        ]
        return problems

    def require_governance(self) -> None:
        """Audits bind suites to datasets and findings to rule ids, so both must be present."""
        problems = self.governance_problems()
        if problems:
            raise InputError(problems[0].message)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spacing: equal values give equal text (hashes, repeats)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class SuiteProblem:
    """One thing wrong with a suite file, as loading finds it.

    ``message`` names the file and the expectation (as errors always do); ``position``
    (0-based), ``rule_id`` and ``setting`` say the same as data, for ``suite lint --json``.
    A ``warning`` is accepted as it is (a dimension written in capitals) but worth fixing.
    """

    message: str
    position: int | None = None
    rule_id: str | None = None
    setting: str | None = None
    suggestions: tuple[str, ...] = ()
    warning: bool = False
