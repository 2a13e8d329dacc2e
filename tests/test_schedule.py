"""Scheduling: cadence from the band or cron, --due runs, catch-up once, and run locks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from dqaudit.store import AuditStore, RunSummary, schema
from dqaudit.workspace.config import load_workspace
from tests.conftest import approve, invoke, try_approve

SUITE = "custody_records"


def store_for(folder: Path) -> AuditStore:
    return AuditStore(load_workspace(folder).store_url)


def schedule_line(folder: Path) -> str:
    result = invoke("schedule", "-w", str(folder))
    assert result.exit_code == 0, result.output
    return next(line for line in result.stdout.splitlines() if line.startswith(SUITE))


def runs(folder: Path) -> list[RunSummary]:
    store = store_for(folder)
    try:
        return store.list_runs()
    finally:
        store.close()


def test_schedule_shows_cadence_last_run_and_next_due(template_workspace: Path) -> None:
    line = schedule_line(template_workspace)
    assert "High" in line and "monthly (High)" in line and line.endswith("DUE NOW")
    invoke("audit", "run", "-w", str(template_workspace))
    line = schedule_line(template_workspace)
    today = datetime.now(UTC)
    first_of_next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert today.strftime("%Y-%m-%d") in line
    assert line.endswith(first_of_next_month.strftime("%Y-%m-%d") + " 06:00")


def test_due_runs_what_is_due_then_nothing(template_workspace: Path) -> None:
    first = invoke("audit", "run", "--due", "-w", str(template_workspace))
    assert first.exit_code == 1  # it ran; the template data has defects
    assert len(runs(template_workspace)) == 1
    second = invoke("audit", "run", "--due", "-w", str(template_workspace))
    assert second.exit_code == 0
    assert "SKIPPED custody_records" in second.stdout and "not due" in second.stdout
    assert len(runs(template_workspace)) == 1


def test_missed_slots_are_caught_up_once(template_workspace: Path) -> None:
    invoke("audit", "run", "-w", str(template_workspace))
    store = store_for(template_workspace)
    with store.engine.begin() as connection:
        connection.execute(
            schema.runs.update().values(started_at=datetime.now(UTC) - timedelta(days=100))
        )
    store.close()
    assert schedule_line(template_workspace).endswith("DUE NOW")
    assert invoke("audit", "run", "--due", "-w", str(template_workspace)).exit_code == 1
    assert invoke("audit", "run", "--due", "-w", str(template_workspace)).exit_code == 0
    assert len(runs(template_workspace)) == 2


def set_schedule(folder: Path, expression: str) -> None:
    path = folder / "suites" / f"{SUITE}.json"
    document = json.loads(path.read_text())
    document["meta"]["dqaudit"]["schedule"] = expression
    path.write_text(json.dumps(document))


def test_an_explicit_cron_expression_sets_the_cadence(template_workspace: Path) -> None:
    set_schedule(template_workspace, "30 7 * * 1")
    assert "cron 30 7 * * 1" in schedule_line(template_workspace)
    refused = invoke("audit", "run", "-w", str(template_workspace))
    assert refused.exit_code == 2  # the cadence is part of what the SIMB approves
    approve(template_workspace, SUITE, minute="SIMB-2026-20")
    invoke("audit", "run", "-w", str(template_workspace))
    next_due = schedule_line(template_workspace).split()[-2:]
    due = datetime.strptime(" ".join(next_due), "%Y-%m-%d %H:%M")
    assert due.weekday() == 0 and (due.hour, due.minute) == (7, 30)


def test_an_invalid_cron_expression_is_an_error_and_nothing_runs(template_workspace: Path) -> None:
    set_schedule(template_workspace, "61 25 * * *")
    result = invoke("audit", "run", "--due", "-w", str(template_workspace))
    assert result.exit_code == 2
    assert (
        "custody_records.json: meta.dqaudit.schedule: '61 25 * * *' is not a valid cron"
        in result.stderr
    )
    assert runs(template_workspace) == []
    assert invoke("schedule", "-w", str(template_workspace)).exit_code == 2
    drafted = invoke("audit", "run", "--allow-draft", "-w", str(template_workspace))
    assert drafted.exit_code == 2 and "is not a valid cron" in drafted.stderr
    approval = try_approve(template_workspace, SUITE, "M-9")
    assert approval.exit_code == 2 and "is not a valid cron" in approval.stderr
    assert runs(template_workspace) == []


def insert_lock(folder: Path, host: str, pid: int, expires_in: timedelta) -> None:
    store = store_for(folder)
    now = datetime.now(UTC)
    with store.engine.begin() as connection:
        connection.execute(
            schema.locks.insert().values(
                name=f"suite:{SUITE}",
                holder="someone",
                host=host,
                pid=pid,
                acquired_at=now,
                expires_at=now + expires_in,
            )
        )
    store.close()


def test_a_live_lock_skips_the_suite_with_a_message(template_workspace: Path) -> None:
    insert_lock(template_workspace, socket.gethostname(), os.getpid(), timedelta(hours=1))
    result = invoke("audit", "run", "-w", str(template_workspace))
    assert result.exit_code == 0
    assert "skipped, another run holds its lock" in result.stderr
    assert "SKIPPED custody_records" in result.stdout
    assert runs(template_workspace) == []


def test_a_crashed_holders_lock_is_taken_over(template_workspace: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    insert_lock(template_workspace, socket.gethostname(), int(dead.stdout), timedelta(hours=1))
    assert invoke("audit", "run", "-w", str(template_workspace)).exit_code == 1
    assert len(runs(template_workspace)) == 1


def test_an_expired_lock_from_another_host_is_taken_over(template_workspace: Path) -> None:
    insert_lock(template_workspace, "another-host", 1, timedelta(minutes=-5))
    assert invoke("audit", "run", "-w", str(template_workspace)).exit_code == 1
    store = store_for(template_workspace)
    with store.engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(schema.locks)).scalar() == 0
        )
    store.close()


def two_schedulers(folder: Path, env: dict[str, str]) -> list[subprocess.CompletedProcess]:
    command = [sys.executable, "-m", "dqaudit.cli", "audit", "run", "--due", "-w", str(folder)]
    processes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        results.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    return results


def check_exactly_one_run(folder: Path, results: list[subprocess.CompletedProcess]) -> None:
    assert sorted(r.returncode for r in results) == [0, 1], [r.stderr for r in results]
    [completed] = runs(folder)
    assert completed.status == "complete"
    loser = next(r for r in results if r.returncode == 0)
    assert "SKIPPED custody_records" in loser.stdout


def test_two_schedulers_at_once_run_an_audit_once_sqlite(template_workspace: Path) -> None:
    check_exactly_one_run(template_workspace, two_schedulers(template_workspace, dict(os.environ)))


def test_two_schedulers_at_once_run_an_audit_once_postgres(
    template_workspace: Path, pg_store_url: str
) -> None:
    config = template_workspace / "dqaudit.yml"
    settings = yaml.safe_load(config.read_text())
    settings["store"] = "${DQAUDIT_TEST_STORE}"
    config.write_text(yaml.safe_dump(settings))
    env = {**os.environ, "DQAUDIT_TEST_STORE": pg_store_url}
    os.environ["DQAUDIT_TEST_STORE"] = pg_store_url
    try:
        approve(template_workspace, SUITE)
        check_exactly_one_run(template_workspace, two_schedulers(template_workspace, env))
    finally:
        del os.environ["DQAUDIT_TEST_STORE"]


@pytest.mark.parametrize("frequency", ["daily", "weekly", "quarterly", "annually"])
def test_named_frequencies_are_valid(frequency: str) -> None:
    from dqaudit.workspace.risk import FREQUENCIES, check_cron

    assert check_cron(FREQUENCIES[frequency])


class FakeClock:
    """The store's clock, moved by hand: leases expire when the test says, not when the
    machine gets round to it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class SteppedTicker:
    """The renewer's wait, stepped by the test: each ``step`` lets exactly one renewal
    happen and returns once it has (correctness never depends on how fast threads run)."""

    def __init__(self) -> None:
        self._go = threading.Semaphore(0)
        self._done = threading.Semaphore(0)
        self._waits = 0
        self.asked: list[float] = []

    def __call__(self, stop: threading.Event, seconds: float) -> bool:
        if self._waits:
            self._done.release()  # the renewal before this wait has been written
        self._waits += 1
        self.asked.append(seconds)
        while not self._go.acquire(timeout=0.01):
            if stop.is_set():
                return True
        return stop.is_set()

    def step(self) -> None:
        self._go.release()
        assert self._done.acquire(timeout=60), "the renewer did not renew"


