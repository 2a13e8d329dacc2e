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
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dqaudit.actions import plan_layout as layout
from dqaudit.actions.cells import neutralise
from dqaudit.actions.findings import OVERDUE, list_findings, shown_status
from dqaudit.digests import sha256_file
from dqaudit.errors import InputError
from dqaudit.store import AuditStore, FailingRecord, Finding, StoreTransaction
from dqaudit.workspace.config import Workspace

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
EDITABLE_FILL = PatternFill("solid", fgColor="FFF2CC")
UNLOCKED = Protection(locked=False)
DATE_FORMAT = "yyyy-mm-dd"


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
) -> list[PlanFile]:
    """Write one plan per owner (or the one owner/system asked for) into ``out_dir``."""
    by_owner = owner_findings(store, workspace, owner, system)
    make_folder(out_dir)
    plans = [
        build_plan(store, workspace, out_dir, email, owner_rows)
        for email, owner_rows in sorted(by_owner.items())
    ]
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
    settings = workspace.config.actions
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
    _write_cover(cover, plan, rows, workspace, exported_at, today)
    _write_findings(sheet, rows, names, workspace, today)
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
    for sheet_ in (cover, sheet):
        _mark(sheet_, settings.protective_marking)
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


def _cell(sheet: Any, value: Any, **style: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=neutralise(value))
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _mark(sheet: Any, marking: str) -> None:
    """The protective marking at the top and bottom of every printed page."""
    sheet.oddHeader.center.text = marking
    sheet.oddHeader.center.font = "Arial,Bold"
    sheet.oddFooter.center.text = marking
    sheet.oddFooter.center.font = "Arial,Bold"
    sheet.oddFooter.right.text = "Page &P of &N"


def _write_cover(
    sheet: Any,
    plan: PlanFile,
    rows: list[Finding],
    workspace: Workspace,
    exported_at: datetime,
    today: date,
) -> None:
    marking = workspace.config.actions.protective_marking
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 48
    sheet.column_dimensions["C"].width = 14
    first = min(row.first_seen for row in rows)
    last = max(row.last_checked_at or row.last_seen for row in rows)
    bold = Font(bold=True)
    sheet.append([_cell(sheet, marking, font=Font(bold=True, color="C00000", size=14))])
    sheet.append([_cell(sheet, "Data quality action plan", font=Font(bold=True, size=16))])
    sheet.append([])
    details = [
        ("Owner", f"{plan.owner_name or ''} <{plan.owner_email}>"),
        ("Systems", ", ".join(sorted({row.system for row in rows}))),
        ("Audits from", first.date()),
        ("Audits to", last.date()),
        ("Exported", exported_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Plan id", plan.plan_id),
        ("Findings", len(rows)),
    ]
    for label, value in details:
        cell = _cell(sheet, value)
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT
        sheet.append([_cell(sheet, label, font=bold), cell])
    sheet.append([])
    sheet.append(
        [
            _cell(sheet, "How to respond", font=bold),
            _cell(
                sheet,
                "On the Findings sheet fill in the yellow cells: status, agreed action, agreed "
                "date and comment. To ask for a correct record to be treated as an exception, "
                "mark it on its failing-records sheet with a reason. Return the workbook to "
                "the records management team; do not rename sheets or edit other cells.",
                alignment=Alignment(wrap_text=True),
            ),
        ]
    )
    sheet.append([])
    header_row = 12 + 2
    sheet.append(
        [
            _cell(sheet, "Band", font=bold),
            _cell(sheet, "Open findings", font=bold),
            _cell(sheet, "Overdue", font=bold),
        ]
    )
    bands = list(workspace.config.risk.bands)
    for band in bands:
        in_band = [row for row in rows if row.band == band]
        open_rows = [row for row in in_band if not row.status.closed]
        overdue = [row for row in in_band if shown_status(row, today) == OVERDUE]
        colour = workspace.config.risk.bands[band].colour.lstrip("#")
        sheet.append(
            [
                _cell(sheet, band, fill=PatternFill("solid", fgColor=colour)),
                _cell(sheet, len(open_rows)),
                _cell(sheet, len(overdue)),
            ]
        )
    chart = BarChart()
    chart.title = "Open findings by risk band"
    chart.y_axis.title = "Findings"
    data = Reference(
        sheet, min_col=2, max_col=3, min_row=header_row, max_row=header_row + len(bands)
    )
    categories = Reference(
        sheet, min_col=1, min_row=header_row + 1, max_row=header_row + len(bands)
    )
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(categories)
    chart.height, chart.width = 7, 14
    sheet.add_chart(chart, "E3")


def _write_findings(
    sheet: Any, rows: list[Finding], names: list[str], workspace: Workspace, today: date
) -> None:
    columns = layout.FINDING_COLUMNS
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B2"
    sheet.print_title_rows = "1:1"
    sheet.append([_cell(sheet, c.title, font=HEADER_FONT, fill=HEADER_FILL) for c in columns])
    bands = workspace.config.risk.bands
    for row, name in zip(rows, names, strict=True):
        trend = (
            "first seen"
            if row.previous_failing_count is None
            else f"{row.previous_failing_count} → {row.failing_count}"
        )
        values = [
            row.finding_id,
            row.system,
            row.dataset,
            row.suite_name,
            row.rule_id,
            row.band,
            row.risk_score,
            row.dimension,
            row.description,
            row.failing_count,
            None if row.failing_percent is None else round(row.failing_percent, 2),
            row.excepted_count or 0,
            trend,
            row.first_seen.date(),
            (row.last_seen).date(),
            row.due_date,
            "Yes" if shown_status(row, today) == OVERDUE else None,
            row.remediation,
            shown_status(row, today) if shown_status(row, today) != OVERDUE else row.status.value,
            row.agreed_action,
            row.agreed_date,
            row.owner_comment,
            row.not_accepted_reason,
            name,
        ]
        cells = []
        for column, value in zip(columns, values, strict=True):
            cell = _cell(sheet, value)
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
            if column.title == "Agreed date":
                cell.number_format = DATE_FORMAT
            if column.title in ("Rule", "Recommended action", "Agreed action", "Owner comment"):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if column.editable:
                cell.protection = UNLOCKED
                cell.fill = EDITABLE_FILL
            if column.title == "Band" and row.band in bands:
                cell.fill = PatternFill("solid", fgColor=bands[row.band].colour.lstrip("#"))
            cells.append(cell)
        sheet.append(cells)
    last = len(rows) + 1
    status_column = get_column_letter(layout.FINDING_INDEX["Status"] + 1)
    date_column = get_column_letter(layout.FINDING_INDEX["Agreed date"] + 1)
    statuses = DataValidation(
        type="list",
        formula1='"' + ",".join(layout.STATUS_CHOICES) + '"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Status",
        error="Choose a status from the list.",
    )
    statuses.add(f"{status_column}2:{status_column}{max(last, 2)}")
    dates = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="DATE(2000,1,1)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Agreed date",
        error="Enter a date (yyyy-mm-dd).",
    )
    dates.add(f"{date_column}2:{date_column}{max(last, 2)}")
    sheet.data_validations.append(statuses)
    sheet.data_validations.append(dates)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    _protect(sheet)


