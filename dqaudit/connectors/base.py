"""What every connector returns: an extract, typed by how it is validated.

Two kinds, and a connector plugin returns one of them:

- ``FrameExtract``: rows in memory (pandas), with the physical line each record starts
  on where the source has lines (files), and the records left out under ``on_bad_row``;
- ``DatabaseExtract``: a table or query that is validated inside its database
  (pushdown); only its shape and row count have been read.

Both carry a ``Fingerprint`` that identifies exactly what was audited. A connector may
also offer an ``ExtractHeader``: the column names alone, read without reading the records
(``suite lint`` checks a suite's columns with it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from dqaudit.credentials import scrub

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class Fingerprint:
    """Identifies exactly what was audited, so a run can be traced to its input.

    ``source`` never carries a password; ``sha256`` is of the file bytes or query text.
    """

    source: str
    sha256: str
    rows: int
    columns: list[str]
    extracted_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class BadRowPolicy(StrEnum):
    """What a file connector does with a malformed record (see ``on_bad_row``)."""

    ERROR = "error"
    SKIP = "skip"
    REPORT = "report"


BAD_ROW_POLICIES = tuple(policy.value for policy in BadRowPolicy)


@dataclass(frozen=True)
class BadRow:
    """A record left out under ``on_bad_row: skip|report``: where it starts and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class FrameExtract:
    """Rows in memory; ``line_numbers[i]`` is where row i starts in its file.

    ``line_numbers`` is None where the source has no lines (a database table read into
    memory): records there are identified by their key columns only. ``bad_rows`` are
    listed with the run, never dropped silently.
    """

    frame: pd.DataFrame
    fingerprint: Fingerprint
    line_numbers: np.ndarray | None = None
    bad_rows: tuple[BadRow, ...] = ()
    bad_row_policy: BadRowPolicy = BadRowPolicy.ERROR

    @property
    def has_lines(self) -> bool:
        return self.line_numbers is not None


@dataclass(frozen=True)
class DatabaseTarget:
    """A database to read, with everything needed to open read-only sessions on it.

    ``url`` carries the password and is never shown; ``display`` is the masked URL.
    ``engine_url`` and ``engine_kwargs`` open a session that the database itself keeps
    read-only (see dqaudit.connectors.sql_session).
    """

    url: str
    display: str
    dialect: str
    engine_url: str
    engine_kwargs: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    password: str | None = None

    def scrub(self, text: str) -> str:
        """Remove the password (and the raw URL) from a message."""
        return scrub(text.replace(self.url, self.display), self.password)


@dataclass(frozen=True)
class DatabaseExtract:
    """A table (optionally schema-qualified) or a query, validated in its database.

    ``select_sql`` is the SELECT that reads the rows; ``column_types`` maps each column
    to the database's type name, so an audit plan knows which columns hold text.
    """

    target: DatabaseTarget
    fingerprint: Fingerprint
    select_sql: str
    table: str | None = None
    schema: str | None = None
    query: str | None = None
    column_types: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.table:
            return f"{self.schema}.{self.table}" if self.schema else self.table
        return "query"


Extract = FrameExtract | DatabaseExtract


@dataclass(frozen=True)
class ExtractHeader:
    """An extract's column names, read without reading its records: a file's header line
    or header row, a fixed-width layout, a query's columns (``WHERE 1 = 0``).

    ``has_lines`` is False where records have no lines (a database); ``dialect`` names the
    database a pushdown extract is validated in, and is None for an extract read into
    memory. ``suite lint`` uses it to check columns and engine support before any run.
    """

    source: str
    columns: tuple[str, ...]
    has_lines: bool = True
    dialect: str | None = None
