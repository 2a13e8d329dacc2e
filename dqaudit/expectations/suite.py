"""Suites as plain data: a GX 1.x suite file plus dqaudit's governance metadata in ``meta``.

Loading is strict because a suite decides what the SIMB approves: a typo in a rule must be
an error naming the file and expectation, never a rule that silently does nothing.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
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


def _canonical_json(value: Any) -> str:
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


@dataclass(frozen=True)
class SuiteLoad:
    """A suite read with every problem collected; ``suite`` is None when it has no name
    (or is not a suite at all). Rules that could not be read are left out of it."""

    suite: Suite | None
    problems: tuple[SuiteProblem, ...]

    @property
    def errors(self) -> tuple[SuiteProblem, ...]:
        return tuple(p for p in self.problems if not p.warning)


class _Collector:
    """Collects a suite's problems; checks that raise InputError are recorded, not fatal."""

    def __init__(self) -> None:
        self.problems: list[SuiteProblem] = []

    def add(self, message: str, **where: Any) -> None:
        self.problems.append(SuiteProblem(message, **where))

    def attempt(self, check: Callable[[], Any], **where: Any) -> Any:
        """``check()``, or None once its InputError is recorded (named by ``where``)."""
        try:
            return check()
        except InputError as exc:
            self.add(exc.message, **where)
            return None


