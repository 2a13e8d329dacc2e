"""The audit store: the one door every read and write of runs and governance goes through.

Open it with ``AuditStore(url)``; read and write through its repositories
(``store.runs``, ``store.trail``, ``store.approvals``, ``store.findings``,
``store.exceptions``, ``store.plans``, ``store.locks``, ``store.purges``,
``store.facts``, ``store.references``), which return the frozen dataclasses exported
here. The audit engine writes a run through ``store.start_run`` … ``store.finish_run``.
Several writes that must commit together (with their trail entry) go through
``store.trail.write_with_entry`` or ``store.transaction()``. Database errors are
EngineErrors naming the store, never its password. The tables (``schema``) and the
migrations are private to this package.
"""

from dqaudit.store.approvals import ApprovalRecord
from dqaudit.store.clock import Clock, as_utc, utc_now
from dqaudit.store.database import AuditStore, StoreConflict, StoreTransaction
from dqaudit.store.exceptions import RecordException
from dqaudit.store.facts import FindingFact, OutcomeFact, RunFact
from dqaudit.store.findings import Finding
from dqaudit.store.locks import LockRecord
from dqaudit.store.plans import PlanRecord
from dqaudit.store.provenance import host_name, os_user, process_alive
from dqaudit.store.purges import PurgeCandidate
from dqaudit.store.run_references import StoredReference
from dqaudit.store.run_writer import StaleRun
from dqaudit.store.runs import (
    FailingRecord,
    RunSummary,
    StoredBadRow,
    StoredRuleResult,
    StoredRun,
)
from dqaudit.store.statuses import ExceptionStatus, FindingStatus, KeySource, RunStatus
from dqaudit.store.trail import GENESIS, Protection, TrailEntry, entry_hash

__all__ = [
    "GENESIS",
    "ApprovalRecord",
    "AuditStore",
    "Clock",
    "ExceptionStatus",
    "FailingRecord",
    "Finding",
    "FindingFact",
    "FindingStatus",
    "KeySource",
    "LockRecord",
    "OutcomeFact",
    "PlanRecord",
    "Protection",
    "PurgeCandidate",
    "RecordException",
    "RunFact",
    "RunStatus",
    "RunSummary",
    "StaleRun",
    "StoreConflict",
    "StoreTransaction",
    "StoredBadRow",
    "StoredReference",
    "StoredRuleResult",
    "StoredRun",
    "TrailEntry",
    "as_utc",
    "entry_hash",
    "host_name",
    "os_user",
    "process_alive",
    "utc_now",
]
