"""``suite lint``: every problem of a suite at once, before anyone approves or runs it.

A suite is checked whole: as a file (every loading problem, not just the first), as
governance (system, dataset and rule ids; risk in the workspace's matrix; what the board
has still to set), against its workspace (the dataset exists, its derivation's inputs
exist and have the columns it needs, its schedule), and against its dataset's extract,
whose *header* (column names) is read through the connector without reading the records.
The rule-by-rule checks are the audit plan's own (``engine.plan.plan_problems``), so lint
finds exactly what a run would refuse, and each problem names the file, the expectation,
the rule id and the setting, with "did you mean" suggestions where a name is close.

Severities: an **error** stops approval and the run; **to be set** marks a value the board
has still to decide (an explicit ``null`` likelihood, impact or dimension, as ``suite
draft`` writes them) and stops approval, not a draft run; a **warning** stops nothing
(a dimension written in capitals, a suite still marked draft, a header that could not be
read). ``suite approve`` refuses a suite with any error, anything to be set, or the draft
mark; ``audit run`` refuses a suite with any error and runs the others.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dqaudit.connectors.registry import read_header
from dqaudit.engine import derivation, derivation_sql
from dqaudit.engine.plan import ExtractSchema, plan_problems
from dqaudit.errors import DqauditError, InputError
from dqaudit.expectations import gx_adapter
from dqaudit.expectations.rules import derivation_catalogue
from dqaudit.expectations.rules.catalogue import PANDAS
from dqaudit.expectations.rules.sql import engine_name
from dqaudit.expectations.suite import SuiteLoad, read_suite_file
from dqaudit.expectations.suite_model import DEFAULT_RISK_SCALE, Rule, Suite, SuiteProblem
from dqaudit.governance.lint_report import (
    LintReport,
    Problem,
    Severity,
    close_columns,
    closest,
    rule_setting,
    suite_setting,
)
from dqaudit.workspace.config import CONFIG_NAME

if TYPE_CHECKING:
    from dqaudit.connectors.base import ExtractHeader
    from dqaudit.workspace.config import DatasetConfig, Workspace

BOARD_SETS = ("dimension", "likelihood", "impact")


def lint_reference(reference: str, workspace: Workspace | None) -> LintReport:
    """Lint a suite named by its file path, or by its name in the workspace's suites."""
    return lint_file(suite_file(reference, workspace), workspace)


def lint_file(path: str | Path, workspace: Workspace | None) -> LintReport:
    scale = workspace.config.risk.matrix if workspace else DEFAULT_RISK_SCALE
    return lint_loaded(read_suite_file(path, risk_scale=scale), Path(path), workspace)


def suite_file(reference: str, workspace: Workspace | None) -> Path:
    """The file of a suite given by path, or by name (or file stem) in the workspace."""
    path = Path(reference)
    if path.suffix == ".json" and path.is_file():
        return path
    if workspace is None:
        raise InputError(f"suite file not found: {reference} (or name a workspace with -w)")
    names: list[str] = []
    for candidate in workspace.suite_files():
        name = _declared_name(candidate)
        if reference in (name, candidate.stem):
            return candidate
        names.append(name or candidate.stem)
    close = closest(reference, names)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    known = ", ".join(names) or "none"
    raise InputError(
        f"no suite named '{reference}' in {workspace.suites_dir} (suites: {known}){hint}"
    )


def _declared_name(path: Path) -> str | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    name = document.get("name") if isinstance(document, dict) else None
    return name if isinstance(name, str) else None


def check_suites(
    workspace: Workspace,
    system: str | None = None,
    names: Sequence[str] | None = None,
    invalid: list[tuple[str, list[str]]] | None = None,
) -> list[Suite]:
    """The workspace's suites that ``audit run`` selected (by system and names), each
    checked whole; the ones without errors are returned. A suite with errors is added to
    ``invalid`` with every problem, or, without ``invalid``, stops with an InputError
    listing them. A name that no suite has is an InputError."""
    scale = workspace.config.risk.matrix
    loads = [(path, read_suite_file(path, risk_scale=scale)) for path in workspace.suite_files()]
    known = [load.suite.name if load.suite else path.stem for path, load in loads]
    for name in names or ():
        if name not in known and not any(path.stem == name for path, _load in loads):
            listing = ", ".join(known) or "none"
            raise InputError(
                f"no suite named '{name}' in {workspace.suites_dir} (suites: {listing})"
            )
    clean = []
    for (path, load), name in zip(loads, known, strict=True):
        if names and name not in names and path.stem not in names:
            continue
        if system is not None and (load.suite is None or load.suite.system != system):
            continue
        report = lint_loaded(load, path, workspace)
        if not report.errors and load.suite is not None:
            clean.append(load.suite)
            continue
        problems = [p.describe() for p in report.errors]
        if invalid is None:
            raise InputError(
                f"suite {name} ({path}) has {len(problems)} error(s):\n  " + "\n  ".join(problems)
            )
        invalid.append((name, problems))
    return clean


