"""``audit run``: every suite of a workspace against its dataset, recorded in the store.

All suites and their bindings are checked before any run starts, so a typo in one suite
stops the batch cleanly instead of leaving half of it recorded. Runs go highest risk
first. Only SIMB-approved suites run, unless ``allow_draft`` marks the run a draft; each
suite runs under a lock in the store, so two schedulers never run it twice at once.
"""

from __future__ import annotations

import functools
import signal
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from dqaudit.actions.findings import update_findings
from dqaudit.audits.parallel import (
    Failed,
    available_memory,
    check_jobs,
    extract_bytes,
    run_in_processes,
    runs_alone,
    start_order,
)
from dqaudit.connectors.registry import get_connector
from dqaudit.engine import derivation
from dqaudit.engine.backend import FailingRecord
from dqaudit.engine.results import ERROR, FAILED
from dqaudit.engine.run import run_suite
from dqaudit.errors import DqauditError, ExitCode, InputError
from dqaudit.expectations.rules.references import suite_reference_files
from dqaudit.expectations.suite import load_workspace_suites
from dqaudit.expectations.suite_model import Suite
from dqaudit.governance import approvals, locks, trail
from dqaudit.governance.rule_library import current_version
from dqaudit.governance.schedule import cadence, last_complete_runs, next_due
from dqaudit.store import AuditStore, Clock, RunStatus, utc_now
from dqaudit.workspace.config import CONFIG_NAME, DatasetConfig, Workspace

Progress = Callable[[str], None]
# Long work reported as it goes: (what is being done, how many done, how many in all or
# None where not known). The CLI draws it as a bar on a terminal; nothing listens by
# default, and then nothing extra is done.
Stage = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class PlannedRun:
    suite: Suite
    system: str
    dataset: str
    dataset_config: DatasetConfig
    band: str | None = None

    @property
    def risk_score(self) -> int:
        return self.suite.risk_score


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
    draft: bool = False
    band: str | None = None
    # The run's warnings, as stored: a key blank on some rows (those rows are identified
    # by their line), values a rule could not read, bad rows left out.
    warnings: list[str] = field(default_factory=list)


@dataclass
class BatchOutcome:
    batch_id: str
    runs: list[RunOutcome]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    # suites refused because 'suite lint' finds errors in them: (name, every problem)
    invalid: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        worst = max((run.exit_code for run in self.runs), default=ExitCode.OK)
        return max(worst, ExitCode.BAD_INPUT) if self.refused or self.invalid else worst


def load_suites(workspace: Workspace) -> list[Suite]:
    """Every suite file in the workspace's suites folder, strictly loaded."""
    return load_workspace_suites(workspace)


def plan_runs(
    workspace: Workspace,
    system: str | None = None,
    suite_names: Sequence[str] | None = None,
    invalid: list[tuple[str, list[str]]] | None = None,
) -> list[PlannedRun]:
    """Bind each selected suite (all, or those named) to its dataset, highest risk first.

    Every selected suite is checked whole first ('suite lint'); one with errors is added
    to ``invalid`` with all its problems and left out, or, without ``invalid``, stops the
    batch with an InputError listing them.
    """
    from dqaudit.governance.lint import check_suites

    for name, times in Counter(suite_names or ()).items():
        if times > 1:
            raise InputError(f"suites: '{name}' is named {times} times; name each suite once")
    if system is not None and system not in workspace.config.systems:
        known = ", ".join(sorted(workspace.config.systems))
        raise InputError(f"no system '{system}' in {workspace.config_path} (systems: {known})")
    suites = check_suites(workspace, system, suite_names, invalid)  # names a missing one
    planned = []
    for suite in suites:
        if suite_names and suite.name not in suite_names:
            continue
        suite.require_governance()
        if system is not None and suite.system != system:
            continue
        bound_system, bound_dataset = suite.system or "", suite.dataset or ""  # required above
        dataset_config = workspace.dataset(bound_system, bound_dataset, suite.source)
        systems = workspace.config.systems
        derivation.check_inputs(suite, systems[bound_system].datasets, systems)
        band = workspace.config.risk.band_name(suite.risk_score)
        planned.append(PlannedRun(suite, bound_system, bound_dataset, dataset_config, band))
    planned.sort(key=lambda run: (-run.risk_score, run.suite.name))
    return planned


