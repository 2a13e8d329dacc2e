"""The shape of an exported action plan, shared by export and import.

Import trusts nothing in a workbook but what it recorded at export: the hidden sheet
names the plan, and the store holds which finding and rule each row carries.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

COVER, FINDINGS, IDENTITY = "Cover", "Findings", "_dqaudit"
FORMAT_VERSION = "1"
EXCEL_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    editable: bool = False


FINDING_COLUMNS = (
    Column("Finding ID", 10),
    Column("System", 12),
    Column("Dataset", 16),
    Column("Suite", 20),
    Column("Rule ID", 14),
    Column("Band", 9),
    Column("Risk score", 9),
    Column("Dimension", 13),
    Column("Rule", 60),
    Column("Failing records", 10),
    Column("Failing %", 9),
    Column("Excepted records", 10),
    Column("Trend", 16),
    Column("First seen", 12),
    Column("Last seen", 12),
    Column("Due date", 12),
    Column("Overdue", 9),
    Column("Recommended action", 50),
    Column("Status", 14, editable=True),
    Column("Agreed action", 40, editable=True),
    Column("Agreed date", 12, editable=True),
    Column("Owner comment", 40, editable=True),
    Column("Reason if not accepted", 30, editable=True),
    Column("Failing records sheet", 18),
)
FINDING_INDEX = {column.title: index for index, column in enumerate(FINDING_COLUMNS)}
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
    return hashlib.sha256(json.dumps(identity, separators=(",", ":")).encode()).hexdigest()
