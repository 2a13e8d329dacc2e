"""Console output that fits its terminal: width, colour, and plain text everywhere else.

A listing is plain text, one line per row, so a pipe, a log or a script gets every
character of it (and ``--json`` gives the stable document). On a terminal the same text
is fitted to its width: a line wider than the screen is cut with "…" rather than
wrapped into the next row, and verdicts are coloured (FAIL red, PASS green). rich
decides what a terminal is and honours ``NO_COLOR`` and ``TERM=dumb``. A table of
values (``extract preview``) is drawn by rich on a terminal, its columns shrunk to fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

# Words in console listings that carry a verdict, and their colours.
HIGHLIGHTS = (
    (r"\b(FAIL|FAILED|ERROR|BROKEN|INVALID|REFUSED|DUE NOW|Overdue|NOT PROTECTED)\b", "bold red"),
    (r"\b(PASS|PASSED|intact)\b", "green"),
    (r"\b(DRAFT|SKIPPED|warning|changed since approval|review overdue)\b", "yellow"),
)


def stdout_console(console: Any = None) -> Any:
    from rich.console import Console

    return console or Console(highlight=False, emoji=False)


def emit(text: str, console: Any = None, wrap: bool = False) -> None:
    """Print console output: as it is in a pipe; on a terminal coloured, and each line
    fitted to the width: a listing's rows cut with "…" (``wrap`` false, so a row stays
    one line), a report's lines (``check``, ``audit show``) wrapped, losing nothing."""
    console = stdout_console(console)
    if not console.is_terminal:
        click.echo(text)
        return
    from rich.text import Text

    for line in text.splitlines() or [""]:
        shown = Text(line)
        for pattern, style in HIGHLIGHTS:
            shown.highlight_regex(pattern, style)
        if wrap:
            console.print(shown, markup=False)
        else:
            console.print(shown, no_wrap=True, overflow="ellipsis", crop=True, markup=False)


def emit_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    plain: str,
    console: Any = None,
    preamble: str = "",
) -> None:
    """A table of values: rich's, shrunk to the terminal's width, on a terminal; else
    ``plain`` (the same table as text). A blank cell is shown blank, never NaN."""
    console = stdout_console(console)
    if not console.is_terminal:
        click.echo(plain)
        return
    from rich.table import Table

    if preamble:
        emit(preamble, console)
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    for header in headers:
        table.add_column(str(header), overflow="ellipsis", no_wrap=True)
    for row in rows:
        table.add_row(*(blank_if_missing(value) for value in row))
    console.print(table)


def blank_if_missing(value: Any) -> str:
    """A cell as text: a missing value (None, NaN, pandas' NA) is blank."""
    if value is None:
        return ""
    try:
        if value != value:  # NaN
            return ""
    except (TypeError, ValueError):
        pass
    if type(value).__name__ in ("NAType", "NaTType"):
        return ""
    return str(value)