def run_audits(
    workspace: Workspace,
    *,
    system: str | None = None,
    suite_names: Sequence[str] | None = None,
    allow_draft: bool = False,
    due_only: bool = False,
    progress: Progress | None = None,
    stage: Stage | None = None,
    clock: Clock | None = None,
    jobs: int = 1,
) -> BatchOutcome:
    """Run the selected suites; each run is recorded whole, or marked as not complete.

    ``clock`` gives the store's times (the demo dates its monthly history with it).
    ``jobs`` above 1 runs up to that many suites at once, each in a process of its own
    (see dqaudit.audits.parallel); the runs, their results and the batch are the same as
    one at a time, except for the order progress lines arrive in.

    A suite that is not approved (never, revoked, or changed since) is refused and
    reported, unless ``allow_draft``; with ``due_only`` only suites whose schedule says
    they are due run. Either way the other suites still run. ``progress`` hears a line
    per step, ``stage`` each run's reading, validating and storing of failing records.
    """
    say = progress or (lambda _message: None)
    jobs = check_jobs(jobs)
    invalid: list[tuple[str, list[str]]] = []
    planned = plan_runs(workspace, system, suite_names, invalid)
    for plan in planned:  # a bad cron is an error before any run
        if due_only or "schedule" in (plan.suite.meta.get("dqaudit") or {}):
            cadence(plan.suite, workspace.config.risk)
    store = AuditStore(workspace.store_url, clock=clock or utc_now)
    batch = BatchOutcome(batch_id=uuid.uuid4().hex, runs=[], invalid=invalid)
    lease = timedelta(minutes=workspace.config.schedule.lock_minutes)
    version = current_version()
    try:
        trail.record_config(store, workspace.config_path)
        states = {
            p.suite.name: approvals.suite_state(
                store, workspace, p.suite, rule_library_version=version
            )
            for p in planned
        }
        runnable = []
        for plan in planned:
            state = states[plan.suite.name]
            if state.runnable or allow_draft:
                runnable.append(plan)
                if state.status == approvals.REVIEW_OVERDUE and state.approval is not None:
                    say(
                        f"warning: {plan.suite.name}: SIMB review was due {state.approval.review_by}"
                    )
                for reference in state.changed_references:
                    say(
                        f"warning: {plan.suite.name}: reference file changed since approval: {reference}"
                    )
                if state.rule_library is not None and state.approval is not None:
                    say(
                        f"warning: {plan.suite.name}: the built-in rule library changed since "
                        "the SIMB approved this suite"
                    )
            else:
                batch.refused.append((plan.suite.name, state.status))
        context = _BatchContext(
            workspace, batch.batch_id, lease, version, due_only, allow_draft, len(runnable)
        )
        drafts = [not states[plan.suite.name].runnable for plan in runnable]
        with _interruptible():
            if jobs > 1 and len(runnable) > 1:
                store.close()  # no connection crosses a fork; each process opens its own
                done = _run_parallel(context, runnable, drafts, jobs, clock or utc_now, say)
            else:
                done = [
                    _audit_one(store, context, number, plan, draft, say, stage)
                    for number, (plan, draft) in enumerate(zip(runnable, drafts, strict=True), 1)
                ]
        for plan, suite_done in zip(runnable, done, strict=True):
            if suite_done.outcome is not None:
                batch.runs.append(suite_done.outcome)
            elif suite_done.skipped is not None:
                batch.skipped.append((plan.suite.name, suite_done.skipped))
    finally:
        store.close()
    return batch


@dataclass(frozen=True)
class _BatchContext:
    """What every suite of one batch runs with."""

    workspace: Workspace
    batch_id: str
    lease: timedelta
    version: str | None
    due_only: bool
    allow_draft: bool
    total: int


@dataclass
class _SuiteDone:
    """One suite's part of the batch: its run, or why it was skipped."""

    outcome: RunOutcome | None = None
    skipped: str | None = None
    messages: list[str] = field(default_factory=list)


