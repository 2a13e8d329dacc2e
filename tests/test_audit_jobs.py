"""``audit run --jobs N``: suites in parallel processes give the runs one at a time gives.

The sample workspace (fabricated extracts, planted defects) is audited twice, into two
stores: once with ``--jobs 1`` and once with ``--jobs 2``; every suite's stored document
(outcome, counts, failing keys in order, warnings) must be the same. A suite whose
process fails must not take the other suites' runs with it, and bad ``--jobs`` values
are refused with a message naming the option.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import invoke

from dqaudit.audits import audit_run
from dqaudit.audits.audit_run import run_audits
from dqaudit.audits.parallel import Failed, run_in_processes, runs_alone, start_order
from dqaudit.audits.run_document import run_document
from dqaudit.demo import prepare_demo_workspace
from dqaudit.errors import ExitCode, InputError
from dqaudit.store import AuditStore
from dqaudit.workspace.config import load_workspace

SUITES = ("custody_records", "pnc_nominals", "gazetteer_addresses", "policeuk_street")


def _workspace(sample_data: Path, folder: Path) -> Path:
    return prepare_demo_workspace(sample_data, folder)


def _selection() -> list[str]:
    return [part for name in SUITES for part in ("--suite", name)]


def _documents(folder: Path) -> dict[str, dict[str, Any]]:
    """Each suite's latest run as ``audit show --json`` prints it, less what differs
    between any two runs (ids, times, the process)."""
    workspace = load_workspace(folder)
    store = AuditStore(workspace.store_url)
    try:
        documents = {}
        for summary in store.list_runs(limit=100):
            document = run_document(store.get_run(summary.run_id))
            document.pop("run")
            documents[summary.suite_name] = json.loads(json.dumps(document, default=str))
        return documents
    finally:
        store.close()


def test_jobs_2_stores_the_same_results_as_jobs_1(sample_data: Path, tmp_path: Path) -> None:
    one = _workspace(sample_data, tmp_path / "one")
    two = _workspace(sample_data, tmp_path / "two")
    sequential = invoke(
        "audit", "run", "-w", str(one), "--allow-draft", "--jobs", "1", *_selection()
    )
    parallel = invoke("audit", "run", "-w", str(two), "--allow-draft", "--jobs", "2", *_selection())
    assert sequential.exit_code == parallel.exit_code == ExitCode.CHECKS_FAILED, parallel.output
    assert f"{len(SUITES)} run(s)" in parallel.stdout
    for name in SUITES:
        assert f"] {name} (" in parallel.stderr + parallel.stdout  # its progress line
    expected, got = _documents(one), _documents(two)
    assert sorted(got) == sorted(SUITES)
    assert got == expected
    assert any(result["failing_keys"] for result in got["custody_records"]["results"])


def test_a_suite_whose_process_fails_loses_no_other_run(
    sample_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _workspace(sample_data, tmp_path / "ws")
    real_run_one = audit_run._run_one

    def failing(store: AuditStore, root: Path, plan: Any, *args: Any) -> Any:
        if plan.suite.name == "pnc_nominals":
            raise RuntimeError("the worker broke")
        return real_run_one(store, root, plan, *args)

    monkeypatch.setattr(audit_run, "_run_one", failing)
    batch = run_audits(load_workspace(folder), suite_names=list(SUITES), allow_draft=True, jobs=2)
    by_name = {run.suite_name: run for run in batch.runs}
    assert sorted(by_name) == sorted(SUITES)
    broken = by_name["pnc_nominals"]
    assert broken.error == "pnc_nominals: RuntimeError: the worker broke"
    assert broken.exit_code == ExitCode.ENGINE_ERROR
    assert batch.exit_code == ExitCode.ENGINE_ERROR
    stored = _documents(folder)
    assert sorted(stored) == sorted(set(SUITES) - {"pnc_nominals"})
    assert all(document["status"] == "failed" for document in stored.values())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "Invalid value for '--jobs': 0 is not a number of processes (give 1 or more)"),
        ("-2", "Invalid value for '--jobs': -2 is not a number of processes (give 1 or more)"),
        ("two", "Invalid value for '--jobs': 'two' is not a valid integer."),
    ],
)
def test_bad_jobs_values_are_refused_naming_the_option(
    template_workspace: Path, value: str, message: str
) -> None:
    result = invoke("audit", "run", "-w", str(template_workspace), "--jobs", value)
    assert result.exit_code == 2
    assert message in result.stderr


def test_run_audits_refuses_jobs_below_one(template_workspace: Path) -> None:
    with pytest.raises(InputError, match=r"^jobs: must be a whole number of processes from 1"):
        run_audits(load_workspace(template_workspace), jobs=0)


def test_a_task_expected_not_to_fit_runs_alone() -> None:
    gib = 1 << 30
    assert runs_alone([gib, 3 * gib, 0], jobs=2, memory=4 * gib) == [False, True, False]
    assert runs_alone([3 * gib], jobs=1, memory=gib) == [False]  # one job: nothing beside it
    assert runs_alone([3 * gib], jobs=2, memory=None) == [False]  # memory unknown


def test_suites_start_by_risk_then_largest_extract_first() -> None:
    # risk 20 before 12 before 5 whatever the size; within risk 12 the largest first;
    # equal risk and size keep the batch's order
    risks = [12, 20, 12, 5, 12, 12]
    sizes = [100, 10, 900, 10_000, 500, 500]
    assert start_order(risks, sizes) == [1, 2, 4, 5, 0, 3]


def _square_or_die(number: int) -> int:
    if number == 3:
        import os

        os._exit(7)  # a process that dies without a word (as on a segfault)
    return number * number


def test_run_in_processes_reports_a_dead_process_and_keeps_the_rest() -> None:
    import threading

    if threading.active_count() > 1:  # e.g. a Spark session's threads: tasks run in-process
        pytest.skip("other threads are alive in this test process, so nothing is forked")
    started: list[int] = []
    results = run_in_processes(
        [1, 2, 3, 4],
        _square_or_die,
        jobs=2,
        alone=[False, True, False, False],
        started=started.append,
    )
    assert results[:2] == [1, 4] and results[3] == 16
    assert results[2] == Failed("its process ended without a result (exit code 7)")
    assert started == [0, 1, 2, 3]