def refuse_unless_approvable(report: LintReport) -> Suite:
    """The suite, when the board may approve it: no error, nothing to set, not a draft."""
    blocking = [p for p in report.problems if p.severity is not Severity.WARNING]
    if report.suite is not None and report.suite.draft:
        blocking.append(
            Problem(
                Severity.ERROR,
                f"{report.file}: the suite is marked as a draft (meta.dqaudit.draft: true); "
                "remove the mark once the board has reviewed every rule",
                setting="meta.dqaudit.draft",
            )
        )
    if blocking or report.suite is None:
        lines = "\n".join(f"  {p.describe()}" for p in blocking)
        raise InputError(
            f"suite {report.name} cannot be approved: {len(blocking)} problem(s) "
            f"(see 'dqaudit suite lint {report.name}'):\n{lines}"
        )
    return report.suite


def lint_loaded(load: SuiteLoad, file: Path, workspace: Workspace | None) -> LintReport:
    """Every check on a suite already read (with its loading problems)."""
    problems = [_from_load(p) for p in load.problems]
    if workspace is None:
        problems.append(
            Problem(
                Severity.WARNING,
                f"{file}: no workspace ({CONFIG_NAME}), so the dataset, its columns and the "
                f"risk matrix ({DEFAULT_RISK_SCALE}x{DEFAULT_RISK_SCALE} assumed) are not "
                "checked; name the workspace with -w",
            )
        )
    suite = load.suite
    if suite is None:
        return LintReport(str(file), None, tuple(problems))
    problems += _unset(suite, workspace)
    problems += [_from_load(p) for p in suite.governance_problems()]
    if suite.draft:
        problems.append(
            Problem(
                Severity.WARNING,
                f"{suite.source}: the suite is a draft (meta.dqaudit.draft: true); review "
                "every rule and remove the mark before approval",
                setting="meta.dqaudit.draft",
            )
        )
    context = _Context(suite, workspace)
    problems += context.workspace_problems()
    problems += context.plan_problems()
    problems.sort(key=lambda p: p.expectation or 0)  # the suite's own first, then in file order
    return LintReport(str(file), suite, tuple(problems), context.columns_from)


def _from_load(problem: SuiteProblem) -> Problem:
    return Problem(
        Severity.WARNING if problem.warning else Severity.ERROR,
        problem.message,
        None if problem.position is None else problem.position + 1,
        problem.rule_id,
        problem.setting,
        problem.suggestions,
    )


def _unset(suite: Suite, workspace: Workspace | None) -> list[Problem]:
    """Explicit nulls: values the board has still to set (``suite draft`` writes them).

    A rule's null likelihood or impact falls back to the suite's: it is to be set only
    where the suite gives none either (a null of the suite's is listed once, for all).
    """
    scale = workspace.config.risk.matrix if workspace else DEFAULT_RISK_SCALE
    wanted = {"dimension": "a DAMA dimension", "likelihood": f"1 to {scale}"}
    wanted["impact"] = wanted["likelihood"]
    found = []
    governance = suite.meta.get("dqaudit") or {}
    for key in ("likelihood", "impact"):
        if key in governance and governance[key] is None:
            found.append(
                Problem(
                    Severity.UNSET,
                    f"{suite.source}: suite meta.dqaudit.{key} is to be set by the board "
                    f"({wanted[key]}); rules without their own {key} take it",
                    setting=f"meta.dqaudit.{key}",
                )
            )
    for rule in suite.rules:
        values = rule.meta.get("dqaudit") or {}
        for key in BOARD_SETS:
            if key not in values or values[key] is not None:
                continue
            if key != "dimension" and key in governance:
                continue  # the suite's value (or its own "to be set") covers it
            found.append(
                Problem(
                    Severity.UNSET,
                    f"{suite.source}: {rule.label}: meta.dqaudit.{key} is to be set by "
                    f"the board ({wanted[key]})",
                    rule.position + 1,
                    rule.rule_id,
                    f"meta.dqaudit.{key}",
                )
            )
    return found


