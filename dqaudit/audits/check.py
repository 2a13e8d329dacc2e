"""``dqaudit check``: one file against one suite, with no workspace, store or approval."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dqaudit.engine.results import SuiteResult
from dqaudit.engine.run import run_suite
from dqaudit.expectations import gx_adapter
from dqaudit.expectations.suite import load_suite


def check_source(
    suite_path: str | Path,
    path: str | Path | None = None,
    *,
    connector: str | None = None,
    options: dict[str, Any] | None = None,
    key: str | None = None,
    stage: Callable[[str, int, int | None], None] | None = None,
) -> SuiteResult:
    """Audit a file (connector chosen by extension) or any connector's extract, ad hoc.

    The suite is loaded first, so a bad suite is reported before a database is touched.
    ``stage`` hears (what, done, total) as the extract is read and validated.
    """
    from dqaudit.connectors.adhoc import adhoc_extract

    suite = load_suite(suite_path)
    if (suite.meta.get("dqaudit") or {}).get("derivation") is not None:
        # Imported only then: the derivation kinds import much of the rule library, a
        # tenth of a second of every check's fixed cost.
        from dqaudit.engine.derivation import refuse_derived

        refuse_derived(suite)
    gx_adapter.preload()  # GX's import overlaps reading the extract
    if stage is not None:
        stage(f"reading {path if path is not None else connector}", 0, None)
    extract = adhoc_extract(Path(path) if path is not None else None, connector, options)
    if stage is not None:
        stage(f"validating against {suite.name}", 0, None)
    return run_suite(extract, suite, key=key)
