"""The SIMB summary as an Excel workbook: the same tables as the HTML, one sheet each.

Numbers stay numbers (scores, counts) and dates stay dates, so the board's analysts can
filter and chart them. Every sheet carries the protective marking in its first row and in
its printed header and footer. Text is always written as text, never as a formula: a
suite or system name starting with ``=`` cannot run anything in Excel.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dqaudit.reports.simb import SimbSummary
from dqaudit.reports.simb_html import ink
from dqaudit.reports.table_cells import Cell, Table
from dqaudit.reports.tables import all_tables
from dqaudit.version import __version__

SHEET_NAMES = {
    "headline": "Headline",
    "systems": "Systems",
    "approvals": "Approvals",
    "schedule": "Audits due",
    "quality": "Quality",
    "register": "Risk register",
    "trends": "Trends",
    "heatmap": "Risk heatmap",
    "findings_band": "Findings by band",
    "findings_status": "Findings by status",
    "overdue_owners": "Overdue by owner",
    "draft_runs": "Draft runs",
    "quality_detail": "Quality detail",
}
HEADER_FILL = PatternFill("solid", fgColor="E8EEF5")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FIRST_DATA_ROW = 5  # marking, title, period, blank, then the table


def _write_value(target: XlCell, cell: Cell) -> None:
    value: Any = cell.value
    target.value = value
    if isinstance(value, str):
        # openpyxl treats "=..." as a formula; board papers must never compute anything
        target.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            target.quotePrefix = True
    if cell.number_format:
        target.number_format = cell.number_format
    if cell.fill:
        colour = cell.fill.lstrip("#").upper()
        target.fill = PatternFill("solid", fgColor=colour)
        target.font = Font(bold=True, color=ink(cell.fill).lstrip("#"))


def _text(target: XlCell, value: str) -> None:
    _write_value(target, Cell(value, value))


def _sheet(book: Workbook, table: Table, summary: SimbSummary) -> Worksheet:
    sheet = book.create_sheet(SHEET_NAMES[table.key])
    _text(sheet.cell(row=1, column=1), summary.marking)
    sheet.cell(row=1, column=1).font = Font(bold=True, color="8A1C1C")
    _text(sheet.cell(row=2, column=1), table.title)
    sheet.cell(row=2, column=1).font = Font(bold=True, size=13)
    _text(sheet.cell(row=3, column=1), f"{summary.title}: {summary.period.describe()}")
    header = FIRST_DATA_ROW - 1
    for index, name in enumerate(table.columns, start=1):
        target = sheet.cell(row=header, column=index)
        _text(target, name)
        target.font = Font(bold=True)
        target.fill = HEADER_FILL
        target.alignment = Alignment(wrap_text=True, vertical="top")
    for offset, row in enumerate(table.rows):
        for index, cell in enumerate(row, start=1):
            _write_value(sheet.cell(row=FIRST_DATA_ROW + offset, column=index), cell)
    after = FIRST_DATA_ROW + len(table.rows) + 1
    if not table.rows:
        _text(sheet.cell(row=FIRST_DATA_ROW, column=1), table.empty)
    if table.caption:
        _text(sheet.cell(row=after, column=1), table.caption)
    for index, name in enumerate(table.columns, start=1):
        longest = max([len(name), *(len(row[index - 1].text) for row in table.rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(10, longest + 2), 60)
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=1)
    for header_footer in (sheet.oddHeader, sheet.evenHeader, sheet.oddFooter, sheet.evenFooter):
        header_footer.center.text = _header_text(summary.marking)
        header_footer.center.font = "Arial,Bold"
    sheet.oddFooter.right.text = "Page &P of &N"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header}:{header}"
    return sheet


def _header_text(marking: str) -> str:
    return marking.replace("&", "&&")  # '&' starts a header code in Excel


def render_xlsx(summary: SimbSummary) -> bytes:
    """The workbook as bytes: one sheet per table of the summary."""
    book = Workbook()
    book.remove(book.active)
    for table in all_tables(summary).values():
        _sheet(book, table, summary)
    book.properties.title = f"{summary.title} {summary.period.label}"
    book.properties.subject = summary.marking
    book.properties.keywords = summary.marking
    book.properties.creator = f"dqaudit {__version__}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
