"""The shape of an exported action plan, shared by export and import.

Import trusts nothing in a workbook but what it recorded at export: the hidden sheet
names the plan, and the store holds which finding and rule each row carries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dqaudit.digests import sha256_text

COVER, FINDINGS, IDENTITY = "Cover", "Findings", "_dqaudit"
# Format 2: text cells hold the exact text (quote-prefix style, no apostrophe), values a
# rule compared as numbers or datetimes are typed, line-keyed records are labelled.
# Format 1: every formula-like text cell began with an apostrophe (``cells.restore``).
FORMAT_VERSION = "2"
READABLE_FORMATS = ("1", "2")
EXCEL_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    editable: bool = False


FINDING_COLUMNS = (
    Column("Finding ID", 8),
    Column("System", 10),
    Column("Dataset", 12),
    Column("Suite", 14),
    Column("Rule ID", 11),
    Column("Band", 8),
    Column("Risk score", 7),
    Column("Dimension", 11),
    Column("Rule", 42),
    Column("Failing records", 9),
    Column("Failing %", 9),
    Column("Excepted records", 9),
    Column("Trend", 11),
    Column("First seen", 11),
    Column("Last seen", 11),
    Column("Due date", 11),
    Column("Overdue", 8),
    Column("Recommended action", 32),
    Column("Status", 12, editable=True),
    Column("Agreed action", 26, editable=True),
    Column("Agreed date", 11, editable=True),
    Column("Owner comment", 26, editable=True),
    Column("Reason if not accepted", 20, editable=True),
    Column("Failing records sheet", 14),
)
FINDING_INDEX = {column.title: index for index, column in enumerate(FINDING_COLUMNS)}
# The drop-down offers only what an owner may set; Verified (set by a passing audit) is
# still read back unchanged from a plan that showed it.
OWNER_STATUSES = ("Open", "Agreed", "In progress", "Resolved", "Not accepted")
STATUS_CHOICES = (*OWNER_STATUSES, "Verified")
EXCEPTION_COLUMNS = ("Exception requested", "Exception reason")
YES = "Yes"


def records_sheet_name(finding_id: int, rule_id: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    safe = "".join("_" if ch in "[]:*?/\\" else ch for ch in rule_id)
    return f"F{finding_id} {safe}"[:31]


def findings_digest(recorded: list[dict[str, Any]]) -> str:
    """SHA-256 over which finding and rule each row and sheet of a plan carries."""
    identity = [
        [item["finding_id"], item["rule_id"], item["row"], item["sheet"], item["records"]]
        for item in recorded
    ]
    return sha256_text(json.dumps(identity, separators=(",", ":")))
