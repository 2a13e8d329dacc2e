"""Workspaces: dqaudit.yml errors, init, and audit run/list/show through the CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dqaudit.errors import InputError
from dqaudit.store import AuditStore, StoredRun
from dqaudit.workspace.config import load_workspace
from tests.conftest import approve, invoke, rule, write_suite


def edit_config(folder: Path, change) -> None:
    path = folder / "dqaudit.yml"
    settings = yaml.safe_load(path.read_text())
    change(settings)
    path.write_text(yaml.safe_dump(settings, sort_keys=False))


def test_init_writes_a_workspace_that_runs(template_workspace: Path) -> None:
    assert (template_workspace / "dqaudit.yml").read_text().startswith("# dqaudit workspace")
    result = invoke("audit", "run", "-w", str(template_workspace))
    assert result.exit_code == 1, result.output  # the example data has defects
    assert "FAILED  custody_records" in result.stdout
    assert "CUS-002 (1), CUS-003 (1), CUS-004 (1), CUS-005 (1)" in result.stdout
    assert (template_workspace / "audit.db").is_file()


def test_init_never_overwrites(template_workspace: Path) -> None:
    result = invoke("init", str(template_workspace))
    assert result.exit_code == 2
    assert "already exists" in result.stderr


def test_audit_list_and_show(template_workspace: Path) -> None:
    invoke("audit", "run", "-w", str(template_workspace))
    listing = invoke("audit", "list", "-w", str(template_workspace))
    assert listing.exit_code == 0
    run_id = listing.stdout.splitlines()[1].split()[0]
    shown = invoke("audit", "show", run_id, "-w", str(template_workspace), "--json")
    assert shown.exit_code == 0
    document = json.loads(shown.stdout)
    assert document["status"] == "failed" and document["suite"] == "custody_records"
    keys = {r["rule_id"]: r["failing_keys"] for r in document["results"]}
    assert keys == {
        "CUS-001": [],
        "CUS-002": ["WM/C/0000004"],
        "CUS-003": ["WM/C/0000005"],
        "CUS-004": ["WM/C/0000003"],
        "CUS-005": ["WM/C/0000005"],
    }
    run = document["run"]
    assert run["status"] == "complete" and run["row_count"] == 5
    assert run["system"] == "custody" and run["dataset"] == "custody_records"
    assert len(run["source_sha256"]) == 64 and run["batch_id"]
    text = invoke("audit", "show", run_id, "-w", str(template_workspace))
    assert "FAIL  CUS-002" in text.stdout and "WM/C/0000004" in text.stdout


def test_runs_in_one_command_share_a_batch_and_go_highest_risk_first(
    template_workspace: Path,
) -> None:
    suites = template_workspace / "suites"
    write_suite(
        suites / "low_risk.json",
        [rule("expect_column_values_to_not_be_null", "LOW-1", column="custody_ref")],
        system="custody",
        dataset="custody_records",
        likelihood=1,
        impact=1,
    )
    approve(template_workspace, "low_risk")
    result = invoke("audit", "run", "-w", str(template_workspace))
    lines = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert "custody_records" in lines[0] and "low_risk" in lines[1]
    runs = load_runs(template_workspace)
    assert len(runs) == 2 and len({run.batch_id for run in runs}) == 1


def load_runs(folder: Path) -> list[StoredRun]:
    store = AuditStore(load_workspace(folder).store_url)
    try:
        return [store.get_run(run.run_id, with_keys=False) for run in store.list_runs()]
    finally:
        store.close()


def test_a_missing_extract_is_recorded_as_an_error_run_and_exits_2(
    template_workspace: Path,
) -> None:
    (template_workspace / "data" / "custody_records.csv").unlink()
    result = invoke("audit", "run", "-w", str(template_workspace))
    assert result.exit_code == 2
    assert "file not found" in result.stderr
    [run] = load_runs(template_workspace)
    assert run.status == "error" and "file not found" in (run.error or "")


def test_a_bad_suite_is_refused_and_the_others_still_run(template_workspace: Path) -> None:
    # issue 13: every suite is checked before any runs; a bad one is named and refused
    (template_workspace / "suites" / "broken.json").write_text("{", encoding="utf-8")
    result = invoke("audit", "run", "-w", str(template_workspace))
    assert result.exit_code == 2
    assert "Error: suite broken was not run: 1 error(s)" in result.stderr
    assert "broken.json: malformed suite JSON" in result.stderr
    assert "INVALID broken" in result.stdout
    [run] = load_runs(template_workspace)
    assert run.suite_name == "custody_records" and run.status == "complete"


def test_a_suite_bound_to_an_unknown_dataset_names_both(template_workspace: Path) -> None:
    write_suite(
        template_workspace / "suites" / "stray.json",
        [rule("expect_column_values_to_not_be_null", "S-1", column="x")],
        system="custody",
        dataset="reviews",
    )
    result = invoke("audit", "run", "-w", str(template_workspace))
    assert result.exit_code == 2
    assert "stray.json: system 'custody' has no dataset 'reviews'" in result.stderr


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda s: s["systems"]["custody"]["owner"].pop("email"),
            r"line \d+\): systems\.custody\.owner\.email: required setting is missing",
        ),
        (
            lambda s: s["systems"]["custody"].update(colour="blue"),
            r"systems\.custody\.colour: unknown setting",
        ),
        (
            lambda s: s["systems"]["custody"]["datasets"]["custody_records"].update(
                timezone="Mars/Olympus"
            ),
            "unknown timezone 'Mars/Olympus'",
        ),
        (
            lambda s: s["systems"]["custody"]["owner"].update(email="not-an-email"),
            "'not-an-email' is not an email address",
        ),
        (
            lambda s: s.update(store="${DQAUDIT_TEST_UNSET_VARIABLE}"),
            "environment variable DQAUDIT_TEST_UNSET_VARIABLE is not set",
        ),
    ],
)
def test_config_errors_name_the_setting(template_workspace: Path, change, message: str) -> None:
    edit_config(template_workspace, change)
    with pytest.raises(InputError, match=message):
        load_workspace(template_workspace)
    result = invoke("audit", "run", "-w", str(template_workspace))
    assert result.exit_code == 2 and "Traceback" not in result.stderr


def test_yaml_syntax_errors_name_line_and_column(template_workspace: Path) -> None:
    (template_workspace / "dqaudit.yml").write_text("systems:\n  custody: [unclosed\n")
    with pytest.raises(InputError, match=r"line 3, column 1: not valid YAML"):
        load_workspace(template_workspace)


def test_environment_variables_fill_settings(
    template_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DQAUDIT_TEST_STORE", f"sqlite:///{template_workspace / 'elsewhere.db'}")
    edit_config(template_workspace, lambda s: s.update(store="${DQAUDIT_TEST_STORE}"))
    assert load_workspace(template_workspace).store_url.endswith("elsewhere.db")


def test_no_workspace_is_a_clear_error(tmp_path: Path) -> None:
    result = invoke("audit", "list", "-w", str(tmp_path))
    assert result.exit_code == 2
    assert "no dqaudit.yml in" in result.stderr and "dqaudit init" in result.stderr


def wait_until_running(workspace: Path, process: subprocess.Popen, tries: int = 2_000) -> None:
    """Poll the store (not the clock) until the run is recorded as running."""
    for _ in range(tries):
        runs = load_runs(workspace) if (workspace / "audit.db").exists() else []
        if any(run.status == "running" for run in runs):
            return
        assert process.poll() is None, "the run ended before it was seen running"
    raise AssertionError("the run was never seen running")


def test_sigterm_mid_run_leaves_the_run_interrupted_never_complete(
    template_workspace: Path,
) -> None:
    """A scheduler killed mid-run marks the run interrupted; the next command reports it."""
    big = template_workspace / "data" / "custody_records.csv"
    lines = big.read_text().splitlines()
    body = lines[1:]
    rows = [lines[0]] + [
        line.replace("WM/C/000000", f"WM/C/{n:07d}-") for n in range(60_000) for line in body[:1]
    ]
    big.write_text("\n".join(rows) + "\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "dqaudit.cli", "audit", "run", "-w", str(template_workspace)],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    first = process.stderr.readline()  # "[1/1] custody_records ..." : the run has started
    assert "[1/1] custody_records" in first
    wait_until_running(template_workspace, process)  # no fixed sleep: the store says so
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 3, err
    [run] = load_runs(template_workspace)
    assert run.status == "interrupted"
    assert run.outcome is None


def test_the_next_command_reports_a_run_whose_process_died(template_workspace: Path) -> None:
    store_url = load_workspace(template_workspace).store_url
    script = (
        "import os, signal\n"
        "from dqaudit.store import AuditStore\n"
        "from dqaudit.expectations.suite import load_suite\n"
        f"store = AuditStore({store_url!r})\n"
        f"store.start_run(load_suite({str(template_workspace / 'suites' / 'custody_records.json')!r}), 'b')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=False)
    result = invoke("audit", "list", "-w", str(template_workspace))
    assert result.exit_code == 0
    assert "did not finish (now interrupted)" in result.stderr
    assert "interrupted" in result.stdout
    again = invoke("audit", "list", "-w", str(template_workspace))
    assert "did not finish" not in again.stderr  # reported once, then recorded


def test_check_writes_nothing_to_disk_but_its_output(tmp_path: Path) -> None:
    """GX runs in an ephemeral context: no gx/ folder, no config, no cache files."""
    import os

    work = tmp_path / "cwd"
    work.mkdir()
    data = work / "d.csv"
    data.write_text("ref,v\n1,\n", encoding="utf-8")
    suite = write_suite(
        work / "s.json", [rule("expect_column_values_to_not_be_null", "V", column="v")]
    )
    before = {p for p in tmp_path.rglob("*")}
    env = {**os.environ, "HOME": str(tmp_path / "home"), "PYTHONDONTWRITEBYTECODE": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "dqaudit.cli", "check", str(data), "--suite", str(suite), "--json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert {p for p in tmp_path.rglob("*")} == before


def test_a_dataset_variable_is_needed_only_to_read_that_dataset(template_workspace: Path) -> None:
    edit_config(
        template_workspace,
        lambda s: s["systems"]["custody"]["datasets"]["custody_records"]["options"].update(
            path="${DQAUDIT_TEST_UNSET_PATH}"
        ),
    )
    assert invoke("audit", "list", "-w", str(template_workspace)).exit_code == 0
    assert invoke("suite", "status", "-w", str(template_workspace)).exit_code == 0
    result = invoke("audit", "run", "-w", str(template_workspace))
    assert result.exit_code == 2
    assert (
        "setting systems.custody.datasets.custody_records.options.path uses "
        "${DQAUDIT_TEST_UNSET_PATH}, but the environment variable DQAUDIT_TEST_UNSET_PATH is not set"
    ) in result.stderr
