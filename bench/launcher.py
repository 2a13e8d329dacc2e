"""Runs benchmark commands from a small process, so that their peak RSS is their own.

Why: on Linux a child's ``ru_maxrss`` (from ``wait4``) starts at its parent's RSS high-water
mark at the fork and is kept through ``exec``: a 20 MiB command started by a runner that
has read half a million keys back reports the runner's 900 MiB. bench/run.py starts this
process first, while it is small, and has it start every measured command.

Protocol: one JSON object per line on stdin (``argv``, ``cwd``, ``stdout``, ``stderr``
paths); one JSON object per line on stdout (``wall_s``, ``cpu_s``, ``peak_rss_kib``,
``exit_code``). Used as ``python bench/launcher.py``; ``Launcher`` is the runner's side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def serve() -> None:
    for line in sys.stdin:
        job = json.loads(line)
        with open(job["stdout"], "wb") as out, open(job["stderr"], "wb") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(
                job["argv"], cwd=job["cwd"], stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)  # reaped: tell Popen
        result = {
            "wall_s": wall,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_kib": usage.ru_maxrss,
            "exit_code": code,
        }
        print(json.dumps(result), flush=True)


class Launcher:
    """The runner's side: start once, early; ``run`` one command at a time."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, argv: list[str], cwd: Path, stdout: Path, stderr: Path) -> dict[str, Any]:
        job = {"argv": argv, "cwd": str(cwd), "stdout": str(stdout), "stderr": str(stderr)}
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(job) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the benchmark launcher stopped")
        return dict(json.loads(line))

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait()


if __name__ == "__main__":
    serve()
