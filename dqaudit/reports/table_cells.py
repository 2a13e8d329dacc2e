"""The cells the SIMB summary's tables are made of, shared by the HTML and the Excel file.

Each cell carries the value Excel stores (a number, a date, text) and the text HTML shows,
with an optional fill colour (RAG status, risk band) and number format that both render.
Formatting a value once, here, is what makes the two formats show the same figures; the
tables themselves (which rows, which columns) are ``dqaudit.reports.tables``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from dqaudit.reports.quality import Score, floor_score, format_score
from dqaudit.reports.simb import SimbSummary

RAG_COLOURS = {"Green": "#2E7D32", "Amber": "#F0A30A", "Red": "#C62828"}
NOT_MEASURED = "not measured"

Value = str | int | float | date | datetime | None


@dataclass(frozen=True)
class Cell:
    """One cell: the value Excel stores, the text HTML shows, and how both render it."""

    value: Value
    text: str
    fill: str | None = None
    number_format: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Table:
    """A titled table of cells; ``empty`` is shown instead of rows when there are none."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    empty: str = "None."
    caption: str | None = None


def tint(colour: str, strength: float = 0.3) -> str:
    """The colour mixed with white: an empty heatmap cell keeps its band's hue, quietly."""
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - (255 - c) * strength):02X}" for c in channels)


def text_cell(value: str | None, fill: str | None = None, note: str | None = None) -> Cell:
    return Cell(value, value if value is not None else "–", fill, note=note)


def count_cell(value: int, fill: str | None = None) -> Cell:
    return Cell(value, f"{value:,}", fill, "#,##0")


def date_cell(value: date | None) -> Cell:
    if value is None:
        return Cell(None, "–")
    return Cell(value, f"{value.day} {value:%b %Y}", number_format="d mmm yyyy")


def time_cell(summary: SimbSummary, value: datetime | None) -> Cell:
    if value is None:
        return Cell(None, "–")
    local = summary.local(value)
    return Cell(
        local.replace(tzinfo=None),
        f"{local.day} {local:%b %Y %H:%M}",
        number_format="d mmm yyyy hh:mm",
    )


def score_cell(score: Score, summary: SimbSummary, *, with_rag: bool = True) -> Cell:
    """A score and its RAG status; "not measured" when nothing in it was measured.

    Excel stores the score rounded down exactly as the HTML shows it, and shows the RAG
    status through its number format (``0.00" % Green"``), so the number stays a number
    and the cell reads the same as the HTML; text-only cells ("not measured", "– Red")
    are stored as that text.
    """
    rag = score.rag(summary.settings.rag)
    note = "; ".join(score.problems()) or None
    if score.value is None and rag is None:
        return Cell(NOT_MEASURED, NOT_MEASURED)
    text = format_score(score.value)
    if with_rag and rag:
        text = f"{text} {rag}"
    fill = RAG_COLOURS.get(rag or "")
    if score.value is None:
        return Cell(text, text, fill, note=note)
    number_format = f'0.00" % {rag}"' if with_rag and rag else "0.00"
    return Cell(floor_score(score.value), text, fill, number_format, note)


def rag_cell(score: Score, summary: SimbSummary) -> Cell:
    rag = score.rag(summary.settings.rag)
    return Cell(rag, rag or "–", RAG_COLOURS.get(rag or ""))


def band_cell(summary: SimbSummary, band: str | None) -> Cell:
    """A risk band's name, filled with the band's colour (no fill for a band not on the matrix)."""
    colour = summary.risk.bands[band].colour if band in summary.risk.bands else None
    return text_cell(band, colour)
