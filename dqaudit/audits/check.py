"""``dqaudit check``: one file against one suite, with no workspace, store or approval."""

from __future__ import annotations

from pathlib import Path

from dqaudit.audits.engine import run_suite
from dqaudit.audits.results import SuiteResult
from dqaudit.connectors.csv_file import read_csv
from dqaudit.expectations.suite import load_suite


def check_file(path: str | Path, suite_path: str | Path, key: str | None = None) -> SuiteResult:
    """Audit one extract file against one suite file: the ad-hoc tool."""
    suite = load_suite(suite_path)
    extract = read_csv(path)
    return run_suite(extract, suite, key=key)
