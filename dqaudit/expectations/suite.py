"""Suites as plain data: a GX 1.x suite file plus dqaudit's governance metadata in ``meta``.

Loading is strict because a suite decides what the SIMB approves: a typo in a rule must be
an error naming the file and expectation, never a rule that silently does nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dqaudit.digests import sha256_text
from dqaudit.errors import InputError
from dqaudit.expectations.conditions import Condition, columns_of, parse_condition

if TYPE_CHECKING:
    from dqaudit.workspace.config import Workspace

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
        expectations.sort(key=_canonical_json)
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
        return sha256_text(_canonical_json(self.canonical()))

    def require_governance(self) -> None:
        """Audits bind suites to datasets and findings to rule ids, so both must be present."""
        missing = [k for k in ("system", "dataset") if not getattr(self, k)]
        if missing:
            raise InputError(
                f"{self.source}: meta.dqaudit.{missing[0]} is missing; a suite run by "
                "'audit run' must name the system and dataset it audits"
            )
        for rule in self.rules:
            if not rule.rule_id:
                raise InputError(
                    f"{self.source}: {rule.label} has no meta.dqaudit.rule_id; "
                    "findings and action plans key on it"
                )


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def load_suite(path: str | Path, risk_scale: int = DEFAULT_RISK_SCALE) -> Suite:
    """Read and check a GX suite JSON file; any error names the file and the expectation."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"suite file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read suite file {path}: {exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: malformed suite JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    return suite_from_dict(document, source=str(path), risk_scale=risk_scale, path=path)


def load_workspace_suites(workspace: Workspace) -> list[Suite]:
    """Every suite file in the workspace's suites folder, strictly loaded against its risk
    matrix (a likelihood of 5 is an error in a 4x4 workspace)."""
    scale = workspace.config.risk.matrix
    return [load_suite(path, risk_scale=scale) for path in workspace.suite_files()]


def suite_from_dict(
    document: Any,
    source: str = "suite",
    risk_scale: int = DEFAULT_RISK_SCALE,
    path: Path | None = None,
) -> Suite:
    """Build a Suite from a parsed GX 1.x suite document (the shape GX's own JSON has)."""
    if not isinstance(document, Mapping):
        raise InputError(f"{source}: a suite must be a JSON object with 'name' and 'expectations'")
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        hint = (
            " (GX 0.x's 'expectation_suite_name' is not read: GX 1.x suites use 'name')"
            if "expectation_suite_name" in document
            else ""
        )
        raise InputError(f"{source}: the suite has no 'name'{hint}")
    expectations = document.get("expectations", [])
    if not isinstance(expectations, list):
        raise InputError(f"{source}: 'expectations' must be a list")
    meta = _mapping(document.get("meta"), f"{source}: suite 'meta'")
    governance = _mapping(meta.get("dqaudit"), f"{source}: suite meta.dqaudit")
    where = f"{source}: suite meta.dqaudit"
    rules = tuple(
        _rule_from_dict(item, index, source, risk_scale) for index, item in enumerate(expectations)
    )
    _check_unique_rule_ids(rules, source)
    _check_no_duplicate_expectations(rules, source)
    return Suite(
        name=name,
        rules=rules,
        meta=dict(meta),
        system=_optional_str(governance, "system", where),
        dataset=_optional_str(governance, "dataset", where),
        purpose=_optional_str(governance, "purpose", where),
        likelihood=_risk_value(governance, "likelihood", where, risk_scale),
        impact=_risk_value(governance, "impact", where, risk_scale),
        path=path,
    )


def _rule_from_dict(item: Any, index: int, source: str, risk_scale: int) -> Rule:
    where = f"{source}: expectation #{index + 1}"
    if not isinstance(item, Mapping):
        raise InputError(f"{where} must be a JSON object with 'type' and 'kwargs'")
    expectation_type = item.get("type")
    if not isinstance(expectation_type, str) or not expectation_type:
        hint = (
            " (GX 0.x's 'expectation_type' is not read: GX 1.x suites use 'type')"
            if "expectation_type" in item
            else ""
        )
        raise InputError(f"{where} has no expectation 'type'{hint}")
    where = f"{where} ({expectation_type})"
    kwargs = _mapping(item.get("kwargs"), f"{where}: 'kwargs'")
    meta = _mapping(item.get("meta"), f"{where}: 'meta'")
    governance = _mapping(meta.get("dqaudit"), f"{where}: meta.dqaudit")
    gwhere = f"{where}: meta.dqaudit"
    dimension = _optional_str(governance, "dimension", gwhere)
    if dimension is not None and dimension not in DIMENSIONS:
        raise InputError(
            f"{gwhere}.dimension '{dimension}' is not a DAMA dimension; use one of "
            + ", ".join(DIMENSIONS)
        )
    value_type = _optional_str(governance, "value_type", gwhere)
    if value_type is not None and value_type not in VALUE_TYPES:
        raise InputError(f"{gwhere}.value_type '{value_type}' must be 'number' or 'datetime'")
    rule_id = _optional_str(governance, "rule_id", gwhere)
    condition = None
    if kwargs.get("row_condition") is not None:
        named = f"rule {rule_id}, " if rule_id else ""
        label = f"{source}: expectation #{index + 1} ({named}{expectation_type})"
        condition = parse_condition(kwargs["row_condition"], kwargs.get("condition_parser"), label)
    return Rule(
        position=index,
        expectation_type=expectation_type,
        condition=condition,
        kwargs=dict(kwargs),
        meta=dict(meta),
        rule_id=rule_id,
        dimension=dimension,
        likelihood=_risk_value(governance, "likelihood", gwhere, risk_scale),
        impact=_risk_value(governance, "impact", gwhere, risk_scale),
        rationale=_optional_str(governance, "rationale", gwhere),
        remediation=_optional_str(governance, "remediation", gwhere),
        value_type=value_type,
        datetime_format=_optional_str(governance, "datetime_format", gwhere),
    )


def _check_unique_rule_ids(rules: tuple[Rule, ...], source: str) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.rule_id is None:
            continue
        if rule.rule_id in seen:
            raise InputError(
                f"{source}: rule_id '{rule.rule_id}' is used by both "
                f"{seen[rule.rule_id].label} and {rule.label}; rule ids must be unique"
            )
        seen[rule.rule_id] = rule


def _check_no_duplicate_expectations(rules: tuple[Rule, ...], source: str) -> None:
    # GX keeps only the first of two expectations with equal type and kwargs, silently.
    seen: dict[str, Rule] = {}
    for rule in rules:
        identity = _canonical_json([rule.expectation_type, rule.kwargs])
        if identity in seen:
            raise InputError(
                f"{source}: {rule.label} repeats {seen[identity].label} (same type and "
                "kwargs); GX would silently drop one of them"
            )
        seen[identity] = rule


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"{where} must be a JSON object")
    return value


def _optional_str(values: Mapping[str, Any], key: str, where: str) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}.{key} must be a non-empty string")
    return value


def _risk_value(values: Mapping[str, Any], key: str, where: str, scale: int) -> int | None:
    value = values.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= scale:
        raise InputError(
            f"{where}.{key} is {value!r}; it must be a whole number from 1 to {scale} "
            f"(the size of the risk matrix)"
        )
    return value