class _Context:
    """A suite's workspace context: its dataset, its extract's header and engine."""

    def __init__(self, suite: Suite, workspace: Workspace | None) -> None:
        self.suite = suite
        self.workspace = workspace
        self.dataset: DatasetConfig | None = None
        self.schema: ExtractSchema | None = None
        self.engine = PANDAS
        self.columns_from: str | None = None
        self.dialect: str | None = None  # the dataset's database, when read with pushdown

    def workspace_problems(self) -> list[Problem]:
        suite, workspace = self.suite, self.workspace
        if workspace is None or not suite.system or not suite.dataset:
            return []
        problems: list[Problem] = []
        try:
            self.dataset = workspace.dataset(suite.system, suite.dataset, suite.source)
        except InputError as exc:
            problems.append(self._binding_problem(exc, workspace))
            return problems
        problems += self._schedule_problems(workspace)
        steps = _attempt(problems, lambda: derivation.steps(suite), "meta.dqaudit.derivation")
        datasets = workspace.config.systems[suite.system].datasets
        before = len(problems)
        _attempt(
            problems,
            lambda: derivation.check_inputs(suite, datasets, workspace.config.systems),
            "meta.dqaudit.derivation.inputs",
        )
        inputs_ok = len(problems) == before
        header = self._header(suite.dataset, problems)
        if header is None:
            return problems
        columns = list(header.columns)
        self.dialect, self.columns_from = header.dialect, header.source
        for step in steps or []:
            problems += self._derivation_columns(step, columns, datasets if inputs_ok else {})
            columns += [c for c in derivation.added_columns(step) if c not in columns]
        self.engine = engine_name(header.dialect) if header.dialect else PANDAS
        self.columns_from = header.source
        self.schema = ExtractSchema(header.source, tuple(columns), self.engine, header.has_lines)
        return problems

    def _binding_problem(self, exc: InputError, workspace: Workspace) -> Problem:
        systems = workspace.config.systems
        if self.suite.system not in systems:
            setting, names = "meta.dqaudit.system", list(systems)
            wrong = self.suite.system or ""
        else:
            setting, names = "meta.dqaudit.dataset", list(systems[self.suite.system].datasets)
            wrong = self.suite.dataset or ""
        close = closest(wrong, names)
        return Problem(Severity.ERROR, exc.message, setting=setting, suggestions=close)

    def _schedule_problems(self, workspace: Workspace) -> list[Problem]:
        from dqaudit.governance.schedule import cadence

        suite = self.suite
        governance = suite.meta.get("dqaudit") or {}
        explicit = "schedule" in governance
        if not explicit and suite.risk_score == 0:
            if any(k in governance and governance[k] is None for k in ("likelihood", "impact")):
                return []  # listed already as the suite's values to be set
            return [
                Problem(
                    Severity.UNSET,
                    f"{suite.source}: no likelihood and impact yet, so no risk band and no "
                    "cadence; the board sets them (or meta.dqaudit.schedule)",
                    setting="meta.dqaudit.likelihood",
                )
            ]
        problems: list[Problem] = []
        _attempt(problems, lambda: cadence(suite, workspace.config.risk), "meta.dqaudit.schedule")
        return problems

    def _header(
        self, dataset: str, problems: list[Problem], system: str | None = None
    ) -> ExtractHeader | None:
        """The header of a dataset of the suite's system (or of ``system``, for a
        derivation input of another system); a warning when unreadable."""
        assert self.workspace is not None and self.suite.system
        workspace, system = self.workspace, system or self.suite.system
        config = workspace.config.systems[system].datasets[dataset]
        try:
            options = config.resolved_options(workspace.root / CONFIG_NAME, system, dataset)
            header = read_header(config.connector, options, workspace.root)
        except DqauditError as exc:
            problems.append(
                Problem(
                    Severity.WARNING,
                    f"{self.suite.source}: columns of {system}/{dataset} not checked: "
                    f"cannot read its header: {exc.message}",
                )
            )
            return None
        if header is None:
            problems.append(
                Problem(
                    Severity.WARNING,
                    f"{self.suite.source}: columns of {system}/{dataset} not checked: "
                    f"connector '{config.connector}' cannot read a header",
                )
            )
        return header

    def _derivation_columns(
        self, step: derivation.Step, columns: list[str], datasets: dict[str, Any]
    ) -> list[Problem]:
        """The columns a derivation step reads, in the dataset and in each input."""
        needs, input_needs = _derivation_needs(step)
        problems = _missing(self.suite, step, needs, columns, "the dataset")
        for name, wanted in input_needs.items():
            given = step.inputs.get(name) or ""
            system, dataset = derivation.input_dataset(self.suite.system, given)
            if system == self.suite.system and dataset not in datasets:
                continue
            if not datasets:  # the inputs were refused above
                continue
            header = self._header(dataset, problems, system)
            if header is not None:
                problems += _missing(
                    self.suite, step, wanted, list(header.columns), f"input '{name}' ({given})"
                )
                problems += self._input_mode(step, name, given, header)
        return problems

    def _input_mode(
        self, step: derivation.Step, name: str, given: str, header: ExtractHeader
    ) -> list[Problem]:
        """What a run refuses of an input's reading: one read with pushdown for a derivation
        on pandas, or, for one in the database, an input read into memory or from another
        kind of database (whether a same-kind database is the same one, the run checks)."""
        suite, dialect = self.suite, self.dialect
        engine = engine_name(dialect) if dialect else PANDAS
        if engine not in derivation_catalogue.derivation_engines(step.kind):
            return []  # the plan's own check names the kind
        message = None
        if dialect is None and header.dialect is not None:
            message = (
                f"{suite.source}: meta.dqaudit.derivation ({step.kind}) input '{name}' "
                f"({given}) is read with pushdown, and the dataset is read into memory; a "
                "derivation on pandas reads its inputs into memory too (sql connector mode: "
                "pull), and one in the database needs the dataset read with pushdown as well"
            )
        elif dialect is not None and header.dialect is None:
            message = derivation_sql.input_in_memory(
                suite, step.kind, name, given, self.columns_from or ""
            )
        elif dialect is not None and engine_name(header.dialect) != engine:
            message = derivation_sql.input_elsewhere(
                suite, step.kind, name, given, header.source, self.columns_from or ""
            )
        if message is None:
            return []
        return [Problem(Severity.ERROR, message, setting="meta.dqaudit.derivation.inputs")]

    def plan_problems(self) -> list[Problem]:
        """The audit plan's own checks: the suite's (keys, derivation engine), then each
        rule's on its own, so every problem is tied to its expectation."""
        suite, schema = self.suite, self.schema
        key = self.dataset.key if self.dataset else None
        timezone = self.dataset.timezone if self.dataset else None
        problems = [
            Problem(Severity.ERROR, exc.message, setting=suite_setting(exc.message))
            for exc in plan_problems(
                dataclasses.replace(suite, rules=()), self.engine, schema, key or None
            )
        ]
        # Per rule: the suite's derivation and keys were checked just above.
        governance = dict(suite.meta.get("dqaudit") or {})
        governance.pop("derivation", None)
        bare = dataclasses.replace(suite, meta={**suite.meta, "dqaudit": governance})
        lined = dataclasses.replace(schema, has_lines=True) if schema else None
        for rule in suite.rules:
            alone = dataclasses.replace(bare, rules=(rule,))
            for exc in plan_problems(alone, self.engine, lined, None, timezone=timezone):
                problems.append(self._rule_problem(rule, exc.message))
        return problems

    def _rule_problem(self, rule: Rule, message: str) -> Problem:
        setting = rule_setting(rule, message)
        suggestions: tuple[str, ...] = ()
        if setting == "type" and "unknown expectation type" in message:
            suggestions = closest(rule.expectation_type, gx_adapter.expectation_types())
        missing = re.search(r"reads column '(.*?)', which is not in", message)
        if missing and self.schema is not None:
            suggestions = close_columns(missing.group(1), self.schema.columns)
        return Problem(
            Severity.ERROR, message, rule.position + 1, rule.rule_id, setting, suggestions
        )


