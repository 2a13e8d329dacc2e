"""Independent suites of a batch in parallel processes (``audit run --jobs N``).

Why processes: GX objects shared across threads give wrong results (gx_adapter, note
16), and one Python process uses one core for most of an audit. Why one forked process
per suite, not a pool: a suite that crashes its process loses only its own run (the
others' are already in the store), each suite's memory goes back to the system when it
ends, and a fork starts with GX already imported by the parent.

Memory-aware: a suite whose extract would not fit in the memory available to each job
runs alone, with no other suite beside it. Each process writes to the store through its
own connection; the store queues writers (PostgreSQL's locks, SQLite's ``BEGIN
IMMEDIATE`` with a busy timeout).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Generic, TypeVar

from dqaudit.errors import InputError

Task = TypeVar("Task")
Result = TypeVar("Result")

# An extract in memory is several times its file: text cells as Python or Arrow strings,
# the typed helper columns, GX's copies of the frame while it validates.
MEMORY_PER_FILE_BYTE = 8


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def check_jobs(jobs: object) -> int:
    """``jobs`` as a whole number of processes from 1 (InputError naming the field)."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InputError(f"jobs: must be a whole number of processes from 1, not {jobs!r}")
    return jobs


def available_memory() -> int | None:
    """Bytes the system can give without swapping (Linux's MemAvailable), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def extract_bytes(options: dict[str, Any], root: Path) -> int:
    """What reading a dataset is expected to hold in memory: a file's size times
    ``MEMORY_PER_FILE_BYTE``; 0 for a dataset that is not a file (a database query is
    validated in the database or read in batches)."""
    path = options.get("path")
    if not isinstance(path, str | Path):
        return 0
    full = Path(path) if Path(path).is_absolute() else root / path
    try:
        return full.stat().st_size * MEMORY_PER_FILE_BYTE
    except OSError:
        return 0  # a missing file is the run's own error to report


def runs_alone(estimates: Sequence[int], jobs: int, memory: int | None) -> list[bool]:
    """Which tasks must run with no other beside them: those expected to need more than
    one job's share of the available memory."""
    if memory is None or jobs <= 1:
        return [False] * len(estimates)
    share = memory // jobs
    return [estimate > share for estimate in estimates]


def start_order(risk_scores: Sequence[int], estimates: Sequence[int]) -> list[int]:
    """The order in which tasks start: highest risk first, as one at a time runs them, and
    among tasks of equal risk the largest extract first. A batch ends when its last task
    does: a large task started last leaves the other processes idle while it runs alone,
    so starting it early (longest first) shortens the batch without making any higher-risk
    suite wait for a lower-risk one."""
    return sorted(range(len(risk_scores)), key=lambda i: (-risk_scores[i], -estimates[i]))


@dataclass(frozen=True)
class Failed:
    """A task whose process raised (``message``: the error's last line) or died."""

    message: str
    interrupted: bool = False


@dataclass
class _Running(Generic[Task]):
    index: int
    process: Any
    reader: Connection
    alone: bool


def run_in_processes(
    tasks: Sequence[Task],
    work: Callable[[Task], Result],
    *,
    jobs: int,
    alone: Sequence[bool] | None = None,
    started: Callable[[int], None] | None = None,
) -> list[Result | Failed]:
    """``work(task)`` for every task, at most ``jobs`` at a time, each in a forked process;
    results in the tasks' order. A task marked ``alone`` starts only when nothing runs,
    and nothing starts beside it. ``started`` hears each task's index as it starts.

    ``work`` and the tasks reach the child by fork (never pickled); only the result goes
    back, pickled. Ctrl-C or SIGTERM in the parent stops every child with SIGTERM (each
    raises KeyboardInterrupt, so its run is marked interrupted) and is raised again.
    """
    if threading.active_count() > 1:
        # fork copies only the calling thread (a lock another thread holds stays held in
        # the child forever): with other threads alive, run here, one task at a time.
        return [_in_process(work, task) for task in tasks]
    context = multiprocessing.get_context("fork")
    # Objects from before the fork are left out of the children's garbage collections,
    # which would otherwise write to (and so copy) every page of the parent's heap.
    gc.freeze()
    try:
        return _run_forked(context, tasks, work, jobs, alone, started)
    finally:
        gc.unfreeze()


def _run_forked(
    context: Any,
    tasks: Sequence[Task],
    work: Callable[[Task], Result],
    jobs: int,
    alone: Sequence[bool] | None,
    started: Callable[[int], None] | None,
) -> list[Result | Failed]:
    alone = list(alone) if alone is not None else [False] * len(tasks)
    waiting = list(range(len(tasks)))
    running: list[_Running[Task]] = []
    results: dict[int, Result | Failed] = {}
    try:
        while waiting or running:
            while waiting and _may_start(alone[waiting[0]], running, jobs):
                index = waiting.pop(0)
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(
                    target=_child, args=(work, tasks[index], writer), daemon=False
                )
                if started is not None:
                    started(index)
                process.start()
                writer.close()
                running.append(_Running(index, process, reader, alone[index]))
            ready = wait([r.reader for r in running])
            for entry in [r for r in running if r.reader in ready]:
                results[entry.index] = _receive(entry)
                running.remove(entry)
    except BaseException:
        _stop(running)
        raise
    return [results[index] for index in range(len(tasks))]


def _in_process(work: Callable[[Task], Result], task: Task) -> Result | Failed:
    try:
        return work(task)
    except Exception as exc:  # as a child's: reported, the others go on
        return Failed(traceback.format_exception_only(type(exc), exc)[-1].strip())


def _may_start(alone: bool, running: list[_Running[Any]], jobs: int) -> bool:
    if alone:
        return not running
    return len(running) < jobs and not any(r.alone for r in running)


def _child(work: Callable[[Any], Any], task: Any, writer: Connection) -> None:
    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        outcome: Any = ("ok", work(task))
    except KeyboardInterrupt:
        outcome = ("failed", Failed("interrupted", interrupted=True))
    except BaseException as exc:  # reported by the parent, which goes on with the others
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        outcome = ("failed", Failed(last))
    try:
        writer.send(outcome)
    except Exception as exc:  # an unpicklable result
        writer.send(("failed", Failed(f"result not returned: {exc}")))
    writer.close()


def _receive(entry: _Running[Any]) -> Any:
    try:
        kind, value = entry.reader.recv()
    except (EOFError, OSError):
        kind, value = "failed", None
    entry.reader.close()
    entry.process.join()
    if kind == "ok":
        return value
    if value is None:
        code = entry.process.exitcode
        return Failed(f"its process ended without a result (exit code {code})")
    return value


def _stop(running: list[_Running[Any]]) -> None:
    for entry in running:
        if entry.process.is_alive():
            entry.process.terminate()  # SIGTERM: the child marks its run interrupted
    for entry in running:
        entry.process.join(timeout=60)
        if entry.process.is_alive():
            entry.process.kill()
            entry.process.join()
        entry.reader.close()
