"""``actions export``: one Excel action plan per system owner, streamed with openpyxl.

Each workbook has a cover (owner, systems, audit dates, counts by band with a native
chart), a Findings sheet ranked by risk (frozen header, autofilter, band colours, a
status drop-down, date cells, only the owner's cells unlocked), and one sheet of failing
records per finding holding the key and only the columns the rule read, with sensitive
columns masked. Every sheet carries the protective marking in its header and footer. A
very hidden sheet names the plan, so only plans dqaudit exported can be imported back.
Write-only mode keeps memory flat however many records a finding has; a sheet that would
pass Excel's row limit is capped with a note, and the full list goes to a CSV beside it.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dqaudit.actions import plan_layout as layout
from dqaudit.actions.cells import neutralise
from dqaudit.actions.findings import list_findings
from dqaudit.actions.plan_cover import (
    EDITABLE_FILL,
    UNLOCKED,
    header_cells,
    protect,
    write_cover,
    write_findings,
)
from dqaudit.actions.plan_sheets import WRAP, cell, print_setup, row_height, set_row_height
from dqaudit.actions.rule_context import RuleContext, rule_context
from dqaudit.digests import sha256_file
from dqaudit.errors import InputError
from dqaudit.store import AuditStore, FailingRecord, Finding, StoreTransaction
from dqaudit.workspace.config import Workspace

RECORD_VALUE_WIDTH = 24


@dataclass
class PlanFile:
    """One exported plan: where it is and what it holds."""

    plan_id: str
    owner_email: str
    owner_name: str | None
    path: Path
    findings: int
    overflow_files: list[Path] = field(default_factory=list)
    exported_at: datetime = field(default_factory=lambda: datetime.now(UTC))  # set by build_plan
    systems: list[str] = field(default_factory=list)
    recorded: list[dict[str, Any]] = field(default_factory=list)
    sha256: str = ""


def export_plans(
    store: AuditStore,
    workspace: Workspace,
    out_dir: Path,
    *,
    owner: str | None = None,
    system: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[PlanFile]:
    """Write one plan per owner (or the one owner/system asked for) into ``out_dir``.

    ``progress(done, total)`` is told the findings written so far after each owner's plan,
    so a long export (many owners, capped sheets) shows how far it has gone."""
    by_owner = owner_findings(store, workspace, owner, system)
    make_folder(out_dir)
    total = sum(len(rows) for rows in by_owner.values())
    done = 0
    if progress is not None:
        progress(0, total)
    plans = []
    for email, owner_rows in sorted(by_owner.items()):
        plans.append(build_plan(store, workspace, out_dir, email, owner_rows))
        done += len(owner_rows)
        if progress is not None:
            progress(done, total)
    for plan in plans:
        record_plan(store, plan)
    return plans


def owner_findings(
    store: AuditStore, workspace: Workspace, owner: str | None = None, system: str | None = None
) -> dict[str, list[Finding]]:
    """Findings grouped by owner email (one plan each), after checking the selection."""
    check_selection(workspace, owner, system)
    grouped: dict[str, list[Finding]] = {}
    for row in list_findings(store, owner=owner, system=system):
        grouped.setdefault(row.owner_email or "(no owner)", []).append(row)
    return grouped


def make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {folder}: {exc.strerror or exc}") from None


def check_selection(workspace: Workspace, owner: str | None, system: str | None) -> None:
    systems = workspace.config.systems
    if system is not None and system not in systems:
        raise InputError(
            f"no system '{system}' in {workspace.config_path} (systems: {', '.join(systems)})"
        )
    owners = sorted({s.owner.email.lower() for s in systems.values()})
    if owner is not None and owner.lower() not in owners:
        raise InputError(
            f"no system owner '{owner}' in {workspace.config_path} (owners: {', '.join(owners)})"
        )


def build_plan(
    store: AuditStore, workspace: Workspace, out_dir: Path, email: str, rows: list[Finding]
) -> PlanFile:
    """Write one owner's workbook; ``record_plan`` then records it (separately, so a plan
    that fails to reach its owner is never recorded as sent or exported)."""
    plan_id = uuid.uuid4().hex
    exported_at = store.clock()
    slug = re.sub(r"[^a-z0-9]+", "-", email.lower()).strip("-")
    path = out_dir / f"action-plan-{slug}-{exported_at:%Y%m%d}-{plan_id[:8]}.xlsx"
    plan = PlanFile(plan_id, email, rows[0].owner_name, path, len(rows), exported_at=exported_at)
    plan.systems = sorted({row.system for row in rows})
    workbook = Workbook(write_only=True)
    cover = workbook.create_sheet(layout.COVER)
    sheet = workbook.create_sheet(layout.FINDINGS)
    identity = workbook.create_sheet(layout.IDENTITY)
    identity.sheet_state = "veryHidden"
    recorded = []
    names = [layout.records_sheet_name(row.finding_id, row.rule_id) for row in rows]
    today = exported_at.date()
    write_cover(cover, plan, rows, workspace, exported_at, today)
    write_findings(sheet, rows, names, workspace, today)
    for number, (row, name) in enumerate(zip(rows, names, strict=True), start=2):
        run_id, position = _latest_failing_rule(store, row)
        written, overflow = _write_records(
            workbook, name, store, workspace, row, run_id, position, path
        )
        if overflow is not None:
            plan.overflow_files.append(overflow)
        recorded.append(
            {
                "finding_id": int(row.finding_id),
                "rule_id": row.rule_id,
                "row": number,
                "sheet": name,
                "run_id": run_id,
                "position": position,
                "records": written,
                # what the owner was shown: import applies only the cells they changed
                "exported": {
                    "status": row.status.value,
                    "agreed_action": row.agreed_action,
                    "agreed_date": row.agreed_date.isoformat() if row.agreed_date else None,
                    "owner_comment": row.owner_comment,
                    "not_accepted_reason": row.not_accepted_reason,
                },
            }
        )
    plan.recorded = recorded
    for item in (
        ("plan_id", plan_id),
        ("owner_email", email),
        ("format", layout.FORMAT_VERSION),
        ("exported_at", exported_at.isoformat()),
        ("findings_sha256", layout.findings_digest(recorded)),
    ):
        identity.append(list(item))
    workbook.save(path)
    plan.sha256 = sha256_file(path)
    return plan


def record_plan(store: AuditStore, plan: PlanFile, action: str = "export") -> None:
    """Record a built plan (and its trail entry, with the workbook's SHA-256)."""

    def write(tx: StoreTransaction) -> dict[str, Any]:
        tx.plans.record(
            plan_id=plan.plan_id,
            owner_email=plan.owner_email,
            owner_name=plan.owner_name,
            systems=plan.systems,
            exported_at=plan.exported_at,
            file_name=plan.path.name,
            findings=plan.recorded,
        )
        return {
            "plan_id": plan.plan_id,
            "owner": plan.owner_email,
            "file": plan.path.name,
            "file_sha256": plan.sha256,
            "findings": plan.findings,
            "findings_sha256": layout.findings_digest(plan.recorded),
        }

    store.trail.write_with_entry(action, plan.owner_email, write)


def _latest_failing_rule(store: AuditStore, row: Finding) -> tuple[str | None, int | None]:
    """The run and rule position whose failing records the plan lists for a finding."""
    if row.last_run_id is None:
        return None, None
    return row.last_run_id, store.runs.rule_position(row.last_run_id, row.rule_id)


def _write_records(
    workbook: Workbook,
    name: str,
    store: AuditStore,
    workspace: Workspace,
    row: Finding,
    run_id: str | None,
    position: int | None,
    plan_path: Path,
) -> tuple[int, Path | None]:
    """The finding's failing records, masked; capped at Excel's limit with a CSV beside it.

    Keys are labelled (``line 812 (no Crime ID)`` for a record identified by its line);
    values the rule compared as numbers or datetimes are typed, all others exact text."""
    sheet = workbook.create_sheet(name)
    print_setup(sheet, workspace.config.actions.protective_marking)  # before the first row
    system = workspace.config.systems.get(row.system)
    sensitive: set[str] = set()
    if system is not None and row.dataset in system.datasets:
        sensitive = set(system.datasets[row.dataset].sensitive)
    masking = workspace.config.actions.masking
    context = rule_context(store, run_id, row.rule_id, row.expectation_type, row.kwargs)
    columns = _record_columns(store, run_id, position)
    titles = ["Record key", *columns, *layout.EXCEPTION_COLUMNS]
    widths = [max(14.0, min(40.0, len(title) + 4.0)) for title in titles]
    widths[1 : 1 + len(columns)] = [
        max(width, RECORD_VALUE_WIDTH) for width in widths[1 : 1 + len(columns)]
    ]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(header_cells(sheet, titles, widths))
    capacity = layout.EXCEL_MAX_ROWS - 2  # the header, and the note when the list is capped
    total = _record_count(store, run_id, position)
    overflow = None
    writer = handle = None
    if total > capacity:
        overflow = plan_path.with_name(f"{plan_path.stem}-{name.replace(' ', '-')}.csv")
        handle = overflow.open("w", newline="", encoding="utf-8")
        writer = csv.writer(handle)
        writer.writerow(titles[: len(columns) + 1])
    written = 0
    try:
        for record in _records(store, run_id, position):
            label = context.label(record)
            shown = [
                masking.mask(record.values.get(c)) if c in sensitive else record.values.get(c)
                for c in columns
            ]
            if writer is not None:  # a CSV has no styles: formula-like text is neutralised
                writer.writerow([neutralise(value) for value in (label, *shown)])
            if written < capacity:
                sheet.append(
                    _record_row(sheet, context, label, columns, shown, sensitive, widths, written)
                )
                written += 1
    finally:
        if handle is not None:
            handle.close()
    if overflow is not None:
        note = (
            f"Capped at {capacity:,} of {total:,} records (Excel's row limit); "
            f"the full list is in {overflow.name}"
        )
        sheet.append([cell(sheet, note, font=Font(bold=True, color="C00000"))])
    if written:
        validation = DataValidation(type="list", formula1=f'"{layout.YES}"', allow_blank=True)
        column = get_column_letter(len(columns) + 2)
        validation.add(f"{column}2:{column}{written + 1}")
        sheet.data_validations.append(validation)
    protect(sheet)
    return written, overflow


def _record_row(
    sheet: Any,
    context: RuleContext,
    label: str,
    columns: list[str],
    shown: list[Any],
    sensitive: set[str],
    widths: list[float],
    written: int,
) -> list[Any]:
    """One failing record's cells: its label, the rule's columns, the exception cells.

    Only long text is wrapped (and its row made taller): styling every cell of a sheet of
    500,000 records would cost time for nothing."""
    cells = [cell(sheet, label)]
    long_texts: list[tuple[Any, float]] = []
    for index, (column, value) in enumerate(zip(columns, shown, strict=True), start=1):
        typed, number_format = (
            (value, None) if column in sensitive else context.typed(column, value)
        )
        written_cell = cell(sheet, typed)
        if number_format:
            written_cell.number_format = number_format
        elif isinstance(typed, str) and (len(typed) > widths[index] * 0.7 or "\n" in typed):
            written_cell.alignment = WRAP
            long_texts.append((typed, widths[index]))
        cells.append(written_cell)
    cells += [
        cell(sheet, None, protection=UNLOCKED, fill=EDITABLE_FILL) for _ in layout.EXCEPTION_COLUMNS
    ]
    if long_texts or len(label) > widths[0] * 0.7:
        set_row_height(sheet, written + 2, row_height([(label, widths[0]), *long_texts]))
    return cells


def _record_columns(store: AuditStore, run_id: str | None, position: int | None) -> list[str]:
    for record in _records(store, run_id, position):
        return list(record.values)
    return []


def _record_count(store: AuditStore, run_id: str | None, position: int | None) -> int:
    if run_id is None or position is None:
        return 0
    return store.runs.failing_count(run_id, position)


def _records(
    store: AuditStore, run_id: str | None, position: int | None
) -> Iterator[FailingRecord]:
    if run_id is None or position is None:
        return iter(())
    return store.runs.failing_records(run_id, position)
