"""The one Protocol every backend implements, and what backends hand back.

A backend executes an audit plan on one kind of extract: pandas for rows in memory,
SQL pushdown for a database table or query (Spark will be a third). It never checks the
suite again (the plan did), and it reports in the same terms: GX's outcome per rule, the
helper columns' counts, and each failing rule's records as a stream of batches. The
runner (dqaudit.engine.run) turns that into results identically for every backend, so
"which keys failed" and "how many" can never depend on how the data was reached.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from dqaudit.engine.plan import AuditPlan, ExtractSchema, PlannedRule
    from dqaudit.expectations.gx_adapter import GxOutcome

KEY_SEPARATOR = "|"
RECORD_BATCH = 5_000


class KeySource(StrEnum):
    """How a failing record is identified: by its key columns, or by its line."""

    COLUMN = "column"
    LINE = "line"


@dataclass(frozen=True)
class FailingRecord:
    """One failing row: its key, the values of the columns the rule reads, and how the
    key was found (a row whose key is blank in a file is identified by its line)."""

    key: str
    values: dict[str, Any]
    key_source: KeySource = KeySource.COLUMN


@dataclass
class HelperCounts:
    """What the helper columns found: per condition column, the rows it selected and the
    values it could not read; per typed column, the values it could not read."""

    selected: dict[str, int] = field(default_factory=dict)
    condition_unreadable: dict[str, dict[str, int]] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleWarning:
    """Rows a rule listed for checking without failing them (e.g. a local time in the
    repeated clock-change hour whose reading decides the verdict): why, and their keys."""

    message: str
    keys: list[str]


class PreparedAudit(Protocol):
    """An extract with the plan's helper columns, validated by GX on demand."""

    rows: int
    key_warnings: list[str]

    def outcomes(self) -> dict[int, GxOutcome]:
        """GX's outcome for every rule of the plan, keyed by rule position."""
        ...

    def helper_counts(self) -> HelperCounts: ...

    def failing_records(self, rule: PlannedRule, batch_size: int) -> Iterator[list[FailingRecord]]:
        """The rule's failing rows in batches: file order on files, key order in a
        database. Their number must equal GX's unexpected_count (the runner checks)."""
        ...

    def rule_warnings(self, rule: PlannedRule) -> list[RuleWarning]:
        """Rows the rule library lists for checking on this rule (none for most rules)."""
        ...


class Backend(Protocol):
    """Runs audit plans on one extract."""

    engine: str

    def schema(self) -> ExtractSchema:
        """The extract's columns and their kinds, read without reading its rows."""
        ...

    def open(self, plan: AuditPlan) -> AbstractContextManager[PreparedAudit]: ...


def key_text(value: Any) -> str:
    """One value as text, as keys and text comparisons read it, on every backend: a
    datetime in ISO form with a space, anything else as Python writes it."""
    if type(value) is str:  # most keys: no further test (a million keys cost seconds)
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return key_text(value.item())
    return str(value)


def plain(value: Any) -> Any:
    """A value as JSON can store it (failing records keep the rule's columns' values)."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, float):
        return None if value != value else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return plain(value.item())
    return str(value)