def _attempt(problems: list[Problem], check: Callable[[], Any], setting: str) -> Any:
    try:
        return check()
    except InputError as exc:
        problems.append(Problem(Severity.ERROR, exc.message, setting=setting))
        return None


def _derivation_needs(step: derivation.Step) -> tuple[list[str], dict[str, list[str]]]:
    """The columns a derivation step reads: from the dataset, and from each input."""
    options = step.options
    registered = derivation.required_columns(step)
    if registered is not None:
        return registered
    if step.kind == "pace_detentions":
        return options.custody_columns(False), {"reviews": options.review_columns()}
    if step.kind == "postcode_directory":
        directory = [options.directory_postcode, options.directory_x, options.directory_y]
        return [options.postcode, options.x, options.y], {"directory": directory}
    if step.kind == "duplicate_addresses":
        return [options.uprn, *options.address_columns], {}
    return [], {}


def _missing(
    suite: Suite, step: derivation.Step, needed: list[str], columns: list[str], what: str
) -> list[Problem]:
    shown = ", ".join(columns[:30])
    return [
        Problem(
            Severity.ERROR,
            f"{suite.source}: derivation {step.kind} needs column '{column}' in {what}; "
            f"its columns are: {shown} (set it in meta.dqaudit.derivation.options)",
            setting="meta.dqaudit.derivation.options",
            suggestions=close_columns(column, columns),
        )
        for column in needed
        if column not in columns
    ]
