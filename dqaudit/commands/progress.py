"""A progress bar for long work, on a terminal only.

``rich`` draws it on stderr, so stdout stays clean for ``--json`` and pipes. It is left
out when stderr is not a terminal (a pipe, a log file, cron, a test runner), and rich
honours ``NO_COLOR`` (no colour, the bar still shows) and ``TERM=dumb``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Update = Callable[[int, int], None]  # (done, total)


@contextmanager
def progress_bar(description: str, console: Any = None) -> Iterator[Update | None]:
    """Yield an ``update(done, total)`` that moves a bar, or None where none is drawn."""
    from rich.console import Console

    console = console or Console(stderr=True)
    if not console.is_terminal or console.is_dumb_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update