def _audit_one(
    store: AuditStore,
    context: _BatchContext,
    number: int,
    plan: PlannedRun,
    draft: bool,
    say: Progress,
    stage: Stage | None,
) -> _SuiteDone:
    """One suite under its lock: skipped (lock held, not due) or run and recorded."""
    name, total, workspace = plan.suite.name, context.total, context.workspace
    with locks.held(store, f"suite:{name}", context.lease) as acquired:
        if not acquired:
            say(f"[{number}/{total}] {name}: skipped, another run holds its lock")
            return _SuiteDone(skipped="lock held by another run")
        if context.due_only and not _due(store, workspace, plan, context.allow_draft):
            return _SuiteDone(skipped="not due")
        label = " (DRAFT)" if draft else ""
        say(f"[{number}/{total}] {name} ({plan.system}/{plan.dataset}){label}")
        outcome = _run_one(
            store, workspace.root, plan, context.batch_id, draft, context.version, stage
        )
        if outcome.status == RunStatus.COMPLETE and not draft:
            update_findings(store, workspace, outcome.run_id, plan.suite)
        return _SuiteDone(outcome=outcome)


def _run_parallel(
    context: _BatchContext,
    runnable: list[PlannedRun],
    drafts: list[bool],
    jobs: int,
    clock: Clock,
    say: Progress,
) -> list[_SuiteDone]:
    """Each suite in a process of its own with its own store connection; a suite whose
    extract would not fit in one job's share of memory runs alone. Suites start highest
    risk first and, within a risk score, largest extract first (parallel.start_order);
    results are reported in the batch's order."""
    root = context.workspace.root
    estimates = [extract_bytes(plan.dataset_config.options, root) for plan in runnable]
    alone = runs_alone(estimates, jobs, available_memory())

    def work(number: int) -> _SuiteDone:
        store = AuditStore(context.workspace.store_url, clock=clock)
        messages: list[str] = []
        try:
            plan = runnable[number - 1]
            done = _audit_one(
                store, context, number, plan, drafts[number - 1], messages.append, None
            )
        finally:
            store.close()
        done.messages = messages
        return done

    order = start_order([plan.risk_score for plan in runnable], estimates)
    started = run_in_processes(
        [index + 1 for index in order], work, jobs=jobs, alone=[alone[index] for index in order]
    )
    finished: list[_SuiteDone | Failed] = [Failed("not run")] * len(runnable)
    for index, result in zip(order, started, strict=True):
        finished[index] = result
    done: list[_SuiteDone] = []
    for plan, draft, result in zip(runnable, drafts, finished, strict=True):
        if isinstance(result, Failed):
            result = _failed_suite(plan, result, draft)
        for message in result.messages:
            say(message)
        done.append(result)
    return done


def _failed_suite(plan: PlannedRun, failed: Failed, draft: bool) -> _SuiteDone:
    """A suite whose process raised or died: an error run in the batch, not a lost batch."""
    status = RunStatus.INTERRUPTED if failed.interrupted else RunStatus.ERROR
    outcome = RunOutcome("", plan.suite.name, plan.system, plan.dataset, status, None)
    outcome.error = f"{plan.suite.name}: {failed.message}"
    outcome.exit_code = ExitCode.ENGINE_ERROR
    outcome.draft, outcome.band = draft, plan.band
    return _SuiteDone(outcome=outcome, messages=[f"error: {outcome.error}"])


def _due(store: AuditStore, workspace: Workspace, plan: PlannedRun, drafts: bool) -> bool:
    """Checked under the suite's lock, so a run another scheduler just finished counts.
    With ``drafts`` (--allow-draft) a draft run counts too, so it is not rerun each call."""
    now = store.clock()
    rhythm = cadence(plan.suite, workspace.config.risk)
    last = last_complete_runs(store, include_drafts=drafts).get(plan.suite.name)
    timezone = workspace.config.schedule.timezone
    return next_due(rhythm.cron, last, now, timezone) <= now


