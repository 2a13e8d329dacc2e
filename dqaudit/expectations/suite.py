"""Reading suites: a GX 1.x suite file plus dqaudit's governance metadata in ``meta``.

Loading is strict because a suite decides what the SIMB approves: a typo in a rule must be
an error naming the file and expectation, never a rule that silently does nothing. The
suite it builds (``Suite``, ``Rule``) is defined in ``dqaudit.expectations.suite_model``.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dqaudit.errors import InputError
from dqaudit.expectations.conditions import parse_condition
from dqaudit.expectations.suite_model import (
    DEFAULT_RISK_SCALE,
    DIMENSIONS,
    VALUE_TYPES,
    Rule,
    Suite,
    SuiteProblem,
    canonical_json,
)

if TYPE_CHECKING:
    from dqaudit.workspace.config import Workspace


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
        identity = canonical_json([rule.expectation_type, rule.kwargs])
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