def _protect(sheet: Any) -> None:
    """Locked cells stay read-only; owners can still filter, sort and resize."""
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False
    sheet.protection.sort = False
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


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
    """The finding's failing records, masked; capped at Excel's limit with a CSV beside it."""
    sheet = workbook.create_sheet(name)
    _mark(sheet, workspace.config.actions.protective_marking)
    system = workspace.config.systems.get(row.system)
    sensitive: set[str] = set()
    if system is not None and row.dataset in system.datasets:
        sensitive = set(system.datasets[row.dataset].sensitive)
    masking = workspace.config.actions.masking
    columns = _record_columns(store, run_id, position)
    titles = ["Record key", *columns, *layout.EXCEPTION_COLUMNS]
    for index, title in enumerate(titles, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(14, min(40, len(title) + 4))
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, title, font=HEADER_FONT, fill=HEADER_FILL) for title in titles])
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
            key, values = record.key, record.values
            shown = [
                masking.mask(values.get(c)) if c in sensitive else values.get(c) for c in columns
            ]
            line = [key, *shown]
            if writer is not None:
                writer.writerow([neutralise(value) for value in line])
            if written < capacity:
                cells = [_cell(sheet, value) for value in line]
                cells += [
                    _cell(sheet, None, protection=UNLOCKED, fill=EDITABLE_FILL)
                    for _ in layout.EXCEPTION_COLUMNS
                ]
                sheet.append(cells)
                written += 1
    finally:
        if handle is not None:
            handle.close()
    if overflow is not None:
        note = (
            f"Capped at {capacity:,} of {total:,} records (Excel's row limit); "
            f"the full list is in {overflow.name}"
        )
        sheet.append([_cell(sheet, note, font=Font(bold=True, color="C00000"))])
    if written:
        validation = DataValidation(type="list", formula1=f'"{layout.YES}"', allow_blank=True)
        column = get_column_letter(len(columns) + 2)
        validation.add(f"{column}2:{column}{written + 1}")
        sheet.data_validations.append(validation)
    _protect(sheet)
    return written, overflow


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
