"""``audit run``: every suite of a workspace against its dataset, recorded in the store.

All suites and their bindings are checked before any run starts, so a typo in one suite
stops the batch cleanly instead of leaving half of it recorded. Runs go highest risk first.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dqaudit.audits import store as store_module
from dqaudit.audits.engine import run_suite
from dqaudit.audits.results import ERROR, FAILED
from dqaudit.audits.store import AuditStore
from dqaudit.connectors.registry import get_connector
from dqaudit.errors import DqauditError, ExitCode, InputError
from dqaudit.expectations.suite import Suite, load_suite
from dqaudit.workspace.config import DatasetConfig, Workspace

Progress = Callable[[str], None]


@dataclass(frozen=True)
class PlannedRun:
    suite: Suite
    system: str
    dataset: str
    dataset_config: DatasetConfig

    @property
    def risk_score(self) -> int:
        scores = [
            (likelihood or 0) * (impact or 0)
            for likelihood, impact in (self.suite.effective_risk(r) for r in self.suite.rules)
        ]
        suite_score = (self.suite.likelihood or 0) * (self.suite.impact or 0)
        return max([suite_score, *scores])


@dataclass
class RunOutcome:
    run_id: str
    suite_name: str
    system: str
    dataset: str
    status: str
    outcome: str | None
    rows: int | None = None
    failed_rules: list[tuple[str | None, int | None]] = field(default_factory=list)
    rules: int = 0
    error: str | None = None
    exit_code: ExitCode = ExitCode.OK


@dataclass
class BatchOutcome:
    batch_id: str
    runs: list[RunOutcome]

    @property
    def exit_code(self) -> ExitCode:
        return max((run.exit_code for run in self.runs), default=ExitCode.OK)


def load_suites(workspace: Workspace) -> list[Suite]:
    """Every suite file in the workspace's suites folder, strictly loaded."""
    folder = workspace.suites_dir
    if not folder.is_dir():
        raise InputError(f"{workspace.config_path}: suites folder {folder} does not exist")
    return [load_suite(path) for path in sorted(folder.glob("*.json"))]


def plan_runs(
    workspace: Workspace, system: str | None = None, suite_name: str | None = None
) -> list[PlannedRun]:
    """Bind each selected suite to its dataset, highest risk first."""
    suites = load_suites(workspace)
    if suite_name is not None and not any(s.name == suite_name for s in suites):
        known = ", ".join(s.name for s in suites) or "none"
        raise InputError(
            f"no suite named '{suite_name}' in {workspace.suites_dir} (suites: {known})"
        )
    if system is not None and system not in workspace.config.systems:
        known = ", ".join(sorted(workspace.config.systems))
        raise InputError(f"no system '{system}' in {workspace.config_path} (systems: {known})")
    planned = []
    for suite in suites:
        if suite_name is not None and suite.name != suite_name:
            continue
        suite.require_governance()
        if system is not None and suite.system != system:
            continue
        dataset_config = workspace.dataset(suite.system, suite.dataset, suite.source)
        planned.append(PlannedRun(suite, suite.system, suite.dataset, dataset_config))
    planned.sort(key=lambda run: (-run.risk_score, run.suite.name))
    return planned


def run_audits(
    workspace: Workspace,
    *,
    system: str | None = None,
    suite_name: str | None = None,
    progress: Progress | None = None,
) -> BatchOutcome:
    """Run the selected suites; each run is recorded whole, or marked as not complete."""
    say = progress or (lambda _message: None)
    planned = plan_runs(workspace, system, suite_name)
    store = AuditStore(workspace.store_url)
    batch = BatchOutcome(batch_id=uuid.uuid4().hex, runs=[])
    try:
        with _interruptible():
            for number, plan in enumerate(planned, start=1):
                say(f"[{number}/{len(planned)}] {plan.suite.name} ({plan.system}/{plan.dataset})")
                batch.runs.append(_run_one(store, workspace.root, plan, batch.batch_id))
    finally:
        store.close()
    return batch


def _run_one(store: AuditStore, root: Path, plan: PlannedRun, batch_id: str) -> RunOutcome:
    run_id = store.start_run(plan.suite, batch_id, system=plan.system, dataset=plan.dataset)
    outcome = RunOutcome(run_id, plan.suite.name, plan.system, plan.dataset, ERROR, None)
    try:
        config = plan.dataset_config
        connector = get_connector(config.connector)
        extract = connector.extract(dict(config.options), base_dir=root)
        result = run_suite(extract, plan.suite, key=config.key or None)
        store.record_results(run_id, extract, result)
        if result.status == ERROR:
            message = result.to_dict()["error"]
            store.finish_run(run_id, ERROR, ERROR, message)
            outcome.error, outcome.exit_code = message, ExitCode.ENGINE_ERROR
            return outcome
        store.finish_run(run_id, store_module.COMPLETE, result.status)
    except DqauditError as exc:
        store.finish_run(run_id, ERROR, ERROR, exc.message)
        outcome.error, outcome.exit_code = exc.message, exc.exit_code
        return outcome
    except BaseException:
        store.finish_run(run_id, store_module.INTERRUPTED, None, "interrupted")
        raise
    outcome.status, outcome.outcome = store_module.COMPLETE, result.status
    outcome.rows = result.rows
    outcome.rules = len(result.results)
    outcome.failed_rules = [
        (r.rule.rule_id, r.unexpected_count) for r in result.results if r.success is False
    ]
    outcome.exit_code = ExitCode.CHECKS_FAILED if result.status == FAILED else ExitCode.OK
    return outcome


@contextmanager
def _interruptible() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so a killed scheduler marks its run interrupted."""

    def _raise(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, _raise)
    except ValueError:  # not in the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
