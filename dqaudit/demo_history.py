"""The demo's months of history: extracts as they stood each month, and owners' answers.

The sample manifest's ``months`` list (written by ``sample_data/history.py``) is data: for
each month, which planted defects are not present (``withheld``) and the cells that put
those records back as they were (``restore``). Before each month's audit the demo copies
the base extracts into its own folder and applies that month's ``restore``; nothing from
the sample data folder is ever run. The manifest is checked as hostile input: a month
naming an unknown dataset, a line past the end of its file or a column the file does not
have is an error naming the manifest and the month.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dqaudit.actions.plan_import import import_plan
from dqaudit.errors import InputError
from dqaudit.store import AuditStore

MAX_MANIFEST_BYTES = 20_000_000
EXTRACT_SUFFIXES = (".csv", ".dat", ".yml")

# What each owner answers in the first month's plan, by rule id: status, agreed action,
# days until the agreed date, and a comment or (for Not accepted) the reason.
OWNER_RESPONSES: dict[str, tuple[str, str | None, int | None, str | None]] = {
    "PNC-NOM-010": (
        "Agreed",
        "Re-key the gender codes from the source records (M, F, X, U).",
        45,
        None,
    ),
    "PNC-NOM-007": (
        "In progress",
        "Correct the malformed CRO numbers; bureau staff briefed.",
        60,
        None,
    ),
    "GAZ-ADR-013": ("Resolved", "Historical addresses closed and records relinked.", 30, None),
    "GAZ-ADR-010": (
        "Not accepted",
        None,
        None,
        "Approximate positions are correct for plots under construction; they are "
        "re-surveyed on completion.",
    ),
    "CUS-011": (
        "Agreed",
        "Custody staff to re-record officer ethnicity codes (IC0-IC6).",
        40,
        None,
    ),
}


@dataclass(frozen=True)
class Month:
    number: int
    months_before_latest: int
    label: str
    withheld: frozenset[tuple[str, str, str]] = frozenset()
    restore: tuple[dict[str, Any], ...] = field(default=())

    @property
    def folder(self) -> str:
        return f"month-{self.number}"


def read_manifest(sample_data: Path) -> dict[str, Any]:
    path = sample_data / "manifest.json"
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise InputError(f"{path}: larger than {MAX_MANIFEST_BYTES:,} bytes")
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"sample data folder {sample_data}: manifest.json not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable manifest ({exc})") from None
    if not isinstance(manifest, dict):
        raise InputError(f"{path}: the manifest must be a JSON object")
    return manifest


def load_months(sample_data: Path) -> list[Month]:
    """The months to audit, oldest first; one month (as the extracts are) without history."""
    manifest = read_manifest(sample_data)
    entries = manifest.get("months")
    if entries is None:
        return [Month(1, 0, "the extracts as they are")]
    where = sample_data / "manifest.json"
    if not isinstance(entries, list) or not entries or len(entries) > 24:
        raise InputError(f"{where}: 'months' must be a list of 1 to 24 months")
    months = []
    for index, entry in enumerate(entries, start=1):
        try:
            withheld = frozenset(
                (str(item["suite"]), str(item["rule_id"]), str(item["key"]))
                for item in entry["withheld"]
            )
            restore = tuple(
                {
                    "dataset": str(item["dataset"]),
                    "line": int(item["line"]),
                    "cells": {str(k): str(v) for k, v in dict(item["cells"]).items()},
                }
                for item in entry["restore"]
            )
            month = Month(
                int(entry["month"]),
                int(entry["months_before_latest"]),
                str(entry["label"]),
                withheld,
                restore,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{where}: month #{index} is malformed ({exc!r})") from None
        months.append(month)
    if [m.months_before_latest for m in months] != sorted(
        (m.months_before_latest for m in months), reverse=True
    ) or months[-1].months_before_latest != 0:
        raise InputError(f"{where}: 'months' must run oldest first and end with the latest")
    return months


def refresh_extracts(sample_data: Path, month: Month, folder: Path) -> None:
    """Copy the base extracts into ``folder`` and put back the records ``month`` restores."""
    for path in sorted(sample_data.rglob("*")):
        relative = path.relative_to(sample_data)
        if path.is_file() and relative.parts[0] != "workspace" and path.suffix in EXTRACT_SUFFIXES:
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    if not month.restore:
        return
    datasets = read_manifest(sample_data).get("datasets") or {}
    by_file: dict[str, list[dict[str, Any]]] = {}
    for item in month.restore:
        spec = datasets.get(item["dataset"])
        if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
            raise InputError(
                f"{sample_data / 'manifest.json'}: month {month.number} restores a record of "
                f"dataset '{item['dataset']}', which the manifest does not list"
            )
        by_file.setdefault(spec["path"], []).append(item)
    where = f"{sample_data / 'manifest.json'}: month {month.number}"
    for name, items in by_file.items():
        target = folder / name
        if not target.resolve().is_relative_to(folder.resolve()):  # hostile: ../../etc
            raise InputError(f"{where}: dataset path '{name}' is outside the extracts")
        restore_cells(target, items, where)


def restore_cells(path: Path, items: list[dict[str, Any]], where: str) -> None:
    """Rewrite a CSV extract with some cells put back (written as generate.py writes)."""
    if not path.is_file():
        raise InputError(f"{where}: {path} is not an extract file")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    header = rows[0] if rows else []
    for item in items:
        line = item["line"]
        if not 2 <= line <= len(rows):
            raise InputError(f"{where}: line {line} is not a record of {path.name}")
        for column, value in item["cells"].items():
            if column not in header:
                raise InputError(f"{where}: {path.name} has no column '{column}'")
            rows[line - 1][header.index(column)] = value
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def expected_defects(sample_data: Path, month: Month) -> list[dict[str, Any]]:
    """The manifest's defects present in ``month``."""
    defects = read_manifest(sample_data).get("defects") or []
    return [d for d in defects if (d["suite"], d["rule_id"], d["key"]) not in month.withheld]


def apply_owner_responses(store: AuditStore, path: Path, today: date) -> None:
    """Fill in an exported plan as its owner would (``OWNER_RESPONSES``) and import it."""
    from openpyxl import load_workbook

    from dqaudit.actions import plan_layout as layout

    workbook = load_workbook(path)
    sheet = workbook[layout.FINDINGS]
    index = layout.FINDING_INDEX
    for row in sheet.iter_rows(min_row=2):
        answer = OWNER_RESPONSES.get(str(row[index["Rule ID"]].value))
        if answer is None:
            continue
        status, action, days, comment = answer
        row[index["Status"]].value = status
        row[index["Agreed action"]].value = action
        if days is not None:
            row[index["Agreed date"]].value = today + timedelta(days=days)
        if status == "Not accepted":
            row[index["Reason if not accepted"]].value = comment
    workbook.save(path)
    import_plan(store, path)
