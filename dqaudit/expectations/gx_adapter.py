"""The one module that talks to Great Expectations.

No other dqaudit module imports GX, except the rule library's custom expectation classes
(``rules/gx_expectations.py``, ``rules/gx_identifiers.py``, ``rules/gx_audit_expectations.py``),
which must subclass GX's and which this module imports (registering them with GX) only when
a suite names one of their types (``rules/gx_modules.py`` says which module defines which),
so a suite of GX core expectations pays for none of them. Everything else goes through the small
API here: ``validate_dataframe``, ``validate_sql`` (in :mod:`gx_sql`, the pushdown half,
with ``SqlValidation.failing_rows``), ``check_kwargs``, ``is_known_expectation``, ``is_row_level``, ``selected_rows_condition``
and ``gx_version``.

GX behaviours worked around here, each checked on GX 1.24.0 to 1.24.1 (setup.cfg pins
``great_expectations>=1.24,<1.25``; re-check them before widening the pin):

1. Importing GX takes seconds and any submodule import runs the package ``__init__``: GX
   is imported lazily, once, under a lock, with its usage statistics and logging off;
   ``preload`` starts that import in a background thread, so that callers overlap it
   with reading the extract.
2. A file-backed context writes a ``gx/`` folder: only an ephemeral context is used,
   with progress bars off.
3. Each batch is fingerprinted by hashing the whole frame (seconds per million text
   rows): ``pandas_execution_engine.hash_pandas_dataframe`` is replaced by a unique id;
   dqaudit fingerprints the extract itself.
4. Validation results do not come back in suite order: each expectation carries a
   marker in ``meta`` and results are matched by it; a missing or unknown result is an
   engine error.
5. ``add_expectation`` silently keeps only the first of two expectations with the same
   type and kwargs, comparing each with all before it (quadratic in the suite's size):
   suites refuse duplicates on load, the GX suite is built by its constructor from the
   whole list, and this module checks nothing was dropped.
6. An expectation that raises inside a metric is reported as ``success: false`` with
   ``exception_info``: it is surfaced as an error, never as a failure or a pass.
7. An unknown expectation type raises ``ExpectationNotFoundError`` only when the suite is
   built, and bad kwargs raise pydantic errors whose first line names no field: both are
   turned into input errors naming the rule and each kwarg at fault, when a plan is built.
8. ``COMPLETE`` results list failing rows by key at ~50 µs per failing cell and build a
   filter string naming every failing index: positional ``unexpected_index_list`` is
   used (no index columns) with ``return_unexpected_index_query`` off, and the engine
   maps positions to keys vectorised.
9. On SQL, the failing-row list is capped and fetched whole, and the index query ignores
   ``row_condition``: outcomes use ``BASIC`` with no samples, and ``failing_rows`` runs one
   keyed SELECT built from GX's own condition metric over GX's own domain, streamed.
10. SQL counts can come back as ``Decimal``: they are read as ``int``.
11. String row conditions are deprecated (1.9+); the pandas parser hands them to
    ``DataFrame.query`` (which can run code) and the GX parser ignores trailing text
    (``col("a")>0 and ...`` loses its second half). GX is never given a suite's condition:
    the engine evaluates it (dqaudit.expectations.conditions) into a helper column and GX
    gets only ``selected_rows_condition(column)``, a serialised Condition object.
12. Pair expectations default ``ignore_row_if`` differently on pandas and SQL when one
    side is null: the plan always sets ``either_value_is_missing`` (unless the rule counts
    a missing value as a failure).
13. A query asset's text goes through ``sqlalchemy.text``, where ``:name`` is a bind
    parameter: colons in dqaudit's generated SQL are escaped by the SQL backend. To learn
    a query asset's column names GX runs the whole query and fetches every row, once
    per domain: its fallback is replaced by one reading them under ``WHERE 1 = 0``.
14. GX's SQL datasources keep connections open until garbage collection: they are
    disposed of explicitly when a validation ends.
15. GX is slow on pandas 3's ``datetime64[us]``: frames are given ``datetime64[ns]``.
16. GX objects shared across threads give wrong results: parallel runs use processes,
    forked, so no thread of GX's may be left running (tqdm's monitor thread is off).
17. On SQL, a row-level expectation whose domain is empty (a row condition that selects
    no row) returns ``unexpected_count: None`` (a SUM over no rows), where pandas returns
    0: an empty domain counts 0 unexpected rows on both.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from dqaudit.errors import EngineError, InputError
from dqaudit.expectations.rules import gx_modules as rules_gx_modules

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
def quiet_gx() -> Iterator[None]:
    """Hide warnings raised from inside GX: they are not actionable by a dqaudit user."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"great_expectations(\.|$)")
        # GX 1.9+ deprecates string row conditions, which suites still use and must work.
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        yield


