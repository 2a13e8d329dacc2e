"""Derivation benchmark: ``reference_exists`` derived in the database against on pandas.

Why: a suite whose dataset is read with pushdown derives its ``reference_exists`` column
inside the database (one SELECT with an IN/EXISTS subquery), so no row leaves it. This
script checks what that costs against the same audit read into memory, where the pandas
derivation runs. It

1. writes ``bench-data/derivation/records.db`` (SQLite): ``persons`` (``--rows`` rows,
   person_ref and pnc_id) and ``nominals`` (as many rows), with 1% of the persons' PNC
   IDs on no nominal and 0.5% blank; reused while the size and generator version match;
2. runs, alternating the order each round, two whole processes, ``dqaudit audit run`` of
   one suite (PNC ID on PNC, and present) on a workspace whose two datasets are read with
   (a) ``mode: pushdown`` and (b) ``mode: pull``, and takes wall time and peak RSS of each
   from ``os.wait4``;
3. checks that (a) and (b) stored the same failing keys, rule by rule;
4. prints medians and the ratios (a)/(b) against their targets, and writes them to
   ``bench-data/derivation_results.json``.

Usage: ``python bench/derivation_pushdown.py [--rows 1000000] [--rounds 3] [--strict]``.
Exit status: 0 measured, 1 a target missed under ``--strict``, 2 the runs disagree or
failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = REPO / "bench-data" / "derivation"
GENERATOR_VERSION = "1"
# (a)/(b) targets: the database derivation holds much less memory than pandas does, and
# costs no more than a little over the pull audit's time.
TARGETS = {"wall a/b": 1.5, "peak RSS a/b": 0.6}
SUITE = {
    "name": "persons_on_pnc",
    "meta": {
        "dqaudit": {
            "system": "custody",
            "dataset": "persons",
            "derivation": {
                "kind": "reference_exists",
                "inputs": {"reference": "pnc/nominals"},
                "options": {"columns": ["pnc_id"], "result_column": "pnc_id_on_pnc"},
            },
        }
    },
    "expectations": [
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "pnc_id_on_pnc", "value_set": ["Y"]},
            "meta": {"dqaudit": {"rule_id": "PER-1"}},
        },
        {
            "type": "expect_column_values_to_not_be_null",
            "kwargs": {"column": "pnc_id_on_pnc"},
            "meta": {"dqaudit": {"rule_id": "PER-2"}},
        },
    ],
}


def ensure_database(rows: int) -> tuple[Path, float | None]:
    """The SQLite file with both tables, unless one of this size and version exists."""
    database = OUT / "records.db"
    marker = OUT / "records.meta.json"
    meta = {"rows": rows, "generator": GENERATOR_VERSION}
    if database.is_file() and marker.is_file() and json.loads(marker.read_text()) == meta:
        return database, None
    started = time.perf_counter()
    database.unlink(missing_ok=True)
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE persons (person_ref TEXT, pnc_id TEXT)")
        connection.execute("CREATE TABLE nominals (nominal_ref TEXT, pnc_id TEXT)")
        connection.executemany(
            "INSERT INTO persons VALUES (?, ?)",
            (
                (
                    f"P{i:08d}",
                    None
                    if i % 200 == 7
                    else f"20{i % 25:02d}/{i:07d}{'Z' if i % 100 == 3 else 'X'}",
                )
                for i in range(rows)
            ),
        )
        # listed in another order than the persons, as a real table would be
        connection.executemany(
            "INSERT INTO nominals VALUES (?, ?)",
            ((f"N{i:08d}", f"20{i % 25:02d}/{i:07d}X") for i in reversed(range(rows))),
        )
    marker.write_text(json.dumps(meta))
    return database, time.perf_counter() - started


def write_workspace(label: str, mode: str, database: Path) -> Path:
    workspace = OUT / f"workspace-{label}"
    (workspace / "suites").mkdir(parents=True, exist_ok=True)
    (workspace / "suites" / "persons_on_pnc.json").write_text(json.dumps(SUITE, indent=2))
    (workspace / "dqaudit.yml").write_text(
        "systems:\n"
        "  custody:\n"
        "    owner: {name: Bench, email: bench@example.police.uk}\n"
        "    datasets:\n"
        "      persons:\n"
        "        connector: sql\n"
        f"        options: {{url: 'sqlite:///{database}', table: persons, mode: {mode}}}\n"
        "        key: [person_ref]\n"
        "  pnc:\n"
        "    owner: {name: Bench, email: bench@example.police.uk}\n"
        "    datasets:\n"
        "      nominals:\n"
        "        connector: sql\n"
        f"        options: {{url: 'sqlite:///{database}', table: nominals, mode: {mode}}}\n"
        "        key: [nominal_ref]\n"
        "store: sqlite:///audit.db\n"
    )
    return workspace


def measure(argv: list[str], log: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS MiB and exit code of one whole process."""
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, code


