"""Batch benchmark: ``audit run --jobs 2`` against ``--jobs 1`` on the same workspace.

Why: a batch of independent suites should use every core of the machine it runs on
(issue 16: on 2 cores, at most 0.65 of the sequential wall time, identical results).
This script

1. builds ``bench-data/batch/`` once: the sample workspace (``sample_data/``) with each
   CSV extract's records repeated ``--scale`` times (default 40, so the largest has
   100,000 records), cached by scale and the sample data's manifest;
2. runs, alternating the order each round, two whole processes on the same seven
   suites (``SUITES``), each into a fresh SQLite store:

   (s) ``dqaudit audit run -w WS --allow-draft --jobs 1 --suite ...``
   (p) the same with ``--jobs 2``

3. checks every round that both stored the same documents for every suite (outcome,
   counts, failing keys in order, warnings; run ids and times left out);
4. prints medians and the ratio p/s against its target, and writes them to
   ``bench-data/batch_results.json``.

Usage: ``python bench/batch_jobs.py [--rounds 3] [--scale 40] [--jobs 2]``.
Exit status: 0 measured, 1 the target missed under ``--strict``, 2 the runs disagree
or failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SAMPLE = REPO / "sample_data"
OUT = REPO / "bench-data" / "batch"
TARGET = 0.65
SUITES = (
    "custody_records",
    "custody_pace",
    "custody_reviews",
    "pnc_nominals",
    "pnc_court_results",
    "gazetteer_addresses",
    "policeuk_street",
)


def build(scale: int) -> dict[str, Path]:
    """The extracts (scaled copies) and one workspace per command; reused when cached."""
    from dqaudit.demo import prepare_demo_workspace

    stamp = hashlib.sha256(
        (SAMPLE / "manifest.json").read_bytes() + f"scale={scale}".encode()
    ).hexdigest()
    extracts = OUT / "extracts"
    marker = OUT / "built.txt"
    if not (marker.is_file() and marker.read_text() == stamp):
        shutil.rmtree(OUT, ignore_errors=True)
        shutil.copytree(SAMPLE, extracts, ignore=shutil.ignore_patterns("workspace", "*.py"))
        for path in extracts.rglob("*.csv"):
            header, _, body = path.read_bytes().partition(b"\n")
            if body and not body.endswith(b"\n"):
                body += b"\n"
            path.write_bytes(header + b"\n" + body * scale)
        marker.write_text(stamp)
    return {label: prepare_demo_workspace(SAMPLE, OUT / label, extracts) for label in ("s", "p")}


def command(workspace: Path, jobs: int) -> list[str]:
    dqaudit = str(Path(sys.executable).parent / "dqaudit")
    suites = [part for name in SUITES for part in ("--suite", name)]
    return [dqaudit, "--quiet", "audit", "run", "-w", str(workspace), "--allow-draft",
            "--jobs", str(jobs), *suites]  # fmt: skip


def fresh_store(workspace: Path) -> None:
    for name in ("audit.db", "audit.db-wal", "audit.db-shm"):
        (workspace / name).unlink(missing_ok=True)


def measure(argv: list[str]) -> tuple[float, float]:
    """(wall s, CPU s of the process and its children)."""
    start = time.perf_counter()
    before = os.times()
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode not in (0, 1):
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
        print(f"\nBENCHMARK FAILED: exit {done.returncode}: {' '.join(argv)}", file=sys.stderr)
        raise SystemExit(2)
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu


def documents(workspace: Path) -> dict[str, Any]:
    from dqaudit.audits.run_document import run_document
    from dqaudit.store import AuditStore
    from dqaudit.workspace.config import load_workspace

    store = AuditStore(load_workspace(workspace).store_url)
    try:
        found = {}
        for summary in store.list_runs(limit=100):
            document = run_document(store.get_run(summary.run_id))
            document.pop("run")
            found[summary.suite_name] = json.loads(json.dumps(document, default=str))
        return found
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--strict", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args(argv)
    workspaces = build(args.scale)
    commands = {"s": command(workspaces["s"], 1), "p": command(workspaces["p"], args.jobs)}
    samples: dict[str, list[tuple[float, float]]] = {"s": [], "p": []}
    print(f"batch: {len(SUITES)} suites, sample extracts x{args.scale}, {os.cpu_count()} CPUs")
    for rnd in range(1, args.rounds + 1):
        order = ["s", "p"] if rnd % 2 else ["p", "s"]
        for label in order:
            fresh_store(workspaces[label])
            wall, cpu = measure(commands[label])
            samples[label].append((wall, cpu))
            print(f"  round {rnd} ({label}) {wall:6.2f} s wall {cpu:6.2f} s cpu", flush=True)
        sequential, parallel = documents(workspaces["s"]), documents(workspaces["p"])
        if sorted(sequential) != sorted(SUITES) or parallel != sequential:
            differing = sorted(n for n in SUITES if sequential.get(n) != parallel.get(n))
            print(f"\nBENCHMARK FAILED: --jobs {args.jobs} and --jobs 1 stored different "
                  f"results (round {rnd}): {differing}", file=sys.stderr)  # fmt: skip
            return 2
    wall = {label: statistics.median(w for w, _ in s) for label, s in samples.items()}
    cpu = {label: statistics.median(c for _, c in s) for label, s in samples.items()}
    ratio = wall["p"] / wall["s"]
    verdict = "PASS" if ratio <= TARGET else "MISS"
    print(f"\n{'command':<34} {'wall s':>8} {'cpu s':>8}")
    print(f"{'(s) audit run --jobs 1':<34} {wall['s']:>8.2f} {cpu['s']:>8.2f}")
    print(f"{f'(p) audit run --jobs {args.jobs}':<34} {wall['p']:>8.2f} {cpu['p']:>8.2f}")
    print(f"\nwall p/s {ratio:.2f}  target <= {TARGET}  {verdict}; results identical every round")
    report = {
        "suites": list(SUITES),
        "scale": args.scale,
        "jobs": args.jobs,
        "cpus": os.cpu_count(),
        "samples": samples,
        "median_wall_s": wall,
        "median_cpu_s": cpu,
        "ratio": ratio,
        "target": TARGET,
        "verdict": verdict,
    }
    out = REPO / "bench-data" / "batch_results.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if args.strict and verdict == "MISS" else 0


if __name__ == "__main__":
    sys.exit(main())
