"""Action-plan export benchmark: one finding with 500,000 failing records, to Excel.

Why: an owner's plan lists every failing record of a finding on its own sheet, streamed
from the store in write-only mode so memory stays flat however many there are. This was
a 179 s test; it lives here now (the tests keep a small version), measured as a ratio
against a reference in the same run: the same rows written by openpyxl's write-only mode
straight from memory, with no store and no masking.

Each round checks that the exported sheet holds every key, in order (a fast wrong answer
is not measured).

Usage: ``python bench/plans_export.py [--records 500000] [--rounds 1]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
HEADER = "custody_ref,station,surname,date_of_birth,note\n"
DQAUDIT = [sys.executable, "-m", "dqaudit.cli"]


def make_workspace(folder: Path, records: int) -> None:
    (folder / "data").mkdir(parents=True)
    (folder / "suites").mkdir()
    with (folder / "data" / "custody.csv").open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        handle.writelines(f"C{i:07d},XX,SMITH,1990-01-01,ok\n" for i in range(records))
    settings = {
        "systems": {
            "custody": {
                "description": "Custody",
                "owner": {"name": "Custody Owner", "email": "custody.owner@example.police.uk"},
                "datasets": {
                    "records": {
                        "connector": "csv",
                        "options": {"path": "data/custody.csv"},
                        "key": ["custody_ref"],
                        "sensitive": ["surname"],
                    }
                },
            }
        },
        "suites": "suites",
        "store": "sqlite:///audit.db",
    }
    (folder / "dqaudit.yml").write_text(yaml.safe_dump(settings, sort_keys=False))
    suite = {
        "name": "custody",
        "meta": {
            "dqaudit": {"system": "custody", "dataset": "records", "likelihood": 4, "impact": 5}
        },
        "expectations": [
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "station", "value_set": ["BW", "CV"]},
                "meta": {"dqaudit": {"rule_id": "STN", "dimension": "validity"}},
            }
        ],
    }
    (folder / "suites" / "custody.json").write_text(json.dumps(suite))


def run(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of a whole process; it must succeed."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    out = process.stdout.read().decode() if process.stdout else ""
    err = process.stderr.read().decode() if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        fail(f"{' '.join(command[2:5])} exited {code}: {err or out}")
    return seconds, usage.ru_maxrss // 1024


REFERENCE = textwrap.dedent(
    """
    import sys
    from openpyxl import Workbook
    records, path = int(sys.argv[1]), sys.argv[2]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("F1 STN")
    sheet.append(["Record key", "station", "Exception requested", "Exception reason"])
    for i in range(records):
        sheet.append([f"C{i:07d}", "XX", None, None])
    workbook.save(path)
    """
)


def check(path: Path, records: int) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    name = next(n for n in workbook.sheetnames if n.endswith("STN"))
    keys = [row[0] for row in workbook[name].iter_rows(min_row=2, max_col=1, values_only=True)]
    workbook.close()
    if len(keys) != records or (keys[0], keys[-1]) != ("C0000000", f"C{records - 1:07d}"):
        fail(f"the plan lists {len(keys)} records, not the {records} that failed")


def fail(message: str) -> None:
    print(f"\nBENCHMARK FAILED: {message}", file=sys.stderr)
    raise SystemExit(2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dqaudit-bench-plans-") as scratch:
        folder = Path(scratch) / "ws"
        make_workspace(folder, args.records)
        approve = [*DQAUDIT, "suite", "approve", "custody", "-w", str(folder)]
        run([*approve, "--by", "Bench", "--board", "SIMB", "--minute", "BENCH-1"])
        audit_s, _ = run([*DQAUDIT, "audit", "run", "-w", str(folder)])
        exports, references = [], []
        for round_number in range(args.rounds):
            out = Path(scratch) / f"plans-{round_number}"
            exports.append(
                run([*DQAUDIT, "actions", "export", "-w", str(folder), "--out", str(out)])
            )
            [plan] = sorted(out.glob("*.xlsx"))
            check(plan, args.records)
            reference = Path(scratch) / f"reference-{round_number}.xlsx"
            script = [sys.executable, "-c", REFERENCE, str(args.records), str(reference)]
            references.append(run(script))
    export_s = sorted(s for s, _ in exports)[len(exports) // 2]
    export_mb = max(mb for _, mb in exports)
    reference_s = sorted(s for s, _ in references)[len(references) // 2]
    reference_mb = max(mb for _, mb in references)
    print(f"\nplans export: one finding with {args.records:,} failing records")
    print(f"(the audit that found them took {audit_s:.1f} s)")
    print(f"{'command':<44} {'wall s':>7} {'peak RSS MiB':>13} {'records/s':>10}")
    print(f"{'dqaudit actions export':<44} {export_s:>7.1f} {export_mb:>13} "
          f"{args.records / export_s:>10,.0f}")  # fmt: skip
    print(f"{'openpyxl write-only reference':<44} {reference_s:>7.1f} {reference_mb:>13} "
          f"{args.records / reference_s:>10,.0f}")  # fmt: skip
    print(f"ratio export/reference: wall {export_s / reference_s:.2f}, "
          f"peak RSS {export_mb / max(reference_mb, 1):.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