def stored_keys(store: Path) -> dict[str, list[str]]:
    with sqlite3.connect(store) as connection:
        run_id, status = connection.execute(
            "SELECT run_id, status FROM runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        if status != "complete":
            raise SystemExit(f"BENCHMARK FAILED: the dqaudit run ended {status}")
        keys: dict[str, list[str]] = {}
        for rule_id, key in connection.execute(
            "SELECT r.rule_id, f.record_key FROM rule_results r JOIN failing_records f "
            "ON f.run_id = r.run_id AND f.position = r.position WHERE r.run_id = ?",
            (run_id,),
        ):
            keys.setdefault(rule_id, []).append(key)
    return {rule_id: sorted(found) for rule_id, found in keys.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    database, generation = ensure_database(args.rows)
    note = "reused" if generation is None else f"generated in {generation:.1f} s"
    print(f"{database.relative_to(REPO)}: {args.rows:,} persons and nominals ({note})")
    dqaudit = str(Path(sys.executable).parent / "dqaudit")
    workspaces = {
        "a": write_workspace("a", "pushdown", database),
        "b": write_workspace("b", "pull", database),
    }
    samples: dict[str, list[tuple[float, float]]] = {"a": [], "b": []}
    failing: dict[str, list[str]] = {}
    for round_number in range(1, args.rounds + 1):
        order = ["a", "b"] if round_number % 2 else ["b", "a"]
        keys = {}
        for label in order:
            workspace = workspaces[label]
            (workspace / "audit.db").unlink(missing_ok=True)
            log = OUT / f"{label}-r{round_number}.log"
            command = [dqaudit, "audit", "run", "-w", str(workspace), "--allow-draft"]
            wall, rss, code = measure(command, log)
            if code not in (0, 1):
                print(log.read_text()[-3000:], file=sys.stderr)
                print(f"BENCHMARK FAILED: ({label}) exited {code}", file=sys.stderr)
                return 2
            samples[label].append((wall, rss))
            keys[label] = stored_keys(workspace / "audit.db")
            print(f"  round {round_number} ({label}) {wall:7.1f} s {rss:7.0f} MiB", flush=True)
        if keys["a"] != keys["b"] or not keys["a"]:
            print("BENCHMARK FAILED: pushdown and pull stored different keys", file=sys.stderr)
            return 2
        failing = keys["a"]
    wall = {label: statistics.median(s[0] for s in samples[label]) for label in samples}
    rss = {label: statistics.median(s[1] for s in samples[label]) for label in samples}
    ratios = {"wall a/b": wall["a"] / wall["b"], "peak RSS a/b": rss["a"] / rss["b"]}
    verdicts = {name: ratios[name] <= TARGETS[name] for name in TARGETS}
    counts = {rule_id: len(found) for rule_id, found in failing.items()}
    print(
        f"\nderivation benchmark: {args.rows:,} persons against {args.rows:,} nominals, "
        f"failing keys {counts} (pushdown and pull agree)\n"
        f"(a) audit run, derived in the database (pushdown)  {wall['a']:7.1f} s "
        f"{rss['a']:7.0f} MiB\n"
        f"(b) audit run, derived with pandas (pull)          {wall['b']:7.1f} s "
        f"{rss['b']:7.0f} MiB"
    )
    for name, value in ratios.items():
        verdict = "PASS" if verdicts[name] else "MISS"
        print(f"{name:<14} {value:6.2f}   target <= {TARGETS[name]:<4} {verdict}")
    results = {
        "rows": args.rows,
        "rounds": args.rounds,
        "generation_s": generation,
        "wall_s": wall,
        "peak_rss_mib": rss,
        "ratios": ratios,
        "targets": TARGETS,
        "failing_keys_per_rule": counts,
        "samples": samples,
    }
    out = REPO / "bench-data" / "derivation_results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written: {out.relative_to(REPO)}")
    return 1 if args.strict and not all(verdicts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
