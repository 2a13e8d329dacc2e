"""``dqaudit check``: one file against one suite, with no workspace, store or approval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dqaudit.engine.derivation import refuse_derived
from dqaudit.engine.results import SuiteResult
from dqaudit.engine.run import run_suite
from dqaudit.expectations.suite import load_suite


def check_source(
    suite_path: str | Path,
    path: str | Path | None = None,
    *,
    connector: str | None = None,
    options: dict[str, Any] | None = None,
    key: str | None = None,
) -> SuiteResult:
    """Audit a file (connector chosen by extension) or any connector's extract, ad hoc.

    The suite is loaded first, so a bad suite is reported before a database is touched.
    """
    from dqaudit.connectors.adhoc import adhoc_extract

    suite = load_suite(suite_path)
    refuse_derived(suite)
    extract = adhoc_extract(Path(path) if path is not None else None, connector, options)
    return run_suite(extract, suite, key=key)