def _run_one(
    store: AuditStore,
    root: Path,
    plan: PlannedRun,
    batch_id: str,
    draft: bool = False,
    rule_library_version: str | None = None,
    stage: Stage | None = None,
) -> RunOutcome:
    run_id = store.start_run(
        plan.suite,
        batch_id,
        system=plan.system,
        dataset=plan.dataset,
        draft=draft,
        rule_library_version=rule_library_version,
    )
    store.record_risk(run_id, plan.risk_score, plan.band)
    outcome = RunOutcome(run_id, plan.suite.name, plan.system, plan.dataset, RunStatus.ERROR, None)
    outcome.draft, outcome.band = draft, plan.band
    try:
        outcome = _execute(store, root, plan, run_id, outcome, stage)
    finally:
        _record_in_trail(store, plan, run_id, outcome, draft)
    return outcome


def _record_in_trail(
    store: AuditStore, plan: PlannedRun, run_id: str, outcome: RunOutcome, draft: bool
) -> None:
    trail.append(
        store,
        "run",
        plan.suite.name,
        {
            "run_id": run_id,
            "suite_hash": plan.suite.hash,
            "status": outcome.status if outcome.error is None else ERROR,
            "outcome": outcome.outcome,
            "draft": draft,
        },
    )


def _execute(
    store: AuditStore,
    root: Path,
    plan: PlannedRun,
    run_id: str,
    outcome: RunOutcome,
    stage: Stage | None = None,
) -> RunOutcome:
    name = plan.suite.name
    try:
        config = plan.dataset_config
        connector = get_connector(config.connector)
        options = config.resolved_options(root / CONFIG_NAME, plan.system, plan.dataset)
        if stage is not None:
            stage(f"{name}: reading {plan.system}/{plan.dataset}", 0, None)
        extract = connector.extract(options, base_dir=root)
        derived = derivation.derive_for_run(plan, extract, root)  # rules across tables
        extract, references = derived.extract, derived.references
        references += suite_reference_files(plan.suite)
        # every backend streams failing records into the store as it finds them
        sink: Any = functools.partial(_store_records, store, run_id)
        if stage is not None:
            stage(f"{name}: validating", 0, None)
            sink = _counting(sink, stage, f"{name}: storing failing records")
        result = run_suite(
            extract, plan.suite, key=config.key or None, timezone=config.timezone, sink=sink
        )
        store.record_results(run_id, extract, result)
        store.record_references(run_id, references)
        outcome.warnings = list(result.warnings)
        if result.status == ERROR:
            message = result.to_dict()["error"]
            store.finish_run(run_id, RunStatus.ERROR, ERROR, message)
            outcome.error, outcome.exit_code = message, ExitCode.ENGINE_ERROR
            return outcome
        store.finish_run(run_id, RunStatus.COMPLETE, result.status)
    except DqauditError as exc:
        store.finish_run(run_id, RunStatus.ERROR, ERROR, exc.message)
        outcome.error, outcome.exit_code = exc.message, exc.exit_code
        return outcome
    except BaseException:
        store.finish_run(run_id, RunStatus.INTERRUPTED, None, "interrupted")
        outcome.status = RunStatus.INTERRUPTED
        raise
    outcome.status, outcome.outcome = RunStatus.COMPLETE, result.status
    outcome.rows = result.rows
    outcome.rules = len(result.results)
    outcome.failed_rules = [
        (r.rule.rule_id, r.unexpected_count) for r in result.results if r.success is False
    ]
    outcome.exit_code = ExitCode.CHECKS_FAILED if result.status == FAILED else ExitCode.OK
    return outcome


def _store_records(
    store: AuditStore, run_id: str, position: int, first: int, records: list[FailingRecord]
) -> None:
    store.add_failing_records(
        run_id,
        position,
        first,
        [(record.key, record.values, record.key_source) for record in records],
    )


def _counting(sink: Any, stage: Stage, what: str) -> Any:
    """The sink, reporting how many failing records it has stored so far."""
    stored = 0

    def counted(position: int, first: int, records: list[FailingRecord]) -> None:
        nonlocal stored
        sink(position, first, records)
        stored += len(records)
        stage(what, stored, None)

    return counted


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