_import_lock = threading.Lock()
_gx_module: Any = None


def load_gx() -> Any:
    """Import GX once (thread-safe), with its logging off and its frame hash replaced."""
    global _gx_module
    with _import_lock:
        if _gx_module is None:
            os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
            logging.getLogger("great_expectations").setLevel(logging.CRITICAL)
            with quiet_gx():
                import great_expectations as gx
                from great_expectations.execution_engine import pandas_execution_engine
            # GX fingerprints every batch by hashing the whole frame (seconds per million
            # rows of text). dqaudit already fingerprints the extract itself (SHA-256 of its
            # bytes or query), so each batch gets a unique id instead.
            pandas_execution_engine.hash_pandas_dataframe = _unique_batch_fingerprint
            from great_expectations.expectations.metrics import util as metric_util

            metric_util.column_reflection_fallback = _probing(
                metric_util.column_reflection_fallback
            )
            # tqdm (GX's progress bars, which are off) starts a monitor thread on first
            # use; a process with a second thread cannot safely fork (audit run --jobs).
            import tqdm

            tqdm.tqdm.monitor_interval = 0
            _gx_module = gx
    return _gx_module


def _unique_batch_fingerprint(_frame: Any) -> str:
    return uuid.uuid4().hex


def _probing(fallback: Any) -> Any:
    """GX's column-name fallback, reading a query's columns without its rows.

    For a query asset GX runs the whole query to learn its column names, fetching every
    row to the client, once per domain (11 times for the 10-rule bench suite: 3 s each on
    1M rows); ``WHERE 1 = 0`` around it gives the same names and no row.
    """

    def names(
        selectable: Any, dialect: Any, sqlalchemy_engine: Any, *args: Any, **kwargs: Any
    ) -> Any:
        import sqlalchemy as sa

        if not isinstance(selectable, sa.TextClause):
            return fallback(selectable, dialect, sqlalchemy_engine, *args, **kwargs)
        probe = sa.text(f"SELECT * FROM ({selectable.text}) AS dqaudit_probe WHERE 1 = 0")
        with database_connection(sqlalchemy_engine.engine) as connection:
            columns = list(connection.execute(probe).keys())  # a Result's keys: no row
        return [{"name": name} for name in columns]

    return names


_preloading: threading.Thread | None = None


def preload() -> None:
    """Start importing GX and building its context in a background thread, once.

    Why: the import costs seconds of which the caller's own work (reading an extract,
    mostly in C that releases the GIL) can hide a good part. Nothing is validated in that
    thread; the first real use waits for it through the import lock. An import error is
    not lost: the caller's own first use raises it again.
    """
    global _preloading
    if _preloading is not None or _gx_module is not None:
        return

    def load() -> None:
        try:
            ephemeral_context()
        except Exception:  # raised again, where it can be reported, by the first use
            return

    _preloading = threading.Thread(target=load, name="dqaudit-gx-import", daemon=True)
    _preloading.start()


_context_lock = threading.Lock()


@cache
def _cached_context() -> Any:
    gx = load_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


_registered: set[str] = set()


