"""What a view of failing records needs to know about the run and rule that found them:
the run's key columns (to label records identified by their line) and the columns the
rule compared as numbers or datetimes (to show those values typed).

The rule's ``value_type`` and ``datetime_format`` are not stored with its result; they
come from what the SIMB approved for the exact suite version the run ran (the approval's
canonical form holds both), so a suite edited since cannot change how old records show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dqaudit.actions.typed_values import Comparison, compared_columns, typed_value
from dqaudit.errors import DqauditError
from dqaudit.store import AuditStore, FailingRecord, record_label


@dataclass(frozen=True)
class RuleContext:
    key_columns: tuple[str, ...] = ()
    comparisons: dict[str, Comparison] = field(default_factory=dict)

    def label(self, record: FailingRecord) -> str:
        """``line 812 (no Crime ID)`` for a record identified by its line (the store's
        ``record_label``, shared with the console and JSON views)."""
        return record_label(record.key, record.key_source, self.key_columns)

    def typed(self, column: str, value: Any) -> tuple[Any, str | None]:
        return typed_value(value, self.comparisons.get(column))


def rule_context(
    store: AuditStore,
    run_id: str | None,
    rule_id: str | None,
    expectation_type: str,
    kwargs: dict[str, Any] | None,
) -> RuleContext:
    """The context of one rule of one stored run (empty when the run is gone)."""
    if run_id is None:
        return RuleContext(comparisons=compared_columns(expectation_type, kwargs or {}))
    try:
        run = store.runs.get(run_id, with_keys=False)
    except DqauditError:
        return RuleContext(comparisons=compared_columns(expectation_type, kwargs or {}))
    value_type, datetime_format = approved_types(store, run.suite_name, run.suite_hash, rule_id)
    return RuleContext(
        tuple(run.key_columns or ()),
        compared_columns(expectation_type, kwargs or {}, value_type, datetime_format),
    )


def approved_types(
    store: AuditStore, suite_name: str, suite_hash: str, rule_id: str | None
) -> tuple[str | None, str | None]:
    """A rule's ``value_type`` and ``datetime_format`` as the SIMB approved them."""
    approval = store.approvals.for_hash(suite_name, suite_hash)
    if approval is None or rule_id is None:
        return None, None
    for item in approval.canonical.get("expectations", []) or []:
        if isinstance(item, dict) and item.get("rule_id") == rule_id:
            value_type, fmt = item.get("value_type"), item.get("datetime_format")
            return (
                value_type if isinstance(value_type, str) else None,
                fmt if isinstance(fmt, str) else None,
            )
    return None, None
