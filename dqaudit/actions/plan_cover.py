"""The first two sheets of an action plan: the cover and the Findings sheet.

The cover prints on one page (owner, systems, audit dates, counts by band and a native
chart). The Findings sheet is ranked by risk, with a frozen header, autofilter, band
colours, a status drop-down offering only what an owner may set, date cells for the
agreed date, failing % as a percentage, and only the owner's cells unlocked; its rows are
as tall as their wrapped text, and it prints landscape, one page wide, header repeated.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dqaudit.actions import plan_layout as layout
from dqaudit.actions.findings import OVERDUE, shown_status
from dqaudit.actions.plan_sheets import (
    TOP,
    WRAP,
    cell,
    print_setup,
    row_height,
    set_row_height,
)
from dqaudit.store import Finding
from dqaudit.workspace.config import Workspace

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
EDITABLE_FILL = PatternFill("solid", fgColor="FFF2CC")
UNLOCKED = Protection(locked=False)
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.00%"
LEFT = Alignment(horizontal="left", vertical="top")
COVER_WIDTHS = {"A": 24, "B": 60, "C": 12}
HOW_TO_RESPOND = (
    "On the Findings sheet fill in the yellow cells: status, agreed action, agreed "
    "date and comment. To ask for a correct record to be treated as an exception, "
    "mark it on its failing-records sheet with a reason. Return the workbook to "
    "the records management team; do not rename sheets or edit other cells."
)


def header_cells(sheet: Any, titles: list[str], widths: list[float]) -> list[Any]:
    """A header row: white on navy, wrapped, as tall as its longest title needs."""
    set_row_height(sheet, 1, row_height(list(zip(titles, widths, strict=True)), header=True))
    return [
        cell(sheet, title, font=HEADER_FONT, fill=HEADER_FILL, alignment=HEADER_ALIGNMENT)
        for title in titles
    ]


def write_cover(
    sheet: Any,
    plan: Any,
    rows: list[Finding],
    workspace: Workspace,
    exported_at: datetime,
    today: date,
) -> None:
    marking = workspace.config.actions.protective_marking
    print_setup(sheet, marking, title_rows=None, one_page=True)  # before the first row
    for letter, width in COVER_WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    first = min(row.first_seen for row in rows)
    last = max(row.last_checked_at or row.last_seen for row in rows)
    bold = Font(bold=True)
    sheet.append([cell(sheet, marking, font=Font(bold=True, color="C00000", size=14))])
    sheet.append([cell(sheet, "Data quality action plan", font=Font(bold=True, size=16))])
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
        shown = cell(sheet, value, alignment=LEFT)
        if isinstance(value, date):
            shown.number_format = DATE_FORMAT
        sheet.append([cell(sheet, label, font=bold), shown])
    sheet.append([])
    set_row_height(sheet, 12, row_height([(HOW_TO_RESPOND, COVER_WIDTHS["B"])]))
    sheet.append(
        [
            cell(sheet, "How to respond", font=bold, alignment=TOP),
            cell(sheet, HOW_TO_RESPOND, alignment=WRAP),
        ]
    )
    sheet.append([])
    header_row = 14
    sheet.append(
        [
            cell(sheet, "Band", font=bold),
            cell(sheet, "Open findings", font=bold),
            cell(sheet, "Overdue", font=bold),
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
                cell(sheet, band, fill=PatternFill("solid", fgColor=colour)),
                cell(sheet, len(open_rows), alignment=LEFT),
                cell(sheet, len(overdue), alignment=LEFT),
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
    chart.height, chart.width = 6.5, 12
    # Below the band table, inside columns A–B, so the cover stays one page.
    sheet.add_chart(chart, f"A{header_row + len(bands) + 2}")


def write_findings(
    sheet: Any, rows: list[Finding], names: list[str], workspace: Workspace, today: date
) -> None:
    print_setup(sheet, workspace.config.actions.protective_marking)  # before the first row
    columns = layout.FINDING_COLUMNS
    widths = [float(column.width) for column in columns]
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B2"
    sheet.append(header_cells(sheet, [c.title for c in columns], widths))
    bands = workspace.config.risk.bands
    for number, (row, name) in enumerate(zip(rows, names, strict=True), start=2):
        values = _finding_values(row, name, today)
        texts = [
            (value, width)
            for value, width in zip(values, widths, strict=True)
            if isinstance(value, str)
        ]
        set_row_height(sheet, number, row_height(texts))
        cells = []
        for column, value in zip(columns, values, strict=True):
            shown = cell(sheet, value, alignment=WRAP)
            if isinstance(value, date) or column.title == "Agreed date":
                shown.number_format = DATE_FORMAT
            if column.title == "Failing %":
                shown.number_format = PERCENT_FORMAT
            if column.editable:
                shown.protection = UNLOCKED
                shown.fill = EDITABLE_FILL
            if column.title == "Band" and row.band in bands:
                shown.fill = PatternFill("solid", fgColor=bands[row.band].colour.lstrip("#"))
            cells.append(shown)
        sheet.append(cells)
    last = len(rows) + 1
    status_column = get_column_letter(layout.FINDING_INDEX["Status"] + 1)
    date_column = get_column_letter(layout.FINDING_INDEX["Agreed date"] + 1)
    statuses = DataValidation(
        type="list",
        formula1='"' + ",".join(layout.OWNER_STATUSES) + '"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Status",
        error="Choose a status from the list (only a passing audit sets Verified).",
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
    protect(sheet)


def _finding_values(row: Finding, name: str, today: date) -> list[Any]:
    trend = (
        "first seen"
        if row.previous_failing_count is None
        else f"{row.previous_failing_count} → {row.failing_count}"
    )
    shown = shown_status(row, today)
    return [
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
        None if row.failing_percent is None else row.failing_percent / 100,
        row.excepted_count or 0,
        trend,
        row.first_seen.date(),
        row.last_seen.date(),
        row.due_date,
        "Yes" if shown == OVERDUE else None,
        row.remediation,
        row.status.value,
        row.agreed_action,
        row.agreed_date,
        row.owner_comment,
        row.not_accepted_reason,
        name,
    ]


def protect(sheet: Any) -> None:
    """Locked cells stay read-only; owners can still filter, sort and resize."""
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False
    sheet.protection.sort = False
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