T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def test_a_held_lock_is_renewed_while_its_run_lasts(tmp_path: Path) -> None:
    from dqaudit.governance import locks

    clock = FakeClock(T0)
    store = AuditStore(f"sqlite:///{tmp_path / 'audit.db'}", clock=clock)
    lease = timedelta(minutes=30)
    ticker = SteppedTicker()
    with locks.held(store, "suite:long", lease, ticker=ticker) as acquired:
        assert acquired
        assert store.locks.get("suite:long").expires_at == T0 + lease
        for hour in (1, 2, 3):  # the run lasts hours: many leases
            clock.advance(timedelta(hours=1))
            ticker.step()
            assert store.locks.get("suite:long").expires_at == T0 + timedelta(hours=hour) + lease
        assert ticker.asked[0] == lease.total_seconds() / 3  # renewed every third of a lease
        assert locks.try_acquire(store, "suite:long", lease) is None  # held by a live process
    assert store.locks.held() == []  # released at the end
    store.close()


def test_an_expired_lease_of_another_host_is_taken_over_only_after_it_expires(
    tmp_path: Path,
) -> None:
    from dqaudit.governance import locks
    from dqaudit.store import LockRecord

    clock = FakeClock(T0)
    store = AuditStore(f"sqlite:///{tmp_path / 'audit.db'}", clock=clock)
    lease = timedelta(minutes=30)
    theirs = LockRecord("suite:x", "their-token", "another-host", 1, T0, T0 + lease)
    assert store.locks.insert(theirs)
    assert not store.locks.insert(theirs)  # the name is taken
    clock.advance(lease - timedelta(seconds=1))
    assert locks.try_acquire(store, "suite:x", lease) is None  # their lease still runs
    clock.advance(timedelta(seconds=2))
    token = locks.try_acquire(store, "suite:x", lease)
    assert token is not None
    mine = store.locks.get("suite:x")
    assert mine.holder == token and mine.expires_at == clock.now + lease
    assert not locks.renew(store, "suite:x", "their-token", lease)  # no longer theirs
    assert locks.renew(store, "suite:x", token, lease)
    locks.release(store, "suite:x", token)
    assert store.locks.get("suite:x") is None
    store.close()
