"""Per-rule overhead: how ``dqaudit check`` grows with the number of rules (issue 11).

Why: a suite is hostile input, and a board-approved suite can be long. A 5,000-rule
suite on a 4-row file once took 989 s, because building GX's suite was quadratic in its
rules. The target is small, linear per-rule cost: 1,000 rules on a small file in under
15 s, and the cost of each further rule no higher at 1,000-5,000 rules than at 1-1,000.

The runner writes a 4-row CSV and suites of N distinct rules (not-null, between, in-set,
regex and length rules over four columns, each with its own bound, so no two are alike),
then runs ``dqaudit check FILE --suite S --json`` as a whole process for each N, in
alternating order over the rounds, and prints the median wall time per N, the per-rule
slope between successive sizes, and the verdicts. Every run must exit 0 or 1 (a rule may
fail) with a document holding exactly N results, or the figures are meaningless.

Usage: ``python bench/rules_overhead.py [--rounds 2] [--sizes 1,250,1000,5000] [--strict]``
Exit status: 0 measured, 1 a target missed under --strict, 2 a run failed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = REPO / "bench-data" / "rules_overhead"
TARGET_1000_S = 15.0
# the slope over the largest step may be at most this multiple of the first step's slope
LINEAR_SLACK = 1.5

ROWS = "ref,name,amount,code\nR1,Alice,10,A1\nR2,Bob,20,B2\nR3,,30,C3\nR4,Dan,40,D4\n"


def rule(index: int) -> dict[str, object]:
    """The index-th rule: five kinds over four columns, each with its own setting."""
    kind = index % 5
    if kind == 0:
        return {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "amount", "min_value": 0, "max_value": 100 + index},
        }
    if kind == 1:
        return {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "code", "value_set": ["A1", "B2", "C3", "D4", f"X{index}"]},
        }
    if kind == 2:
        return {
            "type": "expect_column_values_to_match_regex",
            "kwargs": {"column": "ref", "regex": f"^R[0-9]{{1,{1 + index}}}$"},
        }
    if kind == 3:
        return {
            "type": "expect_column_value_lengths_to_be_between",
            "kwargs": {"column": "name", "min_value": 1, "max_value": 10 + index},
        }
    return {
        "type": "expect_column_values_to_not_be_null",
        "kwargs": {"column": "name", "mostly": round(0.5 + (index % 1000) / 4000, 6)},
    }


def write_inputs(sizes: list[int]) -> tuple[Path, dict[int, Path]]:
    OUT.mkdir(parents=True, exist_ok=True)
    data = OUT / "four_rows.csv"
    data.write_text(ROWS, encoding="utf-8")
    suites = {}
    for size in sizes:
        suite = OUT / f"rules_{size}.json"
        document = {"name": f"rules_{size}", "expectations": [rule(i) for i in range(size)]}
        suite.write_text(json.dumps(document), encoding="utf-8")
        suites[size] = suite
    return data, suites


def run_once(dqaudit: Path, data: Path, suite: Path, size: int) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        [str(dqaudit), "check", str(data), "--suite", str(suite), "--key", "ref", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if completed.returncode not in (0, 1):
        print(completed.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"BENCHMARK FAILED: {size} rules exited {completed.returncode}")
    results = json.loads(completed.stdout).get("results", [])
    if len(results) != size:
        raise SystemExit(f"BENCHMARK FAILED: {size} rules gave {len(results)} results")
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sizes", default="1,250,1000,5000")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    dqaudit = Path(sys.executable).parent / "dqaudit"
    data, suites = write_inputs(sizes)
    walls: dict[int, list[float]] = {size: [] for size in sizes}
    for rnd in range(args.rounds):
        order = sizes if rnd % 2 == 0 else list(reversed(sizes))
        for size in order:
            walls[size].append(run_once(dqaudit, data, suites[size], size))
    median = {size: statistics.median(walls[size]) for size in sizes}
    print(f"\nper-rule overhead, 4-row CSV, {args.rounds} round(s), medians")
    print(f"{'rules':>6} {'wall s':>8} {'s per further rule':>20}")
    slopes = []
    previous = None
    for size in sizes:
        slope = ""
        if previous is not None:
            value = (median[size] - median[previous]) / (size - previous)
            slopes.append(value)
            slope = f"{value * 1000:.2f} ms"
        print(f"{size:>6} {median[size]:>8.2f} {slope:>20}")
        previous = size
    missed = False
    if 1000 in median:
        verdict = "PASS" if median[1000] <= TARGET_1000_S else "MISS"
        missed |= verdict == "MISS"
        print(f"1,000 rules: {median[1000]:.2f} s (target <= {TARGET_1000_S:.0f} s) {verdict}")
    if len(slopes) >= 2 and slopes[0] > 0:
        growth = slopes[-1] / slopes[0]
        verdict = "PASS" if growth <= LINEAR_SLACK else "MISS"
        missed |= verdict == "MISS"
        print(
            f"linear growth: last step's per-rule cost / first step's = {growth:.2f} "
            f"(target <= {LINEAR_SLACK}) {verdict}"
        )
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