def register_library(expectation_type: str | None = None) -> None:
    """Register the rule library's GX expectation ``expectation_type`` (all of them when
    None) by importing the module that defines it, once, with GX's warnings hidden. A type
    that is not the library's (a GX core type, a misspelling) registers nothing.

    Why lazily: importing and registering the library's classes costs a good part of a
    small check's fixed cost, and most suites name none or a few of them.
    """
    module = rules_gx_modules.ALL if expectation_type is None else None
    module = module or rules_gx_modules.MODULES.get(expectation_type or "")
    if module is None or module in _registered:
        return
    load_gx()
    with _import_lock, quiet_gx():
        importlib.import_module(module)  # a name from the table above, never suite text
        _registered.add(module)


def ephemeral_context() -> Any:
    """GX's one ephemeral context (never file-backed: no ``gx/`` folder, no config read)."""
    with _context_lock:
        return _cached_context()


def is_known_expectation(expectation_type: str) -> bool:
    """Whether GX (with the rule library's expectations) knows this type."""
    load_gx()
    register_library(expectation_type)
    from great_expectations.exceptions import ExpectationNotFoundError
    from great_expectations.expectations.registry import get_expectation_impl

    try:
        get_expectation_impl(expectation_type)
    except ExpectationNotFoundError:
        return False
    return True


def expectation_types() -> list[str]:
    """Every expectation type GX knows, with dqaudit's registered ones, sorted: the
    candidates ``suite lint`` suggests from when a type is misspelt."""
    register_library()
    from great_expectations.expectations.registry import (
        list_registered_expectation_implementations,
    )

    return sorted(list_registered_expectation_implementations())


def selected_rows_condition(column: str) -> dict[str, Any]:
    """The only row condition GX is ever given: "the helper column ``column`` is 1".

    dqaudit evaluates a rule's own row condition itself (see dqaudit.expectations.
    conditions) into that column, so GX never parses or executes condition text from a
    suite. GX 1.x's serialised Condition form is used because GX 1.9+ deprecates
    condition strings; pandas turns it into ```column` == 1`` for ``DataFrame.query``,
    SQL into ``column = 1`` (checked on GX 1.24).
    """
    return {"type": "comparison", "column": {"name": column}, "operator": "==", "parameter": 1}


def check_kwargs(check: GxCheck) -> None:
    """Validate a check's kwargs against the expectation's own model (InputError naming
    the kwarg), so a bad kwarg is found when a plan is built, not mid-run."""
    load_gx()
    ephemeral_context()
    with quiet_gx():
        _build_expectation(check)


def is_row_level(expectation_type: str) -> bool:
    """Whether the expectation judges rows (so it has failing keys) or the whole table."""
    load_gx()
    return _is_row_level(expectation_type)


def _is_row_level(expectation_type: str) -> bool:
    register_library(expectation_type)
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
        raise InputError(f"{check.label}: invalid kwargs: {_kwargs_problems(exc)}") from None


def _kwargs_problems(exc: BaseException) -> str:
    """Each bad kwarg and what is wrong with it, on one line.

    pydantic's own message starts "3 validation errors for <class>" and puts the fields
    on later lines, so the first line alone never named the kwarg at fault. For a field
    pydantic rejects several ways (a union type), its first reason is the telling one.
    """
    errors = getattr(exc, "errors", None)
    if not isinstance(exc, ValueError) or not callable(errors):
        return first_line(exc)
    try:
        details = list(errors())
    except Exception:  # not pydantic's errors() after all
        return first_line(exc)
    problems: dict[str, str] = {}
    for detail in details:
        if not isinstance(detail, dict):
            return first_line(exc)
        field = ".".join(str(part) for part in detail.get("loc", ())) or "kwargs"
        message = "missing" if detail.get("type") in ("missing", "value_error.missing") else None
        problems.setdefault(field, message or str(detail.get("msg", "")).strip())
    if not problems:
        return first_line(exc)
    return "; ".join(f"{field}: {message}" for field, message in problems.items())


