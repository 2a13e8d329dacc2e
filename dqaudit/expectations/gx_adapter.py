"""The one module that talks to Great Expectations.

Everything GX-specific is handled here, measured on GX 1.24: an ephemeral context that
writes nothing to disk, progress bars and GX logging off, one ``validate`` call per suite
(each call re-hashes the whole frame), results matched to expectations by a marker in
``meta`` (GX does not return them in suite order), positional unexpected indices instead
of GX's slow keyed lists, and GX's ``exception_info`` surfaced as errors, never as a plain
failure. GX is imported lazily because the import alone takes seconds.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from dqaudit.errors import EngineError, InputError

if TYPE_CHECKING:
    import pandas as pd

REF_KEY = "dqaudit_ref"
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    # Without this GX builds a filter string naming every failing index.
    "return_unexpected_index_query": False,
}


@dataclass(frozen=True)
class GxCheck:
    """One expectation to run: ``ref`` identifies it in the results, ``label`` in errors."""

    ref: int
    label: str
    expectation_type: str
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class GxOutcome:
    """What GX said about one expectation, reduced to what dqaudit uses."""

    success: bool | None
    error: str | None
    is_row_level: bool
    unexpected_index_list: list[int] | None
    unexpected_count: int | None
    element_count: int | None
    unexpected_percent: float | None
    observed_value: Any


def gx_version() -> str:
    """The installed GX version, read without importing GX."""
    from importlib.metadata import version

    return version("great_expectations")


@contextmanager
def _quiet_gx() -> Iterator[None]:
    """Hide warnings raised from inside GX: they are not actionable by a dqaudit user."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"great_expectations(\.|$)")
        # GX 1.9+ deprecates string row conditions, which suites still use and must work.
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        yield


_import_lock = threading.Lock()
_gx_module: Any = None


def _gx() -> Any:
    """Import GX once (thread-safe), with its logging off and its frame hash replaced."""
    global _gx_module
    with _import_lock:
        if _gx_module is None:
            os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
            logging.getLogger("great_expectations").setLevel(logging.CRITICAL)
            with _quiet_gx():
                import great_expectations as gx
                from great_expectations.execution_engine import pandas_execution_engine
            # GX fingerprints every batch by hashing the whole frame (seconds per million
            # rows of text). dqaudit already fingerprints the extract itself (SHA-256 of its
            # bytes or query), so each batch gets a unique id instead.
            pandas_execution_engine.hash_pandas_dataframe = _unique_batch_fingerprint
            _gx_module = gx
    return _gx_module


def _unique_batch_fingerprint(_frame: Any) -> str:
    return uuid.uuid4().hex


@cache
def _context() -> Any:
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def is_known_expectation(expectation_type: str) -> bool:
    """Whether GX (with any registered custom expectations) knows this type."""
    _gx()
    from great_expectations.exceptions import ExpectationNotFoundError
    from great_expectations.expectations.registry import get_expectation_impl

    try:
        get_expectation_impl(expectation_type)
    except ExpectationNotFoundError:
        return False
    return True


def _is_row_level(expectation_type: str) -> bool:
    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )
    from great_expectations.expectations.registry import get_expectation_impl

    impl = get_expectation_impl(expectation_type)
    return issubclass(
        impl, ColumnMapExpectation | ColumnPairMapExpectation | MulticolumnMapExpectation
    )


def _build_expectation(check: GxCheck) -> Any:
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    if not is_known_expectation(check.expectation_type):
        raise InputError(
            f"{check.label}: unknown expectation type '{check.expectation_type}' "
            "(not a Great Expectations core or registered custom expectation)"
        )
    try:
        config = ExpectationConfiguration(
            type=check.expectation_type, kwargs=check.kwargs, meta={REF_KEY: check.ref}
        )
        return config.to_domain_obj()
    except Exception as exc:  # GX raises pydantic and its own errors for bad kwargs
        raise InputError(f"{check.label}: invalid kwargs: {_first_line(exc)}") from None


def validate_dataframe(frame: pd.DataFrame, checks: list[GxCheck]) -> dict[int, GxOutcome]:
    """Validate all checks against ``frame`` in one GX call; results keyed by ``ref``."""
    gx = _gx()
    context = _context()
    with _quiet_gx():
        expectations = [_build_expectation(check) for check in checks]
    suite = gx.ExpectationSuite(name=f"dqaudit-{uuid.uuid4().hex}")
    for expectation in expectations:
        suite.add_expectation(expectation)
    if len(suite.expectations) != len(checks):
        raise EngineError("GX dropped an expectation from the suite (duplicate kwargs?)")
    name = f"dqaudit-{uuid.uuid4().hex}"
    datasource = context.data_sources.add_pandas(name)
    try:
        asset = datasource.add_dataframe_asset("extract")
        batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        try:
            with _quiet_gx():
                validation = batch.validate(suite, result_format=RESULT_FORMAT)
        except Exception as exc:
            raise EngineError(f"Great Expectations failed: {_first_line(exc)}") from exc
    finally:
        context.data_sources.delete(name)
    by_ref = {check.ref: check for check in checks}
    outcomes: dict[int, GxOutcome] = {}
    for result in validation.results:
        ref = (result.expectation_config.meta or {}).get(REF_KEY)
        if ref not in by_ref:
            raise EngineError("GX returned a result that matches no expectation of the suite")
        outcomes[ref] = _outcome(result, by_ref[ref])
    missing = [by_ref[ref].label for ref in by_ref if ref not in outcomes]
    if missing:
        raise EngineError(f"GX returned no result for {', '.join(missing)}")
    return outcomes


def _outcome(result: Any, check: GxCheck) -> GxOutcome:
    details = result.result or {}
    error = _exception_message(result.exception_info)
    row_level = _is_row_level(check.expectation_type)
    index_list = details.get("unexpected_index_list") if row_level else None
    unexpected_count = details.get("unexpected_count")
    if error is None and row_level and index_list is None and unexpected_count:
        error = "GX returned no unexpected_index_list for a row-level expectation"
    return GxOutcome(
        success=None if error else bool(result.success),
        error=error,
        is_row_level=row_level,
        unexpected_index_list=None if error else list(index_list or []),
        unexpected_count=unexpected_count,
        element_count=details.get("element_count"),
        unexpected_percent=details.get("unexpected_percent"),
        observed_value=details.get("observed_value"),
    )


def _exception_message(info: Any) -> str | None:
    if not info:
        return None
    if isinstance(info, dict) and "raised_exception" in info:
        entries = [info]
    elif isinstance(info, dict):
        entries = [v for v in info.values() if isinstance(v, dict)]
    else:
        return str(info)
    for entry in entries:
        if entry.get("raised_exception"):
            return str(entry.get("exception_message") or "GX raised an exception")
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