def read_suite_file(path: str | Path, risk_scale: int = DEFAULT_RISK_SCALE) -> SuiteLoad:
    """Read a suite file and collect every problem, not just the first (``suite lint``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SuiteLoad(None, (SuiteProblem(f"suite file not found: {path}"),))
    except (OSError, UnicodeDecodeError) as exc:
        return SuiteLoad(None, (SuiteProblem(f"cannot read suite file {path}: {exc}"),))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        message = (
            f"{path}: malformed suite JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        )
        return SuiteLoad(None, (SuiteProblem(message),))
    return collect_suite(document, source=str(path), risk_scale=risk_scale, path=path)


def load_suite(path: str | Path, risk_scale: int = DEFAULT_RISK_SCALE) -> Suite:
    """Read and check a GX suite JSON file; any error names the file and the expectation."""
    return _strict(read_suite_file(path, risk_scale))


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
    """Build a Suite from a parsed GX 1.x suite document (the shape GX's own JSON has);
    InputError on the first problem."""
    return _strict(collect_suite(document, source, risk_scale, path))


def _strict(load: SuiteLoad) -> Suite:
    if load.errors:
        raise InputError(load.errors[0].message)
    assert load.suite is not None  # a suite without a name is an error
    return load.suite


def collect_suite(
    document: Any,
    source: str = "suite",
    risk_scale: int = DEFAULT_RISK_SCALE,
    path: Path | None = None,
) -> SuiteLoad:
    """Build a Suite from a parsed suite document, collecting every problem (in file
    order: the first is the one ``suite_from_dict`` raises)."""
    found = _Collector()
    if not isinstance(document, Mapping):
        found.add(f"{source}: a suite must be a JSON object with 'name' and 'expectations'")
        return SuiteLoad(None, tuple(found.problems))
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        hint = (
            " (GX 0.x's 'expectation_suite_name' is not read: GX 1.x suites use 'name')"
            if "expectation_suite_name" in document
            else ""
        )
        found.add(f"{source}: the suite has no 'name'{hint}", setting="name")
        name = None
    expectations = document.get("expectations", [])
    if not isinstance(expectations, list):
        found.add(f"{source}: 'expectations' must be a list", setting="expectations")
        expectations = []
    meta = found.attempt(lambda: _mapping(document.get("meta"), f"{source}: suite 'meta'"))
    meta = meta if meta is not None else {}
    governance = found.attempt(
        lambda: _mapping(meta.get("dqaudit"), f"{source}: suite meta.dqaudit"),
        setting="meta.dqaudit",
    )
    governance = governance if governance is not None else {}
    where = f"{source}: suite meta.dqaudit"
    read = [
        _rule_from_dict(item, index, source, risk_scale, found)
        for index, item in enumerate(expectations)
    ]
    rules = tuple(rule for rule in read if rule is not None)
    _check_unique_rule_ids(rules, source, found)
    _check_no_duplicate_expectations(rules, source, found)

    def setting(key: str, read: Callable[[], Any]) -> Any:
        return found.attempt(read, setting=f"meta.dqaudit.{key}")

    system = setting("system", lambda: _optional_str(governance, "system", where))
    dataset = setting("dataset", lambda: _optional_str(governance, "dataset", where))
    purpose = setting("purpose", lambda: _optional_str(governance, "purpose", where))
    likelihood = setting(
        "likelihood", lambda: _risk_value(governance, "likelihood", where, risk_scale)
    )
    impact = setting("impact", lambda: _risk_value(governance, "impact", where, risk_scale))
    draft = governance.get("draft")
    if draft is not None and not isinstance(draft, bool):
        found.add(
            f"{where}.draft must be true or false, not {draft!r}", setting="meta.dqaudit.draft"
        )
    if name is None:
        return SuiteLoad(None, tuple(found.problems))
    suite = Suite(
        name=name,
        rules=rules,
        meta=dict(meta),
        system=system,
        dataset=dataset,
        purpose=purpose,
        likelihood=likelihood,
        impact=impact,
        path=path,
    )
    return SuiteLoad(suite, tuple(found.problems))


def _rule_from_dict(
    item: Any, index: int, source: str, risk_scale: int, found: _Collector
) -> Rule | None:
    """One expectation, or None when it cannot be read as a rule (its problems recorded)."""
    where = f"{source}: expectation #{index + 1}"
    if not isinstance(item, Mapping):
        found.add(f"{where} must be a JSON object with 'type' and 'kwargs'", position=index)
        return None
    expectation_type = item.get("type")
    if not isinstance(expectation_type, str) or not expectation_type:
        hint = (
            " (GX 0.x's 'expectation_type' is not read: GX 1.x suites use 'type')"
            if "expectation_type" in item
            else ""
        )
        found.add(f"{where} has no expectation 'type'{hint}", position=index, setting="type")
        return None
    where = f"{where} ({expectation_type})"
    raw_meta = item.get("meta")
    raw_governance = raw_meta.get("dqaudit") if isinstance(raw_meta, Mapping) else None
    raw_id = raw_governance.get("rule_id") if isinstance(raw_governance, Mapping) else None
    known = {"position": index, "rule_id": raw_id if isinstance(raw_id, str) else None}
    readable = True
    kwargs = found.attempt(
        lambda: _mapping(item.get("kwargs"), f"{where}: 'kwargs'"), setting="kwargs", **known
    )
    if kwargs is None:
        readable, kwargs = False, {}
    meta = found.attempt(lambda: _mapping(raw_meta, f"{where}: 'meta'"), setting="meta", **known)
    meta = meta if meta is not None else {}
    governance = found.attempt(
        lambda: _mapping(meta.get("dqaudit"), f"{where}: meta.dqaudit"),
        setting="meta.dqaudit",
        **known,
    )
    governance = governance if governance is not None else {}
    gwhere = f"{where}: meta.dqaudit"

    def setting(key: str, read: Callable[[], Any]) -> Any:
        return found.attempt(read, setting=f"meta.dqaudit.{key}", **known)

    dimension = setting("dimension", lambda: _optional_str(governance, "dimension", gwhere))
    if dimension is not None:
        dimension = _dimension(dimension, gwhere, found, known)
    value_type = setting("value_type", lambda: _optional_str(governance, "value_type", gwhere))
    if value_type is not None and value_type not in VALUE_TYPES:
        found.add(
            f"{gwhere}.value_type '{value_type}' must be 'number' or 'datetime'",
            setting="meta.dqaudit.value_type",
            suggestions=tuple(difflib.get_close_matches(value_type.lower(), VALUE_TYPES)),
            **known,
        )
        value_type = None
    rule_id = setting("rule_id", lambda: _optional_str(governance, "rule_id", gwhere))
    condition = None
    if kwargs.get("row_condition") is not None:
        named = f"rule {rule_id}, " if rule_id else ""
        label = f"{source}: expectation #{index + 1} ({named}{expectation_type})"
        condition = found.attempt(
            lambda: parse_condition(kwargs["row_condition"], kwargs.get("condition_parser"), label),
            setting="kwargs.row_condition",
            **known,
        )
        readable = readable and condition is not None
    rule = Rule(
        position=index,
        expectation_type=expectation_type,
        condition=condition,
        kwargs=dict(kwargs),
        meta=dict(meta),
        rule_id=rule_id,
        dimension=dimension,
        likelihood=setting(
            "likelihood", lambda: _risk_value(governance, "likelihood", gwhere, risk_scale)
        ),
        impact=setting("impact", lambda: _risk_value(governance, "impact", gwhere, risk_scale)),
        rationale=setting("rationale", lambda: _optional_str(governance, "rationale", gwhere)),
        remediation=setting(
            "remediation", lambda: _optional_str(governance, "remediation", gwhere)
        ),
        value_type=value_type,
        datetime_format=setting(
            "datetime_format", lambda: _optional_str(governance, "datetime_format", gwhere)
        ),
    )
    return rule if readable else None


def _dimension(written: str, where: str, found: _Collector, known: dict[str, Any]) -> str | None:
    """The DAMA dimension in its stored (lower-case) form; any case is accepted."""
    normalised = written.strip().lower()
    if normalised in DIMENSIONS:
        if normalised != written:
            found.add(
                f"{where}.dimension '{written}' is read as '{normalised}'; write it so",
                setting="meta.dqaudit.dimension",
                suggestions=(normalised,),
                warning=True,
                **known,
            )
        return normalised
    found.add(
        f"{where}.dimension '{written}' is not a DAMA dimension; use one of "
        + ", ".join(DIMENSIONS),
        setting="meta.dqaudit.dimension",
        suggestions=tuple(difflib.get_close_matches(normalised, DIMENSIONS, n=2, cutoff=0.5)),
        **known,
    )
    return None


def _check_unique_rule_ids(rules: tuple[Rule, ...], source: str, found: _Collector) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.rule_id is None:
            continue
        if rule.rule_id in seen:
            found.add(
                f"{source}: rule_id '{rule.rule_id}' is used by both "
                f"{seen[rule.rule_id].label} and {rule.label}; rule ids must be unique",
                position=rule.position,
                rule_id=rule.rule_id,
                setting="meta.dqaudit.rule_id",
            )
            continue
        seen[rule.rule_id] = rule


def _check_no_duplicate_expectations(
    rules: tuple[Rule, ...], source: str, found: _Collector
) -> None:
    # GX keeps only the first of two expectations with equal type and kwargs, silently.
    seen: dict[str, Rule] = {}
    for rule in rules:
        identity = _canonical_json([rule.expectation_type, rule.kwargs])
        if identity in seen:
            found.add(
                f"{source}: {rule.label} repeats {seen[identity].label} (same type and "
                "kwargs); GX would silently drop one of them",
                position=rule.position,
                rule_id=rule.rule_id,
                setting="kwargs",
            )
            continue
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