def build_suite(checks: list[GxCheck]) -> Any:
    """A throwaway GX suite of the checks; every one must be in it (GX drops duplicates)."""
    gx = load_gx()
    ephemeral_context()  # GX needs an active context before a suite can be built
    with quiet_gx():
        expectations = [_build_expectation(check) for check in checks]
    # The constructor takes the list as it is; add_expectation compares each new
    # expectation with every one already added (quadratic, ~ms per pair of dicts).
    suite = gx.ExpectationSuite(name=f"dqaudit-{uuid.uuid4().hex}", expectations=expectations)
    if len(suite.expectations) != len(checks):
        raise EngineError("GX dropped an expectation from the suite (duplicate kwargs?)")
    return suite


def validate_dataframe(frame: pd.DataFrame, checks: list[GxCheck]) -> dict[int, GxOutcome]:
    """Validate all checks against ``frame`` in one GX call; results keyed by ``ref``."""
    context = ephemeral_context()
    suite = build_suite(checks)
    name = f"dqaudit-{uuid.uuid4().hex}"
    datasource = context.data_sources.add_pandas(name)
    try:
        asset = datasource.add_dataframe_asset("extract")
        batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        try:
            with quiet_gx():
                validation = batch.validate(suite, result_format=RESULT_FORMAT)
        except Exception as exc:
            raise EngineError(f"Great Expectations failed: {first_line(exc)}") from exc
    finally:
        context.data_sources.delete(name)
    return outcomes_by_ref(validation.results, checks)


def outcomes_by_ref(
    results: Any,
    checks: list[GxCheck],
    *,
    index_required: bool = True,
    adjust: Callable[[Any], None] | None = None,
) -> dict[int, GxOutcome]:
    """GX's results as outcomes keyed by each check's ``ref`` (in every engine's validation):
    a result that matches no check, or a check with no result, is an EngineError, never a
    pass. ``adjust`` sees each result first (an engine's own correction of GX's result)."""
    by_ref = {check.ref: check for check in checks}
    outcomes: dict[int, GxOutcome] = {}
    for result in results:
        ref = (result.expectation_config.meta or {}).get(REF_KEY)
        if not isinstance(ref, int) or ref not in by_ref:
            raise EngineError("GX returned a result that matches no expectation of the suite")
        if adjust is not None:
            adjust(result)
        outcomes[ref] = outcome_of(result, by_ref[ref], index_required=index_required)
    missing = [by_ref[ref].label for ref in by_ref if ref not in outcomes]
    if missing:
        raise EngineError(f"GX returned no result for {', '.join(missing)}")
    return outcomes


def outcome_of(result: Any, check: GxCheck, index_required: bool = True) -> GxOutcome:
    details = result.result or {}
    error = exception_message(result.exception_info)
    row_level = _is_row_level(check.expectation_type)
    index_list = details.get("unexpected_index_list") if row_level else None
    unexpected_count = details.get("unexpected_count")
    if unexpected_count is not None:
        unexpected_count = int(unexpected_count)  # SQL sums can come back as decimals
    elif row_level and details.get("element_count") == 0:
        unexpected_count = 0  # SQL's SUM over an empty domain is NULL (see 17 above)
    if error is None and row_level and unexpected_count is None:
        error = "GX returned no unexpected_count for a row-level expectation"
    if error is None and row_level and index_list is None and unexpected_count and index_required:
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


def exception_message(info: Any) -> str | None:
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
            message = str(entry.get("exception_message") or "GX raised an exception").strip()
            # one line: drivers append "[SQL: ...]" and a help link on later lines
            return message.splitlines()[0] if message else "GX raised an exception"
    return None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


@contextmanager
def database_connection(engine: Any) -> Iterator[Any]:
    """GX keeps a persistent Connection for some dialects and an Engine for others."""
    import sqlalchemy as sa

    if isinstance(engine, sa.engine.Connection):
        yield engine
    else:
        with engine.connect() as connection:
            yield connection
