"""A progress bar for long work, on a terminal only.

``rich`` draws it on stderr, so stdout stays clean for ``--json`` and pipes. It is left
out when stderr is not a terminal (a pipe, a log file, cron, a test runner), under the
global ``--quiet``, and rich honours ``NO_COLOR`` (no colour, the bar still shows) and
``TERM=dumb``. The library never imports rich: it reports progress through a callback
(``update(done, total)``, or ``stage(what, done, total)`` for work in several steps),
and calls nothing when no bar is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dqaudit.commands.shell import quiet_enabled

Update = Callable[[int, int], None]  # (done, total)
# (what is being done, how many done, how many in all or None where not known)
Stage = Callable[[str, int, int | None], None]


@contextmanager
def progress_bar(description: str, console: Any = None) -> Iterator[Update | None]:
    """Yield an ``update(done, total)`` that moves a bar, or None where none is drawn."""
    with work_progress(description, console) as stage:
        if stage is None:
            yield None
            return

        def update(done: int, total: int) -> None:
            stage(description, done, total or None)

        yield update


@contextmanager
def work_progress(description: str, console: Any = None) -> Iterator[Stage | None]:
    """Yield a ``stage(what, done, total)`` that moves one bar through the steps of long
    work (reading, validating, storing keys), or None where none is drawn; a total of
    None shows a pulsing bar with the count done so far."""
    from rich.console import Console

    console = console or Console(stderr=True)
    if quiet_enabled() or not console.is_terminal or console.is_dumb_terminal:
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

        def stage(what: str, done: int, total: int | None) -> None:
            bar.update(task, description=what, completed=done, total=total)

        yield stage
