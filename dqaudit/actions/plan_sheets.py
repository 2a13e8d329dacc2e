"""How a plan's sheets are written and printed: exact cells, print setup, row heights.

Cells: text is always a string cell (``007`` stays ``007``), with Excel's quote-prefix
style where it starts like a formula, so nothing from the data can run and the value read
back is exactly the value written. Print: every sheet prints landscape, one page wide,
its header row repeated on each page, the protective marking in the page header and
footer with page numbers. Row heights are set from the wrapped text they hold, so rows
never overlap when Excel or LibreOffice prints them (neither re-measures rows on open).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment

from dqaudit.actions.cells import looks_like_formula

PAPER_A4 = "9"  # OOXML paper size code
LINE_HEIGHT = 15.0  # points per line of 11 pt text, as Excel lays it out
ROW_PADDING = 3.0
MAX_ROW_HEIGHT = 409.0  # Excel's largest row height
# Characters of 11 pt text that fit in a column of width w (in Excel's units of one "0"):
# the cell's padding takes about one, and capitals are wider than "0".
WIDTH_SLACK = 0.85
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


def cell(sheet: Any, value: Any, **style: Any) -> WriteOnlyCell:
    """One cell: text as a string (quote-prefixed where it looks like a formula), numbers,
    dates and booleans as themselves."""
    written = WriteOnlyCell(sheet)
    if isinstance(value, str):
        written.value = value
        written.data_type = "s"  # never a formula, whatever the text starts with
        if looks_like_formula(value):
            written.quotePrefix = True
    else:
        written.value = value
    for name, setting in style.items():
        setattr(written, name, setting)
    return written


def print_setup(
    sheet: Any, marking: str, *, title_rows: str | None = "1:1", one_page: bool = False
) -> None:
    """Landscape, one page wide (one page in all with ``one_page``), the header rows on
    every page, the marking at the top and bottom of every page, and page numbers."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = PAPER_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1 if one_page else 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = False
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.75
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    if title_rows:
        sheet.print_title_rows = title_rows
    for part in (sheet.oddHeader, sheet.evenHeader, sheet.firstHeader):
        part.center.text = marking
        part.center.font = "Arial,Bold"
    for part in (sheet.oddFooter, sheet.evenFooter, sheet.firstFooter):
        part.center.text = marking
        part.center.font = "Arial,Bold"
        part.right.text = "Page &P of &N"


def wrapped_lines(text: Any, width: float) -> int:
    """Lines ``text`` takes when wrapped at word boundaries in a column ``width`` wide."""
    if text is None:
        return 1
    capacity = max(1, int(width * WIDTH_SLACK) - 1)
    lines = 0
    for paragraph in str(text).splitlines() or [""]:
        lines += max(1, len(textwrap.wrap(paragraph, capacity, break_long_words=True)))
    return lines


def row_height(texts: Sequence[tuple[Any, float]], header: bool = False) -> float:
    """The height (points) a row of wrapped ``(text, column width)`` cells needs."""
    lines = max((wrapped_lines(text, width) for text, width in texts), default=1)
    return min(MAX_ROW_HEIGHT, math.ceil(lines * LINE_HEIGHT + ROW_PADDING + (2 if header else 0)))


def set_row_height(sheet: Any, row: int, height: float) -> None:
    """Set before the row is appended: write-only sheets stream rows as they come."""
    sheet.row_dimensions[row].height = height  # a set height is marked customHeight
